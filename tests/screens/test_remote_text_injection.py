"""Text that arrives with someone else's change is drawn as one safe line (issue 9, part 1).

Sync brings other people's words onto the screen: who made a change (a teammate types their own
name), what they named the record or stage, the value now in the field being edited. Each reaches
a notification ("… moved '…' to …") or an open editor's message line. A name may hold every
payload, and a newline to fake a second line of the message; none may come through as it is.
"""

from __future__ import annotations

import time

from track_tui.models import RecordType
from track_tui.safe_text import is_safe
from track_tui.screens.board import BoardScreen
from track_tui.screens.record import RecordScreen
from track_tui.screens.record_dialogs import TextFieldScreen

from tests.support.poisoned_workspace import PAYLOADS

from .sync_support import add_teammate, server_edit, syncing_app
from .test_sync_remote_changes import news_time

SIZE = (120, 40)
HOSTILE_NAME = "Ana\nReyes " + "".join(PAYLOADS[:9])  # every control payload, and a line break
HOSTILE_VALUE = "Their\nname\x1b]52;c;SGVsbG8=\x07\x1b[2J\u202e"


async def settle(app, pilot) -> None:
    await app.workers.wait_for_complete()
    await pilot.pause()


async def until(pilot, condition, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        await pilot.pause(0.05)
    return condition()


async def test_a_notification_of_a_hostile_teammates_move_is_one_safe_line(demo_store):
    add_teammate(demo_store, HOSTILE_NAME)
    app = syncing_app(demo_store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        board = app.screen
        assert isinstance(board, BoardScreen)
        card = board.columns[0].cards.card_ids[0]
        deal_id = demo_store.conn.execute("SELECT record_id FROM board_cards WHERE id = ?", (card,)).fetchone()[0]
        stage = board.stages[1]
        server_edit(demo_store, "board_stages", stage.id, name="\x1b]0;stage\x07Won\nreally")
        server_edit(demo_store, "deals", deal_id, name=HOSTILE_VALUE, stage_id=stage.id)
        server_edit(demo_store, "board_cards", card, stage_id=stage.id)
        await settle(app, pilot)
        await news_time(pilot)
        shown = [n.message for n in app._notifications if n.title == "Changed by someone else"]
        assert shown, [n.message for n in app._notifications]
        for message in shown:
            assert is_safe(message), repr(message)  # is_safe: no control, and no newline either
            assert message.startswith("Ana Reyes ␛]52;c;SGVsbG8=␇")  # cut at NAME_CELLS
            assert "to ␛]0;stage␇Won really" in message


async def test_an_open_editors_warning_names_a_hostile_teammate_and_value_in_one_safe_line(demo_store):
    add_teammate(demo_store, HOSTILE_NAME)
    app = syncing_app(demo_store)
    async with app.run_test(size=SIZE) as pilot:
        deal_id = demo_store.conn.execute("SELECT id FROM deals WHERE deleted_at IS NULL ORDER BY id LIMIT 1").fetchone()[0]
        await settle(app, pilot)
        app.open_record(RecordType.DEAL, deal_id)
        await settle(app, pilot)
        page = app.screen
        assert isinstance(page, RecordScreen)
        page.edit_field("field:name")
        await pilot.pause()
        assert isinstance(app.screen, TextFieldScreen)
        server_edit(demo_store, "deals", deal_id, name=HOSTILE_VALUE)
        label = app.screen.query_one("#error")
        assert await until(pilot, lambda: label.display and "while you were editing" in str(label.render()))
        warning = str(label.render())
        assert is_safe(warning), repr(warning)
        assert "Ana Reyes ␛]52;c" in warning and "Their name␛]52;c;SGVsbG8=␇␛[2J\ufffd" in warning

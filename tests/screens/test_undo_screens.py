"""`u` and `U` on every screen: the app takes the store's last step back (or again), says what,
and the screen in front shows the result with its cursor on what came back."""

from __future__ import annotations

from track_tui.models import RecordType, TaskStatus
from track_tui.models.enums import StageType
from track_tui.screens.board import BoardScreen
from track_tui.screens.dialogs import BoardPickerScreen
from track_tui.screens.record import RecordScreen
from track_tui.store import Origin

from .test_board import SIZE, board_of, card_row, focus_column_before, settle
from .test_inbox import open_inbox
from .test_record import a_deal, focus_field, open_page


def messages(app) -> list[str]:
    return [n.message for n in app._notifications]


def column_of(board: BoardScreen, card_id: str) -> int:
    return next(i for i, column in enumerate(board.columns) if card_id in column.cards.card_ids)


async def test_u_takes_back_a_stage_move_and_a_reorder_newest_first_and_U_redoes(demo_app, demo_store):
    async with demo_app.run_test(size=SIZE) as pilot:
        await settle(demo_app, pilot)
        board = board_of(demo_app)
        await pilot.press("j")
        card = board.column.cards.current_id
        index = board.column.cards.cursor
        deal = card_row(demo_store, card)["record_id"]
        await pilot.press("J")  # one down
        await settle(demo_app, pilot)
        await pilot.press("L")  # and on to the next stage
        await settle(demo_app, pilot)
        assert column_of(board, card) == 1
        await pilot.press("u")
        await settle(demo_app, pilot)
        name = demo_store.record(RecordType.DEAL, deal).name
        assert messages(demo_app)[-1] == f"Undone: the stage move — {name}"
        assert column_of(board, card) == 0
        assert board.col == 0 and board.column.cards.current_id == card  # the cursor followed it
        assert board.column.cards.card_ids.index(card) == index + 1
        await pilot.press("u")
        await settle(demo_app, pilot)
        assert messages(demo_app)[-1] == f"Undone: the reorder — {name}"
        assert board.column.cards.card_ids.index(card) == index
        await pilot.press("U")
        await settle(demo_app, pilot)
        assert messages(demo_app)[-1] == f"Redone: the reorder — {name}"
        assert board.column.cards.card_ids.index(card) == index + 1
        assert [r["op"] for r in demo_store.conn.execute(
            "SELECT op FROM outbox WHERE table_name = 'timeline_entries' ORDER BY seq")] == ["insert", "delete"]


async def test_nothing_to_undo_is_said_and_u_over_a_dialog_is_the_dialogs(demo_app, demo_store):
    async with demo_app.run_test(size=SIZE) as pilot:
        await settle(demo_app, pilot)
        await pilot.press("u")
        await pilot.pause()
        assert messages(demo_app)[-1] == "Nothing to undo"
        board = board_of(demo_app)
        card = board.column.cards.current_id
        await pilot.press("L")
        await settle(demo_app, pilot)
        await pilot.press("b")
        await pilot.pause()
        assert isinstance(demo_app.screen, BoardPickerScreen)
        await pilot.press("u")
        await pilot.pause()
        assert column_of(board, card) == 1  # not undone behind the dialog
        assert not any(m.startswith("Undone") for m in messages(demo_app))


async def test_undo_of_a_card_a_teammate_moved_since_says_so_and_keeps_their_move(demo_app, demo_store):
    async with demo_app.run_test(size=SIZE) as pilot:
        await settle(demo_app, pilot)
        board = board_of(demo_app)
        card = board.column.cards.current_id
        await pilot.press("L")
        await settle(demo_app, pilot)
        later = board.stages[2].id
        with demo_store.transaction(origin=Origin.SERVER) as tx:
            row = tx.fetch("board_cards", card)
            tx.update("board_cards", card, {"stage_id": later})
            tx.update("deals", row["record_id"], {"stage_id": later})
        await settle(demo_app, pilot)
        await pilot.press("u")
        await settle(demo_app, pilot)
        note = demo_app._notifications
        warning = [n for n in note if n.severity == "warning"][-1].message
        assert warning.startswith("Cannot undo the stage move")
        assert f"Stage is now {board.stages[2].name}" in warning
        assert column_of(board, card) == 2


async def test_space_twice_in_the_inbox_is_undone_twice(demo_app, demo_store):
    async with demo_app.run_test(size=SIZE) as pilot:
        inbox = await open_inbox(demo_app, pilot)
        task = inbox.task_list.current
        assert task.status == TaskStatus.OPEN
        await pilot.press("space")
        await settle(demo_app, pilot)
        await pilot.press("space")
        await settle(demo_app, pilot)
        assert demo_store.inbox_task(task.id).status == TaskStatus.DONE
        await pilot.press("u")
        await settle(demo_app, pilot)
        assert demo_store.inbox_task(task.id).status == TaskStatus.IN_PROGRESS
        assert inbox.task_list.current.id == task.id  # back in view, with the cursor on it
        await pilot.press("u")
        await settle(demo_app, pilot)
        assert demo_store.inbox_task(task.id).status == TaskStatus.OPEN
        assert messages(demo_app)[-1] == f"Undone: the status change — {task.title}"
        completed = [e for e in demo_store.timeline(task.record_id) if e.payload.get("task_id") == task.id
                     and e.payload.get("action") == "completed"]
        assert completed == []  # the completion's entry went with it


async def test_a_field_edit_and_a_removed_contact_are_undone_on_the_record_page(demo_app, demo_store):
    deal = a_deal(demo_store, "id IN (SELECT deal_id FROM deal_contacts WHERE role IS NOT NULL)")
    link = demo_store.conn.execute(
        "SELECT id, contact_id, role FROM deal_contacts WHERE deal_id = ? AND role IS NOT NULL LIMIT 1", (deal,)
    ).fetchone()
    async with demo_app.run_test(size=SIZE) as pilot:
        page = await open_page(demo_app, pilot, RecordType.DEAL, deal)
        name = page.record.name
        await focus_field(pilot, page, "field:name")
        await pilot.press("e")
        await pilot.pause()
        await pilot.press("ctrl+u", *"Renamed deal", "enter")
        await settle(demo_app, pilot)
        assert demo_store.record(RecordType.DEAL, deal).name == "Renamed deal"
        page.relations_list.focus()
        relation = next(r for r in page.relations if r.link_id == link["id"])
        ids = [page.relations_list.get_option_at_index(i).id for i in range(page.relations_list.option_count)]
        page.relations_list.highlighted = ids.index(page.option_of(relation))
        await pilot.press("x")
        await settle(demo_app, pilot)
        assert not any(r.link_id == link["id"] for r in page.relations)
        await pilot.press("u")
        await settle(demo_app, pilot)
        back = [r for r in page.relations if r.link_id == link["id"]]
        assert back and back[0].detail == link["role"]  # with its role
        await pilot.press("u")
        await settle(demo_app, pilot)
        assert isinstance(demo_app.screen, RecordScreen)
        assert demo_store.record(RecordType.DEAL, deal).name == name == page.record.name
        assert messages(demo_app)[-1] == "Undone: the field edit — Renamed deal"


async def test_the_palette_names_what_u_would_undo(demo_app, demo_store):
    async with demo_app.run_test(size=SIZE) as pilot:
        await settle(demo_app, pilot)
        board = board_of(demo_app)
        await focus_column_before(pilot, board, StageType.WON)
        card = board.column.cards.current_id
        name = demo_store.record(RecordType.DEAL, card_row(demo_store, card)["record_id"]).name
        await pilot.press("H")
        await settle(demo_app, pilot)
        titles = [c.title for c in demo_app.get_system_commands(demo_app.screen)]
        assert f"Undo: the stage move — {name}" in titles
        assert not any(t.startswith("Redo:") for t in titles)


async def test_undo_from_the_palette(demo_app, demo_store):
    async with demo_app.run_test(size=SIZE) as pilot:
        await settle(demo_app, pilot)
        board = board_of(demo_app)
        card = board.column.cards.current_id
        await pilot.press("L")
        await settle(demo_app, pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Undo: the stage")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await settle(demo_app, pilot)
        assert isinstance(demo_app.screen, BoardScreen)
        assert column_of(board, card) == 0
        assert messages(demo_app)[-1].startswith("Undone: the stage move")

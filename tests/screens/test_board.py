"""Pilot tests of the board: every flow asserts what the store holds afterwards."""

from __future__ import annotations

import json

from tests.support.pilot import settle, until
from track_tui.app import TrackApp
from track_tui.config import Settings
from track_tui.demo import fill_first_column
from track_tui.models import RecordType
from track_tui.models.enums import StageType
from track_tui.screens.board import BoardScreen
from track_tui.screens.dialogs import OutcomeScreen, QuickAddScreen
from track_tui.screens.help import HelpScreen
from track_tui.screens.record import RecordScreen
from track_tui.store import Origin

SIZE = (120, 40)


def board_of(app: TrackApp) -> BoardScreen:
    screen = app.screen
    assert isinstance(screen, BoardScreen)
    return screen


async def focus_column_before(pilot, board: BoardScreen, stage_type: StageType) -> int:
    """Put the focus on the column left of the first stage of `stage_type`; return that stage's index."""
    target = next(i for i, s in enumerate(board.stages) if s.stage_type == stage_type)
    for _ in range(target - 1 - board.col):
        await pilot.press("l")
    return target


def outbox(store) -> list[dict]:
    return [dict(r) for r in store.conn.execute("SELECT * FROM outbox ORDER BY seq")]


def card_row(store, card_id: str) -> dict:
    return dict(store.conn.execute("SELECT * FROM board_cards WHERE id = ?", (card_id,)).fetchone())


async def test_board_shows_every_stage_with_its_figures(demo_app, demo_store):
    async with demo_app.run_test(size=SIZE) as pilot:
        await settle(demo_app, pilot)
        board = board_of(demo_app)
        stages = demo_store.stages(board.board.id)
        assert [c.stage_id for c in board.columns] == [s.id for s in stages]
        for column, stage in zip(board.columns, stages):
            expected = demo_store.conn.execute(
                """SELECT count(*) FROM board_cards c JOIN deals d ON d.id = c.record_id
                WHERE c.stage_id = ? AND d.deleted_at IS NULL""",
                (stage.id,),
            ).fetchone()[0]
            assert len(column.cards.card_ids) == expected
            assert f"{expected:,} deal" in str(column.header.render())


async def test_focus_moves_with_hjkl_and_arrows(demo_app):
    async with demo_app.run_test(size=SIZE) as pilot:
        await settle(demo_app, pilot)
        board = board_of(demo_app)
        assert board.col == 0
        await pilot.press("l", "right")
        assert board.col == 2
        await pilot.press("h")
        assert board.col == 1
        await pilot.press("j", "down", "j")
        assert board.column.cards.cursor == 3
        await pilot.press("k")
        assert board.column.cards.cursor == 2
        await pilot.press("G")
        assert board.column.cards.cursor == len(board.column.cards.card_ids) - 1
        await pilot.press("g")
        assert board.column.cards.cursor == 0


async def test_L_moves_the_card_to_the_next_stage_through_the_write_path(demo_app, demo_store):
    async with demo_app.run_test(size=SIZE) as pilot:
        await settle(demo_app, pilot)
        board = board_of(demo_app)
        card_id = board.column.cards.current_id
        before = card_row(demo_store, card_id)
        source, target = board.stages[0], board.stages[1]
        await pilot.press("L")
        await settle(demo_app, pilot)

        after = card_row(demo_store, card_id)
        assert after["stage_id"] == target.id
        deal = demo_store.record(RecordType.DEAL, before["record_id"])
        assert deal.stage_id == target.id
        entry = demo_store.timeline(deal.id, limit=1)[0]
        assert entry.entry_type == "stage_change"
        assert entry.payload["from_stage"] == source.name
        assert entry.payload["to_stage"] == target.name
        changed = {(r["table_name"], r["row_id"], r["op"]) for r in outbox(demo_store)}
        assert changed == {
            ("board_cards", card_id, "update"),
            ("deals", deal.id, "update"),
            ("timeline_entries", entry.id, "insert"),
        }
        # The focus followed the card to the top of its new column.
        assert board.col == 1
        assert board.column.cards.current_id == card_id
        assert board.column.cards.cursor == 0
        assert card_id not in board.columns[0].cards.card_ids
        assert "local only" in board.status.text and "pending" not in board.status.text  # the demo uploads nothing

        await pilot.press("H")
        await settle(demo_app, pilot)
        assert card_row(demo_store, card_id)["stage_id"] == source.id
        assert board.col == 0 and board.column.cards.current_id == card_id


async def test_moving_into_won_asks_for_the_outcome(demo_app, demo_store):
    async with demo_app.run_test(size=SIZE) as pilot:
        await settle(demo_app, pilot)
        board = board_of(demo_app)
        won_index = await focus_column_before(pilot, board, StageType.WON)
        card_id = board.column.cards.current_id
        deal_id = card_row(demo_store, card_id)["record_id"]
        await pilot.press("L")
        await pilot.pause()
        assert isinstance(demo_app.screen, OutcomeScreen)
        await pilot.press(*"Champion pushed it through", "enter")
        await settle(demo_app, pilot)

        assert card_row(demo_store, card_id)["stage_id"] == board.stages[won_index].id
        deal = demo_store.record(RecordType.DEAL, deal_id)
        assert deal.close_date == demo_store.today()
        move = demo_store.timeline(deal_id, types=["stage_change"], limit=1)[0]
        assert move.payload["to_stage_type"] == "won"
        assert move.payload["note"] == "Champion pushed it through"


async def test_cancelling_a_lost_move_changes_nothing(demo_app, demo_store):
    async with demo_app.run_test(size=SIZE) as pilot:
        await settle(demo_app, pilot)
        board = board_of(demo_app)
        await focus_column_before(pilot, board, StageType.LOST)
        card_id = board.column.cards.current_id
        before = card_row(demo_store, card_id)
        await pilot.press("L")
        await pilot.pause()
        assert isinstance(demo_app.screen, OutcomeScreen)
        await pilot.press("escape")
        await settle(demo_app, pilot)
        assert card_row(demo_store, card_id) == before
        assert outbox(demo_store) == []


async def test_lost_move_records_the_reason(demo_app, demo_store):
    async with demo_app.run_test(size=SIZE) as pilot:
        await settle(demo_app, pilot)
        board = board_of(demo_app)
        await focus_column_before(pilot, board, StageType.LOST)
        deal_id = card_row(demo_store, board.column.cards.current_id)["record_id"]
        await pilot.press("L")
        await pilot.pause()
        await pilot.press("down", "down", "enter")  # Competitor
        await pilot.press(*"chose the incumbent", "enter")
        await settle(demo_app, pilot)
        move = demo_store.timeline(deal_id, types=["stage_change"], limit=1)[0]
        assert move.payload["note"] == "Competitor: chose the incumbent"


async def test_J_and_K_reorder_within_the_column(demo_app, demo_store):
    async with demo_app.run_test(size=SIZE) as pilot:
        await settle(demo_app, pilot)
        cards = board_of(demo_app).column.cards
        first, second = cards.card_ids[0], cards.card_ids[1]
        await pilot.press("J")
        assert cards.card_ids[:2] == [second, first]
        assert cards.current_id == first
        assert card_row(demo_store, first)["position"] > card_row(demo_store, second)["position"]
        assert demo_store.column_card_ids(board_of(demo_app).board, cards.card_ids and board_of(demo_app).stages[0].id)[:2] == [second, first]
        assert {r["row_id"] for r in outbox(demo_store)} == {first, second}
        await pilot.press("K")
        assert cards.card_ids[:2] == [first, second]
        await pilot.press("K")  # already at the top: nothing happens
        assert cards.card_ids[:2] == [first, second]


async def test_enter_opens_the_record_and_escape_returns_to_the_same_card(demo_app, demo_store):
    async with demo_app.run_test(size=SIZE) as pilot:
        await settle(demo_app, pilot)
        board = board_of(demo_app)
        await pilot.press("l", "j")
        card_id = board.column.cards.current_id
        await pilot.press("enter")
        await settle(demo_app, pilot)
        assert isinstance(demo_app.screen, RecordScreen)
        assert demo_app.screen.record_id == card_row(demo_store, card_id)["record_id"]
        await pilot.press("escape")
        await settle(demo_app, pilot)
        assert demo_app.screen is board
        assert board.col == 1 and board.column.cards.current_id == card_id


async def test_quick_add_creates_a_deal_at_the_top_of_the_column(demo_app, demo_store):
    async with demo_app.run_test(size=SIZE) as pilot:
        await settle(demo_app, pilot)
        board = board_of(demo_app)
        await pilot.press("l", "n")
        await pilot.pause()
        assert isinstance(demo_app.screen, QuickAddScreen)
        await pilot.press(*"Orbital renewal", "tab", *"12.5k", "tab", "tab", *"Orbital Ltd", "tab", *"+30d", "enter")
        await settle(demo_app, pilot)
        row = demo_store.conn.execute("SELECT * FROM deals WHERE name = 'Orbital renewal'").fetchone()
        assert row is not None
        assert row["value_cents"] == 1_250_000 and row["currency"] == "USD"
        assert row["stage_id"] == board.stages[1].id
        assert row["close_date"] == "2026-12-25"
        company = demo_store.conn.execute("SELECT name FROM companies WHERE id = ?", (row["company_id"],)).fetchone()
        assert company["name"] == "Orbital Ltd"
        assert board.column.cards.cursor == 0
        assert board.column.cards.summary(board.column.cards.current_id).record_id == row["id"]
        ops = {(r["table_name"], r["op"]) for r in outbox(demo_store)}
        assert {("deals", "insert"), ("board_cards", "insert"), ("companies", "insert")} <= ops


async def test_quick_add_refuses_a_bad_value_and_saves_nothing(demo_app, demo_store):
    async with demo_app.run_test(size=SIZE) as pilot:
        await settle(demo_app, pilot)
        before = demo_store.conn.execute("SELECT count(*) FROM deals").fetchone()[0]
        await pilot.press("n")
        await pilot.pause()
        await pilot.press(*"Bad deal", "tab", *"lots", "enter")
        await pilot.pause()
        screen = demo_app.screen
        assert isinstance(screen, QuickAddScreen)
        assert "Value" in str(screen.query_one("#error").render())
        screen.query_one("#currency").value = "JPY"
        screen.query_one("#value").value = "10.5"
        await pilot.press("enter")
        await pilot.pause()
        assert "JPY has 0 decimal places" in str(screen.query_one("#error").render())
        await pilot.press("escape")
        await settle(demo_app, pilot)
        assert demo_store.conn.execute("SELECT count(*) FROM deals").fetchone()[0] == before
        assert outbox(demo_store) == []


async def test_filter_by_stale_days_and_clear(demo_app, demo_store):
    async with demo_app.run_test(size=SIZE) as pilot:
        await settle(demo_app, pilot)
        board = board_of(demo_app)
        total = sum(len(c.cards.card_ids) for c in board.columns)
        await pilot.press("slash", *"stale:30", "enter")
        await settle(demo_app, pilot)
        shown = [cid for c in board.columns for cid in c.cards.card_ids]
        assert 0 < len(shown) < total
        now = demo_store.now()
        for summary in demo_store.card_summaries(shown).values():
            assert summary.days_in_stage(now) >= 30
        assert "stale:30" in str(board.status.render())
        await pilot.press("escape")
        await settle(demo_app, pilot)
        assert sum(len(c.cards.card_ids) for c in board.columns) == total


async def test_filter_by_owner_and_value(demo_app, demo_store):
    async with demo_app.run_test(size=SIZE) as pilot:
        await settle(demo_app, pilot)
        board = board_of(demo_app)
        await pilot.press("slash", *"owner:me >1k", "enter")
        await settle(demo_app, pilot)
        shown = [cid for c in board.columns for cid in c.cards.card_ids]
        assert shown
        for summary in demo_store.card_summaries(shown).values():
            assert summary.owner_id == demo_store.user_id
            assert summary.value is not None and summary.value.amount > 1000


async def test_a_bad_filter_is_explained(demo_app):
    async with demo_app.run_test(size=SIZE) as pilot:
        await settle(demo_app, pilot)
        board = board_of(demo_app)
        await pilot.press("slash", *"stale:soon", "enter")
        await pilot.pause()
        assert "stale:14" in str(board.query_one("#filter-error").render())
        assert board.flt.is_empty


async def test_b_switches_to_the_contacts_board(demo_app, demo_store):
    async with demo_app.run_test(size=SIZE) as pilot:
        await settle(demo_app, pilot)
        board = board_of(demo_app)
        contacts_board = next(b for b in demo_store.boards() if b.record_type == RecordType.CONTACT)
        await pilot.press("b")
        await pilot.pause()
        position = [b.id for b in demo_store.boards()].index(contacts_board.id)
        current = [b.id for b in demo_store.boards()].index(board.board.id)
        await pilot.press(*(["down"] * (position - current)), "enter")
        await settle(demo_app, pilot)
        assert board.board.id == contacts_board.id
        assert [c.stage_id for c in board.columns] == [s.id for s in demo_store.stages(contacts_board.id)]
        assert demo_store.get_meta("last_board_id") == contacts_board.id


async def test_help_lists_the_live_bindings(demo_app):
    async with demo_app.run_test(size=SIZE) as pilot:
        await settle(demo_app, pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(demo_app.screen, HelpScreen)
        rows = {binding_id: (keys, label) for keys, label, binding_id in demo_app.screen.rows}
        assert rows["board.card_next_stage"] == ("L", "Move the card to the next stage")
        assert rows["board.column_prev"][0] == "h ←"
        await pilot.press("escape")
        assert isinstance(demo_app.screen, BoardScreen)


async def test_keymap_from_config_remaps_a_binding(demo_store):
    app = TrackApp(demo_store, Settings(keymap={"board.card_next_stage": "ctrl+right"}))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        board = board_of(app)
        card_id = board.column.cards.current_id
        await pilot.press("ctrl+right")
        await settle(app, pilot)
        assert card_row(demo_store, card_id)["stage_id"] == board.stages[1].id


async def test_server_changes_reach_the_board(demo_app, demo_store):
    async with demo_app.run_test(size=SIZE) as pilot:
        await settle(demo_app, pilot)
        board = board_of(demo_app)
        card_id = board.columns[0].cards.card_ids[-1]
        with demo_store.transaction(origin=Origin.SERVER) as tx:  # a row as the sync engine applies it
            tx.update("board_cards", card_id, {"stage_id": board.stages[2].id, "position": -100})
        await settle(demo_app, pilot)
        assert board.columns[2].cards.card_ids[0] == card_id
        assert card_id not in board.columns[0].cards.card_ids
        assert demo_store.pending_count() == 0


async def test_changes_made_on_another_screen_show_when_the_board_returns(demo_app, demo_store):
    async with demo_app.run_test(size=SIZE) as pilot:
        await settle(demo_app, pilot)
        board = board_of(demo_app)
        card_id = board.column.cards.current_id
        await pilot.press("enter")
        await settle(demo_app, pilot)
        assert not board.is_active
        demo_store.move_card(card_id, board.stages[2].id)  # as the record page does
        await settle(demo_app, pilot)
        await pilot.press("escape")
        await settle(demo_app, pilot)
        assert board.columns[2].cards.card_ids[0] == card_id
        assert card_id not in board.columns[0].cards.card_ids


async def test_a_column_of_ten_thousand_cards_draws_only_what_is_visible(demo_app, demo_store):
    fill_first_column(demo_store, 10_000)
    async with demo_app.run_test(size=SIZE) as pilot:
        await settle(demo_app, pilot)
        board = board_of(demo_app)
        cards = board.columns[0].cards
        assert len(cards.card_ids) == 10_000
        widgets_before = len(list(demo_app.screen.walk_children()))
        await pilot.press("G")
        await pilot.pause()
        assert cards.cursor == len(cards.card_ids) - 1
        # Only the cards on screen were ever built, and no widget exists per card.
        assert len(cards._summaries) < 64
        assert len(list(demo_app.screen.walk_children())) == widgets_before
        await pilot.press("L")
        await settle(demo_app, pilot)
        assert card_row(demo_store, board.column.cards.current_id)["stage_id"] == board.stages[1].id


async def test_store_changes_are_announced_to_screens(demo_app, demo_store):
    async with demo_app.run_test(size=SIZE) as pilot:
        await settle(demo_app, pilot)
        board = board_of(demo_app)
        await pilot.press("L")
        await settle(demo_app, pilot)
        pending = demo_store.pending_count()
        assert pending == 3
        assert "pending" not in board.status.text  # local only: the demo never reads as unsent work
        payloads = [json.loads(r["patch"]) for r in outbox(demo_store) if r["table_name"] == "board_cards"]
        assert set(payloads[0]) == {"stage_id", "position"}


async def test_a_damaged_cache_found_after_start_up_is_explained(demo_app, demo_store, monkeypatch):
    from track_tui.screens.notice import NoticeScreen

    monkeypatch.setattr(type(demo_store), "integrity_problem", lambda self: "database disk image is malformed")
    monkeypatch.setattr("track_tui.app.INTEGRITY_CHECK_DELAY", 0.01)
    async with demo_app.run_test(size=SIZE) as pilot:
        await settle(demo_app, pilot)
        await pilot.pause(0.05)
        await settle(demo_app, pilot)
        assert isinstance(demo_app.screen, NoticeScreen)
        assert "--rebuild-cache" in demo_app.screen.body
        await pilot.press("escape")
        assert isinstance(demo_app.screen, BoardScreen)


async def test_delete_hides_the_record_and_u_brings_it_back(demo_app, demo_store):
    async with demo_app.run_test(size=SIZE) as pilot:
        await settle(demo_app, pilot)
        board = board_of(demo_app)
        await pilot.press("j")
        card_id = board.column.cards.current_id
        deal_id = card_row(demo_store, card_id)["record_id"]
        count = len(board.column.cards.card_ids)
        await pilot.press("delete")
        await settle(demo_app, pilot)
        assert demo_store.record(RecordType.DEAL, deal_id).deleted_at is not None
        assert card_id not in board.column.cards.card_ids
        assert len(board.column.cards.card_ids) == count - 1
        assert [(r["table_name"], r["row_id"], r["op"]) for r in outbox(demo_store)] == [("deals", deal_id, "update")]
        name = demo_store.record(RecordType.DEAL, deal_id).name
        assert deal_id not in {hit.record_id for hit in demo_store.search(name).hits}
        await pilot.press("u")
        await settle(demo_app, pilot)
        assert demo_store.record(RecordType.DEAL, deal_id).deleted_at is None
        assert deal_id in {hit.record_id for hit in demo_store.search(name).hits}
        assert board.column.cards.current_id == card_id
        assert len(board.column.cards.card_ids) == count


async def test_the_palette_offers_board_commands_for_the_board(demo_app):
    async with demo_app.run_test(size=SIZE) as pilot:
        await settle(demo_app, pilot)
        titles = [command.title for command in demo_app.get_system_commands(demo_app.screen)]
        assert "Board: switch board" in titles
        assert "Card: move to next stage" in titles
        assert any(title.startswith("Board: open Outreach") for title in titles)
        await pilot.press("enter")
        await settle(demo_app, pilot)
        titles = [command.title for command in demo_app.get_system_commands(demo_app.screen)]
        assert not any(title.startswith("Board:") for title in titles)  # only what fits the page


async def test_start_up_work_is_put_off_until_the_board_is_drawn(demo_app, monkeypatch):
    import gc

    gc.unfreeze()
    warmed: list[bool] = []
    original = type(demo_app).warm_models
    monkeypatch.setattr(type(demo_app), "warm_models", lambda self: (warmed.append(board_of(self).loaded), original(self)))
    async with demo_app.run_test(size=SIZE) as pilot:
        await settle(demo_app, pilot)
        assert await until(pilot, lambda: warmed != [], timeout=15)  # once the board has stopped laying itself out
        await settle(demo_app, pilot)
        await pilot.pause(0.05)
        assert warmed == [True]  # once, and only after the cards were on screen
        assert gc.get_freeze_count() > 0
    gc.unfreeze()

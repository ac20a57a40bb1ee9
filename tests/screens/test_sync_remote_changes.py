"""Other people's changes to what is on screen: the board, an open record page, the inbox and
search update in place with the cursor kept, and one notification says who and what; this
person's own edits and the server's acks of them raise none. Server rows are applied as the
engine applies them (store/server_apply.py): no engine needed."""

from __future__ import annotations

from datetime import date

from track_tui import news_notifier
from track_tui.models import RecordType
from track_tui.screens.board import BoardScreen
from track_tui.screens.inbox import InboxScreen
from track_tui.screens.record import RecordScreen
from track_tui.screens.search import SearchScreen
from track_tui.store.server_apply import apply_ack, apply_tombstones

from .sync_support import add_teammate, app_with_teammate, server_edit, syncing_app
from tests.support.pilot import settle, until

SIZE = (120, 40)


async def news_time(pilot) -> None:
    await pilot.pause(news_notifier.DELAY + 0.15)


def deal_of_card(store, card_id: str) -> tuple[str, str]:
    return store.conn.execute(
        "SELECT d.id, d.name FROM board_cards c JOIN deals d ON d.id = c.record_id WHERE c.id = ?", (card_id,),
    ).fetchone()


def teammate_moves(store, card_id: str, stage_id: str) -> None:
    """The web app's stage move: the card, the deal's stage, in one pull page each."""
    deal_id, _ = deal_of_card(store, card_id)
    server_edit(store, "board_cards", card_id, stage_id=stage_id, position=0)
    server_edit(store, "deals", deal_id, stage_id=stage_id)


async def test_a_teammates_move_appears_on_the_board_with_who_and_what(demo_store):
    async with app_with_teammate(demo_store) as (app, pilot, told):
        board = app.screen
        assert isinstance(board, BoardScreen)
        first = board.columns[0].cards
        await pilot.press("j")  # the person's cursor on the second card
        mine = first.current_id
        moved = first.card_ids[0]
        _, name = deal_of_card(demo_store, moved)
        target = board.stages[2]
        teammate_moves(demo_store, moved, target.id)
        assert await until(pilot, lambda: moved in board.columns[2].cards.card_ids)
        assert moved not in first.card_ids
        assert first.current_id == mine and board.col == 0  # the cursor stayed where it was
        await news_time(pilot)
        news = [m for m in told if "Ana Reyes" in m]
        assert news == [f"Ana Reyes moved '{name}' to {target.name}"]  # the card and deal: said once


async def test_a_teammates_edit_updates_the_open_record_page_and_says_so(demo_store):
    deal_id, name = demo_store.conn.execute("SELECT id, name FROM deals WHERE deleted_at IS NULL LIMIT 1").fetchone()
    async with app_with_teammate(demo_store) as (app, pilot, told):
        app.open_record(RecordType.DEAL, deal_id)
        await settle(app, pilot)
        page = app.screen
        assert isinstance(page, RecordScreen)
        page.fields_list.highlighted = 2
        server_edit(demo_store, "deals", deal_id, close_date="2027-03-31")
        assert await until(pilot, lambda: page.record.close_date == date(2027, 3, 31))
        assert page.fields_list.highlighted == 2  # the cursor kept
        assert any("31 Mar" in str(page.fields_list.get_option_at_index(i).prompt) or
                   "2027-03-31" in str(page.fields_list.get_option_at_index(i).prompt)
                   for i in range(page.fields_list.option_count))
        await news_time(pilot)
        assert f"Ana Reyes changed the close date of '{name}'" in told


async def test_own_edits_and_their_acks_raise_no_notification(demo_store):
    async with app_with_teammate(demo_store) as (app, pilot, told):
        board = app.screen
        card = board.columns[0].cards.current_id
        await pilot.press("L")  # this person's own move (local)
        await settle(app, pilot)
        deal_id, _ = deal_of_card(demo_store, card)
        seqs = [r[0] for r in demo_store.conn.execute("SELECT seq FROM outbox ORDER BY seq")]
        row = dict(demo_store.conn.execute("SELECT id, stage_id, position, version FROM board_cards WHERE id = ?",
                                           (card,)).fetchone())
        row.update(version=row["version"] + 1, updated_by=demo_store.user_id, updated_at="2026-11-25T09:31:00+00:00")
        apply_ack(demo_store, "board_cards", row, seqs)  # the server confirms it
        await settle(app, pilot)
        await news_time(pilot)
        assert demo_store.pending_count() == 0
        assert not any("moved" in m or "changed" in m for m in told), told


async def test_a_burst_is_one_notification(demo_store):
    async with app_with_teammate(demo_store) as (app, pilot, told):
        board = app.screen
        cards = board.columns[0].cards.card_ids[:5]
        for card in cards:
            server_edit(demo_store, "board_cards", card, stage_id=board.stages[1].id)
        await settle(app, pilot)
        await news_time(pilot)
        news = [m for m in told if "Ana Reyes" in m]
        assert len(news) == 1
        assert news[0].count("moved") == 3 and news[0].endswith("and 2 more changes")


async def test_a_teammates_delete_names_what_was_deleted(demo_store):
    async with app_with_teammate(demo_store) as (app, pilot, told):
        board = app.screen
        card = board.columns[0].cards.card_ids[0]
        deal_id, name = deal_of_card(demo_store, card)
        apply_tombstones(demo_store, [
            {"table_name": "board_cards", "row_id": card, "deleted_at": "2026-11-25T09:29:00+00:00"},
            {"table_name": "deals", "row_id": deal_id, "deleted_at": "2026-11-25T09:29:00+00:00"},
        ])
        assert await until(pilot, lambda: card not in board.columns[0].cards.card_ids)
        await news_time(pilot)
        assert any(f"took '{name}' off the board" in m for m in told), told


async def test_the_inbox_follows_a_teammates_task_edit_keeping_the_cursor(demo_store):
    async with app_with_teammate(demo_store) as (app, pilot, told):
        app.action_inbox()
        await settle(app, pilot)
        inbox = app.screen
        assert isinstance(inbox, InboxScreen)
        await pilot.press("j")
        current = inbox.task_list.current
        assert current is not None
        server_edit(demo_store, "tasks", current.id, title="Call back about the renewal")
        assert await until(pilot, lambda: inbox.task_list.current is not None
                           and inbox.task_list.current.title == "Call back about the renewal")
        assert inbox.task_list.current.id == current.id
        await news_time(pilot)
        assert "Ana Reyes changed the title of the task 'Call back about the renewal'" in told


async def test_search_results_follow_a_teammates_rename(demo_store):
    async with app_with_teammate(demo_store) as (app, pilot, told):
        await pilot.press("ctrl+f", *"ember")
        await settle(app, pilot)
        search = app.screen
        assert isinstance(search, SearchScreen) and search.results is not None and search.results.hits
        hit = search.results.hits[0]
        server_edit(demo_store, "deals" if hit.record_type is RecordType.DEAL else hit.record_type.table,
                    hit.record_id, name=f"{hit.name} Ember renamed")
        assert await until(pilot, lambda: any(h.name == f"{hit.name} Ember renamed" for h in search.results.hits))
        await news_time(pilot)
        assert any(m.startswith("Ana Reyes changed the name of") for m in told), told


async def test_a_teammates_name_is_drawn_as_text(demo_store):
    add_teammate(demo_store, "[bold]Ana[/] \x1b[2J")
    app = syncing_app(demo_store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        board = app.screen
        card = board.columns[0].cards.card_ids[0]
        server_edit(demo_store, "board_cards", card, stage_id=board.stages[1].id)
        await settle(app, pilot)
        await news_time(pilot)
        shown = [n.message for n in app._notifications]
        assert any("[bold]Ana[/]" in m and "\x1b" not in m for m in shown), shown

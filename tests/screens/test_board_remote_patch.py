"""A change to a few cards from elsewhere (a teammate through sync, another thread) is patched
into the open board: only the columns it touches change, each exactly as a full read of the
store would show it, with the figures and every cursor right, and no column is read again.
On a board of 2,500 deals, so the columns are far longer than the screen."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from track_tui.models import RecordType
from track_tui.models.views import CardFilter
from track_tui.screens.board import BoardScreen
from track_tui.store import Store
from track_tui.store.server_apply import apply_rows
from track_tui.widgets.card_list import CARD_HEIGHT
from track_tui.widgets.stage_column import header_text

from ..conftest import FROZEN_NOW, frozen_clock
from .sync_support import add_teammate, server_edit, syncing_app

SIZE = (120, 40)
DEALS = 2_500


@pytest.fixture(scope="module")
def big_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from track_tui.demo import build_demo

    path = tmp_path_factory.mktemp("big-board") / "big.sqlite3"
    store = Store(path, clock=frozen_clock)
    build_demo(store, seed=11, deals=DEALS, now=FROZEN_NOW)
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    return path


@pytest.fixture
def big_store(big_template: Path, tmp_path: Path):
    path = tmp_path / "big.sqlite3"
    shutil.copyfile(big_template, path)
    store = Store(path, clock=frozen_clock)
    yield store
    store.close()


async def settle(app, pilot) -> None:
    await app.workers.wait_for_complete()
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


def count_reloads(board: BoardScreen) -> list[int]:
    """Calls of the board's full reload (which re-reads every column)."""
    calls: list[int] = []
    original = board.reload

    def reload(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    board.reload = reload  # type: ignore[method-assign]
    return calls


def assert_board_matches_store(board: BoardScreen, store: Store) -> None:
    """Every column holds exactly the cards a full read shows, in order, with its figures."""
    flt = board.flt
    stats = store.column_stats(board.board, flt)
    for column in board.columns:
        expected = store.column_card_ids(board.board, column.stage_id, flt)
        assert column.cards.card_ids == expected, column.stage_id
        assert column.cards.virtual_size.height == max(1, len(expected) * CARD_HEIGHT)
        assert board.stats[column.stage_id] == stats[column.stage_id]
        assert column._header_text.plain == header_text(stats[column.stage_id], RecordType.DEAL).plain


def deal_of(store: Store, card_id: str) -> str:
    return store.conn.execute("SELECT record_id FROM board_cards WHERE id = ?", (card_id,)).fetchone()[0]


async def open_board(app, pilot) -> BoardScreen:
    await settle(app, pilot)
    board = app.screen
    assert isinstance(board, BoardScreen)
    assert max(len(c.cards.card_ids) for c in board.columns) > 200
    return board


async def test_a_teammates_stage_move_changes_only_its_two_columns(big_store):
    add_teammate(big_store, "Ana Reyes")
    app = syncing_app(big_store)
    async with app.run_test(size=SIZE) as pilot:
        board = await open_board(app, pilot)
        reloads = count_reloads(board)
        source, target = board.columns[0].cards, board.columns[2].cards
        source.set_cursor(5)
        target.set_cursor(3)
        mine_source, mine_target = source.current_id, target.current_id
        moved = source.card_ids[2]  # above the cursor: the cursor's index shifts, its card stays
        untouched = {i: c.cards.card_ids for i, c in enumerate(board.columns) if i not in (0, 2)}
        headers = {i: c._header_text for i, c in enumerate(board.columns) if i not in (0, 2)}
        server_edit(big_store, "board_cards", moved, stage_id=board.stages[2].id, position=0)
        await settle(app, pilot)
        assert moved not in source.card_ids and moved in target.card_ids
        assert source.current_id == mine_source and source.cursor == 4
        assert target.current_id == mine_target
        for index, ids in untouched.items():  # not rebuilt, not re-headed
            assert board.columns[index].cards.card_ids is ids
            assert board.columns[index]._header_text is headers[index]
        assert_board_matches_store(board, big_store)
        assert reloads == []  # no column was read again


async def test_a_value_change_updates_the_totals_and_the_card_face_in_place(big_store):
    app = syncing_app(big_store)
    async with app.run_test(size=SIZE) as pilot:
        board = await open_board(app, pilot)
        reloads = count_reloads(board)
        cards = board.columns[1].cards
        card = cards.card_ids[1]
        before_ids = list(cards.card_ids)
        deal = deal_of(big_store, card)
        currency = big_store.conn.execute("SELECT currency FROM deals WHERE id = ?", (deal,)).fetchone()[0]
        old_total = board.stats[board.stages[1].id].totals
        server_edit(big_store, "deals", deal, value_cents=987_654_321_00, currency=currency)
        await settle(app, pilot)
        assert cards.card_ids == before_ids  # nothing moved
        assert cards.summary(card).value is not None and cards.summary(card).value.minor == 987_654_321_00
        assert board.stats[board.stages[1].id].totals != old_total
        assert_board_matches_store(board, big_store)
        assert reloads == []


async def test_a_rename_takes_a_card_into_and_out_of_the_filter(big_store):
    app = syncing_app(big_store)
    async with app.run_test(size=SIZE) as pilot:
        board = await open_board(app, pilot)
        board.flt = CardFilter.parse("zebra")
        board.reload()
        await settle(app, pilot)
        assert all(not c.cards.card_ids for c in board.columns)
        reloads = count_reloads(board)
        card = big_store.column_card_ids(board.board, board.stages[0].id)[40]
        deal = deal_of(big_store, card)
        server_edit(big_store, "deals", deal, name="Zebra crossing")
        await settle(app, pilot)
        assert board.columns[0].cards.card_ids == [card]
        assert_board_matches_store(board, big_store)
        server_edit(big_store, "deals", deal, name="Plain crossing")
        await settle(app, pilot)
        assert board.columns[0].cards.card_ids == []
        assert_board_matches_store(board, big_store)
        assert reloads == []


async def test_an_owner_change_leaves_the_my_cards_filter_and_keeps_the_cursor(big_store):
    teammate = add_teammate(big_store, "Ana Reyes")
    app = syncing_app(big_store)
    async with app.run_test(size=SIZE) as pilot:
        board = await open_board(app, pilot)
        board.flt = CardFilter.parse("owner:me")
        board.reload()
        await settle(app, pilot)
        cards = board.columns[0].cards
        assert len(cards.card_ids) > 10
        cards.set_cursor(6)
        mine = cards.current_id
        given = cards.card_ids[0]
        server_edit(big_store, "deals", deal_of(big_store, given), owner_id=teammate)
        await settle(app, pilot)
        assert given not in cards.card_ids
        assert cards.current_id == mine
        assert_board_matches_store(board, big_store)


async def test_a_burst_of_moves_and_a_new_card_land_where_a_full_read_puts_them(big_store):
    app = syncing_app(big_store)
    async with app.run_test(size=SIZE) as pilot:
        board = await open_board(app, pilot)
        reloads = count_reloads(board)
        first = board.columns[0].cards
        stages = [s.id for s in board.stages]
        rows = []
        for i, card in enumerate(first.card_ids[10:30]):
            version = big_store.conn.execute("SELECT version FROM board_cards WHERE id = ?", (card,)).fetchone()[0]
            rows.append({"id": card, "stage_id": stages[1 + i % 3], "position": i * 7, "version": version + 1,
                         "updated_by": None, "updated_at": "2026-11-25T09:29:00+00:00"})
        apply_rows(big_store, "board_cards", rows)  # one pull page: one change set
        await settle(app, pilot)
        assert_board_matches_store(board, big_store)
        # A new card's removal (the server's tombstone) and a move made on another thread.
        gone = board.columns[1].cards.card_ids[0]
        with big_store.conn:
            big_store.conn.execute("UPDATE deals SET deleted_at = '2026-11-25T09:29:00+00:00' WHERE id = ?",
                                   (deal_of(big_store, gone),))
        server_edit(big_store, "deals", deal_of(big_store, gone), name="gone soon")
        await settle(app, pilot)
        assert all(gone not in c.cards.card_ids for c in board.columns)
        assert_board_matches_store(board, big_store)
        assert reloads == []


async def test_a_move_made_on_another_thread_is_patched_too(big_store):
    import asyncio

    app = syncing_app(big_store)
    async with app.run_test(size=SIZE) as pilot:
        board = await open_board(app, pilot)
        reloads = count_reloads(board)
        card = board.columns[0].cards.card_ids[-1]
        await asyncio.to_thread(big_store.move_card, card, board.stages[1].id)
        await settle(app, pilot)
        assert board.columns[1].cards.card_ids[0] == card
        assert_board_matches_store(board, big_store)
        assert reloads == []


async def test_a_teammates_task_redraws_the_cards_marker(big_store):
    app = syncing_app(big_store)
    async with app.run_test(size=SIZE) as pilot:
        board = await open_board(app, pilot)
        reloads = count_reloads(board)
        cards = board.columns[0].cards
        card = cards.card_ids[0]
        deal = deal_of(big_store, card)
        before = cards.summary(card).open_tasks
        row = {"id": "bbbbbbbb-0000-4000-8000-00000000b0b0", "workspace_id": big_store.workspace_id,
               "record_type": "deal", "record_id": deal, "title": "Call back", "status": "open",
               "due_date": "2026-11-20", "version": 1, "updated_by": None,
               "updated_at": "2026-11-25T09:29:00+00:00", "created_at": "2026-11-25T09:29:00+00:00"}
        apply_rows(big_store, "tasks", [row])
        await settle(app, pilot)
        assert cards.summary(card).open_tasks == before + 1
        assert reloads == []


def spy_refreshes(cards) -> list:
    """The regions (in the list's own view) that `cards` asks to be drawn again."""
    asked: list = []
    original = cards.refresh

    def refresh(*regions, **kwargs):
        asked.extend(regions or [cards.size.region])
        return original(*regions, **kwargs)

    cards.refresh = refresh  # type: ignore[method-assign]
    return asked


def shown_lines(cards) -> list[str]:
    return [cards.render_line(y).text for y in range(cards.size.height)]


async def test_every_line_that_changed_is_drawn_again_and_untouched_columns_not_at_all(big_store):
    app = syncing_app(big_store)
    async with app.run_test(size=SIZE) as pilot:
        board = await open_board(app, pilot)
        lists = [c.cards for c in board.columns]
        assert len(lists) > 3
        before = [shown_lines(cards) for cards in lists]
        asked = [spy_refreshes(cards) for cards in lists]
        source = lists[0]
        moved = source.card_ids[3]
        renamed = lists[2].card_ids[1]
        server_edit(big_store, "board_cards", moved, stage_id=board.stages[1].id, position=0)
        server_edit(big_store, "deals", deal_of(big_store, renamed), name="Renamed by a teammate")
        await settle(app, pilot)
        for index, cards in enumerate(lists):
            after = shown_lines(cards)
            changed = [y for y in range(len(after)) if after[y] != before[index][y]]
            for y in changed:
                assert any(r.y <= y < r.y + r.height for r in asked[index]), (index, y)
            if index > 2:
                assert asked[index] == []  # a column the change did not touch is not drawn
        assert any("Renamed by a teammate" in line for line in shown_lines(lists[2]))
        # The renamed card's column: only that card's lines, not the column.
        assert all(r.height <= CARD_HEIGHT for r in asked[2])
        assert_board_matches_store(board, big_store)


async def test_a_task_deleted_for_good_reads_the_columns_again(big_store):
    """Whose card a hard-deleted task showed cannot be told: the board is read whole."""
    from track_tui.store.server_apply import apply_tombstones

    app = syncing_app(big_store)
    async with app.run_test(size=SIZE) as pilot:
        board = await open_board(app, pilot)
        reloads = count_reloads(board)
        card = board.columns[1].cards.card_ids[0]
        apply_tombstones(big_store, [
            {"table_name": "board_cards", "row_id": card, "deleted_at": "2026-11-25T09:29:00+00:00"},
            {"table_name": "tasks", "row_id": big_store.conn.execute("SELECT id FROM tasks LIMIT 1").fetchone()[0],
             "deleted_at": "2026-11-25T09:29:00+00:00"},
        ])
        await settle(app, pilot)
        assert reloads == [1]
        assert card not in board.columns[1].cards.card_ids
        assert_board_matches_store(board, big_store)


async def test_a_key_pressed_while_a_patch_is_read_is_not_undone_by_it(big_store):
    """A teammate's edit of a card is being read when the person moves that card: the patch,
    read before the move, must not put the card back where it was."""
    app = syncing_app(big_store)
    async with app.run_test(size=SIZE) as pilot:
        board = await open_board(app, pilot)
        card = board.columns[0].cards.current_id
        original = board._apply_patch

        def apply_after_the_key(*args):  # the person's key lands between the read and the apply
            if not getattr(apply_after_the_key, "pressed", False):
                apply_after_the_key.pressed = True
                board.action_move_card(1)
            return original(*args)

        board._apply_patch = apply_after_the_key  # type: ignore[method-assign]
        server_edit(big_store, "deals", deal_of(big_store, card), name="Renamed while moving")
        await settle(app, pilot)
        assert card in board.columns[1].cards.card_ids
        assert card not in board.columns[0].cards.card_ids
        assert_board_matches_store(board, big_store)


async def test_a_reload_older_than_a_patch_does_not_hide_it_and_nothing_is_kept_after(big_store):
    """A full reload that began reading before a teammate's move is shown after the move was
    patched in: the move is patched again, and patches kept for that are let go once shown."""
    app = syncing_app(big_store)
    async with app.run_test(size=SIZE) as pilot:
        board = await open_board(app, pilot)
        card = board.columns[0].cards.card_ids[0]
        stages = [s.id for s in board.stages]
        board._loads_started += 1  # a reload began reading before the move ...
        number = board._loads_started
        old = {s: big_store.column_card_ids(board.board, s) for s in stages}
        old_stats = big_store.column_stats(board.board)
        server_edit(big_store, "board_cards", card, stage_id=stages[2], position=0)
        await settle(app, pilot)
        assert card in board.columns[2].cards.card_ids and board._patched
        await board._show(board.board, board.flt, board.stages, old_stats, old, False, number)  # ... shown late
        await settle(app, pilot)
        assert card in board.columns[2].cards.card_ids and card not in board.columns[0].cards.card_ids
        assert_board_matches_store(board, big_store)
        assert board._patched == []
        server_edit(big_store, "board_cards", card, stage_id=stages[1], position=0)
        await settle(app, pilot)
        assert board._patched == []  # no reload in flight: nothing is kept
        assert_board_matches_store(board, big_store)

"""Where changed cards go on the board (store.card_places, cards_of_records, records_of, and
column_stats for some stages): the answers a full read of the columns gives, for any filter."""

from __future__ import annotations

import pytest

from tests.factories import make_store
from track_tui.models.views import CardFilter


@pytest.fixture
def ws():
    store, ids = make_store()
    yield store, ids
    store.close()


@pytest.mark.parametrize("query", ["", "owner:me", ">1k", "stage:won", "a"])
def test_card_places_agree_with_the_columns_read_whole(ws, query) -> None:
    store, ids = ws
    board = store.board(ids.deals_board)
    flt = CardFilter.parse(query)
    cards = [r[0] for r in store.conn.execute("SELECT id FROM board_cards WHERE board_id = ?", (board.id,))]
    places = store.card_places(board, cards, flt)
    expected: dict[str, tuple[str, int] | None] = {card: None for card in cards}
    for stage in store.stages(board.id):
        for index, card in enumerate(store.column_card_ids(board, stage.id, flt)):
            expected[card] = (stage.id, index)
    assert places == expected


def test_equal_positions_are_ordered_by_id_and_missing_cards_have_no_place(ws) -> None:
    store, ids = ws
    board = store.board(ids.deals_board)
    stage = store.stages(board.id)[0].id
    with store.conn:
        store.conn.execute("UPDATE board_cards SET position = 0 WHERE stage_id = ?", (stage,))
    column = store.column_card_ids(board, stage)
    assert len(column) > 1
    places = store.card_places(board, [*column, "no-such-card"])
    assert [places[card] for card in column] == [(stage, i) for i in range(len(column))]
    assert places["no-such-card"] is None


def test_cards_of_records_and_records_of_rows(ws) -> None:
    store, ids = ws
    board = store.board(ids.deals_board)
    card, record = store.conn.execute("SELECT id, record_id FROM board_cards WHERE board_id = ? LIMIT 1",
                                      (board.id,)).fetchone()
    assert store.cards_of_records(board.id, [record, "no-such-record"]) == {card}
    task = store.conn.execute("SELECT id, record_id FROM tasks WHERE record_id IS NOT NULL LIMIT 1").fetchone()
    assert store.records_of("tasks", [task[0]]) == {task[1]}
    assert store.records_of("tasks", [task[0], "gone-for-good"]) is None  # whose it was is unknown
    with pytest.raises(ValueError):
        store.records_of("deals", [record])


def test_column_stats_of_some_stages_equal_those_of_the_whole_board(ws) -> None:
    store, ids = ws
    board = store.board(ids.deals_board)
    whole = store.column_stats(board)
    some = [s.id for s in store.stages(board.id)][:2]
    assert store.column_stats(board, stage_ids=some) == {s: whole[s] for s in some}
    assert store.column_stats(board, stage_ids=[]) == {}

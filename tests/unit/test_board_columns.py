"""`Store.board_columns` (what the board reads to open, in one pass) gives exactly what
`column_stats` and `column_card_ids` give, on a demo workspace and on rows a server may hold
(NULL currencies, lower-case codes, huge values, no values)."""

from __future__ import annotations

from tests.factories import make_store
from track_tui.models.views import CardFilter

from .test_reading_server_values import odd_world  # noqa: F401  (a fixture)

FILTERS = ["", "owner:me", "tag:vip >1k <9m stale:3 acme", ">10k EUR", "stage:lead", "owner:nobody", "ab"]


def assert_same_as_the_two_queries(store) -> None:
    for board in store.boards():
        for text in FILTERS:
            flt = CardFilter.parse(text)
            stats, ids = store.board_columns(board, flt)
            assert stats == store.column_stats(board, flt), (board.name, text)
            assert ids == {s.id: store.column_card_ids(board, s.id, flt) for s in store.stages(board.id)}, text


def test_on_a_demo_workspace() -> None:
    store, _ids = make_store()
    try:
        assert_same_as_the_two_queries(store)
    finally:
        store.close()


def test_on_what_a_server_may_hold(odd_world) -> None:  # noqa: F811
    store, _ids, _odd = odd_world
    assert_same_as_the_two_queries(store)

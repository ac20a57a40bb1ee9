"""The board's `/` filter under Pilot: what it names must be there, or the error line says so."""

from __future__ import annotations

from textual.widgets import Input

from tests.support.pilot import type_filter

from .test_board import SIZE, board_of, settle


def shown(board) -> list[str]:
    return [cid for column in board.columns for cid in column.cards.card_ids]


async def filter_with(app, pilot, text: str):
    board = board_of(app)
    await type_filter(app, pilot, text)
    return board


def error_line(board) -> str:
    label = board.query_one("#filter-error")
    return str(label.render()) if label.display else ""


async def test_owner_initials_as_the_cards_show_them(demo_app, demo_store):
    async with demo_app.run_test(size=SIZE) as pilot:
        await settle(demo_app, pilot)
        board = await filter_with(demo_app, pilot, "owner:JB")
        cards = demo_store.card_summaries(shown(board)).values()
        assert cards and {card.owner_initials for card in cards} == {"JB"}
        assert error_line(board) == ""


async def test_unknown_owner_stage_and_amount_are_named_and_nothing_is_applied(demo_app, demo_store):
    async with demo_app.run_test(size=SIZE) as pilot:
        await settle(demo_app, pilot)
        board = board_of(demo_app)
        total = len(shown(board))
        for text, words in (
            ("owner:XQ", "owner:XQ — no one by that name or initials; try Aiko Tanaka (AT)"),
            ("stage:nonsense", "stage:nonsense — Sales pipeline has no such stage; its stages: Lead"),
            (">abc", ">abc — give an amount, like >10k"),
        ):
            await filter_with(demo_app, pilot, text)
            assert words in error_line(board), text
            field = board.query_one("#filter", Input)
            assert field.display and field.value == text  # still open, as typed
            assert board.flt.is_empty and len(shown(board)) == total
            await pilot.press("escape")
            await settle(demo_app, pilot)


async def test_escape_in_the_filter_line_clears_the_filter(demo_app, demo_store):
    async with demo_app.run_test(size=SIZE) as pilot:
        await settle(demo_app, pilot)
        board = board_of(demo_app)
        total = len(shown(board))
        await filter_with(demo_app, pilot, "owner:me")
        assert 0 < len(shown(board)) < total
        await pilot.press("slash")  # open it again, as a person looking at the filter would…
        assert board.query_one("#filter", Input).value == "owner:me"
        await pilot.press("escape")  # …and Esc, as the line says, clears it
        await settle(demo_app, pilot)
        assert board.flt.is_empty and len(shown(board)) == total
        assert not board.query_one("#filter", Input).display
        assert board.focused is not None and board.focused.id == "board-columns"


async def test_value_bounds_say_they_compare_in_each_deals_currency_and_a_code_narrows(demo_app, demo_store):
    async with demo_app.run_test(size=SIZE) as pilot:
        await settle(demo_app, pilot)
        board = await filter_with(demo_app, pilot, ">1m")
        assert "filter >1m (in each deal's own currency)" in str(board.status.render())
        currencies = {card.value.currency for card in demo_store.card_summaries(shown(board)).values()}
        assert len(currencies) >= 1
        await filter_with(demo_app, pilot, ">10k EUR")
        cards = demo_store.card_summaries(shown(board)).values()
        assert cards and all(c.value.currency == "EUR" and c.value.amount > 10_000 for c in cards)
        status = str(board.status.render())
        assert "filter >10k EUR" in status and "own currency" not in status


async def test_a_filter_nothing_matches_says_so(demo_app, demo_store):
    async with demo_app.run_test(size=SIZE) as pilot:
        await settle(demo_app, pilot)
        board = await filter_with(demo_app, pilot, "owner:nobody")  # every demo deal has an owner
        assert shown(board) == []
        assert "filter owner:nobody — no cards match" in str(board.status.render())
        await filter_with(demo_app, pilot, "owner:me")
        assert shown(board) and "no cards match" not in str(board.status.render())

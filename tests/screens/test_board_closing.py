"""Won and lost on the board: a deal won again keeps its won date; H on a closed card reopens it."""

from __future__ import annotations

from datetime import date

from textual.widgets import Input

from track_tui.models import RecordType
from track_tui.models.enums import StageType
from track_tui.screens.dialogs import OutcomeScreen

from .test_board import SIZE, board_of, card_row, focus_column_before, settle


async def test_won_then_reopened_then_won_again_keeps_the_won_date(demo_app, demo_store):
    async with demo_app.run_test(size=SIZE) as pilot:
        await settle(demo_app, pilot)
        board = board_of(demo_app)
        won = await focus_column_before(pilot, board, StageType.WON)
        card = board.column.cards.current_id
        came_from = board.stages[board.col]
        deal = card_row(demo_store, card)["record_id"]
        await pilot.press("L")
        await pilot.pause()
        dialog = demo_app.screen
        assert isinstance(dialog, OutcomeScreen)
        dialog.query_one("#close", Input).value = "2026-11-03"
        await pilot.press("enter")
        await settle(demo_app, pilot)
        assert demo_store.record(RecordType.DEAL, deal).close_date == date(2026, 11, 3)

        await pilot.press("H")  # reopened: back where it was won from
        await settle(demo_app, pilot)
        assert card_row(demo_store, card)["stage_id"] == came_from.id
        assert board.column.cards.current_id == card
        assert any(n.message == f"Reopened {demo_store.record(RecordType.DEAL, deal).name} in {came_from.name}"
                   for n in demo_app._notifications)

        await pilot.press("L")  # won again
        await pilot.pause()
        dialog = demo_app.screen
        assert isinstance(dialog, OutcomeScreen)
        assert dialog.query_one("#close", Input).value == "2026-11-03"
        assert "kept from when it was won before, 3 Nov" in " ".join(
            str(w.render()) for w in dialog.query("Static"))
        await pilot.press("enter")
        await settle(demo_app, pilot)
        assert card_row(demo_store, card)["stage_id"] == board.stages[won].id
        assert demo_store.record(RecordType.DEAL, deal).close_date == date(2026, 11, 3)


async def test_H_on_a_lost_card_reopens_it_instead_of_winning_it(demo_app, demo_store):
    async with demo_app.run_test(size=SIZE) as pilot:
        await settle(demo_app, pilot)
        board = board_of(demo_app)
        lost = next(i for i, s in enumerate(board.stages) if s.stage_type == StageType.LOST)
        for _ in range(lost):
            await pilot.press("l")
        card = board.column.cards.current_id
        assert card is not None
        expected = demo_store.reopen_stage(card)
        assert expected.stage_type == StageType.OPEN
        await pilot.press("H")
        await settle(demo_app, pilot)
        assert not isinstance(demo_app.screen, OutcomeScreen)  # no Won dialog
        assert card_row(demo_store, card)["stage_id"] == expected.id
        await pilot.press("u")  # and that is undone like any move
        await settle(demo_app, pilot)
        assert card_row(demo_store, card)["stage_id"] == board.stages[lost].id

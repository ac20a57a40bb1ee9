"""Column headers: won and lost columns keep their look, and a header whose figures did not
change is not set again (setting one lays the board out and repaints the column: bytes over SSH)."""

from __future__ import annotations

from track_tui.models.enums import StageType

from .test_board import SIZE, board_of, settle


async def test_won_and_lost_columns_take_their_look(demo_app):
    async with demo_app.run_test(size=SIZE) as pilot:
        await settle(demo_app, pilot)
        board = board_of(demo_app)
        for column, stage in zip(board.columns, board.stages):
            assert column.has_class("-won") == (stage.stage_type == StageType.WON), stage.name
            assert column.has_class("-lost") == (stage.stage_type == StageType.LOST), stage.name


async def test_a_card_move_sets_only_the_headers_whose_figures_changed(demo_app):
    async with demo_app.run_test(size=SIZE) as pilot:
        await settle(demo_app, pilot)
        board = board_of(demo_app)
        updated: list[str] = []
        for column in board.columns:
            original = column.header.update

            def noting(content, *, layout=True, _column=column, _original=original):
                updated.append(_column.stage_id)
                _original(content, layout=layout)

            column.header.update = noting
        first, second = board.columns[0].stage_id, board.columns[1].stage_id
        await pilot.press("L")
        await settle(demo_app, pilot)
        assert sorted(updated) == sorted([first, second])

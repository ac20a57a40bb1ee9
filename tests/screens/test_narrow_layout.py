"""At 80 columns the board shows whole columns and the footer keeps the keys that lead to
everything else; at 120 columns the inbox's due dates are never cut."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.support.screen_text import screen_lines
from track_tui.models.dates import relative_days
from track_tui.screens.board import BoardColumns
from track_tui.widgets.stage_column import StageColumn

from .test_board import board_of, settle


def _visible_column_widths(app) -> list[int]:
    """Widths of the columns as drawn in the viewport (a cut column shows as less)."""
    columns = app.screen.query_one(BoardColumns)
    view = columns.region
    return [column.region.intersection(view).width for column in columns.query(StageColumn)
            if column.region.intersection(view).width]


@pytest.mark.parametrize("width", [80, 100, 120, 133])
async def test_the_board_shows_whole_columns_only_while_the_cursor_walks(demo_app, width):
    async with demo_app.run_test(size=(width, 24)) as pilot:
        await settle(demo_app, pilot)
        board = board_of(demo_app)
        for step in range(len(board.columns) + 1):
            await pilot.pause()
            widths = _visible_column_widths(demo_app)
            full = [column.region.width for column in board.columns][:len(widths)]
            assert sum(widths) == width, (step, widths)
            assert all(w >= 26 for w in widths), (step, widths)  # no sliver of a next column
            assert sorted(widths) == sorted(full), (step, widths)
            assert board.columns[board.col].region.intersection(demo_app.screen.query_one(BoardColumns).region).width \
                == board.columns[board.col].region.width  # the cursor's column is whole
            await pilot.press("l")


async def test_the_footer_keeps_help_search_and_palette_at_80_columns(demo_app):
    async with demo_app.run_test(size=(80, 24)) as pilot:
        await settle(demo_app, pilot)
        footer = screen_lines(demo_app)[-1]
        for hint in ("? Help", "^f Search", "^p palette", "H ◀ Stage", "⏎ Open"):
            assert hint in footer, footer
        assert "…" not in footer
        await pilot.press("i")  # the inbox, its own keys first
        await settle(demo_app, pilot)
        footer = screen_lines(demo_app)[-1]
        assert "? Help" in footer and "^f Search" in footer and "^p palette" in footer, footer


async def test_all_hints_show_when_there_is_room(demo_app):
    async with demo_app.run_test(size=(160, 30)) as pilot:
        await settle(demo_app, pilot)
        footer = screen_lines(demo_app)[-1]
        assert "b Boards" in footer and "i My work" in footer and "^p palette" in footer, footer


@pytest.mark.parametrize("size", [(120, 40), (80, 24)], ids=["120x40", "80x24"])
async def test_the_inbox_due_dates_are_never_cut(demo_app, demo_store, size):
    """Tasks due from a week ago to a week ahead: every due text is whole ("tomorrow")."""
    today = demo_store.now().date()
    async with demo_app.run_test(size=size) as pilot:
        await settle(demo_app, pilot)
        await pilot.press("i")
        await settle(demo_app, pilot)
        inbox = demo_app.screen
        tasks = [inbox.task_list.rows[i].task for i in inbox.task_list.task_rows]
        near = [t for t in tasks if t.due_date is not None and abs((t.due_date - today).days) <= 7]
        assert any(t.due_date == today + timedelta(days=1) for t in near)
        width = inbox.task_list.scrollable_content_region.width
        for task in near:
            line = "".join(s.text for s in inbox.task_list._render_item(task, width, False))
            nearness = relative_days(task.due_date, today)  # "tomorrow", "3d ago": whole, never "tomorr…"
            assert f" {nearness} " in line, line

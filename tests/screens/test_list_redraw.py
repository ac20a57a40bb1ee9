"""The inbox's and search's line list (widgets/grouped_list.py) draws again only what changed: a
cursor move redraws the old and the new cursor line (as CardList and Textual's OptionList do),
never the whole cache; a theme change drops every cached line (else the old colours stay)."""

from __future__ import annotations

from track_tui.widgets.task_list import TaskList

from .test_inbox import open_inbox


def count_drawn(monkeypatch, widget) -> list[int]:
    drawn: list[int] = []
    original = type(widget)._render_item

    def counting(self, item, width, selected):
        drawn.append(1)
        return original(self, item, width, selected)

    monkeypatch.setattr(type(widget), "_render_item", counting)
    return drawn


async def test_a_cursor_move_redraws_two_lines_and_a_theme_change_redraws_all(demo_app, monkeypatch):
    async with demo_app.run_test(size=(120, 40)) as pilot:
        await open_inbox(demo_app, pilot)
        tasks = demo_app.screen.query_one(TaskList)
        await pilot.pause()
        drawn = count_drawn(monkeypatch, tasks)
        before = tasks.cursor
        await pilot.press("j")
        await pilot.pause()
        assert tasks.cursor == before + 1
        assert 1 <= len(drawn) <= 2, len(drawn)  # the line left and the line reached
        assert len(tasks._strips) > 10  # the rest of the screen's lines are still cached
        drawn.clear()
        demo_app.theme = "textual-light"
        await pilot.pause()
        await pilot.pause()
        assert len(drawn) > 10  # every visible item drawn again in the new theme

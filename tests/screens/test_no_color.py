"""Under NO_COLOR nothing is told by colour alone: a multi-select's checked options read as
checked (☑ / ☐), and a click or Space on one still toggles it; an option list's cursor is
bold and underlined."""

from __future__ import annotations

from textual.widgets import OptionList, SelectionList

from tests.support.screen_text import screen_lines
from track_tui.app import TrackApp
from track_tui.config import Settings
from track_tui.models import RecordType
from track_tui.screens.record_dialogs import MultiChoiceScreen
from track_tui.widgets.check_list import CHECKED, UNCHECKED

from .test_record import SIZE, open_page, settle


def _option_lines(app, labels: list[str]) -> dict[str, str]:
    lines = screen_lines(app)
    return {label: next(line for line in lines if f" {label}" in line and (CHECKED in line or UNCHECKED in line))
            for label in labels}


async def test_checked_options_read_without_colour(demo_store, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    demo_app = TrackApp(demo_store, Settings())  # reads NO_COLOR when made
    deal_id = demo_store.conn.execute("SELECT id FROM deals ORDER BY name LIMIT 1").fetchone()[0]
    async with demo_app.run_test(size=SIZE) as pilot:
        assert demo_app.no_color
        await open_page(demo_app, pilot, RecordType.DEAL, deal_id)
        await pilot.press("f")  # the timeline filter: a multi-select of entry types
        await pilot.pause()
        dialog = demo_app.screen
        assert isinstance(dialog, MultiChoiceScreen)
        selection = dialog.query_one(SelectionList)
        selection.deselect_all()
        selection.select("note")
        await pilot.pause()
        labels = [str(selection.get_option_at_index(i).prompt) for i in range(selection.option_count)]
        note_label = next(label for label, oid in zip(labels, [selection.get_option_at_index(i).value
                                                               for i in range(selection.option_count)]) if oid == "note")
        lines = _option_lines(demo_app, labels)
        assert f"{CHECKED} {note_label}" in lines[note_label], lines
        assert all(f"{UNCHECKED} {label}" in line for label, line in lines.items() if label != note_label), lines
        assert not any("▐X▌" in line for line in screen_lines(demo_app))

        selection.highlighted = 1
        await pilot.press("space")
        await pilot.pause()
        second = str(selection.get_option_at_index(1).prompt)
        assert f"{CHECKED} {second}" in _option_lines(demo_app, [second])[second]


async def test_an_option_lists_cursor_reads_without_colour(demo_store, monkeypatch):
    """The board switcher (and every option list): the cursor's row is bold and underlined,
    the others are not, so the cursor shows with no colours at all."""
    monkeypatch.setenv("NO_COLOR", "1")
    app = TrackApp(demo_store, Settings())
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("b", "down")
        await pilot.pause()
        options = app.screen.query_one(OptionList)
        marked = []
        for y in range(options.option_count):
            segments = [s for s in options.render_line(y) if s.text.strip()]
            marked.append(all(s.style.underline and s.style.bold for s in segments))
        assert marked == [index == options.highlighted for index in range(options.option_count)], marked
        assert options.highlighted == 1

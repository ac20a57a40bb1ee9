"""What the terminal shows after a run of keys equals a fresh full drawing of the screen, cell for
cell and style for style (as a cell looks: a space shows its background, and its colour only
when an attribute draws on it).

The board sends only what changed (a cursor step redraws two cards, untouched columns send
nothing), frames are stitched to send only style changes (compact_render.py) and pieces already
on screen are left out (screen_memory.py). A line left stale, or a style carried into the wrong
cell, would show here: every byte the app writes is fed to a small terminal model (characters
and SGR state per cell) and compared with Textual's own drawing of the whole screen at the end.
"""

from __future__ import annotations

import re

import pytest
from rich.cells import get_character_cell_size
from textual.drivers.headless_driver import HeadlessDriver
from textual.strip import Strip

from track_tui import compact_render

from ..unit.test_compact_render import _apply, looks
from .test_board import SIZE, settle

_TOKEN = re.compile(r"\x1b\[([0-9;]*)([A-Za-z])|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b.|([\r\n])|([^\x1b\r\n]+)")


class StyledScreen:
    """Cells of (character, SGR state), fed with terminal output."""

    def __init__(self, columns: int, rows: int) -> None:
        self.columns, self.rows = columns, rows
        self.cells = [[(" ", ())] * columns for _ in range(rows)]
        self.x = self.y = 0
        self.state: dict = {}

    def feed(self, output: str) -> None:
        for match in _TOKEN.finditer(output):
            params, final, newline, text = match.groups()
            if final == "m":
                _apply(self.state, params)
            elif final == "H":
                row, _, column = (params or "1;1").partition(";")
                self.y, self.x = int(row or 1) - 1, int(column or 1) - 1
            elif newline == "\n":
                self.y = min(self.y + 1, self.rows - 1)
            elif newline == "\r":
                self.x = 0
            elif text:
                for char in text:
                    width = get_character_cell_size(char)
                    if width and self.x + width <= self.columns:
                        self.cells[self.y][self.x] = looks(char, self.state)
                        if width == 2:
                            self.cells[self.y][self.x + 1] = looks("", self.state)
                        self.x += width

    def row_text(self, y: int) -> str:
        return "".join(char for char, _ in self.cells[y])


def recording_driver(into: list[str]):
    class Recording(HeadlessDriver):
        @property
        def is_headless(self) -> bool:
            return False

        def write(self, data: str) -> None:
            into.append(data)

    return Recording


def full_drawing(app, columns: int, rows: int) -> StyledScreen:
    """The whole screen drawn afresh, line by line, each line rendered on its own (from a copy
    of its strip, so no rendering cached on the way is reused; tests/unit/test_compact_render.py
    shows a line renders as Textual's own rendering does). Call it after every widget was
    refreshed: the compositor reuses the lines it has."""
    update = app.screen._compositor.render_update(full=True)
    console = app.console
    screen = StyledScreen(columns, rows)
    for y, line in enumerate(update.strips):
        screen.feed(f"\x1b[{update.region.y + y + 1};{update.region.x + 1}H")
        for strip in line:
            screen.feed(compact_render.render_strip(Strip(list(strip)), console) + "\x1b[0m")
        screen.state.clear()
    return screen


@pytest.mark.parametrize("keys", [
    ["j", "j", "j", "k", "j"],  # cursor steps: two cards redrawn each
    ["L", "j", "H", "l", "k", "L", "h"],  # card moves and column changes: figures, headers, cursor
    ["G", "g", "j", "J", "K"],  # scrolling the column to its end and back, reordering
])
async def test_the_terminal_shows_what_a_full_drawing_shows(demo_app, keys: list[str]) -> None:
    written: list[str] = []
    columns, rows = SIZE
    async with demo_app.run_test(size=SIZE) as pilot:
        await settle(demo_app, pilot)
        await pilot.pause(0.1)
        demo_app.key_gate.enabled = False  # the pilot waits after each key itself
        demo_app._driver.__class__ = recording_driver(written)
        demo_app.screen.refresh()
        await pilot.pause()
        for key in keys:
            await pilot.press(key)
            await settle(demo_app, pilot)
            await pilot.pause()
        await pilot.pause(0.1)
        shown = StyledScreen(columns, rows)
        shown.feed("".join(written))
        for widget in demo_app.screen.walk_children(with_self=True):  # every line drawn afresh
            widget.refresh()
        await pilot.pause()
        expected = full_drawing(demo_app, columns, rows)
    for y in range(rows):
        assert shown.row_text(y) == expected.row_text(y), f"row {y + 1}"
        assert shown.cells[y] == expected.cells[y], f"row {y + 1}: styles differ"


def _rows_written(output: str) -> set[int]:
    """The rows (1-based) where `output` draws characters (the cursor is also parked at the
    end of each frame: a move that draws nothing does not count)."""
    pieces = re.split(r"\x1b\[(\d+);\d+H", output)
    return {int(row) for row, drawn in zip(pieces[1::2], pieces[2::2]) if re.sub(r"\x1b\[[0-9;]*m|\n", "", drawn)}


async def test_a_repaint_after_the_terminal_may_have_lost_its_contents_writes_every_row(demo_app) -> None:
    """Pieces already on screen are left out of a frame (screen_memory.py), so whenever the
    terminal may show something else — back from a suspend (an external editor: Textual then
    refreshes the app with layout), resized — the whole screen must be written again, not only
    what changed. A key that changes nothing on screen writes no piece at all."""
    written: list[str] = []
    columns, rows = SIZE
    async with demo_app.run_test(size=SIZE) as pilot:
        await settle(demo_app, pilot)
        await pilot.pause(0.1)
        demo_app.key_gate.enabled = False
        demo_app._driver.__class__ = recording_driver(written)
        demo_app.screen.refresh()
        await pilot.pause()
        for widget in demo_app.screen.walk_children():  # every widget redrawn, nothing changed
            widget.refresh()
        written.clear()
        await pilot.pause()
        assert _rows_written("".join(written)) == set()
        demo_app.refresh(layout=True)  # what App.suspend does when the editor returns
        await pilot.pause()
        assert _rows_written("".join(written)) == set(range(1, rows + 1))
        written.clear()
        await pilot.resize_terminal(columns - 1, rows)
        await settle(demo_app, pilot)
        await pilot.resize_terminal(columns, rows)
        await settle(demo_app, pilot)
        await pilot.pause(0.1)
        last_full = "".join(written).rpartition("\x1b[1;1H")
        assert _rows_written(last_full[1] + last_full[2]) == set(range(1, rows + 1))

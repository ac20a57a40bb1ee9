"""A frame leaves out the pieces the terminal already shows, and only those
(track_tui/screen_memory.py, used by compact_render's frame writers).

Frames are built here as Textual's compositor builds them (a full `LayoutUpdate`, then partial
`ChopsUpdate`s of line pieces) and what they write is read back: which rows and columns a
frame moves the cursor to, and what it draws there."""

from __future__ import annotations

import re

from rich.color import ColorSystem
from rich.segment import Segment
from rich.style import Style
from textual._compositor import ChopsUpdate, LayoutUpdate
from textual.geometry import Region
from textual.strip import Strip

import track_tui.terminal_guard  # noqa: F401  (strips render as the app renders them)
from track_tui.screen_memory import memory_of

from .test_compact_render import Console

_MOVE = re.compile(r"\x1b\[(\d+);(\d+)H")
CARD = Style(color="#e0e0e0", bgcolor="#3e3e3e")
BAR = Style(bgcolor="#000000")


def piece(text: str, style: Style = CARD) -> Strip:
    return Strip([Segment(text, style)])


def screen(rows: list[tuple[str, str]]) -> list[list[Strip]]:
    """Rows of two pieces: a card line (10 cells) and a scrollbar cell (1 cell)."""
    return [[piece(card.ljust(10)), piece(bar, BAR)] for card, bar in rows]


def chops(rows: list[list[Strip]], dirty: list[int]) -> ChopsUpdate:
    """The compositor's partial update of rows `dirty`, each row whole (columns 0 to 11)."""
    return ChopsUpdate([{0: line[0], 10: line[1]} for line in rows], [(y, 0, 11) for y in dirty],
                       [[10, 11] for _ in rows])


def moves(output: str) -> list[tuple[int, int]]:
    """Where the frame draws: (row, column), 0-based, in order."""
    return [(int(row) - 1, int(column) - 1) for row, column in _MOVE.findall(output)]


def test_a_frame_sends_the_pieces_that_changed_and_not_those_on_screen() -> None:
    console = Console(ColorSystem.TRUECOLOR)
    before = screen([("Harbor", " "), ("$6.2m", " "), ("", " ")])
    LayoutUpdate(before, Region(0, 0, 11, 3)).render_segments(console)
    after = screen([("Echoline", " "), ("$6.2m", " "), ("", "▅")])
    output = chops(after, [0, 1, 2]).render_segments(console)
    assert moves(output) == [(0, 0), (2, 10)]  # the new name and the moved scrollbar cell only
    assert "Echoline" in output and "$6.2m" not in output and "▅" in output


def test_the_same_frame_twice_sends_nothing_the_second_time() -> None:
    console = Console(ColorSystem.TRUECOLOR)
    rows = screen([("Lead", " "), ("287 deals", " ")])
    LayoutUpdate(screen([("", " "), ("", " ")]), Region(0, 0, 11, 2)).render_segments(console)
    first = chops(rows, [0, 1]).render_segments(console)
    assert moves(first) == [(0, 0), (1, 0)]
    assert chops(rows, [0, 1]).render_segments(console) == ""


def test_a_style_change_alone_is_sent() -> None:
    console = Console(ColorSystem.TRUECOLOR)
    LayoutUpdate(screen([("Lead", " ")]), Region(0, 0, 11, 1)).render_segments(console)
    active = [[piece("Lead".ljust(10), CARD + Style(bgcolor="#643c1a")), piece(" ", BAR)]]
    output = chops(active, [0]).render_segments(console)
    assert moves(output) == [(0, 0)] and "Lead" in output


def test_a_piece_partly_overwritten_is_sent_again() -> None:
    console = Console(ColorSystem.TRUECOLOR)
    rows = screen([("Harbor", " ")])
    LayoutUpdate(rows, Region(0, 0, 11, 1)).render_segments(console)
    # a toast's piece over columns 4-7, then the toast goes and the card line is back
    ChopsUpdate([{0: piece("Harb"), 4: piece("TOST", BAR), 8: piece("  "), 10: rows[0][1]}], [(0, 4, 8)],
                [[4, 8, 10, 11]]).render_segments(console)
    output = chops(rows, [0]).render_segments(console)
    assert moves(output) == [(0, 0)] and "Harbor" in output


def test_a_full_update_is_written_whole_every_time() -> None:
    """A full update follows a resize, a resume from suspend or a new screen: whatever the
    terminal showed may be gone, so nothing is left out."""
    console = Console(ColorSystem.TRUECOLOR)
    rows = screen([("Lead", " "), ("287 deals", " ")])
    LayoutUpdate(rows, Region(0, 0, 11, 2)).render_segments(console)
    again = LayoutUpdate(rows, Region(0, 0, 11, 2)).render_segments(console)
    assert moves(again) == [(0, 0), (1, 0)] and "Lead" in again and "287 deals" in again


def test_each_console_has_its_own_memory() -> None:
    one, other = Console(ColorSystem.TRUECOLOR), Console(ColorSystem.TRUECOLOR)
    rows = screen([("Lead", " ")])
    LayoutUpdate(rows, Region(0, 0, 11, 1)).render_segments(one)
    assert chops(rows, [0]).render_segments(one) == ""
    assert moves(chops(rows, [0]).render_segments(other)) == [(0, 0), (0, 10)]
    assert memory_of(one) is not memory_of(other)

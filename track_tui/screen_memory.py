"""What the terminal shows now, remembered piece by piece, so a piece already there is not sent.

Textual redraws a widget's whole region when any of it changes, and the compositor then writes
every line piece (a "chop": one widget's cells on one row) of that region. Over SSH that is
where a card move's bytes go: a header whose count changed resends its unchanged name line, a
column's scrollbar that did not move resends every cell, and a second frame of the same key
sends its pieces again. The terminal already shows most of them.

So each rendered piece written is kept here under its row and column, with where it ends; a
piece that would write exactly what is already there (same place, same width, same rendered
bytes) is left out of the frame. Writing a piece forgets whatever it overlaps. A full-screen
update (Textual's `LayoutUpdate`: first draw, resize, resume from suspend, a screen pushed or
popped, `App.refresh`) is written whole and starts the memory afresh, so the terminal is
always repainted in full when its contents may have been lost. One memory per console: each
running app writes to its own terminal.
"""

from __future__ import annotations

from typing import Any
from weakref import WeakKeyDictionary


class ScreenMemory:
    """The pieces last written to each row: row -> {first column: (end column, rendered)}."""

    def __init__(self) -> None:
        self.rows: dict[int, dict[int, tuple[int, str]]] = {}

    def forget(self) -> None:
        """The terminal may show anything now (it is about to be repainted whole)."""
        self.rows.clear()

    def shows(self, y: int, x: int, end: int, rendered: str) -> bool:
        """Is exactly this piece on screen at row `y`, columns `x` to `end`?"""
        row = self.rows.get(y)
        return row is not None and row.get(x) == (end, rendered)

    def wrote(self, y: int, x: int, end: int, rendered: str) -> None:
        """Remember a piece written at row `y`, columns `x` to `end`; what it covered is gone."""
        row = self.rows.get(y)
        if row is None:
            row = self.rows[y] = {}
        else:
            covered = [start for start, (stop, _) in row.items() if start < end and stop > x]
            for start in covered:
                del row[start]
        row[x] = (end, rendered)


_MEMORIES: WeakKeyDictionary[Any, ScreenMemory] = WeakKeyDictionary()


def memory_of(console: Any) -> ScreenMemory:
    """The memory of what `console`'s terminal shows (a new, empty one the first time)."""
    memory = _MEMORIES.get(console)
    if memory is None:
        memory = _MEMORIES[console] = ScreenMemory()
    return memory

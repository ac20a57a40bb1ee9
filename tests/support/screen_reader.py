"""What a terminal shows after an app's output: the characters in each cell, no colours.

A pty test that asks "does the filter hold `owner:me`?" must read the screen, not the output
stream: the stream also holds every earlier frame. Textual draws a full-screen app with cursor
positioning (`CSI row;col H`), colours (`CSI … m`) and mode switches only, so this reader keeps a
grid of cells and applies those; everything else that is not text is skipped. Wide characters
take two cells, as a terminal gives them.
"""

from __future__ import annotations

import re

from rich.cells import get_character_cell_size

_TOKEN = re.compile(r"\x1b\[([0-?]*)[ -/]*([@-~])|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[\s\S]?|[\r\n\b]|[^\x1b\r\n\b]+")


class ScreenReader:
    """A `columns` × `rows` screen fed with output, read back as lines of text."""

    def __init__(self, columns: int = 120, rows: int = 40) -> None:
        self.columns, self.rows = columns, rows
        self._cells = [[" "] * columns for _ in range(rows)]
        self._x = self._y = 0

    def feed(self, output: str | bytes) -> "ScreenReader":
        if isinstance(output, bytes):
            output = output.decode("utf-8", "replace")
        for match in _TOKEN.finditer(output):
            token = match.group()
            if match.group(2) is not None:
                self._control(match.group(1), match.group(2))
            elif token == "\r":
                self._x = 0
            elif token == "\n":
                self._y = min(self._y + 1, self.rows - 1)
            elif token == "\b":
                self._x = max(self._x - 1, 0)
            elif not token.startswith("\x1b"):
                self._write(token)
        return self

    def _control(self, parameters: str, final: str) -> None:
        if parameters.startswith(("?", ">", "<", "=")):
            return  # private modes and queries: nothing drawn
        numbers = [int(part) if part.isdigit() else 0 for part in parameters.split(";")] if parameters else []
        if final in "Hf":
            row = numbers[0] if numbers and numbers[0] else 1
            column = numbers[1] if len(numbers) > 1 and numbers[1] else 1
            self._y, self._x = min(row, self.rows) - 1, min(column, self.columns) - 1
        elif final == "J" and (numbers or [0])[0] == 2:
            self._cells = [[" "] * self.columns for _ in range(self.rows)]
        elif final == "K":
            for x in range(self._x, self.columns):
                self._cells[self._y][x] = " "

    def _write(self, text: str) -> None:
        row = self._cells[self._y]
        for char in text:
            width = get_character_cell_size(char)
            if width == 0:
                continue
            if self._x + width > self.columns:
                break  # Textual never relies on wrapping: what would wrap is not drawn
            row[self._x] = char
            if width == 2:
                row[self._x + 1] = ""
            self._x += width

    def lines(self) -> list[str]:
        return ["".join(row).rstrip() for row in self._cells]

    def text(self) -> str:
        return "\n".join(self.lines())

    def line_with(self, text: str) -> str | None:
        """The first line showing `text`, or None."""
        return next((line for line in self.lines() if text in line), None)

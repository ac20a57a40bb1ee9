"""Text that may hold data, as Textual draws it: made safe, and never read as markup.

Textual reads a plain `str` given to `Static`, `Label`, `Option`, `SelectionList` or a toast as
markup, so a record named "[/]" ends the app (MarkupError) and one named "[@click=app.quit]…"
becomes a button; and it sends control characters in it to the terminal. Screens build what
they show from names, so wherever a string holds data it is drawn through these:

- `plain(text)` — one line (an option, a picker row) as `Content`, for any widget that takes one;
- `PlainStatic` / `PlainLabel` — a `Static` / `Label` whose strings (in the constructor and in
  `update`) are always literal text with newlines kept (titles, hints, error lines).
"""

from __future__ import annotations

from typing import Any

from textual.content import Content
from textual.visual import VisualType
from textual.widgets import Label, Static

from ..safe_text import safe_block, safe_line


def plain(text: str) -> Content:
    """`text` as one line of literal, safe content."""
    return Content(safe_line(text))


def plain_block(content: VisualType) -> VisualType:
    """A string as literal, safe content that keeps its newlines; anything else as it is."""
    return Content(safe_block(content)) if isinstance(content, str) else content


class PlainStatic(Static):
    """A `Static` for text that may hold data: strings are shown as they are, safely."""

    def __init__(self, content: VisualType = "", **kwargs: Any) -> None:
        kwargs["markup"] = False
        super().__init__(plain_block(content), **kwargs)

    def update(self, content: VisualType = "", *, layout: bool = True) -> None:
        super().update(plain_block(content), layout=layout)


class PlainLabel(Label):
    """A `Label` for text that may hold data (error lines name what was typed, and records)."""

    def __init__(self, content: VisualType = "", **kwargs: Any) -> None:
        kwargs["markup"] = False
        super().__init__(plain_block(content), **kwargs)

    def update(self, content: VisualType = "", *, layout: bool = True) -> None:
        super().update(plain_block(content), layout=layout)

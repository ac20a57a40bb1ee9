"""An `Input` that draws its value safely but keeps it exactly as it is.

Editors open pre-filled with what is stored (a name, a task title). Textual's `Input` would send
a control character in that value straight to the terminal; replacing the value with a cleaned
copy instead would change the stored data the moment the person pressed Enter without touching
it. `SafeInput` keeps `value` untouched and only draws it through `safe_line`, which replaces
each character by exactly one, so the cursor, the selection and mouse clicks (worked out here on
the drawn text, where each symbol is one cell) stay where the person sees them.
"""

from __future__ import annotations

from typing import Any

from rich.cells import cell_len, get_character_cell_size
from rich.text import Text
from textual.widgets import Input

from ..safe_text import safe_line


class SafeInput(Input):
    """`Input` whose drawn text is `safe_line(value)`; `value` itself is never changed here.
    The placeholder (a field's hint can come from the workspace's settings) is made safe too."""

    def __init__(self, value: str | None = None, placeholder: str = "", *args: Any, **kwargs: Any) -> None:
        super().__init__(value, safe_line(placeholder), *args, **kwargs)

    @property
    def _value(self) -> Text:
        if self.password:
            return super()._value
        text = Text(safe_line(self.value), no_wrap=True, overflow="ignore", end="")
        if self.highlighter is not None:
            text = self.highlighter(text)
        return text

    def _position_to_cell(self, position: int) -> int:
        if self.password:
            return super()._position_to_cell(position)
        return cell_len(safe_line(self.value[:position]))

    def _cell_offset_to_index(self, offset: int) -> int:
        if self.password:
            return super()._cell_offset_to_index(offset)
        scroll_x, _ = self.scroll_offset
        offset += scroll_x
        cell = 0
        drawn = safe_line(self.value)
        for index, char in enumerate(drawn):
            width = get_character_cell_size(char)
            if cell <= offset < cell + width:
                return index
            cell += width
        return max(0, min(offset, len(drawn)))

"""A multi-select list whose checked options read as checked without colour.

Textual's SelectionList shows each option's state as a coloured button (``▐X▌``), the same
characters checked or not: under NO_COLOR, or in a theme where the two colours are close,
nobody can tell which options are chosen. Here the state is a character: ☑ checked, ☐ not,
drawn in the line's own style (so it is as readable as the option's label, cursor or not).
"""

from __future__ import annotations

from typing import TypeVar

from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip
from textual.widgets import OptionList, SelectionList
from textual.widgets.option_list import OptionDoesNotExist

CHECKED, UNCHECKED = "☑", "☐"
SelectionType = TypeVar("SelectionType")


class CheckList(SelectionList[SelectionType]):
    """SelectionList with ☑/☐ marks instead of coloured buttons; keys and messages unchanged."""

    def _get_left_gutter_width(self) -> int:
        return 2  # the mark and a space

    def render_line(self, y: int) -> Strip:
        line = OptionList.render_line(self, y)  # the option's label, without Textual's button
        index = self.scroll_offset.y + y
        try:
            selection = self.get_option_at_index(index)
        except OptionDoesNotExist:
            return line
        checked = selection.value in self._selected
        underlying = next(iter(line)).style or self.rich_style
        meta = Style(meta={"option": index})  # a click on the mark toggles, as on the button
        mark = Segment(CHECKED if checked else UNCHECKED, underlying + Style(bold=checked) + meta)
        return Strip([mark, Segment(" ", underlying + meta), *line])

"""A grouped list drawn with Textual's line API: the machinery the search results and the task
inbox share.

Why a base class: both lists can hold thousands of rows, so neither builds a widget per row. They
keep a flat list of rows (each a group header or an item), tell the `ScrollView` how many lines
there are, and draw only the lines on screen, caching each drawn line, so a list of ten thousand
costs one screenful. On top of that sit the cursor and its keys: the cursor walks the items, never
the headers, and scrolling to it keeps the header of a group in view with the group's first item.
A subclass says what a row holds and how a header and an item are drawn.
"""

from __future__ import annotations

from bisect import bisect_left
from typing import Any, Callable, ClassVar, Generic, TypeVar

from rich.style import Style
from rich.text import Text
from textual.cache import LRUCache
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from .part_styles import PartStyles

ItemT = TypeVar("ItemT")


class GroupedList(ScrollView, Generic[ItemT], can_focus=False):
    """Rows that are either a group header or an item, of which only the visible lines are drawn.

    Only visible lines are rendered (`render_line`), and each rendered line is kept in an LRU
    cache keyed by line, width, selection and focus, so scrolling and cursor moves cost a few
    lines, not the whole list. The cursor is an index into `item_rows` (the row index of each
    item, in order): it walks items and skips headers. With no rows, line 1 shows `empty_text`.

    A subclass sets `_item` (a row's item, or None for a header row), `EMPTY_COMPONENT`,
    `CURSOR_COMPONENT` and `CACHE_SIZE`, builds its rows and hands them to `show_rows`, and draws
    rows in `_render_header` and `_render_item`; `_item_clicked` reacts to a click on an item.
    """

    DEFAULT_CSS = """
    GroupedList { height: 1fr; scrollbar-size-vertical: 1; overflow-x: hidden; }
    """

    EMPTY_COMPONENT: ClassVar[str] = ""
    CURSOR_COMPONENT: ClassVar[str] = ""
    CACHE_SIZE: ClassVar[int] = 512
    _item: Callable[[Any], Any]  # a row's item, or None for a header row (an `attrgetter`)

    def __init__(self, *, empty_text: str = "", id: str | None = None) -> None:
        super().__init__(id=id)
        self.rows: list[Any] = []
        self.item_rows: list[int] = []  # row index of each item, in order
        self.cursor = 0  # index into item_rows
        self.empty_text = empty_text
        self._strips: LRUCache[tuple, Strip] = LRUCache(maxsize=self.CACHE_SIZE)
        self._parts = PartStyles(self)

    # -- data ------------------------------------------------------------------------------

    def show_rows(self, rows: list[Any], *, keep: Callable[[ItemT], bool] | None = None, fallback: int = 0) -> None:
        """Show `rows`; put the cursor on the first item `keep` accepts, else on item `fallback`."""
        item = self._item
        self.rows = rows
        self.item_rows = [i for i, row in enumerate(rows) if item(row) is not None]
        index = None
        if keep is not None:
            index = next((n for n, i in enumerate(self.item_rows) if keep(item(rows[i]))), None)
        self.cursor = max(0, min(fallback if index is None else index, len(self.item_rows) - 1))
        self._strips.clear()
        self.virtual_size = Size(self.size.width, max(1, len(rows)))
        self.scroll_to_cursor()
        self.refresh()

    def clear(self, empty_text: str = "") -> None:
        """Show no rows, only `empty_text`."""
        self.rows, self.item_rows, self.cursor = [], [], 0
        self.empty_text = empty_text
        self._strips.clear()
        self.virtual_size = Size(self.size.width, 1)
        self.scroll_to(y=0, animate=False)
        self.refresh()

    @property
    def current(self) -> ItemT | None:
        """The item under the cursor."""
        if not self.item_rows:
            return None
        return self._item(self.rows[self.item_rows[self.cursor]])

    @property
    def items(self) -> list[ItemT]:
        item = self._item
        return [item(self.rows[i]) for i in self.item_rows]

    # -- cursor ----------------------------------------------------------------------------

    def move_cursor(self, delta: int) -> None:
        self.set_cursor(self.cursor + delta)

    def set_cursor(self, index: int) -> None:
        """Put the cursor on item `index` (clamped to the items), scrolled into view."""
        if not self.item_rows:
            return
        old_line = self.item_rows[self.cursor]
        self.cursor = max(0, min(index, len(self.item_rows) - 1))
        new_line = self.item_rows[self.cursor]
        # Cached lines are keyed by whether they hold the cursor, so none goes stale here: only
        # the old and the new cursor line are drawn again (as CardList and OptionList do); a
        # scroll redraws what it uncovers by itself.
        before = self.scroll_y
        self.scroll_to_cursor()
        if self.scroll_y == before:
            self.refresh_line(old_line)
            self.refresh_line(new_line)

    def page(self, direction: int) -> None:
        self.move_cursor(direction * max(1, self.scrollable_content_region.height - 2))

    def scroll_to_cursor(self) -> None:
        """Scroll the cursor's item into view; the first item of a group brings its header along."""
        if not self.item_rows:
            return
        bottom = line = self.item_rows[self.cursor]
        if line > 0 and self._item(self.rows[line - 1]) is None:
            line -= 1  # keep the group's header in view with its first item
        height = self.scrollable_content_region.height or self.size.height
        if line < self.scroll_y:
            self.scroll_to(y=line, animate=False)
        elif bottom >= self.scroll_y + height:
            self.scroll_to(y=bottom - height + 1, animate=False)

    def notify_style_update(self) -> None:
        """The theme or styles changed: lines drawn in the old colours must go (else the
        list keeps the old theme's background until each line is drawn again)."""
        super().notify_style_update()
        self._strips.clear()
        self._parts.clear()

    def on_resize(self) -> None:
        self._strips.clear()
        self.virtual_size = Size(self.size.width, max(1, len(self.rows)))
        self.scroll_to_cursor()

    def on_click(self, event) -> None:
        line = int(self.scroll_y) + event.y
        index = bisect_left(self.item_rows, line)
        if index < len(self.item_rows) and self.item_rows[index] == line:
            self.set_cursor(index)
            self._item_clicked(self._item(self.rows[line]))

    def _item_clicked(self, item: ItemT) -> None:
        """A click put the cursor on `item`."""

    # -- drawing ---------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width or self.size.width
        line = int(self.scroll_y) + y
        if not self.rows:
            if y == 1 and self.empty_text:
                text = Text("  " + self.empty_text, no_wrap=True, overflow="ellipsis")
                text.stylize(self._fg(self.EMPTY_COMPONENT))
                return self._strip(text, width)
            return Strip.blank(width, self.rich_style)
        if line >= len(self.rows):
            return Strip.blank(width, self.rich_style)
        selected = bool(self.item_rows) and self.item_rows[self.cursor] == line
        key = (line, width, selected, self.has_focus)
        cached = self._strips.get(key)
        if cached is None:
            row = self.rows[line]
            item = self._item(row)
            cached = self._render_header(row, width) if item is None else self._render_item(item, width, selected)
            self._strips[key] = cached
        return cached

    def _render_header(self, row: Any, width: int) -> Strip:
        raise NotImplementedError

    def _render_item(self, item: ItemT, width: int, selected: bool) -> Strip:
        raise NotImplementedError

    def _row_style(self, selected: bool) -> Style:
        """The widget's style, with the cursor's background on the selected row."""
        if selected:
            return self.rich_style + self.get_component_rich_style(self.CURSOR_COMPONENT)
        return self.rich_style

    def _fg(self, name: str, *, selected: bool = False, base: Style | None = None) -> Style:
        """A component's colour and text style without its background (the row's shows
        through), the colour resolved against that background: the row's (`selected`: the
        cursor's), or `base`'s (widgets/part_styles.py)."""
        return self._parts.fg(base or self._row_style(selected), name, highlight=selected)

    def _strip(self, text: Text, width: int, base: Style | None = None) -> Strip:
        """`text` cut or padded to `width` cells, over `base` (the widget's style by default)."""
        text.truncate(width, overflow="ellipsis", pad=True)
        return Strip(list(text.render(self.app.console)), width).apply_style(base or self.rich_style)

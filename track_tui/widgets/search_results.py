"""Search results, grouped by record type, drawn with Textual's line API.

One line per group header and one per hit; only the visible lines are rendered (and cached), so
the list costs one screenful whatever the number of results. The cursor moves over hits only.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ..models import RecordType
from ..store.search import SearchHit, SearchResults

GROUP_LABELS = {RecordType.CONTACT: "Contacts", RecordType.COMPANY: "Companies", RecordType.DEAL: "Deals"}


@dataclass(frozen=True, slots=True)
class _Row:
    hit: SearchHit | None = None
    header: str | None = None


class SearchResultsList(ScrollView, can_focus=False):
    """The panel's result list; the panel's input keeps the focus and drives the cursor."""

    COMPONENT_CLASSES = {
        "search-results--header",
        "search-results--cursor",
        "search-results--name",
        "search-results--match",
        "search-results--muted",
        "search-results--empty",
    }

    DEFAULT_CSS = """
    SearchResultsList { height: 1fr; scrollbar-size-vertical: 1; overflow-x: hidden; }
    """

    class Chosen(Message):
        """A hit was clicked."""

        def __init__(self, hit: SearchHit) -> None:
            super().__init__()
            self.hit = hit

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.rows: list[_Row] = []
        self.hit_rows: list[int] = []  # row index of each hit, in order
        self.cursor = 0  # index into hit_rows
        self.empty_text = ""
        self.name_width = 12
        self._strips: LRUCache[tuple, Strip] = LRUCache(maxsize=512)

    # -- data ------------------------------------------------------------------------------

    def set_results(self, results: SearchResults, *, keep: tuple[str, str | None] | None = None) -> None:
        """Show `results`; keep the cursor on record `keep` (id, entry) when it is still there."""
        rows: list[_Row] = []
        for kind, hits in results.groups:
            rows.append(_Row(header=f"{GROUP_LABELS.get(kind, kind.label)} · {len(hits)}"))
            rows.extend(_Row(hit=hit) for hit in hits)
        self.rows = rows
        self.hit_rows = [i for i, row in enumerate(rows) if row.hit is not None]
        self.name_width = max((cell_len(row.hit.name) for row in rows if row.hit is not None), default=12)
        self.cursor = 0
        if keep is not None:
            for index, row_index in enumerate(self.hit_rows):
                if self.rows[row_index].hit.record_id == keep[0]:  # type: ignore[union-attr]
                    self.cursor = index
                    break
        self._strips.clear()
        self.virtual_size = Size(self.size.width, max(1, len(rows)))
        self.scroll_to_cursor()
        self.refresh()

    def clear(self, empty_text: str = "") -> None:
        self.rows, self.hit_rows, self.cursor = [], [], 0
        self.empty_text = empty_text
        self._strips.clear()
        self.virtual_size = Size(self.size.width, 1)
        self.scroll_to(y=0, animate=False)
        self.refresh()

    @property
    def current(self) -> SearchHit | None:
        if not self.hit_rows:
            return None
        return self.rows[self.hit_rows[self.cursor]].hit

    @property
    def hits(self) -> list[SearchHit]:
        return [self.rows[i].hit for i in self.hit_rows]  # type: ignore[misc]

    def move_cursor(self, delta: int) -> None:
        if not self.hit_rows:
            return
        self.cursor = max(0, min(self.cursor + delta, len(self.hit_rows) - 1))
        self._strips.clear()
        self.scroll_to_cursor()
        self.refresh()

    def page(self, direction: int) -> None:
        self.move_cursor(direction * max(1, self.scrollable_content_region.height - 2))

    def scroll_to_cursor(self) -> None:
        if not self.hit_rows:
            return
        line = self.hit_rows[self.cursor]
        if self.cursor == 0:
            line = 0  # show the first group's header too
        height = self.scrollable_content_region.height or self.size.height
        if line < self.scroll_y:
            self.scroll_to(y=line, animate=False)
        elif line >= self.scroll_y + height:
            self.scroll_to(y=line - height + 1, animate=False)

    def on_resize(self) -> None:
        self._strips.clear()
        self.virtual_size = Size(self.size.width, max(1, len(self.rows)))

    def on_click(self, event) -> None:
        line = int(self.scroll_y) + event.y
        if 0 <= line < len(self.rows) and self.rows[line].hit is not None:
            self.cursor = self.hit_rows.index(line)
            self._strips.clear()
            self.refresh()
            self.post_message(self.Chosen(self.rows[line].hit))  # type: ignore[arg-type]

    # -- drawing ---------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width or self.size.width
        line = int(self.scroll_y) + y
        if not self.rows:
            if y == 1 and self.empty_text:
                style = self._fg("search-results--empty")
                text = Text("  " + self.empty_text, no_wrap=True, overflow="ellipsis")
                text.stylize(style)
                return self._strip(text, width)
            return Strip.blank(width, self.rich_style)
        if line >= len(self.rows):
            return Strip.blank(width, self.rich_style)
        selected = bool(self.hit_rows) and self.hit_rows[self.cursor] == line
        key = (line, width, selected)
        cached = self._strips.get(key)
        if cached is None:
            row = self.rows[line]
            cached = self._render_header(row.header or "", width) if row.hit is None else self._render_hit(row.hit, width, selected)
            self._strips[key] = cached
        return cached

    def _fg(self, name: str) -> Style:
        """A component's colour and text style without its background (the row's shows through)."""
        full = self.get_component_rich_style(name)
        return Style(color=full.color, bold=full.bold, italic=full.italic, underline=full.underline, dim=full.dim)

    def _strip(self, text: Text, width: int, base: Style | None = None) -> Strip:
        text.truncate(width, overflow="ellipsis", pad=True)
        segments = list(text.render(self.app.console))
        return Strip(segments, width).apply_style(base or self.rich_style)

    def _render_header(self, label: str, width: int) -> Strip:
        text = Text(" " + label)
        text.stylize(self._fg("search-results--header"))  # a span: Text.render ignores a base style
        return self._strip(text, width)

    def _render_hit(self, hit: SearchHit, width: int, selected: bool) -> Strip:
        base = self.rich_style
        if selected:
            base = base + self.get_component_rich_style("search-results--cursor")
        name_style = self._fg("search-results--name")
        muted = self._fg("search-results--muted")
        match = self._fg("search-results--match")
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append("▌ " if selected else "  ")
        name_width = max(12, min(self.name_width, int(width * 0.45)))
        name = Text(hit.name, style=name_style, no_wrap=True, overflow="ellipsis")
        for start, end in hit.name_spans:
            name.stylize(match, start, end)
        name.truncate(name_width, overflow="ellipsis", pad=True)
        text.append_text(name)
        text.append("  ")
        if hit.field == "name":
            text.append(hit.subtitle or "", style=muted)
        else:
            text.append(f"{hit.field_label} ", style=muted)
            detail = Text(hit.text, no_wrap=True)
            for start, end in hit.spans:
                detail.stylize(match, start, end)
            text.append_text(detail)
        return self._strip(text, width, base)

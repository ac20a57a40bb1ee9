"""Search results, grouped by record type, drawn with Textual's line API.

One line per group header and one per hit; only the visible lines are rendered (and cached), so
the list costs one screenful whatever the number of results. The cursor moves over hits only.
"""

from __future__ import annotations

from dataclasses import dataclass
from operator import attrgetter

from rich.cells import cell_len
from rich.text import Text
from textual.message import Message
from textual.strip import Strip

from ..models import RecordType
from ..safe_text import safe_line
from ..store.search import SearchHit, SearchResults
from .grouped_list import GroupedList

GROUP_LABELS = {RecordType.CONTACT: "Contacts", RecordType.COMPANY: "Companies", RecordType.DEAL: "Deals"}


@dataclass(frozen=True, slots=True)
class _Row:
    hit: SearchHit | None = None
    header: str | None = None


TAIL_SHARE = 3  # a cut name keeps its last third: the end is what tells "Team expansion (2)" apart


def fit(name: Text, width: int) -> Text:
    """`name` in exactly `width` cells: padded, or cut in the middle so that its start and its
    end both show ("Harborspring Edu…expansion (2)") — names of one company's deals differ at
    the end, so an end cut would draw two of them alike."""
    if cell_len(name.plain) <= width:
        padded = name.copy()
        padded.pad_right(width - cell_len(name.plain))
        return padded
    if width < 8:
        cut = name.copy()
        cut.truncate(width, overflow="ellipsis")
        return cut
    tail_cells = width // TAIL_SHARE
    start = len(name.plain)
    while start > 0 and cell_len(name.plain[start - 1:]) <= tail_cells:
        start -= 1
    head = name[:start].copy() if start else Text()
    head.truncate(width - 1 - cell_len(name.plain[start:]), overflow="crop")
    result = Text.assemble(head, "…", name[start:], no_wrap=True)
    result.truncate(width, overflow="crop", pad=True)
    return result


class SearchResultsList(GroupedList[SearchHit], can_focus=False):
    """The panel's result list; the panel's input keeps the focus and drives the cursor."""

    COMPONENT_CLASSES = {
        "search-results--header",
        "search-results--cursor",
        "search-results--name",
        "search-results--match",
        "search-results--muted",
        "search-results--empty",
    }
    EMPTY_COMPONENT = "search-results--empty"
    CURSOR_COMPONENT = "search-results--cursor"
    CACHE_SIZE = 512
    _item = staticmethod(attrgetter("hit"))

    rows: list[_Row]

    class Chosen(Message):
        """A hit was clicked."""

        def __init__(self, hit: SearchHit) -> None:
            super().__init__()
            self.hit = hit

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.name_width = 12

    # -- data ------------------------------------------------------------------------------

    def set_results(self, results: SearchResults, *, keep: tuple[str, str | None] | None = None) -> None:
        """Show `results`; keep the cursor on record `keep` (id, entry) when it is still there."""
        rows: list[_Row] = []
        for kind, hits in results.groups:
            rows.append(_Row(header=f"{GROUP_LABELS.get(kind, kind.label)} · {len(hits)}"))
            rows.extend(_Row(hit=hit) for hit in hits)
        self.name_width = max((cell_len(safe_line(row.hit.name)) for row in rows if row.hit is not None), default=12)
        self.show_rows(rows, keep=None if keep is None else (lambda hit: hit.record_id == keep[0]))

    @property
    def hit_rows(self) -> list[int]:
        """The row index of each hit, in order (the cursor indexes this)."""
        return self.item_rows

    @property
    def hits(self) -> list[SearchHit]:
        return self.items

    def _item_clicked(self, item: SearchHit) -> None:
        self.post_message(self.Chosen(item))

    # -- drawing ---------------------------------------------------------------------------

    def _render_header(self, row: _Row, width: int) -> Strip:
        text = Text(" " + (row.header or ""))
        text.stylize(self._fg("search-results--header"))  # a span: Text.render ignores a base style
        return self._strip(text, width)

    def _render_item(self, hit: SearchHit, width: int, selected: bool) -> Strip:
        name_style = self._fg("search-results--name", selected=selected)
        muted = self._fg("search-results--muted", selected=selected)
        match = self._fg("search-results--match", selected=selected)
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append("▌ " if selected else "  ")
        # Names and matched text are data; `safe_line` keeps every offset, so the spans still fit.
        shown_name = safe_line(hit.name)
        name = Text(shown_name, style=name_style, no_wrap=True, overflow="ellipsis")
        for start, end in hit.name_spans:
            name.stylize(match, start, end)
        subtitle = safe_line(hit.subtitle or "") if hit.field == "name" else ""
        if subtitle and subtitle.casefold() in shown_name.casefold():
            subtitle = ""  # "Acme — Renewal" at Acme: the name says it already, and gets the room
        name_width = max(12, min(self.name_width, int(width * 0.45)))
        if hit.field == "name" and not subtitle:
            name_width = max(name_width, min(cell_len(shown_name), width - 4))
        text.append_text(fit(name, name_width))
        text.append("  ")
        if hit.field == "name":
            text.append(subtitle, style=muted)
        else:
            text.append(f"{safe_line(hit.field_label)} ", style=muted)
            detail = Text(safe_line(hit.text), no_wrap=True)
            for start, end in hit.spans:
                detail.stylize(match, start, end)
            text.append_text(detail)
        return self._strip(text, width, self._row_style(selected))

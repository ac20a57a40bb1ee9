"""One column of the board: a header with the stage's figures above its virtual card list."""

from __future__ import annotations

from datetime import datetime
from typing import Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from ..models import BoardStage
from ..models.enums import RecordType, StageType, plural
from ..models.views import ColumnStats
from ..safe_text import safe_line
from .card_list import CardList, SummaryLoader

STAGE_TYPE_MARK = {StageType.OPEN: "", StageType.WON: "✓ ", StageType.LOST: "✗ "}
MAX_CURRENCY_LINES = 2


def header_text(stats: ColumnStats, record_type: RecordType) -> Text:
    """Stage name with its type and probability, the count, and per-currency totals.

    Always the same number of lines on one board (HEADER_LINES for deals, two otherwise), so
    the cards of every column start on the same row.
    """
    stage = stats.stage
    lines: list[Text] = []
    first = Text(STAGE_TYPE_MARK[stage.stage_type] + safe_line(stage.name), style="bold")
    if stage.stage_type != StageType.OPEN and stage.stage_type.value not in stage.name.lower():
        first.append(f" ({stage.stage_type.value})", style="italic")
    if stage.probability is not None and record_type == RecordType.DEAL:
        first.append(f" · {float(stage.probability):g}%")
    lines.append(first)
    noun = {RecordType.DEAL: "deal", RecordType.CONTACT: "contact", RecordType.COMPANY: "company"}[record_type]
    lines.append(Text(f"{stats.count:,} {noun if stats.count == 1 else plural(record_type)}"))
    if record_type == RecordType.DEAL:
        by_code = {m.currency: m for m in stats.totals.items()}
        weighted = {m.currency: m for m in stats.weighted.items()}
        codes = [code for code in stats.currencies_by_use() if code in by_code]
        for index, code in enumerate(codes[:MAX_CURRENCY_LINES]):
            line = Text(by_code[code].format_compact())
            if stage.stage_type == StageType.OPEN and code in weighted:
                line.append(f"  wtd {weighted[code].format_compact()}", style="dim")
            if index == MAX_CURRENCY_LINES - 1 and len(codes) > MAX_CURRENCY_LINES:
                line.append(f" +{len(codes) - MAX_CURRENCY_LINES}", style="dim italic")
            lines.append(line)
        if not codes:
            lines.append(Text("—", style="dim"))
    while len(lines) < (HEADER_LINES if record_type == RecordType.DEAL else 2):
        lines.append(Text(""))
    return Text("\n").join(lines)


HEADER_LINES = 2 + MAX_CURRENCY_LINES


class StageColumn(Vertical):
    """A stage's header and cards. The board screen owns the state; this draws it."""

    DEFAULT_CSS = """
    StageColumn { width: 26; height: 1fr; }
    StageColumn > .stage-header { height: auto; padding: 0 1; }
    """

    def __init__(self, stage: BoardStage, loader: SummaryLoader, *, now: Callable[[], datetime], stale_days: int) -> None:
        super().__init__(classes="stage-column")
        self.stage_id = stage.id
        self.header = Static(classes="stage-header")
        self._header_text: Text | None = None
        self.cards = CardList(loader, now=now, stale_days=stale_days, is_open=stage.stage_type == StageType.OPEN)

    def compose(self) -> ComposeResult:
        yield self.header
        yield self.cards

    def show_stats(self, stats: ColumnStats, record_type: RecordType) -> None:
        """Show the stage's figures. Unchanged figures are not set again: setting a header
        lays the board out anew and repaints the whole column (a card move refreshes every
        column's figures, and over SSH the two columns it did not touch cost 6 KB)."""
        self.set_class(stats.stage.stage_type == StageType.WON, "-won")
        self.set_class(stats.stage.stage_type == StageType.LOST, "-lost")
        text = header_text(stats, record_type)
        if text == self._header_text:
            return
        self.header.update(text, layout=self._may_resize(text))
        self._header_text = text

    def _may_resize(self, text: Text) -> bool:
        """Could `text` take a different height than the header shows now? Not when it has as
        many lines and each fits the header's width: then a repaint will do, and the board is
        not laid out anew (a layout repaints every column's scrollbar)."""
        old, width = self._header_text, self.header.content_size.width
        if old is None or not width:
            return True
        lines = text.split()
        return len(lines) != len(old.split()) or any(line.cell_len > width for line in lines)

    def set_active(self, active: bool) -> None:
        # The class goes on the header alone: on the column it would restyle every descendant,
        # which costs more than a card move's whole budget.
        self.header.set_class(active, "-active")
        self.cards.set_active(active)

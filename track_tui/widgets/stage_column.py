"""One column of the board: a header with the stage's figures above its virtual card list."""

from __future__ import annotations

from datetime import datetime
from typing import Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from ..models.enums import RecordType, StageType
from ..models.views import ColumnStats
from .card_list import CardList, SummaryLoader

STAGE_TYPE_MARK = {StageType.OPEN: "", StageType.WON: "✓ ", StageType.LOST: "✗ "}
MAX_CURRENCY_LINES = 2


def header_text(stats: ColumnStats, record_type: RecordType) -> Text:
    """Stage name with its type and probability, the count, and per-currency totals."""
    stage = stats.stage
    text = Text()
    text.append(STAGE_TYPE_MARK[stage.stage_type] + stage.name, style="bold")
    if stage.stage_type != StageType.OPEN:
        if stage.stage_type.value not in stage.name.lower():
            text.append(f" ({stage.stage_type.value})", style="italic")
    if stage.probability is not None and record_type == RecordType.DEAL:
        text.append(f" · {float(stage.probability):g}%")
    noun = {RecordType.DEAL: "deal", RecordType.CONTACT: "contact", RecordType.COMPANY: "company"}[record_type]
    plural = "companies" if noun == "company" else f"{noun}s"
    text.append(f"\n{stats.count:,} {noun if stats.count == 1 else plural}")
    if record_type == RecordType.DEAL:
        by_code = {m.currency: m for m in stats.totals.items()}
        totals = [by_code[code] for code in stats.currencies_by_use() if code in by_code]
        weighted = {m.currency: m for m in stats.weighted.items()}
        if not totals:
            text.append("\n—")
        for money in totals[:MAX_CURRENCY_LINES]:
            text.append(f"\n{money.format_compact()}")
            w = weighted.get(money.currency)
            if w is not None and stage.stage_type == StageType.OPEN:
                text.append(f"  wtd {w.format_compact()}", style="dim")
        if len(totals) > MAX_CURRENCY_LINES:
            rest = " ".join(m.currency for m in totals[MAX_CURRENCY_LINES:])
            text.append(f"\n+ {rest}", style="dim")
    return text


class StageColumn(Vertical):
    """A stage's header and cards. The board screen owns the state; this draws it."""

    DEFAULT_CSS = """
    StageColumn { width: 26; height: 1fr; }
    StageColumn > .stage-header { height: auto; padding: 0 1; }
    """

    def __init__(self, stage_id: str, loader: SummaryLoader, *, now: Callable[[], datetime], stale_days: int) -> None:
        super().__init__(classes="stage-column")
        self.stage_id = stage_id
        self.header = Static(classes="stage-header")
        self.cards = CardList(loader, now=now, stale_days=stale_days)

    def compose(self) -> ComposeResult:
        yield self.header
        yield self.cards

    def show_stats(self, stats: ColumnStats, record_type: RecordType) -> None:
        self.header.update(header_text(stats, record_type))
        self.set_class(stats.stage.stage_type == StageType.WON, "-won")
        self.set_class(stats.stage.stage_type == StageType.LOST, "-lost")

    def set_active(self, active: bool) -> None:
        self.set_class(active, "-active")
        self.cards.set_active(active)

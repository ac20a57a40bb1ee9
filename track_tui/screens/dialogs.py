"""Small modal dialogs of the board: quick add, won/lost details, board picker (all on
`dialog_base.Dialog`).

Each validates what was typed before it closes and shows the reason inline when it refuses,
so nothing half-valid reaches the store. Quick add also hands its result to a `save` callback
and stays open, with everything typed, when the store refuses it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Callable

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from ..models import Board, BoardStage, RecordType
from ..models.dates import parse_human_date, short_date
from ..models.enums import StageType, plural
from ..models.money import exponent, parse_amount
from ..drafts import draft_key
from ..models.web import parse_domain
from ..widgets.plain_text import plain
from .dialog_base import Dialog, labelled

LOST_REASONS = ("Price", "Timing", "Competitor", "No decision", "Went silent", "Other")


@dataclass
class QuickAddResult:
    name: str
    value_cents: int | None = None  # None: no value
    currency: str = "USD"
    company: str | None = None
    close_date: date | None = None
    email: str | None = None
    domain: str | None = None


class QuickAddScreen(Dialog[QuickAddResult | None]):
    """`n`: a new record in the focused column, in as few keystrokes as possible."""

    def __init__(self, record_type: RecordType, stage: BoardStage, today: date, currency: str = "USD",
                 save: Callable[[QuickAddResult], str | None] | None = None) -> None:
        super().__init__(f"New {record_type.value} in {stage.name}", hint="Enter saves · Tab next field · Esc cancels",
                         save=save, draft=draft_key("quick-add", record_type, stage.id))
        self.record_type = record_type
        self.stage = stage
        self.today = today
        self.currency = currency

    def compose_body(self) -> ComposeResult:
        yield labelled(Input(placeholder="Name", id="name"), "Name")
        if self.record_type == RecordType.DEAL:
            yield labelled(Input(placeholder="e.g. 12k or 1,250.50", id="value"), "Value")
            yield labelled(Input(value=self.currency, placeholder="ISO code, e.g. EUR", id="currency", max_length=3),
                           "Currency")
            yield labelled(Input(placeholder="existing or new", id="company"), "Company")
            yield labelled(Input(placeholder="2026-12-01, +30d, fri", id="close"), "Close date")
        elif self.record_type == RecordType.CONTACT:
            yield labelled(Input(placeholder="name@example.com", id="email"), "Email")
            yield labelled(Input(placeholder="existing or new", id="company"), "Company")
        else:
            yield labelled(Input(placeholder="e.g. example.com", id="domain"), "Domain")

    def submit(self) -> None:
        name = self.value("name")
        if not name:
            self.show_error("Name: a name is required", focus="name")
            return
        result = QuickAddResult(name=name, company=self.value("company") or None)
        try:
            if self.record_type == RecordType.DEAL:
                result.currency = (self.value("currency") or self.currency).upper()
                try:
                    exponent(result.currency)
                except ValueError:
                    raise ValueError(f"Currency: {result.currency!r} is not an ISO 4217 code") from None
                raw_value = self.value("value")
                if raw_value:
                    try:
                        result.value_cents = parse_amount(raw_value, result.currency)
                    except ValueError as exc:
                        raise ValueError(f"Value: {exc}") from None
                raw_close = self.value("close")
                if raw_close:
                    try:
                        result.close_date = parse_human_date(raw_close, self.today)
                    except ValueError as exc:
                        raise ValueError(f"Close date: {exc}") from None
            elif self.record_type == RecordType.CONTACT:
                result.email = self.value("email") or None
            else:
                raw_domain = self.value("domain")
                if raw_domain:
                    try:
                        result.domain = parse_domain(raw_domain)
                    except ValueError as exc:
                        raise ValueError(f"Domain: {exc}") from None
        except ValueError as exc:
            self.show_error(str(exc))
            return
        self.finish(result)  # the store may refuse it: the reason is shown, what was typed stays


@dataclass
class OutcomeResult:
    note: str | None
    close_date: date | None


class OutcomeScreen(Dialog[OutcomeResult | None]):
    """Moving into a won or lost stage: what a reviewer records (reason, close date).

    `close_date`: the date the deal closed the last time it was won (or lost), kept when the
    person confirms again — a reopened deal won again keeps its won date unless changed here."""

    def __init__(self, deal_name: str, stage: BoardStage, today: date, is_deal: bool = True,
                 close_date: date | None = None) -> None:
        self.won = stage.stage_type == StageType.WON
        super().__init__(f"{'Won' if self.won else 'Lost'}: {deal_name} → {stage.name}",
                         hint="Enter confirms · ctrl+s confirms · Esc cancels the move")
        self.deal_name = deal_name
        self.stage = stage
        self.today = today
        self.is_deal = is_deal
        self.close_date = close_date

    def compose_body(self) -> ComposeResult:
        won = self.won
        if not won:
            yield labelled(OptionList(*[Option(r, id=r) for r in LOST_REASONS], id="reason"), "Why was it lost?")
        yield labelled(Input(placeholder="optional", id="note"), "What made the difference?" if won else "Details")
        if self.is_deal:
            if self.close_date is not None and self.close_date != self.today:
                outcome = "won" if won else "lost"
                yield Static(f"The close date is kept from when it was {outcome} before, "
                             f"{short_date(self.close_date, self.today)}; change it if it closed again.",
                             classes="dialog-label")
            yield labelled(Input(value=(self.close_date or self.today).isoformat(), placeholder="2026-12-01, today",
                                 id="close"), "Close date")

    def on_mount(self) -> None:
        reasons = self.query("#reason")
        if reasons:
            reasons.first(OptionList).highlighted = 0

    @on(OptionList.OptionSelected)
    def _reason_chosen(self) -> None:
        self.query_one("#note", Input).focus()

    def submit(self) -> None:
        note = self.value("note")
        reasons = self.query("#reason")
        if reasons:
            option_list = reasons.first(OptionList)
            reason = LOST_REASONS[option_list.highlighted or 0]
            note = f"{reason}: {note}" if note else reason
        close_date = None
        if self.query("#close"):
            raw = self.value("close")
            try:
                close_date = parse_human_date(raw, self.today) if raw else None
            except ValueError as exc:
                self.show_error(f"Close date: {exc}", focus="close")
                return
        self.finish(OutcomeResult(note=note or None, close_date=close_date))


class BoardPickerScreen(Dialog[str | None]):
    """`b`: switch to another board (deals, contacts and companies boards)."""

    BINDINGS = [Binding("b", "cancel", "Cancel", id="board_picker.cancel")]
    CONFIRM_DISCARD = False

    def __init__(self, boards: list[Board], current_id: str) -> None:
        super().__init__("Switch board", hint="Enter opens · Esc cancels")
        self.boards = boards
        self.current_id = current_id

    def compose_body(self) -> ComposeResult:
        yield OptionList(*[
            Option(plain(f"{b.name}  ({plural(b.record_type)}){'  ●' if b.id == self.current_id else ''}"), id=b.id)
            for b in self.boards
        ], id="boards")

    def on_mount(self) -> None:
        option_list = self.query_one(OptionList)
        ids = [b.id for b in self.boards]
        option_list.highlighted = ids.index(self.current_id) if self.current_id in ids else 0

    @on(OptionList.OptionSelected)
    def chosen(self, event: OptionList.OptionSelected) -> None:
        self.finish(event.option.id)

    def submit(self) -> None:
        option_list = self.query_one(OptionList)
        if option_list.highlighted is not None:
            self.finish(self.boards[option_list.highlighted].id)

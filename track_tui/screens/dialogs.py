"""Small modal dialogs of the board: quick add, won/lost details, board picker.

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
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from ..models import Board, BoardStage, RecordType
from ..models.dates import parse_human_date, short_date
from ..models.enums import StageType, plural
from ..models.money import exponent, parse_amount
from ..widgets.plain_text import PlainLabel, PlainStatic, plain
from ..models.web import parse_domain

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


class QuickAddScreen(ModalScreen[QuickAddResult | None]):
    """`n`: a new record in the focused column, in as few keystrokes as possible."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel", id="dialog.cancel")]

    def __init__(self, record_type: RecordType, stage: BoardStage, today: date, currency: str = "USD",
                 save: Callable[[QuickAddResult], str | None] | None = None) -> None:
        super().__init__()
        self.record_type = record_type
        self.stage = stage
        self.today = today
        self.currency = currency
        self._save = save

    def compose(self) -> ComposeResult:
        kind = self.record_type.value
        with Vertical(classes="dialog"):
            yield PlainStatic(f"New {kind} in {self.stage.name}", classes="dialog-title")
            yield Input(placeholder="Name", id="name")
            if self.record_type == RecordType.DEAL:
                yield Input(placeholder="Value, e.g. 12k or 1,250.50", id="value")
                yield Input(value=self.currency, placeholder="Currency (ISO code)", id="currency", max_length=3)
                yield Input(placeholder="Company (existing or new)", id="company")
                yield Input(placeholder="Close date: 2026-12-01, +30d, fri", id="close")
            elif self.record_type == RecordType.CONTACT:
                yield Input(placeholder="Email", id="email")
                yield Input(placeholder="Company (existing or new)", id="company")
            else:
                yield Input(placeholder="Domain, e.g. example.com", id="domain")
            yield PlainLabel("", id="error", classes="dialog-error")
            yield Static("Enter saves · Tab next field · Esc cancels", classes="dialog-hint")

    def _value(self, widget_id: str) -> str:
        found = self.query(f"#{widget_id}")
        return found.first(Input).value.strip() if found else ""

    @on(Input.Submitted)
    def submit(self) -> None:
        error = self.query_one("#error", Label)
        name = self._value("name")
        if not name:
            error.update("Name: a name is required")
            self.query_one("#name", Input).focus()
            return
        result = QuickAddResult(name=name, company=self._value("company") or None)
        try:
            if self.record_type == RecordType.DEAL:
                result.currency = (self._value("currency") or self.currency).upper()
                try:
                    exponent(result.currency)
                except ValueError:
                    raise ValueError(f"Currency: {result.currency!r} is not an ISO 4217 code") from None
                raw_value = self._value("value")
                if raw_value:
                    try:
                        result.value_cents = parse_amount(raw_value, result.currency)
                    except ValueError as exc:
                        raise ValueError(f"Value: {exc}") from None
                raw_close = self._value("close")
                if raw_close:
                    try:
                        result.close_date = parse_human_date(raw_close, self.today)
                    except ValueError as exc:
                        raise ValueError(f"Close date: {exc}") from None
            elif self.record_type == RecordType.CONTACT:
                result.email = self._value("email") or None
            else:
                raw_domain = self._value("domain")
                if raw_domain:
                    try:
                        result.domain = parse_domain(raw_domain)
                    except ValueError as exc:
                        raise ValueError(f"Domain: {exc}") from None
        except ValueError as exc:
            error.update(str(exc))
            return
        problem = self._save(result) if self._save is not None else None
        if problem:  # the store refused it: say why, keep what was typed
            error.update(problem)
            return
        self.dismiss(result)


@dataclass
class OutcomeResult:
    note: str | None
    close_date: date | None


class OutcomeScreen(ModalScreen[OutcomeResult | None]):
    """Moving into a won or lost stage: what a reviewer records (reason, close date).

    `close_date`: the date the deal closed the last time it was won (or lost), kept when the
    person confirms again — a reopened deal won again keeps its won date unless changed here."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel", id="dialog.cancel")]

    def __init__(self, deal_name: str, stage: BoardStage, today: date, is_deal: bool = True,
                 close_date: date | None = None) -> None:
        super().__init__()
        self.deal_name = deal_name
        self.stage = stage
        self.today = today
        self.is_deal = is_deal
        self.close_date = close_date

    def compose(self) -> ComposeResult:
        won = self.stage.stage_type == StageType.WON
        with Vertical(classes="dialog"):
            yield PlainStatic(f"{'Won' if won else 'Lost'}: {self.deal_name} → {self.stage.name}", classes="dialog-title")
            if not won:
                yield Static("Why was it lost?")
                yield OptionList(*[Option(r, id=r) for r in LOST_REASONS], id="reason")
            yield Input(placeholder="What made the difference? (optional)" if won else "Details (optional)", id="note")
            if self.is_deal:
                if self.close_date is not None and self.close_date != self.today:
                    outcome = "won" if won else "lost"
                    yield Static(f"Close date (kept from when it was {outcome} before, "
                                 f"{short_date(self.close_date, self.today)}; change it if it closed again)")
                else:
                    yield Static("Close date")
                yield Input(value=(self.close_date or self.today).isoformat(), placeholder="Close date", id="close")
            yield PlainLabel("", id="error", classes="dialog-error")
            yield Static("Enter confirms · Esc cancels the move", classes="dialog-hint")

    def on_mount(self) -> None:
        reasons = self.query("#reason")
        if reasons:
            option_list = reasons.first(OptionList)
            option_list.highlighted = 0
            option_list.focus()
        else:
            self.query_one("#note", Input).focus()

    @on(OptionList.OptionSelected)
    def _reason_chosen(self) -> None:
        self.query_one("#note", Input).focus()

    @on(Input.Submitted)
    def submit(self) -> None:
        note = self.query_one("#note", Input).value.strip()
        reasons = self.query("#reason")
        if reasons:
            option_list = reasons.first(OptionList)
            reason = LOST_REASONS[option_list.highlighted or 0]
            note = f"{reason}: {note}" if note else reason
        close_date = None
        closes = self.query("#close")
        if closes:
            raw = closes.first(Input).value.strip()
            try:
                close_date = parse_human_date(raw, self.today) if raw else None
            except ValueError as exc:
                self.query_one("#error", Label).update(f"Close date: {exc}")
                return
        self.dismiss(OutcomeResult(note=note or None, close_date=close_date))


class BoardPickerScreen(ModalScreen[str | None]):
    """`b`: switch to another board (deals, contacts and companies boards)."""

    BINDINGS = [Binding("escape,b", "dismiss(None)", "Cancel", id="dialog.cancel")]

    def __init__(self, boards: list[Board], current_id: str) -> None:
        super().__init__()
        self.boards = boards
        self.current_id = current_id

    def compose(self) -> ComposeResult:
        options = [
            Option(plain(f"{b.name}  ({plural(b.record_type)}){'  ●' if b.id == self.current_id else ''}"), id=b.id)
            for b in self.boards
        ]
        with Vertical(classes="dialog"):
            yield Static("Switch board", classes="dialog-title")
            yield OptionList(*options, id="boards")
            yield Static("Enter opens · Esc cancels", classes="dialog-hint")

    def on_mount(self) -> None:
        option_list = self.query_one(OptionList)
        ids = [b.id for b in self.boards]
        option_list.highlighted = ids.index(self.current_id) if self.current_id in ids else 0
        option_list.focus()

    @on(OptionList.OptionSelected)
    def chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

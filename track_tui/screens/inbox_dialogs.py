"""The inbox's dialogs: snooze, reassign, and the task editor (new and edit).

Each validates what was typed before it closes (dates through `parse_human_date`, title and
description through the Task model's own rules) and shows the reason inline when it refuses,
with what was typed still there, so nothing half-valid reaches the store. Snoozing moves a task
forward: a date before today is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Callable

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from ..models import Profile, RecordType, Task
from ..models.dates import parse_human_date, short_date
from ..models.problems import field_problem
from ..store.search import SearchHit
from ..widgets.plain_text import PlainLabel, PlainStatic, plain
from ..widgets.safe_input import SafeInput

DATE_HINT = "2026-12-01, today, tomorrow, +3d, +2w, fri"


class SnoozeScreen(ModalScreen[date | None]):
    """`z`: tomorrow, next week, or a date typed like anywhere else."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel", id="dialog.cancel")]

    def __init__(self, title: str, today: date) -> None:
        super().__init__()
        self.task_title = title
        self.today = today
        self.choices = {
            "tomorrow": today + timedelta(days=1),
            "next_week": parse_human_date("next week", today),
        }

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield PlainStatic(f"Snooze: {self.task_title}", classes="dialog-title")
            yield OptionList(
                Option(f"Tomorrow  ({short_date(self.choices['tomorrow'], self.today)})", id="tomorrow"),
                Option(f"Next week  ({short_date(self.choices['next_week'], self.today)})", id="next_week"),
                Option("Pick a date…", id="pick"),
                id="snooze-choices",
            )
            yield Input(placeholder=f"Date: {DATE_HINT}", id="snooze-date")
            yield PlainLabel("", id="error", classes="dialog-error")
            yield Static("Enter chooses · Esc cancels", classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one("#snooze-date", Input).display = False
        choices = self.query_one(OptionList)
        choices.highlighted = 0
        choices.focus()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        if event.option.id == "pick":
            field = self.query_one("#snooze-date", Input)
            field.display = True
            field.focus()
            return
        self.dismiss(self.choices[event.option.id or "tomorrow"])

    @on(Input.Submitted, "#snooze-date")
    def _typed(self, event: Input.Submitted) -> None:
        error = self.query_one("#error", Label)
        try:
            until = parse_human_date(event.value, self.today)
        except ValueError as exc:
            error.update(f"Date: {exc}")
            return
        if until < self.today:
            error.update(f"Date: {short_date(until, self.today)} is in the past; snooze to today or later")
            return
        self.dismiss(until)


class AssigneeScreen(ModalScreen[str | None]):
    """`a`: give the task to someone in the workspace (or to nobody)."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel", id="dialog.cancel")]
    NOBODY = "__nobody__"

    def __init__(self, title: str, profiles: dict[str, Profile], current: str | None, me: str | None) -> None:
        super().__init__()
        self.task_title = title
        self.profiles = profiles
        self.current = current
        self.me = me

    def compose(self) -> ComposeResult:
        options = []
        for pid, profile in self.profiles.items():
            label = profile.full_name or profile.email or pid
            if pid == self.me:
                label += "  (me)"
            if pid == self.current:
                label += "  ●"
            options.append(Option(plain(label), id=pid))
        options.append(Option("Unassigned" + ("  ●" if self.current is None else ""), id=self.NOBODY))
        with Vertical(classes="dialog"):
            yield PlainStatic(f"Assign: {self.task_title}", classes="dialog-title")
            yield OptionList(*options, id="assignees")
            yield Static("Enter assigns · Esc cancels", classes="dialog-hint")

    def on_mount(self) -> None:
        choices = self.query_one(OptionList)
        ids = list(self.profiles)
        choices.highlighted = ids.index(self.current) if self.current in ids else len(ids)
        choices.focus()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)


@dataclass
class TaskEditResult:
    title: str
    description: str | None
    due_date: date | None
    record_type: RecordType | None = None
    record_id: str | None = None


class TaskEditScreen(ModalScreen[TaskEditResult | None]):
    """`e` edits a task's title, description and due date; `n` makes a new task.

    A new task may be put on a record: type part of its name and the best search match is
    shown under the field (Enter in that field accepts it).
    """

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel", id="dialog.cancel")]

    def __init__(
        self, today: date, *, heading: str, title: str = "", description: str | None = None,
        due: date | None = None, find_record: Callable[[str], SearchHit | None] | None = None,
        record: SearchHit | None = None,
    ) -> None:
        super().__init__()
        self.today = today
        self.heading = heading
        self.initial = (title, description or "", due.isoformat() if due else "")
        self.find_record = find_record
        self.record = record

    def compose(self) -> ComposeResult:
        title, description, due = self.initial
        with Vertical(classes="dialog"):
            yield Static(self.heading, classes="dialog-title")
            yield SafeInput(value=title, placeholder="Title", id="task-title")
            yield SafeInput(value=description, placeholder="Description (optional)", id="task-description")
            yield Input(value=due, placeholder=f"Due: {DATE_HINT} (optional)", id="task-due")
            if self.find_record is not None:
                value = self.record.name if self.record else ""
                yield SafeInput(value=value, placeholder="On record (optional): type a name", id="task-record")
                yield PlainLabel(self._record_label(), id="task-record-match", classes="dialog-hint")
            yield PlainLabel("", id="error", classes="dialog-error")
            yield Static("Enter saves · Tab next field · Esc cancels", classes="dialog-hint")

    def _record_label(self) -> str:
        if self.record is None:
            return "no record"
        return f"on {self.record.record_type.label.lower()} {self.record.name}"

    @on(Input.Changed, "#task-record")
    def _record_typed(self, event: Input.Changed) -> None:
        if self.find_record is None:
            return
        text = event.value.strip()
        self.record = self.find_record(text) if text else None
        self.query_one("#task-record-match", Label).update(
            self._record_label() if text or self.record else "no record"
        )
        if text and self.record is None:
            self.query_one("#task-record-match", Label).update(f"no record matches {text!r}")

    @on(Input.Submitted)
    def submit(self) -> None:
        error = self.query_one("#error", Label)
        title = self.query_one("#task-title", Input).value.strip()
        if not title:
            error.update("Title: a task needs a title")
            self.query_one("#task-title", Input).focus()
            return
        raw_due = self.query_one("#task-due", Input).value.strip()
        due = None
        if raw_due:
            try:
                due = parse_human_date(raw_due, self.today)
            except ValueError as exc:
                error.update(f"Due: {exc}")
                self.query_one("#task-due", Input).focus()
                return
        description = self.query_one("#task-description", Input).value.strip() or None
        for name, label, value in (("title", "Title", title), ("description", "Description", description)):
            problem = field_problem(Task, name, value)
            if problem:
                error.update(f"{label}: {problem}")
                self.query_one(f"#task-{name}", Input).focus()
                return
        result = TaskEditResult(title=title, description=description, due_date=due)
        if self.find_record is not None and self.record is not None:
            result.record_type, result.record_id = self.record.record_type, self.record.record_id
        self.dismiss(result)

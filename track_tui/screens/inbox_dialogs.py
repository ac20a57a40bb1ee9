"""The inbox's dialogs: snooze, reassign, and the task editor (new and edit), on `Dialog`.

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
from textual.widgets import Input, OptionList
from textual.widgets.option_list import Option

from ..models import Profile, RecordType, Task
from ..models.dates import parse_human_date, short_date
from ..models.problems import field_problem
from ..store.search import SearchHit
from ..widgets.plain_text import PlainLabel, plain
from ..widgets.safe_input import SafeInput
from .dialog_base import Dialog, labelled

DATE_HINT = "2026-12-01, today, tomorrow, +3d, +2w, fri"


class SnoozeScreen(Dialog[date | None]):
    """`z`: tomorrow, next week, or a date typed like anywhere else."""

    CONFIRM_DISCARD = False

    def __init__(self, title: str, today: date) -> None:
        super().__init__(f"Snooze: {title}", hint="Enter chooses · Esc cancels")
        self.task_title = title
        self.today = today
        self.choices = {
            "tomorrow": today + timedelta(days=1),
            "next_week": parse_human_date("next week", today),
        }

    def compose_body(self) -> ComposeResult:
        yield OptionList(
            Option(f"Tomorrow  ({short_date(self.choices['tomorrow'], self.today)})", id="tomorrow"),
            Option(f"Next week  ({short_date(self.choices['next_week'], self.today)})", id="next_week"),
            Option("Pick a date…", id="pick"),
            id="snooze-choices",
        )
        yield labelled(Input(placeholder=DATE_HINT, id="snooze-date"), "Date")

    def on_mount(self) -> None:
        self.query_one("#snooze-date", Input).display = False
        self.query_one(OptionList).highlighted = 0

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        if event.option.id == "pick":
            field = self.query_one("#snooze-date", Input)
            field.display = True
            field.focus()
            return
        self.finish(self.choices[event.option.id or "tomorrow"])

    def submit(self) -> None:
        field = self.query_one("#snooze-date", Input)
        if not field.display:  # ctrl+s on the list: the highlighted choice
            choices = self.query_one(OptionList)
            option = choices.get_option_at_index(choices.highlighted or 0)
            if option.id != "pick":
                self.finish(self.choices[option.id or "tomorrow"])
                return
            field.display = True
            field.focus()
            return
        try:
            until = parse_human_date(field.value, self.today)
        except ValueError as exc:
            self.show_error(f"Date: {exc}", focus="snooze-date")
            return
        if until < self.today:
            self.show_error(f"Date: {short_date(until, self.today)} is in the past; snooze to today or later")
            return
        self.finish(until)


class AssigneeScreen(Dialog[str | None]):
    """`a`: give the task to someone in the workspace (or to nobody)."""

    NOBODY = "__nobody__"
    CONFIRM_DISCARD = False

    def __init__(self, title: str, profiles: dict[str, Profile], current: str | None, me: str | None) -> None:
        super().__init__(f"Assign: {title}", hint="Enter assigns · Esc cancels")
        self.task_title = title
        self.profiles = profiles
        self.current = current
        self.me = me

    def compose_body(self) -> ComposeResult:
        options = []
        for pid, profile in self.profiles.items():
            label = profile.full_name or profile.email or pid
            if pid == self.me:
                label += "  (me)"
            if pid == self.current:
                label += "  ●"
            options.append(Option(plain(label), id=pid))
        options.append(Option("Unassigned" + ("  ●" if self.current is None else ""), id=self.NOBODY))
        yield OptionList(*options, id="assignees")

    def on_mount(self) -> None:
        choices = self.query_one(OptionList)
        ids = list(self.profiles)
        choices.highlighted = ids.index(self.current) if self.current in ids else len(ids)

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.finish(event.option.id)

    def submit(self) -> None:
        choices = self.query_one(OptionList)
        if choices.highlighted is not None:
            self.finish(choices.get_option_at_index(choices.highlighted).id)


@dataclass
class TaskEditResult:
    title: str
    description: str | None
    due_date: date | None
    record_type: RecordType | None = None
    record_id: str | None = None


class TaskEditScreen(Dialog[TaskEditResult | None]):
    """`e` edits a task's title, description and due date; `n` makes a new task.

    A new task may be put on a record: type part of its name and the best search match is
    shown under the field (Enter in that field accepts it).
    """

    def __init__(
        self, today: date, *, heading: str, title: str = "", description: str | None = None,
        due: date | None = None, find_record: Callable[[str], SearchHit | None] | None = None,
        record: SearchHit | None = None, draft: str | None = None,
    ) -> None:
        super().__init__(heading, hint="Enter saves · Tab next field · Esc cancels", draft=draft)
        self.today = today
        self.heading = heading
        self.initial = (title, description or "", due.isoformat() if due else "")
        self.find_record = find_record
        self.record = record

    def compose_body(self) -> ComposeResult:
        title, description, due = self.initial
        yield labelled(SafeInput(value=title, placeholder="Title", id="task-title"), "Title")
        yield labelled(SafeInput(value=description, placeholder="optional", id="task-description"), "Description")
        yield labelled(Input(value=due, placeholder=f"{DATE_HINT} (optional)", id="task-due"), "Due")
        if self.find_record is not None:
            value = self.record.name if self.record else ""
            yield labelled(SafeInput(value=value, placeholder="optional: type a name", id="task-record"), "On record")
            yield PlainLabel(self._record_label(), id="task-record-match", classes="dialog-hint")

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
        match = self.query_one("#task-record-match", PlainLabel)
        match.update(self._record_label() if text or self.record else "no record")
        if text and self.record is None:
            match.update(f"no record matches {text!r}")

    def submit(self) -> None:
        title = self.value("task-title")
        if not title:
            self.show_error("Title: a task needs a title", focus="task-title")
            return
        raw_due = self.value("task-due")
        due = None
        if raw_due:
            try:
                due = parse_human_date(raw_due, self.today)
            except ValueError as exc:
                self.show_error(f"Due: {exc}", focus="task-due")
                return
        description = self.value("task-description") or None
        for name, label, value in (("title", "Title", title), ("description", "Description", description)):
            problem = field_problem(Task, name, value)
            if problem:
                self.show_error(f"{label}: {problem}", focus=f"task-{name}")
                return
        result = TaskEditResult(title=title, description=description, due_date=due)
        if self.find_record is not None and self.record is not None:
            result.record_type, result.record_id = self.record.record_type, self.record.record_id
        self.finish(result)

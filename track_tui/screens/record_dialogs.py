"""Modal dialogs of the record page: field editors, pickers, the note editor, call/email/meeting
logging, entry → task, the timeline filter.

Every dialog that saves takes a `save` callback: it receives what was entered and returns None
when the store took it, or the reason it was refused. The dialog then closes, or shows the reason
inline and stays open with what was typed — nothing is ever saved half-way.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Callable, Generic, Iterable, TypeVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, SelectionList, Static, TextArea
from textual.widgets.option_list import Option

from ..external_editor import EditedText, EditorFailed, editor_name, run_editor  # noqa: F401 (re-exported)
from ..models import Task, TimelineEntry
from ..models.dates import parse_human_date, parse_when
from ..models.durations import parse_duration
from ..models.enums import EntryType
from ..models.problems import field_problem
from ..models.text import LINE_MAX, text_problem
from ..store.record_queries import PickerItem
from ..widgets.check_list import CheckList
from ..widgets.plain_text import PlainLabel, PlainStatic, plain
from ..widgets.safe_input import SafeInput
from ..widgets.timeline import ICONS, TYPE_LABELS

R = TypeVar("R")
Save = Callable[[Any], "str | None"]

SAVE_KEYS = "ctrl+s"


class _Dialog(ModalScreen[R], Generic[R]):
    """Escape cancels; `_try_save(result)` runs the save callback and closes or shows the reason."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel", id="dialog.cancel")]

    def __init__(self, save: Save | None = None) -> None:
        super().__init__()
        self._save = save

    def _error(self, message: str) -> None:
        label = self.query_one("#error", Label)
        label.update(message)
        label.display = bool(message)

    def _try_save(self, result: Any) -> None:
        if self._save is not None:
            try:
                problem = self._save(result)
            except ValueError as exc:  # InvalidInput and friends: say why, keep the dialog
                problem = str(exc)
            if problem:
                self._error(problem)
                return
        self.dismiss(result)

    def on_mount(self) -> None:
        self.query_one("#error", Label).display = False


# -- typed fields --------------------------------------------------------------------------


class TextFieldScreen(_Dialog[str]):
    """One line of text for a field; Enter saves through `save`, which may refuse with a reason."""

    def __init__(self, title: str, initial: str, hint: str, save: Save) -> None:
        super().__init__(save)
        self.title_text = title
        self.initial = initial
        self.hint = hint

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="field-dialog"):
            yield PlainStatic(self.title_text, classes="dialog-title")
            yield SafeInput(value=self.initial, placeholder=self.hint or "value", id="value", select_on_focus=False)
            yield PlainLabel("", id="error", classes="dialog-error")
            yield PlainStatic(f"{self.hint + ' · ' if self.hint else ''}Enter saves · Esc cancels", classes="dialog-hint")

    @on(Input.Submitted)
    def submit(self, event: Input.Submitted) -> None:
        self._try_save(event.value)


class ChoiceScreen(_Dialog[str]):
    """Pick one of a list (select fields, owner, stage, yes/no). Returns the option id."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel", id="dialog.cancel")]

    def __init__(self, title: str, options: list[tuple[str, str]], current: str | None = None,
                 save: Save | None = None, hint: str = "Enter chooses · Esc cancels") -> None:
        super().__init__(save)
        self.title_text = title
        self.options = options
        self.current = current
        self.hint = hint

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield PlainStatic(self.title_text, classes="dialog-title")
            yield OptionList(
                *[Option(plain(("● " if oid == self.current else "  ") + label), id=oid) for oid, label in self.options],
                id="choices",
            )
            yield PlainLabel("", id="error", classes="dialog-error")
            yield PlainStatic(self.hint, classes="dialog-hint")

    def on_mount(self) -> None:
        super().on_mount()
        choices = self.query_one(OptionList)
        ids = [oid for oid, _ in self.options]
        choices.highlighted = ids.index(self.current) if self.current in ids else 0
        choices.focus()

    @on(OptionList.OptionSelected)
    def chosen(self, event: OptionList.OptionSelected) -> None:
        self._try_save(event.option.id)


class MultiChoiceScreen(_Dialog[list]):
    """Several options (multi-select fields, timeline filter): Space toggles, Enter saves."""

    BINDINGS = [
        Binding("escape", "dismiss(None)", "Cancel", id="dialog.cancel"),
        Binding("enter", "done", "Save", id="dialog.save", priority=True),
    ]

    def __init__(self, title: str, options: list[tuple[str, str]], selected: Iterable[str], save: Save | None = None,
                 hint: str = "Space toggles · Enter saves · Esc cancels") -> None:
        super().__init__(save)
        self.title_text = title
        self.options = options
        self.selected = set(selected)
        self.hint = hint

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield PlainStatic(self.title_text, classes="dialog-title")
            yield CheckList[str](*[(plain(label), oid, oid in self.selected) for oid, label in self.options], id="choices")
            yield PlainLabel("", id="error", classes="dialog-error")
            yield PlainStatic(self.hint, classes="dialog-hint")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one(SelectionList).focus()

    def action_done(self) -> None:
        chosen = set(self.query_one(SelectionList).selected)
        self._try_save([oid for oid, _ in self.options if oid in chosen])


class RecordPickerScreen(_Dialog[PickerItem]):
    """Find a contact, company or deal as you type (typos forgiven; contacts by their company
    too); each line says what tells namesakes apart. Enter picks it."""

    BINDINGS = [
        Binding("escape", "dismiss(None)", "Cancel", id="dialog.cancel"),
        Binding("down", "move(1)", "Next", id="picker.down", show=False, priority=True),
        Binding("up", "move(-1)", "Previous", id="picker.up", show=False, priority=True),
        Binding("ctrl+d", "clear_value", "Clear", id="picker.clear", show=False),
    ]

    def __init__(self, title: str, search: Callable[[str], list[PickerItem]], save: Save | None = None,
                 allow_clear: bool = False) -> None:
        super().__init__(save)
        self.title_text = title
        self.search = search
        self.allow_clear = allow_clear
        self.items: list[PickerItem] = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield PlainStatic(self.title_text, classes="dialog-title")
            yield Input(placeholder="type a name, a company or an email…", id="query")
            yield OptionList(id="results")
            yield PlainLabel("", id="error", classes="dialog-error")
            clear = " · ctrl+d clears the value" if self.allow_clear else ""
            yield Static(f"↑/↓ choose · Enter picks{clear} · Esc cancels", classes="dialog-hint")

    def on_mount(self) -> None:
        super().on_mount()
        self._refresh_results("")
        self.query_one("#query", Input).focus()

    @on(Input.Changed, "#query")
    def _typed(self, event: Input.Changed) -> None:
        self._refresh_results(event.value)

    def _refresh_results(self, text: str) -> None:
        self.items = self.search(text)
        results = self.query_one("#results", OptionList)
        results.clear_options()
        several = len({item.record_type for item in self.items}) > 1  # say the type only when it varies
        results.add_options([
            Option(plain(f"{item.name}" + (f"  · {item.detail}" if item.detail else "")
                         + (f"  ({item.record_type.value})" if several else "")), id=str(index))
            for index, item in enumerate(self.items)
        ])
        if self.items:
            results.highlighted = 0
        else:
            typed = text.strip()
            results.add_option(Option(plain(
                f"Nothing matches {typed!r} — try part of a name, a company or an email" if typed else "Nothing to pick yet"
            ), id="none", disabled=True))

    def action_move(self, delta: int) -> None:
        results = self.query_one("#results", OptionList)
        if self.items:
            results.highlighted = max(0, min(len(self.items) - 1, (results.highlighted or 0) + delta))

    @on(Input.Submitted, "#query")
    def _submit(self) -> None:
        results = self.query_one("#results", OptionList)
        if not self.items or results.highlighted is None:
            self._error("Nothing matches; type part of a name")
            return
        self._try_save(self.items[results.highlighted])

    @on(OptionList.OptionSelected, "#results")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        if event.option.id != "none":
            self._try_save(self.items[int(event.option.id or 0)])

    def action_clear_value(self) -> None:
        if self.allow_clear:
            self._try_save("")


# -- timeline entries ----------------------------------------------------------------------


def keep_refused_text(text: str) -> str:
    """Write text that could not be saved to a file of its own (mode 0600); return its path.

    A note written in $EDITOR exists nowhere else once the editor's file is gone, so when it is
    refused (too long, a NUL character…) it is kept here rather than lost.
    """
    with tempfile.NamedTemporaryFile(
        "w", prefix="track-note-", suffix=".md", delete=False, encoding="utf-8", errors="surrogatepass"
    ) as handle:
        handle.write(text)
        return handle.name


class NoteScreen(_Dialog[str]):
    """A multi-line Markdown note. ctrl+s saves; ctrl+e continues in $EDITOR."""

    BINDINGS = [
        # priority: with tab indenting, the editor itself takes Escape to move the focus away
        Binding("escape", "dismiss(None)", "Cancel", id="dialog.cancel", priority=True),
        Binding("ctrl+s", "save", "Save", id="note.save", priority=True),
        Binding("ctrl+e", "external", "$EDITOR", id="note.external", priority=True),
    ]

    def __init__(self, title: str, save: Save, initial: str = "", notice: str = "") -> None:
        super().__init__(save)
        self.title_text = title
        self.initial = initial
        self.notice = notice  # shown on the error line at once (what came back from $EDITOR)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide", id="note-dialog"):
            yield PlainStatic(self.title_text, classes="dialog-title")
            yield TextArea(self.initial, id="body", soft_wrap=True, tab_behavior="indent", show_line_numbers=False)
            yield PlainLabel("", id="error", classes="dialog-error")
            editor = editor_name()
            extra = f" · ctrl+e opens {editor}" if editor else ""
            yield PlainStatic(f"Markdown · ctrl+s saves{extra} · Esc cancels", classes="dialog-hint")

    def on_mount(self) -> None:
        super().on_mount()
        if self.notice:  # after every on_mount of the dialog's classes (the base one hides it)
            self.call_after_refresh(self._error, self.notice)
        self.query_one(TextArea).focus()

    def action_save(self) -> None:
        text = self.query_one(TextArea).text.strip()
        if not text:
            self._error("The note is empty; write something or press Esc")
            return
        self._try_save(text)

    def action_external(self) -> None:
        area = self.query_one(TextArea)
        try:
            edited = run_editor(self.app, area.text)
        except EditorFailed as exc:
            self._error(str(exc))
            return
        if edited is None:
            self._error("Set $EDITOR (or $VISUAL) to write notes in your own editor")
            return
        problem = text_problem(edited.text, TimelineEntry.TEXT_LIMITS["body"])
        if problem:  # not loaded (a huge text would stall the editor widget); kept, not lost
            self._error(f"Text: {problem}; it was not loaded and is kept in {keep_refused_text(edited.text)}")
            return
        area.load_text(edited.text.rstrip("\n"))
        self._error(f"{edited.problem}: check the note" if edited.problem else "")


@dataclass
class CallResult:
    disposition: str
    duration_seconds: int | None
    summary: str | None


class CallScreen(_Dialog[CallResult]):
    """Log a call: disposition from the workspace's list, duration, summary."""

    BINDINGS = [
        Binding("escape", "dismiss(None)", "Cancel", id="dialog.cancel"),
        Binding("ctrl+s", "save", "Save", id="call.save", priority=True),
    ]

    def __init__(self, title: str, dispositions: list[str], save: Save) -> None:
        super().__init__(save)
        self.title_text = title
        self.dispositions = dispositions

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield PlainStatic(self.title_text, classes="dialog-title")
            yield Static("Outcome", classes="dialog-label")
            yield OptionList(*[Option(plain(d), id=d) for d in self.dispositions], id="disposition")
            yield Input(placeholder="Duration: 12 (minutes), 1h 5m, 1:05", id="duration")
            yield TextArea("", id="summary", soft_wrap=True)
            yield PlainLabel("", id="error", classes="dialog-error")
            yield Static("Tab next · ctrl+s saves · Esc cancels", classes="dialog-hint")

    def on_mount(self) -> None:
        super().on_mount()
        options = self.query_one(OptionList)
        options.highlighted = 0
        options.focus()
        self.query_one("#summary", TextArea).border_title = "Summary"

    @on(OptionList.OptionSelected)
    def _chosen(self) -> None:
        self.query_one("#duration", Input).focus()

    @on(Input.Submitted, "#duration")
    def _duration_done(self) -> None:
        self.query_one("#summary", TextArea).focus()

    def action_save(self) -> None:
        options = self.query_one(OptionList)
        try:
            seconds = parse_duration(self.query_one("#duration", Input).value)
        except ValueError as exc:
            self._error(f"Duration: {exc}")
            return
        summary = self.query_one("#summary", TextArea).text.strip() or None
        self._try_save(CallResult(self.dispositions[options.highlighted or 0], seconds, summary))


@dataclass
class EmailResult:
    subject: str
    direction: str
    body: str | None


class EmailScreen(_Dialog[EmailResult]):
    """Log an email: subject, sent or received, and the pasted text."""

    BINDINGS = [
        Binding("escape", "dismiss(None)", "Cancel", id="dialog.cancel"),
        Binding("ctrl+s", "save", "Save", id="email.save", priority=True),
    ]

    def __init__(self, title: str, save: Save) -> None:
        super().__init__(save)
        self.title_text = title

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield PlainStatic(self.title_text, classes="dialog-title")
            yield OptionList(Option("→ sent (outbound)", id="outbound"), Option("← received (inbound)", id="inbound"),
                             id="direction")
            yield Input(placeholder="Subject", id="subject")
            yield TextArea("", id="body", soft_wrap=True)
            yield PlainLabel("", id="error", classes="dialog-error")
            yield Static("Paste the email in the box · ctrl+s saves · Esc cancels", classes="dialog-hint")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one(OptionList).highlighted = 0
        self.query_one("#body", TextArea).border_title = "Email text"
        self.query_one("#subject", Input).focus()

    @on(Input.Submitted, "#subject")
    def _next(self) -> None:
        self.query_one("#body", TextArea).focus()

    def action_save(self) -> None:
        subject = self.query_one("#subject", Input).value.strip()
        body = self.query_one("#body", TextArea).text.strip() or None
        if not subject and not body:
            self._error("Give the email a subject or paste its text")
            return
        problem = text_problem(subject, LINE_MAX)
        if problem:
            self._error(f"Subject: {problem}")
            return
        direction = "inbound" if self.query_one(OptionList).highlighted == 1 else "outbound"
        self._try_save(EmailResult(subject or "(no subject)", direction, body))


@dataclass
class MeetingResult:
    title: str
    starts_at: datetime
    duration_minutes: int | None
    notes: str | None


class MeetingScreen(_Dialog[MeetingResult]):
    BINDINGS = [
        Binding("escape", "dismiss(None)", "Cancel", id="dialog.cancel"),
        Binding("ctrl+s", "save", "Save", id="meeting.save", priority=True),
    ]

    def __init__(self, title: str, now: datetime, save: Save) -> None:
        super().__init__(save)
        self.title_text = title
        self.now = now

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield PlainStatic(self.title_text, classes="dialog-title")
            yield Input(placeholder="What was it? (e.g. Demo with the ops team)", id="title")
            yield Input(placeholder="When: empty = now; today 14:00, yesterday 9:30, 2026-12-01 10:00", id="when")
            yield Input(placeholder="Duration: 30 (minutes), 1h", id="duration")
            yield TextArea("", id="notes", soft_wrap=True)
            yield PlainLabel("", id="error", classes="dialog-error")
            yield Static("Enter next field · ctrl+s saves · Esc cancels", classes="dialog-hint")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#notes", TextArea).border_title = "Notes (Markdown)"
        self.query_one("#title", Input).focus()

    @on(Input.Submitted)
    def _next(self) -> None:
        self.focus_next()

    def action_save(self) -> None:
        title = self.query_one("#title", Input).value.strip()
        problem = "say what the meeting was" if not title else text_problem(title, LINE_MAX)
        if problem:
            self._error(f"Title: {problem}")
            self.query_one("#title", Input).focus()
            return
        try:
            starts = parse_when(self.query_one("#when", Input).value, self.now)
        except ValueError as exc:
            self._error(f"When: {exc}")
            return
        try:
            seconds = parse_duration(self.query_one("#duration", Input).value)
        except ValueError as exc:
            self._error(f"Duration: {exc}")
            return
        notes = self.query_one("#notes", TextArea).text.strip() or None
        minutes = None if seconds is None else max(1, round(seconds / 60))
        self._try_save(MeetingResult(title, starts, minutes, notes))


@dataclass
class TaskResult:
    title: str
    assigned_to: str | None
    due_date: date | None


class TaskScreen(_Dialog[TaskResult]):
    """A task from an entry (or for the record): title, assignee, due date."""

    BINDINGS = [
        Binding("escape", "dismiss(None)", "Cancel", id="dialog.cancel"),
        Binding("ctrl+s", "save", "Save", id="task.save", priority=True),
    ]

    def __init__(self, heading: str, title: str, people: list[tuple[str, str]], assignee: str | None,
                 today: date, save: Save) -> None:
        super().__init__(save)
        self.heading = heading
        self.initial_title = title
        self.people = people
        self.assignee = assignee
        self.today = today

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield PlainStatic(self.heading, classes="dialog-title")
            yield SafeInput(value=self.initial_title, placeholder="Task title", id="title")
            yield Input(value="+1d", placeholder="Due: 2026-12-01, tomorrow, +3d, fri (empty: no date)", id="due")
            yield Static("Assignee", classes="dialog-label")
            yield OptionList(*[Option(plain(name), id=pid) for pid, name in self.people], id="assignee")
            yield PlainLabel("", id="error", classes="dialog-error")
            yield Static("Enter next · ctrl+s (or Enter on the assignee) saves · Esc cancels", classes="dialog-hint")

    def on_mount(self) -> None:
        super().on_mount()
        ids = [pid for pid, _ in self.people]
        self.query_one(OptionList).highlighted = ids.index(self.assignee) if self.assignee in ids else 0
        self.query_one("#title", Input).focus()

    @on(Input.Submitted)
    def _next(self) -> None:
        self.focus_next()

    @on(OptionList.OptionSelected)
    def _assignee_chosen(self) -> None:
        self.action_save()

    def action_save(self) -> None:
        title = self.query_one("#title", Input).value.strip()
        problem = field_problem(Task, "title", title)
        if problem:
            self._error(f"Title: {problem}")
            return
        raw_due = self.query_one("#due", Input).value.strip()
        try:
            due = parse_human_date(raw_due, self.today) if raw_due else None
        except ValueError as exc:
            self._error(f"Due: {exc}")
            return
        people = self.query_one(OptionList)
        assignee = self.people[people.highlighted][0] if self.people and people.highlighted is not None else None
        self._try_save(TaskResult(title, assignee, due))


def entry_type_options() -> list[tuple[str, str]]:
    return [(kind.value, f"{ICONS[kind]} {TYPE_LABELS[kind]}s") for kind in EntryType]



"""Modal dialogs of the record page: field editors, pickers, the note editor, call/email/meeting
logging, entry → task, the timeline filter (all on `dialog_base.Dialog`).

Every dialog that saves takes a `save` callback: it receives what was entered and returns None
when the store took it, or the reason it was refused. The dialog then closes, or shows the reason
inline and stays open with what was typed — nothing is ever saved half-way. Dialogs where a person
writes (fields, notes, calls, emails, meetings, tasks) take a `draft` key, so what was typed
survives the dialog closing by accident (see drafts.py).
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import date, datetime
from typing import Callable, Iterable

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Input, OptionList, TextArea
from textual.widgets.option_list import Option

from ..external_editor import EditedText, EditorFailed, editor_name, run_editor  # noqa: F401 (re-exported)
from ..models import Task, TimelineEntry
from ..models.dates import parse_human_date, parse_when
from ..models.durations import parse_duration
from ..models.enums import EntryType
from ..models.problems import field_problem
from ..models.text import LINE_MAX, text_problem
from ..models.timeline import TIMELINE_KINDS, RunKind
from ..store.record_queries import PickerItem, TimelineKind
from ..widgets.check_list import CheckList
from ..widgets.plain_text import plain
from ..widgets.safe_input import SafeInput
from ..widgets.timeline import ICONS, RUN_ICON, TYPE_LABELS
from .dialog_base import Dialog, Save, labelled

SAVE_KEYS = "ctrl+s"


# -- typed fields --------------------------------------------------------------------------


class TextFieldScreen(Dialog[str]):
    """One line of text for a field; Enter saves through `save`, which may refuse with a reason."""

    FOCUS = "value"

    def __init__(self, title: str, initial: str, hint: str, save: Save, draft: str | None = None) -> None:
        super().__init__(title, hint=f"{hint + ' · ' if hint else ''}Enter saves · Esc cancels", save=save, draft=draft)
        self.initial = initial
        self.field_hint = hint

    def compose_body(self) -> ComposeResult:
        yield SafeInput(value=self.initial, placeholder=self.field_hint or "value", id="value", select_on_focus=False)

    def submit(self) -> None:
        self.finish(self.query_one("#value", Input).value)


class ChoiceScreen(Dialog[str]):
    """Pick one of a list (select fields, owner, stage, yes/no). Returns the option id."""

    CONFIRM_DISCARD = False

    def __init__(self, title: str, options: list[tuple[str, str]], current: str | None = None,
                 save: Save | None = None, hint: str = "Enter chooses · Esc cancels") -> None:
        super().__init__(title, hint=hint, save=save)
        self.options = options
        self.current = current

    def compose_body(self) -> ComposeResult:
        yield OptionList(
            *[Option(plain(("● " if oid == self.current else "  ") + label), id=oid) for oid, label in self.options],
            id="choices",
        )

    def on_mount(self) -> None:
        choices = self.query_one(OptionList)
        ids = [oid for oid, _ in self.options]
        choices.highlighted = ids.index(self.current) if self.current in ids else 0

    @on(OptionList.OptionSelected)
    def chosen(self, event: OptionList.OptionSelected) -> None:
        self.finish(event.option.id)

    def submit(self) -> None:
        choices = self.query_one(OptionList)
        if choices.highlighted is not None and self.options:
            self.finish(self.options[choices.highlighted][0])


class MultiChoiceScreen(Dialog[list]):
    """Several options (multi-select fields, timeline filter): Space toggles, Enter saves."""

    BINDINGS = [Binding("enter", "submit", "Save", id="dialog.enter_saves", priority=True)]
    CONFIRM_DISCARD = False

    def __init__(self, title: str, options: list[tuple[str, str]], selected: Iterable[str], save: Save | None = None,
                 hint: str = "Space toggles · Enter saves · Esc cancels") -> None:
        super().__init__(title, hint=hint, save=save)
        self.options = options
        self.selected = set(selected)

    def compose_body(self) -> ComposeResult:
        yield CheckList[str](*[(plain(label), oid, oid in self.selected) for oid, label in self.options], id="choices")

    def submit(self) -> None:
        chosen = set(self.query_one(CheckList).selected)
        self.finish([oid for oid, _ in self.options if oid in chosen])


class RecordPickerScreen(Dialog[PickerItem]):
    """Find a contact, company or deal as you type (typos forgiven; contacts by their company
    too); each line says what tells namesakes apart. Enter picks it."""

    BINDINGS = [
        Binding("down", "move(1)", "Next", id="picker.down", show=False, priority=True),
        Binding("up", "move(-1)", "Previous", id="picker.up", show=False, priority=True),
        Binding("ctrl+d", "clear_value", "Clear", id="picker.clear", show=False),
    ]
    CONFIRM_DISCARD = False
    FOCUS = "query"

    def __init__(self, title: str, search: Callable[[str], list[PickerItem]], save: Save | None = None,
                 allow_clear: bool = False) -> None:
        clear = " · ctrl+d clears the value" if allow_clear else ""
        super().__init__(title, hint=f"↑/↓ choose · Enter picks{clear} · Esc cancels", save=save)
        self.search = search
        self.allow_clear = allow_clear
        self.items: list[PickerItem] = []

    def compose_body(self) -> ComposeResult:
        yield Input(placeholder="type a name, a company or an email…", id="query")
        yield OptionList(id="results")

    def on_mount(self) -> None:
        self._refresh_results("")

    @on(Input.Changed, "#query")
    def _typed_query(self, event: Input.Changed) -> None:
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

    def submit(self) -> None:
        results = self.query_one("#results", OptionList)
        if not self.items or results.highlighted is None:
            self.show_error("Nothing matches; type part of a name")
            return
        self.finish(self.items[results.highlighted])

    @on(OptionList.OptionSelected, "#results")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        if event.option.id != "none":
            self.finish(self.items[int(event.option.id or 0)])

    def action_clear_value(self) -> None:
        if self.allow_clear:
            self.finish("")


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


class NoteScreen(Dialog[str]):
    """A multi-line Markdown note. ctrl+s saves; ctrl+e continues in $EDITOR."""

    BINDINGS = [Binding("ctrl+e", "external", "$EDITOR", id="note.external", priority=True)]
    WIDE = True
    DIALOG_CLASSES = "note"
    ENTER_SUBMITS = False

    def __init__(self, title: str, save: Save, initial: str = "", notice: str = "", draft: str | None = None) -> None:
        editor = editor_name()
        extra = f" · ctrl+e opens {editor}" if editor else ""
        super().__init__(title, hint=f"Markdown · ctrl+s saves{extra} · Esc cancels", save=save, draft=draft)
        self.initial = initial
        self.notice = notice  # shown on the error line at once (what came back from $EDITOR)

    def compose_body(self) -> ComposeResult:
        yield TextArea(self.initial, id="body", soft_wrap=True, tab_behavior="indent", show_line_numbers=False)

    def on_mount(self) -> None:
        if self.notice:  # after the base's on_mount, which Textual runs next and which hides the error line
            self.call_after_refresh(self.show_error, self.notice)

    def submit(self) -> None:
        text = self.value("body")
        if not text:
            self.show_error("The note is empty; write something or press Esc")
            return
        self.finish(text)

    def action_external(self) -> None:
        area = self.query_one(TextArea)
        try:
            edited = run_editor(self.app, area.text)
        except EditorFailed as exc:
            self.show_error(str(exc))
            return
        if edited is None:
            self.show_error("Set $EDITOR (or $VISUAL) to write notes in your own editor")
            return
        problem = text_problem(edited.text, TimelineEntry.TEXT_LIMITS["body"])
        if problem:  # not loaded (a huge text would stall the editor widget); kept, not lost
            self.show_error(f"Text: {problem}; it was not loaded and is kept in {keep_refused_text(edited.text)}")
            return
        area.load_text(edited.text.rstrip("\n"))
        self.show_error(f"{edited.problem}: check the note" if edited.problem else "")


@dataclass
class CallResult:
    disposition: str
    duration_seconds: int | None
    summary: str | None


class CallScreen(Dialog[CallResult]):
    """Log a call: disposition from the workspace's list, duration, summary."""

    WIDE = True
    ENTER_SUBMITS = False

    def __init__(self, title: str, dispositions: list[str], save: Save, draft: str | None = None) -> None:
        super().__init__(title, hint="Tab next · ctrl+s saves · Esc cancels", save=save, draft=draft)
        self.dispositions = dispositions

    def compose_body(self) -> ComposeResult:
        yield labelled(OptionList(*[Option(plain(d), id=d) for d in self.dispositions], id="disposition"), "Outcome")
        yield labelled(Input(placeholder="12 (minutes), 1h 5m, 1:05", id="duration"), "Duration")
        yield labelled(TextArea("", id="summary", soft_wrap=True), "Summary")

    def on_mount(self) -> None:
        self.query_one(OptionList).highlighted = 0

    @on(OptionList.OptionSelected)
    def _chosen(self) -> None:
        self.query_one("#duration", Input).focus()

    def submit(self) -> None:
        options = self.query_one(OptionList)
        try:
            seconds = parse_duration(self.value("duration"))
        except ValueError as exc:
            self.show_error(f"Duration: {exc}", focus="duration")
            return
        summary = self.value("summary") or None
        self.finish(CallResult(self.dispositions[options.highlighted or 0], seconds, summary))


@dataclass
class EmailResult:
    subject: str
    direction: str
    body: str | None


class EmailScreen(Dialog[EmailResult]):
    """Log an email: subject, sent or received, and the pasted text."""

    WIDE = True
    ENTER_SUBMITS = False

    def __init__(self, title: str, save: Save, draft: str | None = None) -> None:
        super().__init__(title, hint="Paste the email in the box · ctrl+s saves · Esc cancels", save=save, draft=draft)

    def compose_body(self) -> ComposeResult:
        yield labelled(Input(placeholder="Subject", id="subject"), "Subject")
        yield labelled(OptionList(Option("→ sent (outbound)", id="outbound"), Option("← received (inbound)", id="inbound"),
                                  id="direction"), "Direction")
        yield labelled(TextArea("", id="body", soft_wrap=True), "Email text")

    def on_mount(self) -> None:
        self.query_one(OptionList).highlighted = 0

    @on(OptionList.OptionSelected)
    def _direction_chosen(self) -> None:
        self.query_one("#body", TextArea).focus()

    def submit(self) -> None:
        subject = self.value("subject")
        body = self.value("body") or None
        if not subject and not body:
            self.show_error("Give the email a subject or paste its text", focus="subject")
            return
        problem = text_problem(subject, LINE_MAX)
        if problem:
            self.show_error(f"Subject: {problem}", focus="subject")
            return
        direction = "inbound" if self.query_one(OptionList).highlighted == 1 else "outbound"
        self.finish(EmailResult(subject or "(no subject)", direction, body))


@dataclass
class MeetingResult:
    title: str
    starts_at: datetime
    duration_minutes: int | None
    notes: str | None


class MeetingScreen(Dialog[MeetingResult]):
    """Log a meeting: what it was, when (default now), how long, notes."""

    WIDE = True
    ENTER_SUBMITS = False

    def __init__(self, title: str, now: datetime, save: Save, draft: str | None = None) -> None:
        super().__init__(title, hint="Enter next field · ctrl+s saves · Esc cancels", save=save, draft=draft)
        self.now = now

    def compose_body(self) -> ComposeResult:
        yield labelled(Input(placeholder="e.g. Demo with the ops team", id="title"), "What was it?")
        yield labelled(Input(placeholder="empty = now; today 14:00, yesterday 9:30, 2026-12-01 10:00", id="when"), "When")
        yield labelled(Input(placeholder="30 (minutes), 1h", id="duration"), "Duration")
        yield labelled(TextArea("", id="notes", soft_wrap=True), "Notes (Markdown)")

    def submit(self) -> None:
        title = self.value("title")
        problem = "say what the meeting was" if not title else text_problem(title, LINE_MAX)
        if problem:
            self.show_error(f"Title: {problem}", focus="title")
            return
        try:
            starts = parse_when(self.value("when"), self.now)
        except ValueError as exc:
            self.show_error(f"When: {exc}", focus="when")
            return
        try:
            seconds = parse_duration(self.value("duration"))
        except ValueError as exc:
            self.show_error(f"Duration: {exc}", focus="duration")
            return
        notes = self.value("notes") or None
        minutes = None if seconds is None else max(1, round(seconds / 60))
        self.finish(MeetingResult(title, starts, minutes, notes))


@dataclass
class TaskResult:
    title: str
    assigned_to: str | None
    due_date: date | None


class TaskScreen(Dialog[TaskResult]):
    """A task from an entry (or for the record): title, assignee, due date."""

    WIDE = True
    ENTER_SUBMITS = False

    def __init__(self, heading: str, title: str, people: list[tuple[str, str]], assignee: str | None,
                 today: date, save: Save, draft: str | None = None) -> None:
        super().__init__(heading, hint="Enter next · ctrl+s (or Enter on the assignee) saves · Esc cancels",
                         save=save, draft=draft)
        self.heading = heading
        self.initial_title = title
        self.people = people
        self.assignee = assignee
        self.today = today

    def compose_body(self) -> ComposeResult:
        yield labelled(SafeInput(value=self.initial_title, placeholder="Task title", id="title"), "Title")
        yield labelled(Input(value="+1d", placeholder="2026-12-01, tomorrow, +3d, fri (empty: no date)", id="due"), "Due")
        yield labelled(OptionList(*[Option(plain(name), id=pid) for pid, name in self.people], id="assignee"), "Assignee")

    def on_mount(self) -> None:
        ids = [pid for pid, _ in self.people]
        self.query_one(OptionList).highlighted = ids.index(self.assignee) if self.assignee in ids else 0

    @on(OptionList.OptionSelected)
    def _assignee_chosen(self) -> None:
        self.submit()

    def submit(self) -> None:
        title = self.value("title")
        problem = field_problem(Task, "title", title)
        if problem:
            self.show_error(f"Title: {problem}", focus="title")
            return
        raw_due = self.value("due")
        try:
            due = parse_human_date(raw_due, self.today) if raw_due else None
        except ValueError as exc:
            self.show_error(f"Due: {exc}", focus="due")
            return
        people = self.query_one(OptionList)
        assignee = self.people[people.highlighted][0] if self.people and people.highlighted is not None else None
        self.finish(TaskResult(title, assignee, due))


# The filter's list puts a tick box before every icon: the timeline's task icon (a box, ☐) beside
# it read as a second, unticked box ("☑ ☐ Tasks"), so tasks wear a flag there instead.
FILTER_ICONS = {**ICONS, EntryType.TASK: "⚑"}


def entry_type_options() -> list[tuple[str, str]]:
    """The timeline filter's choices: every entry type, then the automation runs on the record."""
    return [*((kind.value, f"{FILTER_ICONS[kind]} {TYPE_LABELS[kind]}s") for kind in EntryType),
            (RunKind.AUTOMATION_RUN.value, f"{RUN_ICON} Automation runs")]


def kind_words(kind: TimelineKind) -> str:
    """A timeline kind as the filter's choices word it, lowercase and plural ('stage changes',
    'automation runs'): the status line, the timeline's title and the palette say the same
    words the filter offers, never a stored kind name like 'automation_run'."""
    return "automation runs" if kind == RunKind.AUTOMATION_RUN else f"{TYPE_LABELS[EntryType(kind)].lower()}s"


def kinds_words(kinds: Iterable[TimelineKind]) -> str:
    """The kinds a filter shows, in the filter's order: 'notes, calls, automation runs'."""
    chosen = set(kinds)
    return ", ".join(kind_words(kind) for kind in TIMELINE_KINDS if kind in chosen)


def chosen_kinds(values: Iterable[str]) -> frozenset[TimelineKind] | None:
    """What the timeline filter applies for the values ticked: none or all of them is no filter
    (everything shows); otherwise those entry types, and runs only when they are ticked."""
    kinds: set[TimelineKind] = set()
    for value in values:
        kinds.add(RunKind(value) if value == RunKind.AUTOMATION_RUN.value else EntryType(value))
    return None if not kinds or len(kinds) == len(TIMELINE_KINDS) else frozenset(kinds)



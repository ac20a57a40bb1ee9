"""The admin screen's one-line forms (board, stage, name, probability): each checks its fields as
the person types and names the rule a value breaks; Enter saves through the store (whose
refusal, if any, is shown the same way). The custom-field forms are in field_dialogs.py."""

from __future__ import annotations

from typing import Callable

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Select, Static

from ..models import RecordType
from ..widgets.plain_text import PlainLabel, PlainStatic
from ..widgets.safe_input import SafeInput

Check = Callable[[str], "str | None"]
Save = Callable[..., "str | None"]  # the store call: a problem in words, or None when saved

class _Form(ModalScreen[bool]):
    BINDINGS = [Binding("escape", "dismiss(False)", "Cancel", id="dialog.cancel")]

    def _show(self, problem: str | None) -> None:
        self.query_one("#error", PlainLabel).update(problem or "")

    def _save_with(self, save: Save, *args) -> None:
        try:
            problem = save(*args)
        except ValueError as exc:  # InvalidInput and NotAllowed: say why, keep the form
            problem = str(exc)
        if problem:
            self._show(problem)
            return
        self.dismiss(True)


class _FieldsForm(_Form):
    """A form of several fields that `_read` reads together — a ValueError naming the first
    problem — checked on every change and saved (`save(*values)`) on Enter."""

    save: Save
    _read: Callable[[], tuple]

    def _check(self) -> None:
        try:
            self._read()
        except ValueError as exc:
            self._show(str(exc))
            return
        self._show(None)

    @on(Input.Submitted)
    def _submit(self) -> None:
        try:
            values = self._read()
        except ValueError as exc:
            self._show(str(exc))
            return
        self._save_with(self.save, *values)


class PromptScreen(_Form):
    """One line (a name, a probability): `check` runs on every keystroke, `save` on Enter."""

    def __init__(self, title: str, initial: str, hint: str, check: Check, save: Save) -> None:
        super().__init__()
        self.title_text, self.initial, self.hint = title, initial, hint
        self.check, self.save = check, save

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield PlainStatic(self.title_text, classes="dialog-title")
            yield SafeInput(value=self.initial, placeholder=self.hint, id="value", select_on_focus=False)
            yield PlainLabel("", id="error", classes="dialog-error")
            yield PlainStatic(f"{self.hint} · Enter saves · Esc cancels", classes="dialog-hint")

    @on(Input.Changed)
    def _typed(self, event: Input.Changed) -> None:
        self._show(self.check(event.value))

    @on(Input.Submitted)
    def _submit(self, event: Input.Submitted) -> None:
        problem = self.check(event.value)
        if problem:
            self._show(problem)
            return
        self._save_with(self.save, event.value)


def name_problem(what: str) -> Check:
    def check(text: str) -> str | None:
        if not text.strip():
            return f"Name: a {what} needs a name"
        if len(text.strip()) > 200:
            return f"Name: a {what}'s name is at most 200 characters"
        return None

    return check


def probability_problem(text: str) -> str | None:
    from ..store.admin_mutations import parse_probability

    try:
        parse_probability(text)
    except ValueError as exc:
        return str(exc)
    return None


class NewBoardScreen(_FieldsForm):
    def __init__(self, save: Save) -> None:
        super().__init__()
        self.save = save

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static("New board", classes="dialog-title")
            yield SafeInput(placeholder="Name", id="board-name", select_on_focus=False)
            yield Select([(t.table.capitalize(), t.value) for t in RecordType], value=RecordType.DEAL.value,
                         allow_blank=False, id="board-type")
            yield SafeInput(value="New, In progress, Done", placeholder="Stages, comma-separated", id="board-stages", select_on_focus=False)
            yield PlainLabel("", id="error", classes="dialog-error")
            yield Static("Enter saves · Tab next field · Esc cancels", classes="dialog-hint")

    def _read(self) -> tuple[str, str, list[str]]:
        name = self.query_one("#board-name", Input).value
        problem = name_problem("board")(name)
        if problem:
            raise ValueError(problem)
        stages = [s.strip() for s in self.query_one("#board-stages", Input).value.split(",")]
        if any(not s for s in stages):
            raise ValueError("Stages: a stage needs a name (remove the empty one between commas)")
        return name, str(self.query_one("#board-type", Select).value), stages

    @on(Input.Changed)
    def _typed(self) -> None:
        self._check()

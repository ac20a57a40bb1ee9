"""The admin screen's small forms (a new board; a name or a probability on one line), on the one
:class:`Dialog` base: each field is checked as the person types and the first rule broken is named
on the error line; Enter or ctrl+s saves through the store (whose refusal, if any, is shown the
same way, with the text kept); Esc asks before dropping what was typed. The custom-field forms
are in field_dialogs.py."""

from __future__ import annotations

from typing import Callable, Iterable

from pydantic import BaseModel
from textual import on
from textual.app import ComposeResult
from textual.widgets import Input, Select

from ..models import RecordType
from ..widgets.safe_input import SafeInput
from .dialog_base import Dialog, Save, labelled

Check = Callable[[str], "str | None"]
NAME_MAX = 200
DEFAULT_STAGES = "New, In progress, Done"


def name_problem(what: str, taken: Iterable[str] = (), label: str = "Name") -> Check:
    """The check of a name: required, at most NAME_MAX characters, and not one of `taken`
    (compared without case; the name being renamed is left out by the caller). `label`: what
    the form calls it (a custom field's is its Label), so the error names the field shown."""
    used = {name.strip().casefold() for name in taken}
    word = label.lower()

    def check(text: str) -> str | None:
        name = text.strip()
        if not name:
            return f"{label}: a {what} needs a {word}"
        if len(name) > NAME_MAX:
            return f"{label}: a {what}'s {word} is at most {NAME_MAX} characters"
        if name.casefold() in used:
            return f"{label}: there is already a {what} called {name!r}"
        return None

    return check


def probability_problem(text: str) -> str | None:
    from ..store.admin_mutations import parse_probability

    try:
        parse_probability(text)
    except ValueError as exc:
        return str(exc)
    return None


class PromptScreen(Dialog[str]):
    """One line (a name, a probability): `check` runs on every keystroke and again on Enter or
    ctrl+s, then `save(text)` — the store's refusal is shown and the text stays."""

    def __init__(self, title: str, initial: str, label: str, check: Check, save: Save) -> None:
        super().__init__(title, hint="Enter or ctrl+s saves · Esc cancels", save=save)
        self.initial, self.label, self.check = initial, label, check

    def compose_body(self) -> ComposeResult:
        yield labelled(SafeInput(value=self.initial, id="value", select_on_focus=False), self.label)

    @on(Input.Changed, "#value")
    def _checked(self, event: Input.Changed) -> None:
        if event.value != self.initial:  # untouched is not wrong yet (an empty new name)
            self.show_error(self.check(event.value) or "")

    def submit(self) -> None:
        text = self.query_one("#value", Input).value
        problem = self.check(text)
        if problem:
            self.show_error(problem, focus="value")
            return
        self.finish(text)


class NewBoard(BaseModel):
    """What the new-board form hands to the store."""

    name: str
    record_type: RecordType
    stages: list[str]


def stages_problem(text: str) -> str | None:
    """The stages line: comma-separated names, none empty, none twice, each at most NAME_MAX."""
    names = [s.strip() for s in text.split(",")]
    if any(not s for s in names):
        return "Stages: a stage needs a name (remove the empty one between commas)"
    seen: set[str] = set()
    for name in names:
        if len(name) > NAME_MAX:
            return f"Stages: a stage's name is at most {NAME_MAX} characters"
        if name.casefold() in seen:
            return f"Stages: {name!r} is there twice (stage names differ on a board)"
        seen.add(name.casefold())
    return None


class NewBoardScreen(Dialog[NewBoard]):
    """A new board: its name (required, not one a board has), what it holds, and its first
    stages. Tab walks the fields; Enter in a line or ctrl+s saves."""

    DIALOG_CLASSES = "field-dialog"  # the one-line picker style of the admin forms

    def __init__(self, save: Save, taken: Iterable[str] = ()) -> None:
        super().__init__("New board", hint="Enter or ctrl+s saves · Tab next field · Esc cancels", save=save)
        self.name_check = name_problem("board", taken)

    def compose_body(self) -> ComposeResult:
        yield labelled(SafeInput(placeholder="e.g. Renewals", id="board-name", select_on_focus=False), "Name")
        yield labelled(Select([(t.table.capitalize(), t.value) for t in RecordType], value=RecordType.DEAL.value,
                              allow_blank=False, id="board-type"), "Holds")
        yield labelled(SafeInput(value=DEFAULT_STAGES, placeholder="e.g. New, Won", id="board-stages",
                                 select_on_focus=False), "Stages (comma-separated, left to right)")

    def read(self) -> NewBoard:
        """What was entered, or a ValueError naming the first rule broken."""
        name = self.query_one("#board-name", Input).value
        problem = self.name_check(name) or stages_problem(self.query_one("#board-stages", Input).value)
        if problem:
            raise ValueError(problem)
        stages = [s.strip() for s in self.query_one("#board-stages", Input).value.split(",")]
        return NewBoard(name=name.strip(), record_type=RecordType(str(self.query_one("#board-type", Select).value)),
                        stages=stages)

    @on(Input.Changed)
    def _checked(self) -> None:
        if not self.is_mounted or self.field_values() == self._opened_with:
            return  # untouched is not wrong yet (the empty name)
        self.show_read_problem()

    def submit(self) -> None:
        self.finish_read()

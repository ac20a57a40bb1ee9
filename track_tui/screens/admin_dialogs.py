"""The admin screen's forms: each checks its fields as the person types and names the rule a
value breaks; Enter saves through the store (whose refusal, if any, is shown the same way)."""

from __future__ import annotations

import json
from typing import Callable

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Select, Static

from ..models import RecordType
from ..models.custom_field_config import config_problem, key_problem
from ..models.enums import CustomFieldType
from ..widgets.plain_text import PlainLabel, PlainStatic
from ..widgets.safe_input import SafeInput

Check = Callable[[str], "str | None"]
Save = Callable[..., "str | None"]  # the store call: a problem in words, or None when saved

CONFIG_EXAMPLES = {
    "text": '{"max_length": 40}', "number": '{"min": 0, "max": 100, "integer": true}',
    "date": '{"min": "2026-01-01"}', "select": '{"options": ["gold", "silver"]}',
    "multi_select": '{"options": ["crm", "billing"], "max_selected": 2}', "boolean": "{}",
    "url": '{"schemes": ["https"]}', "currency": '{"currency": "EUR"}', "link": '{"target": "company"}',
}


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


def read_config(kind: str, text: str) -> dict:
    """A custom field's config as typed (empty means `{}`); a ValueError says what is wrong."""
    try:
        config = json.loads(text.strip() or "{}")
    except json.JSONDecodeError as exc:
        raise ValueError(f"Config: not JSON ({exc.msg} at character {exc.pos + 1})") from None
    problem = config_problem(kind, config)
    if problem:
        raise ValueError(f"Config: {problem}")
    return config


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


def _key_from(name: str) -> str:
    key = "".join(c if c.isalnum() else "_" for c in name.strip().lower()).strip("_")
    while "__" in key:
        key = key.replace("__", "_")
    return key if key[:1].isalpha() else f"f_{key}" if key else ""


class FieldFormScreen(_FieldsForm):
    """A new custom field: label, key (suggested from the label; fixed once saved), type, config."""

    def __init__(self, record_type: RecordType, save: Save) -> None:
        super().__init__()
        self.record_type = record_type
        self.save = save
        self._key_typed = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="field-form"):
            yield Static(f"New custom field on {self.record_type.value}s", classes="dialog-title")
            yield Static("Label", classes="field-label")
            yield SafeInput(placeholder="e.g. Lead source", id="field-name", select_on_focus=False)
            yield Static("Key (stored under it; it never changes)", classes="field-label")
            yield SafeInput(placeholder="e.g. lead_source", id="field-key", select_on_focus=False)
            yield Static("Type", classes="field-label")
            yield Select([(t.value, t.value) for t in CustomFieldType], value="text", allow_blank=False, id="field-type")
            yield Static("Config (a JSON object: options, limits, currency, link target)", classes="field-label")
            yield SafeInput(value=CONFIG_EXAMPLES["text"], placeholder="{}", id="field-config", select_on_focus=False)
            yield Static("Searchable (search finds records by this field)", classes="field-label")
            yield Select([("no", "no"), ("yes", "yes")], value="no", allow_blank=False, id="field-searchable")
            yield PlainLabel("", id="error", classes="dialog-error")
            yield Static("Enter saves · Tab next field · Esc cancels", classes="dialog-hint")

    def _read(self) -> tuple[str, str, str, dict, bool]:
        name = self.query_one("#field-name", Input).value
        problem = name_problem("field")(name)
        if problem:
            raise ValueError(problem)
        key = self.query_one("#field-key", Input).value.strip()
        problem = key_problem(key)
        if problem:
            raise ValueError(f"Key: {problem}")
        kind = str(self.query_one("#field-type", Select).value)
        config = read_config(kind, self.query_one("#field-config", Input).value)
        return name.strip(), key, kind, config, self.query_one("#field-searchable", Select).value == "yes"

    @on(Input.Changed, "#field-name")
    def _named(self, event: Input.Changed) -> None:
        if not self._key_typed:
            key = self.query_one("#field-key", Input)
            key.value = _key_from(event.value)
        self._check()

    @on(Input.Changed, "#field-key")
    def _keyed(self) -> None:
        focused = self.focused
        if focused is not None and focused.id == "field-key":
            self._key_typed = True
        self._check()

    @on(Input.Changed, "#field-config")
    def _configured(self) -> None:
        self._check()

    @on(Select.Changed, "#field-type")
    def _typed(self, event: Select.Changed) -> None:
        if isinstance(event.value, str):
            self.query_one("#field-config", Input).value = CONFIG_EXAMPLES[event.value]
        self._check()


class ConfigScreen(_FieldsForm):
    """Change a field's type and config; the store refuses what stored values would not pass."""

    def __init__(self, title: str, kind: str, config: dict, save: Save) -> None:
        super().__init__()
        self.title_text, self.kind, self.config, self.save = title, kind, config, save

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="field-form"):
            yield PlainStatic(self.title_text, classes="dialog-title")
            yield Static("Type", classes="field-label")
            yield Select([(t.value, t.value) for t in CustomFieldType], value=self.kind, allow_blank=False,
                         id="field-type")
            yield Static("Config (a JSON object)", classes="field-label")
            yield SafeInput(value=json.dumps(self.config, ensure_ascii=False), placeholder="{}", id="field-config", select_on_focus=False)
            yield PlainLabel("", id="error", classes="dialog-error")
            yield Static("Enter saves · Esc cancels", classes="dialog-hint")

    def _read(self) -> tuple[str, dict]:
        kind = str(self.query_one("#field-type", Select).value)
        return kind, read_config(kind, self.query_one("#field-config", Input).value)

    @on(Input.Changed)
    @on(Select.Changed)
    def _changed(self) -> None:
        self._check()

"""The custom-field forms of the admin screen: a new field (label, key, type, its settings,
searchable) and a stored field's type and settings. The settings are fields of the type's own
(field_config_editor.py), never JSON to type.

Both are :class:`Dialog`s: every change is checked and the first rule broken named on the error
line; ctrl+s saves (Enter does too, except in the options line, where it adds an option); Esc
asks before dropping a change — options edited count as one, though they are not typed text.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Input, Select

from ..models import RecordType
from ..models.custom_field_config import key_problem
from ..models.enums import CustomFieldType
from ..models.field_config_form import SELECTS
from ..widgets.safe_input import SafeInput
from .admin_dialogs import name_problem
from .dialog_base import Dialog, Save, labelled
from .field_config_editor import ConfigEditor, Usage

HINT = "ctrl+s saves · Tab next field · Esc cancels"
def type_word(kind: CustomFieldType | str) -> str:
    """A field type as the forms word it ('multi-select'), never its stored name."""
    return str(getattr(kind, "value", kind)).replace("_", "-")


TYPE_CHOICES = [(type_word(t), t.value) for t in CustomFieldType]


class NewField(BaseModel):
    """What the new-field form hands to the store."""

    name: str
    key: str
    type: CustomFieldType
    config: dict[str, Any]
    searchable: bool


class FieldSettings(BaseModel):
    """What the settings form hands to the store; `reassign`: the values of removed options
    records hold → the option they move to (None: cleared)."""

    type: CustomFieldType
    config: dict[str, Any]
    reassign: dict[str, str | None] = {}


def key_from(name: str) -> str:
    """The key suggested for a label: lowercase ASCII letters, digits and _ (Lead source →
    lead_source), starting with a letter."""
    key = "".join(c if c.isascii() and c.isalnum() else "_" for c in name.strip().lower()).strip("_")
    while "__" in key:
        key = key.replace("__", "_")
    return key if key[:1].isalpha() else f"f_{key}" if key else ""


class _FieldDialog(Dialog[Any]):
    """Checks on every change; the subclass says what `read` returns (a ValueError: the rule)."""

    DIALOG_CLASSES = "field-dialog"
    CHECK_UNTOUCHED = False

    def read(self) -> Any:
        raise NotImplementedError

    def on_mount(self) -> None:
        self._opened_state = self._state()

    def _state(self) -> Any:
        editor = self.query_one(ConfigEditor)
        selects = {s.id: s.value for s in self.query(Select)}
        return selects, editor.draft.model_dump()

    def has_typed_text(self, values: dict[str, str] | None = None) -> bool:
        if values is not None or super().has_typed_text():
            return super().has_typed_text(values)
        return self._state() != getattr(self, "_opened_state", None)

    def check(self) -> None:
        """Name the first rule broken — in a new form once something was changed (empty is not
        wrong yet); in a stored field's form at once (a malformed stored setting is named)."""
        if not self.is_mounted or (not self.CHECK_UNTOUCHED and not self.has_typed_text()):
            self.show_error("")
            return
        self.show_read_problem()

    @on(Input.Changed)
    @on(ConfigEditor.Changed)
    def _changed(self) -> None:
        self._asked_discard = False
        self.check()

    @on(Select.Changed)
    async def _chosen(self, event: Select.Changed) -> None:
        if event.select.id == "field-type" and isinstance(event.value, str):
            await self.query_one(ConfigEditor).set_kind(event.value)
        self._asked_discard = False
        self.check()

    def submit(self) -> None:
        self.finish_read()


class FieldFormScreen(_FieldDialog):
    """A new custom field: label, key (suggested from the label; fixed once saved), type and its
    settings, searchable. `taken`: the labels of the record type's other fields (a label is
    unique per record type, without case, so a record's editor never shows two alike);
    `taken_keys`: their keys, refused as typed rather than only at save."""

    def __init__(self, record_type: RecordType, save: Save | None = None, taken: Iterable[str] = (),
                 taken_keys: dict[str, str] | None = None) -> None:
        super().__init__(f"New custom field on {record_type.value}s", hint=HINT, save=save)
        self.record_type = record_type
        self.name_check = name_problem("field", taken, label="Label")
        self.taken_keys = taken_keys or {}  # key → the label of the field that has it
        self._key_typed = False

    def compose_body(self) -> ComposeResult:
        with Horizontal(classes="field-row"):
            yield labelled(SafeInput(placeholder="e.g. Lead source", id="field-name", select_on_focus=False), "Label")
            yield labelled(SafeInput(placeholder="e.g. lead_source", id="field-key", select_on_focus=False),
                           "Key (fixed once saved)")
        with Horizontal(classes="field-row"):
            yield labelled(Select(TYPE_CHOICES, value="text", allow_blank=False, id="field-type"), "Type")
            yield labelled(Select([("no", "no"), ("yes", "yes")], value="no", allow_blank=False, id="field-searchable"),
                           "Searchable")
        yield ConfigEditor(CustomFieldType.TEXT, {}, id="field-config")

    def read(self) -> NewField:
        name = self.query_one("#field-name", Input).value
        problem = self.name_check(name)
        if problem:
            raise ValueError(problem)
        key = self.query_one("#field-key", Input).value.strip()
        problem = key_problem(key)
        if problem:
            raise ValueError(f"Key: {problem}")
        if key in self.taken_keys:
            raise ValueError(f"Key: {key!r} is already the key of {self.taken_keys[key]!r} on {self.record_type.value}s")
        kind = CustomFieldType(str(self.query_one("#field-type", Select).value))
        config = self.query_one(ConfigEditor).read()
        return NewField(name=name.strip(), key=key, type=kind, config=config,
                        searchable=self.query_one("#field-searchable", Select).value == "yes")

    @on(Input.Changed, "#field-name")
    def _named(self, event: Input.Changed) -> None:
        if not self._key_typed:
            self.query_one("#field-key", Input).value = key_from(event.value)

    @on(Input.Changed, "#field-key")
    def _keyed(self) -> None:
        focused = self.focused
        if focused is not None and focused.id == "field-key":
            self._key_typed = True


class ConfigScreen(_FieldDialog):
    """A stored field's type and settings; the store refuses (with the count and examples) what
    the values records hold would not pass."""

    CHECK_UNTOUCHED = True

    def __init__(self, title: str, kind: CustomFieldType | str, config: dict[str, Any], save: Save | None = None,
                 usage: Usage | None = None) -> None:
        super().__init__(title, hint=HINT, save=save)
        self.kind, self.config, self.usage = CustomFieldType(kind), dict(config), usage or {}

    def compose_body(self) -> ComposeResult:
        yield labelled(Select(TYPE_CHOICES, value=self.kind.value, allow_blank=False, id="field-type"), "Type")
        yield ConfigEditor(self.kind, self.config, self.usage, id="field-config")

    def on_mount(self) -> None:
        self.call_after_refresh(self.check)

    def read(self) -> FieldSettings:
        kind = CustomFieldType(str(self.query_one("#field-type", Select).value))
        editor = self.query_one(ConfigEditor)
        config = editor.read()
        reassign = editor.draft.reassignments() if editor.draft.kind in SELECTS else {}
        return FieldSettings(type=kind, config=config, reassign=reassign)

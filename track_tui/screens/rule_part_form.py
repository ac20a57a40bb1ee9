"""A form for one part of an automation rule — a trigger, a condition or an action.

One field per parameter of the part's model (models/automation_rules.py), each the kind of
widget its value needs: stages, boards and people are picked by name (never typed as ids),
fixed choices (an operator, a mode, a stage type, a method) from a list, yes/no as a checkbox,
numbers and text as lines. The part is read again on every change and the first rule it breaks
is named; Enter returns it as the JSON object the rule stores.
"""

from __future__ import annotations

import json
import typing
from typing import Any, Literal, get_args, get_origin

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Select, Static

from ..models import automation_rules as r
from ..models.automation_words import RuleNames, action_words, condition_words, trigger_words
from ..models.enums import RecordType, StageType
from ..models.records import FIELD_LABELS
from ..widgets.plain_text import PlainLabel, plain
from ..widgets.safe_input import SafeInput

MODELS = {"trigger": r.TRIGGER_MODELS, "condition": r.CONDITION_MODELS, "action": r.ACTION_MODELS}
WORDS = {"trigger": trigger_words, "condition": condition_words, "action": action_words}
NONE = "__none__"  # a Select's "not set" (Select values must not be None)
RECORD_FIELDS = ("name", "value_cents", "currency", "stage_id", "close_date", "probability", "owner_id", "tags",
                 "email", "phone", "title", "domain", "industry", "size", "company_id")


def _label(name: str) -> str:
    return name.replace("_", " ").capitalize()


class RulePartScreen(ModalScreen[dict | None]):
    BINDINGS = [
        Binding("escape", "dismiss(None)", "Cancel", id="dialog.cancel"),
        Binding("ctrl+s", "submit", "Add", id="rule_part.add"),
    ]

    def __init__(self, kind: str, part_type: str, names: RuleNames, initial: dict[str, Any] | None = None,
                 custom_keys: dict[str, str] | None = None) -> None:
        super().__init__()
        self.kind, self.part_type, self.names = kind, part_type, names
        self.model = MODELS[kind][part_type]
        self.initial = dict(initial or {})
        self.custom_keys = custom_keys if custom_keys is not None else dict(names.custom_labels)
        self.result: dict[str, Any] | None = None

    # -- building the fields ---------------------------------------------------------------

    def _choices(self, name: str, annotation: Any) -> list[tuple[str, str]] | None:
        optional = type(None) in get_args(annotation)
        none = [("(any)" if self.kind == "trigger" else "(none)", NONE)] if optional else []
        if name.endswith("stage_id"):
            return none + [(f"{self.names.boards.get(self.names.stage_boards.get(s, ''), '?')} › {label}", s)
                           for s, label in self.names.stages.items()]
        if name == "board_id":
            return none + [(label, b) for b, label in self.names.boards.items()]
        if name == "user_id":
            return none + [(self._person(u), u) for u in self.names.people]
        if name in ("assign_to", "user"):
            return [("the record's owner", "owner")] + [(self._person(u), u) for u in self.names.people]
        if name == "record_type":
            return none + [(t.table.capitalize(), t.value) for t in RecordType]
        if name == "to_stage_type":
            return none + [(t.value, t.value) for t in StageType]
        if name == "field":
            fields = [(FIELD_LABELS.get(f, f), f) for f in RECORD_FIELDS]
            return fields + [(f"{label} (custom)", f"custom_fields.{key}") for key, label in self.custom_keys.items()]
        literal = next((a for a in (annotation, *get_args(annotation)) if get_origin(a) is Literal), None)
        if literal is not None:
            return [(str(v), str(v)) for v in get_args(literal)]
        return None

    def _person(self, user_id: str) -> str:
        name = self.names.people.get(user_id, "someone")
        return f"{name} (me)" if user_id == self.names.me else name

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="part-form"):
            yield Static(f"{self.kind.capitalize()}: {self.part_type.replace('_', ' ')}", classes="dialog-title")
            for name, info in self.model.model_fields.items():
                if name == "type":
                    continue
                value = self.initial.get(name, info.get_default(call_default_factory=True))
                annotation = info.annotation
                yield Static(_label(name), classes="field-label")
                choices = self._choices(name, annotation)
                if choices is not None:
                    values = [v for _, v in choices]
                    chosen = NONE if value is None else str(value.value if hasattr(value, "value") else value)
                    if chosen not in values:
                        chosen = values[0]
                    # Names are data: drawn as literal, safe text (a stage called "[/]" is text).
                    yield Select([(plain(label), v) for label, v in choices], value=chosen, allow_blank=False,
                                 id=f"p-{name}")
                elif annotation is bool:
                    yield Select([("no", "no"), ("yes", "yes")], value="yes" if value else "no", allow_blank=False,
                                 id=f"p-{name}")
                else:
                    if isinstance(value, list):
                        text = ", ".join(self._person(v) if name == "user_ids" else str(v) for v in value)
                    elif value is None:
                        text = ""
                    elif isinstance(value, (dict, bool)):
                        text = json.dumps(value)
                    else:
                        text = str(value)
                    hint = {"user_ids": "names, comma-separated (in turn)", "value": "text, a number, or JSON"}.get(name, "")
                    yield SafeInput(value=text, placeholder=hint, id=f"p-{name}", select_on_focus=False)
            yield PlainLabel("", id="part-preview", classes="dialog-hint")
            yield PlainLabel("", id="error", classes="dialog-error")
            yield Static("Enter (in a line) or ctrl+s adds it · Tab next field · Esc cancels", classes="dialog-hint")

    def on_mount(self) -> None:
        self.check()

    # -- reading ---------------------------------------------------------------------------

    def read(self) -> dict[str, Any]:
        """The part as stored JSON; raises ValueError naming the parameter and the rule."""
        data: dict[str, Any] = {"type": self.part_type}
        for name, info in self.model.model_fields.items():
            if name == "type":
                continue
            widget = self.query_one(f"#p-{name}")
            if isinstance(widget, Select) and info.annotation is bool:
                data[name] = widget.value == "yes"
            elif isinstance(widget, Select):
                value = widget.value
                data[name] = None if value == NONE or not isinstance(value, str) else value
            else:
                data[name] = self._parse(name, info.annotation, widget.value.strip())
        data = {k: v for k, v in data.items() if v is not None}  # left empty: the default, or "missing"
        part = r.parse_part(self.kind, data)
        if isinstance(part, r.Malformed):
            raise ValueError(f"{_label(part.problem.split(':')[0])}:{part.problem.split(':', 1)[1]}"
                             if ":" in part.problem else part.problem)
        return part.stored()

    def _parse(self, name: str, annotation: Any, text: str) -> Any:
        if name == "user_ids":
            ids = []
            for typed in (t.strip() for t in text.split(",")):
                if not typed:
                    continue
                found = [u for u, n in self.names.people.items() if n.lower().startswith(typed.lower().removesuffix(" (me)"))]
                if len(found) != 1:
                    raise ValueError(f"User ids: {typed!r} matches {'nobody' if not found else f'{len(found)} people'}")
                ids.append(found[0])
            return ids
        if not text:
            return None
        base = {a for a in (annotation, *get_args(annotation)) if a is not type(None)}
        if int in base and str not in base:
            try:
                return int(text)
            except ValueError:
                raise ValueError(f"{_label(name)}: {text!r} is not a whole number") from None
        if annotation is Any or annotation is typing.Any:
            try:
                return json.loads(text)
            except json.JSONDecodeError:
                return text
        return text

    @on(Input.Changed)
    @on(Select.Changed)
    def check(self) -> None:
        preview = self.query_one("#part-preview", PlainLabel)
        error = self.query_one("#error", PlainLabel)
        try:
            data = self.read()
        except ValueError as exc:
            error.update(str(exc))
            preview.update("")
            return
        error.update("")
        preview.update(WORDS[self.kind](r.parse_part(self.kind, data), self.names))

    @on(Input.Submitted)
    def action_submit(self) -> None:
        try:
            data = self.read()
        except ValueError as exc:
            self.query_one("#error", PlainLabel).update(str(exc))
            return
        self.dismiss(data)

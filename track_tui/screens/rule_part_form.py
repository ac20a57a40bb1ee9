"""A form for one part of an automation rule — a trigger, a condition or an action — new or
already in the rule.

First the part's kind (a list of every trigger, condition or action of PRODUCT.md), then one
field per parameter of its model (models/automation_rules.py), each the kind of widget its
value needs: stages, boards and people are picked by name (never typed as ids), fixed choices
(an operator, a mode, a stage type, a method) from a list, yes/no as a list of two, a number of
days as "2 days" or "1 week", a field's value as that field takes it (an amount, a date, a
person, tags: models/rule_values.py; a custom field by its own type and config — a select or
yes/no as a list of its choices, a number within its limits…), a record a field links to (a
company, a contact, a custom link field) with the record picker, by name — the rule stores the
id — and other text as lines. Changing the field swaps the value's widget; changing the kind
swaps the fields, keeping the values the two kinds share (a tag, a field).

Lists follow the record type the rule acts on (its trigger's): a field list offers that type's
fields (a trigger's, its own Record type's, redrawn when that changes), and a move to a stage
offers the stages of that type's boards — a stage stored on another type's board is kept and
refused, naming the board, as the run would find no card to move.

An existing part opens with its stored value filled in; unknown keys the web app put beside it
are kept when it is saved again. A stored part that does not fit its model opens with what of
it fits, the problem said above the fields; what the form returns replaces it. The part is read
again on every change and the first rule it breaks is named ("Days: must be at least 1"); Enter
returns it as the JSON object the rule stores.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any, Literal, get_args, get_origin

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import Input, Select, Static

from ..models import automation_rules as r
from ..models.automation_words import RuleNames, action_words, condition_words, trigger_words
from ..models.enums import CustomFieldType, RecordType, StageType
from ..models.records import FIELD_LABELS, RECORD_MODELS
from ..models.rule_values import (
    custom_field, days_text, link_id, link_target, parse_days, parse_value, value_hint, value_text,
)
from ..store.record_queries import PickerItem
from ..widgets.link_value import LinkValue
from ..widgets.plain_text import PlainLabel, plain
from ..widgets.safe_input import SafeInput
from .dialog_base import Dialog
from .record_dialogs import RecordPickerScreen

if TYPE_CHECKING:
    from ..store import Store

MODELS = {"trigger": r.TRIGGER_MODELS, "condition": r.CONDITION_MODELS, "action": r.ACTION_MODELS}
WORDS = {"trigger": trigger_words, "condition": condition_words, "action": action_words}
NONE = "__none__"  # a Select's "not set" (Select values must not be None)
RECORD_FIELDS = ("name", "value_cents", "currency", "stage_id", "close_date", "probability", "owner_id", "tags",
                 "email", "phone", "title", "domain", "industry", "size", "company_id", "primary_contact_id")
YES, NO = "__yes__", "__no__"  # a yes/no custom field's choices in its value list
DAY_PARAMS = frozenset({"days", "days_before", "due_in_days"})
CHOICE_WORDS = {
    "op": {"eq": "is", "ne": "is not", "gt": "is more than", "gte": "is at least", "lt": "is less than",
           "lte": "is at most", "contains": "contains"},
    "mode": {"direct": "one person", "round_robin": "in turn (round robin)"},
}


def fields_of(record_type: RecordType | None, names: RuleNames) -> list[str]:
    """The fields a rule on `record_type` can name, built-in then custom (None: any record's)."""
    if record_type is None:
        return [*RECORD_FIELDS, *(f"custom_fields.{key}" for key in names.custom_labels)]
    own = RECORD_MODELS[record_type].model_fields
    return [*(f for f in RECORD_FIELDS if f in own),
            *(f"custom_fields.{key}" for key in names.custom_labels
              if record_type in names.custom_types.get(key, frozenset({record_type})))]


def stages_of(record_type: RecordType | None, names: RuleNames) -> list[str]:
    """The stages a record of `record_type` can be moved to: those of its type's boards."""
    return [s for s in names.stages if record_type is None or names.stage_record_type(s) == record_type]


def templates(names: RuleNames, record_type: RecordType | None = None) -> dict[str, dict[str, dict[str, Any]]]:
    """A starting object for every kind of part, filled with ids of this workspace (the stage
    an action moves to and the fields it names: of `record_type`'s, the rule's record type)."""
    board = next(iter(names.boards), "")
    stage = next((s for s, b in names.stage_boards.items() if b == board), next(iter(names.stages), ""))
    me = names.me or next(iter(names.people), "")
    moved_to = next(iter(stages_of(record_type, names)), stage)
    fields = fields_of(record_type, names)
    empty_field = "close_date" if "close_date" in fields else "owner_id"
    set_to = ({"field": "probability", "value": 50} if "probability" in fields
              else {"field": "title", "value": "Buyer"} if "title" in fields else {"field": "industry", "value": "Software"})
    return {
        "trigger": {
            "record_created": {"type": "record_created", "record_type": "deal"},
            "field_updated": {"type": "field_updated", "field": "close_date"},
            "stage_changed": {"type": "stage_changed", "to_stage_id": stage},
            "field_matches": {"type": "field_matches", "field": "value_cents", "op": "gte", "value": 1_000_000},
            "days_in_stage": {"type": "days_in_stage", "stage_id": stage, "days": 14},
            "due_date_approaching": {"type": "due_date_approaching", "field": "close_date", "days_before": 7},
        },
        "condition": {
            "on_board": {"type": "on_board", "board_id": board},
            "field_equals": {"type": "field_equals", "field": "name", "value": ""},
            "field_contains": {"type": "field_contains", "field": "name", "value": "pilot"},
            "field_is_empty": {"type": "field_is_empty", "field": empty_field},
            "owner_is": {"type": "owner_is", "user_id": me},
            "owner_is_not": {"type": "owner_is_not", "user_id": me},
            "tag_applied": {"type": "tag_applied", "tag": "vip"},
            "tag_not_applied": {"type": "tag_not_applied", "tag": "vip"},
            "created_within_days": {"type": "created_within_days", "days": 30},
        },
        "action": {
            "assign_owner": {"type": "assign_owner", "mode": "direct", "user_id": me},
            "move_stage": {"type": "move_stage", "stage_id": moved_to},
            "add_tag": {"type": "add_tag", "tag": "vip"},
            "remove_tag": {"type": "remove_tag", "tag": "vip"},
            "create_task": {"type": "create_task", "title": "Follow up", "assign_to": "owner", "due_in_days": 2},
            "notify": {"type": "notify", "user": "owner", "message": "Have a look"},
            "set_field": {"type": "set_field", **set_to},
            "send_webhook": {"type": "send_webhook", "url": "https://example.com/hook", "method": "POST"},
        },
    }


def flat(raw: Any) -> dict[str, Any]:
    """A stored part's keys, with the reference's `{type, params}` spelling lifted out."""
    if not isinstance(raw, dict):
        return {}
    data = dict(raw)
    params = data.get("params")
    if isinstance(params, dict):
        data.pop("params")
        data = {**params, **data}
    return data


class RulePartScreen(Dialog[dict[str, Any]]):
    """Returns the part as the rule stores it, or None when cancelled (Esc asks first when a
    field was changed)."""

    DISCARD_QUESTION = "Esc again discards what you changed · ctrl+s puts it in the rule"
    DIALOG_CLASSES = "part-form"

    def __init__(self, kind: str, part_type: str | None, names: RuleNames, initial: Any = None,
                 custom_keys: dict[str, str] | None = None, *, title: str | None = None,
                 problem: str | None = None, store: "Store | None" = None,
                 record_type: RecordType | None = None) -> None:
        super().__init__(title or f"New {kind}", hint="Enter in a line or ctrl+s puts it in the rule · Esc cancels")
        self.kind, self.names = kind, names
        # the record type the rule's trigger fires on (a condition's or action's stages and fields
        # are that type's); a trigger's own is read from its Record type field
        self.record_type = None if kind == "trigger" else record_type
        self.store = store  # finds the records a link field picks (None: links are shown, not picked)
        self.value_field: str | None = None
        self._building_type: Any = None
        self.models = MODELS[kind]
        self.templates = templates(names, self.record_type)[kind]
        self.part_type = part_type if part_type in self.models else next(iter(self.models))
        if initial is None:
            self.initial = dict(self.templates[self.part_type])
        elif problem:  # what of a malformed part fits, over the kind's starting values
            self.initial = {**self.templates[self.part_type], **flat(initial)}
        else:
            self.initial = flat(initial)
        self._opened_part: tuple[Any, ...] = ()
        self.stored_type = self.initial.get("type")  # the unknown keys are kept only for the same kind
        self.problem = problem  # the stored value's, when it does not fit its model
        self.custom_keys = custom_keys if custom_keys is not None else dict(names.custom_labels)

    @property
    def model(self) -> type[r._Part]:
        return self.models[self.part_type]

    # -- building the fields ---------------------------------------------------------------

    def _choices(self, name: str, annotation: Any) -> list[tuple[str, str]] | None:
        optional = type(None) in get_args(annotation)
        none = [("(any)" if self.kind == "trigger" else "(none)", NONE)] if optional else []
        if name.endswith("stage_id"):
            stages = stages_of(self.record_type, self.names) if self.kind == "action" else list(self.names.stages)
            return none + [(self._stage_label(s), s) for s in stages]
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
            return [(self._field_label(f), f) for f in fields_of(self._rule_type(), self.names)
                    if not f.startswith("custom_fields.") or f.removeprefix("custom_fields.") in self.custom_keys]
        literal = next((a for a in (annotation, *get_args(annotation)) if get_origin(a) is Literal), None)
        if literal is not None:
            words = CHOICE_WORDS.get(name, {})
            return [(words.get(str(v), str(v)), str(v)) for v in get_args(literal)]
        return None

    def _field_label(self, name: str) -> str:
        key = name.removeprefix("custom_fields.")
        return f"{self.custom_keys.get(key, key)} (custom)" if name.startswith("custom_fields.") \
            else FIELD_LABELS.get(name, name)

    def _stage_label(self, stage_id: str) -> str:
        return f"{self.names.boards.get(self.names.stage_boards.get(stage_id, ''), '?')} › " \
               f"{self.names.stages.get(stage_id, stage_id)}"

    def _rule_type(self) -> RecordType | None:
        """The record type whose fields the part names: a trigger's own Record type field (as
        chosen now, or as it opens), else the rule's."""
        if self.kind != "trigger":
            return self.record_type
        chosen = self.query("#p-record_type")
        value = chosen.first().value if chosen else self._building_type  # not mounted yet: as it opens
        value = getattr(value, "value", value)
        try:
            return RecordType(value) if isinstance(value, str) else None
        except ValueError:
            return None

    def _person(self, user_id: str) -> str:
        name = self.names.people.get(user_id, "someone")
        return f"{name} (me)" if user_id == self.names.me else name

    def _field_widgets(self, values: dict[str, Any]) -> list[Widget]:
        """A label and a widget per parameter of the current kind, filled from `values`."""
        widgets: list[Widget] = []
        field_name = str(values.get("field") or "")
        self._building_type = values.get("record_type")  # the field list is built before its widget
        for name, info in self.model.model_fields.items():
            if name == "type":
                continue
            value = values.get(name, info.get_default(call_default_factory=True))
            annotation = info.annotation
            widgets.append(Static(r.param_label(name), classes="field-label", id=f"label-{name}"))
            choices = self._choices(name, annotation)
            if choices is not None:
                options = [v for _, v in choices]
                chosen = NONE if value is None else str(value.value if hasattr(value, "value") else value)
                if chosen not in options:
                    if name == "field" and chosen != NONE:  # a field this list does not name: kept
                        choices.append((chosen, chosen))
                    elif name.endswith("stage_id") and chosen in self.names.stages:
                        choices.append((self._stage_label(chosen), chosen))  # kept, and refused on reading
                    else:
                        chosen = options[0]
                # Names are data: drawn as literal, safe text (a stage called "[/]" is text).
                widgets.append(Select([(plain(label), v) for label, v in choices], value=chosen, allow_blank=False,
                                      id=f"p-{name}"))
            elif annotation is bool:
                widgets.append(Select([("no", "no"), ("yes", "yes (the opposite)")], value="yes" if value else "no",
                                      allow_blank=False, id=f"p-{name}"))
            elif name == "value" and annotation is Any:
                widgets.append(self._value_widget(field_name, value))
            else:
                widgets.append(SafeInput(value=self._text(name, value, field_name), placeholder=self._hint(name, field_name),
                                         id=f"p-{name}", select_on_focus=False))
        return widgets

    def _value_widget(self, field_name: str, value: Any) -> Widget:
        """The widget a field's value is given with: the record picker for a link, a list for a
        custom select or yes/no field, a line read by the field's type otherwise."""
        self.value_field = field_name  # what the value widget was made for (a Select re-posts its value)
        link = link_target(field_name, self.names)
        if link is not None:
            types, _ = link
            what = f"a {types[0].value}" if len(types) == 1 else "a record"
            return LinkValue(value if link_id(value) else None, self._record_name(value), what=what, id="p-value")
        definition = custom_field(field_name, self.names)
        if definition is not None and definition.type in (CustomFieldType.SELECT, CustomFieldType.BOOLEAN):
            if definition.type is CustomFieldType.SELECT:
                choices = [(label, option) for option, label in definition.options()]
            else:
                choices = [("yes", YES), ("no", NO)]
            chosen = YES if value is True else NO if value is False else value if isinstance(value, str) else NONE
            if chosen not in [v for _, v in choices] and chosen != NONE:
                if definition.type is CustomFieldType.SELECT:  # stored, not an option: kept, and refused
                    choices.append((f"{chosen} (not one of its options)", chosen))
                else:
                    chosen = NONE
            return Select([(plain(label), v) for label, v in [("(no value)", NONE), *choices]], value=chosen,
                          allow_blank=False, id="p-value")
        return SafeInput(value=value_text(field_name, value, self.names), placeholder=value_hint(field_name, self.names),
                         id="p-value", select_on_focus=False)

    def _record_name(self, value: Any) -> str | None:
        record_id = link_id(value)
        if record_id is None:
            return None
        if record_id not in self.names.records and self.store is not None:
            kind = value.get("type") if isinstance(value, dict) else None
            refs = [(kind, record_id)] if kind else [(t, record_id) for t in RecordType]
            self.names.records.update(self.store.names_of(refs))
        return self.names.records.get(record_id)

    def _text(self, name: str, value: Any, field_name: str) -> str:
        if name in DAY_PARAMS:
            return days_text(value) if isinstance(value, int) and not isinstance(value, bool) else str(value or "")
        if name == "value":
            return value_text(field_name, value, self.names)
        if name == "user_ids" and isinstance(value, list):
            return ", ".join(self._person(str(v)) if v in self.names.people else str(v) for v in value)
        return "" if value is None else str(value)

    def _hint(self, name: str, field_name: str) -> str:
        if name in DAY_PARAMS:
            return "2 days, 1 week" + (", today" if name != "days" else "")
        if name == "value":
            return value_hint(field_name)
        return {"user_ids": "names, comma-separated (in turn)"}.get(name, "")

    def compose_body(self) -> ComposeResult:
        if self.problem:
            yield PlainLabel(f"⚠ Stored as malformed ({self.problem}): pick its kind, fill it in, and it is "
                             "replaced", id="stored-problem", classes="dialog-error")
        yield Static("Kind", classes="field-label")
        yield Select([(t.replace("_", " "), t) for t in self.models], value=self.part_type, allow_blank=False,
                     id="p-type")
        with Vertical(id="part-fields"):
            yield from self._field_widgets(self.initial)
        yield PlainLabel("", id="part-preview", classes="dialog-hint")

    def on_mount(self) -> None:
        """Runs before the base's (which hides the error line): the part is checked after it."""
        self._opened_part = self._part_state()
        self.call_after_refresh(self.check)

    def _part_state(self) -> tuple[Any, ...]:
        """The kind and what every field holds (a picked record included)."""
        fields = tuple((w.id, repr(getattr(w, "value", None))) for w in self.query("#part-fields > *") if w.id)
        return self.part_type, fields

    def has_changes(self) -> bool:
        """The kind or a field differs from what the form opened with (a list choice or a picked
        record counts, though nothing was typed)."""
        return self.is_mounted and self._part_state() != self._opened_part

    async def switch_kind(self, part_type: str) -> None:
        """Another kind picked: its fields, with the values both kinds have carried over."""
        if part_type == self.part_type or part_type not in self.models:
            return
        shared = {k: v for k, v in self._loose().items() if k in self.models[part_type].model_fields}
        self.part_type = part_type
        values = {**self.templates[part_type], **shared, "type": part_type}
        box = self.query_one("#part-fields", Vertical)
        await box.remove_children()
        await box.mount_all(self._field_widgets(values))
        self.check()

    # -- reading ---------------------------------------------------------------------------

    def _loose(self) -> dict[str, Any]:
        """What the fields hold that reads as a value (for carrying over to another kind)."""
        values: dict[str, Any] = {}
        for name in self.model.model_fields:
            if name == "type":
                continue
            try:
                values[name] = self._value(name)
            except ValueError:
                continue
        return {k: v for k, v in values.items() if v is not None}

    def _value(self, name: str) -> Any:
        info = self.model.model_fields[name]
        widget = self.query_one(f"#p-{name}")
        if isinstance(widget, LinkValue):
            return widget.value
        if isinstance(widget, Select) and name == "value":  # a custom select / yes-no field's value
            chosen = widget.value
            value = True if chosen == YES else False if chosen == NO else None if chosen == NONE else chosen
            definition = custom_field(self._field(), self.names)
            if definition is not None:
                try:
                    return definition.validate_value(value)
                except ValueError as exc:
                    raise ValueError(f"Value: {getattr(exc, 'rule', exc)}") from None
            return value
        if isinstance(widget, Select) and info.annotation is bool:
            return widget.value == "yes"
        if isinstance(widget, Select):
            value = widget.value
            return None if value == NONE or not isinstance(value, str) else value
        assert isinstance(widget, Input)
        try:
            return self._parse(name, info.annotation, widget.value.strip())
        except ValueError as exc:
            raise ValueError(f"{r.param_label(name)}: {exc}") from None

    def read(self) -> dict[str, Any]:
        """The part as stored JSON; raises ValueError naming the parameter and the rule."""
        extras = {k: v for k, v in self.initial.items() if k not in self.model.model_fields} \
            if self.stored_type == self.part_type else {}
        data: dict[str, Any] = {**extras, "type": self.part_type}
        for name in self.model.model_fields:
            if name != "type":
                data[name] = self._value(name)
        data = {k: v for k, v in data.items() if v is not None}  # left empty: the default, or "required"
        part = r.parse_part(self.kind, data)
        if isinstance(part, r.Malformed):
            raise ValueError(part.problem)  # worded by the model as this form words it
        problem = self.names.move_problem(part, self.record_type)
        if problem:
            raise ValueError(problem)
        return part.stored()

    def _parse(self, name: str, annotation: Any, text: str) -> Any:
        if name == "user_ids":
            ids = []
            for typed in (t.strip() for t in text.split(",")):
                if not typed:
                    continue
                found = [u for u, n in self.names.people.items() if n.lower().startswith(typed.lower().removesuffix(" (me)"))]
                if len(found) != 1:
                    raise ValueError(f"{typed!r} matches {'nobody' if not found else f'{len(found)} people'}")
                ids.append(found[0])
            return ids
        if name in DAY_PARAMS:
            return parse_days(text)
        if name == "value" and annotation is Any:  # a field's value: as that field takes it
            return parse_value(self._field(), text, self.names, self._today())
        if not text:
            return None
        return text

    def _field(self) -> str:
        """The field the part names (its value is read as that field takes it)."""
        field = self.query("#p-field")
        chosen = field.first().value if field else ""
        return chosen if isinstance(chosen, str) else ""

    def _today(self) -> date:
        return self.store.today() if self.store is not None else date.today()

    @on(Select.Changed)
    async def _select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "p-type":
            if isinstance(event.value, str):
                await self.switch_kind(event.value)
            return
        if event.select.id == "p-field" and self.query("#p-value"):
            await self._swap_value(str(event.value))
        if event.select.id == "p-record_type" and self.query("#p-field"):
            self._offer_fields()
        self.check()

    def _offer_fields(self) -> None:
        """The trigger's record type changed: its field list offers that type's fields (the one
        chosen is kept when the new type has it, else the first is chosen)."""
        field = self.query_one("#p-field", Select)
        chosen = field.value
        choices = self._choices("field", str)
        assert choices is not None
        field.set_options([(plain(label), v) for label, v in choices])
        options = [v for _, v in choices]
        field.value = chosen if chosen in options else options[0]

    async def _swap_value(self, field_name: str) -> None:
        """Another field chosen: the value's widget for that field (what was typed is kept in a
        line when the new field also takes a line)."""
        if field_name == self.value_field:
            return
        old = self.query_one("#p-value")
        typed = old.value if isinstance(old, Input) else ""
        new = self._value_widget(field_name, None)
        if isinstance(new, Input):
            new.value = typed
        if type(new) is type(old) and isinstance(new, Input):
            old.placeholder = new.placeholder
            return
        await old.remove()
        await self.query_one("#part-fields").mount(new, after=self.query_one("#label-value"))

    @on(LinkValue.PickWanted)
    def _pick_record(self, event: LinkValue.PickWanted) -> None:
        link = link_target(self._field(), self.names)
        if link is None or self.store is None:
            self.show_error("Value: no records to pick from here")
            return
        types, wrapped = link
        store, target = self.store, event.link

        def picked(item: PickerItem | str | None) -> None:
            if item is None:
                return
            if not isinstance(item, PickerItem):  # ctrl+d in the picker: no record
                target.show(None, None)
                return
            self.names.records[item.record_id] = item.name  # the rule list names it too
            value = {"type": item.record_type.value, "id": item.record_id} if wrapped else item.record_id
            target.show(value, item.name)

        self.app.push_screen(RecordPickerScreen(
            f"{self.names.field(self._field())} is…", lambda text: store.pick_records(text, types), allow_clear=True,
        ), picked)

    @on(LinkValue.Changed)
    def _link_changed(self) -> None:
        self.check()

    @on(Input.Changed)
    def check(self) -> None:
        self.changed()
        preview = self.query_one("#part-preview", PlainLabel)
        try:
            data = self.read()
        except ValueError as exc:
            self.show_error(str(exc))
            preview.update("")
            return
        self.show_error("")
        preview.update(WORDS[self.kind](r.parse_part(self.kind, data), self.names))

    def submit(self) -> None:
        """Enter in a line or ctrl+s: the part handed to the rule form, or the rule it breaks."""
        try:
            data = self.read()
        except ValueError as exc:
            self.show_error(str(exc))
            return
        self.finish(data)

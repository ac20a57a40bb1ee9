"""The parts of an automation rule: its trigger, its conditions and its actions, as models.

`automations.trigger`, `.conditions` and `.actions` are jsonb columns the web app writes. The
shapes here follow what the web app (and the demo) stores: one object per part, its kind in
`type` and its parameters beside it — `{"type": "add_tag", "tag": "inbound"}`. The database
reference describes a trigger as `{type, params}`; an object that nests its parameters under
`params` is read the same way (the parameters are lifted out), so either spelling works.

Reading never raises. A part that does not fit its model — an unknown `type`, a missing
parameter, a number where a list belongs, not even an object — becomes a :class:`Malformed`
holding what was stored and why it cannot be used, so a screen shows "malformed: …" for that
part and the rest of the rule as usual, and the local runner treats the rule as broken.

Unknown extra keys are kept (`extra="allow"`): an edit made here saves the part back with
whatever the web app put beside the keys this client knows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from .enums import RecordType, StageType

# -- triggers ------------------------------------------------------------------------------


class _Part(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True, defer_build=True)

    def stored(self) -> dict[str, Any]:
        """The JSON object to store (unknown keys that came with it included)."""
        return self.model_dump(mode="json", exclude_none=True)


class RecordCreated(_Part):
    type: Literal["record_created"]
    record_type: RecordType | None = None  # None: any record


class FieldUpdated(_Part):
    type: Literal["field_updated"]
    field: str = Field(min_length=1)  # a column, or custom_fields.<key>
    record_type: RecordType | None = None


class StageChanged(_Part):
    type: Literal["stage_changed"]
    board_id: str | None = None
    to_stage_id: str | None = None
    to_stage_type: StageType | None = None
    from_stage_id: str | None = None


MatchOp = Literal["eq", "ne", "gt", "gte", "lt", "lte", "contains"]


class FieldMatches(_Part):
    type: Literal["field_matches"]
    field: str = Field(min_length=1)
    op: MatchOp = "eq"
    value: Any = None


class DaysInStage(_Part):
    type: Literal["days_in_stage"]
    stage_id: str = Field(min_length=1)
    days: int = Field(ge=1, le=3650)


class DueDateApproaching(_Part):
    type: Literal["due_date_approaching"]
    field: str = "close_date"  # a date column or custom field of the record
    days_before: int = Field(ge=0, le=3650)


Trigger = Annotated[
    Union[RecordCreated, FieldUpdated, StageChanged, FieldMatches, DaysInStage, DueDateApproaching],
    Field(discriminator="type"),
]

# -- conditions ----------------------------------------------------------------------------


class OnBoard(_Part):
    type: Literal["on_board"]
    board_id: str = Field(min_length=1)


class FieldEquals(_Part):
    type: Literal["field_equals"]
    field: str = Field(min_length=1)
    value: Any = None
    negate: bool = False


class FieldContains(_Part):
    type: Literal["field_contains"]
    field: str = Field(min_length=1)
    value: str = Field(min_length=1)
    negate: bool = False


class FieldIsEmpty(_Part):
    type: Literal["field_is_empty"]
    field: str = Field(min_length=1)
    negate: bool = False  # True: the field is NOT empty


class OwnerIs(_Part):
    type: Literal["owner_is"]
    user_id: str | None = None  # None: the record has no owner


class OwnerIsNot(_Part):
    type: Literal["owner_is_not"]
    user_id: str | None = None


class TagApplied(_Part):
    type: Literal["tag_applied"]
    tag: str = Field(min_length=1)


class TagNotApplied(_Part):
    type: Literal["tag_not_applied"]
    tag: str = Field(min_length=1)


class CreatedWithinDays(_Part):
    type: Literal["created_within_days"]
    days: int = Field(ge=1, le=3650)


Condition = Annotated[
    Union[OnBoard, FieldEquals, FieldContains, FieldIsEmpty, OwnerIs, OwnerIsNot, TagApplied, TagNotApplied,
          CreatedWithinDays],
    Field(discriminator="type"),
]

# -- actions -------------------------------------------------------------------------------


class AssignOwner(_Part):
    type: Literal["assign_owner"]
    mode: Literal["direct", "round_robin"] = "direct"
    user_id: str | None = None  # direct
    user_ids: list[str] = Field(default_factory=list)  # round robin, in turn

    def model_post_init(self, context: Any) -> None:
        if self.mode == "direct" and not self.user_id:
            raise ValueError("Person: required to assign one person (it is empty)")
        if self.mode == "round_robin" and not self.user_ids:
            raise ValueError("People (in turn): name at least one person to assign in turn")


class MoveStage(_Part):
    type: Literal["move_stage"]
    stage_id: str = Field(min_length=1)


class AddTag(_Part):
    type: Literal["add_tag"]
    tag: str = Field(min_length=1)


class RemoveTag(_Part):
    type: Literal["remove_tag"]
    tag: str = Field(min_length=1)


class CreateTask(_Part):
    type: Literal["create_task"]
    title: str = Field(min_length=1)
    assign_to: str = "owner"  # "owner" (the record's) or a user id
    due_in_days: int | None = Field(default=None, ge=0, le=3650)


class Notify(_Part):
    type: Literal["notify"]
    user: str = "owner"  # "owner" or a user id
    message: str = Field(min_length=1)


class SetField(_Part):
    type: Literal["set_field"]
    field: str = Field(min_length=1)
    value: Any = None


class SendWebhook(_Part):
    type: Literal["send_webhook"]
    url: str = Field(min_length=1)
    method: Literal["POST", "PUT", "PATCH", "GET"] = "POST"


Action = Annotated[
    Union[AssignOwner, MoveStage, AddTag, RemoveTag, CreateTask, Notify, SetField, SendWebhook],
    Field(discriminator="type"),
]

TRIGGER_MODELS: dict[str, type[_Part]] = {
    m.model_fields["type"].annotation.__args__[0]: m  # type: ignore[union-attr]
    for m in (RecordCreated, FieldUpdated, StageChanged, FieldMatches, DaysInStage, DueDateApproaching)
}
CONDITION_MODELS: dict[str, type[_Part]] = {
    m.model_fields["type"].annotation.__args__[0]: m  # type: ignore[union-attr]
    for m in (OnBoard, FieldEquals, FieldContains, FieldIsEmpty, OwnerIs, OwnerIsNot, TagApplied, TagNotApplied,
              CreatedWithinDays)
}
ACTION_MODELS: dict[str, type[_Part]] = {
    m.model_fields["type"].annotation.__args__[0]: m  # type: ignore[union-attr]
    for m in (AssignOwner, MoveStage, AddTag, RemoveTag, CreateTask, Notify, SetField, SendWebhook)
}

# -- reading what is stored ----------------------------------------------------------------


# What the part form calls each parameter; a malformed stored part is worded the same way.
PARAM_LABELS = {
    "due_in_days": "Due in", "days_before": "How long before", "days": "For how long", "user_ids": "People (in turn)",
    "user_id": "Person", "assign_to": "Assign to", "user": "Notify whom", "negate": "Turn it around",
    "to_stage_id": "To stage", "from_stage_id": "From stage", "stage_id": "Stage", "board_id": "Board",
    "record_type": "Record type", "to_stage_type": "Or to a stage of type", "op": "Compare", "url": "URL",
}


def param_label(name: str) -> str:
    """A parameter as the form labels it: `due_in_days` → "Due in", `tag` → "Tag"."""
    return PARAM_LABELS.get(name, name.replace("_", " ").capitalize())


def rule_broken(message: str) -> str:
    """A model's message as a person reads it: the rule the value breaks, not pydantic's words."""
    message = message.strip().removeprefix("Value error, ")
    for prefix, words in (("Input should be greater than or equal to ", "must be at least "),
                          ("Input should be less than or equal to ", "must be at most "),
                          ("Input should be greater than ", "must be more than "),
                          ("Input should be less than ", "must be less than "),
                          ("Input should be a valid integer", "must be a whole number"),
                          ("Input should be a valid string", "must be text"),
                          ("Input should be a valid list", "must be a list"),
                          ("Input should be a valid boolean", "must be yes or no"),
                          ("Input should be ", "must be ")):
        if message.startswith(prefix):
            return words + message.removeprefix(prefix).removeprefix(", unable to parse string as an integer")
    if message == "String should have at least 1 character":
        return "must not be empty"
    if message.startswith("String should have at least "):
        return "must be at least " + message.removeprefix("String should have at least ")
    if message in ("missing", "Field required"):
        return "required (it is empty)"
    return message


@dataclass(frozen=True)
class Malformed:
    """A stored part that cannot be used: what was stored, and why — worded as the part form
    words it ("Tag: must not be empty"), so the rule list and the save error say the same."""

    kind: str  # "trigger", "condition" or "action"
    raw: Any
    problem: str

    @property
    def type(self) -> str:
        return self.raw.get("type", "?") if isinstance(self.raw, dict) and isinstance(self.raw.get("type"), str) else "?"

    @property
    def type_words(self) -> str | None:
        """Its kind in words ("add tag") when it names one this client knows."""
        known = {"trigger": TRIGGER_MODELS, "condition": CONDITION_MODELS, "action": ACTION_MODELS}[self.kind]
        return self.type.replace("_", " ") if self.type in known else None

    def where(self, head: str) -> str:
        """Which part, for an error: "Action 2 (add tag)"."""
        return f"{head} ({self.type_words})" if self.type_words else head

    def stored(self) -> Any:
        return self.raw  # kept exactly as it was


_ADAPTERS: dict[str, TypeAdapter] = {}


def _adapter(kind: str) -> TypeAdapter:
    if kind not in _ADAPTERS:
        _ADAPTERS[kind] = TypeAdapter({"trigger": Trigger, "condition": Condition, "action": Action}[kind])
    return _ADAPTERS[kind]


def build_parsers() -> None:
    """Build the parsers of the three kinds of part now (they are built on first use
    otherwise; the app builds them after start-up, see models/deferred.py)."""
    for kind in ("trigger", "condition", "action"):
        _adapter(kind)


def _problem(exc: ValidationError, tag: Any) -> str:
    """The first error in words: the parameter as the form labels it, and the rule it breaks."""
    first = exc.errors(include_url=False)[0]
    kind = first.get("type")
    if kind == "union_tag_invalid":
        return f"unknown type {tag!r}"
    if kind == "union_tag_not_found":
        return "no type given"
    loc = list(first.get("loc", ()))
    if loc and loc[0] == tag:  # a discriminated union puts the tag first
        loc = loc[1:]
    message = rule_broken("missing" if kind == "missing" else first.get("msg", "invalid"))
    if not loc:
        return message
    where = param_label(str(loc[0])) + "".join(f", item {p + 1}" if isinstance(p, int) else f", {p}" for p in loc[1:])
    return f"{where}: {message}"


def parse_part(kind: str, raw: Any) -> Any:
    """One stored trigger / condition / action as its model, or :class:`Malformed`."""
    if not isinstance(raw, dict):
        return Malformed(kind, raw, f"a {kind} must be an object, not {type(raw).__name__}")
    data = dict(raw)
    params = data.get("params")
    if isinstance(params, dict):  # the reference's {type, params} spelling
        data.pop("params")
        data = {**params, **data}
    try:
        return _adapter(kind).validate_python(data)
    except ValidationError as exc:
        return Malformed(kind, raw, _problem(exc, data.get("type")))
    except (ValueError, TypeError) as exc:  # a model's own check (model_post_init)
        return Malformed(kind, raw, rule_broken(str(exc)))


@dataclass(frozen=True)
class Rule:
    """An automation's rule, read from its three JSON columns (never raises)."""

    trigger: Any
    conditions: tuple[Any, ...] = ()
    actions: tuple[Any, ...] = ()
    problems: tuple[str, ...] = field(default=())  # the columns themselves, when not lists

    @classmethod
    def read(cls, trigger: Any, conditions: Any, actions: Any) -> "Rule":
        problems = []
        if not isinstance(conditions, list):
            if conditions not in (None, {}):
                problems.append(f"conditions must be a list, not {type(conditions).__name__}")
            conditions = []
        if not isinstance(actions, list):
            problems.append(f"actions must be a list, not {type(actions).__name__}")
            actions = []
        return cls(
            parse_part("trigger", trigger),
            tuple(parse_part("condition", c) for c in conditions),
            tuple(parse_part("action", a) for a in actions),
            tuple(problems),
        )

    @property
    def malformed(self) -> list[Malformed]:
        parts = [self.trigger, *self.conditions, *self.actions]
        return [p for p in parts if isinstance(p, Malformed)]

    @property
    def usable(self) -> bool:
        """Whole and runnable: every part fits its model and there is something to do."""
        return not self.malformed and not self.problems and bool(self.actions)

    def stored(self) -> tuple[Any, list[Any], list[Any]]:
        """(trigger, conditions, actions) as JSON to store."""
        return (self.trigger.stored(), [c.stored() for c in self.conditions], [a.stored() for a in self.actions])


def build_part(kind: str, data: dict[str, Any]) -> _Part:
    """A part from what a form holds; raises ValueError naming the rule broken."""
    part = parse_part(kind, data)
    if isinstance(part, Malformed):
        raise ValueError(part.problem)
    return part

"""An automation's rule in words: "WHEN a deal's stage changes to Proposal IF the owner is me
THEN create task 'Send proposal' due in 2 days".

The rule's JSON holds ids (stages, boards, people) and field keys; :class:`RuleNames` says what
to call them, so this module stays a pure function of the rule and the names (no store, no
Textual). An id no name is known for reads as "an unknown stage", never as the raw id; a
malformed part reads as the part form words it: "⚠ malformed action (create task — Title:
required (it is empty))". The text is plain: the screens
draw it through the safe-text helpers, as every string from the data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from . import automation_rules as r
from .custom_fields import CustomField
from .enums import CustomFieldType, RecordType
from .records import FIELD_LABELS


@dataclass(frozen=True)
class RuleNames:
    """What to call the ids and field keys a rule holds."""

    me: str | None = None  # the signed-in person's id: "the owner is me"
    people: dict[str, str] = field(default_factory=dict)  # user id → name
    boards: dict[str, str] = field(default_factory=dict)  # board id → name
    board_types: dict[str, RecordType] = field(default_factory=dict)  # board id → record type
    stages: dict[str, str] = field(default_factory=dict)  # stage id → name
    stage_boards: dict[str, str] = field(default_factory=dict)  # stage id → board id
    custom_labels: dict[str, str] = field(default_factory=dict)  # custom field key → label
    # custom field key → its definition (a value is read and shown by the field's type)
    custom_fields: dict[str, CustomField] = field(default_factory=dict)
    records: dict[str, str] = field(default_factory=dict)  # id → name of records a rule links to
    # custom field key → the record types that have a field of that key (a rule's field lists
    # offer the fields of its record type only)
    custom_types: dict[str, frozenset[RecordType]] = field(default_factory=dict)

    def person(self, user_id: str | None) -> str:
        if user_id is None:
            return "nobody"
        if user_id == self.me:
            return "me"
        return self.people.get(user_id, "an unknown person")

    def stage(self, stage_id: str | None) -> str:
        return self.stages.get(stage_id or "", "an unknown stage")

    def board(self, board_id: str | None) -> str:
        return self.boards.get(board_id or "", "an unknown board")

    def field(self, name: str) -> str:
        if name.startswith("custom_fields."):
            key = name.removeprefix("custom_fields.")
            return self.custom_labels.get(key, key)
        return FIELD_LABELS.get(name, name)

    def stage_record_type(self, stage_id: str | None) -> RecordType | None:
        """The record type of the board a stage is on (None: an unknown stage)."""
        return self.board_types.get(self.stage_boards.get(stage_id or "", ""))

    def trigger_record_type(self, trigger: Any) -> RecordType | None:
        """The record type a trigger fires on — what the rule's conditions and actions act on —
        or None when it fires on any record (or is malformed)."""
        if isinstance(trigger, (r.RecordCreated, r.FieldUpdated)):
            return trigger.record_type
        if isinstance(trigger, r.StageChanged):
            if trigger.board_id:
                return self.board_types.get(trigger.board_id)
            return self.stage_record_type(trigger.to_stage_id or trigger.from_stage_id)
        if isinstance(trigger, r.DaysInStage):
            return self.stage_record_type(trigger.stage_id)
        return None

    def move_problem(self, action: Any, record_type: RecordType | None) -> str | None:
        """Why a move-stage action cannot run on a rule of `record_type` (its stage is on another
        record type's board: the runner would find no card to move), or None."""
        if not isinstance(action, r.MoveStage) or record_type is None:
            return None
        on = self.stage_record_type(action.stage_id)
        if on is None or on == record_type:
            return None
        board = self.board(self.stage_boards.get(action.stage_id))
        return f"Stage: {self.stage(action.stage_id)} is on {board}, a board of {on.table}; " \
               f"this rule runs on {record_type.table}"

    def stage_on_board(self, stage_id: str | None) -> str:
        """A stage's name, with its board's when the workspace has more than one board of that
        record type ("Contacted (Outreach)"): a stage name alone does not say which board."""
        name = self.stage(stage_id)
        board_id = self.stage_boards.get(stage_id or "")
        kind = self.board_types.get(board_id or "")
        if kind is not None and sum(1 for t in self.board_types.values() if t == kind) > 1:
            return f"{name} ({self.board(board_id)})"
        return name

    def record_kind(self, *, board_id: str | None = None, stage_id: str | None = None,
                    record_type: RecordType | None = None) -> str:
        """"a deal" / "a contact" / "a record" (when nothing says which)."""
        if record_type is None and stage_id:
            board_id = board_id or self.stage_boards.get(stage_id)
        if record_type is None and board_id:
            record_type = self.board_types.get(board_id)
        if record_type is None:
            return "a record"
        return {"contact": "a contact", "company": "a company", "deal": "a deal"}[RecordType(record_type).value]


_OPS = {"eq": "is", "ne": "is not", "gt": "is more than", "gte": "is at least", "lt": "is less than",
        "lte": "is at most", "contains": "contains"}


_LINKS = ("company_id", "primary_contact_id")


def value_words(field_name: str, value: Any, names: RuleNames | None = None) -> str:
    """A value as a person reads it in a rule: a linked record, a person or a stage by name
    (never the raw id), a custom field's option by its label, an amount with its currency."""
    if value is None:
        return "empty"
    if names is not None:
        definition = names.custom_fields.get(field_name.removeprefix("custom_fields.")) \
            if field_name.startswith("custom_fields.") else None
        linked = value.get("id") if isinstance(value, dict) and definition is not None \
            and definition.type is CustomFieldType.LINK else value if field_name in _LINKS else None
        if isinstance(linked, str):
            return names.records.get(linked, "an unknown record")
        if field_name == "owner_id" and isinstance(value, str):
            return names.person(value)
        if field_name == "stage_id" and isinstance(value, str):
            return names.stage(value)
        if definition is not None and definition.type in (CustomFieldType.SELECT, CustomFieldType.MULTI_SELECT,
                                                          CustomFieldType.CURRENCY):
            shown = definition.format_value(value)
            return f"'{shown}'" if definition.type is CustomFieldType.SELECT else shown
    if isinstance(value, bool):
        return "yes" if value else "no"
    if field_name == "value_cents" and isinstance(value, int):
        return f"{value / 100:,.2f}"
    if isinstance(value, (int, float)):
        return f"{value:,}"
    if isinstance(value, list):
        return ", ".join(value_words(field_name, v) for v in value) or "nothing"
    return f"'{value}'"


def _days(n: int) -> str:
    return f"{n} day" if n == 1 else f"{n} days"


def _malformed(part: r.Malformed) -> str:
    said = f"{part.type_words} — {part.problem}" if part.type_words else part.problem
    return f"⚠ malformed {part.kind} ({said})"


def trigger_words(trigger: Any, names: RuleNames) -> str:
    if isinstance(trigger, r.Malformed):
        return _malformed(trigger)
    if isinstance(trigger, r.RecordCreated):
        return f"{names.record_kind(record_type=trigger.record_type)} is created"
    if isinstance(trigger, r.FieldUpdated):
        return f"{names.record_kind(record_type=trigger.record_type)}'s {names.field(trigger.field)} changes"
    if isinstance(trigger, r.StageChanged):
        kind = names.record_kind(board_id=trigger.board_id, stage_id=trigger.to_stage_id or trigger.from_stage_id)
        text = f"{kind}'s stage changes"
        if trigger.from_stage_id:
            text += f" from {names.stage(trigger.from_stage_id)}"
        if trigger.to_stage_id:
            text += f" to {names.stage(trigger.to_stage_id)}"
        elif trigger.to_stage_type:
            text += f" to a{'n' if trigger.to_stage_type.value == 'open' else ''} {trigger.to_stage_type.value} stage"
        if trigger.board_id:
            text += f" on {names.board(trigger.board_id)}"
        return text
    if isinstance(trigger, r.FieldMatches):
        return (f"a record's {names.field(trigger.field)} {_OPS[trigger.op]} "
                f"{value_words(trigger.field, trigger.value, names)}")
    if isinstance(trigger, r.DaysInStage):
        kind = names.record_kind(stage_id=trigger.stage_id)
        return f"{kind} has been in {names.stage(trigger.stage_id)} for {_days(trigger.days)}"
    if isinstance(trigger, r.DueDateApproaching):
        label = names.field(trigger.field)
        if trigger.days_before == 0:
            return f"a record's {label} is today"
        return f"a record's {label} is {_days(trigger.days_before)} away"
    return "something happens"  # pragma: no cover - every trigger model is named above


def condition_words(condition: Any, names: RuleNames) -> str:
    c = condition
    if isinstance(c, r.Malformed):
        return _malformed(c)
    if isinstance(c, r.OnBoard):
        return f"it is on {names.board(c.board_id)}"
    if isinstance(c, r.FieldEquals):
        return f"{names.field(c.field)} {'is not' if c.negate else 'is'} {value_words(c.field, c.value, names)}"
    if isinstance(c, r.FieldContains):
        return f"{names.field(c.field)} {'does not contain' if c.negate else 'contains'} '{c.value}'"
    if isinstance(c, r.FieldIsEmpty):
        return f"{names.field(c.field)} is {'not ' if c.negate else ''}empty"
    if isinstance(c, r.OwnerIs):
        return "it has no owner" if c.user_id is None else f"the owner is {names.person(c.user_id)}"
    if isinstance(c, r.OwnerIsNot):
        return "it has an owner" if c.user_id is None else f"the owner is not {names.person(c.user_id)}"
    if isinstance(c, r.TagApplied):
        return f"it is tagged '{c.tag}'"
    if isinstance(c, r.TagNotApplied):
        return f"it is not tagged '{c.tag}'"
    if isinstance(c, r.CreatedWithinDays):
        return f"it was created in the last {_days(c.days)}"
    return "something holds"  # pragma: no cover


def _who(user: str, names: RuleNames) -> str:
    return "the owner" if user == "owner" else names.person(user)


def action_words(action: Any, names: RuleNames) -> str:
    a = action
    if isinstance(a, r.Malformed):
        return _malformed(a)
    if isinstance(a, r.AssignOwner):
        if a.mode == "direct":
            return f"assign it to {names.person(a.user_id)}"
        people = [names.person(u) for u in a.user_ids]
        listed = people[0] if len(people) == 1 else ", ".join(people[:-1]) + " and " + people[-1]
        return f"assign it in turn to {listed}"
    if isinstance(a, r.MoveStage):
        return f"move it to {names.stage_on_board(a.stage_id)}"
    if isinstance(a, r.AddTag):
        return f"tag it '{a.tag}'"
    if isinstance(a, r.RemoveTag):
        return f"remove the tag '{a.tag}'"
    if isinstance(a, r.CreateTask):
        text = f"create task '{a.title}'"
        if a.assign_to != "owner":
            text += f" for {names.person(a.assign_to)}"
        if a.due_in_days is not None:
            text += " due today" if a.due_in_days == 0 else f" due in {_days(a.due_in_days)}"
        return text
    if isinstance(a, r.Notify):
        return f"notify {_who(a.user, names)}: '{a.message}'"
    if isinstance(a, r.SetField):
        return f"set {names.field(a.field)} to {value_words(a.field, a.value, names)}"
    if isinstance(a, r.SendWebhook):
        return f"send a webhook ({a.method} {a.url})"
    return "do something"  # pragma: no cover


def rule_words(rule: r.Rule, names: RuleNames) -> str:
    """The whole rule in one line: WHEN … [IF … and …] THEN …, then …."""
    text = f"WHEN {trigger_words(rule.trigger, names)}"
    if rule.conditions:
        text += " IF " + " and ".join(condition_words(c, names) for c in rule.conditions)
    if rule.actions:
        text += " THEN " + ", then ".join(action_words(a, names) for a in rule.actions)
    else:
        text += " THEN nothing (no actions)"
    for problem in rule.problems:
        text += f" ⚠ {problem}"
    return text

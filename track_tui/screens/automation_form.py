"""Create or edit an automation (admins): its name and its WHEN / IF / THEN parts.

A rule's parts are JSON objects (the shape the web app stores, see models/automation_rules.py);
the form shows them as one line of JSON each — the trigger, the list of conditions and the list
of actions — and the three pickers open a form for every trigger, condition and action of
PRODUCT.md (screens/rule_part_form.py: stages, boards and people picked by name), started from a
template filled with this workspace's first board, stage and the person; what it returns
replaces the trigger or is added to its list. The JSON lines stay editable for fine changes.
As the person types, the rule is read again and shown in words under the fields, or the first
rule it breaks is named ("Action 2: title: missing"); saving is refused until it is whole.
Everything is saved through the store's write path (`save_automation`).
"""

from __future__ import annotations

import json
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Select, Static

from ..models import Automation
from ..models import automation_rules as r
from ..models.automation_words import RuleNames, rule_words
from ..store import InvalidInput, NotFound, Store
from ..widgets.plain_text import PlainLabel
from ..widgets.safe_input import SafeInput


def templates(names: RuleNames) -> dict[str, dict[str, dict[str, Any]]]:
    """A starting object for every kind of part, filled with ids of this workspace."""
    board = next(iter(names.boards), "")
    stage = next((s for s, b in names.stage_boards.items() if b == board), next(iter(names.stages), ""))
    me = names.me or next(iter(names.people), "")
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
            "field_is_empty": {"type": "field_is_empty", "field": "close_date"},
            "owner_is": {"type": "owner_is", "user_id": me},
            "owner_is_not": {"type": "owner_is_not", "user_id": me},
            "tag_applied": {"type": "tag_applied", "tag": "vip"},
            "tag_not_applied": {"type": "tag_not_applied", "tag": "vip"},
            "created_within_days": {"type": "created_within_days", "days": 30},
        },
        "action": {
            "assign_owner": {"type": "assign_owner", "mode": "direct", "user_id": me},
            "move_stage": {"type": "move_stage", "stage_id": stage},
            "add_tag": {"type": "add_tag", "tag": "vip"},
            "remove_tag": {"type": "remove_tag", "tag": "vip"},
            "create_task": {"type": "create_task", "title": "Follow up", "assign_to": "owner", "due_in_days": 2},
            "notify": {"type": "notify", "user": "owner", "message": "Have a look"},
            "set_field": {"type": "set_field", "field": "probability", "value": 50},
            "send_webhook": {"type": "send_webhook", "url": "https://example.com/hook", "method": "POST"},
        },
    }


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


class AutomationFormScreen(ModalScreen[str | None]):
    """Returns the saved automation's id, or None when cancelled."""

    BINDINGS = [
        Binding("escape", "dismiss(None)", "Cancel", id="dialog.cancel"),
        Binding("ctrl+s", "save", "Save", id="automation_form.save"),
    ]

    def __init__(self, store: Store, automation: Automation | None, names: RuleNames) -> None:
        super().__init__()
        self.store = store
        self.automation = automation
        self.names = names
        self.templates = templates(names)
        self.problem: str | None = None

    def compose(self) -> ComposeResult:
        a = self.automation
        with Vertical(classes="dialog", id="automation-form"):
            yield Static("Edit automation" if a else "New automation", classes="dialog-title")
            yield Static("Name", classes="field-label")
            yield SafeInput(value=a.name if a else "", placeholder="What the rule is called", id="rule-name", select_on_focus=False)
            with Horizontal(id="rule-pickers"):
                yield Select([(k, k) for k in self.templates["trigger"]], prompt="WHEN…", id="pick-trigger")
                yield Select([(k, k) for k in self.templates["condition"]], prompt="+ IF…", id="pick-condition")
                yield Select([(k, k) for k in self.templates["action"]], prompt="+ THEN…", id="pick-action")
            yield Static("WHEN — the trigger (a JSON object)", classes="field-label")
            yield SafeInput(value=_dump(a.trigger) if a else "", placeholder="pick a trigger above", id="rule-trigger", select_on_focus=False)
            yield Static("IF — the conditions (a JSON list; [] for none)", classes="field-label")
            yield SafeInput(value=_dump(a.conditions) if a else "[]", placeholder="[]", id="rule-conditions", select_on_focus=False)
            yield Static("THEN — the actions (a JSON list)", classes="field-label")
            yield SafeInput(value=_dump(a.actions) if a else "[]", placeholder="[]", id="rule-actions", select_on_focus=False)
            yield PlainLabel("", id="rule-preview", classes="dialog-hint")
            yield PlainLabel("", id="error", classes="dialog-error")
            yield Static("Enter or ctrl+s saves · Tab next field · Esc cancels", classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one("#rule-name", Input).focus()
        self.check()

    # -- reading the form ------------------------------------------------------------------

    def _json(self, field_id: str, label: str) -> Any:
        text = self.query_one(f"#{field_id}", Input).value.strip()
        if not text:
            raise ValueError(f"{label}: empty (write a JSON {'object' if field_id == 'rule-trigger' else 'list'})")
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{label}: not JSON ({exc.msg} at character {exc.pos + 1})") from None

    def read(self) -> tuple[str, Any, Any, Any]:
        """(name, trigger, conditions, actions); raises ValueError naming the rule broken."""
        name = self.query_one("#rule-name", Input).value.strip()
        trigger = self._json("rule-trigger", "Trigger")
        conditions = self._json("rule-conditions", "Conditions")
        actions = self._json("rule-actions", "Actions")
        if not name:
            raise ValueError("Name: an automation needs a name")
        if not isinstance(trigger, dict):
            raise ValueError("Trigger: must be a JSON object ({…})")
        for label, value in (("Conditions", conditions), ("Actions", actions)):
            if not isinstance(value, list):
                raise ValueError(f"{label}: must be a JSON list ([…])")
        rule = r.Rule.read(trigger, conditions, actions)
        if isinstance(rule.trigger, r.Malformed):
            raise ValueError(f"Trigger: {rule.trigger.problem}")
        for i, part in enumerate(rule.conditions, 1):
            if isinstance(part, r.Malformed):
                raise ValueError(f"Condition {i}: {part.problem}")
        for i, part in enumerate(rule.actions, 1):
            if isinstance(part, r.Malformed):
                raise ValueError(f"Action {i}: {part.problem}")
        if not rule.actions:
            raise ValueError("Actions: a rule needs at least one action")
        return name, trigger, conditions, actions

    @on(Input.Changed)
    def check(self) -> None:
        """Validate as the person types: the rule in words, or the rule broken."""
        preview = self.query_one("#rule-preview", PlainLabel)
        error = self.query_one("#error", PlainLabel)
        try:
            name, trigger, conditions, actions = self.read()
        except ValueError as exc:
            self.problem = str(exc)
            error.update(self.problem)
            preview.update("")
            return
        self.problem = None
        error.update("")
        preview.update(rule_words(r.Rule.read(trigger, conditions, actions), self.names))

    # -- templates -------------------------------------------------------------------------

    @on(Select.Changed)
    def _picked(self, event: Select.Changed) -> None:
        """A kind picked: its form opens with the template filled in; what it returns is put in."""
        if not isinstance(event.value, str):  # cleared after a pick (Select's blank)
            return
        from .rule_part_form import RulePartScreen

        kind = {"pick-trigger": "trigger", "pick-condition": "condition", "pick-action": "action"}[event.select.id]
        part_type = str(event.value)
        event.select.clear()
        self.app.push_screen(RulePartScreen(kind, part_type, self.names, self.templates[kind][part_type]),
                             lambda part: self.put_part(kind, part))

    def put_part(self, kind: str, part: dict[str, Any] | None) -> None:
        """The trigger replaced, or a condition / action added at the end of its list."""
        if part is None:
            return
        if kind == "trigger":
            self.query_one("#rule-trigger", Input).value = _dump(part)
            return
        field = self.query_one(f"#rule-{kind}s", Input)
        try:
            current = json.loads(field.value or "[]")
        except json.JSONDecodeError:
            current = None
        if not isinstance(current, list):
            self.query_one("#error", PlainLabel).update(
                f"{kind.capitalize()}s: fix the list first (it is not a JSON list), then add")
            return
        field.value = _dump([*current, part])

    # -- saving ----------------------------------------------------------------------------

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_save()

    def action_save(self) -> None:
        error = self.query_one("#error", PlainLabel)
        try:
            name, trigger, conditions, actions = self.read()
        except ValueError as exc:
            error.update(str(exc))
            return
        if self.automation is not None:
            automation = self.automation.model_copy(update={
                "name": name, "trigger": trigger, "conditions": conditions, "actions": actions})
        else:
            automation = Automation(workspace_id=self.store.workspace_id, name=name, trigger=trigger,
                                    conditions=conditions, actions=actions, is_enabled=True)
        try:
            saved = self.store.save_automation(automation)
        except (InvalidInput, NotFound) as exc:
            error.update(str(exc))
            return
        self.dismiss(saved.id if saved is not None else automation.id)

"""Create or edit an automation (admins): its name and its WHEN / IF / THEN parts.

The rule shows as a list, one line per part in words — WHEN the trigger, IF each condition,
THEN each action — with a line to add a condition and one to add an action. Enter on a part
opens its form (screens/rule_part_form.py: the kind, then a field per parameter — stages,
boards and people picked by name, days as "2 days", a field's value as the field takes it),
filled with the stored value; what it returns replaces the part. Enter on an "add" line opens
the same form for a new part. `d` removes a condition or an action, shift+↑ / shift+↓ move one
within its list (actions run in order). A part stored in a shape this client cannot read shows
as "⚠ malformed …" and Enter opens a form to replace it; the rest of the rule is unaffected.

Advanced: ctrl+o shows the three parts as JSON lines instead (the trigger object, the lists of
conditions and of actions), for what the forms do not say. The JSON lines are what the form
holds either way — the list is drawn from them and the part forms write into them — so both
views always agree. As the person types, the rule is read again and shown in words under the
list, or the first rule it breaks is named ("Action 2: tag: missing"); saving is refused until
it is whole ("Action 2 (add tag) — Tag: must not be empty", worded as the part form words it). Everything is saved through the store's write path (`save_automation`).
"""

from __future__ import annotations

import json
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from ..models import Automation, RecordType
from ..models import automation_rules as r
from ..models.automation_words import RuleNames, action_words, condition_words, rule_words, trigger_words
from ..safe_text import safe_line
from ..store import InvalidInput, NotFound, Store
from ..store.automation_mutations import NAME_MAX
from ..widgets.plain_text import PlainLabel
from ..widgets.safe_input import SafeInput
from .dialog_base import Dialog
from .rule_part_form import RulePartScreen, templates

__all__ = ["AutomationFormScreen", "RulePartsList", "templates"]

LIST_FIELDS = {"condition": "rule-conditions", "action": "rule-actions"}
# What a rule with no trigger yet asks for: a prompt in words (a new form shows it before anything is
# typed, as a hint; ctrl+s on a rule still without one says it on the error line).
TRIGGER_PROMPT = "Trigger: choose what starts this rule — Enter on WHEN"


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


class RulePartsList(OptionList):
    """The rule's parts; its keys edit, remove and move the highlighted one."""

    BINDINGS = [
        Binding("d,delete", "screen.remove_part", "Remove", id="automation_form.remove"),
        Binding("shift+up,ctrl+up", "screen.move_part(-1)", "Move up", id="automation_form.move_up", show=False),
        Binding("shift+down,ctrl+down", "screen.move_part(1)", "Move down", id="automation_form.move_down",
                show=False),
    ]


class AutomationFormScreen(Dialog[str]):
    """Returns the saved automation's id, or None when cancelled (Esc asks first when the rule
    was changed: a rule built part by part is not lost to one key)."""

    BINDINGS = [
        Binding("ctrl+o", "toggle_json", "JSON", id="automation_form.json"),
    ]
    FOCUS = "rule-name"
    DIALOG_CLASSES = "automation-form"
    DISCARD_QUESTION = "Esc again discards what you changed · ctrl+s saves it"

    def __init__(self, store: Store, automation: Automation | None, names: RuleNames) -> None:
        super().__init__("Edit automation" if automation else "New automation",
                         hint="ctrl+s saves · ctrl+o JSON (advanced) · Tab next field · Esc cancels")
        self.store = store
        self.automation = automation
        self.names = names
        self.templates = templates(names)
        self.problem: str | None = None
        self.parts: list[str] = []  # the option ids of the list, in order
        self._opened_rule: tuple[str, ...] = ()
        self._save_tried = False

    def compose_body(self) -> ComposeResult:
        a = self.automation
        yield Static("Name", classes="field-label")
        yield SafeInput(value=a.name if a else "", placeholder="What the rule is called", id="rule-name", select_on_focus=False)
        yield Static("The rule — Enter edits a part or adds one · d removes · shift+↑↓ moves", classes="field-label",
                     id="parts-label")
        yield RulePartsList(id="rule-parts")
        with Vertical(id="rule-json"):
            yield Static("WHEN — the trigger (a JSON object)", classes="field-label")
            yield SafeInput(value=_dump(a.trigger) if a else "", placeholder="a JSON object", id="rule-trigger",
                            select_on_focus=False)
            yield Static("IF — the conditions (a JSON list; [] for none)", classes="field-label")
            yield SafeInput(value=_dump(a.conditions) if a else "[]", placeholder="[]", id="rule-conditions",
                            select_on_focus=False)
            yield Static("THEN — the actions (a JSON list)", classes="field-label")
            yield SafeInput(value=_dump(a.actions) if a else "[]", placeholder="[]", id="rule-actions",
                            select_on_focus=False)
        yield PlainLabel("", id="rule-preview", classes="dialog-hint")

    def on_mount(self) -> None:
        """Runs before the base's (which hides the error line): the rule is checked after it."""
        self.query_one("#rule-json").display = False
        self._draw_parts()
        self._opened_rule = self._rule_text()
        self.call_after_refresh(self.check)

    def _rule_text(self) -> tuple[str, ...]:
        return tuple(self.query_one(f"#{i}", Input).value for i in ("rule-name", "rule-trigger", *LIST_FIELDS.values()))

    def has_changes(self) -> bool:
        """The name or a part differs from what the form opened with (a part put in by its form
        counts, though nothing was typed here)."""
        return self.is_mounted and self._rule_text() != self._opened_rule

    # -- the JSON the form holds -----------------------------------------------------------

    def _input(self, kind: str) -> Input:
        return self.query_one("#rule-trigger" if kind == "trigger" else f"#{LIST_FIELDS[kind]}", Input)

    def _loaded(self, kind: str) -> Any:
        """The JSON in a line, or a ValueError (never for what the forms wrote)."""
        return json.loads(self._input(kind).value or ("[]" if kind != "trigger" else "null"))

    def _list(self, kind: str) -> list[Any] | None:
        try:
            value = self._loaded(kind)
        except json.JSONDecodeError:
            return None
        return value if isinstance(value, list) else None

    def _json(self, field_id: str, label: str) -> Any:
        text = self.query_one(f"#{field_id}", Input).value.strip()
        if not text:
            if field_id == "rule-trigger":
                raise ValueError(TRIGGER_PROMPT)
            raise ValueError(f"{label}: empty (write a JSON list)")
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
        if len(name) > NAME_MAX:
            raise ValueError(f"Name: an automation's name is at most {NAME_MAX} characters")
        if not isinstance(trigger, dict):
            raise ValueError("Trigger: must be a JSON object ({…})")
        for label, value in (("Conditions", conditions), ("Actions", actions)):
            if not isinstance(value, list):
                raise ValueError(f"{label}: must be a JSON list ([…])")
        rule = r.Rule.read(trigger, conditions, actions)
        if isinstance(rule.trigger, r.Malformed):
            raise ValueError(f"{rule.trigger.where('Trigger')} — {rule.trigger.problem}")
        for i, part in enumerate(rule.conditions, 1):
            if isinstance(part, r.Malformed):
                raise ValueError(f"{part.where(f'Condition {i}')} — {part.problem}")
        record_type = self.names.trigger_record_type(rule.trigger)
        for i, part in enumerate(rule.actions, 1):
            if isinstance(part, r.Malformed):
                raise ValueError(f"{part.where(f'Action {i}')} — {part.problem}")
            problem = self.names.move_problem(part, record_type)  # e.g. the trigger changed type after
            if problem:
                raise ValueError(f"Action {i} (move stage) — {problem}")
        if not rule.actions:
            raise ValueError("Actions: a rule needs at least one action")
        return name, trigger, conditions, actions

    @on(Input.Changed)
    def check(self) -> None:
        """Validate as the person types: the rule in words, or the rule broken; the list redrawn."""
        self.changed()
        self._draw_parts()
        preview = self.query_one("#rule-preview", PlainLabel)
        try:
            name, trigger, conditions, actions = self.read()
        except ValueError as exc:
            self.problem = str(exc)
            if self._untouched():  # a new form: what to do first, not an error for what was not done
                self.show_error("")
                preview.update(TRIGGER_PROMPT if self._input("trigger").value.strip() in ("", "null", "{}")
                               else "")
                return
            self.show_error(self.problem)
            preview.update("")
            return
        self.problem = None
        self.show_error("")
        preview.update(rule_words(r.Rule.read(trigger, conditions, actions), self.names))

    def _untouched(self) -> bool:
        """A new rule's form nothing was done in yet (saving tried counts as done: the reason it
        was refused stays). A stored rule's form says its problems at once: they are the stored
        rule's."""
        return self.automation is None and not self._save_tried and not self.has_changes()

    # -- the list of parts -----------------------------------------------------------------

    def _line(self, head: str, words: str, *, malformed: bool = False) -> Text:
        line = Text(no_wrap=True, overflow="ellipsis")
        line.append(f"{head:<5} ", style="bold")
        line.append(safe_line(words), style="bold" if malformed else "")
        if malformed:
            line.append(" — Enter replaces it", style="italic")
        return line

    def _draw_parts(self) -> None:
        options: list[Option] = []
        try:
            trigger = self._loaded("trigger")
        except json.JSONDecodeError:
            options.append(Option(self._line("WHEN", "⚠ the trigger is not JSON: fix it in the JSON view (ctrl+o)",
                                             malformed=True), id="broken:trigger"))
        else:
            if trigger is None or trigger == {}:
                options.append(Option(self._line("WHEN", "… (no trigger yet: Enter picks one)"), id="trigger"))
            else:
                part = r.parse_part("trigger", trigger)
                options.append(Option(self._line("WHEN", trigger_words(part, self.names),
                                                 malformed=isinstance(part, r.Malformed)), id="trigger"))
        for kind, head, words in (("condition", "IF", condition_words), ("action", "THEN", action_words)):
            items = self._list(kind)
            if items is None:
                options.append(Option(self._line(head, f"⚠ the {kind}s are not a JSON list: fix them in the JSON "
                                                 "view (ctrl+o)", malformed=True), id=f"broken:{kind}"))
                continue
            for index, raw in enumerate(items):
                part = r.parse_part(kind, raw)
                shown = head if index == 0 else ("and" if kind == "condition" else "then")
                options.append(Option(self._line(shown, words(part, self.names), malformed=isinstance(part, r.Malformed)),
                                      id=f"{kind}:{index}"))
            options.append(Option(Text(f"{'':5} + add {'a condition' if kind == 'condition' else 'an action'}",
                                       style="italic"), id=f"add:{kind}"))
        parts = self.query_one("#rule-parts", RulePartsList)
        keep = parts.highlighted
        ids = [o.id or "" for o in options]
        if ids == self.parts and parts.option_count == len(options):
            for index, option in enumerate(options):  # same shape: the lines change in place
                parts.replace_option_prompt_at_index(index, option.prompt)
            return
        self.parts = ids
        parts.clear_options()
        parts.add_options(options)
        if options:
            parts.highlighted = min(keep or 0, len(options) - 1)

    def _focus_part(self, option_id: str) -> None:
        parts = self.query_one("#rule-parts", RulePartsList)
        if option_id in self.parts:
            parts.highlighted = self.parts.index(option_id)

    @property
    def current_part(self) -> str | None:
        parts = self.query_one("#rule-parts", RulePartsList)
        index = parts.highlighted
        return self.parts[index] if index is not None and 0 <= index < len(self.parts) else None

    @on(OptionList.OptionSelected, "#rule-parts")
    def _part_chosen(self, event: OptionList.OptionSelected) -> None:
        self.edit_part(event.option.id or "")

    def edit_part(self, option_id: str) -> None:
        """Open the form of a part (filled with its stored value), or of a new one."""
        if option_id.startswith("broken:"):
            self.action_toggle_json()
            return
        kind, _, place = option_id.partition(":")
        if kind == "add":
            kind, index, raw = place, None, None
            title = f"New {kind}"
        elif kind == "trigger":
            index = None
            raw = self._loaded("trigger")
            raw = None if raw in (None, {}) else raw
            title = "Trigger (WHEN)"
        else:
            items = self._list(kind) or []
            index = int(place)
            if index >= len(items):
                return
            raw = items[index]
            title = f"{kind.capitalize()} {index + 1}"
        part = r.parse_part(kind, raw) if raw is not None else None
        problem = part.problem if isinstance(part, r.Malformed) else None
        part_type = part.type if part is not None else None
        initial = raw if isinstance(part, r.Malformed) else (part.stored() if part is not None else None)
        if problem:
            title += " — malformed"
        self.app.push_screen(
            RulePartScreen(kind, part_type, self.names, initial, title=title, problem=problem, store=self.store,
                           record_type=self._rule_type()),
            lambda result: self.put_part(kind, result, index),
        )

    def _rule_type(self) -> RecordType | None:
        """The record type the rule's trigger fires on, as the form holds it now (None: any)."""
        try:
            trigger = self._loaded("trigger")
        except json.JSONDecodeError:
            return None
        return self.names.trigger_record_type(r.parse_part("trigger", trigger)) if isinstance(trigger, dict) else None

    def put_part(self, kind: str, part: dict[str, Any] | None, index: int | None = None) -> None:
        """The trigger replaced, a condition / action replaced at `index`, or added at the end."""
        if part is None:
            return
        if kind == "trigger":
            self._input("trigger").value = _dump(part)
            self.call_after_refresh(self._focus_part, "trigger")
            return
        current = self._list(kind)
        if current is None:
            self.show_error(f"{kind.capitalize()}s: fix the list first (it is not a JSON list), then add")
            return
        if index is None or index >= len(current):
            current.append(part)
            index = len(current) - 1
        else:
            current[index] = part
        self._input(kind).value = _dump(current)
        self.call_after_refresh(self._focus_part, f"{kind}:{index}")

    def action_remove_part(self) -> None:
        option_id = self.current_part or ""
        kind, _, place = option_id.partition(":")
        if kind == "trigger":
            self.show_error("Trigger: a rule needs one; Enter replaces it")
            return
        if kind not in LIST_FIELDS or not place.isdigit():
            return
        items = self._list(kind)
        if items is None or int(place) >= len(items):
            return
        del items[int(place)]
        self._input(kind).value = _dump(items)

    def action_move_part(self, delta: int) -> None:
        kind, _, place = (self.current_part or "").partition(":")
        if kind not in LIST_FIELDS or not place.isdigit():
            return
        items = self._list(kind)
        index, target = int(place), int(place) + delta
        if items is None or not (0 <= target < len(items)):
            return
        items[index], items[target] = items[target], items[index]
        self._input(kind).value = _dump(items)
        self.call_after_refresh(self._focus_part, f"{kind}:{target}")

    # -- the advanced view -----------------------------------------------------------------

    def action_toggle_json(self) -> None:
        """The JSON lines instead of the list, or back."""
        box = self.query_one("#rule-json")
        showing = not box.display
        box.display = showing
        self.query_one("#rule-parts").display = not showing
        self.query_one("#parts-label").display = not showing
        (self.query_one("#rule-trigger", Input) if showing else self.query_one("#rule-parts")).focus()

    # -- saving ----------------------------------------------------------------------------

    def submit(self) -> None:
        """Enter in a line or ctrl+s: the rule saved through the store, or the rule it breaks."""
        self._save_tried = True
        try:
            name, trigger, conditions, actions = self.read()
        except ValueError as exc:
            self.show_error(str(exc))
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
            self.show_error(str(exc))
            return
        self.finish(saved.id if saved is not None else automation.id)

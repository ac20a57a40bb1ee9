"""Changing automations: enable/disable, create and edit (admins only, like the server's policy).

Each is one write action through the one write path, so it reaches the outbox. The rule's parts
are stored as JSON the web app reads (`Rule.stored()`); a new or edited rule must be whole
(every part fits its model, at least one action), while a toggle or a rename of a rule the web
app stored in a shape this client cannot read keeps that shape untouched.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..models import Automation
from ..models.automation_rules import Rule
from . import automation_runner
from .actions import returns, returns_arg, write_action
from .errors import InvalidInput
from .permissions import Action

if TYPE_CHECKING:
    from .store import Store


NAME_MAX = 200


def check_rule(name: str, trigger: Any, conditions: Any, actions: Any) -> None:
    """Refuse a rule that is not whole, naming the part and the rule it breaks."""
    if not (name or "").strip():
        raise InvalidInput("Name", "an automation needs a name")
    if len(name.strip()) > NAME_MAX:  # as boards, stages and fields: a name fits a list's line
        raise InvalidInput("Name", f"an automation's name is at most {NAME_MAX} characters")
    rule = Rule.read(trigger, conditions, actions)
    for problem in rule.problems:
        raise InvalidInput("Rule", problem)
    for part in rule.malformed:
        raise InvalidInput(part.kind.capitalize(), part.problem)
    if not rule.actions:
        raise InvalidInput("Actions", "a rule needs at least one action")


class AutomationMutations:
    """Mixed into :class:`Store`; `self` is the store."""

    def _require(self: "Store", action: Action) -> None:
        if not self.can(action):
            raise self.not_allowed(action)

    @write_action("the automation switch")
    def set_automation_enabled(self: "Store", automation_id: str, enabled: bool) -> None:
        self._require(Action.EDIT_AUTOMATIONS)
        with self.transaction() as tx:
            tx.update("automations", automation_id, {"is_enabled": bool(enabled)})

    @write_action("the automation", deferred=returns_arg(0, "automation"))
    def save_automation(self: "Store", automation: Automation) -> Automation:
        """Create `automation`, or replace the name and rule of the stored one with that id."""
        self._require(Action.EDIT_AUTOMATIONS)
        name = (automation.name or "").strip()
        check_rule(name, automation.trigger, automation.conditions, automation.actions)
        with self.transaction() as tx:
            exists = tx.conn.execute("SELECT 1 FROM automations WHERE id = ?", (automation.id,)).fetchone()
            if exists:
                tx.update("automations", automation.id, {
                    "name": name, "trigger": automation.trigger, "conditions": automation.conditions,
                    "actions": automation.actions, "is_enabled": automation.is_enabled,
                })
            else:
                automation.workspace_id = tx.workspace_id
                automation.name = name
                tx.insert(automation)
        return automation

    @write_action("the scheduled automations", deferred=returns(0))
    def run_scheduled_automations(self: "Store") -> int:
        """Run the clock's triggers (N days in stage, due date approaching) on the records that
        reached them — only when the store stands alone (no server runs them); how many ran.

        Not undoable with `u`: the clock did this, not the person, so `u` keeps meaning "take
        back my last step" (it never silently takes back an automation the person did not see
        run, nor clears their redo). Undoing it would also be futile: the undo removes the
        runs that say each record has had its nudge, so the next tick would fire the rule
        again on the same records. What a run made is the person's to change like any row
        (mark the task done, delete it); the run log and the audit log, where the automation
        is named as the actor, say what it did."""
        if not self.standalone or self.read_only:
            return 0
        with self.transaction(undoable=False) as tx:
            return automation_runner.run_scheduled(self, tx)

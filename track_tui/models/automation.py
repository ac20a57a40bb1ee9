"""Automations (WHEN trigger [IF conditions] THEN actions) and the runner's log.

The runner is a server-side Edge Function (in the demo, :mod:`track_tui.store.automation_runner`);
the terminal shows rules and runs, toggles `is_enabled` and edits rules. The JSON columns are
kept as stored (any JSON: the web app owns them, and a malformed value must still show); their
meaning is read by :attr:`Automation.rule` (:mod:`.automation_rules`), which never raises.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from pydantic import Field

from .automation_rules import Rule
from .base import Row, WorkspaceRow, utc_now
from .enums import RunStatus
from .numbers import INT_MAX
from .text import LONG_TEXT_MAX

TRIGGER_TYPES = (
    "record_created", "field_updated", "stage_changed", "field_matches", "days_in_stage",
    "due_date_approaching",
)
ACTION_TYPES = (
    "assign_owner", "move_stage", "add_tag", "remove_tag", "create_task", "notify",
    "set_field", "send_webhook",
)


class Automation(WorkspaceRow):
    TABLE: ClassVar[str] = "automations"

    name: str = Field(min_length=1)
    trigger: Any = Field(default_factory=dict)
    conditions: Any = Field(default_factory=list)
    actions: Any = Field(default_factory=list)
    is_enabled: bool = True
    created_at: datetime = Field(default_factory=utc_now)

    @property
    def rule(self) -> Rule:
        """The trigger, conditions and actions as models (malformed parts marked, never raised)."""
        return Rule.read(self.trigger, self.conditions, self.actions)


class AutomationRun(Row):
    TABLE: ClassVar[str] = "automation_runs"
    TEXT_LIMITS: ClassVar[dict[str, int]] = {"error": LONG_TEXT_MAX}

    automation_id: str
    record_id: str | None = None
    status: RunStatus
    duration_ms: int | None = Field(default=None, ge=0, le=INT_MAX)
    error: str | None = None
    run_at: datetime = Field(default_factory=utc_now)
    workspace_id: str | None = None

"""Automations (WHEN trigger [IF conditions] THEN actions) and the runner's log.

The runner is a server-side Edge Function; the terminal shows rules and runs and toggles
`is_enabled`. The JSON shapes are kept loose (dicts) because the web app owns them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from pydantic import Field

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

    name: str
    trigger: dict[str, Any]
    conditions: list[dict[str, Any]] = Field(default_factory=list)
    actions: list[dict[str, Any]] = Field(default_factory=list)
    is_enabled: bool = True
    created_at: datetime = Field(default_factory=utc_now)


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

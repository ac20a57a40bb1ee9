"""Timeline entries (what happened on a record) and tasks (what happens next)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

from .base import WorkspaceRow, utc_now
from .enums import EntryType, RecordType, RunStatus, TaskStatus
from .text import JSON_MAX, LONG_TEXT_MAX

DEFAULT_CALL_DISPOSITIONS = ("connected", "voicemail", "no-answer", "bad-number")


class RunKind(StrEnum):
    """The record page's timeline shows automation runs beside its entries; a run is no entry
    type (it lives in `automation_runs`), so the timeline filter names it with this kind."""

    AUTOMATION_RUN = "automation_run"


# Everything the record page's timeline filter can choose: the entry types, then runs.
TIMELINE_KINDS: tuple[EntryType | RunKind, ...] = (*EntryType, RunKind.AUTOMATION_RUN)


class TimelineEntry(WorkspaceRow):
    """One event on a record. Notes keep Markdown in `body`; typed events keep details in `payload`.

    Payload shapes written by this client:
    - stage_change: {"board_id", "from_stage_id", "from_stage", "to_stage_id", "to_stage"}
    - field_edit: {"field", "label", "old", "new"}
    - call: {"duration_seconds", "disposition"}; the summary is the body
    - email: {"subject", "direction"}; meeting: {"title", "starts_at", "duration_minutes"}
    - task: {"task_id", "title", "action": "created" | "completed"}
    """

    TABLE: ClassVar[str] = "timeline_entries"
    # A field edit's payload holds the old and the new value of a custom field (each up to a
    # record's whole JSON), so it may be twice that.
    TEXT_LIMITS: ClassVar[dict[str, int]] = {"body": LONG_TEXT_MAX, "payload": 2 * JSON_MAX + 1_000}

    record_type: RecordType
    record_id: str
    entry_type: EntryType
    author_id: str | None = None
    body: str | None = None
    payload: dict[str, Any] = Field(default_factory=dict)
    created_at: datetime = Field(default_factory=utc_now)


class Task(WorkspaceRow):
    TABLE: ClassVar[str] = "tasks"
    TEXT_LIMITS: ClassVar[dict[str, int]] = {"description": LONG_TEXT_MAX}

    record_type: RecordType | None = None
    record_id: str | None = None
    title: str
    description: str | None = None
    assigned_to: str | None = None
    due_date: date | None = None
    status: TaskStatus = TaskStatus.OPEN
    source_entry_id: str | None = None
    created_at: datetime = Field(default_factory=utc_now)

    @field_validator("title")
    @classmethod
    def _title_required(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("a task needs a title")
        return value

    def is_overdue(self, today: date) -> bool:
        return self.status != TaskStatus.DONE and self.due_date is not None and self.due_date < today


class AutomationRunEntry(BaseModel):
    """An automation's run on a record, as the record's timeline shows it beside its entries.

    Not a `timeline_entries` row: runs live in `automation_runs` (the runner writes them, and
    the run log lists them); the record's timeline query reads both and orders them by time, so
    a person sees what an automation did to the record where they see everything else. `did`
    is the rule's actions in words as the rule stands now (a run stores no copy of them)."""

    model_config = ConfigDict(frozen=True)

    id: str  # the run's id
    automation_id: str
    automation_name: str
    status: RunStatus
    error: str | None = None  # a failed run's reason, or what a successful one skipped
    duration_ms: int | None = None
    created_at: datetime  # the run's run_at
    did: str = ""
    author_id: None = None  # an automation, not a person: drawn as "Track"
    entry_type: None = None  # not an EntryType: code that dispatches on it sees "none of them"
    body: None = None

    @property
    def outcome(self) -> str:
        """"ok", "failed", or "skipped" (it ran, but left an action undone: a webhook without a
        server; `error` says which)."""
        if self.status == RunStatus.FAILED:
            return "failed"
        return "skipped" if self.error else "ok"

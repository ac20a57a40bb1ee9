"""Timeline entries (what happened on a record) and tasks (what happens next)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from pydantic import Field, field_validator

from .base import WorkspaceRow, utc_now
from .enums import EntryType, RecordType, TaskStatus
from .text import JSON_MAX, LONG_TEXT_MAX

DEFAULT_CALL_DISPOSITIONS = ("connected", "voicemail", "no-answer", "bad-number")


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

"""The base of every row model: one pydantic model per table of the database reference.

Each model names its table in `TABLE` and carries the sync columns the brief adds on the server
(`updated_at`, `version`). Unknown keys are ignored so a server that gains a column does not break
an older client.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field


def new_id() -> str:
    """A client-generated UUID: a record made offline keeps it forever (brief, data flow 3)."""
    return str(uuid.uuid4())


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


class Row(BaseModel):
    """A row of a synced table."""

    # defer_build: a model's validator is built the first time it is used, not at import,
    # which keeps start-up short (most models are not touched before the first screen).
    model_config = ConfigDict(extra="ignore", validate_assignment=True, defer_build=True)

    TABLE: ClassVar[str] = ""

    id: str = Field(default_factory=new_id)
    updated_at: datetime | None = None
    version: int = 0


class WorkspaceRow(Row):
    """A row that belongs to one workspace directly."""

    workspace_id: str

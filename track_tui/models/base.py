"""The base of every row model: one pydantic model per table of the database reference.

Each model names its table in `TABLE` and carries the sync columns the brief adds on the server
(`updated_at`, `version`). Unknown keys are ignored so a server that gains a column does not break
an older client.

Every text a row holds — plain columns and the strings inside JSON columns — passes one check
(:mod:`.text`): no NUL characters or lone surrogates (PostgreSQL cannot store them) and a size
limit: one-line fields hold up to `LINE_MAX` characters, the fields a model names in
`TEXT_LIMITS` their own limit, JSON columns up to `JSON_MAX` characters. Whoever writes a row —
a person typing, `$EDITOR`, an import, sync — meets the same rules.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from .numbers import BIGINT_MAX
from .text import JSON_MAX, LINE_MAX, json_problem, text_problem


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
    # Field name → the most characters it holds, for fields longer than one line.
    TEXT_LIMITS: ClassVar[dict[str, int]] = {}

    id: str = Field(default_factory=new_id)
    updated_at: datetime | None = None
    version: int = Field(default=0, ge=0, le=BIGINT_MAX)

    # "before": ahead of pydantic's own checks, which would refuse a lone surrogate in a field
    # with a length constraint with a message nobody can act on.
    @field_validator("*", mode="before")
    @classmethod
    def _storable_text(cls, value: Any, info: ValidationInfo) -> Any:
        if isinstance(value, str):
            problem = text_problem(value, cls.TEXT_LIMITS.get(info.field_name or "", LINE_MAX))
        elif isinstance(value, (dict, list)):
            problem = json_problem(value, cls.TEXT_LIMITS.get(info.field_name or "", JSON_MAX))
        else:
            return value
        if problem:
            raise ValueError(problem)
        return value


class WorkspaceRow(Row):
    """A row that belongs to one workspace directly."""

    workspace_id: str

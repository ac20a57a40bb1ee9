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

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

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

    # One check per row (a validator per field cost twice the time of reading a row), "before"
    # pydantic's own checks, which would refuse a lone surrogate in a field with a length
    # constraint with a message nobody can act on. On assignment pydantic hands it every field.
    @model_validator(mode="before")
    @classmethod
    def _storable_text(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        fields, limits = cls.model_fields, cls.TEXT_LIMITS
        for name, value in data.items():
            if isinstance(value, str):
                limit = limits.get(name, LINE_MAX)
                if len(value) <= limit and value.isascii() and "\x00" not in value:
                    continue  # the common case, decided without a call
                problem = text_problem(value, limit) if name in fields else None
            elif isinstance(value, (dict, list)):
                if not value:
                    continue
                problem = json_problem(value, limits.get(name, JSON_MAX)) if name in fields else None
            else:
                continue
            if problem:
                # The field travels in the error's context: a model-level error has no location.
                raise PydanticCustomError("storable_text", "{problem}", {"field": name, "problem": problem})
        return data


class WorkspaceRow(Row):
    """A row that belongs to one workspace directly."""

    workspace_id: str

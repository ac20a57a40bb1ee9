"""The shared platform tables: profiles, workspaces, workspace members and the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from pydantic import Field

from .base import Row, WorkspaceRow, utc_now
from .enums import MemberRole
from .text import JSON_MAX, LONG_TEXT_MAX


class Profile(Row):
    """Extends auth.users: a person's display name and avatar (`id` is the auth user id)."""

    TABLE: ClassVar[str] = "profiles"
    # Storage URLs can be long (signed, with a token); they are written by the web app.
    TEXT_LIMITS: ClassVar[dict[str, int]] = {"avatar_url": 10_000}

    full_name: str = ""
    email: str | None = None
    avatar_url: str | None = None

    @property
    def initials(self) -> str:
        parts = [p for p in self.full_name.split() if p]
        return "".join(p[0] for p in parts[:2]).upper() or "?"


class Workspace(Row):
    TABLE: ClassVar[str] = "workspaces"

    name: str
    created_at: datetime = Field(default_factory=utc_now)


class WorkspaceMember(WorkspaceRow):
    TABLE: ClassVar[str] = "workspace_members"

    user_id: str
    role: MemberRole = MemberRole.MEMBER


class AuditLogEntry(WorkspaceRow):
    TABLE: ClassVar[str] = "audit_log"
    # Written by server triggers: a whole row before and after, long text included.
    TEXT_LIMITS: ClassVar[dict[str, int]] = {"old_data": LONG_TEXT_MAX + 2 * JSON_MAX, "new_data": LONG_TEXT_MAX + 2 * JSON_MAX}

    actor_id: str | None = None
    table_name: str
    record_id: str | None = None
    action: str
    old_data: dict[str, Any] | None = None
    new_data: dict[str, Any] | None = None
    created_at: datetime = Field(default_factory=utc_now)

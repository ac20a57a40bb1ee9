"""The signed-in person's workspaces, with their role in each, read through PostgREST.

Two plain queries: the person's ``workspace_members`` rows (RLS lets everyone read the members of
their own workspaces; we filter on ``user_id`` for ours), then the ``workspaces`` they name. One
query with an embedded resource (``workspaces(name)``) would do, but the test-suite's PostgREST
double does not embed, and two small reads cost nothing next to a sign-in.

A role the client does not know (a newer web app may add one) is treated as ``viewer``: the
least a person can do, so the UI never offers what the server would refuse.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..models.enums import MemberRole

if TYPE_CHECKING:  # the queries import supabase-py when they run (on the network runtime)
    from supabase import AsyncClient

MAX_WORKSPACES = 1000  # PostgREST's row cap on Supabase (db-max-rows)


@dataclass(frozen=True)
class WorkspaceChoice:
    id: str
    name: str
    role: MemberRole
    member_id: str | None = None  # the server's id of the membership row (the cache keeps it)


@dataclass(frozen=True)
class ProfileRow:
    id: str
    full_name: str
    avatar_url: str | None


def _role(value: object) -> MemberRole:
    try:
        return MemberRole(str(value))
    except ValueError:
        return MemberRole.VIEWER


async def my_workspaces(client: "AsyncClient", url: str, user_id: str) -> list[WorkspaceChoice]:
    """Every workspace `user_id` belongs to, by name."""
    from .auth import guarded

    await guarded(url, client.auth.get_session())  # renew an access token that lapsed in sleep
    members = await guarded(url, client.table("workspace_members").select("id,workspace_id,role")
                            .eq("user_id", user_id).order("workspace_id").limit(MAX_WORKSPACES).execute())
    roles = {str(row["workspace_id"]): _role(row.get("role")) for row in members.data or []}
    member_ids = {str(row["workspace_id"]): str(row["id"]) for row in members.data or [] if row.get("id")}
    if not roles:
        return []
    rows = await guarded(url, client.table("workspaces").select("id,name")
                         .in_("id", sorted(roles)).limit(MAX_WORKSPACES).execute())
    names = {str(row["id"]): str(row.get("name") or "") for row in rows.data or []}  # raw: cleaned where shown
    choices = [WorkspaceChoice(ws, names.get(ws) or "(unnamed workspace)", role, member_ids.get(ws))
               for ws, role in roles.items()]
    return sorted(choices, key=lambda c: (c.name.casefold(), c.id))


async def my_profile(client: "AsyncClient", url: str, user_id: str) -> ProfileRow | None:
    """The person's own profile row, if the project has one for them."""
    from .auth import guarded

    rows = await guarded(url, client.table("profiles").select("id,full_name,avatar_url").eq("id", user_id).execute())
    for row in rows.data or []:
        return ProfileRow(str(row["id"]), str(row.get("full_name") or ""), row.get("avatar_url"))
    return None

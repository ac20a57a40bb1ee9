"""Who may change what, by workspace role (``workspace_members.role``).

The server's policies decide (supabase/migrations ``track_rls``): viewers read only; members
also work records (contacts, companies, deals, cards, timeline entries, tasks); admins also
change boards, stages, custom fields, automations and members; owners also delete the workspace.
The client mirrors that so a person is told *before* anything is written, instead of seeing an
edit fail at the server minutes later: the store refuses every local write for a viewer
(:class:`NotAllowed`, an :class:`InvalidInput` so screens already show it), and screens ask
:func:`can` before offering admin-only actions. No role (the demo, a plain cache file) means
the person owns the data: everything is allowed.
"""

from __future__ import annotations

from enum import StrEnum

from ..models.enums import MemberRole
from .mutations import InvalidInput

_RANK = {MemberRole.VIEWER: 0, MemberRole.MEMBER: 1, MemberRole.ADMIN: 2, MemberRole.OWNER: 3}


class Action(StrEnum):
    EDIT_RECORDS = "edit_records"          # contacts, companies, deals, cards, timeline, tasks
    EDIT_BOARDS = "edit_boards"            # boards and their stages
    EDIT_CUSTOM_FIELDS = "edit_custom_fields"
    EDIT_AUTOMATIONS = "edit_automations"
    MANAGE_MEMBERS = "manage_members"
    DELETE_WORKSPACE = "delete_workspace"


_NEEDS = {
    Action.EDIT_RECORDS: MemberRole.MEMBER,
    Action.EDIT_BOARDS: MemberRole.ADMIN,
    Action.EDIT_CUSTOM_FIELDS: MemberRole.ADMIN,
    Action.EDIT_AUTOMATIONS: MemberRole.ADMIN,
    Action.MANAGE_MEMBERS: MemberRole.ADMIN,
    Action.DELETE_WORKSPACE: MemberRole.OWNER,
}

_WHAT = {
    Action.EDIT_RECORDS: "change records",
    Action.EDIT_BOARDS: "change boards and stages",
    Action.EDIT_CUSTOM_FIELDS: "change custom fields",
    Action.EDIT_AUTOMATIONS: "change automations",
    Action.MANAGE_MEMBERS: "manage members",
    Action.DELETE_WORKSPACE: "delete the workspace",
}


def parse_role(value: str | None) -> MemberRole | None:
    """A stored role; an unknown one counts as viewer (never more than the server allows)."""
    if value is None:
        return None
    try:
        return MemberRole(value)
    except ValueError:
        return MemberRole.VIEWER


def can(role: MemberRole | None, action: Action) -> bool:
    if role is None:
        return True
    return _RANK[role] >= _RANK[_NEEDS[action]]


_GRANTERS = 3  # names in a refusal; more would make the sentence a list


def refusal(role: MemberRole | None, action: Action, granters: tuple[str, ...] = ()) -> str:
    """Why `role` may not take `action`, in a sentence (empty when it may): the role it needs,
    and who can give it — by name when the workspace's admins and owners are known here."""
    if can(role, action):
        return ""
    assert role is not None
    needed = _NEEDS[action]
    if needed is MemberRole.OWNER:
        roles = "the owner"
    else:
        enough = sorted((r for r in MemberRole if _RANK[r] >= _RANK[needed]), key=_RANK.__getitem__)
        roles = _a(_either([r.value for r in enough]))
    if granters:
        names = list(granters[:_GRANTERS]) + (["another admin"] if len(granters) > _GRANTERS else [])
        whom = "an admin" if len(granters) == 1 else "admins"
        who = f"Ask {_either(names)} ({whom} of this workspace) to change your role."
    else:
        who = "A workspace admin or owner can change your role."
    return f"You are {_a(role.value)} in this workspace: to {_WHAT[action]} you need to be {roles}. {who}"


def _a(words: str) -> str:
    return ("an " if words[0] in "aeiou" else "a ") + words


def _either(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]

class NotAllowed(InvalidInput):
    """A write this person's role does not allow; nothing was written."""

    def __init__(self, role: MemberRole | None, action: Action, granters: tuple[str, ...] = ()) -> None:
        super().__init__("role", refusal(role, action, granters))
        self.action = action
        self.args = (self.reason,)

    def __str__(self) -> str:
        return self.reason

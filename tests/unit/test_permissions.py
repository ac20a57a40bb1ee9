"""A role's refusal says which roles may and whom to ask, in a grammatical sentence."""

from __future__ import annotations

from track_tui.models.enums import MemberRole
from track_tui.store.permissions import Action, NotAllowed, refusal


def test_the_refusal_names_the_roles_that_may() -> None:
    assert refusal(MemberRole.MEMBER, Action.EDIT_BOARDS) == (
        "You are a member in this workspace: to change boards and stages you need to be an admin or owner. "
        "A workspace admin or owner can change your role.")
    assert "you need to be the owner" in refusal(MemberRole.ADMIN, Action.DELETE_WORKSPACE)
    assert refusal(MemberRole.ADMIN, Action.EDIT_BOARDS) == ""  # allowed: nothing to say
    assert refusal(None, Action.DELETE_WORKSPACE) == ""  # no role: the person owns the data


def test_the_refusal_names_whom_to_ask_and_stays_a_sentence_with_many() -> None:
    one = refusal(MemberRole.VIEWER, Action.EDIT_RECORDS, ("Ana Reyes",))
    assert one.endswith("Ask Ana Reyes (an admin of this workspace) to change your role.")
    many = refusal(MemberRole.VIEWER, Action.EDIT_RECORDS, ("A", "B", "C", "D", "E"))
    assert many.endswith("Ask A, B, C or another admin (admins of this workspace) to change your role.")
    assert str(NotAllowed(MemberRole.VIEWER, Action.EDIT_RECORDS, ("A", "B"))).endswith("Ask A or B (admins of this workspace) to change your role.")

"""The person's role in the UI: a viewer's edit is refused with a message before anything is
written; `app.can()` answers for admin-only actions."""

from __future__ import annotations

from track_tui.app import TrackApp
from track_tui.config import Settings
from track_tui.store.permissions import Action


async def test_a_viewer_cannot_move_a_card_and_is_told_why(demo_store) -> None:
    demo_store.set_meta("role", "viewer")
    app = TrackApp(demo_store, Settings())
    async with app.run_test(size=(120, 40)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        board = app.screen
        card = board.column.cards.current_id
        stage_before = demo_store.conn.execute("SELECT stage_id FROM board_cards WHERE id = ?", (card,)).fetchone()[0]
        pending_before = demo_store.pending_count()
        await pilot.press("L")
        await pilot.pause()
        assert demo_store.conn.execute("SELECT stage_id FROM board_cards WHERE id = ?", (card,)).fetchone()[0] == stage_before
        assert demo_store.pending_count() == pending_before
        messages = [n.message for n in app._notifications]
        assert any(m.startswith("You are a viewer in this workspace") for m in messages), messages
        assert not app.can(Action.EDIT_RECORDS) and not app.can(Action.EDIT_BOARDS)


async def test_roles_decide_what_can_be_done(demo_store) -> None:
    app = TrackApp(demo_store, Settings())
    assert app.can(Action.EDIT_BOARDS)  # the demo: no role, the person owns the data
    for role, records, boards, delete in (("member", True, False, False), ("admin", True, True, False),
                                          ("owner", True, True, True), ("something-new", False, False, False)):
        demo_store.set_meta("role", role)
        assert (app.can(Action.EDIT_RECORDS), app.can(Action.EDIT_BOARDS), app.can(Action.DELETE_WORKSPACE)) == (
            records, boards, delete), role


async def test_a_refused_edit_names_the_role_needed_and_who_can_give_it(demo_store) -> None:
    """Not just "no": the roles that may, and the workspace's admins by name (owners first, not
    the person themself); with nobody known, who in general can change a role."""
    members = demo_store.conn.execute(
        "SELECT m.user_id, m.role, p.full_name FROM workspace_members m JOIN profiles p ON p.id = m.user_id").fetchall()
    assert len(members) >= 3, members
    me, admin, owner = members[0][0], members[1], members[2]
    with demo_store.conn:
        demo_store.conn.execute("UPDATE workspace_members SET role = 'viewer' WHERE user_id = ?", (me,))
        demo_store.conn.execute("UPDATE workspace_members SET role = 'member' WHERE user_id NOT IN (?, ?, ?)",
                                (me, admin[0], owner[0]))
        demo_store.conn.execute("UPDATE workspace_members SET role = 'admin' WHERE user_id = ?", (admin[0],))
        demo_store.conn.execute("UPDATE workspace_members SET role = 'owner' WHERE user_id = ?", (owner[0],))
    demo_store.set_meta("user_id", me)
    demo_store.set_meta("role", "viewer")
    assert demo_store.role_granters() == (owner[2], admin[2])
    app = TrackApp(demo_store, Settings())
    async with app.run_test(size=(120, 40)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("L")
        await pilot.pause()
        refused = [n.message for n in app._notifications][-1]
        assert refused == (f"You are a viewer in this workspace: to change records you need to be a member, admin "
                           f"or owner. Ask {owner[2]} or {admin[2]} (admins of this workspace) to change your role.")
    with demo_store.conn:
        demo_store.conn.execute("UPDATE workspace_members SET role = 'member' WHERE user_id != ?", (me,))
    assert demo_store.role_granters() == ()
    assert str(demo_store.not_allowed(Action.EDIT_BOARDS)).endswith("A workspace admin or owner can change your role.")

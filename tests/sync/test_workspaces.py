"""The signed-in person's workspaces, one cache file per workspace, and the role in each."""

from __future__ import annotations

import sqlite3

import pytest

from track_tui import paths
from track_tui.models import Contact
from track_tui.store import NotAllowed, Store
from track_tui.store.permissions import Action
from track_tui.sync import workspace_cache as wc

from .conftest import PASSWORD, on

pytestmark = pytest.mark.sync


@pytest.fixture
def alice_in_two(backend, team):
    """Alice owns workspace a and is a viewer in b."""
    backend.sql("insert into workspace_members (workspace_id, user_id, role) values (%s, %s, 'viewer')",
                (team.b, team.alice.id))
    return team


async def test_one_workspace_opens_without_asking_and_its_cache_knows_whose_it_is(account, runtime, team, project) -> None:
    who = await on(runtime, account.sign_in_with_password(team.bob.email, PASSWORD))
    choices = await on(runtime, account.workspaces(who.user_id))
    assert [(c.id, c.role.value) for c in choices] == [(team.a, "member")]
    choice = wc.default_choice(project, who, choices)
    assert choice == choices[0]
    store = wc.open_workspace_cache(project, who, choice, await on(runtime, account.profile(who.user_id)))
    try:
        assert store.path == paths.data_dir() / "projects" / project.slug / f"{team.a}.sqlite3"
        assert {k: store.get_meta(k) for k in ("workspace_id", "user_id", "role", "project_url")} == {
            "workspace_id": team.a, "user_id": team.bob.id, "role": "member", "project_url": project.url}
        member = store.conn.execute("SELECT id, role FROM workspace_members WHERE user_id = ?", (team.bob.id,)).fetchone()
        server_id = choices[0].member_id
        assert tuple(member) == (server_id, "member")  # the server's id: the sync engine's pull will match it
        assert store.conn.execute("SELECT email FROM profiles WHERE id = ?", (team.bob.id,)).fetchone()[0] == team.bob.email
        assert store.pending_count() == 0  # server rows, nothing to upload
    finally:
        store.close()


async def test_several_workspaces_need_a_choice_which_is_then_remembered(account, runtime, alice_in_two, project) -> None:
    team = alice_in_two
    who = await on(runtime, account.sign_in_with_password(team.alice.email, PASSWORD))
    choices = await on(runtime, account.workspaces(who.user_id))
    assert {(c.id, c.role.value) for c in choices} == {(team.a, "owner"), (team.b, "viewer")}
    assert [c.name for c in choices] == sorted((c.name for c in choices), key=str.casefold)
    assert wc.default_choice(project, who, choices) is None
    wc.remember_workspace(project, who.user_id, team.b)
    assert wc.default_choice(project, who, choices).id == team.b
    carol = await on(runtime, account.sign_in_with_password(team.carol.email, PASSWORD))
    assert wc.remembered_workspace(project, carol.user_id) is None  # someone else's choice


async def test_switching_workspace_never_mixes_their_rows(account, runtime, alice_in_two, project) -> None:
    team = alice_in_two
    who = await on(runtime, account.sign_in_with_password(team.alice.email, PASSWORD))
    choices = {c.id: c for c in await on(runtime, account.workspaces(who.user_id))}
    first = wc.open_workspace_cache(project, who, choices[team.a])
    second = wc.open_workspace_cache(project, who, choices[team.b])
    try:
        assert first.path != second.path
        for store, workspace in ((first, team.a), (second, team.b)):
            ids = {r[0] for r in store.conn.execute("SELECT id FROM workspaces")}
            assert ids == {workspace}
            assert {r[0] for r in store.conn.execute("SELECT workspace_id FROM workspace_members")} == {workspace}
        assert sorted(c.workspace_id for c in wc.cached_workspaces(project)) == sorted([team.a, team.b])
    finally:
        first.close()
        second.close()


async def test_a_viewer_is_refused_before_anything_is_written(account, runtime, alice_in_two, project) -> None:
    team = alice_in_two
    who = await on(runtime, account.sign_in_with_password(team.alice.email, PASSWORD))
    viewer = next(c for c in await on(runtime, account.workspaces(who.user_id)) if c.id == team.b)
    store = wc.open_workspace_cache(project, who, viewer)
    try:
        assert not store.can(Action.EDIT_RECORDS) and not store.can(Action.EDIT_BOARDS)
        with pytest.raises(NotAllowed) as refused:
            store.create_record(Contact(workspace_id=team.b, name="Someone"))
        assert str(refused.value).startswith("You are a viewer in this workspace")
        assert store.conn.execute("SELECT count(*) FROM contacts").fetchone()[0] == 0
        assert store.pending_count() == 0
    finally:
        store.close()


async def test_a_member_may_edit_records_but_not_boards(account, runtime, team, project) -> None:
    who = await on(runtime, account.sign_in_with_password(team.bob.email, PASSWORD))
    [member] = await on(runtime, account.workspaces(who.user_id))
    store = wc.open_workspace_cache(project, who, member)
    try:
        assert store.can(Action.EDIT_RECORDS) and not store.can(Action.EDIT_BOARDS)
        store.create_record(Contact(workspace_id=team.a, name="Someone"))
        assert store.pending_count() == 1
    finally:
        store.close()


async def test_a_cache_with_another_accounts_unsent_changes_is_not_taken_over(account, runtime, team, project) -> None:
    bob = await on(runtime, account.sign_in_with_password(team.bob.email, PASSWORD))
    [workspace] = await on(runtime, account.workspaces(bob.user_id))
    store = wc.open_workspace_cache(project, bob, workspace)
    store.create_record(Contact(workspace_id=team.a, name="Bob's unsent contact"))
    store.close()
    alice = await on(runtime, account.sign_in_with_password(team.alice.email, PASSWORD))
    [same] = await on(runtime, account.workspaces(alice.user_id))
    with pytest.raises(wc.CacheBelongsElsewhere, match="never uploaded"):
        wc.open_workspace_cache(project, alice, same)
    check = Store(wc.cache_path(project, team.a))
    assert check.get_meta("user_id") == team.bob.id  # untouched
    check.close()


def test_cached_workspaces_skip_files_that_are_not_caches(dirs, project) -> None:
    folder = paths.project_cache_dir(project.slug)
    folder.mkdir(parents=True)
    (folder / "00000000-0000-0000-0000-000000000000.sqlite3").write_bytes(b"not a database" * 100)
    sqlite3.connect(folder / "11111111-1111-1111-1111-111111111111.sqlite3").close()
    assert wc.cached_workspaces(project) == []


def test_only_a_uuid_becomes_a_cache_file_name(dirs, project) -> None:
    with pytest.raises(ValueError):
        paths.workspace_cache_file(project.slug, "../../etc/passwd")

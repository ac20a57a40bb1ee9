"""The RLS matrix: every table x select/insert/update/delete x every kind of caller.

Targets are rows of workspace A. Callers: its owner, an admin, a member, a viewer (roles
matter), the owner of workspace B (a member of another workspace), a signed-in user with no
workspace, and an anonymous request (anon key only). Each statement runs in a PostgREST-style
transaction that is rolled back, so the seeded data stays the same for every case.
"""

from __future__ import annotations

import uuid
from typing import Callable

import psycopg
import pytest

from tests.support.supabase_platform import as_anon, as_user

from .conftest import World

pytestmark = pytest.mark.db

ACTORS = ["owner_a", "admin_a", "member_a", "viewer_a", "owner_b", "outsider", "anon"]
READ = {"owner_a", "admin_a", "member_a", "viewer_a"}      # any role in workspace A
MEMBER = {"owner_a", "admin_a", "member_a"}                # member or better
ADMIN = {"owner_a", "admin_a"}                             # admin or better
OWNER = {"owner_a"}
NOBODY: set[str] = set()
SIGNED_IN = {"owner_a", "admin_a", "member_a", "viewer_a", "owner_b", "outsider"}

# table -> (select, insert, update, delete): who may do it on workspace A's row
EXPECTED: dict[str, tuple[set[str], set[str], set[str], set[str]]] = {
    # profile of member_a: colleagues read it, only member_a edits it; inserting someone
    # else's profile (ghost_a's) is refused to all; nobody deletes profiles.
    "profiles": (READ, NOBODY, {"member_a"}, NOBODY),
    # anyone signed in creates a workspace of their own; admins rename; owners delete.
    "workspaces": (READ, SIGNED_IN, ADMIN, OWNER),
    # admins manage members; viewer_a may remove their own membership (leave).
    "workspace_members": (READ, ADMIN, ADMIN, ADMIN | {"viewer_a"}),
    "audit_log": (READ, NOBODY, NOBODY, NOBODY),
    "boards": (READ, ADMIN, ADMIN, ADMIN),
    "board_stages": (READ, ADMIN, ADMIN, ADMIN),
    "board_cards": (READ, MEMBER, MEMBER, MEMBER),
    "contacts": (READ, MEMBER, MEMBER, MEMBER),
    "companies": (READ, MEMBER, MEMBER, MEMBER),
    "deals": (READ, MEMBER, MEMBER, MEMBER),
    "deal_contacts": (READ, MEMBER, MEMBER, MEMBER),
    # the entry's author is member_a: authors and admins edit/delete entries.
    "timeline_entries": (READ, MEMBER, MEMBER, MEMBER),
    "tasks": (READ, MEMBER, MEMBER, MEMBER),
    "custom_fields": (READ, ADMIN, ADMIN, ADMIN),
    "automations": (READ, ADMIN, ADMIN, ADMIN),
    "automation_runs": (READ, NOBODY, NOBODY, NOBODY),
    "search_index": (READ, NOBODY, NOBODY, NOBODY),
    "sync_tombstones": (READ, NOBODY, NOBODY, NOBODY),
}
OPS = ["select", "insert", "update", "delete"]


def insert_statement(table: str, w: World, actor_id: uuid.UUID | None) -> tuple[str, tuple]:
    a = w.rows["A"]
    ws = w.ws["A"]
    return {
        "profiles": ("insert into profiles (id, full_name) values (%s, 'Ghost')", (w.users["ghost_a"],)),
        "workspaces": ("insert into workspaces (name, created_by) values ('New', %s)", (actor_id,)),
        "workspace_members": ("insert into workspace_members (workspace_id, user_id, role) values (%s, %s, 'member')",
                              (ws, w.users["outsider"])),
        "audit_log": ("insert into audit_log (workspace_id, table_name, action) values (%s, 'contacts', 'insert')", (ws,)),
        "boards": ("insert into boards (workspace_id, name, record_type) values (%s, 'New board', 'contact')", (ws,)),
        "board_stages": ("insert into board_stages (board_id, name, position) values (%s, 'New stage', 5)", (a["boards"],)),
        "board_cards": ("insert into board_cards (board_id, stage_id, record_type, record_id, position) "
                        "values (%s, %s, 'deal', %s, 9)", (a["boards"], a["board_stages"], a["deals"])),
        "contacts": ("insert into contacts (workspace_id, name) values (%s, 'New person')", (ws,)),
        "companies": ("insert into companies (workspace_id, name) values (%s, 'New co')", (ws,)),
        "deals": ("insert into deals (workspace_id, name) values (%s, 'New deal')", (ws,)),
        "deal_contacts": ("insert into deal_contacts (deal_id, contact_id, role) values (%s, %s, 'user')",
                          (a["deals"], a["spare_contact"])),
        "timeline_entries": ("insert into timeline_entries (workspace_id, record_type, record_id, entry_type, "
                             "author_id, body) values (%s, 'deal', %s, 'note', %s, 'hi')", (ws, a["deals"], actor_id)),
        "tasks": ("insert into tasks (workspace_id, title) values (%s, 'New task')", (ws,)),
        "custom_fields": ("insert into custom_fields (workspace_id, record_type, name, key, type) "
                          "values (%s, 'deal', 'Region', 'region', 'text')", (ws,)),
        "automations": ("insert into automations (workspace_id, name) values (%s, 'New automation')", (ws,)),
        "automation_runs": ("insert into automation_runs (automation_id, status) values (%s, 'success')",
                            (a["automations"],)),
        "search_index": ("insert into search_index (workspace_id, record_type, record_id, trigram) "
                         "values (%s, 'contact', %s, 'x')", (ws, a["spare_contact"])),
        "sync_tombstones": ("insert into sync_tombstones (workspace_id, table_name, row_id) "
                            "values (%s, 'contacts', gen_random_uuid())", (ws,)),
    }[table]


UPDATE_SET = {
    "profiles": "full_name = 'Changed'",
    "workspaces": "name = 'Renamed'",
    "workspace_members": "role = 'member'",
    "audit_log": "action = 'tampered'",
    "boards": "name = 'Renamed'",
    "board_stages": "name = 'Renamed'",
    "board_cards": "position = 3",
    "contacts": "name = 'Renamed'",
    "companies": "name = 'Renamed'",
    "deals": "name = 'Renamed'",
    "deal_contacts": "role = 'blocker'",
    "timeline_entries": "body = 'Edited'",
    "tasks": "status = 'done'",
    "custom_fields": "name = 'Renamed'",
    "automations": "is_enabled = false",
    "automation_runs": "status = 'failed'",
    "search_index": "trigram = 'tampered'",
    "sync_tombstones": "table_name = 'tampered'",
}


def statement(table: str, op: str, w: World, actor_id: uuid.UUID | None) -> tuple[str, tuple]:
    target = w.rows["A"][table]
    if op == "select":
        return f"select 1 from {table} where id = %s", (target,)
    if op == "insert":
        return insert_statement(table, w, actor_id)
    if op == "update":
        return f"update {table} set {UPDATE_SET[table]} where id = %s", (target,)
    return f"delete from {table} where id = %s", (target,)


def attempt(w: World, actor: str, table: str, op: str) -> bool:
    """True when the caller's statement reads or changes exactly the target row."""
    actor_id = None if actor == "anon" else w.users[actor]
    query, params = statement(table, op, w, actor_id)
    ctx: Callable = (lambda c: as_anon(c, commit=False)) if actor == "anon" else (
        lambda c: as_user(c, actor_id, commit=False))
    with psycopg.connect(w.dsn) as conn:
        try:
            with ctx(conn) as cur_conn:
                cur = cur_conn.execute(query, params)
                count = len(cur.fetchall()) if op == "select" else cur.rowcount
        except psycopg.errors.InsufficientPrivilege:
            # RLS "new row violates row-level security policy" or a missing grant.
            return False
    assert count in (0, 1), f"{actor} {op} {table} touched {count} rows"
    return count == 1


@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("table", list(EXPECTED))
def test_rls_matrix(world: World, table: str, op: str) -> None:
    expected = {actor: actor in EXPECTED[table][OPS.index(op)] for actor in ACTORS}
    actual = {actor: attempt(world, actor, table, op) for actor in ACTORS}
    assert actual == expected


def test_matrix_covers_every_table(migrated_db: str, world: World) -> None:
    with psycopg.connect(migrated_db) as conn:
        tables = {r[0] for r in conn.execute(
            "select relname from pg_class where relnamespace = 'public'::regnamespace and relkind = 'r'")}
    assert tables == set(EXPECTED)


@pytest.mark.parametrize("actor,allowed", [("member_a", True), ("dual", False), ("admin_a", True), ("viewer_a", False)])
def test_timeline_entry_edit_is_for_author_or_admin(world: World, actor: str, allowed: bool) -> None:
    """member_a wrote the entry; dual is a member too but not its author."""
    assert attempt(world, actor, "timeline_entries", "update") is allowed
    assert attempt(world, actor, "timeline_entries", "delete") is allowed


def test_timeline_entry_cannot_be_written_in_someone_elses_name(world: World) -> None:
    with psycopg.connect(world.dsn) as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            with as_user(conn, world.users["member_a"], commit=False) as c:
                c.execute("insert into timeline_entries (workspace_id, record_type, record_id, entry_type, author_id) "
                          "values (%s, 'deal', %s, 'note', %s)",
                          (world.ws["A"], world.rows["A"]["deals"], world.users["owner_a"]))


def _member_change(world: World, actor: str, sql: str, params: tuple) -> int | str:
    with psycopg.connect(world.dsn) as conn:
        try:
            with as_user(conn, world.users[actor], commit=False) as c:
                return c.execute(sql, params).rowcount
        except psycopg.errors.InsufficientPrivilege:
            return "denied"


def test_only_owners_manage_the_owner_role(world: World) -> None:
    ws, u = world.ws["A"], world.users
    promote = "update workspace_members set role = 'owner' where workspace_id = %s and user_id = %s"
    demote_owner = "update workspace_members set role = 'admin' where workspace_id = %s and user_id = %s"
    remove_owner = "delete from workspace_members where workspace_id = %s and user_id = %s"
    add_owner = "insert into workspace_members (workspace_id, user_id, role) values (%s, %s, 'owner')"
    assert _member_change(world, "admin_a", promote, (ws, u["member_a"])) == "denied"
    assert _member_change(world, "admin_a", demote_owner, (ws, u["owner_a"])) == 0
    assert _member_change(world, "admin_a", remove_owner, (ws, u["owner_a"])) == 0
    assert _member_change(world, "admin_a", add_owner, (ws, u["outsider"])) == "denied"
    assert _member_change(world, "owner_a", promote, (ws, u["member_a"])) == 1
    assert _member_change(world, "owner_a", add_owner, (ws, u["outsider"])) == 1
    # members cannot promote themselves
    assert _member_change(world, "member_a", "update workspace_members set role = 'admin' where user_id = %s "
                          "and workspace_id = %s", (u["member_a"], ws)) == 0


def test_profiles_visible_only_to_colleagues(world: World) -> None:
    with psycopg.connect(world.dsn) as conn:
        with as_user(conn, world.users["outsider"], commit=False) as c:
            seen = {r[0] for r in c.execute("select id from profiles")}
        assert seen == {world.users["outsider"]}
        with as_user(conn, world.users["owner_b"], commit=False) as c:
            seen = {r[0] for r in c.execute("select id from profiles")}
        assert seen == {world.users[n] for n in ("owner_b", "member_b", "dual")}
        with as_user(conn, world.users["outsider"], commit=False) as c:
            assert c.execute("insert into profiles (id, full_name) values (%s, 'Me') "
                             "on conflict (id) do update set full_name = excluded.full_name",
                             (world.users["outsider"],)).rowcount == 1


def test_workspace_creation_and_first_owner(world: World) -> None:
    """A signed-in user creates a workspace, reads it back, and becomes its first owner;
    nobody else can claim it."""
    me, other = world.users["outsider"], world.users["member_b"]
    with psycopg.connect(world.dsn) as conn:
        with as_user(conn, me, commit=False) as c:
            ws = c.execute("insert into workspaces (name) values ('Mine') returning id").fetchone()[0]
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                with c.transaction():
                    c.execute("insert into workspace_members (workspace_id, user_id, role) values (%s, %s, 'owner')",
                              (ws, other))
            c.execute("insert into workspace_members (workspace_id, user_id, role) values (%s, %s, 'owner')", (ws, me))
            assert c.execute("select role from workspace_members where workspace_id = %s", (ws,)).fetchall() == [("owner",)]
            # once it has an owner, the claim path is closed
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                with c.transaction():
                    c.execute("delete from workspace_members where workspace_id = %s", (ws,))
                    c.execute("set local role postgres")
                    c.execute("insert into workspace_members (workspace_id, user_id, role) values (%s, %s, 'member')",
                              (ws, other))
                    c.execute("set local role authenticated")
                    c.execute("insert into workspace_members (workspace_id, user_id, role) values (%s, %s, 'owner')",
                              (ws, me))
        # creating a workspace in someone else's name is refused
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            with as_user(conn, me, commit=False) as c:
                c.execute("insert into workspaces (name, created_by) values ('Theirs', %s)", (other,))

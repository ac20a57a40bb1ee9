"""No user ever sees or writes another workspace's rows: by plain reads, through references
(foreign keys and polymorphic record ids) that point into another workspace, through
search_index and the search RPC, and through the tombstone table."""

from __future__ import annotations

import uuid

import psycopg
import pytest

from tests.support.supabase_platform import as_anon, as_service_role, as_user

from .conftest import MEMBERSHIPS, World

pytestmark = pytest.mark.db

WORKSPACE_TABLES = ["workspace_members", "audit_log", "boards", "board_stages", "board_cards", "contacts",
                    "companies", "deals", "deal_contacts", "timeline_entries", "tasks", "custom_fields",
                    "automations", "automation_runs", "search_index", "sync_tombstones"]


def _true_workspaces(conn: psycopg.Connection, table: str) -> dict:
    """Each row's workspace as the superuser sees it, derived through parents for child tables."""
    derived = {
        "board_stages": "select s.id, b.workspace_id from board_stages s join boards b on b.id = s.board_id",
        "board_cards": "select c.id, b.workspace_id from board_cards c join boards b on b.id = c.board_id",
        "deal_contacts": "select dc.id, d.workspace_id from deal_contacts dc join deals d on d.id = dc.deal_id",
        "automation_runs": "select r.id, a.workspace_id from automation_runs r join automations a on a.id = r.automation_id",
    }
    return dict(conn.execute(derived.get(table, f"select id, workspace_id from {table}")).fetchall())


@pytest.mark.parametrize("actor", ["owner_a", "viewer_a", "owner_b", "member_b", "dual", "outsider"])
def test_reads_are_confined_to_own_workspaces(world: World, actor: str) -> None:
    mine = {world.ws[w] for w, members in MEMBERSHIPS.items() if actor in members}
    with psycopg.connect(world.dsn) as conn:
        for table in WORKSPACE_TABLES:
            truth = _true_workspaces(conn, table)
            with as_user(conn, world.users[actor], commit=False) as c:
                seen = [r[0] for r in c.execute(f"select id from {table}")]
            assert {truth[i] for i in seen} <= mine, table
            expected = {i for i, ws in truth.items() if ws in mine}
            assert set(seen) == expected, table
            if mine:
                assert seen, f"{actor} should see rows of {table}"
        with as_user(conn, world.users[actor], commit=False) as c:
            assert {r[0] for r in c.execute("select id from workspaces")} == mine


def test_anon_sees_nothing_anywhere(world: World) -> None:
    with psycopg.connect(world.dsn) as conn:
        tables = [r[0] for r in conn.execute(
            "select relname from pg_class where relnamespace = 'public'::regnamespace and relkind = 'r'")]
        for table in tables:
            try:
                with as_anon(conn, commit=False) as c:
                    count = c.execute(f"select count(*) from {table}").fetchone()[0]
            except psycopg.errors.InsufficientPrivilege:
                count = 0
            assert count == 0, table
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            with as_anon(conn, commit=False) as c:
                c.execute("select * from search_records('acme')")


def test_service_role_bypasses_rls(world: World) -> None:
    """The service role (Edge Functions only) sees both workspaces: the reason the client refuses it."""
    with psycopg.connect(world.dsn) as conn:
        with as_service_role(conn, commit=False) as c:
            assert c.execute("select count(*) from contacts where deleted_at is null").fetchone()[0] == 4


def _search(world: World, actor: str, query: str, **kw) -> list[tuple]:
    with psycopg.connect(world.dsn) as conn:
        with as_user(conn, world.users[actor], commit=False) as c:
            args = ", ".join(f"{k} => %({k})s" for k in kw)
            return c.execute(f"select record_type, record_id, name, rank, match_kind "
                             f"from search_records(%(q)s{', ' + args if args else ''})",
                             {"q": query, **kw}).fetchall()


@pytest.mark.parametrize("query", ["acme", "ada", "acme renewal", "acmee", "example", "nickb", "nicka"])
def test_search_rpc_returns_only_own_workspace(world: World, query: str) -> None:
    a_ids = {v for k, v in world.rows["A"].items() if isinstance(v, uuid.UUID)}
    b_ids = {v for k, v in world.rows["B"].items() if isinstance(v, uuid.UUID)}
    for actor, own, other in (("owner_a", a_ids, b_ids), ("owner_b", b_ids, a_ids)):
        hits = _search(world, actor, query)
        assert not {h[1] for h in hits} & other, (actor, query, hits)
        assert {h[1] for h in hits} <= own
    assert _search(world, "outsider", query) == []


def test_search_rpc_workspace_filter_cannot_widen(world: World) -> None:
    assert _search(world, "owner_a", "acme", in_workspace=world.ws["B"]) == []
    assert _search(world, "dual", "acme", in_workspace=world.ws["B"])
    assert {h[1] for h in _search(world, "dual", "acme", in_workspace=world.ws["B"])} <= set(world.rows["B"].values())


def test_tombstones_are_confined(world: World) -> None:
    with psycopg.connect(world.dsn) as conn:
        with as_user(conn, world.users["owner_a"], commit=False) as c:
            rows = c.execute("select workspace_id, row_id from sync_tombstones").fetchall()
    assert (world.ws["A"], world.rows["A"]["deleted_task"]) in rows
    assert all(ws == world.ws["A"] for ws, _ in rows)


# ---------------------------------------------------------------------------------------------
# References into another workspace. `dual` is a member of both workspaces, so RLS alone would
# let each write through: the reference check is what refuses them.
# ---------------------------------------------------------------------------------------------

def _cross_cases(w: World) -> list[tuple[str, str, tuple]]:
    a, b, wa = w.rows["A"], w.rows["B"], w.ws["A"]
    return [
        ("contact.company_id", "insert into contacts (workspace_id, name, company_id) values (%s, 'x', %s)", (wa, b["companies"])),
        ("company.parent_id", "insert into companies (workspace_id, name, parent_id) values (%s, 'x', %s)", (wa, b["companies"])),
        ("deal.company_id", "insert into deals (workspace_id, name, company_id) values (%s, 'x', %s)", (wa, b["companies"])),
        ("deal.primary_contact_id", "insert into deals (workspace_id, name, primary_contact_id) values (%s, 'x', %s)",
         (wa, b["contacts"])),
        ("deal.stage_id", "insert into deals (workspace_id, name, stage_id) values (%s, 'x', %s)", (wa, b["board_stages"])),
        ("deal.owner_id", "insert into deals (workspace_id, name, owner_id) values (%s, 'x', %s)", (wa, w.users["owner_b"])),
        ("deal_contacts.contact_id", "insert into deal_contacts (deal_id, contact_id) values (%s, %s)",
         (a["deals"], b["contacts"])),
        ("board_cards.stage_id", "insert into board_cards (board_id, stage_id, record_type, record_id) "
                                 "values (%s, %s, 'deal', %s)", (a["boards"], b["board_stages"], a["deals"])),
        ("board_cards.record_id", "insert into board_cards (board_id, stage_id, record_type, record_id) "
                                  "values (%s, %s, 'deal', %s)", (a["boards"], a["board_stages"], b["deals"])),
        ("timeline.record_id", "insert into timeline_entries (workspace_id, record_type, record_id, entry_type, author_id) "
                               "values (%s, 'contact', %s, 'note', %s)", (wa, b["contacts"], w.users["dual"])),
        ("task.record_id", "insert into tasks (workspace_id, title, record_type, record_id) values (%s, 'x', 'deal', %s)",
         (wa, b["deals"])),
        ("task.source_entry_id", "insert into tasks (workspace_id, title, source_entry_id) values (%s, 'x', %s)",
         (wa, b["timeline_entries"])),
        ("task.assigned_to", "insert into tasks (workspace_id, title, assigned_to) values (%s, 'x', %s)",
         (wa, w.users["member_b"])),
        ("update deal.company_id", "update deals set company_id = %s where id = %s", (b["companies"], a["deals"])),
        ("update contact.company_id", "update contacts set company_id = %s where id = %s", (b["companies"], a["contacts"])),
        ("update card.stage_id", "update board_cards set stage_id = %s where id = %s", (b["board_stages"], a["board_cards"])),
        ("move contact to B", "update contacts set workspace_id = %s where id = %s", (w.ws["B"], a["contacts"])),
        ("move deal_contact to B deal", "update deal_contacts set deal_id = %s where id = %s", (b["deals"], a["deal_contacts"])),
        ("move stage to B board", "update board_stages set board_id = %s where id = %s", (b["boards"], a["board_stages"])),
        ("nonexistent company", "insert into contacts (workspace_id, name, company_id) values (%s, 'x', %s)",
         (wa, uuid.uuid4())),
    ]


def _case_names() -> list[str]:
    import collections
    any_ids = collections.defaultdict(uuid.uuid4)
    dummy = World("", any_ids, any_ids, {"A": any_ids, "B": any_ids})
    return [c[0] for c in _cross_cases(dummy)]


CASE_NAMES = _case_names()


@pytest.mark.parametrize("actor", ["dual", "owner_a"])
@pytest.mark.parametrize("case", CASE_NAMES)
def test_references_cannot_point_into_another_workspace(world: World, actor: str, case: str) -> None:
    """Refused with 42501, or (an update the caller's role may not make at all) matches no row."""
    name, query, params = next(c for c in _cross_cases(world) if c[0] == case)
    with psycopg.connect(world.dsn) as conn:
        try:
            with as_user(conn, world.users[actor], commit=False) as c:
                rowcount = c.execute(query, params).rowcount
        except psycopg.errors.InsufficientPrivilege:
            return
        assert query.startswith("update") and rowcount == 0, f"{name} was accepted for {actor}"


def test_same_workspace_references_are_accepted(world: World) -> None:
    a, wa = world.rows["A"], world.ws["A"]
    with psycopg.connect(world.dsn) as conn:
        with as_user(conn, world.users["dual"], commit=False) as c:
            c.execute("insert into deals (workspace_id, name, company_id, primary_contact_id, stage_id, owner_id) "
                      "values (%s, 'ok', %s, %s, %s, %s)",
                      (wa, a["companies"], a["contacts"], a["board_stages"], world.users["member_a"]))
            c.execute("update board_cards set stage_id = %s where id = %s", (a["stage2"], a["board_cards"]))


def test_child_workspace_id_cannot_be_spoofed(world: World) -> None:
    a = world.rows["A"]
    with psycopg.connect(world.dsn) as conn:
        with as_user(conn, world.users["owner_a"], commit=False) as c:
            ws = c.execute("insert into board_stages (board_id, name, workspace_id) values (%s, 'Spoof', %s) "
                           "returning workspace_id", (a["boards"], world.ws["B"])).fetchone()[0]
            assert ws == world.ws["A"]
            ws = c.execute("update deal_contacts set workspace_id = %s where id = %s returning workspace_id",
                           (world.ws["B"], a["deal_contacts"])).fetchone()[0]
            assert ws == world.ws["A"]


@pytest.mark.parametrize("call", [
    "select track_internal.workspace_of('contacts', %(id)s)",
    "select track_internal.refresh_search_entry('contact', %(id)s)",
    "select track_internal.require_same_workspace('x', 'contacts', %(id)s, null)",
])
def test_internal_helpers_are_not_callable_by_api_roles(world: World, call: str) -> None:
    """SECURITY DEFINER helpers that could reveal other workspaces' rows run only inside triggers."""
    with psycopg.connect(world.dsn) as conn:
        for ctx in (lambda: as_user(conn, world.users["owner_a"], commit=False), lambda: as_anon(conn, commit=False)):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                with ctx() as c:
                    c.execute(call, {"id": world.rows["B"]["contacts"]})

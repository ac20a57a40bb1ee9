"""Trigger behaviour: sync stamps, child workspace_id, tombstones, search_index, audit_log.

Each test works on rows it creates itself in workspace A of the module's seeded database."""

from __future__ import annotations

import psycopg
import pytest
from psycopg.types.json import Jsonb

from tests.support.supabase_platform import as_user

from .conftest import World

pytestmark = pytest.mark.db


@pytest.fixture
def conn(world: World):
    with psycopg.connect(world.dsn, autocommit=True) as c:
        yield c


def _as(world: World, who: str = "member_a"):
    return as_user(world.dsn, world.users[who])


def _row(conn, table: str, row_id) -> dict:
    cur = conn.execute(f"select * from {table} where id = %s", (row_id,))
    names = [d.name for d in cur.description]
    row = cur.fetchone()
    return dict(zip(names, row)) if row else {}


def test_version_and_updated_at_are_set_by_the_server(world: World, conn) -> None:
    with _as(world) as c:
        cid = c.execute("insert into contacts (workspace_id, name, version, updated_at) "
                        "values (%s, 'Stamp Test', 42, '2000-01-01') returning id", (world.ws["A"],)).fetchone()[0]
    first = _row(conn, "contacts", cid)
    assert first["version"] == 1
    assert first["updated_at"].year > 2000
    seen = [first["updated_at"]]
    for n in range(2, 5):
        with _as(world) as c:
            c.execute("update contacts set title = %s, version = 1, updated_at = '2001-01-01' where id = %s",
                      (f"T{n}", cid))
        row = _row(conn, "contacts", cid)
        assert row["version"] == n
        assert row["updated_at"] > seen[-1]
        seen.append(row["updated_at"])
    # several updates in one transaction still move both
    with _as(world) as c:
        c.execute("update contacts set title = 'x' where id = %s", (cid,))
        c.execute("update contacts set title = 'y' where id = %s", (cid,))
    row = _row(conn, "contacts", cid)
    assert row["version"] == 6 and row["updated_at"] > seen[-1]


@pytest.mark.parametrize("table", ["profiles", "workspaces", "workspace_members", "boards", "board_stages",
                                   "board_cards", "contacts", "companies", "deals", "deal_contacts",
                                   "timeline_entries", "tasks", "custom_fields", "automations", "automation_runs"])
def test_every_synced_table_is_stamped(world: World, conn, table: str) -> None:
    row_id = world.rows["A"][table]
    before = _row(conn, table, row_id)
    col = {"profiles": "avatar_url", "workspaces": "name", "workspace_members": "role", "board_cards": "position",
           "deal_contacts": "role", "timeline_entries": "body", "tasks": "description",
           "automations": "is_enabled", "automation_runs": "error", "board_stages": "name"}.get(table, "name")
    conn.execute(f"update {table} set {col} = {col}, version = 0 where id = %s", (row_id,))
    after = _row(conn, table, row_id)
    assert after["version"] == before["version"] + 1
    assert after["updated_at"] > before["updated_at"]
    if table != "profiles" and table != "workspaces":
        assert after["workspace_id"] == world.ws["A"]


def test_tombstones_for_hard_deletes(world: World, conn) -> None:
    a = world.rows["A"]
    with _as(world) as c:
        deal = c.execute("insert into deals (workspace_id, name) values (%s, 'Doomed') returning id",
                         (world.ws["A"],)).fetchone()[0]
        link = c.execute("insert into deal_contacts (deal_id, contact_id) values (%s, %s) returning id",
                         (deal, a["spare_contact"])).fetchone()[0]
    with _as(world) as c:
        c.execute("delete from deals where id = %s", (deal,))  # cascades to deal_contacts
    stones = conn.execute("select table_name, row_id, row_key, workspace_id, deleted_by from sync_tombstones "
                          "where row_id in (%s, %s) order by id", (deal, link)).fetchall()
    assert {(s[0], s[1]) for s in stones} == {("deals", deal), ("deal_contacts", link)}
    dc = next(s for s in stones if s[0] == "deal_contacts")
    assert dc[2] == {"deal_id": str(deal), "contact_id": str(a["spare_contact"])}
    assert all(s[3] == world.ws["A"] and s[4] == world.users["member_a"] for s in stones)
    with _as(world, "viewer_a") as c:
        assert c.execute("select count(*) from sync_tombstones where row_id = %s", (deal,)).fetchone()[0] == 1
    with _as(world, "owner_b") as c:
        assert c.execute("select count(*) from sync_tombstones where row_id = %s", (deal,)).fetchone()[0] == 0


def test_deleting_a_workspace_leaves_no_tombstones_or_errors(world: World, conn) -> None:
    with _as(world, "outsider") as c:
        ws = c.execute("insert into workspaces (name) values ('Short-lived') returning id").fetchone()[0]
        c.execute("insert into workspace_members (workspace_id, user_id, role) values (%s, %s, 'owner')",
                  (ws, world.users["outsider"]))
        c.execute("insert into custom_fields (workspace_id, record_type, name, key, type, searchable) "
                  "values (%s, 'contact', 'N', 'n', 'text', true)", (ws,))
        c.execute("insert into contacts (workspace_id, name, custom_fields) values (%s, 'Temp', %s)",
                  (ws, Jsonb({"n": "x"})))
    with _as(world, "outsider") as c:
        assert c.execute("delete from workspaces where id = %s", (ws,)).rowcount == 1
    assert conn.execute("select count(*) from sync_tombstones where workspace_id = %s", (ws,)).fetchone()[0] == 0
    assert conn.execute("select count(*) from search_index where workspace_id = %s", (ws,)).fetchone()[0] == 0


def _search(world: World, q: str, who: str = "member_a") -> list[tuple]:
    with _as(world, who) as c:
        return c.execute("select record_id, name, match_kind from search_records(%s)", (q,)).fetchall()


def _ids(hits) -> set:
    return {h[0] for h in hits}


def test_search_index_follows_records(world: World, conn) -> None:
    ws = world.ws["A"]
    with _as(world) as c:
        cid = c.execute("insert into contacts (workspace_id, name, email, tags) values "
                        "(%s, 'Grace Hopper', 'grace@navy.example', '{admiral}') returning id", (ws,)).fetchone()[0]
    assert cid in _ids(_search(world, "grace"))
    assert cid in _ids(_search(world, "navy"))          # email split at punctuation
    assert cid in _ids(_search(world, "admiral"))       # tags
    assert cid in _ids(_search(world, "gra hop"))       # prefixes, as you type
    with _as(world) as c:
        c.execute("update contacts set name = 'Grace Brewster' where id = %s", (cid,))
    assert cid not in _ids(_search(world, "hopper"))
    assert cid in _ids(_search(world, "brewster"))
    # searchable custom field values (the seeded 'nickname' field is searchable)
    with _as(world) as c:
        c.execute("update contacts set custom_fields = %s where id = %s", (Jsonb({"nickname": "amazinggrace"}), cid))
    assert cid in _ids(_search(world, "amazinggrace"))
    # a non-searchable field is not indexed; making it searchable indexes existing values
    with _as(world, "admin_a") as c:
        fid = c.execute("insert into custom_fields (workspace_id, record_type, name, key, type) "
                        "values (%s, 'contact', 'Ship', 'ship', 'text') returning id", (ws,)).fetchone()[0]
    with _as(world) as c:
        c.execute("update contacts set custom_fields = custom_fields || %s where id = %s",
                  (Jsonb({"ship": "yorktown"}), cid))
    assert cid not in _ids(_search(world, "yorktown"))
    with _as(world, "admin_a") as c:
        c.execute("update custom_fields set searchable = true where id = %s", (fid,))
    assert cid in _ids(_search(world, "yorktown"))
    with _as(world, "admin_a") as c:
        c.execute("update custom_fields set searchable = false where id = %s", (fid,))
    assert cid not in _ids(_search(world, "yorktown"))
    # soft delete removes it, undo brings it back, hard delete removes it
    with _as(world) as c:
        c.execute("update contacts set deleted_at = now() where id = %s", (cid,))
    assert cid not in _ids(_search(world, "brewster"))
    assert conn.execute("select count(*) from search_index where record_id = %s", (cid,)).fetchone()[0] == 0
    with _as(world) as c:
        c.execute("update contacts set deleted_at = null where id = %s", (cid,))
    assert cid in _ids(_search(world, "brewster"))
    with _as(world) as c:
        c.execute("delete from contacts where id = %s", (cid,))
    assert conn.execute("select count(*) from search_index where record_id = %s", (cid,)).fetchone()[0] == 0


def test_search_companies_and_deals(world: World) -> None:
    ws = world.ws["A"]
    with _as(world) as c:
        co = c.execute("insert into companies (workspace_id, name, domain, industry) values "
                       "(%s, 'Initech', 'initech.example', 'Printing') returning id", (ws,)).fetchone()[0]
        deal = c.execute("insert into deals (workspace_id, name, company_id) values (%s, 'Initech TPS rollout', %s) "
                         "returning id", (ws, co)).fetchone()[0]
    assert _ids(_search(world, "initech")) >= {co, deal}
    assert co in _ids(_search(world, "printing"))
    assert deal in _ids(_search(world, "rollout"))


def test_search_ranks_fulltext_before_trigram(world: World) -> None:
    ws = world.ws["A"]
    with _as(world) as c:
        exact = c.execute("insert into contacts (workspace_id, name) values (%s, 'Margaret Hamilton') returning id",
                          (ws,)).fetchone()[0]
        near = c.execute("insert into contacts (workspace_id, name) values (%s, 'Margarat Hamiltan') returning id",
                         (ws,)).fetchone()[0]
    hits = _search(world, "margaret")
    kinds = {h[0]: h[2] for h in hits}
    assert kinds[exact] == "fulltext"
    assert kinds[near] == "trigram"                     # typo-tolerant
    order = [h[0] for h in hits]
    assert order.index(exact) < order.index(near)
    passes = [h[2] for h in hits]
    assert passes == sorted(passes, key=lambda k: k != "fulltext")
    # a typo alone still finds it
    assert exact in _ids(_search(world, "hamiltom"))
    assert _search(world, "") == [] and _search(world, "   ") == []
    with _as(world) as c:
        assert len(c.execute("select * from search_records('a', 1)").fetchall()) <= 1


def test_audit_log_records_changes(world: World, conn) -> None:
    ws = world.ws["A"]
    with _as(world) as c:
        tid = c.execute("insert into tasks (workspace_id, title) values (%s, 'Audit me') returning id",
                        (ws,)).fetchone()[0]
    with _as(world) as c:
        c.execute("update tasks set status = 'in_progress' where id = %s", (tid,))
    conn.execute("update tasks set status = status where id = %s", (tid,))  # no-op: not logged
    with _as(world, "admin_a") as c:
        c.execute("delete from tasks where id = %s", (tid,))
    rows = conn.execute("select action, actor_id, actor_role, workspace_id, table_name, old_data, new_data, created_at "
                        "from audit_log where record_id = %s order by id", (str(tid),)).fetchall()
    assert [r[0] for r in rows] == ["insert", "update", "delete"]
    assert [r[1] for r in rows] == [world.users["member_a"], world.users["member_a"], world.users["admin_a"]]
    assert all(r[2] == "authenticated" and r[3] == ws and r[4] == "tasks" and r[7] for r in rows)
    ins, upd, dele = rows
    assert ins[5] is None and ins[6]["title"] == "Audit me"
    assert upd[5]["status"] == "open" and upd[6]["status"] == "in_progress"
    assert dele[5]["title"] == "Audit me" and dele[6] is None
    # members read their workspace's audit log through the API, others do not
    with _as(world, "viewer_a") as c:
        assert c.execute("select count(*) from audit_log where record_id = %s", (str(tid),)).fetchone()[0] == 3
    with _as(world, "owner_b") as c:
        assert c.execute("select count(*) from audit_log where record_id = %s", (str(tid),)).fetchone()[0] == 0


def test_deal_and_company_tags_feed_search(world: World) -> None:
    """The client's additive tags on deals and companies are searchable on the server too."""
    ws = world.ws["A"]
    with _as(world) as c:
        company = c.execute("insert into companies (workspace_id, name, tags) values "
                            "(%s, 'Quillon Ltd', '{lighthouse}') returning id", (ws,)).fetchone()[0]
        deal = c.execute("insert into deals (workspace_id, name, tags) values "
                         "(%s, 'Renewal 2027', '{flagship}') returning id", (ws,)).fetchone()[0]
    assert company in _ids(_search(world, "lighthouse"))
    assert deal in _ids(_search(world, "flagship"))

"""`updated_by` (supabase/migrations/20250601120500_track_updated_by.sql): every synced table says
who last wrote each row — the signed-in person, never what a client claims, NULL for the service
role or direct SQL — it reaches the cache through server_apply, and the migration is additive,
re-runnable and keeps the web app's own writes working."""

from __future__ import annotations

import json
import uuid
from datetime import datetime

import psycopg
import pytest

from tests.support.supabase_platform import apply_migrations, as_service_role, as_user, migration_files
from track_tui.store import Origin, Store
from track_tui.store import server_apply

from .conftest import World
from .test_migrations import SYNCED, _seed_webapp

pytestmark = pytest.mark.db

HERE_MIGRATION = "20250601120500_track_updated_by.sql"


@pytest.fixture
def conn(world: World):
    with psycopg.connect(world.dsn, autocommit=True) as c:
        yield c


def _by(conn, table: str, row_id) -> uuid.UUID | None:
    return conn.execute(f"select updated_by from {table} where id = %s", (row_id,)).fetchone()[0]


def test_the_migration_sorts_last_and_adds_a_nullable_uuid_everywhere(world: World, conn) -> None:
    assert migration_files()[-1].name == HERE_MIGRATION
    columns = dict(conn.execute(
        "select table_name, data_type || ' ' || is_nullable from information_schema.columns "
        "where table_schema = 'public' and column_name = 'updated_by'").fetchall())
    assert columns == {t: "uuid YES" for t in SYNCED}


@pytest.mark.parametrize("table", SYNCED)
def test_every_synced_table_names_the_person_and_ignores_what_a_client_claims(world: World, conn, table: str) -> None:
    row_id = world.rows["A"][table]
    col = {"profiles": "avatar_url", "workspace_members": "role", "board_cards": "position", "deal_contacts": "role",
           "timeline_entries": "body", "tasks": "description", "automations": "is_enabled",
           "automation_runs": "error"}.get(table, "name")
    # as the superuser (direct SQL, like an automation or the service role): nobody
    conn.execute(f"update {table} set {col} = {col}, updated_by = %s where id = %s", (world.users["owner_b"], row_id))
    assert _by(conn, table, row_id) is None
    # as a signed-in person allowed to write it, claiming to be someone else
    who = {"profiles": "member_a", "workspace_members": "owner_a", "timeline_entries": "member_a"}.get(table, "owner_a")
    if table == "automation_runs":  # read-only through the API: written by the runner (service role)
        with as_service_role(world.dsn) as c:
            c.execute(f"update {table} set {col} = {col} where id = %s", (row_id,))
        assert _by(conn, table, row_id) is None
        return
    with as_user(world.dsn, world.users[who]) as c:
        changed = c.execute(f"update {table} set {col} = {col}, updated_by = %s where id = %s",
                            (world.users["owner_b"], row_id)).rowcount
    assert changed == 1
    assert _by(conn, table, row_id) == world.users[who]


def test_inserts_are_stamped_too(world: World, conn) -> None:
    with as_user(world.dsn, world.users["member_a"]) as c:
        contact = c.execute("insert into contacts (workspace_id, name, updated_by) values (%s, 'Who', %s) returning id",
                            (world.ws["A"], world.users["owner_b"])).fetchone()[0]
    assert _by(conn, "contacts", contact) == world.users["member_a"]
    with as_service_role(world.dsn) as c:
        task = c.execute("insert into tasks (workspace_id, title) values (%s, 'From an Edge Function') returning id",
                         (world.ws["A"],)).fetchone()[0]
    assert _by(conn, "tasks", task) is None


def test_an_update_that_changes_nothing_but_the_sync_columns_is_not_audited(world: World, conn) -> None:
    deal = world.rows["A"]["deals"]
    before = conn.execute("select count(*) from audit_log where record_id = %s", (str(deal),)).fetchone()[0]
    for who in ("owner_a", "admin_a"):
        with as_user(world.dsn, world.users[who]) as c:
            c.execute("update deals set name = name where id = %s", (deal,))
    assert _by(conn, "deals", deal) == world.users["admin_a"]
    assert conn.execute("select count(*) from audit_log where record_id = %s", (str(deal),)).fetchone()[0] == before
    with as_user(world.dsn, world.users["admin_a"]) as c:
        c.execute("update deals set close_date = '2027-01-31' where id = %s", (deal,))
    assert conn.execute("select count(*) from audit_log where record_id = %s", (str(deal),)).fetchone()[0] == before + 1


def test_the_migration_applies_again_and_on_a_web_app_project(platform_db: str) -> None:
    with psycopg.connect(platform_db) as conn:
        conn.execute((migration_files()[0].parent.parent.parent / "tests" / "db" / "webapp_reference_schema.sql")
                     .read_text())
        ids = _seed_webapp(conn)
    apply_migrations(platform_db)
    apply_migrations(platform_db, [p for p in migration_files() if p.name == HERE_MIGRATION])
    with psycopg.connect(platform_db, autocommit=True) as conn:
        # the web app's plain writes still work, and are stamped with who made them
        conn.execute("update contacts set title = 'CEO' where id = %s", (ids["contact"],))
        assert _by(conn, "contacts", ids["contact"]) is None
        rls = conn.execute("select count(*) from pg_class where relnamespace = 'public'::regnamespace "
                           "and relkind = 'r' and not relrowsecurity").fetchone()[0]
        assert rls == 0
    with as_user(platform_db, ids["user"]) as c:
        c.execute("update deals set name = 'Doomsday device II' where id = %s", (ids["deal"],))
    with psycopg.connect(platform_db) as conn:
        assert _by(conn, "deals", ids["deal"]) == ids["user"]


def test_who_reaches_the_cache_and_the_change_set(world: World, conn) -> None:
    """A row as PostgREST would send it (to_jsonb of the row) applied by server_apply."""
    deal = world.rows["A"]["deals"]
    with as_user(world.dsn, world.users["admin_a"]) as c:
        c.execute("update deals set close_date = '2027-03-31' where id = %s", (deal,))
    row = conn.execute("select to_jsonb(d) from deals d where id = %s", (deal,)).fetchone()[0]
    row = json.loads(json.dumps(row))  # as JSON over the wire
    store = Store(":memory:")
    heard = []
    store.subscribe(heard.append)
    try:
        result = server_apply.apply_rows(store, "deals", [row])
        assert result.written == 1 and result.rejected == []
        cached = store.conn.execute("select updated_by, close_date, updated_at, version from deals").fetchone()
        assert cached["updated_by"] == str(world.users["admin_a"]) and cached["close_date"] == "2027-03-31"
        assert datetime.fromisoformat(cached["updated_at"]) == datetime.fromisoformat(row["updated_at"])
        assert heard[-1].origin is Origin.SERVER and heard[-1].changed_by("deals", str(deal)) == str(world.users["admin_a"])
    finally:
        store.close()

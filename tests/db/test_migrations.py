"""The migrations apply to an empty database, re-apply cleanly, and apply on top of a project
that already runs the Track web app (plain reference schema with data), after which the web
app's plain writes keep working and feed the sync columns and tombstones."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import psycopg
import pytest

from tests.support.supabase_platform import (
    apply_migrations,
    as_service_role,
    as_user,
    create_user,
    migration_files,
)

pytestmark = pytest.mark.db

HERE = Path(__file__).parent

# The contract the local SQLite cache mirrors (also written down in supabase/README.md).
COLUMNS: dict[str, list[str]] = {
    "profiles": ["id", "full_name", "avatar_url", "created_at", "updated_at", "version", "updated_by"],
    "workspaces": ["id", "name", "created_by", "created_at", "updated_at", "version", "updated_by"],
    "workspace_members": ["workspace_id", "user_id", "role", "created_at", "id", "updated_at", "version",
                          "updated_by"],
    "audit_log": ["id", "workspace_id", "actor_id", "table_name", "record_id", "action", "old_data", "new_data",
                  "created_at", "actor_role"],
    "boards": ["id", "workspace_id", "name", "record_type", "is_archived", "created_by", "created_at",
               "updated_at", "version", "updated_by"],
    "board_stages": ["id", "board_id", "name", "position", "stage_type", "probability", "created_at",
                     "workspace_id", "updated_at", "version", "updated_by"],
    "board_cards": ["id", "board_id", "stage_id", "record_type", "record_id", "position", "created_at",
                    "workspace_id", "updated_at", "version", "updated_by"],
    "contacts": ["id", "workspace_id", "name", "email", "phone", "title", "company_id", "owner_id", "tags",
                 "custom_fields", "deleted_at", "created_at", "updated_at", "version", "updated_by"],
    "companies": ["id", "workspace_id", "name", "domain", "industry", "size", "parent_id", "owner_id",
                  "custom_fields", "deleted_at", "created_at", "updated_at", "version", "updated_by", "tags"],
    "deals": ["id", "workspace_id", "name", "value_cents", "currency", "stage_id", "close_date", "probability",
              "primary_contact_id", "company_id", "owner_id", "custom_fields", "deleted_at", "created_at",
              "updated_at", "version", "updated_by", "tags"],
    "deal_contacts": ["deal_id", "contact_id", "role", "id", "created_at", "workspace_id", "updated_at", "version",
                      "updated_by"],
    "timeline_entries": ["id", "workspace_id", "record_type", "record_id", "entry_type", "author_id", "body",
                         "payload", "created_at", "updated_at", "version", "updated_by"],
    "tasks": ["id", "workspace_id", "record_type", "record_id", "title", "description", "assigned_to", "due_date",
              "status", "source_entry_id", "created_at", "updated_at", "version", "updated_by"],
    "custom_fields": ["id", "workspace_id", "record_type", "name", "key", "type", "config", "searchable",
                      "created_at", "updated_at", "version", "updated_by", "position"],
    "automations": ["id", "workspace_id", "name", "trigger", "conditions", "actions", "is_enabled", "created_at",
                    "updated_at", "version", "updated_by"],
    "automation_runs": ["id", "automation_id", "record_id", "status", "duration_ms", "error", "run_at",
                        "workspace_id", "updated_at", "version", "updated_by"],
    "search_index": ["id", "workspace_id", "record_type", "record_id", "tsv", "trigram", "name", "updated_at"],
    "sync_tombstones": ["id", "workspace_id", "table_name", "row_id", "row_key", "deleted_at", "deleted_by"],
}
SYNCED = ["profiles", "workspaces", "workspace_members", "boards", "board_stages", "board_cards", "contacts",
          "companies", "deals", "deal_contacts", "timeline_entries", "tasks", "custom_fields", "automations",
          "automation_runs"]


def test_migration_files_are_timestamped_and_ordered() -> None:
    names = [p.name for p in migration_files()]
    assert len(names) >= 6
    assert all(re.fullmatch(r"\d{14}_[a-z0-9_]+\.sql", n) for n in names)
    assert names == sorted(names)


def _columns(conn: psycopg.Connection) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for table, col in conn.execute("select table_name, column_name from information_schema.columns "
                                   "where table_schema = 'public' order by table_name, ordinal_position"):
        out.setdefault(table, []).append(col)
    return out


def _check_installed(conn: psycopg.Connection) -> None:
    """Everything the migrations promise is in place."""
    assert {t: set(c) for t, c in _columns(conn).items()} == {t: set(c) for t, c in COLUMNS.items()}
    no_rls = conn.execute("select relname from pg_class where relnamespace = 'public'::regnamespace "
                          "and relkind = 'r' and not relrowsecurity").fetchall()
    assert no_rls == []
    # auth.uid() only ever appears wrapped in a sub-select in our policies
    policies = conn.execute("select tablename, policyname, coalesce(qual, '') || ' ' || coalesce(with_check, '') "
                            "from pg_policies where schemaname = 'public' and policyname like 'track%'").fetchall()
    assert len(policies) > 50
    for table, name, text in policies:
        assert "auth.uid()" not in text.replace("( SELECT auth.uid() AS uid)", ""), (table, name, text)
    roles = conn.execute("select distinct unnest(roles)::text from pg_policies "
                         "where schemaname = 'public' and policyname like 'track%'").fetchall()
    assert roles == [("authenticated",)]
    published = {r[0] for r in conn.execute(
        "select tablename from pg_publication_tables where pubname = 'supabase_realtime' and schemaname = 'public'")}
    assert published == set(SYNCED) | {"sync_tombstones"}
    indexes = {r[0] for r in conn.execute("select indexname from pg_indexes where schemaname = 'public'")}
    for table in SYNCED:
        assert f"{table}_sync_idx" in indexes
    assert {"search_index_tsv_idx", "search_index_trigram_idx", "sync_tombstones_sync_idx"} <= indexes
    sync_idx = conn.execute("select indexdef from pg_indexes where indexname = 'contacts_sync_idx'").fetchone()[0]
    assert "(workspace_id, updated_at, id)" in sync_idx
    trgm = conn.execute("select indexdef from pg_indexes where indexname = 'search_index_trigram_idx'").fetchone()[0]
    assert "gin" in trgm and "gin_trgm_ops" in trgm
    triggers = {(r[0], r[1]) for r in conn.execute(
        "select event_object_table, trigger_name from information_schema.triggers where trigger_schema = 'public'")}
    for table in SYNCED:
        assert (table, "zz_track_sync_stamp") in triggers
    assert conn.execute("select prosecdef from pg_proc where proname = 'search_records'").fetchone() == (False,)


def test_apply_to_empty_database_and_reapply(platform_db: str) -> None:
    assert len(apply_migrations(platform_db)) == len(migration_files())
    with psycopg.connect(platform_db) as conn:
        _check_installed(conn)
        before = conn.execute("select count(*) from pg_policies where schemaname = 'public'").fetchone()[0]
    apply_migrations(platform_db)
    apply_migrations(platform_db)
    with psycopg.connect(platform_db) as conn:
        _check_installed(conn)
        assert conn.execute("select count(*) from pg_policies where schemaname = 'public'").fetchone()[0] == before
        triggers = conn.execute("select count(*) from information_schema.triggers "
                                "where trigger_schema = 'public'").fetchone()[0]
    apply_migrations(platform_db)
    with psycopg.connect(platform_db) as conn:
        assert conn.execute("select count(*) from information_schema.triggers "
                            "where trigger_schema = 'public'").fetchone()[0] == triggers


def test_existing_publication_for_all_tables_is_respected(platform_db: str) -> None:
    with psycopg.connect(platform_db, autocommit=True) as conn:
        conn.execute("create publication supabase_realtime for all tables")
    apply_migrations(platform_db)
    with psycopg.connect(platform_db) as conn:
        assert conn.execute("select puballtables from pg_publication "
                            "where pubname = 'supabase_realtime'").fetchone() == (True,)


def _seed_webapp(conn: psycopg.Connection) -> dict[str, uuid.UUID]:
    """Data as the web app wrote it, before our migrations existed."""
    ids = {k: uuid.uuid4() for k in ("ws", "board", "stage", "company", "contact", "contact2", "deal",
                                      "card", "entry", "task", "field", "automation", "run")}
    ids["user"] = create_user(conn, "founder@example.test")
    ids["colleague"] = create_user(conn, "colleague@example.test")
    x = conn.execute
    x("insert into workspaces (id, name) values (%(ws)s, 'Web workspace')", ids)
    x("insert into profiles (id, full_name, workspace_role) values (%(user)s, 'Founder', 'admin')", ids)
    x("insert into workspace_members (workspace_id, user_id, role) values (%(ws)s, %(user)s, 'admin'), "
      "(%(ws)s, %(colleague)s, 'member')", ids)
    x("insert into audit_log (workspace_id, actor_id, action, table_name) values (%(ws)s, %(user)s, 'login', 'auth')", ids)
    x("insert into boards (id, workspace_id, name, record_type, is_archived) values (%(board)s, %(ws)s, 'Sales', 'deal', false)", ids)
    x("insert into board_stages (id, board_id, name, position, stage_type) values (%(stage)s, %(board)s, 'New', 0, 'open')", ids)
    x("insert into custom_fields (id, workspace_id, record_type, name, key, type, searchable) "
      "values (%(field)s, %(ws)s, 'company', 'Region', 'region', 'text', true)", ids)
    x("insert into companies (id, workspace_id, name, domain, custom_fields) values "
      "(%(company)s, %(ws)s, 'Globex', 'globex.example', '{\"region\": \"Cypress Creek\"}')", ids)
    x("insert into contacts (id, workspace_id, name, email, company_id) values "
      "(%(contact)s, %(ws)s, 'Hank Scorpio', 'hank@globex.example', %(company)s), "
      "(%(contact2)s, %(ws)s, 'Homer Simpson', null, %(company)s)", ids)
    x("insert into deals (id, workspace_id, name, stage_id, company_id, primary_contact_id, value_cents, currency) "
      "values (%(deal)s, %(ws)s, 'Doomsday device', %(stage)s, %(company)s, %(contact)s, 990000, 'USD')", ids)
    x("insert into deal_contacts (deal_id, contact_id, role) values (%(deal)s, %(contact)s, 'champion'), "
      "(%(deal)s, %(contact2)s, 'user')", ids)
    x("insert into board_cards (id, board_id, stage_id, record_type, record_id, position) "
      "values (%(card)s, %(board)s, %(stage)s, 'deal', %(deal)s, 0)", ids)
    x("insert into timeline_entries (id, workspace_id, record_type, record_id, entry_type, author_id, body) "
      "values (%(entry)s, %(ws)s, 'deal', %(deal)s, 'note', %(user)s, 'Met at the volcano')", ids)
    x("insert into tasks (id, workspace_id, record_type, record_id, title, status) "
      "values (%(task)s, %(ws)s, 'deal', %(deal)s, 'Follow up', 'open')", ids)
    x("insert into automations (id, workspace_id, name, is_enabled) values (%(automation)s, %(ws)s, 'Notify', true)", ids)
    x("insert into automation_runs (id, automation_id, status) values (%(run)s, %(automation)s, 'success')", ids)
    x("insert into search_index (workspace_id, record_type, record_id, tsv) "
      "values (%(ws)s, 'deal', %(deal)s, to_tsvector('simple', 'doomsday'))", ids)
    return ids


COUNTED = ["workspaces", "profiles", "workspace_members", "boards", "board_stages", "companies", "contacts",
           "deals", "deal_contacts", "board_cards", "timeline_entries", "tasks", "custom_fields", "automations",
           "automation_runs"]


def test_apply_on_top_of_the_web_app_schema(platform_db: str) -> None:
    with psycopg.connect(platform_db) as conn:
        conn.execute((HERE / "webapp_reference_schema.sql").read_text())
        ids = _seed_webapp(conn)
        counts = {t: conn.execute(f"select count(*) from {t}").fetchone()[0] for t in COUNTED}
    apply_migrations(platform_db)
    apply_migrations(platform_db)  # and again

    with psycopg.connect(platform_db, autocommit=True) as conn:
        cols = _columns(conn)
        for table, expected in COLUMNS.items():
            assert set(expected) <= set(cols[table]), table
        assert "workspace_role" in cols["profiles"]                    # the web app's own column stays
        assert {t: conn.execute(f"select count(*) from {t}").fetchone()[0] for t in COUNTED} == counts
        # existing rows got the sync columns and derived workspace_id / keys
        for table in ("board_stages", "board_cards", "deal_contacts", "automation_runs"):
            assert conn.execute(f"select count(*) from {table} where workspace_id is distinct from %s",
                                (ids["ws"],)).fetchone()[0] == 0, table
        assert conn.execute("select count(distinct id) from deal_contacts").fetchone()[0] == 2
        assert conn.execute("select min(version), max(version), bool_and(updated_at is not null) "
                            "from contacts").fetchone() == (1, 1, True)
        # the web app's policies are still there, next to ours, and RLS is still on
        web = conn.execute("select count(*) from pg_policies where policyname like 'web:%'").fetchone()[0]
        assert web == 10
        assert conn.execute("select count(*) from pg_class where relnamespace = 'public'::regnamespace "
                            "and relkind = 'r' and not relrowsecurity").fetchone()[0] == 0
        # existing records are searchable, including searchable custom fields
        with as_user(conn, ids["user"]) as c:
            found = {r[0] for r in c.execute("select record_id from search_records('globex')")}
            assert {ids["company"], ids["contact"]} <= found
            assert ids["company"] in {r[0] for r in c.execute("select record_id from search_records('cypress')")}

    # the web app's plain writes (no sync columns, composite keys, hard deletes) still work
    with psycopg.connect(platform_db, autocommit=True) as conn:
        with as_user(conn, ids["user"]) as c:
            new = c.execute("insert into contacts (workspace_id, name, email, tags, custom_fields) "
                            "values (%s, 'Mindy', 'mindy@globex.example', '{}', '{}') returning id, version",
                            (ids["ws"],)).fetchone()
            assert new[1] == 1
            c.execute("update contacts set title = 'CFO' where id = %s", (new[0],))
            c.execute("insert into deal_contacts (deal_id, contact_id, role) values (%s, %s, 'buyer')",
                      (ids["deal"], new[0]))
            c.execute("insert into board_stages (board_id, name, position, stage_type) values (%s, 'Won', 1, 'won')",
                      (ids["board"],))
        assert conn.execute("select version from contacts where id = %s", (new[0],)).fetchone() == (2,)
        assert conn.execute("select workspace_id from board_stages where name = 'Won'").fetchone() == (ids["ws"],)
        with as_user(conn, ids["user"]) as c:
            c.execute("delete from deal_contacts where deal_id = %s and contact_id = %s", (ids["deal"], new[0]))
            c.execute("delete from contacts where id = %s", (new[0],))
        with as_service_role(conn) as c:  # an Edge Function's hard delete
            c.execute("delete from tasks where id = %s", (ids["task"],))
        stones = conn.execute("select table_name, row_key from sync_tombstones order by id").fetchall()
        assert [s[0] for s in stones] == ["deal_contacts", "contacts", "tasks"]
        assert stones[0][1] == {"deal_id": str(ids["deal"]), "contact_id": str(new[0])}
        audit = conn.execute("select action, table_name, actor_id from audit_log where table_name = 'contacts' "
                             "order by created_at, action").fetchall()
        assert ("insert", "contacts", ids["user"]) in audit and ("delete", "contacts", ids["user"]) in audit
        # the new RLS still confines the web app's users
        with as_user(conn, ids["colleague"]) as c:
            assert c.execute("select count(*) from contacts").fetchone()[0] == 2

"""The cache can hold every value the server can: its columns compared with the migrated
server's (NOT NULL, CHECK, columns on one side only), on a project our migrations created and on
one whose tables the web app created first; and real server rows with NULL in every column the
cache requires apply."""

from __future__ import annotations

import json
import uuid

import psycopg
import pytest

from tests.support.supabase_platform import apply_migrations
from track_tui.store import Store
from track_tui.store import server_apply
from track_tui.store.schema import SYNCED_TABLES

from .conftest import World
from .test_migrations import HERE, _seed_webapp

pytestmark = pytest.mark.db

# Columns the server has and the cache leaves out (server_apply drops them), and the reverse.
SERVER_ONLY = {
    "profiles": {"created_at"}, "workspaces": {"created_by"}, "workspace_members": {"created_at"},
    "board_stages": {"created_at"}, "board_cards": {"created_at"}, "deal_contacts": {"created_at"},
    "custom_fields": {"created_at"},
}
CACHE_ONLY = {"profiles": {"email"}}  # kept from the sign-in; the server has it in auth.users


def _server_columns(conn: psycopg.Connection, table: str) -> dict[str, bool]:
    """column → nullable, for a public table."""
    rows = conn.execute("select column_name, is_nullable = 'YES' from information_schema.columns "
                        "where table_schema = 'public' and table_name = %s", (table,)).fetchall()
    return dict(rows)


def _cache() -> Store:
    return Store(":memory:")


def test_the_cache_is_no_stricter_than_a_project_our_migrations_created(world: World) -> None:
    store = _cache()
    try:
        with psycopg.connect(world.dsn) as conn:
            for table in SYNCED_TABLES:
                server = _server_columns(conn, table)
                cache = {r[1]: bool(r[3]) for r in store.conn.execute(f"PRAGMA table_info({table})")}
                assert set(server) - set(cache) == SERVER_ONLY.get(table, set()), table
                assert set(cache) - set(server) == CACHE_ONLY.get(table, set()), table
                stricter = {c for c, not_null in cache.items() if not_null and server.get(c, False)}
                assert stricter == set(), f"{table}: NOT NULL in the cache, nullable on the server: {stricter}"
        checks = [r[0] for r in store.conn.execute(
            f"SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE '%CHECK%' "
            f"AND name IN ({', '.join('?' for _ in SYNCED_TABLES)})", SYNCED_TABLES)]
        assert checks == []  # the server's CHECKs are the server's; a web-app project has none
    finally:
        store.close()


def test_rows_of_a_web_app_project_apply_even_with_nulls_where_the_cache_requires_values(platform_db: str) -> None:
    """On a project whose tables predate our migrations almost every column is nullable: a row
    with NULL in every column the cache declares NOT NULL still applies (filled on apply)."""
    with psycopg.connect(platform_db) as conn:
        conn.execute((HERE / "webapp_reference_schema.sql").read_text())
        _seed_webapp(conn)
    apply_migrations(platform_db)
    store = _cache()
    try:
        with psycopg.connect(platform_db, autocommit=True) as conn:
            for table in SYNCED_TABLES:
                server = _server_columns(conn, table)
                cache = {r[1]: bool(r[3]) for r in store.conn.execute(f"PRAGMA table_info({table})")}
                required = {c for c, not_null in cache.items() if not_null and server.get(c, False) and c != "id"}
                rows = [json.loads(json.dumps(r[0])) for r in conn.execute(
                    f"select to_jsonb(t) from public.{table} t")]
                assert rows, table
                for row in rows:
                    row.update({c: None for c in required})
                    row["id"] = row.get("id") or str(uuid.uuid4())
                result = server_apply.apply_rows(store, table, rows)
                assert result.rejected == [] and result.written == len(rows), (table, result)
                for column in required:
                    assert store.conn.execute(f"SELECT count(*) FROM {table} WHERE {column} IS NULL").fetchone()[0] == 0
    finally:
        store.close()

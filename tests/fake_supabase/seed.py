"""The dev server's workspaces: the app's own demo data, copied into the server's PostgreSQL.

A person trying sync by hand should see on the server what the app shows offline, so nothing
here generates data: :func:`track_tui.demo.build_demo` fills a throwaway in-memory cache (the
same generator the app's demo and every screenshot use), and its synced tables are copied row by
row into PostgreSQL with ``COPY`` -- columns the two schemas share, values converted from the
cache's storage (JSON text -> jsonb, JSON arrays -> text[], 0/1 -> boolean; timestamps and ids
are already the text PostgreSQL parses). ``updated_at`` and ``version`` are left to the server's
own defaults and triggers, which stamp them as for any write. The demo's audit trail is copied
too; the audit trigger is switched off for the copy (inside its transaction), so the server's
log holds the demo's history rather than one "insert" per seeded row.

Three people can sign in (everyone else in the demo is a user without a password):

* the demo workspace's owner (``demo@example.test``) -- the ``me`` of the app's demo;
* user 2, owner of a second, smaller workspace built from another seed (RLS keeps the two apart);
* user 3, a ``member`` (not an admin) of the demo workspace.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime

import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from track_tui.demo import build_demo
from track_tui.store.schema import SYNCED_TABLES
from track_tui.store.store import Store

from .server import FakeSupabase

DEMO_EMAIL = "demo@example.test"
DEMO_PASSWORD = "demo-password"
USER2_EMAIL = "user2@example.test"
USER2_PASSWORD = "user2-password"
USER3_EMAIL = "user3@example.test"
USER3_PASSWORD = "user3-password"
SECOND_WORKSPACE_NAME = "Second workspace (user 2)"
DEMO_SEED, SECOND_SEED = 7, 8
SECOND_WORKSPACE_DEALS = 24

SERVER_STAMPED = frozenset({"updated_at", "version"})  # the server's trigger owns these
COPIED_TABLES = (*SYNCED_TABLES, "audit_log")


@dataclass(frozen=True)
class Login:
    email: str
    password: str
    user_id: str
    workspace_id: str


@dataclass
class DevSeed:
    demo: Login
    user2: Login
    user3: Login
    rows: dict[str, int] = field(default_factory=dict)  # table -> rows copied (both workspaces)


@dataclass(frozen=True)
class _Column:
    name: str
    data_type: str  # information_schema.columns.data_type: 'jsonb', 'ARRAY', 'boolean', ...


def _pg_columns(conn: psycopg.Connection, table: str) -> dict[str, _Column]:
    rows = conn.execute(
        "select column_name, data_type from information_schema.columns"
        " where table_schema = 'public' and table_name = %s", (table,)).fetchall()
    return {name: _Column(name, kind) for name, kind in rows}


def _convert(column: _Column, value):
    if value is None:
        return None
    if column.data_type in ("jsonb", "json"):
        return Jsonb(json.loads(value))
    if column.data_type == "ARRAY":
        return json.loads(value)
    if column.data_type == "boolean":
        return bool(value)
    return value


def copy_cache(cache: sqlite3.Connection, conn: psycopg.Connection) -> dict[str, int]:
    """COPY every synced table (and the audit log) of `cache` into `conn`'s public schema.

    Runs on `conn` without committing; the caller's transaction decides.
    """
    counts: dict[str, int] = {}
    for table in COPIED_TABLES:
        target = _pg_columns(conn, table)
        own = [row[1] for row in cache.execute(f'PRAGMA table_info("{table}")')]
        skip = SERVER_STAMPED | ({"id"} if table == "audit_log" else set())  # the server numbers its log
        columns = [target[name] for name in own if name in target and name not in skip]
        select = "SELECT " + ", ".join(f'"{c.name}"' for c in columns) + f' FROM "{table}"'
        statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier("public", table), sql.SQL(", ").join(sql.Identifier(c.name) for c in columns))
        n = 0
        with conn.cursor().copy(statement) as copy:
            for row in cache.execute(select):
                copy.write_row([_convert(c, v) for c, v in zip(columns, row)])
                n += 1
        counts[table] = n
    return counts


def _profiles(cache: sqlite3.Connection) -> list[tuple[str, str, str]]:
    """(user id, full name, role) of everyone in the cache's workspace, owner first."""
    rows = cache.execute(
        "SELECT p.id, p.full_name, m.role FROM profiles p JOIN workspace_members m ON m.user_id = p.id"
        " ORDER BY CASE m.role WHEN 'owner' THEN 0 WHEN 'admin' THEN 1 ELSE 2 END, p.full_name").fetchall()
    return [(r[0], r[1], r[2]) for r in rows]


async def seed_dev_workspaces(server: FakeSupabase, *, deals: int, now: datetime | None = None) -> DevSeed:
    """Build both demo caches, create their people as Auth users and copy their rows in."""
    demo_cache, second_cache = Store(":memory:"), Store(":memory:")
    try:
        demo = build_demo(demo_cache, seed=DEMO_SEED, deals=deals, now=now)
        second = build_demo(second_cache, seed=SECOND_SEED, deals=SECOND_WORKSPACE_DEALS, now=now)
        people = _profiles(demo_cache.conn)
        member = next(uid for uid, _, role in people if role == "member")
        logins = {demo.user_id: (DEMO_EMAIL, DEMO_PASSWORD), member: (USER3_EMAIL, USER3_PASSWORD),
                  second.user_id: (USER2_EMAIL, USER2_PASSWORD)}
        for n, (cache, label) in enumerate(((demo_cache, "demo"), (second_cache, "second")), start=1):
            for i, (uid, name, _) in enumerate(_profiles(cache.conn)):
                email, password = logins.get(uid, (f"{label}-teammate-{i}@example.test", None))
                await server.create_user(email, password, user_id=uid, user_metadata={"full_name": name})
        with psycopg.connect(server.dsn) as conn:
            audited = [r[0] for r in conn.execute(
                "select c.relname from pg_trigger t join pg_class c on c.oid = t.tgrelid"
                " join pg_namespace n on n.oid = c.relnamespace"
                " where t.tgname = 'track_60_audit' and n.nspname = 'public'").fetchall()]
            for table in audited:
                conn.execute(sql.SQL("ALTER TABLE {} DISABLE TRIGGER track_60_audit").format(sql.Identifier("public", table)))
            rows: dict[str, int] = {}
            for cache in (demo_cache, second_cache):
                for table, n in copy_cache(cache.conn, conn).items():
                    rows[table] = rows.get(table, 0) + n
            for table in audited:
                conn.execute(sql.SQL("ALTER TABLE {} ENABLE TRIGGER track_60_audit").format(sql.Identifier("public", table)))
            conn.execute("update public.workspaces set name = %s where id = %s", (SECOND_WORKSPACE_NAME, second.workspace_id))
            conn.execute("update public.workspaces w set created_by = m.user_id from public.workspace_members m"
                         " where m.workspace_id = w.id and m.role = 'owner' and w.id in (%s, %s)",
                         (demo.workspace_id, second.workspace_id))
            conn.commit()
    finally:
        demo_cache.close()
        second_cache.close()
    return DevSeed(
        demo=Login(DEMO_EMAIL, DEMO_PASSWORD, demo.user_id, demo.workspace_id),
        user2=Login(USER2_EMAIL, USER2_PASSWORD, second.user_id, second.workspace_id),
        user3=Login(USER3_EMAIL, USER3_PASSWORD, member, demo.workspace_id),
        rows=rows,
    )

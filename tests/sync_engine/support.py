"""Helpers of the sync engine's tests: caches for the team's people, engines on the test's
loop, server-side seeding, and the row-by-row comparison of a cache with the server."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

from tests.sync_contract.conftest import TestUser
from track_tui.store import Store
from track_tui.store.schema import SYNCED_TABLES
from track_tui.store.server_rows import convert_row, fill_required, table_shape
from track_tui.sync.engine import EngineSettings, SyncEngine

FAST = EngineSettings(poll_interval=0.3, safety_interval=0.5, backoff_base=0.05, backoff_max=0.3,
                      push_debounce=0.0)
CACHE_ONLY = {"profiles": {"email"}}


def make_cache(path: Path, workspace_id: str, user: TestUser, role: str = "owner") -> Store:
    store = Store(path)
    for key, value in (("workspace_id", workspace_id), ("user_id", user.id), ("role", role)):
        store.set_meta(key, value)
    return store


def make_engine(backend, user: TestUser, store: Store, workspace_id: str, **kw: Any) -> SyncEngine:
    async def client():
        return await backend.signed_in(user)

    kw.setdefault("settings", FAST)
    return SyncEngine(store, None, workspace_id, client=client, **kw)


def seed_board(backend, workspace_id: str, *, deals: int = 3, prefix: str = "Deal") -> dict[str, Any]:
    """A deals board with two stages and `deals` deals (with cards), written as the web app."""
    board = str(uuid.uuid4())
    stages = [str(uuid.uuid4()), str(uuid.uuid4())]
    backend.sql("insert into boards (id, workspace_id, name, record_type) values (%s, %s, 'Deals', 'deal')",
                (board, workspace_id))
    for n, stage in enumerate(stages):
        backend.sql("insert into board_stages (id, board_id, name, position) values (%s, %s, %s, %s)",
                    (stage, board, f"Stage {n}", n))
    ids = []
    if deals:
        rows = backend.sql(
            "insert into deals (workspace_id, name, stage_id, value_cents, currency) "
            "select %s, %s || ' ' || g, %s, g * 100, 'USD' from generate_series(1, %s) g returning id",
            (workspace_id, prefix, stages[0], deals))
        ids = [str(r[0]) for r in rows]
        backend.sql("insert into board_cards (board_id, stage_id, record_type, record_id, position) "
                    "select %s, %s, 'deal', d.id, row_number() over (order by d.name) from deals d "
                    "where d.id = any(%s::uuid[])", (board, stages[0], ids))
    return {"board": board, "stages": stages, "deals": ids}


def _server_rows(backend, table: str, workspace_id: str) -> dict[str, dict[str, Any]]:
    if table == "workspaces":
        where, params = "id = %s", (workspace_id,)
    elif table == "profiles":
        where, params = "id in (select user_id from workspace_members where workspace_id = %s)", (workspace_id,)
    else:
        where, params = "workspace_id = %s", (workspace_id,)
    rows = backend.sql(f"select to_jsonb(t) from {table} t where {where}", params)
    return {r[0]["id"]: r[0] for r in rows}


def differences(backend, store: Store, workspace_id: str) -> list[str]:
    """Every way the cache differs from the server, row by row (empty: equal)."""
    problems: list[str] = []
    with store.reading() as conn:
        for table in SYNCED_TABLES:
            shape = table_shape(conn, table)
            server = _server_rows(backend, table, workspace_id)
            cached = {r["id"]: dict(r) for r in conn.execute(f"SELECT * FROM {table}")}
            if table == "profiles":
                cached = {k: v for k, v in cached.items() if k in server}
            for row_id in sorted(set(server) - set(cached)):
                problems.append(f"{table} {row_id}: on the server, not in the cache")
            for row_id in sorted(set(cached) - set(server)):
                problems.append(f"{table} {row_id}: in the cache, not on the server")
            for row_id in sorted(set(server) & set(cached)):
                want = fill_required(shape, convert_row(shape, server[row_id]))
                have = cached[row_id]
                for column, value in want.items():
                    if column in CACHE_ONLY.get(table, ()):
                        continue
                    if have.get(column) != value:
                        problems.append(f"{table} {row_id}.{column}: cache {have.get(column)!r} server {value!r}")
    return problems


def assert_same(backend, store: Store, workspace_id: str) -> None:
    problems = differences(backend, store, workspace_id)
    assert not problems, f"{len(problems)} differences:\n" + "\n".join(problems[:30])


def outbox(store: Store) -> list[dict[str, Any]]:
    with store.reading() as conn:
        return [dict(r) | {"patch": json.loads(r["patch"])} for r in conn.execute("SELECT * FROM outbox ORDER BY seq")]

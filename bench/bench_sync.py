"""First download through the sync engine vs. fetching the same pages with a bare HTTP client.

The test double (tests/fake_supabase: real PostgreSQL, the project's migrations and RLS, the
PostgREST subset) is seeded with the app's demo workspace at 100,000 deals (about 600,000 rows
across the synced tables). Measured in the same run, over loopback, as the workspace's owner:

- **bare**: an ``httpx.AsyncClient`` reading every synced table in the engine's keyset pages of
  1,000 on ``(updated_at, id)`` until an empty page, and decoding each page's JSON — the least
  any client must do to have the rows in memory;
- **engine**: ``SyncEngine.first_download()`` on a new cache: the same pages through
  supabase-py, each applied through the bulk path with its cursor, then the search documents
  built (a ``sync_once()`` afterwards, not timed, checks the cache is in step).

The bare client reads everything once before either is timed, so neither pays for a cold
server (PostgreSQL's caches, the RLS plans).

One pair of runs is a noisy figure on a shared machine (0.40-0.62 seen from one run to the
next): whatever else the machine does lands on one side of the ratio. So the two are measured
``REPEATS`` times in interleaved pairs, alternating which goes first (bare-engine, engine-bare,
...), each engine run on a new cache with a new client, and the figure is the median of the
pairs' ratios: a burst of load slows both halves of the pair it lands in, and an outlier pair
does not move a median. What is measured is unchanged: the same pages, the same whole first
download.

Printed: the median times, rows per second, each pair's ratio and the median ratio bare /
engine (the budget: at least 0.5, i.e. the first download runs at half the speed of merely
fetching the pages or better).

Run: ``python -m bench.bench_sync`` (or ``make bench``). ``TRACK_BENCH_SYNC_DEALS`` changes the
size (for a quick look) and ``TRACK_BENCH_SYNC_REPEATS`` the number of pairs (default 5); it
needs PostgreSQL on 127.0.0.1:5432 like the test-suite.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import time
from pathlib import Path

DEALS = int(os.environ.get("TRACK_BENCH_SYNC_DEALS", "100000"))
REPEATS = max(1, int(os.environ.get("TRACK_BENCH_SYNC_REPEATS", "5")))
BUDGET = 0.5


async def _bare(url: str, anon_key: str, token: str, workspace_id: str, tables: tuple[str, ...]) -> int:
    import json

    import httpx

    headers = {"apikey": anon_key, "Authorization": f"Bearer {token}"}
    rows = 0
    async with httpx.AsyncClient(base_url=f"{url}/rest/v1", headers=headers, timeout=60) as http:
        for table in tables:
            scope = ("id", workspace_id) if table == "workspaces" else (None if table == "profiles" else ("workspace_id", workspace_id))
            after = None
            while True:
                params = {"select": "*", "order": "updated_at.asc,id.asc", "limit": "1000"}
                if scope:
                    params[scope[0]] = f"eq.{scope[1]}"
                if after:
                    params["or"] = f'(updated_at.gt."{after[0]}",and(updated_at.eq."{after[0]}",id.gt."{after[1]}"))'
                response = await http.get(f"/{table}", params=params)
                response.raise_for_status()
                page = json.loads(response.content)
                if not page:
                    break
                rows += len(page)
                after = (page[-1]["updated_at"], page[-1]["id"])
    return rows


async def _token(url: str, anon_key: str, email: str, password: str) -> str:
    import httpx

    async with httpx.AsyncClient(timeout=60) as http:
        response = await http.post(f"{url}/auth/v1/token", params={"grant_type": "password"},
                                   headers={"apikey": anon_key}, json={"email": email, "password": password})
        response.raise_for_status()
        return response.json()["access_token"]


async def _engine(url: str, anon_key: str, email: str, password: str, workspace_id: str, user_id: str,
                  cache: Path) -> tuple[float, int]:
    from supabase import AsyncClientOptions, acreate_client

    from track_tui.store import Store
    from track_tui.sync.engine import SyncEngine

    client = await acreate_client(url, anon_key, AsyncClientOptions(auto_refresh_token=False, persist_session=False))
    await client.auth.sign_in_with_password({"email": email, "password": password})
    store = Store(cache)
    store.set_meta("workspace_id", workspace_id)
    store.set_meta("user_id", user_id)
    store.set_meta("role", "owner")

    async def provider():
        return client

    engine = SyncEngine(store, None, workspace_id, client=provider)
    try:
        start = time.perf_counter()
        report = await engine.first_download()
        elapsed = time.perf_counter() - start
        outcome = await engine.sync_once()  # not timed: the round after it must find the cache in step
        assert outcome.in_step, outcome
        return elapsed, report.written
    finally:
        engine.close()
        store.close()
        await client.postgrest.aclose()


def main() -> None:
    from tests.fake_supabase import ServerThread
    from tests.fake_supabase.seed import seed_dev_workspaces
    from tests.support import supabase_platform as platform
    from tests.support.postgres import fresh_database, logical_server
    from track_tui.sync.pull import PULL_ORDER

    print(f"Sync: first download of a {DEALS:,}-deal workspace through the test double (loopback)")
    with fresh_database("track_bench_sync", pg=logical_server()) as dsn:
        platform.prepare_supabase_database(dsn)
        platform.apply_migrations(dsn)
        fake = ServerThread(dsn)
        try:
            seeded = fake.call(seed_dev_workspaces(fake.server, deals=DEALS), timeout=1800)
            demo = seeded.demo
            token = asyncio.run(_token(fake.url, fake.anon_key, demo.email, demo.password))
            asyncio.run(_bare(fake.url, fake.anon_key, token, demo.workspace_id, PULL_ORDER))  # warm the server

            def bare() -> tuple[float, int]:
                start = time.perf_counter()
                fetched = asyncio.run(_bare(fake.url, fake.anon_key, token, demo.workspace_id, PULL_ORDER))
                return time.perf_counter() - start, fetched

            def engine() -> tuple[float, int]:
                with tempfile.TemporaryDirectory() as folder:
                    return asyncio.run(_engine(
                        fake.url, fake.anon_key, demo.email, demo.password, demo.workspace_id, demo.user_id,
                        Path(folder) / "cache.sqlite3"))

            pairs = []  # (bare seconds, engine seconds, rows fetched, rows written)
            for n in range(REPEATS):
                if n % 2 == 0:
                    (bare_s, fetched), (engine_s, rows) = bare(), engine()
                else:
                    (engine_s, rows), (bare_s, fetched) = engine(), bare()
                pairs.append((bare_s, engine_s, fetched, rows))
        finally:
            fake.close()
    bare_s = statistics.median(p[0] for p in pairs)
    engine_s = statistics.median(p[1] for p in pairs)
    fetched, rows = pairs[0][2], pairs[0][3]
    ratios = [b / e for b, e, _, _ in pairs]
    print(f"  bare httpx, fetch + decode every page: {bare_s:.1f} s median of {REPEATS}, {fetched:,} rows "
          f"({fetched / bare_s:,.0f} rows/s; baseline)")
    print(f"  engine first download (fetch, bulk apply with cursors, search build): {engine_s:.1f} s median, "
          f"{rows:,} rows ({rows / engine_s:,.0f} rows/s)")
    ratio = statistics.median(ratios)
    verdict = "within" if ratio >= BUDGET else "OVER"
    print(f"  ratio bare / engine per pair (interleaved): {', '.join(f'{r:.2f}' for r in ratios)}")
    print(f"  ratio bare / engine, median: {ratio:.3f} ({verdict} the budget of >= {BUDGET})")


if __name__ == "__main__":
    main()

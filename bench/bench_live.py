"""Realtime figures: a row written by SQL on the server until LiveFeed hands it to the engine.

Over loopback against the test double (tests/fake_supabase, real PostgreSQL with logical
decoding, the real supabase-py realtime client), measured in the same run beside two baselines:

1. a bare websocket round trip (a Phoenix heartbeat and its reply on a plain `websockets`
   client): what the socket itself costs;
2. the same SQL write seen as a raw ``postgres_changes`` frame on a plain websocket subscribed
   to the same table: what the server's change capture costs (the double polls its replication
   slot every 20 ms, as Realtime's poller does every 100 ms).

``LiveFeed`` adds realtime-py's parsing, the hint classification and its per-table batching
quiet gap (12 ms by default) on top of baseline 2; the ratio says how much. The issue's target is
the whole path to the open board at p95 <= 150 ms; this is the part up to the engine.

Run: `python -m bench.bench_live` (or `make bench`). Needs PostgreSQL's server binaries (a
throwaway cluster with wal_level=logical is started, as the sync tests do).
"""

from __future__ import annotations

import asyncio
import json
import random
import statistics
import time
import uuid

ROUNDS = 60
# A pause of 0-40 ms before each write, so writes do not lock onto the double's 20 ms poll phase
# (a write right after an arrival would otherwise always wait the same part of a poll interval).
PAUSE = (0.0, 0.04)


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] * 1000


async def _measure(fake, dsn: str) -> dict[str, list[float]]:
    import psycopg
    import websockets
    from supabase import AsyncClientOptions, acreate_client

    from track_tui.sync.live import LiveFeed

    admin = await acreate_client(fake.url, fake.service_role_key,
                                 AsyncClientOptions(auto_refresh_token=False, persist_session=False))
    email, password = f"bench-{uuid.uuid4().hex[:8]}@example.test", "bench password 123"
    user = (await admin.auth.admin.create_user({"email": email, "password": password, "email_confirm": True})).user
    ws_id = (await admin.table("workspaces").insert({"name": "Bench"}).execute()).data[0]["id"]
    await admin.table("workspace_members").insert({"workspace_id": ws_id, "user_id": user.id, "role": "owner"}).execute()
    client = await acreate_client(fake.url, fake.anon_key,
                                  AsyncClientOptions(auto_refresh_token=False, persist_session=False))
    session = (await client.auth.sign_in_with_password({"email": email, "password": password})).session

    conn = await psycopg.AsyncConnection.connect(dsn, autocommit=True)

    async def insert(name: str) -> None:
        await conn.execute("insert into public.contacts (workspace_id, name) values (%s, %s)", (ws_id, name))

    results: dict[str, list[float]] = {"heartbeat": [], "raw": [], "feed": []}
    rng = random.Random(12)

    # Baselines on a plain websocket.
    url = fake.url.replace("http://", "ws://") + f"/realtime/v1/websocket?apikey={fake.anon_key}&vsn=1.0.0"
    async with websockets.connect(url, ping_interval=None) as raw:
        for i in range(ROUNDS):
            started = time.perf_counter()
            await raw.send(json.dumps({"topic": "phoenix", "event": "heartbeat", "payload": {}, "ref": f"h{i}"}))
            while json.loads(await raw.recv()).get("ref") != f"h{i}":
                pass
            results["heartbeat"].append(time.perf_counter() - started)
        binding = {"event": "INSERT", "schema": "public", "table": "contacts", "filter": f"workspace_id=eq.{ws_id}"}
        await raw.send(json.dumps({"topic": "realtime:bench-raw", "event": "phx_join", "ref": "j", "join_ref": "j",
                                   "payload": {"config": {"postgres_changes": [binding]},
                                               "access_token": session.access_token}}))
        while True:
            frame = json.loads(await raw.recv())
            if frame["event"] == "system" and frame["payload"].get("message") == "Subscribed to PostgreSQL":
                break
        for i in range(ROUNDS):
            name = f"raw {i}"
            await asyncio.sleep(rng.uniform(*PAUSE))
            started = time.perf_counter()
            await insert(name)
            while True:
                frame = json.loads(await raw.recv())
                if frame["event"] == "postgres_changes" and frame["payload"]["data"]["record"]["name"] == name:
                    break
            results["raw"].append(time.perf_counter() - started)

    # The feed.
    arrived: dict[str, float] = {}
    changed = asyncio.Event()

    async def on_rows(table: str, rows: list[dict]) -> None:
        now = time.perf_counter()
        for row in rows:
            arrived[row["name"]] = now
        changed.set()

    async def nothing(*_a) -> None:
        return None

    live = asyncio.Event()
    feed = LiveFeed(client, ws_id, ["contacts"], on_rows=on_rows, on_fetch=nothing, on_subscribed=nothing,
                    on_state=lambda state, problem: live.set() if state == "live" else None)
    task = asyncio.create_task(feed.run())
    await asyncio.wait_for(live.wait(), 15)
    for i in range(ROUNDS):
        name = f"feed {i}"
        await asyncio.sleep(rng.uniform(*PAUSE))
        started = time.perf_counter()
        await insert(name)
        while name not in arrived:
            changed.clear()
            await asyncio.wait_for(changed.wait(), 10)
        results["feed"].append(arrived[name] - started)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    await conn.close()
    for c in (client, admin):
        await c.realtime.close()
        await c.auth.close()
    return results


def measure() -> dict[str, list[float]]:
    from tests.fake_supabase import ServerThread
    from tests.fake_supabase.auth import AuthLimits
    from tests.support import supabase_platform as platform
    from tests.support.postgres import fresh_database, logical_server

    with fresh_database("track_bench_live", pg=logical_server()) as dsn:
        platform.prepare_supabase_database(dsn)
        platform.apply_migrations(dsn)
        fake = ServerThread(dsn, auth_limits=AuthLimits(token_per_5min=None))
        try:
            return asyncio.run(_measure(fake, dsn))
        finally:
            fake.close()


def main() -> None:
    print(f"Realtime — SQL write on the server until LiveFeed's on_rows, loopback, {ROUNDS} rounds")
    results = measure()
    raw_p95 = _p(results["raw"], 0.95)
    for key, label in (("heartbeat", "bare websocket round trip (baseline 1)"),
                       ("raw", "SQL write → raw postgres_changes frame (baseline 2)"),
                       ("feed", "SQL write → LiveFeed on_rows")):
        values = results[key]
        p50, p95 = _p(values, 0.5), _p(values, 0.95)
        print(f"  {label:<52} p50 {p50:6.1f} ms   p95 {p95:6.1f} ms   ({p95 / raw_p95:4.2f}× baseline 2 p95,"
              f" mean {statistics.mean(values) * 1000:5.1f} ms)")


if __name__ == "__main__":
    main()

"""Run the local Supabase-compatible test server by hand: ``python -m tests.fake_supabase``.

For two-terminal trials (``make dev-server`` in one, the app in another). Without ``--dsn`` a
throwaway database is created on the test PostgreSQL (tests/support/postgres.py), prepared like a
Supabase project, migrated with ``supabase/migrations`` and seeded with a demo user in a demo
workspace; it is dropped on exit. With ``--dsn`` an existing database is used as it is (it must
already have the platform pieces and migrations; ``--prepare`` applies them).

This is test support, not a product: keys are generated per run, e-mails are never sent (the
one-time codes are printed here instead), and nothing is persisted outside that database.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys

import psycopg

from tests.support import supabase_platform as platform
from tests.support.postgres import fresh_database

from .server import FakeSupabase

DEMO_EMAIL = "demo@example.test"
DEMO_PASSWORD = "demo-password"
DEMO_WORKSPACE = "Demo workspace"


def _seed(dsn: str, user_id: str) -> str:
    with psycopg.connect(dsn, autocommit=True) as conn:
        ws = conn.execute("insert into public.workspaces (name) values (%s) returning id", (DEMO_WORKSPACE,)).fetchone()[0]
        conn.execute("insert into public.workspace_members (workspace_id, user_id, role) values (%s, %s, 'owner')",
                     (ws, user_id))
    return str(ws)


async def _serve(dsn: str, args: argparse.Namespace, seed: bool) -> None:
    server = FakeSupabase(dsn, host=args.host, port=args.port, jwt_secret=args.jwt_secret)
    await server.start()
    lines = [f"Fake Supabase listening on {server.url}", "",
             f"  SUPABASE_URL          {server.url}",
             f"  anon key              {server.anon_key}",
             f"  service-role key      {server.service_role_key}",
             f"  JWT secret            {server.jwt_secret}",
             f"  database              {dsn}", ""]
    if seed:
        uid = await server.create_user(DEMO_EMAIL, DEMO_PASSWORD)
        ws = _seed(dsn, uid)
        lines += [f"  demo user             {DEMO_EMAIL} / {DEMO_PASSWORD}  (id {uid})",
                  f"  demo workspace        {DEMO_WORKSPACE} (id {ws})", ""]
    lines += ["Sign in with the password above, or by e-mail code: the codes are printed here",
              "(no e-mail is sent). Ctrl-C stops the server" + (" and drops the database." if seed else ".")]
    print("\n".join(lines), flush=True)

    seen = 0
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    while not stop.is_set():
        otps = server.auth.state.otps
        for rec in otps[seen:]:
            print(f"one-time code for {rec.email}: {rec.code}", flush=True)
        seen = len(otps)
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stop.wait(), 0.5)
    await server.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.fake_supabase", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=54321, help="default 54321, the Supabase CLI's API port")
    parser.add_argument("--dsn", help="use this database instead of a throwaway one")
    parser.add_argument("--prepare", action="store_true", help="with --dsn: install platform pieces and migrations")
    parser.add_argument("--jwt-secret", help="sign tokens with this secret (default: a new random one)")
    args = parser.parse_args(argv)
    if args.dsn:
        if args.prepare:
            platform.prepare_supabase_database(args.dsn)
            platform.apply_migrations(args.dsn)
        asyncio.run(_serve(args.dsn, args, seed=False))
        return 0
    with fresh_database("track_dev") as dsn:
        platform.prepare_supabase_database(dsn)
        platform.apply_migrations(dsn)
        asyncio.run(_serve(dsn, args, seed=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())

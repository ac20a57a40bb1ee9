"""Run the local Supabase-compatible test server by hand: ``python -m tests.fake_supabase``.

For two-terminal trials (``make dev-server`` in one, the app in another) and for scripts. Without
``--dsn`` a throwaway database is created on the test PostgreSQL (tests/support/postgres.py),
prepared like a Supabase project, migrated with ``supabase/migrations`` and seeded with the app's
own demo data (:mod:`.seed`: the demo workspace with ``--deals N`` deals, a second user in a
second workspace, a third user in the first); it is dropped on exit. With ``--dsn`` an existing
database is used as it is (it must already have the platform pieces and migrations;
``--prepare`` applies them) and nothing is seeded.

Once the port is open, standard output gets one ``NAME=value`` line per setting and nothing
else (``SUPABASE_URL``, the keys, the demo logins, ``DATABASE_URL``, ``FAULTS_URL``), so a script
can read them, or a shell can ``export`` them. Everything meant for a person -- the banner, the
one-time codes that would have been e-mailed -- goes to standard error. Faults are switched on
from another terminal through ``FAULTS_URL`` (tests/fake_supabase/README.md).

This is test support, not a product: keys are generated per run, e-mails are never sent, and
nothing is persisted outside that database.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from typing import TextIO

import psycopg

from tests.support import supabase_platform as platform
from tests.support.postgres import fresh_database, logical_server

from .control import PATH as FAULTS_PATH
from .server import FakeSupabase


def printable(text: str) -> str:
    """`text` with anything that is not printable (terminal control codes) shown escaped."""
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text)


def database_url(dsn: str) -> str:
    """A ``postgresql://`` URL of `dsn` (psql, psycopg and most tools accept it)."""
    info = psycopg.conninfo.conninfo_to_dict(dsn)
    user = info.get("user", "postgres")
    host = info.get("host", "127.0.0.1")
    port = info.get("port", "5432")
    return f"postgresql://{user}@{host}:{port}/{info.get('dbname', 'postgres')}"


def settings_lines(server: FakeSupabase, dsn: str, seeded) -> list[str]:
    lines = [
        f"SUPABASE_URL={server.url}",
        f"SUPABASE_ANON_KEY={server.anon_key}",
        f"SUPABASE_SERVICE_ROLE_KEY={server.service_role_key}",
        f"SUPABASE_PUBLISHABLE_KEY={server.publishable_key}",
        f"SUPABASE_SECRET_KEY={server.secret_key}",
        f"SUPABASE_JWT_SECRET={server.jwt_secret}",
    ]
    if seeded is not None:
        lines += [
            f"DEMO_EMAIL={seeded.demo.email}", f"DEMO_PASSWORD={seeded.demo.password}",
            f"DEMO_USER_ID={seeded.demo.user_id}", f"DEMO_WORKSPACE_ID={seeded.demo.workspace_id}",
            f"USER2_EMAIL={seeded.user2.email}", f"USER2_PASSWORD={seeded.user2.password}",
            f"USER2_WORKSPACE_ID={seeded.user2.workspace_id}",
            f"USER3_EMAIL={seeded.user3.email}", f"USER3_PASSWORD={seeded.user3.password}",
        ]
    lines += [f"DATABASE_URL={database_url(dsn)}", f"FAULTS_URL={server.url}{FAULTS_PATH}"]
    return lines


async def _serve(dsn: str, args: argparse.Namespace, seed: bool, out: TextIO, err: TextIO) -> None:
    server = FakeSupabase(dsn, host=args.host, port=args.port, jwt_secret=args.jwt_secret)
    seeded = None
    try:
        if seed:
            from .seed import seed_dev_workspaces  # imports the app's demo generator

            print(f"Seeding the demo workspace ({args.deals} deals) ...", file=err, flush=True)
            seeded = await seed_dev_workspaces(server, deals=args.deals)
        await server.start()
        print("\n".join(settings_lines(server, dsn, seeded)), file=out, flush=True)
        print(f"\nFake Supabase listening on {server.url}"
              + (f" -- demo workspace with {seeded.rows.get('deals', 0)} deals in two workspaces" if seeded else "")
              + f".\nFaults: curl {server.url}{FAULTS_PATH}   (see tests/fake_supabase/README.md)\n"
              "One-time sign-in codes are printed here (no e-mail is sent). Ctrl-C stops the server"
              + (" and drops the database." if seed else "."), file=err, flush=True)
        await _until_stopped(server, err)
    finally:
        await server.close()


async def _until_stopped(server: FakeSupabase, err: TextIO) -> None:
    seen = 0
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    while not stop.is_set():
        otps = server.auth.state.otps
        for rec in otps[seen:]:
            print(f"one-time code for {printable(rec.email)}: {rec.code}", file=err, flush=True)
        seen = len(otps)
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stop.wait(), 0.5)


def _deals(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if not 0 <= n <= 1_000_000:
        raise argparse.ArgumentTypeError("--deals takes 0 to 1000000")
    return n


def _port(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 <= n <= 65535:
        raise argparse.ArgumentTypeError("a port is 0 (any free one) to 65535")
    return n


def main(argv: list[str] | None = None, *, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out, err = out or sys.stdout, err or sys.stderr
    parser = argparse.ArgumentParser(prog="python -m tests.fake_supabase", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1", choices=["127.0.0.1", "localhost"],
                        help="loopback only (default 127.0.0.1)")
    parser.add_argument("--port", type=_port, default=54321, help="default 54321, the Supabase CLI's API port; 0 = any free port")
    parser.add_argument("--deals", type=_deals, default=300, help="deals in the demo workspace (default 300, as the app's demo)")
    parser.add_argument("--dsn", help="use this database instead of a throwaway one (nothing is seeded)")
    parser.add_argument("--prepare", action="store_true", help="with --dsn: install platform pieces and migrations")
    parser.add_argument("--jwt-secret", help="sign tokens with this secret (default: a new random one)")
    args = parser.parse_args(argv)
    try:
        if args.dsn:
            if args.prepare:
                platform.prepare_supabase_database(args.dsn)
                platform.apply_migrations(args.dsn)
            asyncio.run(_serve(args.dsn, args, False, out, err))
            return 0
        with fresh_database("track_dev", pg=logical_server()) as dsn:
            platform.prepare_supabase_database(dsn)
            platform.apply_migrations(dsn)
            asyncio.run(_serve(dsn, args, True, out, err))
    except OSError as exc:  # the port is taken, PostgreSQL is not reachable, ...
        print(f"fake supabase: {exc}", file=err)
        return 1
    except psycopg.Error as exc:
        print(f"fake supabase: database error: {exc}", file=err)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""A PostgreSQL server for the tests, found or started.

Tests that need real PostgreSQL call :func:`server` once per process and :func:`fresh_database`
per test. The server is the one on 127.0.0.1:5432 when it answers (trust auth, as on the
project's machines; `TRACK_TEST_PG` overrides the address). When none answers, a throwaway
cluster is initialised in a temporary folder and started on a free port; PostgreSQL refuses to
run as root, so as root the cluster is owned by and run as the ``postgres`` user. When no server
binaries exist either, the tests fail with a message that says what to install.
"""

from __future__ import annotations

import atexit
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator

import psycopg

INSTALL_HINT = (
    "No PostgreSQL server answers on 127.0.0.1:5432 and no PostgreSQL server binaries "
    "(initdb, pg_ctl) were found to start one. Install them, e.g. `apt-get install postgresql` "
    "(Debian/Ubuntu) or `brew install postgresql@15` (macOS), or point TRACK_TEST_PG at a "
    "server as 'host:port'."
)


@dataclass(frozen=True)
class PgServer:
    host: str
    port: int
    user: str = "postgres"

    def dsn(self, dbname: str = "postgres") -> str:
        return f"host={self.host} port={self.port} user={self.user} dbname={dbname}"

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://{self.user}@{self.host}:{self.port}/{dbname}"


_lock = threading.Lock()
_server: PgServer | None = None


def _answers(host: str, port: int) -> bool:
    try:
        with psycopg.connect(f"host={host} port={port} user=postgres dbname=postgres", connect_timeout=3):
            return True
    except psycopg.Error:
        return False


def _find_bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    candidates += sorted(glob.glob(f"/usr/local/opt/postgresql*/bin/{name}"), reverse=True)
    return candidates[0] if candidates else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start_throwaway() -> PgServer:
    initdb, pg_ctl = _find_bin("initdb"), _find_bin("pg_ctl")
    if not initdb or not pg_ctl:
        raise RuntimeError(INSTALL_HINT)
    root = tempfile.mkdtemp(prefix="track-test-pg-")
    data = os.path.join(root, "data")
    port = _free_port()
    as_root = os.geteuid() == 0
    if as_root:
        shutil.chown(root, user="postgres")
        os.chmod(root, 0o700)

    def run(*args: str) -> None:
        cmd = list(args)
        if as_root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, check=True, capture_output=True, text=True)

    run(initdb, "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C")
    run(
        pg_ctl, "-D", data, "-l", os.path.join(root, "log"), "-w", "-o",
        f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c wal_level=logical -c fsync=off",
        "start",
    )

    def stop() -> None:
        try:
            run(pg_ctl, "-D", data, "-m", "immediate", "stop")
        finally:
            shutil.rmtree(root, ignore_errors=True)

    atexit.register(stop)
    return PgServer("127.0.0.1", port)


def server() -> PgServer:
    """The server tests use: the machine's own, or a throwaway cluster started once."""
    global _server
    with _lock:
        if _server is None:
            addr = os.environ.get("TRACK_TEST_PG", "127.0.0.1:5432")
            host, _, port = addr.partition(":")
            if _answers(host, int(port or 5432)):
                _server = PgServer(host, int(port or 5432))
            else:
                _server = _start_throwaway()
        return _server


@contextmanager
def fresh_database(prefix: str = "track_test") -> Iterator[str]:
    """Create an empty database with a unique name, yield its DSN, drop it afterwards."""
    pg = server()
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg.dsn(), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield pg.dsn(name)
    finally:
        with psycopg.connect(pg.dsn(), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

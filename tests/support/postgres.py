"""PostgreSQL servers for the tests, found or started.

Tests that need real PostgreSQL call :func:`server` once per process and :func:`fresh_database`
per test. The server is the one on 127.0.0.1:5432 when it answers (trust auth, as on the
project's machines; `TRACK_TEST_PG` overrides the address). When none answers, a throwaway
cluster is initialised in a temporary folder and started on a free port; PostgreSQL refuses to
run as root, so as root the cluster is owned by and run as the ``postgres`` user. When no server
binaries exist either, the tests fail with a message that says what to install.

:func:`logical_server` is the server for the local Supabase test server: its Realtime reads
changes from the write-ahead log through a logical replication slot, as Supabase Realtime does,
which needs ``wal_level = logical``. The machine's server runs with ``wal_level = replica`` (a
change of it needs a restart), so unless :func:`server` (or `TRACK_TEST_PG_LOGICAL`) already has
logical decoding, a throwaway cluster is started for it once per test process. It ships the
``test_decoding`` output plugin; nothing needs installing beyond PostgreSQL's server binaries.

Every throwaway cluster runs with ``TimeZone = UTC`` (as Supabase does), bounds the WAL a
forgotten replication slot may retain (``max_slot_wal_keep_size``), is stopped and deleted when
the test process exits, and records its owner's process id so that a later run removes clusters
whose owner was killed before it could clean up. :func:`fresh_database` pins ``TimeZone`` to UTC
on each database it creates, so the machine's own server behaves the same way.
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
LOGICAL_HINT = (
    "The local Supabase test server needs a PostgreSQL server with wal_level = logical for its "
    "Realtime change capture. TRACK_TEST_PG_LOGICAL={addr} has wal_level = {level}: set "
    "`wal_level = logical` there and restart it, or unset TRACK_TEST_PG_LOGICAL to let the tests "
    "start a throwaway cluster (this needs PostgreSQL's server binaries, initdb and pg_ctl)."
)
_CLUSTER_PREFIX = "track-test-pg-"
_OWNER_FILE = "owner.pid"


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
_logical: PgServer | None = None


def _parse_addr(addr: str) -> tuple[str, int]:
    host, _, port = addr.partition(":")
    return host or "127.0.0.1", int(port or 5432)


def _answers(host: str, port: int) -> bool:
    try:
        with psycopg.connect(f"host={host} port={port} user=postgres dbname=postgres", connect_timeout=3):
            return True
    except psycopg.Error:
        return False


def wal_level(pg: PgServer) -> str:
    """The server's ``wal_level`` (``minimal``, ``replica`` or ``logical``)."""
    with psycopg.connect(pg.dsn(), connect_timeout=5) as conn:
        return str(conn.execute("show wal_level").fetchone()[0])


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


def _run_pg(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    cmd = list(args)
    if os.geteuid() == 0:
        cmd = ["runuser", "-u", "postgres", "--", *cmd]
    return subprocess.run(cmd, check=check, capture_output=True, text=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove_orphaned_clusters(pg_ctl: str) -> None:
    """Stop and delete throwaway clusters whose owning test process no longer runs."""
    for root in glob.glob(os.path.join(tempfile.gettempdir(), _CLUSTER_PREFIX + "*")):
        try:
            with open(os.path.join(root, _OWNER_FILE)) as fh:
                owner = int(fh.read().strip())
        except (OSError, ValueError):
            continue  # not ours to judge (older layout, or being set up right now)
        if _alive(owner):
            continue
        data = os.path.join(root, "data")
        if os.path.exists(os.path.join(data, "postmaster.pid")):
            _run_pg(pg_ctl, "-D", data, "-m", "immediate", "stop", check=False)
        shutil.rmtree(root, ignore_errors=True)


def _start_throwaway() -> PgServer:
    initdb, pg_ctl = _find_bin("initdb"), _find_bin("pg_ctl")
    if not initdb or not pg_ctl:
        raise RuntimeError(INSTALL_HINT)
    _remove_orphaned_clusters(pg_ctl)
    root = tempfile.mkdtemp(prefix=_CLUSTER_PREFIX)
    with open(os.path.join(root, _OWNER_FILE), "w") as fh:
        fh.write(str(os.getpid()))
    data = os.path.join(root, "data")
    port = _free_port()
    if os.geteuid() == 0:
        shutil.chown(root, user="postgres")
        os.chmod(root, 0o700)
    # synchronous_commit stays on: logical decoding only sees WAL that is flushed, and with it off
    # a commit would wait for the WAL writer (up to wal_writer_delay) before Realtime saw it.
    settings = {
        "listen_addresses": "127.0.0.1",
        "wal_level": "logical",
        "max_replication_slots": "64",
        "max_slot_wal_keep_size": "1GB",
        "fsync": "off",
        "full_page_writes": "off",
        "timezone": "UTC",
        "log_timezone": "UTC",
    }
    options = f"-p {port} -k {root} " + " ".join(f"-c {k}={v}" for k, v in settings.items())
    try:
        _run_pg(initdb, "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync")
        _run_pg(pg_ctl, "-D", data, "-l", os.path.join(root, "log"), "-w", "-o", options, "start")
    except subprocess.CalledProcessError as err:
        shutil.rmtree(root, ignore_errors=True)
        raise RuntimeError(f"could not start a throwaway PostgreSQL cluster: {err.stderr.strip()}") from err

    def stop() -> None:
        try:
            _run_pg(pg_ctl, "-D", data, "-m", "immediate", "stop", check=False)
        finally:
            shutil.rmtree(root, ignore_errors=True)

    atexit.register(stop)
    return PgServer("127.0.0.1", port)


def _server_locked() -> PgServer:
    global _server
    if _server is None:
        host, port = _parse_addr(os.environ.get("TRACK_TEST_PG", "127.0.0.1:5432"))
        _server = PgServer(host, port) if _answers(host, port) else _start_throwaway()
    return _server


def server() -> PgServer:
    """The server tests use: the machine's own, or a throwaway cluster started once."""
    with _lock:
        return _server_locked()


def logical_server() -> PgServer:
    """A server with ``wal_level = logical``, found or started once per test process.

    `TRACK_TEST_PG_LOGICAL` ('host:port') names one to use (refused with a clear message when it
    lacks logical decoding); otherwise :func:`server` is used when it has it, and a throwaway
    cluster is started when it has not.
    """
    global _logical
    with _lock:
        if _logical is None:
            addr = os.environ.get("TRACK_TEST_PG_LOGICAL")
            if addr:
                pg = PgServer(*_parse_addr(addr))
                level = wal_level(pg)
                if level != "logical":
                    raise RuntimeError(LOGICAL_HINT.format(addr=addr, level=level))
                _logical = pg
            else:
                base = _server_locked()
                _logical = base if wal_level(base) == "logical" else _start_throwaway()
        return _logical


@contextmanager
def fresh_database(prefix: str = "track_test", *, pg: PgServer | None = None) -> Iterator[str]:
    """Create an empty database (on ``pg``, default :func:`server`), yield its DSN, drop it afterwards.

    The database's ``TimeZone`` is UTC, so timestamps read back never depend on the host's zone.
    """
    pg = pg or server()
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg.dsn(), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        admin.execute(f"ALTER DATABASE \"{name}\" SET timezone TO 'UTC'")
    try:
        yield pg.dsn(name)
    finally:
        with psycopg.connect(pg.dsn(), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

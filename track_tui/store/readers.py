"""Read-only connections to the cache file, so reads never queue behind writes (or the reverse).

In WAL mode a reader sees the last committed state and neither blocks the writer nor waits for
it. The store keeps ONE writing connection (guarded by its lock) and hands every read its own
read-only connection from this pool: a 130 ms column query in a worker no longer holds the lock
a key press needs for its write.

Connections are opened on first need and kept (a fresh connection parses the schema on its first
statement); the pool hands out the most recently returned one first, which keeps the UI thread's
reads on a warm page cache. A connection is used by one thread at a time.

A plain `:memory:` database cannot be shared between connections; the store reads through its
writing connection there (tests use it), so this pool is only for files.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

from .database import open_reader as open_file_reader

READER_BUSY_MS = 2000  # readers wait only in rare cases (WAL recovery by another process)
KEEP_IDLE = 4  # connections kept open between uses


def open_reader(path: Path) -> sqlite3.Connection:
    """A read-only connection to the cache at `path`, opened as the cache itself was (a
    read-only folder included: see `database.open_reader`), answering rows as sqlite3.Row."""
    conn = open_file_reader(path)
    # The file is opened mode=ro (or immutable) already; query_only would also forbid the TEMP
    # tables a reader may need (search's vocabulary is a temp fts5vocab table).
    conn.execute("PRAGMA query_only = OFF")
    conn.isolation_level = None  # autocommit: each read sees the latest commit
    conn.execute(f"PRAGMA busy_timeout = {READER_BUSY_MS}")
    conn.row_factory = sqlite3.Row
    return conn


class ReaderPool:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._idle: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._closed = False

    def acquire(self) -> sqlite3.Connection:
        with self._lock:
            if self._closed:
                raise sqlite3.ProgrammingError("Cannot operate on a closed database.")
            if self._idle:
                return self._idle.pop()
        return open_reader(self.path)

    def release(self, conn: sqlite3.Connection) -> None:
        with self._lock:
            if not self._closed and len(self._idle) < KEEP_IDLE:
                self._idle.append(conn)
                return
        conn.close()

    def close_idle(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()

"""Opening the cache file: connection settings, schema migrations, and refusing bad files.

A cache file that is not a SQLite database, is damaged, or was written by a newer Track TUI is
never modified: opening it raises a :class:`CacheError` whose message says what is wrong and
what to do; :func:`move_aside` renames it so a fresh cache can be built in its place.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, timezone
from pathlib import Path

from .schema import MIGRATIONS, SCHEMA_VERSION

_SQLITE_MAGIC = b"SQLite format 3\x00"


class CacheError(Exception):
    """The cache file cannot be used as it is. `path` is the file; the message explains."""

    def __init__(self, path: Path, message: str) -> None:
        self.path = path
        super().__init__(message)


class CacheCorrupt(CacheError):
    pass


class CacheTooNew(CacheError):
    def __init__(self, path: Path, found: int) -> None:
        self.found = found
        super().__init__(
            path,
            f"{path} was written by a newer Track TUI (cache schema {found}; this version "
            f"understands up to {SCHEMA_VERSION}). Upgrade Track TUI, or move the file aside "
            "to rebuild the cache from scratch.",
        )


def connect(path: Path | str) -> sqlite3.Connection:
    """Open `path` (or ':memory:'), check it, migrate it forward, and return the connection.

    The connection is shared between the UI thread and workers (the store serialises access
    with a lock), autocommits outside explicit transactions, and has WAL and foreign keys on.
    """
    in_memory = str(path) == ":memory:"
    if not in_memory:
        path = Path(path)
        _check_header(path)
    conn = sqlite3.connect(
        str(path), check_same_thread=False, isolation_level=None, cached_statements=256
    )
    try:
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA busy_timeout = 5000")
        _check_is_ours(conn, Path(str(path)))
        if not in_memory:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
        _migrate(conn, Path(str(path)))
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise CacheCorrupt(
            Path(str(path)),
            f"{path} is damaged and cannot be read ({exc}). Nothing was changed; move it "
            "aside to rebuild the cache (local changes not yet uploaded would be lost from it).",
        ) from exc
    except CacheError:
        conn.close()
        raise
    return conn


def integrity_problem(conn: sqlite3.Connection) -> str | None:
    """SQLite's quick_check: None when every page reads fine, else the first problem found.

    A file whose header and schema are intact but whose pages are damaged opens without
    complaint and would fail later, mid-screen, with "database disk image is malformed". The
    check reads every page (about 0.1 s per 100 MB), so the app runs it in a worker after the
    first screen is drawn rather than on the start-up path.
    """
    try:
        result = conn.execute("PRAGMA quick_check(1)").fetchone()[0]
    except sqlite3.OperationalError:
        raise  # interrupted, or the file is busy: not a verdict on the file
    except sqlite3.DatabaseError as exc:
        return str(exc)
    return None if result == "ok" else str(result)


def _check_header(path: Path) -> None:
    if not path.exists() or path.stat().st_size == 0:
        return
    with path.open("rb") as handle:
        header = handle.read(len(_SQLITE_MAGIC))
    if header != _SQLITE_MAGIC:
        raise CacheCorrupt(
            path,
            f"{path} is not a Track cache (not a SQLite database). Nothing was changed; move it "
            "aside to build a fresh cache.",
        )


class NotACache(CacheError):
    pass


def _check_is_ours(conn: sqlite3.Connection, path: Path) -> None:
    """Refuse a SQLite database of someone else's (tables, but none of ours): `--cache` pointed
    at the wrong file must not get our tables added to it or its journal mode changed."""
    if schema_version(conn) > 0:
        return
    tables = [
        row[0] for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' LIMIT 3"
        )
    ]
    if tables:
        raise NotACache(
            path,
            f"{path} is a SQLite database but not a Track cache (it has tables such as "
            f"{', '.join(tables)}). Nothing was changed; point --cache at another file.",
        )


def schema_version(conn: sqlite3.Connection) -> int:
    exists = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'"
    ).fetchone()
    if not exists:
        return 0
    row = conn.execute("SELECT max(version) FROM schema_version").fetchone()
    return int(row[0] or 0)


def _migrate(conn: sqlite3.Connection, path: Path) -> None:
    current = schema_version(conn)
    if current > SCHEMA_VERSION:
        raise CacheTooNew(path, current)
    if current == SCHEMA_VERSION:
        return
    # SQLite's documented procedure for changes that rebuild a table: foreign keys off (they
    # cannot be switched inside a transaction; on, dropping a parent table cascades to its
    # children), the changes, a foreign_key_check, the commit, foreign keys back on.
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        for version in range(current, SCHEMA_VERSION):
            for statement in MIGRATIONS[version]:
                conn.execute(statement)
            conn.execute("INSERT INTO schema_version (version) VALUES (?)", (version + 1,))
        broken = conn.execute("PRAGMA foreign_key_check").fetchone()
        if broken is not None:
            raise sqlite3.IntegrityError(f"a schema migration broke a reference: {tuple(broken)}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    finally:
        conn.execute("PRAGMA foreign_keys = ON")


def move_aside(path: Path) -> Path:
    """Rename a cache file (and its WAL/SHM companions) out of the way; return the new name."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.name}.bad-{stamp}")
    path.rename(target)
    for suffix in ("-wal", "-shm"):
        companion = path.with_name(path.name + suffix)
        if companion.exists():
            companion.rename(target.with_name(target.name + suffix))
    return target

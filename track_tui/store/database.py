"""Opening the cache file: connection settings, schema migrations, and refusing bad files.

A cache file that is not a SQLite database, is damaged, or was written by a newer Track TUI is
never modified: opening it raises a :class:`CacheError` whose message says what is wrong and
what to do; :func:`move_aside` renames it so a fresh cache can be built in its place. A file
that cannot be opened at all (a folder, unreadable, busy) raises :class:`CacheInaccessible`:
nothing is wrong with it that moving it aside would fix.

A cache that can be read but not written opens **read-only** (`PRAGMA query_only`, see
:func:`is_read_only`): a read-only file, or a file in a read-only folder (WAL mode keeps its
`-wal` and `-shm` files beside the cache, so a writer needs the folder too). In a read-only
folder SQLite cannot create the `-shm` file even to read, so such a cache is opened
`immutable` when no `-wal` file holds changes not yet in the file (nobody can write it there
either: a writer would need that folder). Writes on a read-only store raise
:class:`ReadOnlyCache`, which is an :class:`~track_tui.store.InvalidInput`: every screen that
explains a refused save explains this one too.
"""

from __future__ import annotations

import os
import sqlite3
import stat
from datetime import datetime, timezone
from pathlib import Path

from .mutations import InvalidInput
from .schema import MIGRATIONS, SCHEMA_VERSION, MigrationStep

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


class CacheInaccessible(CacheError):
    """The file cannot be opened as it is (a folder, unreadable, busy, read-only and unusable
    so): fixing permissions or waiting helps; moving it aside or rebuilding never does."""


class ReadOnlyCache(InvalidInput):
    """A write was asked of a cache that is open read-only."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        super().__init__("Read-only cache", f"changes cannot be saved to {path}")


def connect(path: Path | str) -> sqlite3.Connection:
    """Open `path` (or ':memory:'), check it, migrate it forward, and return the connection.

    The connection is shared between the UI thread and workers (the store serialises access
    with a lock), autocommits outside explicit transactions, and has WAL and foreign keys on.
    A cache that cannot be written opens read-only (see the module's docs).
    """
    in_memory = str(path) == ":memory:"
    target, read_only = ":memory:", False
    if not in_memory:
        path = Path(path)
        _check_header(path)
        target, read_only = _open_target(path)
    conn = sqlite3.connect(
        target, uri=target.startswith("file:"), check_same_thread=False, isolation_level=None,
        cached_statements=256,
    )
    try:
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA busy_timeout = 5000")
        if read_only:
            conn.execute("PRAGMA query_only = ON")
        _check_is_ours(conn, Path(str(path)))
        if not in_memory and not read_only:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
        _migrate(conn, Path(str(path)), read_only=read_only)
    except _BadSchemaVersion as exc:
        conn.close()
        raise CacheCorrupt(
            Path(str(path)),
            f"{path} has a damaged schema_version table ({exc}), so its layout is unknown. "
            "Nothing was changed; move it aside to rebuild the cache (local changes not yet "
            "uploaded would be lost from it).",
        ) from None
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise _explain(Path(str(path)), exc) from exc
    except CacheError:
        conn.close()
        raise
    return conn


def open_reader(path: Path) -> sqlite3.Connection:
    """A separate read-only connection to the cache at `path` (for long reads beside the
    store's own connection), opened the way :func:`connect` would open it read-only."""
    target, _ = _open_target(path, read_only=True)
    conn = sqlite3.connect(target, uri=True, check_same_thread=False)
    conn.execute("PRAGMA query_only = ON")
    return conn


def is_read_only(conn: sqlite3.Connection) -> bool:
    """Whether `conn` was opened read-only by :func:`connect`."""
    return bool(conn.execute("PRAGMA query_only").fetchone()[0])


def _open_target(path: Path, *, read_only: bool = False) -> tuple[str, bool]:
    """What to hand sqlite3.connect for `path`, and whether that is read-only.

    Writable when the file (or, for a new file, its folder) and the folder can be written.
    A read-only file in a writable folder opens `mode=ro` (SQLite creates the `-shm` it needs to
    read). In a read-only folder it cannot: with no `-wal` file there the file holds every
    committed change and nobody can write it, so it opens `immutable`; with one, SQLite may
    still read through an existing `-shm`.
    """
    folder_writable = os.access(path.parent, os.W_OK)
    exists = path.exists()
    if not read_only and folder_writable and (not exists or os.access(path, os.W_OK)):
        return str(path), False
    uri = path.resolve().as_uri()
    if not exists:
        return f"{uri}?mode=ro", True  # sqlite reports it cannot open it; _explain says why
    if folder_writable or Path(f"{path}-wal").exists():
        return f"{uri}?mode=ro", True
    return f"{uri}?mode=ro&immutable=1", True


def _explain(path: Path, exc: sqlite3.DatabaseError) -> CacheError:
    """The CacheError for a SQLite error met while opening: only real damage is "damaged"."""
    code = getattr(exc, "sqlite_errorname", "")
    folder = path.parent
    if code == "SQLITE_READONLY_DIRECTORY" or (code.startswith("SQLITE_CANTOPEN") and not os.access(folder, os.W_OK)):
        return CacheInaccessible(
            path,
            f"{path} cannot be opened: its folder {folder} is read-only, and SQLite needs to "
            f"keep {path.name}-wal and {path.name}-shm beside it. Nothing was changed; make the "
            "folder writable, or copy the cache into a writable folder.",
        )
    if code.startswith("SQLITE_CANTOPEN") or code.startswith("SQLITE_PERM") or code.startswith("SQLITE_READONLY"):
        return CacheInaccessible(
            path,
            f"{path} cannot be opened ({exc}). Nothing was changed; check that the file and "
            "its folder can be read (and written, to save changes).",
        )
    if code.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        return CacheInaccessible(
            path,
            f"{path} is busy: another program has been writing to it for more than 5 seconds. "
            "Nothing was changed; try again in a moment.",
        )
    return CacheCorrupt(
        path,
        f"{path} is damaged and cannot be read ({exc}). Nothing was changed; move it "
        "aside to rebuild the cache (local changes not yet uploaded would be lost from it).",
    )


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
    """Refuse what is not a SQLite file (untouched), or cannot be read, before SQLite sees it."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return  # a new cache
    except OSError as exc:
        raise CacheInaccessible(
            path, f"{path} cannot be opened ({exc.strerror}). Nothing was changed; check the "
            "permissions of the folders above it.",
        ) from None
    if stat.S_ISDIR(info.st_mode):
        raise CacheInaccessible(
            path, f"{path} is a folder, not a cache file. Nothing was changed; name a file, "
            f"e.g. {path / 'track.sqlite3'}.",
        )
    if not stat.S_ISREG(info.st_mode):
        raise CacheInaccessible(path, f"{path} is not a regular file. Nothing was changed; name a file.")
    try:
        with path.open("rb") as handle:
            header = handle.read(len(_SQLITE_MAGIC))
    except OSError as exc:
        raise CacheInaccessible(
            path, f"{path} cannot be read ({exc.strerror}). Nothing was changed; check its "
            "owner and permissions (Track needs to read it, and to write it to save changes).",
        ) from None
    if not header:
        return  # an empty file becomes a new cache
    if header != _SQLITE_MAGIC:
        raise CacheCorrupt(
            path,
            f"{path} is not a Track cache (not a SQLite database). Nothing was changed; move it "
            "aside to build a fresh cache.",
        )


class NotACache(CacheError):
    pass


_OUR_TABLES = ("meta", "outbox", "sync_state")  # together, no one else's database has these


def _check_is_ours(conn: sqlite3.Connection, path: Path) -> None:
    """Refuse a SQLite database of someone else's (tables, but none of ours): `--cache` pointed
    at the wrong file must not get our tables added to it or its journal mode changed. A
    `schema_version` table is not proof (other programs use the name): ours has our tables."""
    found = {
        row[0] for row in conn.execute(
            f"SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ({','.join('?' * len(_OUR_TABLES))})",
            _OUR_TABLES,
        )
    }
    if len(found) == len(_OUR_TABLES):
        schema_version(conn)  # ours: a damaged version table is damage (raises)
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


class _BadSchemaVersion(ValueError):
    """The schema_version table exists but does not hold version numbers (message: what)."""


def schema_version(conn: sqlite3.Connection) -> int:
    """The cache's schema version: 0 for a new file, else the highest row of schema_version,
    every one of which must be a whole number from 1 up (else :class:`_BadSchemaVersion`)."""
    exists = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'"
    ).fetchone()
    if not exists:
        return 0
    try:
        values = [row[0] for row in conn.execute("SELECT version FROM schema_version")]
    except sqlite3.OperationalError as exc:  # e.g. the table has no version column
        raise _BadSchemaVersion(str(exc)) from None
    if not values:
        raise _BadSchemaVersion("it has no rows")
    for value in values:
        if type(value) is not int or value < 1:
            raise _BadSchemaVersion(f"it holds {value!r}, not a version number")
    return max(values)


def _migrate(conn: sqlite3.Connection, path: Path, *, read_only: bool = False) -> None:
    current = schema_version(conn)
    if current > SCHEMA_VERSION:
        raise CacheTooNew(path, current)
    if current == SCHEMA_VERSION:
        return
    if read_only:
        state = "is empty" if current == 0 else (
            f"was written by an older Track TUI (cache schema {current}; this version needs {SCHEMA_VERSION})")
        raise CacheInaccessible(
            path, f"{path} is read-only and {state}, so it cannot be brought up to date. "
            "Nothing was changed; open it once where it can be written.",
        )
    # SQLite's documented procedure for changes that rebuild a table: foreign keys off (they
    # cannot be switched inside a transaction; on, dropping a parent table cascades to its
    # children), the changes, a foreign_key_check, the commit, foreign keys back on.
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        for version in range(current, SCHEMA_VERSION):
            for step in MIGRATIONS[version]:
                run_step(conn, step)
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


def run_step(conn: sqlite3.Connection, step: MigrationStep) -> None:
    """Run one migration step: an SQL statement, or a function of the connection."""
    if isinstance(step, str):
        conn.execute(step)
    else:
        step(conn)


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

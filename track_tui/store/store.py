"""The local store: one cache file, its connection, the write path and the screens' queries.

Screens never touch SQL: they call query methods (which return plain models) and mutation
methods (which run one transaction each and announce a ChangeSet to subscribers).
"""

from __future__ import annotations

import sqlite3
import threading
from contextlib import contextmanager
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Callable, Iterator

from .changes import ChangeSet
from .database import ReadOnlyCache, connect, integrity_problem, is_read_only, open_reader
from .mutations import Mutations
from .permissions import Action, NotAllowed, can, parse_role
from .inbox_queries import InboxQueries
from .queries import Queries
from .record_queries import RecordQueries
from .search import SearchQueries
from .writes import WriteContext

Listener = Callable[[ChangeSet], None]
Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(timezone.utc)


class Store(Mutations, Queries, RecordQueries, InboxQueries, SearchQueries):
    """A workspace's local cache. Thread-safe: one connection guarded by a re-entrant lock."""

    def __init__(self, path: Path | str, *, clock: Clock = system_clock) -> None:
        self.path = path
        self.clock = clock
        self.conn = connect(path)
        self.conn.row_factory = sqlite3.Row
        self.read_only = is_read_only(self.conn)  # a read-only file or folder: writes are refused
        self.lock = threading.RLock()
        self._listeners: list[Listener] = []
        self._searchable_cache: dict[str, list[str]] | None = None
        self._integrity_reader: sqlite3.Connection | None = None

    def integrity_problem(self) -> str | None:
        """Read every page; None when the file is sound.

        Slow on big files, so it reads through its own read-only connection (WAL lets it run
        beside the screens' queries) and callers run it in a worker.
        """
        if str(self.path) == ":memory:":
            with self.lock:
                return integrity_problem(self.conn)
        try:
            reader = open_reader(Path(self.path))
        except sqlite3.Error as exc:
            return str(exc)
        self._integrity_reader = reader
        try:
            return integrity_problem(reader)
        except sqlite3.OperationalError as exc:
            return None if "interrupted" in str(exc) else str(exc)
        finally:
            self._integrity_reader = None
            reader.close()

    def interrupt_checks(self) -> None:
        """Stop an integrity check that is still reading, so quitting never waits for it."""
        reader = self._integrity_reader
        if reader is not None:
            reader.interrupt()

    def close(self) -> None:
        self.interrupt_checks()
        with self.lock:
            self.conn.close()

    # -- identity --------------------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        with self.lock:
            row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        """Remember a local setting. A read-only cache keeps what it has (the settings kept
        here, like the last board opened, are conveniences, not the person's data)."""
        if self.read_only:
            return
        with self.lock:
            self.conn.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    @property
    def workspace_id(self) -> str:
        value = self.get_meta("workspace_id")
        if value is None:
            raise LookupError("this cache has no workspace yet")
        return value

    @property
    def user_id(self) -> str | None:
        return self.get_meta("user_id")

    @property
    def role(self):
        """The signed-in person's role in this workspace (None: the demo or a plain file)."""
        return parse_role(self.get_meta("role"))

    def can(self, action: Action) -> bool:
        return can(self.role, action)

    def now(self) -> datetime:
        return self.clock()

    def today(self) -> date:
        """The local calendar date (what "today" and "overdue" mean to the person)."""
        return self.clock().astimezone().date()

    # -- announcements ---------------------------------------------------------------------

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def _announce(self, changes: ChangeSet) -> None:
        if changes.touches("custom_fields"):
            self.forget_searchable_fields()
        for listener in list(self._listeners):
            listener(changes)

    # -- transactions ----------------------------------------------------------------------

    def forget_searchable_fields(self) -> None:
        """Read the searchable custom fields again on next use (after definitions changed)."""
        self._searchable_cache = None

    def searchable_keys(self, record_type: str) -> list[str]:
        with self.lock:
            if self._searchable_cache is None:
                cache: dict[str, list[str]] = {}
                for row in self.conn.execute(
                    "SELECT record_type, key FROM custom_fields WHERE searchable = 1 ORDER BY position"
                ):
                    cache.setdefault(row[0], []).append(row[1])
                self._searchable_cache = cache
            return self._searchable_cache.get(record_type, [])

    @contextmanager
    def transaction(self, *, local: bool = True) -> Iterator[WriteContext]:
        """One write-path transaction. `local=False` applies server rows: no outbox entries.
        A local write the person's role does not allow is refused before anything is written,
        and so is any write to a cache opened read-only."""
        if self.read_only:
            raise ReadOnlyCache(self.path)
        if local and not self.can(Action.EDIT_RECORDS):
            raise NotAllowed(self.role, Action.EDIT_RECORDS)
        with self.lock:
            ctx = WriteContext(
                self.conn,
                workspace_id=self.get_meta("workspace_id") or "",
                user_id=self.user_id,
                now=self.clock(),
                outbox=local,
                searchable_keys=self.searchable_keys,
            )
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield ctx
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            self.conn.execute("COMMIT")
        if ctx.changes:
            self._announce(ctx.changes)

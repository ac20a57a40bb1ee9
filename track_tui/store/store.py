"""The local store: one cache file, its connections, the write path and the screens' queries.

Screens never touch SQL: they call query methods (which return plain models) and mutation
methods (one action each, one transaction each, announced as a :class:`ChangeSet`).

Connections and threads — the cache may be written by this app's UI thread, its workers, a
background sync, and other processes at the same time:

- **Writes** go through ONE connection, guarded by `self.lock`, inside `transaction()` (BEGIN
  IMMEDIATE, so every read-modify-write sees the committed state and holds the write lock).
  Nobody holds `self.lock` while waiting for another process: the wait is cut into short
  attempts with the lock released between them.
- **Reads** (`reading()`) use a read-only WAL connection from a pool, never `self.lock`: a long
  column query in a worker and a key press's write do not wait for each other. A read inside a
  transaction uses the writing connection (it sees its own uncommitted rows). A `:memory:`
  database cannot be shared between connections: there reads use the writing connection under
  the lock.
- **Announcements** are made after COMMIT with every lock released, on the thread that
  committed; listeners must not block (the app posts a message).
- **Another process's commits** are noticed by `poll_other_writers()` (through
  `PRAGMA data_version` and the change log, see :mod:`.change_log`), which a watcher thread
  calls while `watch_other_writers()` is on, and announced like this process's own.
- **The UI thread never waits long for the cache.** The app names its thread
  (`set_interactive_thread`). A write action on it waits at most :data:`INTERACTIVE_WAIT` for
  the lock; if another process holds it longer, the same call is queued for the background
  writer (:mod:`.background`) and returns at once, the status listeners hear "waiting", then
  "saved" or "failed". Any other thread waits up to `write_patience` seconds, then gets
  :class:`CacheBusy`.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
import uuid
from contextlib import contextmanager
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterator

from . import automation_runner, change_log
from .background import BackgroundWriter, QueuedWrite, WriteBlocked, WriteEvent
from .changes import ChangeSet, Origin
from .database import ReadOnlyCache, connect, integrity_problem, is_read_only
from .errors import CacheBusy, InvalidInput, NotFound, from_below, is_busy
from .permissions import Action, NotAllowed, can, parse_role
from .admin_mutations import AdminMutations
from .audit_queries import AuditQueries
from .automation_mutations import AutomationMutations
from .automation_queries import AutomationQueries
from .import_writes import ImportWrites
from .inbox_queries import InboxQueries
from .list_queries import ListQueries
from .mutations import Mutations
from .queries import Queries
from .readers import ReaderPool, open_reader
from .record_queries import RecordQueries
from .search import SearchQueries
from .undo import UndoActions, UndoHistory, UndoStep, make_step
from .watcher import ChangeWatcher
from .writes import WriteContext

Listener = Callable[[ChangeSet], None]
WriteListener = Callable[[WriteEvent], None]
Clock = Callable[[], datetime]

log = logging.getLogger(__name__)

INTERACTIVE_WAIT = 0.15  # seconds a write on the UI thread waits for the lock before it is queued
ATTEMPT_WAIT = 0.25  # seconds of one attempt at the lock (the store's lock is released between)
BACKGROUND_ROUND = 1.0  # seconds the background writer tries before it reports "still waiting"
WRITE_PATIENCE = 60.0  # seconds before a waiting write gives up (see background.py)
CLOSE_DRAIN = 3.0  # seconds close() lets queued writes finish


def system_clock() -> datetime:
    return datetime.now(timezone.utc)


class _ThreadState(threading.local):
    """What the current thread is doing with the store."""

    conn: sqlite3.Connection | None = None  # where this thread's reads go right now
    tx: WriteContext | None = None  # the write transaction open on this thread
    in_action: bool = False  # inside a write action (nested actions join it)
    deferrable: bool = False  # that action may be queued when the cache is locked
    background: bool = False  # this is the background writer replaying a queued action
    label: str | None = None  # the write action running on this thread (names its undo step)


class Store(Mutations, AutomationMutations, AdminMutations, ImportWrites, Queries, AutomationQueries,
            AuditQueries, ListQueries, RecordQueries, InboxQueries, SearchQueries, UndoActions):
    """A workspace's local cache. Thread-safe (see the module's docs for how)."""

    def __init__(self, path: Path | str, *, clock: Clock = system_clock) -> None:
        self.path = path
        self.clock = clock
        self.conn = connect(path)
        self.conn.row_factory = sqlite3.Row
        self.read_only = is_read_only(self.conn)  # a read-only file or folder: writes are refused
        self.lock = threading.RLock()
        self.writer_id = uuid.uuid4().hex  # names this store's rows in the change log
        self.write_patience = WRITE_PATIENCE
        self._memory = str(path) == ":memory:"
        self._readers = None if self._memory else ReaderPool(Path(path))
        self._state = _ThreadState()
        self._busy_ms: int | None = None
        self._interactive_thread: int | None = None
        self._listeners: list[Listener] = []
        self._write_listeners: list[WriteListener] = []
        self._writer = BackgroundWriter(
            self._publish_write, patience=lambda: self.write_patience, on_failure=self._queued_write_failed
        )
        self._searchable_cache: dict[str, list[str]] | None = None
        self.undo_history = UndoHistory()  # this person's actions through this store (see undo.py)
        self.keep_undo = True  # False: actions keep no undo journal (a benchmark's baseline)
        # True: no server stands behind this cache (the demo, a file without a project; set by
        # the command line, never for a project's cache): the store then does what the server
        # would — runs automations (automation_runner.py) and writes the audit log (audit.py).
        self.standalone = False
        self._notices: list[Any] = []
        self._integrity_reader: sqlite3.Connection | None = None
        self._search_vocab_lock = threading.Lock()
        self._watch_lock = threading.Lock()
        self._watch_conn: sqlite3.Connection | None = None
        self._watcher: ChangeWatcher | None = None
        self._data_version = 0
        self._seen_seq = 0
        if not self._memory:
            # What other processes commit from now on is news (the watch connection that
            # notices it is opened on the first poll: an open reader would stop the demo
            # builder from switching journal modes).
            self._seen_seq = change_log.last_seq(self.conn)

    # -- reading ---------------------------------------------------------------------------

    @contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        """A connection to read from (see the module's docs for which one)."""
        state = self._state
        if state.conn is not None:  # nested, or inside this thread's write transaction
            yield state.conn
            return
        if self._readers is None:
            with self.lock:
                state.conn = self.conn
                try:
                    yield self.conn
                finally:
                    state.conn = None
            return
        conn = self._readers.acquire()
        state.conn = conn
        try:
            yield conn
        finally:
            state.conn = None
            self._readers.release(conn)

    def close_idle_readers(self) -> None:
        """Close the pooled read connections not in use (a journal-mode switch needs the file
        to itself); they are opened again on the next read."""
        if self._readers is not None:
            self._readers.close_idle()

    @property
    def _db(self) -> sqlite3.Connection:
        """The connection of the `reading()` (or transaction) open on this thread."""
        conn = self._state.conn
        if conn is None:
            raise RuntimeError("a store read outside reading()")
        return conn

    def integrity_problem(self) -> str | None:
        """Read every page; None when the file is sound.

        Slow on big files, so it reads through its own read-only connection (WAL lets it run
        beside the screens' queries) and callers run it in a worker.
        """
        if self._memory:
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

    def close(self) -> list[str]:
        """Finish (briefly) what is queued, stop the threads, close every connection.

        Returns the labels of writes that could not be saved before closing (normally none).
        """
        self.interrupt_checks()
        self.stop_watching()
        unsaved = self._writer.stop(CLOSE_DRAIN)
        if self._readers is not None:
            self._readers.close()
        with self._watch_lock:
            if self._watch_conn is not None:
                self._watch_conn.close()
                self._watch_conn = None
        with self.lock:
            self.conn.close()
        return unsaved

    # -- identity --------------------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        with self.reading() as conn:
            row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        """Remember a local setting. A read-only cache keeps what it has (the settings kept
        here, like the last board opened, are conveniences, not the person's data)."""
        if self.read_only:
            return
        self._set_meta(key, value)

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

    def role_granters(self) -> tuple[str, ...]:
        """The names of this workspace's owners and admins other than this person (owners
        first): whom a refused edit tells the person to ask for a role."""
        with self.reading() as conn:
            rows = conn.execute(
                "SELECT COALESCE(NULLIF(p.full_name, ''), p.email) FROM workspace_members m "
                "LEFT JOIN profiles p ON p.id = m.user_id "
                "WHERE m.role IN ('owner', 'admin') AND m.user_id IS NOT ? "
                "ORDER BY m.role = 'owner' DESC, 1", (self.user_id,),
            ).fetchall()
        return tuple(name for (name,) in rows if name)

    def not_allowed(self, action: Action) -> NotAllowed:
        """The refusal of `action` for this person's role, naming whom to ask."""
        return NotAllowed(self.role, action, self.role_granters())

    def now(self) -> datetime:
        return self.clock()

    def today(self) -> date:
        """The local calendar date (what "today" and "overdue" mean to the person)."""
        return self.clock().astimezone().date()

    # -- announcements ---------------------------------------------------------------------

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Hear every committed ChangeSet (on the committing thread; never block in it)."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def subscribe_writes(self, listener: WriteListener) -> Callable[[], None]:
        """Hear how queued writes are doing (from the background writer's thread)."""
        self._write_listeners.append(listener)
        return lambda: self._write_listeners.remove(listener) if listener in self._write_listeners else None

    def _announce(self, changes: ChangeSet) -> None:
        if changes.touches("custom_fields"):
            self.forget_searchable_fields()
        for listener in list(self._listeners):
            try:
                listener(changes)
            except Exception:  # the write is committed; one broken listener must not undo the news
                log.exception("a store listener failed")

    def _publish_write(self, event: WriteEvent) -> None:
        for listener in list(self._write_listeners):
            listener(event)

    def _queued_write_failed(self) -> None:
        """A queued write failed: screens that showed it early must re-read the truth."""
        self._announce(ChangeSet.anything(background=True))

    # -- other processes -------------------------------------------------------------------

    def poll_other_writers(self) -> list[ChangeSet]:
        """Announce what other processes committed since the last poll; return it."""
        if self._memory:
            return []
        with self._watch_lock:
            conn = self._watch_conn
            if conn is None:  # the first poll: read the log from where the store opened
                conn = self._watch_conn = open_reader(Path(self.path))
                self._data_version = conn.execute("PRAGMA data_version").fetchone()[0]
            else:
                version = conn.execute("PRAGMA data_version").fetchone()[0]
                if version == self._data_version:
                    return []
                self._data_version = version
            read = change_log.read_since(conn, self._seen_seq, skip_writer=self.writer_id)
            self._seen_seq = read.last_seq
        changes = [ChangeSet.anything(elsewhere=True)] if read.gap else read.changes
        for change in changes:
            self._announce(change)
        return changes

    def watch_other_writers(self, interval: float | None = None) -> None:
        """Poll for other processes' commits in a thread until `stop_watching()`."""
        if self._memory or self._watcher is not None:
            return
        self._watcher = ChangeWatcher(self.poll_other_writers, *(() if interval is None else (interval,)))
        self._watcher.start()

    def stop_watching(self) -> None:
        watcher, self._watcher = self._watcher, None
        if watcher is not None:
            watcher.stop()

    # -- the write path --------------------------------------------------------------------

    def set_interactive_thread(self, ident: int | None = None) -> None:
        """Name the thread whose writes must never wait long (the UI's; default: this one)."""
        self._interactive_thread = threading.get_ident() if ident is None else ident

    @property
    def queued_writes(self) -> int:
        """Writes waiting for another process to release the cache."""
        return self._writer.pending

    @property
    def unsaved_writes(self) -> list[str]:
        """Writes that gave up waiting (kept: `retry_unsaved_writes()` queues them again)."""
        return self._writer.unsaved

    def retry_unsaved_writes(self) -> int:
        return self._writer.retry_unsaved()

    def wait_for_queued_writes(self, timeout: float) -> bool:
        return self._writer.wait_idle(timeout)

    def _run_write(
        self, label: str, method: Callable[..., Any], args: tuple, kwargs: dict, deferred: Callable | None,
    ) -> Any:
        """Run one write action (see :mod:`.actions`)."""
        state = self._state
        if state.in_action:  # part of an outer action
            return method(self, *args, **kwargs)
        interactive = not state.background and threading.get_ident() == self._interactive_thread
        state.in_action, state.deferrable, state.label = True, interactive, label
        try:
            return method(self, *args, **kwargs)
        except WriteBlocked:
            if state.background:
                raise
            return self._defer(label, method, args, kwargs, deferred)
        except (InvalidInput, NotFound, CacheBusy):
            raise
        except Exception as exc:
            converted = from_below(exc)
            if converted is None:
                raise
            raise converted from exc
        finally:
            state.in_action = state.deferrable = False
            state.label = None

    def _defer(self, label: str, method: Callable[..., Any], args: tuple, kwargs: dict, deferred: Callable | None) -> Any:
        result = None
        if deferred is not None:
            result, args, kwargs = deferred(self, args, kwargs)

        def replay() -> None:
            state = self._state
            state.background = True
            try:
                self._run_write(label, method, args, kwargs, None)
            finally:
                state.background = False

        self._writer.enqueue(QueuedWrite(label, replay))
        return result

    @contextmanager
    def transaction(
        self, *, origin: Origin = Origin.LOCAL, settings_only: bool = False, foreign_keys: bool = True,
        undoing: tuple[str, UndoStep] | None = None, undoable: bool = True,
    ) -> Iterator[WriteContext]:
        """One write-path transaction. Origin `server`/`ack` applies server rows: no outbox
        entries, no input checks. Nested calls on one thread join the outer transaction.
        A local write the person's role does not allow is refused before anything is written,
        and so is any write to a cache opened read-only. `settings_only`: the transaction
        writes this computer's settings (meta), which any role may keep. `foreign_keys=False`
        (server rows only, see server_apply.py): references are not enforced in this
        transaction — the pragma is switched under the lock before BEGIN and back after.

        A local write action's rows are kept as one undo step once committed (:mod:`.undo`);
        `undoing` ("undo" or "redo", and the step) marks the transaction that takes one back;
        `undoable=False`: the transaction is not the person's action and keeps no step."""
        state = self._state
        if state.tx is not None:
            if state.tx.origin is not origin:
                raise RuntimeError("a transaction cannot change origin halfway")
            if not foreign_keys and self.conn.execute("PRAGMA foreign_keys").fetchone()[0]:
                raise RuntimeError("foreign keys cannot be switched off inside a transaction")
            yield state.tx
            return
        if not foreign_keys and origin is Origin.LOCAL:
            raise RuntimeError("only server rows are applied without foreign keys")
        if self.read_only:
            raise ReadOnlyCache(self.path)
        if origin is Origin.LOCAL and not settings_only and not self.can(Action.EDIT_RECORDS):
            raise self.not_allowed(Action.EDIT_RECORDS)
        self._begin(foreign_keys=foreign_keys)
        previous = state.conn
        ctx: WriteContext | None = None
        try:
            ctx = WriteContext(
                self.conn,
                workspace_id=self._meta_in_tx("workspace_id") or "",
                user_id=self._meta_in_tx("user_id"),
                now=self.clock(),
                origin=origin,
                searchable_keys=self.searchable_keys,
                background=state.background or (
                    self._interactive_thread is not None and threading.get_ident() != self._interactive_thread
                ),
            )
            if (origin is Origin.LOCAL and not settings_only and self.keep_undo and undoable
                    and (state.in_action or undoing)):
                ctx.journal = []
            ctx.changes.undone = undoing is not None
            runs_automations = self.standalone and origin is Origin.LOCAL and not settings_only and undoing is None
            if runs_automations:
                ctx.events = []
            ctx.audit = self.standalone and origin is Origin.LOCAL and not settings_only
            state.tx, state.conn = ctx, self.conn
            yield ctx
            if runs_automations and ctx.events:
                automation_runner.run_on_events(self, ctx)
            if ctx.changes:
                change_log.append(self.conn, self.writer_id, ctx.changes)
            step = self._journal_step(ctx, undoing)
            self.conn.execute("COMMIT")
        except BaseException as exc:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            if is_busy(exc):
                raise self._blocked() from None
            raise
        finally:
            state.tx, state.conn = None, previous
            if not foreign_keys:
                self.conn.execute("PRAGMA foreign_keys = ON")
            self.lock.release()
        if step is not None:
            self.undo_history.record(step, undoing[0] if undoing else None)  # type: ignore[arg-type]
        if ctx.notices:
            self._notices.extend(ctx.notices)
        if ctx.changes:
            self._announce(ctx.changes)

    def _journal_step(self, ctx: WriteContext, undoing: tuple[str, UndoStep] | None) -> UndoStep | None:
        """The undo step of a transaction about to commit (None: nothing to keep)."""
        if not ctx.journal:
            return None
        if undoing is not None:  # taking a step back is kept under the action's own name
            original = undoing[1]
            return UndoStep(original.label, original.subject, tuple(ctx.journal), original.focus)
        label = self._state.label or "the change"
        try:
            return make_step(self.conn, label, ctx.journal)
        except (sqlite3.Error, ValueError, TypeError):  # naming it must never cost the action itself
            log.exception("could not name an undo step")
            return UndoStep(label, "", tuple(ctx.journal))

    def _meta_in_tx(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def _blocked(self) -> Exception:
        state = self._state
        if state.deferrable or state.background:
            return WriteBlocked()
        return CacheBusy(
            f"another process kept the cache locked for over {self.write_patience:.0f} s; "
            "nothing was written — try again"
        )

    def _begin(self, *, foreign_keys: bool = True) -> None:
        """Take the store's lock and SQLite's write lock (BEGIN IMMEDIATE); return holding both.

        Waits in short attempts with the store's lock released in between, so that no thread
        sits on it while another process holds the file: how long in all depends on who asks
        (UI thread: a moment; background writer: one round; anyone else: the patience).
        """
        state = self._state
        if state.deferrable and self._writer.pending:
            # Keep the person's order: queue behind what already waits. (The action's checks
            # before its transaction have run, so a bad value was still refused at once.)
            raise WriteBlocked()
        if state.deferrable:
            budget = INTERACTIVE_WAIT
        elif state.background:
            budget = BACKGROUND_ROUND
        else:
            budget = self.write_patience
        deadline = time.monotonic() + budget
        while True:
            left = deadline - time.monotonic()
            if state.deferrable:
                if not self.lock.acquire(timeout=max(left, 0.0)):
                    raise self._blocked()
            else:
                self.lock.acquire()
            try:
                left = deadline - time.monotonic()
                self._set_busy_timeout(max(1, min(int(left * 1000), int(ATTEMPT_WAIT * 1000))))
                if not foreign_keys:
                    self.conn.execute("PRAGMA foreign_keys = OFF")  # a no-op once BEGIN has run
                self.conn.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                self._release_after_failed_begin(foreign_keys)
                if not is_busy(exc):
                    raise
                if time.monotonic() >= deadline:
                    raise self._blocked() from None
            except BaseException:
                self._release_after_failed_begin(foreign_keys)
                raise

    def _release_after_failed_begin(self, foreign_keys: bool) -> None:
        if not foreign_keys:
            self.conn.execute("PRAGMA foreign_keys = ON")
        self.lock.release()

    def _set_busy_timeout(self, ms: int) -> None:
        if ms != self._busy_ms:
            self.conn.execute(f"PRAGMA busy_timeout = {ms}")
            self._busy_ms = ms

    def take_notices(self) -> list[Any]:
        """The local runner's notifications since the last call (automation_runner.Notice)."""
        notices, self._notices = self._notices, []
        return notices

    # -- caches ----------------------------------------------------------------------------

    def forget_searchable_fields(self) -> None:
        """Read the searchable custom fields again on next use (after definitions changed)."""
        self._searchable_cache = None

    def searchable_keys(self, record_type: str) -> list[str]:
        cache = self._searchable_cache
        if cache is None:
            cache = {}
            with self.reading() as conn:
                for row in conn.execute(
                    "SELECT record_type, key FROM custom_fields WHERE searchable = 1 ORDER BY position"
                ):
                    cache.setdefault(row[0], []).append(row[1])
            self._searchable_cache = cache
        return cache.get(record_type, [])

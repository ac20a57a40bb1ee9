"""The sync engine: keeps one workspace cache in step with the server, and says how it stands.

API (stable; the TUI wiring and the CLI build on it)::

    engine = SyncEngine(
        store,                     # the workspace's Store (meta workspace_id / user_id set)
        project,                   # sync.project.Project, or None when `client` is a callable
        workspace_id,
        client=runtime,            # a sync.runtime.Runtime (its one AsyncClient for `project`),
                                   # or an async callable returning a supabase AsyncClient
        on_status=callback,        # callback(SyncStatus) on every change (network thread;
                                   # must not block: the TUI posts it to the app)
        on_live_rows=None,         # callback(table, Applied) after a Realtime batch applied
        on_applied=None,           # callback(AppliedBatch) after every batch that changed rows
        live_factory=None,         # builds the Realtime feed (sync.live.LiveFeed's signature);
                                   # None: pull-only (polls every `settings.poll_interval`)
        settings=EngineSettings(), # intervals, backoff, page size, overlap
    )
    runtime.submit(engine.run())   # until cancelled: first download, then push/pull forever
    await engine.sync_once()       # one round: push, then pull -> RoundOutcome (CLI, tests)
    engine.request_push()          # upload soon (coalesced; run() also hears } thread-safe,
                                   # the store's local writes and calls it)   }
    engine.request_pull()          # pull now                                  } return at once
    engine.retry(seqs)             # parked entries back to the queue, push    } (SyncControl)
    engine.discard(seqs)           # drop parked entries, row back to server's }
    engine.stop()                  # end run() (thread-safe)
    engine.status                  # the latest SyncStatus

`run()` and `sync_once()` run on the event loop that owns the client (the runtime's loop). All
SQLite work runs on ONE apply thread of the engine's own, so neither the network loop nor the
UI thread ever waits on another's write, and pages apply in the order they were read.

**The loop** (:meth:`run`): the first download when the cache has not finished one (resumable,
cursors per page, status DOWNLOADING with progress); then the live feed is started (when a
factory is given) and rounds run whenever woken — a local write (`request_push`), a request to
pull, the feed's (re)subscription (the catch-up pull), a hint that names incomplete rows — and
at least every `safety_interval` while live (Realtime drops events even while connected) or
every `poll_interval` without a feed. A round pushes first (so the pull returns our own rows as
acks, not as news), then pulls.

**Failures**: the network, 5xx and 429 put the engine OFFLINE with `problem` and `retry_at`;
the next attempt waits an exponential backoff with jitter (never less than the server's
Retry-After); a local write does not cut the wait short (it would hammer a server that is
down), a request to pull does. A session the server no longer accepts and cannot be refreshed
is SIGNED_OUT (edits stay queued for the next sign-in). Losing membership is NO_ACCESS: nothing
is pushed or pulled, the engine checks again every `safety_interval`. Refused changes are
parked (see :mod:`.push`) and counted in `status.failed`.

**Live feed contract** (helper S2's ``sync/live.py``): ``factory(client, workspace_id, tables,
*, on_rows, on_fetch, on_subscribed, on_state)`` returns an object with ``async run()`` (until
cancelled) and ``set_auth(token)``. ``on_rows(table, rows)``: complete records to apply;
``on_fetch(table, ids)``: rows to read by id; ``on_subscribed()``: run a catch-up pull;
``on_state(text, problem)``: the connection's state ("connecting", "live", "offline"; the
engine's status is LIVE only while the feed is "live", CONNECTING with the feed's problem
otherwise, and pulls run every `poll_interval` until it is live again). Callbacks may come from
inside the socket's read loop: they only queue work and return.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import random
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Awaitable, Callable, Sequence

from pydantic import BaseModel, ConfigDict

from ..store import server_apply
from ..store.changes import ChangeSet, Origin
from . import push as push_mod
from . import rest
from .pull import FIRST_DOWNLOAD_DONE, OVERLAP, PAGE_ROWS, PULL_ORDER, NoAccess, Puller, PullReport
from .status import DownloadProgress, SyncState, SyncStatus

log = logging.getLogger(__name__)

LAST_SUCCESS = "sync_last_success"  # meta key: ISO time of the last complete round

ClientProvider = Callable[[], Awaitable[Any]]


class EngineSettings(BaseModel):
    model_config = ConfigDict(frozen=True)

    poll_interval: float = 10.0  # seconds between pulls without a live feed
    safety_interval: float = 60.0  # seconds between safety pulls while live
    backoff_base: float = 1.0
    backoff_max: float = 60.0
    page_rows: int = PAGE_ROWS
    overlap_seconds: float = OVERLAP.total_seconds()
    push_debounce: float = 0.05  # seconds to gather a burst of local writes into one push


@dataclass(frozen=True)
class AppliedBatch:
    """Rows that arrived and changed the cache: where from, and how many per table."""

    source: str  # "download" | "pull" | "live" | "push"
    tables: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.tables.values())


@dataclass
class RoundOutcome:
    """What one `sync_once()` round achieved."""

    in_step: bool
    state: SyncState
    problem: str | None = None
    pushed: int = 0
    pulled: int = 0
    pending: int = 0
    failed: int = 0
    failures: list[tuple[int, str]] = field(default_factory=list)  # (seq, reason), newly parked
    retry_after: float | None = None
    server_error: bool = False  # the server refused a read or the round failed here: not the network


class SignedOut(Exception):
    """The session ended and cannot be refreshed."""


def backoff_delay(attempt: int, base: float, cap: float, retry_after: float | None = None,
                  rng: random.Random | None = None) -> float:
    """Exponential backoff with jitter (half fixed, half random), never below Retry-After."""
    rng = rng or random
    ceiling = min(cap, base * (2 ** max(0, attempt - 1)))
    delay = ceiling / 2 + rng.random() * ceiling / 2
    if retry_after is not None:
        delay = max(delay, min(retry_after, max(cap, retry_after)))
    return delay


class SyncEngine:
    def __init__(self, store: Any, project: Any, workspace_id: str, *, client: Any,
                 on_status: Callable[[SyncStatus], None] | None = None,
                 on_live_rows: Callable[[str, server_apply.Applied], None] | None = None,
                 on_applied: Callable[[AppliedBatch], None] | None = None,
                 live_factory: Callable[..., Any] | None = None,
                 settings: EngineSettings | None = None) -> None:
        self.store = store
        self.project = project
        self.workspace_id = workspace_id
        self._client_source = client
        self.on_status = on_status
        self.on_live_rows = on_live_rows
        self.on_applied = on_applied
        self.live_factory = live_factory
        self.settings = settings or EngineSettings()
        self._client: Any = None
        self._executor = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="track-sync-apply")
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None
        self._round_lock: asyncio.Lock | None = None
        self._push_wanted = True
        self._pull_wanted = True
        self._failures = 0
        self._live_state: str | None = None
        self._run_task: asyncio.Task | None = None
        self._live_queue: asyncio.Queue | None = None
        self._feed: Any = None
        self._status_lock = threading.Lock()
        last = store.get_meta(LAST_SUCCESS)
        self._status = SyncStatus(state=SyncState.CONNECTING, pending=store.pending_changes(),
                                  failed=store.failed_count(), last_success=_parse_time(last))

    # -- status ---------------------------------------------------------------------------

    @property
    def status(self) -> SyncStatus:
        return self._status

    def _set_status(self, **changes: Any) -> None:
        with self._status_lock:
            new = self._status.model_copy(update=changes)
            if new == self._status:
                return
            self._status = new
        if self.on_status is not None:
            try:
                self.on_status(new)
            except Exception:  # noqa: BLE001 - a listener's bug must not stop syncing
                log.exception("on_status listener failed")

    def _counts(self) -> dict[str, int]:
        return {"pending": self.store.pending_changes(), "failed": self.store.failed_count()}

    async def _refresh_counts(self) -> None:
        try:
            counts = await self._apply(self._counts)
        except Exception:  # noqa: BLE001 - closed, or the cache unreadable for a moment: next round
            return
        self._set_status(**counts)

    # -- plumbing -------------------------------------------------------------------------

    async def _apply(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, lambda: fn(*args, **kwargs))

    def _bind(self) -> None:
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            self._loop = loop
            self._wake = asyncio.Event()
            self._round_lock = asyncio.Lock()
            self._live_queue = asyncio.Queue()

    async def client(self) -> Any:
        """The AsyncClient (built on first use). Building it may read the network (a stored
        session is refreshed): a failure there is Transient or SignedOut like any other."""
        if self._client is None:
            source = self._client_source
            try:
                if hasattr(source, "client") and self.project is not None:
                    self._client = await source.client(self.project)
                else:
                    self._client = await source()
            except Exception as exc:  # noqa: BLE001 - mapped to what the engine can act on
                raise self._explained(exc) from exc
        return self._client

    def _explained(self, exc: BaseException) -> Exception:
        from . import auth
        from .failures import FailureKind

        failure = auth.explain(exc, getattr(self.project, "url", "the project"))
        if failure.kind in (FailureKind.SESSION_ENDED, FailureKind.NOT_SIGNED_IN):
            return SignedOut(failure.message)
        return rest.Transient(failure.message)

    async def _user_id(self, client: Any) -> str:
        user_id = self.store.get_meta("user_id")
        if user_id:
            return user_id
        try:
            session = await client.auth.get_session()
        except Exception as exc:  # noqa: BLE001
            raise self._explained(exc) from exc
        if session is None:
            raise SignedOut("not signed in")
        return session.user.id

    async def _refresh_session(self) -> None:
        from . import auth
        from .failures import FailureKind

        client = await self.client()
        try:
            await client.auth.refresh_session()
        except Exception as exc:  # noqa: BLE001 - mapped below
            failure = auth.explain(exc, getattr(self.project, "url", "the project"))
            if failure.kind in (FailureKind.SESSION_ENDED, FailureKind.NOT_SIGNED_IN):
                raise SignedOut(failure.message) from exc
            raise rest.Transient(failure.message) from exc
        session = await client.auth.get_session()
        if session is not None and self._feed is not None and hasattr(self._feed, "set_auth"):
            self._feed.set_auth(session.access_token)

    async def _puller(self) -> Puller:
        client = await self.client()
        return Puller(self.store, client, self.workspace_id, await self._user_id(client), apply=self._apply,
                      page_rows=self.settings.page_rows,
                      overlap=timedelta(seconds=self.settings.overlap_seconds))

    def _pusher(self) -> push_mod.Pusher:
        return push_mod.Pusher(self.store, lambda: self._client, refresh=self._refresh_session, apply=self._apply)

    def _announce(self, source: str, changes: Sequence[ChangeSet], counts: dict[str, int] | None = None) -> None:
        if self.on_applied is None:
            return
        if counts is not None:
            self._emit(AppliedBatch(source, {t: n for t, n in counts.items() if n}))
            return
        tables: dict[str, int] = {}
        for change in changes:
            for table, rows in change.rows.items():
                if table not in ("outbox", "search_docs", "meta") and rows:
                    tables[table] = tables.get(table, 0) + len(rows)
            for table in change.whole:
                if table not in ("outbox", "search_docs", "meta") and table not in tables:
                    tables[table] = 0
        self._emit(AppliedBatch(source, tables))

    def _emit(self, batch: AppliedBatch) -> None:
        if not batch.tables or self.on_applied is None:
            return
        try:
            self.on_applied(batch)
        except Exception:  # noqa: BLE001
            log.exception("on_applied listener failed")

    # -- one round ------------------------------------------------------------------------

    async def _with_token_retry(self, work: Callable[[], Awaitable[Any]]) -> Any:
        try:
            return await work()
        except rest.TokenRefused:
            await self._refresh_session()
            try:
                return await work()
            except rest.TokenRefused as exc:
                raise rest.Transient(f"the project keeps refusing the session's token ({exc.reason})") from exc

    async def first_download(self) -> PullReport:
        """The first download (resumes an interrupted one); status DOWNLOADING meanwhile."""
        self._bind()
        puller = await self._puller()
        self._set_status(state=SyncState.DOWNLOADING, problem=None, retry_at=None,
                         download=DownloadProgress(tables_total=len(PULL_ORDER)))

        def progress(done: int, total: int, rows: int, table: str | None) -> None:
            self._set_status(download=DownloadProgress(tables_done=done, tables_total=total, rows_done=rows,
                                                       current_table=table))

        report = await self._with_token_retry(lambda: puller.first_download(on_progress=progress))
        self._set_status(download=None)
        self._announce("download", report.changes, report.tables)
        return report

    async def sync_once(self) -> RoundOutcome:
        """One round: the first download if needed, push, then pull. Never raises for the
        server's or the network's failures: the outcome (and the status) say what happened."""
        self._bind()
        assert self._round_lock is not None
        async with self._round_lock:
            return await self._round()

    async def _round(self) -> RoundOutcome:
        outcome = RoundOutcome(in_step=False, state=SyncState.SYNCING)
        try:
            await self.client()  # built (or refused) first: Transient / SignedOut like any request
            if self.store.get_meta(FIRST_DOWNLOAD_DONE) != "1":
                report = await self.first_download()
                outcome.pulled += report.written
            self._set_status(state=SyncState.SYNCING, problem=None)
            self._push_wanted = False
            await self._refetch_discarded()
            pushed = await self._pusher().drain()
            outcome.pushed = pushed.acked
            outcome.failures = pushed.parked
            self._announce("push", [c for c in pushed.changes if c.origin is Origin.ACK])
            self._pull_wanted = False
            puller = await self._puller()
            report = await self._with_token_retry(lambda: puller.pull())
            outcome.pulled += report.written
            self._announce("pull", report.changes, report.tables)
            # Our own edits made while the round ran are uploaded by the next round.
        except rest.Transient as exc:
            self._failures += 1
            delay = backoff_delay(self._failures, self.settings.backoff_base, self.settings.backoff_max,
                                  exc.retry_after)
            at = datetime.now(timezone.utc) + timedelta(seconds=delay)
            self._set_status(state=SyncState.OFFLINE, problem=exc.reason, retry_at=at, download=None)
            outcome.state, outcome.problem, outcome.retry_after = SyncState.OFFLINE, exc.reason, delay
            self._push_wanted = True
            self._pull_wanted = True
        except rest.Refused as exc:  # a read the server refused: not an edit to park
            self._failures += 1
            delay = backoff_delay(self._failures, self.settings.backoff_base, self.settings.backoff_max)
            self._set_status(state=SyncState.OFFLINE, problem=exc.reason, download=None,
                             retry_at=datetime.now(timezone.utc) + timedelta(seconds=delay))
            outcome.state, outcome.problem, outcome.retry_after = SyncState.OFFLINE, exc.reason, delay
            outcome.server_error = True
        except SignedOut as exc:
            self._set_status(state=SyncState.SIGNED_OUT, problem=str(exc), retry_at=None, download=None)
            outcome.state, outcome.problem = SyncState.SIGNED_OUT, str(exc)
        except NoAccess as exc:
            self._set_status(state=SyncState.NO_ACCESS, problem=str(exc), retry_at=None, download=None)
            outcome.state, outcome.problem = SyncState.NO_ACCESS, str(exc)
        except Exception as exc:  # noqa: BLE001 - a bug or a local problem must not end syncing
            log.exception("sync round failed")
            self._failures += 1
            delay = backoff_delay(self._failures, self.settings.backoff_base, self.settings.backoff_max)
            why = f"sync stopped by an unexpected error ({type(exc).__name__}); trying again"
            self._set_status(state=SyncState.OFFLINE, problem=why, download=None,
                             retry_at=datetime.now(timezone.utc) + timedelta(seconds=delay))
            outcome.state, outcome.problem, outcome.retry_after = SyncState.OFFLINE, why, delay
            outcome.server_error = True
        else:
            self._failures = 0
            now = datetime.now(timezone.utc).replace(microsecond=0)
            await self._apply(self.store.set_meta, LAST_SUCCESS, now.isoformat())
            live = self.live_factory is None or self._feed_live()
            state = SyncState.LIVE if live else SyncState.CONNECTING
            self._set_status(state=state, problem=None if live else self._live_problem, retry_at=None,
                             last_success=now, download=None)
            outcome.state = state
        try:
            counts = await self._apply(self._counts)
        except Exception:  # noqa: BLE001 - the cache cannot be read right now
            log.exception("outbox counts unreadable")
            counts = {"pending": self._status.pending, "failed": self._status.failed}
        self._set_status(**counts)
        outcome.pending, outcome.failed = counts["pending"], counts["failed"]
        outcome.in_step = (outcome.problem is None and outcome.state in (SyncState.LIVE, SyncState.CONNECTING)
                           and outcome.pending == 0 and outcome.failed == 0)
        return outcome

    # -- the loop -------------------------------------------------------------------------

    async def run(self) -> None:
        """Sync until cancelled (or :meth:`stop`): see the module doc."""
        self._bind()
        self._run_task = asyncio.current_task()
        assert self._wake is not None
        tasks: list[asyncio.Task] = []
        unsubscribe = self.store.subscribe(self._heard)
        try:
            while self.store.get_meta(FIRST_DOWNLOAD_DONE) != "1":
                outcome = await self.sync_once()
                if outcome.problem is None:
                    break
                await self._sleep(outcome)
            if self.live_factory is not None:
                tasks.append(asyncio.create_task(self._run_feed(), name="track-sync-live"))
                tasks.append(asyncio.create_task(self._consume_live(), name="track-sync-live-rows"))
            while True:
                outcome = await self.sync_once()
                await self._sleep(outcome)
        finally:
            unsubscribe()
            for task in tasks:
                task.cancel()
            for task in tasks:
                try:
                    await task
                except (asyncio.CancelledError, Exception):  # noqa: BLE001
                    pass
            self._run_task = None

    async def _sleep(self, outcome: RoundOutcome) -> None:
        """Wait for the next reason to run a round."""
        assert self._wake is not None
        loop = asyncio.get_running_loop()
        if outcome.problem is not None:
            if outcome.state in (SyncState.NO_ACCESS, SyncState.SIGNED_OUT):
                wait = self.settings.safety_interval
            else:
                wait = outcome.retry_after or self.settings.backoff_base
            deadline = loop.time() + wait
            while loop.time() < deadline:
                self._wake.clear()
                if self._pull_requested_now:
                    break
                if not await _woken(self._wake, deadline - loop.time()):
                    break
                if self._pull_requested_now:
                    break
            self._pull_requested_now = False
            return
        # Polling while there is no live feed (or it is down); a safety pull while it is live.
        interval = self.settings.safety_interval if self._feed_live() else self.settings.poll_interval
        deadline = loop.time() + interval
        while not (self._push_wanted or self._pull_wanted):
            self._wake.clear()
            remaining = deadline - loop.time()
            if remaining <= 0:
                break
            if not await _woken(self._wake, remaining):
                break
        if self._push_wanted and not self._pull_wanted and self.settings.push_debounce:
            await asyncio.sleep(self.settings.push_debounce)  # a burst of writes: one push
        self._pull_requested_now = False

    _pull_requested_now = False
    _live_problem: str | None = None

    def _feed_live(self) -> bool:
        """The live feed says it is subscribed ("live"; "subscribed" is accepted too)."""
        return self.live_factory is not None and self._live_state in ("live", "subscribed")

    # -- thread-safe controls -------------------------------------------------------------

    def _call_soon(self, fn: Callable[[], None]) -> None:
        loop = self._loop
        if loop is None or loop.is_closed() or not loop.is_running():
            fn()  # not running: the next round sees the flag
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            fn()
            return
        try:
            loop.call_soon_threadsafe(fn)
        except RuntimeError:  # the loop closed meanwhile
            pass

    def _heard(self, changes: ChangeSet) -> None:
        """A store listener (on the committing thread): a local write queued outbox entries
        (this process's, or another process's seen by the store's watcher) → push soon."""
        if changes.origin is Origin.LOCAL and "outbox" in changes.rows:
            self.request_push()

    def _wake_up(self) -> None:
        if self._wake is not None:
            self._wake.set()

    def request_push(self) -> None:
        def go() -> None:
            self._push_wanted = True
            self._wake_up()
            if self._loop is not None and self._loop.is_running():
                # The status line counts the new change at once, even while offline.
                self._loop.create_task(self._refresh_counts())
        self._call_soon(go)

    def request_pull(self) -> None:
        def go() -> None:
            self._pull_wanted = True
            self._pull_requested_now = True
            self._wake_up()
        self._call_soon(go)

    def retry(self, seqs: Sequence[int]) -> None:
        seqs = [int(s) for s in seqs]

        def go() -> None:
            asyncio.ensure_future(self._retry(seqs))
        self._call_soon_async(go, self._retry, seqs)

    def discard(self, seqs: Sequence[int]) -> None:
        seqs = [int(s) for s in seqs]

        def go() -> None:
            asyncio.ensure_future(self._discard(seqs))
        self._call_soon_async(go, self._discard, seqs)

    def _call_soon_async(self, go: Callable[[], None], coro_fn: Callable[..., Awaitable[Any]], *args: Any) -> None:
        loop = self._loop
        if loop is None or loop.is_closed() or not loop.is_running():
            # No loop runs the engine: do the local part now (the next round sends it).
            if coro_fn is self._retry:
                push_mod.retry(self.store, *args)
            else:
                push_mod.discard(self.store, *args)
            return
        loop.call_soon_threadsafe(go)

    def stop(self) -> None:
        task = self._run_task
        loop = self._loop
        if task is not None and loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(task.cancel)

    def close(self) -> None:
        """Release the apply thread (after run() ended)."""
        self._executor.shutdown(wait=True)

    async def _retry(self, seqs: Sequence[int]) -> int:
        count = await self._apply(push_mod.retry, self.store, seqs)
        await self._refresh_counts()
        self._push_wanted = True
        self._wake_up()
        return count

    async def _discard(self, seqs: Sequence[int]) -> None:
        """Drop parked entries and bring their rows back to the server's version."""
        await self._apply(push_mod.discard, self.store, seqs)
        await self._refresh_counts()
        try:
            await self._refetch_discarded()
        except (rest.RestFailure, SignedOut, NoAccess) as exc:
            log.info("discard: the rows come back with the next round (%s)", exc)
        await self._refresh_counts()
        self._push_wanted = True
        self._wake_up()

    async def _refetch_discarded(self) -> None:
        """Rows whose changes were discarded, read from the server and put in the cache as the
        server has them (or removed, when it has none)."""
        rows = await self._apply(push_mod.rows_to_refetch, self.store)
        if not rows:
            return
        puller = await self._puller()
        for table, row_id in rows:
            server = await self._with_token_retry(
                lambda: rest.execute(puller.client, puller.client.table(table).select("*").eq("id", row_id)))
            await self._apply(restore_server_row, self.store, table, row_id, server[0] if server else None)
            await self._apply(push_mod.refetched, self.store, table, row_id)

    # -- the live feed --------------------------------------------------------------------

    async def _run_feed(self) -> None:
        client = await self.client()
        assert self._live_queue is not None
        queue = self._live_queue

        def on_rows(table: str, rows: list[dict[str, Any]]) -> None:
            queue.put_nowait(("rows", table, list(rows)))

        def on_fetch(table: str, ids: Sequence[str]) -> None:
            queue.put_nowait(("fetch", table, list(ids)))

        def on_subscribed() -> None:
            self._pull_wanted = True
            self._pull_requested_now = True
            self._wake_up()

        def on_state(state: str, problem: str | None = None) -> None:
            self._live_state = str(state)
            self._live_problem = problem
            if self._status.state in (SyncState.LIVE, SyncState.CONNECTING):
                live = self._feed_live()
                self._set_status(state=SyncState.LIVE if live else SyncState.CONNECTING,
                                 problem=None if live else problem)

        backoff = 0
        while True:
            try:
                self._feed = self.live_factory(client, self.workspace_id, [*PULL_ORDER, "sync_tombstones"], on_rows=on_rows,
                                               on_fetch=on_fetch, on_subscribed=on_subscribed, on_state=on_state)
                await self._feed.run()
                backoff = 0
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - the feed is a hint: the pulls go on
                backoff += 1
                log.warning("live feed stopped (%s); restarting", exc)
                on_state("connecting", f"live updates interrupted: {type(exc).__name__}")
            await asyncio.sleep(backoff_delay(max(1, backoff), self.settings.backoff_base, self.settings.backoff_max))

    async def _consume_live(self) -> None:
        assert self._live_queue is not None
        while True:
            kind, table, items = await self._live_queue.get()
            try:
                if kind == "rows" and table == "sync_tombstones":
                    # A delete's hint: its tombstone, applied as a pull would (a DELETE event
                    # itself is ignored), so a teammate's delete shows at once, not at the next pull.
                    applied = await self._apply(server_apply.apply_tombstones, self.store, items)
                    self._announce("live", [applied.changes])
                elif kind == "fetch" and table == "sync_tombstones":
                    self._pull_wanted = True  # a tombstone too large to send whole: the pull reads it
                    self.request_pull()
                elif kind == "rows":
                    applied = await self._apply(server_apply.apply_rows, self.store, table, items)
                    if self.on_live_rows is not None:
                        self.on_live_rows(table, applied)
                    self._announce("live", [applied.changes])
                else:
                    puller = await self._puller()
                    applied, _missing = await self._with_token_retry(lambda: puller.fetch_rows(table, items))
                    if applied is not None:
                        self._announce("live", [applied.changes])
            except (rest.RestFailure, SignedOut, NoAccess) as exc:
                log.info("live %s of %s not applied now (%s); the next pull brings it", kind, table, exc)
                self._pull_wanted = True
            except Exception:  # noqa: BLE001 - one bad event must not stop the feed
                log.exception("live %s of %s failed", kind, table)
                self._pull_wanted = True


async def _woken(event: asyncio.Event, timeout: float) -> bool:
    """Wait for ``event`` at most ``timeout`` seconds; False when the time ran out.

    ``asyncio.timeout`` rather than ``wait_for``: on Python 3.11, when the event is set in the
    same turn of the loop as the task is cancelled (a stop arriving just as a write wakes the
    engine), ``wait_for`` returns the event's result and the cancellation is lost: the stopped
    engine went on syncing, so whoever awaited it waited out their own timeout (``sync --watch``
    10 s, the runtime's shutdown 5 s) or, without one, for ever (the live state machine's teardown).
    """
    try:
        async with asyncio.timeout(timeout):
            await event.wait()
    except TimeoutError:
        return False
    return True


def restore_server_row(store: Any, table: str, row_id: str, row: dict[str, Any] | None) -> None:
    """The cached row becomes the server's `row` (None: the server has none, the row goes),
    whatever version the cache holds — a discarded local edit left the version unchanged."""
    with store.transaction(origin=Origin.SERVER, foreign_keys=False) as ctx:
        if row is None:
            if ctx.conn.execute(f"SELECT 1 FROM {table} WHERE id = ?", (row_id,)).fetchone():
                ctx.delete(table, row_id)
            return
        ctx.conn.execute(f"UPDATE {table} SET version = -1 WHERE id = ?", (row_id,))
        server_apply.apply_rows(store, table, [row])


def _parse_time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None

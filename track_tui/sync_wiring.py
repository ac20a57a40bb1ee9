"""Runs the sync engine for the open workspace and connects it to the app.

While a project's workspace cache is open and a session is stored, one engine runs on the
network runtime's loop (`runtime.submit(engine.run())`); the app is wired to it, never blocked by
it:

- the engine's `on_status` (called on its own threads) → `app.set_sync_status`, which posts a
  message when called off the UI thread: every status line follows;
- each local commit that wrote to the outbox (the write path, on any thread) →
  `engine.request_push()` (coalesced by the engine, returns at once);
- the failed-changes screen reaches the engine as `app.sync_control` (retry, discard);
- switching workspace stops the old engine and starts one for the new cache; quitting stops it
  (`stop()` cancels its run on the loop; the runtime closes the loop after the app ends).

The engine is built by a factory, so this module depends only on the
:class:`~.sync.status.SyncControl` protocol plus `run()`/`stop()`: tests give a small fake;
:func:`engine_factory` builds the real :class:`~.sync.engine.SyncEngine` (with the Realtime feed of
:mod:`.sync.live` when it is there, else the engine polls). When this build has no engine, the
workspace is shown as offline, saying so, and edits wait in the outbox.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import threading
from typing import TYPE_CHECKING, Any, Callable, Protocol

from .store import ChangeSet, Origin, Store
from .sync.status import SyncControl, SyncState, SyncStatus

if TYPE_CHECKING:
    from .sync.project import Project
    from .sync.runtime import Runtime

log = logging.getLogger(__name__)

NO_ENGINE = "syncing is not part of this build; changes wait on this computer"


class RunningEngine(SyncControl, Protocol):
    async def run(self) -> None: ...

    def stop(self) -> None: ...


EngineFactory = Callable[[Store, Callable[[SyncStatus], None]], RunningEngine]


def engine_factory(project: "Project", runtime: "Runtime") -> EngineFactory | None:
    """The real engine for `project` on `runtime`, or None when this build has none."""
    try:
        from .sync.engine import SyncEngine
    except ImportError:
        return None
    try:
        from .sync.live import LiveFeed
    except ImportError:
        LiveFeed = None  # noqa: N806  (pull-only: the engine polls)

    def build(store: Store, on_status: Callable[[SyncStatus], None]) -> RunningEngine:
        return SyncEngine(store, project, store.workspace_id, client=runtime, on_status=on_status,
                          live_factory=LiveFeed)

    return build


class SyncWiring:
    """One engine at a time, for the app's open workspace (see the module docs)."""

    def __init__(self, app: Any, submit: Callable[[Any], "concurrent.futures.Future[Any]"],
                 factory: EngineFactory | None) -> None:
        self.app = app
        self.submit = submit  # runtime.submit: runs a coroutine on the network loop
        self.factory = factory
        self.engine: RunningEngine | None = None
        self.future: concurrent.futures.Future[Any] | None = None
        self._unsubscribe: Callable[[], None] = lambda: None
        self._stopped = threading.Event()

    def start(self, store: Store) -> None:
        """Sync `store` (stopping whatever synced before)."""
        self.stop()
        if self.factory is None:
            self.app.set_sync_status(SyncStatus(state=SyncState.OFFLINE, problem=NO_ENGINE))
            return
        current: list[RunningEngine] = []

        def on_status(status: SyncStatus) -> None:  # the engine's threads; a stopped one is not heard
            if current and current[0] is self.engine:
                self.app.set_sync_status(status)

        engine = self.factory(store, on_status)
        current.append(engine)
        self.engine = engine
        self.app.sync_control = engine
        self.app.set_sync_status(engine.status)

        def committed(changes: ChangeSet) -> None:  # any thread; never blocks
            if changes.origin is Origin.LOCAL and changes.touches("outbox"):
                engine.request_push()

        self._unsubscribe = store.subscribe(committed)
        stopped = threading.Event()
        self._stopped = stopped
        self.future = self.submit(_run(engine, stopped))
        self.future.add_done_callback(lambda done: self._ended(engine, done))

    def _ended(self, engine: RunningEngine, done: "concurrent.futures.Future[Any]") -> None:
        """The engine's run ended: by `stop()` (cancelled), or by a bug — say so, keep the data."""
        if done.cancelled() or engine is not self.engine:
            return
        problem = done.exception()
        if problem is not None:
            log.error("the sync engine stopped", exc_info=problem)
            self.app.set_sync_status(SyncStatus(
                state=SyncState.OFFLINE, problem=f"syncing stopped ({type(problem).__name__}); restart to sync"))

    def stop(self) -> None:
        """Stop the engine (returns at once; its run ends on the loop)."""
        engine, self.engine = self.engine, None
        self._unsubscribe()
        self._unsubscribe = lambda: None
        if engine is None:
            return
        if getattr(self.app, "sync_control", None) is engine:
            self.app.sync_control = None
        self._stopped.set()
        engine.stop()
        try:  # queued behind the run: by then it either saw `stopped` or has a task to cancel
            self.submit(_stop_on_loop(engine))
        except RuntimeError:  # the runtime is closed already: its loop took the run with it
            pass


async def _run(engine: RunningEngine, stopped: threading.Event) -> None:
    if stopped.is_set():
        return
    try:
        await engine.run()
    except asyncio.CancelledError:
        if not stopped.is_set():
            raise
    finally:
        close = getattr(engine, "close", None)  # the real engine's apply thread
        if callable(close):
            await asyncio.to_thread(close)


async def _stop_on_loop(engine: RunningEngine) -> None:
    engine.stop()

"""The wiring between the app and a sync engine (sync_wiring.py), with a small fake engine on a
real network runtime: status from the engine's thread reaches every status line, local commits
wake the pusher, the failed-changes screen reaches the engine, stop ends the run; and the first
download's progress bar, with the board opening once its tables have arrived."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest

from track_tui.screens.board import BoardScreen
from track_tui.screens.empty_workspace import EmptyWorkspaceScreen
from track_tui.store import Store
from track_tui.sync.runtime import Runtime
from track_tui.sync.status import DownloadProgress, SyncState, SyncStatus
from track_tui.sync_wiring import NO_ENGINE, SyncWiring
from track_tui.widgets.download_bar import DownloadBar
from track_tui.widgets.status_line import StatusLine

from tests.conftest import FROZEN_NOW, frozen_clock

from .sync_support import FakeControl, syncing_app
from tests.support.pilot import settle, until

SIZE = (120, 40)


class FakeEngine(FakeControl):
    """Runs until stopped on the runtime's loop, reporting through `on_status` from there."""

    def __init__(self, store: Store, on_status) -> None:
        super().__init__(SyncStatus(state=SyncState.CONNECTING))
        self.store = store
        self.on_status = on_status
        self.started = threading.Event()
        self.ended = threading.Event()
        self.closed = False
        self.loop_thread: int | None = None
        self._task: asyncio.Task | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def run(self) -> None:
        self._loop, self._task = asyncio.get_running_loop(), asyncio.current_task()
        self.loop_thread = threading.get_ident()
        self.started.set()
        try:
            self._status = SyncStatus(state=SyncState.LIVE, last_success=FROZEN_NOW)
            self.on_status(self._status)  # from the network thread, as the engine does
            await asyncio.Event().wait()
        finally:
            self.ended.set()

    def stop(self) -> None:
        if self._task is not None and self._loop is not None:
            self._loop.call_soon_threadsafe(self._task.cancel)

    def close(self) -> None:
        self.closed = True


@pytest.fixture
def runtime():
    runtime = Runtime()
    yield runtime
    runtime.close()


async def test_the_engine_runs_on_the_runtime_and_feeds_the_app(demo_store, runtime):
    app = syncing_app(demo_store, SyncStatus(state=SyncState.OFFLINE))
    engines: list[FakeEngine] = []

    def factory(store, on_status):
        engines.append(FakeEngine(store, on_status))
        return engines[-1]

    wiring = SyncWiring(app, runtime.submit, factory)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        wiring.start(demo_store)
        engine = engines[0]
        assert app.sync_control is engine
        assert engine.started.wait(2) and engine.loop_thread != threading.get_ident()
        line = app.screen.query_one(StatusLine)
        assert await until(pilot, lambda: "● live" in line.text and "synced just now" in line.text)
        # A local commit wakes the pusher (from whatever thread committed it).
        await pilot.press("L")
        await settle(app, pilot)
        assert engine.pushes == 1
        await asyncio.to_thread(demo_store.move_card, app.screen.columns[0].cards.card_ids[0], app.screen.stages[1].id)
        assert engine.pushes == 2
        # Server rows and settings are not the person's edits: no push for them.
        demo_store.set_meta("last_board_id", app.screen.board.id)
        assert engine.pushes == 2
        wiring.stop()
        assert engine.ended.wait(2)
        assert await until(pilot, lambda: engine.closed)
        assert app.sync_control is None
        await pilot.press("L")
        await settle(app, pilot)
        assert engine.pushes == 2  # stopped: no longer subscribed


async def test_switching_workspace_stops_the_old_engine_and_starts_one_for_the_new(demo_store, runtime):
    app = syncing_app(demo_store)
    engines: list[FakeEngine] = []
    wiring = SyncWiring(app, runtime.submit, lambda store, on_status: engines.append(FakeEngine(store, on_status)) or engines[-1])
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        wiring.start(demo_store)
        assert engines[0].started.wait(2)
        wiring.start(demo_store)  # what opening another workspace does
        assert engines[0].ended.wait(2) and engines[1].started.wait(2)
        assert app.sync_control is engines[1]
        wiring.stop()
        wiring.stop()  # twice is harmless (quit after a switch)
        assert engines[1].ended.wait(2)


async def test_stop_before_the_run_began_still_stops_it(demo_store, runtime):
    app = syncing_app(demo_store)
    engines: list[FakeEngine] = []
    blocker = threading.Event()
    runtime.submit(asyncio.to_thread(blocker.wait, 2))  # the loop busy elsewhere a moment
    wiring = SyncWiring(app, runtime.submit, lambda store, on_status: engines.append(FakeEngine(store, on_status)) or engines[-1])
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        wiring.start(demo_store)
        wiring.stop()
        blocker.set()
        await pilot.pause(0.2)
        assert not engines[0].started.is_set() or engines[0].ended.wait(2)


async def test_without_an_engine_the_workspace_says_it_is_offline(demo_store, runtime):
    app = syncing_app(demo_store)
    wiring = SyncWiring(app, runtime.submit, None)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        wiring.start(demo_store)
        await pilot.pause()
        assert app.app_status.sync.state is SyncState.OFFLINE and app.app_status.sync.problem == NO_ENGINE
        assert app.sync_control is None


async def test_an_engine_that_crashes_says_so(demo_store, runtime):
    class Broken(FakeEngine):
        async def run(self) -> None:
            raise RuntimeError("boom")

    app = syncing_app(demo_store)
    wiring = SyncWiring(app, runtime.submit, lambda store, on_status: Broken(store, on_status))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        wiring.start(demo_store)
        line = app.screen.query_one(StatusLine)
        assert await until(pilot, lambda: "syncing stopped (RuntimeError)" in line.text)


# -- the first download ------------------------------------------------------------------------


@pytest.fixture
def bare_store(tmp_path: Path):
    """A workspace cache as sign-in leaves it: the workspace and nothing a board needs."""
    from track_tui.store.server_apply import apply_rows

    store = Store(tmp_path / "ws.sqlite3", clock=frozen_clock)
    store.set_meta("workspace_id", "w" * 32)
    apply_rows(store, "workspaces", [{"id": "w" * 32, "name": "Acme Sales", "created_at": "2026-01-01T00:00:00+00:00",
                                      "updated_at": "2026-01-01T00:00:00+00:00", "version": 1}])
    yield store
    store.close()


async def test_the_download_bar_shows_progress_and_the_board_opens_when_its_tables_are_in(
        bare_store, demo_store, monkeypatch):
    app = syncing_app(bare_store, SyncStatus(state=SyncState.DOWNLOADING, download=DownloadProgress(tables_total=15)))
    # What a project's app shows for a cache without boards yet (app._show_workspace).
    monkeypatch.setattr(app, "_show_workspace", lambda: app.push_screen(EmptyWorkspaceScreen(bare_store)))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert isinstance(app.screen, EmptyWorkspaceScreen)
        bar = app.screen.query_one(DownloadBar)
        assert bar.display
        app.set_sync_status(SyncStatus(state=SyncState.DOWNLOADING, download=DownloadProgress(
            tables_done=4, tables_total=15, rows_done=2_300, current_table="board_stages")))
        await pilot.pause()
        words = str(bar.query_one("#download-words").render())
        assert "4 of 15 tables, 2,300 rows" in words and "board stages" in words
        assert bar.query_one("ProgressBar").progress == 4
        assert "downloading 4 of 15 tables · 2,300 rows" in app.screen.query_one(StatusLine).text
        copy_board_tables(demo_store, bare_store)  # boards and stages are in; cards still coming
        await settle(app, pilot)
        assert isinstance(app.screen, EmptyWorkspaceScreen)
        app.set_sync_status(SyncStatus(state=SyncState.DOWNLOADING, download=DownloadProgress(
            tables_done=7, tables_total=15, rows_done=9_000, current_table="companies")))
        assert await until(pilot, lambda: isinstance(app.screen, BoardScreen))
        assert "downloading 7 of 15 tables" in app.screen.query_one(StatusLine).text


def copy_board_tables(source: Store, target: Store) -> None:
    from track_tui.store.server_apply import apply_rows

    for table in ("boards", "board_stages"):
        rows = [dict(r) for r in source.conn.execute(f"SELECT * FROM {table}")]
        for row in rows:
            row["workspace_id"] = "w" * 32
        apply_rows(target, table, rows)


async def test_a_stopped_engine_is_no_longer_heard(demo_store, runtime):
    app = syncing_app(demo_store)
    engines: list[FakeEngine] = []
    wiring = SyncWiring(app, runtime.submit, lambda store, on_status: engines.append(FakeEngine(store, on_status)) or engines[-1])
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        wiring.start(demo_store)
        assert engines[0].started.wait(2)
        wiring.start(demo_store)
        assert engines[1].started.wait(2)
        await pilot.pause()
        engines[0].on_status(SyncStatus(state=SyncState.NO_ACCESS))  # late news from the old one
        await pilot.pause()
        assert app.app_status.sync.state is SyncState.LIVE
        engines[1].on_status(SyncStatus(state=SyncState.SYNCING))
        await pilot.pause()
        assert app.app_status.sync.state is SyncState.SYNCING
        wiring.stop()

"""The app and the store under several writers: a background thread, another process, a locked
cache, and an editor whose value was changed elsewhere."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import FROZEN_NOW, frozen_clock
from tests.support.pilot import heard_notifications, settle, until
from track_tui.models import RecordType
from track_tui.screens.board import BoardScreen
from track_tui.screens.record import RecordScreen
from track_tui.screens.record_dialogs import TextFieldScreen
from track_tui.store import Origin, Store
from track_tui.widgets.status_line import StatusLine

SIZE = (120, 40)
SCENARIO_TIMEOUT = 90  # seconds; a blocked UI thread makes the scenario run into it


@pytest.fixture
def other(demo_store):
    """A second store on the same cache file: another process, as far as the cache can tell."""
    store = Store(demo_store.path, clock=frozen_clock)
    yield store
    store.close()


def first_deal(store: Store) -> str:
    return store.conn.execute(
        "SELECT id FROM deals WHERE deleted_at IS NULL ORDER BY created_at, id LIMIT 1"
    ).fetchone()[0]


# -- a background writer while the app runs --------------------------------------------------

_SCENARIO = """
import asyncio, sys, threading, time
from tests.conftest import frozen_clock
from track_tui.app import TrackApp
from track_tui.config import Settings
from track_tui.models import RecordType
from track_tui.store import Store

store = Store(sys.argv[1], clock=frozen_clock)
deals = [r[0] for r in store.conn.execute("SELECT id FROM deals WHERE deleted_at IS NULL ORDER BY id LIMIT 40")]
tasks = [r[0] for r in store.conn.execute("SELECT id FROM tasks ORDER BY id LIMIT 20")]
errors = []

def background() -> None:
    try:
        for i, deal in enumerate(deals):
            store.update_record(RecordType.DEAL, deal, {"name": f"Background {i}"})
            store.update_task(tasks[i % len(tasks)], {"title": f"Task {i}"})
    except BaseException as exc:
        errors.append(repr(exc))

async def main() -> None:
    app = TrackApp(store, Settings())
    async with app.run_test(size=(120, 40)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        writer = threading.Thread(target=background)
        writer.start()
        for _ in range(10):  # the UI reads and writes while the thread writes
            await pilot.press("j", "j", "L")
            await pilot.press("enter")
            await pilot.pause()
            await pilot.press("escape", "h")
        await asyncio.to_thread(writer.join, 30)
        assert not writer.is_alive(), "the background writer was blocked"
        await app.workers.wait_for_complete()
        await pilot.pause(0.2)
    assert not errors, errors
    renamed = store.conn.execute("SELECT count(*) FROM deals WHERE name LIKE 'Background %'").fetchone()[0]
    print("RENAMED", renamed)
    store.close()

asyncio.run(main())
"""


def test_writes_from_a_background_thread_while_the_app_runs_never_block(demo_store, tmp_path: Path) -> None:
    path = tmp_path / "copy.sqlite3"
    demo_store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    shutil.copyfile(demo_store.path, path)
    try:
        result = subprocess.run(
            [sys.executable, "-c", _SCENARIO, str(path)], capture_output=True, text=True,
            timeout=SCENARIO_TIMEOUT, cwd=Path(__file__).resolve().parents[2],
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"the app or the writer thread blocked: no end within {SCENARIO_TIMEOUT} s")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "RENAMED 40" in result.stdout


async def test_a_worker_threads_write_reaches_the_board_without_blocking(demo_app, demo_store):
    async with demo_app.run_test(size=SIZE) as pilot:
        await settle(demo_app, pilot)
        board = demo_app.screen
        assert isinstance(board, BoardScreen)
        card_id = board.columns[0].cards.card_ids[0]
        target = board.stages[1].id
        await asyncio.to_thread(demo_store.move_card, card_id, target)  # a worker's write
        assert await until(pilot, lambda: card_id in board.columns[1].cards.card_ids)
        assert card_id not in board.columns[0].cards.card_ids


# -- another process ---------------------------------------------------------------------------


async def test_another_processes_edit_refreshes_the_record_page_and_says_so(demo_app, demo_store, other):
    deal_id = first_deal(demo_store)
    async with demo_app.run_test(size=SIZE) as pilot:
        told = heard_notifications(demo_app)
        await settle(demo_app, pilot)
        demo_app.open_record(RecordType.DEAL, deal_id)
        await settle(demo_app, pilot)
        page = demo_app.screen
        assert isinstance(page, RecordScreen)
        other.update_record(RecordType.DEAL, deal_id, {"name": "Renamed in the other pane"})
        assert await until(pilot, lambda: page.record.name == "Renamed in the other pane", timeout=2.0)
        assert any("changed in another Track window" in m and "name" in m for m in told)
        assert not any("teammate" in m for m in told)
        # A teammate's change, brought in by another process's sync, is news.
        with other.transaction(origin=Origin.SERVER) as tx:
            tx.update("deals", deal_id, {"close_date": FROZEN_NOW.date().replace(year=2027), "version": 9})
        assert await until(pilot, lambda: any("changed the close date of 'Renamed in the other pane'" in m for m in told), timeout=2.0)
        # This person's own edit here is not news.
        before = len(told)
        demo_store.update_record(RecordType.DEAL, deal_id, {"name": "My own edit"})
        await settle(demo_app, pilot)
        assert not any("changed the" in m or "another Track window" in m for m in told[before:])


async def test_another_processes_stage_move_reloads_the_board(demo_app, demo_store, other):
    async with demo_app.run_test(size=SIZE) as pilot:
        await settle(demo_app, pilot)
        board = demo_app.screen
        assert isinstance(board, BoardScreen)
        card_id = board.columns[0].cards.card_ids[-1]
        other.move_card(card_id, board.stages[2].id)
        assert await until(pilot, lambda: board.columns[2].cards.card_ids[:1] == [card_id], timeout=2.0)
        assert card_id not in board.columns[0].cards.card_ids


# -- a locked cache ------------------------------------------------------------------------------


class Holder:
    def __init__(self, path) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.conn.execute("BEGIN IMMEDIATE")

    def release(self) -> None:
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")
        self.conn.close()


def status_text(app) -> str:
    return str(app.screen.query_one(StatusLine).render())


async def test_a_key_on_a_locked_cache_returns_at_once_says_it_waits_then_saves(demo_app, demo_store):
    async with demo_app.run_test(size=SIZE) as pilot:
        told = heard_notifications(demo_app)
        await settle(demo_app, pilot)
        board = demo_app.screen
        card_id = board.column.cards.current_id
        target = board.stages[1].id
        holder = Holder(demo_store.path)
        try:
            started = time.perf_counter()
            await pilot.press("L")
            assert time.perf_counter() - started < 1.0  # the screen did not freeze
            assert await until(pilot, lambda: "waiting for another process" in status_text(demo_app))
            assert "all changes saved" not in status_text(demo_app)
            await pilot.press("j", "k")  # still responsive
        finally:
            holder.release()
        assert await until(pilot, lambda: "waiting" not in status_text(demo_app), timeout=5.0)
        await settle(demo_app, pilot)
        assert demo_store.conn.execute("SELECT stage_id FROM board_cards WHERE id = ?", (card_id,)).fetchone()[0] == target
        assert card_id in board.columns[1].cards.card_ids
        assert any(m.startswith("Saved") for m in told)


async def test_quitting_with_a_write_still_waiting_asks_first(demo_app, demo_store):
    async with demo_app.run_test(size=SIZE) as pilot:
        told = heard_notifications(demo_app)
        await settle(demo_app, pilot)
        holder = Holder(demo_store.path)
        try:
            await pilot.press("L")
            await pilot.press("q")
            await pilot.pause()
            assert demo_app.is_running
            assert any("not saved yet" in m for m in told)
        finally:
            holder.release()
        assert await asyncio.to_thread(demo_store.wait_for_queued_writes, 5.0)
        await settle(demo_app, pilot)


# -- an editor over a value changed elsewhere ----------------------------------------------------


async def test_the_field_editor_warns_before_saving_over_another_processes_value(demo_app, demo_store, other):
    deal_id = first_deal(demo_store)
    async with demo_app.run_test(size=SIZE) as pilot:
        await settle(demo_app, pilot)
        demo_app.open_record(RecordType.DEAL, deal_id)
        await settle(demo_app, pilot)
        page = demo_app.screen
        page.edit_field("field:name")
        await pilot.pause()
        editor = demo_app.screen
        assert isinstance(editor, TextFieldScreen)
        other.update_record(RecordType.DEAL, deal_id, {"name": "Their name"})
        assert await until(pilot, lambda: page.record.name == "Their name", timeout=2.0)
        field = editor.query_one("Input")
        field.value = "My name"
        await pilot.press("enter")
        await pilot.pause()
        assert demo_app.screen is editor  # still open, with what was typed
        assert field.value == "My name"
        error = str(editor.query_one("#error").render())
        assert "changed elsewhere" in error and "Their name" in error
        assert demo_store.record(RecordType.DEAL, deal_id).name == "Their name"
        await pilot.press("enter")  # saving again replaces it
        await pilot.pause()
        assert demo_app.screen is page
        assert demo_store.record(RecordType.DEAL, deal_id).name == "My name"

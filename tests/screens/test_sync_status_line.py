"""The one app-level status every status line follows: each sync state in words at 80 and 120
columns, pending and failed from the store, "synced N min ago", the demo's local-only line."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from rich.text import Text

from tests.conftest import FROZEN_NOW
from track_tui.models import RecordType
from track_tui.screens.board import BoardScreen
from track_tui.status_words import AppStatus, ago, status_text
from track_tui.sync.status import DownloadProgress, SyncState, SyncStatus
from track_tui.widgets.status_line import StatusLine

from .sync_support import syncing_app

WIDTHS = (80, 120)
DOWNLOAD = DownloadProgress(tables_done=3, tables_total=11, rows_done=12_400, current_table="deals")

# state → (words at 120 columns, words at 80 columns)
STATES = {
    SyncState.LOCAL_ONLY: ("local only: nothing is uploaded", "local only"),
    SyncState.OFFLINE: ("offline", "offline"),
    SyncState.CONNECTING: ("connecting…", "connecting…"),
    SyncState.DOWNLOADING: ("downloading 3 of 11 tables · 12,400 rows", "↓ 3/11 · 12k rows"),
    SyncState.SYNCING: ("syncing…", "syncing…"),
    SyncState.LIVE: ("live", "live"),
    SyncState.SIGNED_OUT: ("signed out: sign in to sync (w)", "signed out"),
    SyncState.NO_ACCESS: ("no access to this workspace", "no access"),
}


async def settle(app, pilot) -> None:
    await app.workers.wait_for_complete()
    await pilot.pause()


def line_of(app) -> StatusLine:
    return app.screen.query_one(StatusLine)


@pytest.mark.parametrize("state", list(STATES), ids=[s.name.lower() for s in STATES])
@pytest.mark.parametrize("width", WIDTHS)
async def test_every_state_is_said_in_words_and_fits(demo_store, state, width):
    status = SyncStatus(state=state, last_success=FROZEN_NOW - timedelta(minutes=2),
                        download=DOWNLOAD if state is SyncState.DOWNLOADING else None)
    app = syncing_app(demo_store, status)
    async with app.run_test(size=(width, 24)) as pilot:
        await settle(app, pilot)
        demo_store.move_card(*first_card_and_next_stage(app))  # three outbox entries
        await settle(app, pilot)
        first = demo_store.conn.execute("SELECT min(seq) FROM outbox").fetchone()[0]
        with demo_store.conn:  # the engine parks one as failed
            demo_store.conn.execute("UPDATE outbox SET state = 'failed', last_error = 'refused' WHERE seq = ?", (first,))
        app.set_sync_status(status)  # the engine's next news: the counts are read again
        await pilot.pause()
        line = line_of(app)
        text = line.text
        long_words, short_words = STATES[state]
        assert len(text) <= width - 2, text  # inside the line's padding: never cut…
        assert not text.endswith("…"), text
        assert "Sales pipeline" in text  # …and the board's own context is there in full
        if width == 120:
            assert long_words in text  # the state in full words; the counts may be short
            if state is not SyncState.LOCAL_ONLY:
                # two entries still wait, both the one deal's: one change
                assert ("1 to upload" in text or "1 pending" in text) and ("synced 2 min ago" in text or "2m ago" in text)
            assert "1 failed — press !" in text or "1 failed !" in text
        else:
            assert short_words in text
            if state is not SyncState.LOCAL_ONLY:
                assert "1 pending" in text
            assert "1 failed !" in text
        if state is SyncState.LOCAL_ONLY:
            assert "pending" not in text and "to upload" not in text
        failed_span = next(s for s in line.render().spans if "failed" in text[s.start:s.end])
        assert "bold" in str(failed_span.style)


def first_card_and_next_stage(app) -> tuple[str, str]:
    board = app.screen
    assert isinstance(board, BoardScreen)
    return board.columns[0].cards.card_ids[0], board.stages[1].id


async def test_the_demo_says_local_only_and_never_pending(demo_app, demo_store):
    async with demo_app.run_test(size=(120, 40)) as pilot:
        await settle(demo_app, pilot)
        for _ in range(3):
            await pilot.press("L")
            await settle(demo_app, pilot)
        assert demo_store.pending_count() > 0  # the outbox holds them (for a later sync)…
        text = line_of(demo_app).text
        assert "local only" in text and "all changes saved" in text
        assert "pending" not in text and "to upload" not in text  # …but the demo never reads as unsent work


async def test_pending_follows_each_local_commit_at_once(demo_store):
    app = syncing_app(demo_store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        assert "all changes uploaded" in line_of(app).text
        await pilot.press("L")
        await settle(app, pilot)
        # One move writes three outbox entries (card, deal, stage change); the line counts the
        # things the person changed: one deal.
        assert "1 to upload" in line_of(app).text
        await pilot.press("L")  # the same card again: still one deal waiting
        await settle(app, pilot)
        assert "1 to upload" in line_of(app).text
        await pilot.press("h", "h", "L")  # a card of the first column: a second deal
        await settle(app, pilot)
        assert "2 to upload" in line_of(app).text and demo_store.pending_count() == 9
        app.open_record(RecordType.DEAL, demo_store.conn.execute("SELECT id FROM deals LIMIT 1").fetchone()[0])
        await settle(app, pilot)
        assert "2 to upload" in line_of(app).text  # a new screen's line reads the app's status on mount


async def test_status_from_another_thread_reaches_every_line(demo_store):
    app = syncing_app(demo_store, SyncStatus(state=SyncState.CONNECTING))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        app.action_inbox()
        await settle(app, pilot)
        news = SyncStatus(state=SyncState.LIVE, last_success=FROZEN_NOW)
        thread = threading.Thread(target=app.set_sync_status, args=(news,))
        thread.start()
        thread.join()
        await pilot.pause()
        lines = [line for screen in app.screen_stack for line in screen.query(StatusLine)]
        assert len(lines) == 2
        assert all("● live" in line.text and "synced just now" in line.text for line in lines)


async def test_synced_ago_is_read_at_each_draw(demo_store):
    app = syncing_app(demo_store, SyncStatus(state=SyncState.LIVE, last_success=FROZEN_NOW - timedelta(minutes=2)))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        assert "synced 2 min ago" in line_of(app).text
        demo_store.clock = lambda: FROZEN_NOW + timedelta(minutes=5)
        line_of(app).refresh()  # what the line's one-minute timer does
        await pilot.pause()
        assert "synced 7 min ago" in line_of(app).text


def test_ago_in_words():
    now = FROZEN_NOW
    assert ago(now - timedelta(seconds=20), now) == "just now"
    assert ago(now - timedelta(minutes=2), now) == "2 min ago"
    assert ago(now - timedelta(hours=3), now) == "3 h ago"
    assert ago(now - timedelta(days=5), now) == "5 days ago"
    assert ago(now - timedelta(minutes=2), now, short=True) == "2m ago"
    assert ago(now + timedelta(minutes=1), now) == "just now"  # a clock behind the server's


def test_a_long_name_and_filter_are_cut_at_the_end_only():
    status = AppStatus(workspace="A very long workspace name that goes on", sync=SyncStatus(
        state=SyncState.OFFLINE, pending=12, failed=2, problem="the project cannot be reached"))
    text = status_text(status, "Pipeline · filter owner:me tag:vip stage:won >10k EUR stale:14", 78, FROZEN_NOW)
    assert isinstance(text, Text)
    assert "12 pending" in text.plain and "2 failed" in text.plain  # what matters is kept
    wide = status_text(status, "Pipeline", 118, FROZEN_NOW).plain
    assert "offline: the project cannot be reached" in wide and "12 pending" in wide
    roomy = status_text(status.model_copy(update={"workspace": "Acme"}), "Pipeline", 118, FROZEN_NOW).plain
    assert "12 to upload" in roomy and "2 failed — press !" in roomy


def test_a_long_record_name_is_cut_not_the_workspace_or_the_sync_words():
    """At 120 columns a record page with a long name once lost the workspace's name (cut to 16
    cells) and the last-sync time, although only the screen's part should ever be cut."""
    status = AppStatus(workspace="Larkspur Labs (demo)", sync=SyncStatus(
        state=SyncState.LIVE, failed=1, last_success=FROZEN_NOW - timedelta(seconds=5)))
    name = "Deal: A deliberately very long name for the check constraint and then some more words"
    text = status_text(status, name, 118, FROZEN_NOW).plain
    assert text.startswith("Larkspur Labs (demo)  ● live  all changes uploaded  1 failed — press !  synced just now")
    assert len(text) == 118 and text.endswith("…") and "│ Deal: A deliberately" in text
    short = status_text(status, "Sales pipeline", 118, FROZEN_NOW).plain  # fits whole: not cut
    assert short.endswith("│ Sales pipeline")


def test_data_in_the_line_is_drawn_safely():
    status = AppStatus(workspace="Evil\x1b[2J[/]", sync=SyncStatus(state=SyncState.OFFLINE, problem="bad\x07"))
    plain = status_text(status, "ctx\x1b]0;x\x07", 200, FROZEN_NOW).plain
    assert "\x1b" not in plain and "\x07" not in plain

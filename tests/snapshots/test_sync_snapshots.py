"""Snapshots of what sync shows: the failed-changes screen, the status line while the first
download runs (on the board, and the empty workspace's progress bar), at 80x24 and 120x40."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from tests.conftest import FROZEN_NOW, frozen_clock
from tests.screens.sync_support import park, syncing_app
from track_tui.models import RecordType
from track_tui.screens.empty_workspace import EmptyWorkspaceScreen
from track_tui.store import Store
from track_tui.sync.status import DownloadProgress, SyncState, SyncStatus

SIZES = pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
DOWNLOADING = SyncStatus(state=SyncState.DOWNLOADING, last_success=None, download=DownloadProgress(
    tables_done=8, tables_total=15, rows_done=41_250, current_table="contacts"))


async def loaded(pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def refuse_some_changes(store: Store) -> None:
    deals = [r[0] for r in store.conn.execute("SELECT id FROM deals WHERE deleted_at IS NULL ORDER BY id LIMIT 2")]
    store.update_record(RecordType.DEAL, deals[0], fields={"close_date": date(2027, 4, 30)})
    park(store, 'new row violates row-level security policy for table "deals"')
    store.update_record(RecordType.DEAL, deals[1], fields={"value_cents": 4_200_000})
    park(store, 'value "-1" violates check constraint "deals_value_cents_check"')


@SIZES
def test_failed_changes(snap_compare, demo_store, size):
    refuse_some_changes(demo_store)
    app = syncing_app(demo_store, SyncStatus(state=SyncState.LIVE, last_success=FROZEN_NOW - timedelta(minutes=2)))

    async def opened(pilot) -> None:
        await loaded(pilot)
        await pilot.press("exclamation_mark")
        await loaded(pilot)

    assert snap_compare(app, terminal_size=size, run_before=opened)


@SIZES
def test_status_line_while_downloading(snap_compare, demo_store, size):
    assert snap_compare(syncing_app(demo_store, DOWNLOADING), terminal_size=size, run_before=loaded)


def test_empty_workspace_downloading_at_80x24(snap_compare, tmp_path: Path, monkeypatch):
    from track_tui.store.server_apply import apply_rows

    store = Store(tmp_path / "ws.sqlite3", clock=frozen_clock)
    try:
        store.set_meta("workspace_id", "w" * 32)
        apply_rows(store, "workspaces", [{"id": "w" * 32, "name": "Acme Sales", "version": 1,
                                          "created_at": "2026-01-01T00:00:00+00:00", "updated_at": "2026-01-01T00:00:00+00:00"}])
        early = DOWNLOADING.model_copy(update={"download": DownloadProgress(
            tables_done=4, tables_total=15, rows_done=2_300, current_table="board_stages")})
        app = syncing_app(store, early)
        monkeypatch.setattr(app, "_show_workspace", lambda: app.push_screen(EmptyWorkspaceScreen(store)))
        assert snap_compare(app, terminal_size=(80, 24), run_before=loaded)
    finally:
        store.close()

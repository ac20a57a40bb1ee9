"""What the sync screen tests share: an app that syncs (not local-only), a control that records
what the screens ask of the engine, server rows as the engine would apply them, and failures."""

from __future__ import annotations

import threading
from contextlib import asynccontextmanager
from typing import Any, Sequence

from track_tui.app import TrackApp
from track_tui.config import Settings
from track_tui.store import Store
from track_tui.store.server_apply import apply_rows
from track_tui.sync.status import SyncState, SyncStatus

TEAMMATE = "aaaaaaaa-0000-4000-8000-00000000a0a0"


class FakeControl:
    """A SyncControl that only records calls (thread-safe, returns at once, like the engine's)."""

    def __init__(self, status: SyncStatus | None = None) -> None:
        self._status = status or SyncStatus(state=SyncState.LIVE)
        self.pushes = 0
        self.pulls = 0
        self.retried: list[list[int]] = []
        self.discarded: list[list[int]] = []
        self.lock = threading.Lock()

    @property
    def status(self) -> SyncStatus:
        return self._status

    def request_push(self) -> None:
        with self.lock:
            self.pushes += 1

    def request_pull(self) -> None:
        self.pulls += 1

    def retry(self, seqs: Sequence[int]) -> None:
        self.retried.append(list(seqs))

    def discard(self, seqs: Sequence[int]) -> None:
        self.discarded.append(list(seqs))


def syncing_app(store: Store, status: SyncStatus | None = None, control: FakeControl | None = None) -> TrackApp:
    """The app over `store` as if it were a project's workspace with an engine running."""
    app = TrackApp(store, Settings())
    app.status_keeper.local_only = False
    app.status_keeper.status = app.status_keeper.status.model_copy(
        update={"sync": status or SyncStatus(state=SyncState.LIVE)})
    app.sync_control = control
    return app


def add_teammate(store: Store, name: str = "Ana Reyes") -> str:
    apply_rows(store, "profiles", [{"id": TEAMMATE, "full_name": name, "email": "ana@example.com",
                                    "updated_at": "2026-11-25T09:00:00+00:00", "version": 1}])
    return TEAMMATE


def server_edit(store: Store, table: str, row_id: str, by: str | None = TEAMMATE, **columns: Any):
    """The engine applying a teammate's edit of one row: `columns` changed, a newer version,
    `updated_by` naming who."""
    version = store.conn.execute(f"SELECT version FROM {table} WHERE id = ?", (row_id,)).fetchone()[0]
    row: dict[str, Any] = {"id": row_id, **columns}  # a row that leaves columns out keeps them
    row["version"] = (version or 0) + 1
    row["updated_by"] = by
    row["updated_at"] = "2026-11-25T09:29:00+00:00"
    return apply_rows(store, table, [row])


def park(store: Store, reason: str = "new row violates row-level security policy for table \"deals\"") -> list[int]:
    """The engine parking every pending entry as failed with the server's reason."""
    seqs = [r[0] for r in store.conn.execute("SELECT seq FROM outbox WHERE state = 'pending' ORDER BY seq")]
    with store.conn:
        store.conn.execute("UPDATE outbox SET state = 'failed', last_error = ?, attempts = 1 WHERE state = 'pending'",
                           (reason,))
    return seqs


@asynccontextmanager
async def app_with_teammate(store: Store, name: str = "Ana Reyes", size: tuple[int, int] = (120, 40)):
    """A teammate named `name` in the workspace, and the syncing app over `store` running and
    settled: yields (app, pilot, told), `told` being every notification shown from the start."""
    from tests.support.pilot import heard_notifications, settle

    add_teammate(store, name)
    app = syncing_app(store)
    told = heard_notifications(app)
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        yield app, pilot, told

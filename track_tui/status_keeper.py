"""The app's one status, kept current and handed to every status line.

Three things feed it: the sync engine (a :class:`~.sync.status.SyncStatus`, through the
wiring's `SyncStatusChanged` message), the store (the outbox's pending and failed counts, read
again only when a commit touched the outbox), and the write path's waits for another process.
Screens no longer count anything: they set their own context on their line and nothing else.
Every widget of class `follows-status` (the status line, the download bar) is given the value.

Pending counts the things this person changed (`Store.pending_changes`: a record with its card,
timeline and tasks once), not outbox entries: two card moves read "2 pending", not 6. Failed
counts entries, as the failed-changes screen (`!`) lists them one by one.

The counts come from the store, not from the engine's status, because a local edit must show as
pending the moment it commits, before the engine has woken. A workspace without a project (the
demo, `--cache FILE`) is "local only": its outbox is never sent, so pending is not shown.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .status_words import AppStatus
from .store import ChangeSet, Store
from .sync.status import SyncState, SyncStatus

if TYPE_CHECKING:
    from textual.app import App


class StatusKeeper:
    def __init__(self, app: "App", *, local_only: bool) -> None:
        self.app = app
        self.local_only = local_only
        first = SyncState.LOCAL_ONLY if local_only else SyncState.OFFLINE
        problem = None if local_only else "not connected yet"
        self.status = AppStatus(sync=SyncStatus(state=first, problem=problem))

    # -- what feeds it ---------------------------------------------------------------------

    def attach(self, store: Store) -> None:
        """A workspace opened: its name, read-only-ness and outbox counts."""
        self._set(workspace=store.workspace_name(), read_only=bool(getattr(store, "read_only", False)),
                  sync=self._counted(self.status.sync, store))

    def store_changed(self, store: Store | None, changes: ChangeSet) -> None:
        """After a commit: count the outbox again only when the commit touched it."""
        if store is None:
            return
        updates: dict = {}
        if changes.touches("outbox"):
            updates["sync"] = self._counted(self.status.sync, store)
        if changes.touches("workspaces"):
            updates["workspace"] = store.workspace_name()
        if updates:
            self._set(**updates)

    def sync_changed(self, sync: SyncStatus, store: Store | None) -> None:
        """The engine's news; its counts are replaced by the store's (see the module docs)."""
        if self.local_only and sync.state is not SyncState.LOCAL_ONLY:
            return  # no engine runs for a local-only workspace; nothing can say otherwise
        self._set(sync=self._counted(sync, store) if store is not None else sync)

    def waiting_changed(self, waiting: str) -> None:
        self._set(waiting=waiting)

    # -- internals -------------------------------------------------------------------------

    @staticmethod
    def _counted(sync: SyncStatus, store: Store) -> SyncStatus:
        pending, failed = store.pending_changes(), store.failed_count()
        if (pending, failed) == (sync.pending, sync.failed):
            return sync
        return sync.model_copy(update={"pending": pending, "failed": failed})

    def _set(self, **updates) -> None:
        status = self.status.model_copy(update=updates)
        if status == self.status:
            return
        self.status = status
        for screen in self.app.screen_stack:
            for widget in screen.query(".follows-status"):  # status lines, the download bar
                widget.status = status

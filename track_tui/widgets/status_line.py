"""The status line: the app's one status (workspace, sync, pending, failed, last sync) and the
screen's own context (board and filter, record name).

Every status line follows the app's :class:`~..status_words.AppStatus`: the app sets `status`
on each line of the screen stack when it changes, and a new line reads it when it mounts, so no
screen counts outbox entries or names the sync state itself. The words and how they shorten
with the width are :mod:`..status_words`'; the "synced 2 min ago" part is redrawn each minute.
"""

from __future__ import annotations

from datetime import datetime, timezone

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from ..status_words import AppStatus, status_text

AGO_REFRESH = 60.0  # seconds between redraws of "synced N min ago"


class StatusLine(Static):
    DEFAULT_CSS = """
    StatusLine { height: 1; padding: 0 1; }
    """
    DEFAULT_CLASSES = "follows-status"

    status: reactive[AppStatus] = reactive(AppStatus, always_update=False)
    context: reactive[str] = reactive("")

    def on_mount(self) -> None:
        self.status = getattr(self.app, "app_status", AppStatus())
        self.set_interval(AGO_REFRESH, self.refresh)

    def _now(self) -> datetime:
        store = getattr(self.app, "store", None)
        return store.now() if store is not None else datetime.now(timezone.utc)

    def render(self) -> Text:
        """Workspace, board and record names are data: `status_text` draws them through `safe_line`."""
        width = self.content_size.width or self.app.size.width
        return status_text(self.status, self.context, width, self._now())

    @property
    def text(self) -> str:
        """What the line says now, as plain text (tests and screen readers' sake)."""
        return self.render().plain

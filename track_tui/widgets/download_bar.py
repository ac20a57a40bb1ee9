"""The first download's progress, as a bar: tables done of all, and the rows applied so far.

Follows the app's one status like the status line does (the app sets `status` on every widget
of class `follows-status`): shown while the state is downloading, hidden otherwise. When the
download moves on past what a board needs it says so to its screen (:class:`DownloadBar.Moved`).
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.css.query import NoMatches
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import ProgressBar, Static

from ..status_words import AppStatus
from ..sync.status import SyncState

# What a board needs before it can open; the engine downloads these first.
BOARD_TABLES = frozenset({"workspaces", "workspace_members", "profiles", "boards", "board_stages",
                          "board_cards", "deals"})


def board_ready(status: AppStatus) -> bool:
    """Have the board's tables arrived? (Not downloading, or downloading a table after them.)"""
    sync = status.sync
    if sync.state is not SyncState.DOWNLOADING or sync.download is None:
        return True
    table = sync.download.current_table
    return table is not None and table not in BOARD_TABLES and sync.download.tables_done > 0


class DownloadBar(Vertical):
    DEFAULT_CSS = """
    DownloadBar { height: auto; margin-top: 1; }
    DownloadBar ProgressBar { width: 100%; }
    DownloadBar Bar { width: 1fr; }
    """
    DEFAULT_CLASSES = "follows-status"

    class Moved(Message):
        """The download's progress changed (the screen may open the board now)."""

    status: reactive[AppStatus] = reactive(AppStatus, init=False)

    def compose(self) -> ComposeResult:
        yield Static("", id="download-words")
        yield ProgressBar(total=None, show_eta=False, id="download-progress")

    def on_mount(self) -> None:
        self.status = getattr(self.app, "app_status", AppStatus())
        self._show(self.status)

    def watch_status(self, status: AppStatus) -> None:
        self._show(status)
        self.post_message(self.Moved())

    def _show(self, status: AppStatus) -> None:
        sync = status.sync
        progress = sync.download
        downloading = sync.state is SyncState.DOWNLOADING
        self.display = downloading
        if not downloading:
            return
        try:
            bar = self.query_one(ProgressBar)
            words = self.query_one("#download-words", Static)
        except NoMatches:  # not composed yet: on_mount shows it
            return
        if progress is None or not progress.tables_total:
            words.update("Downloading the workspace…")
            return
        bar.update(total=progress.tables_total, progress=progress.tables_done)
        table = f" — now {progress.current_table.replace('_', ' ')}" if progress.current_table else ""
        words.update(f"Downloading: {progress.tables_done} of {progress.tables_total} tables, "
                     f"{progress.rows_done:,} rows{table}")

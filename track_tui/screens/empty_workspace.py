"""What a workspace looks like before its data has reached this computer.

Right after the first sign-in a workspace's cache holds only the rows sign-in read (the
workspace, the person's membership and profile); the board needs boards. This screen says so
in words instead of showing an empty board, shows the first download's progress (rows, tables
done), and makes way for the board as soon as what the board needs has arrived.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Static

from ..messages import StoreChanged
from ..store import Store
from ..sync.failures import clean
from ..widgets.download_bar import DownloadBar, board_ready
from ..widgets.status_line import StatusLine


class EmptyWorkspaceScreen(Screen[None]):
    TITLE = "Workspace"

    def __init__(self, store: Store) -> None:
        super().__init__()
        self.store = store

    def compose(self) -> ComposeResult:
        name = self.store.workspace_name()
        role = self.store.get_meta("role")
        title = Text("Workspace ", style="bold")
        title.append(clean(name or "(unnamed)", 120), style="bold")
        if role:
            title.append(f"  ({role})", style="dim")
        with Vertical(id="empty-workspace", classes="dialog"):
            yield Static(title, classes="dialog-title")
            yield Static(
                "There are no boards in this computer's copy of the workspace yet. They appear "
                "here as soon as they are downloaded from the project.",
                id="empty-workspace-body",
            )
            yield DownloadBar()
            yield Static("w switches workspace · ? help · q quits", classes="dialog-hint")
        yield StatusLine(id="status")

    def on_store_changed(self, message: StoreChanged) -> None:
        self._open_board_when_ready()

    def on_download_bar_moved(self) -> None:
        self._open_board_when_ready()

    def _open_board_when_ready(self) -> None:
        """The board opens once its tables have arrived — boards, stages, cards, deals — not at
        the first board row: the rest of the download goes on behind it."""
        if not self.is_current or not board_ready(self.app.app_status) or not self.store.boards():
            return
        from .board import BoardScreen

        self.app.switch_screen(BoardScreen(self.store, stale_days=self.app.settings.stale_days))

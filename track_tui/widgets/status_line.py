"""The status line: workspace, sync state, pending local changes, last sync, active filter.

While writes wait for another process to release the cache it says so (`waiting`, set by the
app for every status line on the screen stack, and read by a new one when it mounts).
"""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from ..safe_text import safe_line


class StatusLine(Static):
    DEFAULT_CSS = """
    StatusLine { height: 1; padding: 0 1; }
    """

    workspace: reactive[str] = reactive("")
    sync_state: reactive[str] = reactive("offline (local)")
    pending: reactive[int] = reactive(0)
    failed: reactive[int] = reactive(0)
    context: reactive[str] = reactive("")
    read_only: reactive[bool] = reactive(False)
    waiting: reactive[str] = reactive("")

    def on_mount(self) -> None:
        # The cache opened read-only (a read-only file or folder): say so wherever a status shows.
        self.read_only = bool(getattr(getattr(self.app, "store", None), "read_only", False))
        self.waiting = getattr(self.app, "write_wait", "")

    def render(self) -> Text:
        """Workspace, board and record names are data: drawn through `safe_line`."""
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(safe_line(self.workspace), style="bold")
        if self.read_only:
            text.append("  ● read-only: changes cannot be saved", style="bold")
        else:
            text.append(f"  ● {safe_line(self.sync_state)}")
            if self.waiting:  # never "all changes saved" while some wait
                text.append(f"  ⧗ {self.waiting}", style="bold reverse")
            if self.pending:
                text.append(f"  {self.pending} pending")
            elif not self.waiting:
                text.append("  all changes saved")
        if self.failed:
            text.append(f"  {self.failed} failed", style="bold reverse")
        if self.context:
            text.append(f"  │ {safe_line(self.context)}")
        return text

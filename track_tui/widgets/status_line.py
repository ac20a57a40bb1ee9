"""The status line: workspace, sync state, pending local changes, last sync, active filter."""

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

    def on_mount(self) -> None:
        # The cache opened read-only (a read-only file or folder): say so wherever a status shows.
        self.read_only = bool(getattr(getattr(self.app, "store", None), "read_only", False))

    def render(self) -> Text:
        """Workspace, board and record names are data: drawn through `safe_line`."""
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(safe_line(self.workspace), style="bold")
        if self.read_only:
            text.append("  ● read-only: changes cannot be saved", style="bold")
        else:
            text.append(f"  ● {safe_line(self.sync_state)}")
            text.append(f"  {self.pending} pending" if self.pending else "  all changes saved")
        if self.failed:
            text.append(f"  {self.failed} failed", style="bold reverse")
        if self.context:
            text.append(f"  │ {safe_line(self.context)}")
        return text

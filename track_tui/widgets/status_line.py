"""The status line: workspace, sync state, pending local changes, last sync, active filter."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static


class StatusLine(Static):
    DEFAULT_CSS = """
    StatusLine { height: 1; padding: 0 1; }
    """

    workspace: reactive[str] = reactive("")
    sync_state: reactive[str] = reactive("offline (local)")
    pending: reactive[int] = reactive(0)
    failed: reactive[int] = reactive(0)
    context: reactive[str] = reactive("")

    def render(self) -> Text:
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(self.workspace, style="bold")
        text.append(f"  ● {self.sync_state}")
        text.append(f"  {self.pending} pending" if self.pending else "  all changes saved")
        if self.failed:
            text.append(f"  {self.failed} failed", style="bold reverse")
        if self.context:
            text.append(f"  │ {self.context}")
        return text

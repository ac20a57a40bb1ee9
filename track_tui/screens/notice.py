"""A modal that explains a problem in plain words and offers quitting or carrying on."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Markdown

from ..safe_text import safe_block
from .dialog_base import Dialog


class NoticeScreen(Dialog[None]):
    """On the Dialog base (its Escape binding, its frame and hint line at 80x24). Enter carries
    on as Esc does; q quits from here, since the notice is about a problem the app cannot get
    past on its own (`BLOCKS_QUIT` is off)."""

    BINDINGS = [
        Binding("q", "app.quit", "Quit", id="notice.quit"),
        Binding("enter", "cancel", "Carry on", id="notice.dismiss"),
    ]
    CONFIRM_DISCARD = False
    BLOCKS_QUIT = False

    def __init__(self, title: str, body: str) -> None:
        super().__init__(title, hint="q quits · Esc carries on")
        self.body = body

    def compose_body(self) -> ComposeResult:
        yield Markdown(safe_block(self.body))  # names a path and SQLite's own words

    def submit(self) -> None:
        self.dismiss(None)

"""A modal that explains a problem in plain words and offers quitting or carrying on."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Markdown, Static

from ..safe_text import safe_block
from ..widgets.plain_text import PlainStatic


class NoticeScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("q", "app.quit", "Quit", id="notice.quit"),
        Binding("escape,enter", "dismiss", "Carry on", id="notice.dismiss"),
    ]

    def __init__(self, title: str, body: str) -> None:
        super().__init__()
        self.title_text = title
        self.body = body

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield PlainStatic(self.title_text, classes="dialog-title")
            yield Markdown(safe_block(self.body))  # names a path and SQLite's own words
            yield Static("q quits · Esc carries on", classes="dialog-hint")

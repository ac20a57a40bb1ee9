"""Choose which workspace to open: after sign-in (one workspace opens by itself) and on `w`.

The picker is handed a *loader*: a function that starts loading who is signed in and their
workspaces on the network runtime and returns a future. While it runs the picker says so; when
it fails it says why (and, when the project is unreachable and a cache of it exists, offers to
open that cache offline); `r` tries again. With ``auto=True`` a person with exactly one
workspace, or with a remembered one, is not asked at all.

It dismisses with a :class:`Picked`, a :class:`NeedsSignIn`, an
:class:`~.sign_in.OpenOffline`, or None (Escape, when opened over an open workspace).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from dataclasses import dataclass
from typing import Callable

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from ..sync.failures import AuthFailure, FailureKind, SignedIn
from ..sync.workspace_cache import CachedWorkspace
from ..safe_text import safe_line
from ..sync.workspaces import ProfileRow, WorkspaceChoice
from ..widgets.plain_text import PlainLabel
from .sign_in import OpenOffline


@dataclass(frozen=True)
class Loaded:
    """What the loader found: who is signed in (None: nobody), their workspaces, the default."""

    who: SignedIn | None
    choices: list[WorkspaceChoice]
    default: WorkspaceChoice | None = None
    profile: ProfileRow | None = None
    email: str = ""  # who was signed in, when nobody is any more (to pre-fill the sign-in)


@dataclass(frozen=True)
class Picked:
    who: SignedIn
    choice: WorkspaceChoice
    profile: ProfileRow | None


@dataclass(frozen=True)
class NeedsSignIn:
    reason: str
    email: str | None = None


Loader = Callable[[], "concurrent.futures.Future[Loaded]"]


class WorkspacePickerScreen(ModalScreen[Picked | NeedsSignIn | OpenOffline | None]):
    TITLE = "Workspaces"

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="workspace_picker.cancel"),
        Binding("r", "retry", "Try again", id="workspace_picker.retry", show=False),
        Binding("ctrl+l", "open_offline", "Open offline", id="workspace_picker.offline", show=False),
    ]

    def __init__(self, load: Loader, *, auto: bool = False, current: str | None = None,
                 cancellable: bool = False, offline: CachedWorkspace | None = None) -> None:
        super().__init__()
        self.load = load
        self.auto = auto
        self.current = current  # the open workspace, marked in the list
        self.cancellable = cancellable
        self.offline = offline
        self.loaded: Loaded | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="workspace-box", classes="dialog"):
            yield Static("Open a workspace", classes="dialog-title")
            yield PlainLabel("Loading your workspaces…", id="workspace-status")
            yield OptionList(id="workspace-list")
            yield PlainLabel("", id="workspace-error", classes="dialog-error")
            yield Static("", id="workspace-hint", classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one("#workspace-list").display = False
        self.fetch()

    def _error(self, text) -> None:
        label = self.query_one("#workspace-error", PlainLabel)
        label.update(text)
        label.display = bool(str(text))

    def _hint(self, text: str) -> None:
        self.query_one("#workspace-hint", Static).update(text)

    @work(exclusive=True, group="workspaces")
    async def fetch(self) -> None:
        self._error("")
        self.query_one("#workspace-status", PlainLabel).update("Loading your workspaces…")
        self._hint("Esc cancels" if self.cancellable else "")
        try:
            loaded = await asyncio.wrap_future(self.load())
        except AuthFailure as failure:
            self._failed(failure)
            return
        if loaded.who is None:
            self.dismiss(NeedsSignIn("Your session has ended; sign in again.", loaded.email))
            return
        self.show_loaded(loaded)

    def _failed(self, failure: AuthFailure) -> None:
        if failure.kind in (FailureKind.SESSION_ENDED, FailureKind.NOT_SIGNED_IN):
            self.dismiss(NeedsSignIn(failure.message))
            return
        message = failure.message
        hint = "r tries again"
        if failure.kind is FailureKind.UNREACHABLE and self.offline is not None:
            hint += f" · ctrl+l opens {self.offline.name or 'the last workspace'} offline"
        if self.cancellable:
            hint += " · Esc cancels"
        self.query_one("#workspace-status", PlainLabel).update("")
        self._error(message)
        self._hint(hint)

    def show_loaded(self, loaded: Loaded) -> None:
        self.loaded = loaded
        assert loaded.who is not None
        if self.auto and loaded.default is not None:
            self.dismiss(Picked(loaded.who, loaded.default, loaded.profile))
            return
        status = self.query_one("#workspace-status", PlainLabel)
        if not loaded.choices:
            status.update("")
            self._error(f"{loaded.who.email} is not a member of any workspace in this project yet. "
                        "Ask a workspace admin to add you, then press r.")
            self._hint("r tries again" + (" · Esc cancels" if self.cancellable else ""))
            return
        status.update(f"Signed in as {loaded.who.email}. Choose a workspace:")
        options = self.query_one("#workspace-list", OptionList)
        options.clear_options()
        highlight = 0
        for index, choice in enumerate(loaded.choices):
            label = Text(no_wrap=True, overflow="ellipsis")
            label.append(safe_line(choice.name))  # a Text: never read as markup
            label.append(f"  {choice.role.value}", style="dim")
            if choice.id == self.current:
                label.append("  (open now)", style="dim italic")
                highlight = index
            options.add_option(Option(label, id=choice.id))
        options.display = True
        options.highlighted = highlight
        options.focus()
        self._hint("↑↓ choose · Enter opens" + (" · Esc cancels" if self.cancellable else ""))

    @on(OptionList.OptionSelected, "#workspace-list")
    def selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        loaded = self.loaded
        if loaded is None or loaded.who is None:
            return
        choice = next((c for c in loaded.choices if c.id == event.option.id), None)
        if choice is not None:
            self.dismiss(Picked(loaded.who, choice, loaded.profile))

    def action_retry(self) -> None:
        self.fetch()

    def action_cancel(self) -> None:
        if self.cancellable:
            self.dismiss(None)

    def action_open_offline(self) -> None:
        if self.offline is not None:
            self.dismiss(OpenOffline(self.offline))

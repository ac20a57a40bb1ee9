"""Choose which workspace to open: after sign-in (one workspace opens by itself) and on `w`.

The picker is handed a *loader*: a function that starts loading who is signed in and their
workspaces on the network runtime and returns a future. While it runs the picker says so; when
it fails it says why (and, when the project is unreachable and a cache of it exists, offers to
open that cache offline); `r` tries again. With ``auto=True`` a person with exactly one
workspace, or with a remembered one, is not asked at all.

It dismisses with a :class:`Picked`, a :class:`NeedsSignIn`, an
:class:`~.sign_in.OpenOffline`, or None (Escape, when opened over an open workspace).
It is a :class:`~.dialog_base.Dialog`: the one Escape binding, error and hint lines, 80x24 fit.
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
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from ..sync.failures import AuthFailure, FailureKind, SignedIn
from ..sync.workspace_cache import CachedWorkspace
from ..safe_text import safe_line
from ..sync.workspaces import ProfileRow, WorkspaceChoice
from ..widgets.plain_text import PlainLabel
from .dialog_base import Dialog
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


class WorkspacePickerScreen(Dialog[Picked | NeedsSignIn | OpenOffline | None]):
    """On the Dialog base: its Escape, error and hint lines and 80x24 fit. Escape closes it only
    when it was opened over an open workspace (`w`); at start-up there is nothing to go back to,
    so Esc says so and ctrl+c or q quit the app."""

    TITLE = "Workspaces"
    CONFIRM_DISCARD = False

    BINDINGS = [
        Binding("r", "retry", "Try again", id="workspace_picker.retry", show=False),
        Binding("ctrl+l", "open_offline", "Open offline", id="workspace_picker.offline", show=False),
    ]

    def __init__(self, load: Loader, *, auto: bool = False, current: str | None = None,
                 cancellable: bool = False, offline: CachedWorkspace | None = None) -> None:
        super().__init__("Open a workspace")
        self.load = load
        self.auto = auto
        self.current = current  # the open workspace, marked in the list
        self.cancellable = cancellable
        self.offline = offline
        self.loaded: Loaded | None = None

    @property
    def blocks_quit(self) -> bool:
        return self.cancellable  # at start-up the picker is all there is: quitting is the way out

    def compose_body(self) -> ComposeResult:
        yield PlainLabel("Loading your workspaces…", id="workspace-status")
        yield OptionList(id="workspace-list")

    def on_mount(self) -> None:
        # Textual then runs Dialog.on_mount too (handlers run down the class tree): the list is
        # hidden first, so nothing is focused until it is filled.
        self.query_one("#workspace-list").display = False
        self.fetch()

    def _cancel_hint(self) -> str:
        return " · Esc cancels" if self.cancellable else " · ctrl+c quits"

    @work(exclusive=True, group="workspaces")
    async def fetch(self) -> None:
        self.show_error("")
        self.query_one("#workspace-status", PlainLabel).update("Loading your workspaces…")
        self.show_hint(self._cancel_hint().removeprefix(" · "))
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
        hint = "r tries again"
        if failure.kind is FailureKind.UNREACHABLE and self.offline is not None:
            hint += f" · ctrl+l opens {self.offline.name or 'the last workspace'} offline"
        self.query_one("#workspace-status", PlainLabel).update("")
        self.show_error(failure.message)
        self.show_hint(hint + self._cancel_hint())

    def show_loaded(self, loaded: Loaded) -> None:
        self.loaded = loaded
        assert loaded.who is not None
        if self.auto and loaded.default is not None:
            self.dismiss(Picked(loaded.who, loaded.default, loaded.profile))
            return
        status = self.query_one("#workspace-status", PlainLabel)
        if not loaded.choices:
            status.update("")
            self.show_error(f"{loaded.who.email} is not a member of any workspace in this project yet. "
                            "Ask a workspace admin to add you, then press r.")
            self.show_hint("r tries again" + self._cancel_hint())
            return
        status.update(f"Signed in as {loaded.who.email}. Choose a workspace:")
        options = self.query_one("#workspace-list", OptionList)
        options.clear_options()
        highlight = 0
        for index, choice in enumerate(loaded.choices):
            label = Text(no_wrap=True, overflow="ellipsis")
            label.append(safe_line(choice.name))  # a Text: never read as markup
            # not dim: on the highlighted row dim text fell to 2.5:1 (textual-dark)
            label.append(f" · {choice.role.value}")
            if choice.id == self.current:
                label.append("  (open now)", style="italic")
                highlight = index
            options.add_option(Option(label, id=choice.id))
        options.display = True
        options.highlighted = highlight
        options.focus()
        self.show_hint("↑↓ choose · Enter opens" + self._cancel_hint())

    def _choose(self, choice_id: str | None) -> None:
        loaded = self.loaded
        if loaded is None or loaded.who is None:
            return
        choice = next((c for c in loaded.choices if c.id == choice_id), None)
        if choice is not None:
            self.finish(Picked(loaded.who, choice, loaded.profile))

    @on(OptionList.OptionSelected, "#workspace-list")
    def selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self._choose(event.option.id)

    def submit(self) -> None:
        """ctrl+s opens the highlighted workspace, as Enter does."""
        options = self.query_one("#workspace-list", OptionList)
        if options.display and options.highlighted is not None:
            self._choose(options.get_option_at_index(options.highlighted).id)

    def action_retry(self) -> None:
        self.fetch()

    def action_cancel(self) -> None:
        if self.cancellable:
            super().action_cancel()
        else:
            self.show_error("Choose a workspace to open; ctrl+c quits.")

    def action_open_offline(self) -> None:
        if self.offline is not None:
            self.finish(OpenOffline(self.offline))

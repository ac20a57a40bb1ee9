"""The TUI's way from "a project is configured" to an open workspace, and back on `w`.

Steps (each screen dismisses with a result the next step reads):

1. no session stored → :class:`~.screens.sign_in.SignInScreen`;
2. a session → :class:`~.screens.workspace_picker.WorkspacePickerScreen` with ``auto=True``:
   it checks the session (refreshing an expired token), loads the workspaces, and opens the
   remembered or only one without asking; a session the server ended leads back to 1;
3. the chosen workspace's cache is opened (created for a first visit, with the rows sign-in
   read) and the app shows it (:meth:`TrackApp.open_workspace`).

Started from an existing cache (the usual case after the first sign-in), the app shows that
cache at once and this flow checks the session in the background: a person is never kept
waiting on the network to see their data. When the project is unreachable, a cache of it that
exists on disk is offered for opening offline.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from typing import TYPE_CHECKING

from .screens.sign_in import OpenOffline, SignInScreen
from .screens.workspace_picker import Loaded, NeedsSignIn, Picked, WorkspacePickerScreen
from .sync import workspace_cache as wc
from .sync.account import Account
from .sync.failures import AuthFailure, FailureKind, SignedIn

if TYPE_CHECKING:
    from .app import TrackApp


class AccountFlow:
    def __init__(self, app: "TrackApp", account: Account) -> None:
        self.app = app
        self.account = account

    # -- what the screens are given ----------------------------------------------------------

    def load_workspaces(self, who: SignedIn | None = None) -> "concurrent.futures.Future[Loaded]":
        account = self.account

        async def load() -> Loaded:
            stored = account.stored_session()
            person = who or await account.signed_in()
            if person is None:
                return Loaded(None, [], email=stored.email if stored else "")
            choices = await account.workspaces(person.user_id)
            profile = await account.profile(person.user_id) if choices else None
            return Loaded(person, choices, wc.default_choice(account.project, person, choices), profile)

        return account.runtime.submit(load())

    def offline_cache(self) -> wc.CachedWorkspace | None:
        """The cache to offer when the project is unreachable: the last opened, else the newest."""
        caches = wc.cached_workspaces(self.account.project)
        last = wc.last_workspace_id(self.account.project)
        return next((c for c in caches if c.workspace_id == last), caches[0] if caches else None)

    def _current_workspace(self) -> str | None:
        store = self.app.store
        return store.get_meta("workspace_id") if store is not None else None

    # -- the steps ---------------------------------------------------------------------------------

    def start(self) -> None:
        """No workspace is open yet: sign in, or check the stored session and pick."""
        if self.account.stored_session() is None:
            self.sign_in()
        else:
            self.pick(auto=True)

    def sign_in(self, reason: str = "", email: str | None = None) -> None:
        if email is None:
            stored = self.account.stored_session()
            email = stored.email if stored else ""
        screen = SignInScreen(self.account, email=email, reason=reason,
                              offline=self.offline_cache())
        self.app.push_screen(screen, self._signed_in)

    def _signed_in(self, result: SignedIn | OpenOffline | None) -> None:
        if isinstance(result, OpenOffline):
            self.open_offline(result.cache)
        elif isinstance(result, SignedIn):
            self.pick(auto=True, who=result)

    def pick(self, *, auto: bool, who: SignedIn | None = None, cancellable: bool = False) -> None:
        screen = WorkspacePickerScreen(lambda: self.load_workspaces(who), auto=auto, cancellable=cancellable,
                                       current=self._current_workspace(), offline=self.offline_cache())
        self.app.push_screen(screen, self._picked)

    def switch(self) -> None:
        """`w`: choose another workspace (always asks, marks the open one)."""
        self.pick(auto=False, cancellable=True)

    def _picked(self, result: Picked | NeedsSignIn | OpenOffline | None) -> None:
        if isinstance(result, NeedsSignIn):
            self.sign_in(result.reason, email=result.email)
        elif isinstance(result, OpenOffline):
            self.open_offline(result.cache)
        elif isinstance(result, Picked):
            self.open(result)

    def open(self, picked: Picked) -> None:
        from .store import CacheError
        from .sync.private_file import PrivateFileError

        project = self.account.project
        try:
            store = wc.open_workspace_cache(project, picked.who, picked.choice, picked.profile)
            wc.remember_workspace(project, picked.who.user_id, picked.choice.id)
        except (CacheError, wc.CacheBelongsElsewhere, PrivateFileError, OSError) as exc:
            self.app.cannot_open(str(exc))
            return
        self.app.open_workspace(store)

    def open_offline(self, cache: wc.CachedWorkspace) -> None:
        from .store import CacheError

        try:
            store = wc.open_cached(cache)
        except (CacheError, OSError) as exc:
            self.app.cannot_open(str(exc))
            return
        self.app.open_workspace(store)
        self.app.notify("Offline: showing the copy on this computer; it is not being synced.",
                        severity="warning", timeout=8)

    async def check_session(self) -> None:
        """Started from a cache: confirm the session in the background (never blocks a screen)."""
        stored = self.account.stored_session()
        try:
            who = await asyncio.wrap_future(self.account.runtime.submit(self.account.signed_in()))
        except AuthFailure as failure:
            if failure.kind is FailureKind.UNREACHABLE:
                self.app.notify(f"Offline — {failure.message} Showing the copy on this computer.",
                                severity="warning", timeout=8)
            else:
                self.app.notify(failure.message, severity="error", timeout=8)
            return
        if who is None:
            self.sign_in("Your session has ended (signed out elsewhere, or expired); sign in again.",
                         email=stored.email if stored else "")

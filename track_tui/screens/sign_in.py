"""Sign in to the configured Supabase project: email, then a password or an emailed code.

Shown when a project is configured and there is no valid session (first start, after `track
logout`, or when the server ended the session). The screen never waits on the network itself:
each step is a coroutine handed to the network runtime, awaited inside a worker, so typing
stays instant; errors appear under the fields, in words (wrong password, not confirmed, too
many attempts and how long to wait, the project unreachable). When the project cannot be
reached and a cache of it exists on disk, the screen offers to open that cache offline.

It dismisses with a :class:`SignedIn` (or an :class:`OpenOffline` naming the cache).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Input

from ..sync.account import Account
from ..sync.failures import AuthFailure, FailureKind, SignedIn
from ..sync.workspace_cache import CachedWorkspace
from ..widgets.plain_text import PlainLabel
from ..widgets.safe_input import SafeInput
from .dialog_base import Dialog, labelled


@dataclass(frozen=True)
class OpenOffline:
    """The person chose to open a cache without signing in (the project was unreachable)."""

    cache: CachedWorkspace


PASSWORD_HINT = "Enter signs in · ctrl+o emails a code · ctrl+c quits"
CODE_HINT = "Enter signs in · ctrl+o new code · Esc: password"


class SignInScreen(Dialog[SignedIn | OpenOffline]):
    """A form on the Dialog base (labelled fields, focus marker, error and hint lines that stay
    visible at 80x24) that cannot be cancelled: nothing is underneath it. Esc steps back from the
    code to the password; ctrl+c quits the app (`BLOCKS_QUIT` is off)."""

    TITLE = "Sign in"
    FOCUS = "sign-in-email"
    CONFIRM_DISCARD = False
    BLOCKS_QUIT = False

    BINDINGS = [
        Binding("ctrl+o", "send_code", "Email me a code", id="sign_in.send_code"),
        Binding("ctrl+l", "open_offline", "Open offline", id="sign_in.offline", show=False),
    ]

    def __init__(self, account: Account, *, email: str = "", reason: str = "",
                 offline: CachedWorkspace | None = None) -> None:
        super().__init__("Sign in to Track", hint=PASSWORD_HINT)
        self.account = account
        self.initial_email = email
        self.reason = reason
        self.offline = offline  # offered when the project is unreachable
        self.stage = "password"  # or "code"
        self.busy = False

    def compose_body(self) -> ComposeResult:
        yield PlainLabel(self.account.url, id="sign-in-project")
        if self.reason:
            yield PlainLabel(self.reason, id="sign-in-reason")
        # The email may come from the stored session (the server's text): drawn safely.
        yield labelled(SafeInput(value=self.initial_email, placeholder="you@example.com", id="sign-in-email"), "Email")
        yield labelled(Input(password=True, id="sign-in-password"), "Password")
        yield labelled(Input(placeholder="6 digits", id="sign-in-code", max_length=12), "Code from the email")
        yield PlainLabel("", id="sign-in-status")

    def on_mount(self) -> None:
        # Dialog.on_mount runs after this one (Textual runs handlers down the class tree) and
        # focuses FOCUS: the email, or the password when the email is known.
        self.query_one("#sign-in-code").display = False
        self._status("")
        if self.initial_email:
            self.FOCUS = "sign-in-password"

    # -- what the person sees ------------------------------------------------------------------

    def _email(self) -> str:
        return self.query_one("#sign-in-email", Input).value.strip()

    def _status(self, message: str) -> None:
        label = self.query_one("#sign-in-status", PlainLabel)
        label.update(message)
        label.display = bool(message)

    def _show_stage(self, stage: str) -> None:
        self.stage = stage
        code = stage == "code"
        self.query_one("#sign-in-password").display = not code
        self.query_one("#sign-in-code").display = code
        self.show_hint(CODE_HINT if code else PASSWORD_HINT)
        (self.query_one("#sign-in-code", Input) if code else self.query_one("#sign-in-password", Input)).focus()

    def _failed(self, failure: AuthFailure) -> None:
        message = failure.message
        if failure.kind is FailureKind.UNREACHABLE and self.offline is not None:
            name = self.offline.name or "the last workspace"
            message += f" Press ctrl+l to open {name} offline (the copy on this computer)."
        self._status("")
        self.show_error(message)

    # -- actions -------------------------------------------------------------------------------

    def submit(self) -> None:
        """Enter (or ctrl+s): from the email, on to the password or code; from those, sign in."""
        if self.busy:
            return
        if self.focused is not None and self.focused.id == "sign-in-email":
            self.query_one("#sign-in-code" if self.stage == "code" else "#sign-in-password", Input).focus()
            return
        self.run_step("verify" if self.stage == "code" else "password")

    def action_send_code(self) -> None:
        if not self.busy:
            self.run_step("send")

    def action_cancel(self) -> None:
        """Esc: from the code back to the password; there is nothing to cancel to."""
        if self.stage == "code" and not self.busy:
            self.show_error("")
            self._status("")
            self._show_stage("password")

    def action_open_offline(self) -> None:
        if self.offline is not None and not self.busy:
            self.finish(OpenOffline(self.offline))

    @work(exclusive=True, group="sign-in")
    async def run_step(self, step: str) -> None:
        """One network step on the runtime; this worker waits, the screen does not."""
        account, email = self.account, self._email()
        if step == "password":
            coro, doing = account.sign_in_with_password(email, self.query_one("#sign-in-password", Input).value), "Signing in…"
        elif step == "send":
            coro, doing = account.send_code(email), "Sending a code…"
        else:
            coro, doing = account.verify_code(email, self.query_one("#sign-in-code", Input).value), "Checking the code…"
        self.busy = True
        self.show_error("")
        self._status(doing)
        try:
            result = await asyncio.wrap_future(account.runtime.submit(coro))
        except AuthFailure as failure:
            self._failed(failure)
            if failure.kind is FailureKind.INVALID_INPUT and "email" in failure.message.lower():
                self.query_one("#sign-in-email", Input).focus()
            return
        finally:
            self.busy = False
        if step == "send":
            self._status(f"A code was sent to {email}.")
            self.query_one("#sign-in-code", Input).value = ""
            self._show_stage("code")
            return
        self._status("Signed in.")
        self.finish(result)

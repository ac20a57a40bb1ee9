"""Hostile text from the server (a workspace's name, an address, an error message) is drawn as
visible symbols on the sign-in screen and the picker: never sent as a control code, never read
as markup."""

from __future__ import annotations

import concurrent.futures

from textual.app import App
from textual.widgets import OptionList

from track_tui.app import TrackApp
from track_tui.models.enums import MemberRole
from track_tui.screens.workspace_picker import Loaded, WorkspacePickerScreen
from track_tui.sync.failures import AuthFailure, FailureKind, SignedIn, clean
from track_tui.sync.workspaces import WorkspaceChoice

HOSTILE = "Acme\x1b]52;c;cm0gLXJmIH4=\x07 [bold red]Sales[/] \u202eevil\x9b2J"


class PickerApp(App[None]):
    CSS_PATH = TrackApp.CSS_PATH

    def __init__(self, screen) -> None:
        super().__init__()
        self.picker = screen

    def on_mount(self) -> None:
        self.push_screen(self.picker)


def _loaded():
    future: concurrent.futures.Future = concurrent.futures.Future()
    future.set_result(Loaded(SignedIn("u", "dana\x1b[2J@acme.example", None),
                             [WorkspaceChoice("1" * 32, HOSTILE, MemberRole.MEMBER),
                              WorkspaceChoice("2" * 32, "[/]", MemberRole.VIEWER)]))
    return future


async def test_the_picker_draws_hostile_names_as_symbols() -> None:
    app = PickerApp(WorkspacePickerScreen(_loaded))
    async with app.run_test(size=(80, 24)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        options = app.screen.query_one(OptionList)
        drawn = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert "␛]52;c;cm0gLXJmIH4=␇ [bold red]Sales[/]" in drawn[0]
        assert "\x1b" not in "".join(drawn) and "\u202e" not in drawn[0] and "\x9b" not in drawn[0]
        assert drawn[1].startswith("[/]")
        status = str(app.screen.query_one("#workspace-status").render())
        assert "␛[2J" in status and "\x1b" not in status


async def test_sign_in_errors_from_the_server_are_drawn_as_symbols(demo_store) -> None:
    from track_tui.screens.sign_in import SignInScreen
    from track_tui.sync.account import Account
    from track_tui.sync.project import project_from_input
    from track_tui.sync.runtime import Runtime

    import base64
    import json

    part = lambda d: base64.urlsafe_b64encode(json.dumps(d).encode()).decode().rstrip("=")  # noqa: E731
    runtime = Runtime()
    try:
        account = Account(project_from_input("https://abcd.supabase.co", f"{part({'a': 1})}.{part({'role': 'anon'})}.x"), runtime)
        app = PickerApp(SignInScreen(account, email="dana\x1b]0;owned\x07@acme.example", reason=HOSTILE))
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            screen = app.screen
            screen._failed(AuthFailure(FailureKind.SERVER_ERROR, "Sign-in refused: " + clean(HOSTILE)))
            await pilot.pause()
            for widget_id in ("#error", "#sign-in-reason"):
                text = str(screen.query_one(widget_id).render())
                assert "␛" in text and "\x1b" not in text and "[bold red]Sales[/]" in text
            email = screen.query_one("#sign-in-email")
            assert email.value == "dana\x1b]0;owned\x07@acme.example"  # kept as typed/stored
            assert "\x1b" not in str(email._value) and "␛" in str(email._value)
    finally:
        runtime.close()

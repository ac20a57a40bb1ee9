"""The workspace picker, sign-in, help and notice are on the one Dialog base: one Escape binding,
the error and hint lines inside the terminal at 80x24, the focused field marked without colour,
and quitting that works where there is nothing to go back to (sign-in, the first picker) but
never from a picker opened over a workspace."""

from __future__ import annotations

import base64
import concurrent.futures
import json

import pytest
from textual.app import App
from textual.binding import Binding
from textual.widgets import OptionList

from track_tui.app import TrackApp
from track_tui.models.enums import MemberRole
from track_tui.screens import help as help_screen
from track_tui.screens import notice, sign_in, workspace_picker
from track_tui.screens.board import BoardScreen
from track_tui.screens.dialog_base import FOCUS_MARK, Dialog
from track_tui.screens.help import HelpScreen
from track_tui.screens.notice import NoticeScreen
from track_tui.screens.sign_in import SignInScreen
from track_tui.screens.workspace_picker import Loaded, Picked, WorkspacePickerScreen
from track_tui.sync.failures import AuthFailure, FailureKind, SignedIn
from track_tui.sync.workspaces import WorkspaceChoice

from .test_record import settle

SMALL = (80, 24)
CHOICES = [WorkspaceChoice("1" * 32, "Acme Sales", MemberRole.OWNER),
           WorkspaceChoice("2" * 32, "Acme Support", MemberRole.MEMBER)]


class HostApp(App[None]):
    """The app's styles and the screen under test, nothing else."""

    CSS_PATH = TrackApp.CSS_PATH
    BINDINGS = [Binding("ctrl+c", "quit", "Quit", priority=True)]  # as TrackApp binds it

    def __init__(self, screen) -> None:
        super().__init__()
        self.under_test = screen
        self.results: list = []

    def on_mount(self) -> None:
        self.push_screen(self.under_test, self.results.append)

    async def action_quit(self) -> None:
        """What TrackApp.action_quit does with a dialog open (it is the rule under test)."""
        from textual.actions import SkipAction

        if isinstance(self.screen, Dialog) and self.screen.blocks_quit:
            raise SkipAction()
        self.exit()


def loaded(choices=CHOICES):
    def load():
        future: concurrent.futures.Future = concurrent.futures.Future()
        future.set_result(Loaded(SignedIn("u", "dana@acme.example", None), list(choices)))
        return future
    return load


def failing():
    future: concurrent.futures.Future = concurrent.futures.Future()
    future.set_exception(AuthFailure(FailureKind.UNREACHABLE, "Cannot reach the project: " + "the connection was refused. " * 4))
    return future


def inside(widget) -> bool:
    region = widget.region
    return region.height > 0 and region.y >= 0 and region.bottom <= SMALL[1] and region.right <= SMALL[0]


@pytest.fixture
def account(tmp_path, monkeypatch):
    from track_tui.sync.account import Account
    from track_tui.sync.project import project_from_input
    from track_tui.sync.runtime import Runtime

    monkeypatch.setenv("TRACK_STATE_DIR", str(tmp_path / "state"))
    part = lambda d: base64.urlsafe_b64encode(json.dumps(d).encode()).decode().rstrip("=")  # noqa: E731
    runtime = Runtime()
    yield Account(project_from_input("https://abcd.supabase.co", f"{part({'a': 1})}.{part({'role': 'anon'})}.x"), runtime)
    runtime.close()


def test_the_four_screens_are_dialogs_and_bind_escape_only_through_the_base():
    for module, cls in ((workspace_picker, WorkspacePickerScreen), (sign_in, SignInScreen),
                        (help_screen, HelpScreen), (notice, NoticeScreen)):
        assert issubclass(cls, Dialog), cls.__name__
        assert cls.__module__ == module.__name__
        own = cls.__dict__.get("BINDINGS", [])
        assert not [b for b in own if "escape" in b.key.split(",")], f"{cls.__name__} binds Escape again"


async def test_a_picker_over_a_workspace_closes_on_escape_and_does_not_quit():
    app = HostApp(WorkspacePickerScreen(loaded(), cancellable=True))
    async with app.run_test(size=SMALL) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        options = screen.query_one(OptionList)
        assert app.focused is options and FOCUS_MARK in str(options.border_title)
        assert "Esc cancels" in str(screen.query_one("#dialog-hint").render())
        await pilot.press("ctrl+c")
        assert app.screen is screen and "Esc closes it" in screen.error_text
        await pilot.press("escape")
        await pilot.pause()
        assert app.results == [None] and not isinstance(app.screen, WorkspacePickerScreen)


async def test_the_first_picker_cannot_be_escaped_but_quits_and_opens_with_ctrl_s():
    app = HostApp(WorkspacePickerScreen(loaded()))
    async with app.run_test(size=SMALL) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        await pilot.press("escape")
        assert app.screen is screen and "ctrl+c quits" in screen.error_text
        await pilot.press("down", "ctrl+s")
        await pilot.pause()
        assert len(app.results) == 1 and isinstance(app.results[0], Picked)
        assert app.results[0].choice == CHOICES[1]


async def test_the_first_picker_quits_on_ctrl_c():
    app = HostApp(WorkspacePickerScreen(loaded()))
    async with app.run_test(size=SMALL) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("ctrl+c")
        await pilot.pause()
        assert not app.is_running


async def test_a_long_failure_on_the_picker_keeps_its_error_and_hint_on_screen_at_80x24():
    app = HostApp(WorkspacePickerScreen(failing, cancellable=True))
    async with app.run_test(size=SMALL) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        assert "connection was refused" in screen.error_text
        assert inside(screen.query_one("#error")) and inside(screen.query_one("#dialog-hint"))
        assert "r tries again" in str(screen.query_one("#dialog-hint").render())


async def test_sign_in_marks_its_fields_keeps_lines_visible_and_steps_back_on_escape(account):
    app = HostApp(SignInScreen(account, email="dana@acme.example", reason="Your session has ended; sign in again."))
    async with app.run_test(size=SMALL) as pilot:
        await pilot.pause()
        screen = app.screen
        password = screen.query_one("#sign-in-password")
        assert app.focused is password and str(password.border_title) == f"{FOCUS_MARK} Password"
        assert str(screen.query_one("#sign-in-email").border_title) == "Email"
        screen._failed(AuthFailure(FailureKind.UNREACHABLE, "Cannot reach the project. " * 6))
        await pilot.pause()
        assert inside(screen.query_one("#error")) and inside(screen.query_one("#dialog-hint"))
        screen._show_stage("code")
        await pilot.pause()
        assert app.focused is screen.query_one("#sign-in-code")
        await pilot.press("escape")
        await pilot.pause()
        assert screen.stage == "password" and app.screen is screen and app.results == []
        await pilot.press("escape")  # nothing underneath: Esc on the password does not close it
        assert app.screen is screen and app.results == []


async def test_sign_in_enter_in_the_email_moves_on_instead_of_signing_in(account):
    app = HostApp(SignInScreen(account))
    async with app.run_test(size=SMALL) as pilot:
        await pilot.pause()
        screen = app.screen
        assert app.focused is screen.query_one("#sign-in-email")
        await pilot.press("enter")
        await pilot.pause()
        assert app.focused is screen.query_one("#sign-in-password") and not screen.busy


async def test_sign_in_quits_on_ctrl_c(account):
    from track_tui.config import Settings

    app = TrackApp(None, Settings(), account=account)  # the app's own quit rule
    async with app.run_test(size=SMALL) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, SignInScreen)
        await pilot.press("ctrl+c")
        await pilot.pause()
        assert not app.is_running


async def test_help_closes_with_escape_q_and_question_mark_and_scrolls_at_80x24(demo_app):
    async with demo_app.run_test(size=SMALL) as pilot:
        await settle(demo_app, pilot)
        for key in ("escape", "q", "question_mark"):
            await pilot.press("question_mark")
            await pilot.pause()
            screen = demo_app.screen
            assert isinstance(screen, HelpScreen)
            body = screen.query_one("#dialog-body")
            assert demo_app.focused is body and inside(screen.query_one("#dialog-hint"))
            if key == "escape":
                assert body.max_scroll_y > 0  # the board's keys are more than 24 lines
                await pilot.press("pagedown")
                assert body.scroll_target_y > 0 or body.scroll_y > 0
            await pilot.press(key)
            await pilot.pause()
            assert isinstance(demo_app.screen, BoardScreen), key


async def test_a_notice_carries_on_with_enter_or_escape_and_quits_with_q(demo_app):
    async with demo_app.run_test(size=SMALL) as pilot:
        await settle(demo_app, pilot)
        for key in ("enter", "escape"):
            demo_app.push_screen(NoticeScreen("The cache is damaged", "Run `track --rebuild-cache`."))
            await pilot.pause()
            assert inside(demo_app.screen.query_one("#dialog-hint"))
            await pilot.press(key)
            await pilot.pause()
            assert isinstance(demo_app.screen, BoardScreen), key
        demo_app.push_screen(NoticeScreen("The cache is damaged", "Run `track --rebuild-cache`."))
        await pilot.pause()
        await pilot.press("q")
        await pilot.pause()
        assert not demo_app.is_running



@pytest.mark.parametrize("which", ["sign-in", "picker", "picker-failed"])
async def test_the_account_screens_read_in_every_theme(account, which):
    """Not screenshot scenes (they need a project), so the scenes' contrast test misses them."""
    from tests.screens.test_theme_contrast import _problems_in_each_theme

    if which == "sign-in":
        screen = SignInScreen(account, email="dana@acme.example", reason="Your session has ended; sign in again.")
    else:
        screen = WorkspacePickerScreen(loaded() if which == "picker" else failing, cancellable=True)
    app = HostApp(screen)
    async with app.run_test(size=SMALL) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        if which == "sign-in":
            screen._failed(AuthFailure(FailureKind.UNREACHABLE, "Cannot reach the project."))
            await pilot.pause()
        assert await _problems_in_each_theme(app, pilot) == {}


@pytest.mark.parametrize(("keys", "answer"), [(("y",), True), (("n",), False), (("escape",), None),
                                              (("ctrl+s", "escape"), None)])
async def test_confirm_discard_takes_only_y_as_yes(keys, answer):
    from track_tui.screens.failed_changes import ConfirmDiscard

    app = HostApp(ConfirmDiscard("Discard this change to Acme (Stage: Lead → Won)?"))
    async with app.run_test(size=SMALL) as pilot:
        await pilot.pause()
        screen = app.screen
        assert inside(screen.query_one("#dialog-hint"))
        for key in keys:
            await pilot.press(key)
            await pilot.pause()
            if key == "ctrl+s":
                assert app.screen is screen and "Press y to discard" in screen.error_text
        assert app.results == [answer]

"""The TUI's sign-in screen, workspace picker and offline offer, driven with Pilot against the
local Supabase double (the real supabase-py client on the app's network runtime)."""

from __future__ import annotations

import time
from typing import Callable

import pytest
from textual.widgets import Input, Label, OptionList

from track_tui import paths
from track_tui.app import TrackApp
from track_tui.config import Settings
from track_tui.screens.empty_workspace import EmptyWorkspaceScreen
from track_tui.screens.sign_in import SignInScreen
from track_tui.screens.workspace_picker import WorkspacePickerScreen
from track_tui.store.permissions import Action
from track_tui.sync import workspace_cache as wc

from .conftest import PASSWORD, on

pytestmark = pytest.mark.sync


async def wait_for(pilot, condition: Callable[[], object], timeout: float = 10.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or condition}; screen is {pilot.app.screen!r}")
        await pilot.pause(0.02)


def showing(app, screen_type) -> bool:
    """The screen is on top *and* composed (a screen pushed from a worker composes a moment later)."""
    screen = app.screen
    return isinstance(screen, screen_type) and screen.is_mounted and bool(screen.query(".dialog"))


def error_text(app) -> str:
    return str(app.screen.error_text)


async def sign_in(pilot, email: str, password: str) -> None:
    await wait_for(pilot, lambda: showing(pilot.app, SignInScreen), what="the sign-in screen")
    screen = pilot.app.screen
    screen.query_one("#sign-in-email", Input).value = email
    screen.query_one("#sign-in-password", Input).value = password
    screen.query_one("#sign-in-password", Input).focus()
    await pilot.press("enter")


@pytest.fixture
def alice_in_two(backend, team):
    backend.sql("insert into workspace_members (workspace_id, user_id, role) values (%s, %s, 'viewer')",
                (team.b, team.alice.id))
    return team


async def test_signing_in_opens_the_only_workspace(account, team) -> None:
    app = TrackApp(None, Settings(), account=account)
    async with app.run_test(size=(100, 30)) as pilot:
        await sign_in(pilot, team.bob.email, PASSWORD)
        await wait_for(pilot, lambda: showing(app, EmptyWorkspaceScreen), what="the workspace")
        assert app.store.get_meta("workspace_id") == team.a and app.store.get_meta("role") == "member"
        assert app.can(Action.EDIT_RECORDS) and not app.can(Action.EDIT_BOARDS)
        assert wc.remembered_workspace(account.project, team.bob.id) == team.a


async def test_a_wrong_password_is_shown_under_the_fields(account, team) -> None:
    app = TrackApp(None, Settings(), account=account)
    async with app.run_test(size=(100, 30)) as pilot:
        await sign_in(pilot, team.alice.email, "nope")
        await wait_for(pilot, lambda: error_text(app), what="an error")
        assert error_text(app) == "Wrong email or password."
        assert isinstance(app.screen, SignInScreen) and app.screen.focused.id == "sign-in-password"


async def test_signing_in_with_an_emailed_code(account, team, backend) -> None:
    app = TrackApp(None, Settings(), account=account)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: showing(app, SignInScreen))
        app.screen.query_one("#sign-in-email", Input).value = team.carol.email
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: app.screen.stage == "code", what="the code prompt")
        assert app.focused.id == "sign-in-code"
        app.screen.query_one("#sign-in-code", Input).value = backend.require_fake().last_otp(team.carol.email)
        await pilot.press("enter")
        await wait_for(pilot, lambda: showing(app, EmptyWorkspaceScreen), what="the workspace")
        assert app.store.get_meta("workspace_id") == team.b


async def test_two_workspaces_are_picked_remembered_and_switched_with_w(account, runtime, alice_in_two, project) -> None:
    team = alice_in_two
    app = TrackApp(None, Settings(), account=account)
    async with app.run_test(size=(100, 30)) as pilot:
        await sign_in(pilot, team.alice.email, PASSWORD)
        await wait_for(pilot, lambda: showing(app, WorkspacePickerScreen)
                       and app.screen.query_one(OptionList).option_count == 2, what="the picker")
        options = app.screen.query_one(OptionList)
        assert [options.get_option_at_index(i).id for i in range(2)] == [team.a, team.b]  # by name: "A …", "B …"
        await pilot.press("down", "enter")
        await wait_for(pilot, lambda: showing(app, EmptyWorkspaceScreen))
        first = app.store
        assert first.get_meta("workspace_id") == team.b and not app.can(Action.EDIT_RECORDS)
        assert any("viewer" in n.message for n in app._notifications)
        assert wc.remembered_workspace(project, team.alice.id) == team.b

        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert "Workspace: switch workspace" in titles
        await pilot.press("w")
        await wait_for(pilot, lambda: showing(app, WorkspacePickerScreen)
                       and app.screen.query_one(OptionList).option_count == 2, what="the picker again")
        current = app.screen.query_one(OptionList)
        assert "(open now)" in str(current.get_option_at_index(1).prompt)
        assert current.highlighted == 1
        await pilot.press("up", "enter")
        await wait_for(pilot, lambda: app.store is not first and showing(app, EmptyWorkspaceScreen))
        assert app.store.get_meta("workspace_id") == team.a and app.store.path != first.path
        assert app.can(Action.EDIT_RECORDS) and app.can(Action.EDIT_BOARDS)
        assert len(app.screen_stack) == 2  # nothing of the other workspace is left behind

    # Next start: the remembered workspace's cache opens at once, the session is checked behind it.
    again = TrackApp(first.__class__(wc.cache_path(project, team.a)), Settings(), account=account)
    async with again.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: showing(again, EmptyWorkspaceScreen))
        await pilot.pause(0.3)
        assert isinstance(again.screen, EmptyWorkspaceScreen)  # still signed in: nothing pushed over it
    again.store.close()


async def test_an_unreachable_project_offers_the_cache_on_this_computer(account, runtime, team, backend, project) -> None:
    who = await on(runtime, account.sign_in_with_password(team.bob.email, PASSWORD))
    [choice] = await on(runtime, account.workspaces(who.user_id))
    wc.open_workspace_cache(project, who, choice).close()
    wc.remember_workspace(project, who.user_id, choice.id)
    account.storage.delete()  # signed out here, e.g. by `track logout`
    await backend.require_fake().stop()

    app = TrackApp(None, Settings(), account=account)
    async with app.run_test(size=(100, 30)) as pilot:
        await sign_in(pilot, team.bob.email, PASSWORD)
        await wait_for(pilot, lambda: error_text(app), what="an error")
        assert error_text(app).startswith(f"Cannot reach {project.url}: the connection was refused.")
        assert "ctrl+l to open A " in error_text(app)
        await pilot.press("ctrl+l")
        await wait_for(pilot, lambda: showing(app, EmptyWorkspaceScreen))
        assert app.store.path == wc.cache_path(project, team.a)
        assert any("Offline" in n.message for n in app._notifications)


async def test_an_unreachable_project_without_a_cache_offers_nothing(account, team, backend) -> None:
    await backend.require_fake().stop()
    app = TrackApp(None, Settings(), account=account)
    async with app.run_test(size=(100, 30)) as pilot:
        await sign_in(pilot, team.bob.email, PASSWORD)
        await wait_for(pilot, lambda: error_text(app), what="an error")
        assert "Cannot reach" in error_text(app) and "ctrl+l" not in error_text(app)
        await pilot.press("ctrl+l")
        await pilot.pause()
        assert isinstance(app.screen, SignInScreen)


async def test_a_session_that_ended_elsewhere_brings_the_sign_in_screen_over_the_cache(account, runtime, team, backend, project) -> None:
    import jwt as pyjwt

    who = await on(runtime, account.sign_in_with_password(team.bob.email, PASSWORD))
    [choice] = await on(runtime, account.workspaces(who.user_id))
    store = wc.open_workspace_cache(project, who, choice)
    session = account.stored_session()
    token = __import__("json").loads(account.storage.session_json())["access_token"]
    sid = pyjwt.decode(token, options={"verify_signature": False})["session_id"]
    backend.require_fake().auth.state.sessions[sid].revoked = True
    from .test_session import expire_stored_session

    await expire_stored_session(backend, project)
    app = TrackApp(store, Settings(), account=account)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: showing(app, SignInScreen), what="the sign-in screen")
        assert "session has ended" in str(app.screen.query_one("#sign-in-reason", Label).render())
        assert app.screen.query_one("#sign-in-email", Input).value == session.email
    store.close()
    assert not paths.session_file(project.slug).exists()


async def test_opening_a_cache_while_the_project_is_down_says_offline(account, runtime, team, backend, project) -> None:
    who = await on(runtime, account.sign_in_with_password(team.bob.email, PASSWORD))
    [choice] = await on(runtime, account.workspaces(who.user_id))
    store = wc.open_workspace_cache(project, who, choice)
    from .test_session import expire_stored_session

    await expire_stored_session(backend, project)  # start-up has to reach the server to refresh
    await backend.require_fake().stop()
    app = TrackApp(store, Settings(), account=account)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: any("Offline" in n.message for n in app._notifications), what="the offline notice")
        assert isinstance(app.screen, EmptyWorkspaceScreen)  # the data stays on screen
    store.close()
    assert account.stored_session() is not None  # kept for when the project is back

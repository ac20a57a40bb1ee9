"""Snapshots of the sign-in screen and the workspace picker, at 80x24 and 120x40.

No network: the sign-in screen draws before anything is sent, and the picker is handed a
loader whose answer is already there (three workspaces, the open one marked).
"""

from __future__ import annotations

import base64
import concurrent.futures
import json

import pytest
from textual.app import App

from track_tui.app import TrackApp
from track_tui.config import Settings
from track_tui.models.enums import MemberRole
from track_tui.screens.workspace_picker import Loaded, WorkspacePickerScreen
from track_tui.sync.auth import AuthFailure, FailureKind, SignedIn
from track_tui.sync.workspace_cache import CachedWorkspace
from track_tui.sync.workspaces import WorkspaceChoice

URL = "https://abcd1234.supabase.co"


def anon_key() -> str:
    part = lambda d: base64.urlsafe_b64encode(json.dumps(d).encode()).decode().rstrip("=")  # noqa: E731
    return f"{part({'alg': 'HS256'})}.{part({'role': 'anon', 'iss': 'supabase'})}.c2ln"


@pytest.fixture
def account(tmp_path, monkeypatch):
    from track_tui.sync.account import Account
    from track_tui.sync.project import project_from_input
    from track_tui.sync.runtime import Runtime

    monkeypatch.setenv("TRACK_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("TRACK_DATA_DIR", str(tmp_path / "data"))
    runtime = Runtime()
    yield Account(project_from_input(URL, anon_key()), runtime)
    runtime.close()


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_sign_in(snap_compare, account, size):
    async def shown(pilot) -> None:
        await pilot.pause()

    assert snap_compare(TrackApp(None, Settings(), account=account), terminal_size=size, run_before=shown)


def test_sign_in_unreachable_with_offline_offer_at_80x24(snap_compare, account, tmp_path):
    async def failed(pilot) -> None:
        await pilot.pause()
        screen = pilot.app.screen
        screen.offline = CachedWorkspace(tmp_path / "x.sqlite3", "0" * 32, "Acme Sales", None, "member")
        screen.query_one("#sign-in-email").value = "dana@acme.example"
        screen._failed(AuthFailure(FailureKind.UNREACHABLE, f"Cannot reach {URL}: the connection was refused."))
        await pilot.pause()

    assert snap_compare(TrackApp(None, Settings(), account=account), terminal_size=(80, 24), run_before=failed)


def test_sign_in_code_step_at_80x24(snap_compare, account):
    async def code(pilot) -> None:
        await pilot.pause()
        screen = pilot.app.screen
        screen.query_one("#sign-in-email").value = "dana@acme.example"
        screen._status("A code was sent to dana@acme.example.")
        screen._show_stage("code")
        await pilot.pause()

    assert snap_compare(TrackApp(None, Settings(), account=account), terminal_size=(80, 24), run_before=code)


CHOICES = [
    WorkspaceChoice("11111111-1111-1111-1111-111111111111", "Acme Sales", MemberRole.OWNER),
    WorkspaceChoice("22222222-2222-2222-2222-222222222222", "Acme Support", MemberRole.MEMBER),
    WorkspaceChoice("33333333-3333-3333-3333-333333333333", "Partners (read only)", MemberRole.VIEWER),
]


def loader():
    future: concurrent.futures.Future = concurrent.futures.Future()
    future.set_result(Loaded(SignedIn("u", "dana@acme.example", None), CHOICES))
    return future


class PickerApp(App[None]):
    """The app's styles and nothing else under the picker, so board changes never move it."""

    CSS_PATH = TrackApp.CSS_PATH

    def on_mount(self) -> None:
        self.push_screen(WorkspacePickerScreen(loader, current=CHOICES[1].id, cancellable=True))


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_workspace_picker(snap_compare, size):
    async def picker(pilot) -> None:
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    assert snap_compare(PickerApp(), terminal_size=size, run_before=picker)

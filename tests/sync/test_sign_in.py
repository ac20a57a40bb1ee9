"""Signing in against the local Supabase double with the real supabase-py client."""

from __future__ import annotations

import json
import os
import stat

import pytest

from track_tui import paths
from track_tui.sync.auth import AuthFailure, FailureKind

from .conftest import PASSWORD, on

pytestmark = pytest.mark.sync


async def test_password_sign_in_stores_the_session_in_a_private_file(account, runtime, team, project) -> None:
    who = await on(runtime, account.sign_in_with_password(team.alice.email, PASSWORD))
    assert who.user_id == team.alice.id and who.email == team.alice.email
    path = paths.session_file(project.slug)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    stored = json.loads(json.loads(path.read_text())["items"]["supabase.auth.token"])
    assert stored["user"]["id"] == team.alice.id and stored["refresh_token"]
    assert account.stored_session().email == team.alice.email

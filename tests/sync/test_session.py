"""The stored session over time: expiry while asleep, refresh-token rotation shared by two
processes, signing out, and a session file that is damaged or too open."""

from __future__ import annotations

import json
import os
import stat
import time

import jwt as pyjwt
import pytest

from track_tui import paths
from track_tui.sync.account import Account
from track_tui.sync.auth import AuthFailure, FailureKind
from track_tui.sync.runtime import Runtime

from .conftest import PASSWORD, on

pytestmark = pytest.mark.sync


def read_session(project) -> dict:
    items = json.loads(paths.session_file(project.slug).read_text())["items"]
    return json.loads(items["supabase.auth.token"])


def write_session(project, session: dict) -> None:
    path = paths.session_file(project.slug)
    path.write_text(json.dumps({"version": 1, "items": {"supabase.auth.token": json.dumps(session)}}))


async def expire_stored_session(backend, project) -> dict:
    """What the file looks like after the laptop slept past the access token's expiry."""
    session = read_session(project)
    expired = await backend.require_fake().access_token_for(session["user"]["id"], expires_in=-60)
    session.update(access_token=expired, expires_at=int(time.time()) - 60, expires_in=3600)
    write_session(project, session)
    return session


@pytest.fixture
def second_process(project):
    """Another process sharing the session file (the TUI beside `track sync --watch`)."""
    runtime = Runtime("second-process")
    yield Account(project, runtime)
    runtime.close()


async def test_an_access_token_that_expired_while_away_is_renewed_at_start_up(account, runtime, team, backend, project) -> None:
    await on(runtime, account.sign_in_with_password(team.alice.email, PASSWORD))
    before = await expire_stored_session(backend, project)
    runtime.close()  # the process ends

    later = Runtime("next-start")
    try:
        again = Account(project, later)
        who = await on(later, again.signed_in())
        assert who is not None and who.user_id == team.alice.id
        assert who.expires_at > time.time() + 60
        after = read_session(project)
        assert after["refresh_token"] != before["refresh_token"]  # rotated
        assert pyjwt.decode(after["access_token"], options={"verify_signature": False})["exp"] > time.time()
        assert [w.id for w in await on(later, again.workspaces(who.user_id))] == [team.a]
    finally:
        later.close()


async def test_a_request_after_sleeping_past_expiry_refreshes_first(account, runtime, team, backend, project) -> None:
    who = await on(runtime, account.sign_in_with_password(team.bob.email, PASSWORD))
    await expire_stored_session(backend, project)  # the refresh timer never fired: the lid was shut
    choices = await on(runtime, account.workspaces(who.user_id))
    assert [(c.id, c.role.value) for c in choices] == [(team.a, "member")]
    assert read_session(project)["expires_at"] > time.time()


async def test_refresh_rotation_is_shared_by_two_processes(account, runtime, second_process, team, backend, project) -> None:
    who = await on(runtime, account.sign_in_with_password(team.alice.email, PASSWORD))
    tokens = [read_session(project)["refresh_token"]]
    other = second_process

    await expire_stored_session(backend, project)
    assert (await on(other.runtime, other.signed_in())).user_id == who.user_id  # the other one refreshes
    tokens.append(read_session(project)["refresh_token"])

    # The first process reads the rotated session instead of spending its old refresh token.
    assert [c.id for c in await on(runtime, account.workspaces(who.user_id))] == [team.a]
    assert read_session(project)["refresh_token"] == tokens[-1]

    await expire_stored_session(backend, project)
    assert (await on(runtime, account.signed_in())).user_id == who.user_id
    tokens.append(read_session(project)["refresh_token"])
    assert (await on(other.runtime, other.signed_in())).user_id == who.user_id
    assert read_session(project)["refresh_token"] == tokens[-1]
    assert len(set(tokens)) == 3

    claims = pyjwt.decode(read_session(project)["access_token"], options={"verify_signature": False})
    assert not backend.require_fake().auth.state.sessions[claims["session_id"]].revoked


async def test_a_session_ended_on_the_server_reads_as_signed_out(account, runtime, team, backend, project) -> None:
    await on(runtime, account.sign_in_with_password(team.carol.email, PASSWORD))
    claims = pyjwt.decode(read_session(project)["access_token"], options={"verify_signature": False})
    backend.require_fake().auth.state.sessions[claims["session_id"]].revoked = True  # signed out elsewhere
    await expire_stored_session(backend, project)
    assert await on(runtime, account.signed_in()) is None
    assert not paths.session_file(project.slug).exists()


async def test_sign_out_revokes_this_device_only_and_deletes_the_file(account, runtime, team, backend, project) -> None:
    elsewhere = await backend.signed_in(team.alice)  # the same person on another computer
    await on(runtime, account.sign_in_with_password(team.alice.email, PASSWORD))
    claims = pyjwt.decode(read_session(project)["access_token"], options={"verify_signature": False})
    await on(runtime, account.sign_out())
    assert not paths.session_file(project.slug).exists()
    assert backend.require_fake().auth.state.sessions[claims["session_id"]].revoked
    assert (await elsewhere.auth.get_user()).user.id == team.alice.id  # still signed in there
    assert await on(runtime, account.signed_in()) is None


async def test_sign_out_while_unreachable_still_signs_this_device_out(account, runtime, team, backend, project) -> None:
    await on(runtime, account.sign_in_with_password(team.alice.email, PASSWORD))
    await backend.require_fake().stop()
    with pytest.raises(AuthFailure) as failure:
        await on(runtime, account.sign_out())
    assert failure.value.kind is FailureKind.UNREACHABLE
    assert not paths.session_file(project.slug).exists()


async def test_a_damaged_session_file_means_sign_in_again(account, runtime, project) -> None:
    path = paths.session_file(project.slug)
    path.parent.mkdir(parents=True)
    path.write_text('{"version": 1, "items": {"supabase.auth.token": "{not json"}}')
    assert account.stored_session() is None
    assert await on(runtime, account.signed_in()) is None
    assert not path.exists()  # cleared away, nothing crashed


async def test_a_session_file_with_loose_permissions_is_tightened(account, runtime, team, project) -> None:
    await on(runtime, account.sign_in_with_password(team.alice.email, PASSWORD))
    path = paths.session_file(project.slug)
    os.chmod(path, 0o644)
    assert account.stored_session() is not None
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


async def test_a_running_app_refreshes_before_the_token_expires(account, runtime, team, backend, project) -> None:
    """supabase-py's timer, armed at start-up, renews the session ~10 s before expiry."""
    import asyncio

    await on(runtime, account.sign_in_with_password(team.alice.email, PASSWORD))
    runtime.close()
    session = read_session(project)
    session["expires_at"] = int(time.time()) + 12  # the timer fires at expiry - 10 s
    write_session(project, session)
    later = Runtime("running-app")
    try:
        await on(later, later.client(project))  # start-up: initialize_from_storage arms the timer
        deadline = time.monotonic() + 8
        while read_session(project)["refresh_token"] == session["refresh_token"]:
            assert time.monotonic() < deadline, "the session was not refreshed before it expired"
            await asyncio.sleep(0.1)
        assert read_session(project)["expires_at"] > time.time() + 60
    finally:
        later.close()

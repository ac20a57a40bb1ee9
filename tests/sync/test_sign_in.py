"""Signing in against the local Supabase double with the real supabase-py client."""

from __future__ import annotations

import json
import stat

import httpx
import pytest
from supabase_auth.errors import AuthApiError
from supabase_auth.helpers import handle_exception

from track_tui import paths
from track_tui.sync.account import Account
from track_tui.sync.auth import AuthFailure, FailureKind, explain
from track_tui.sync.project import project_from_input

from .conftest import PASSWORD, on

pytestmark = pytest.mark.sync


def session_path(project):
    return paths.session_file(project.slug)


async def test_password_sign_in_stores_the_session_in_a_private_file(account, runtime, team, project) -> None:
    who = await on(runtime, account.sign_in_with_password(team.alice.email, PASSWORD))
    assert who.user_id == team.alice.id and who.email == team.alice.email
    path = session_path(project)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    stored = json.loads(json.loads(path.read_text())["items"]["supabase.auth.token"])
    assert stored["user"]["id"] == team.alice.id and stored["refresh_token"]
    assert account.stored_session().email == team.alice.email
    assert not (paths.config_file().exists() and "refresh" in paths.config_file().read_text())


async def test_sign_in_with_an_emailed_code(account, runtime, team, backend, project) -> None:
    await on(runtime, account.send_code(team.bob.email))
    code = backend.require_fake().last_otp(team.bob.email)
    assert code and len(code) == 6
    who = await on(runtime, account.verify_code(team.bob.email, f" {code[:3]} {code[3:]} "))
    assert who.user_id == team.bob.id
    assert account.stored_session().user_id == team.bob.id


async def test_a_wrong_code_is_explained_and_nothing_is_stored(account, runtime, team, backend, project) -> None:
    await on(runtime, account.send_code(team.bob.email))
    real = backend.require_fake().last_otp(team.bob.email)
    wrong = "000000" if real != "000000" else "111111"
    with pytest.raises(AuthFailure) as failure:
        await on(runtime, account.verify_code(team.bob.email, wrong))
    assert failure.value.kind is FailureKind.CODE_INVALID and "expired" in str(failure.value)
    assert account.stored_session() is None


async def test_a_code_for_an_unknown_address_creates_no_account(account, runtime, backend) -> None:
    email = "nobody-here@example.test"
    with pytest.raises(AuthFailure) as failure:
        await on(runtime, account.send_code(email))
    assert failure.value.kind is FailureKind.UNKNOWN_EMAIL
    assert backend.sql("select count(*) from auth.users where email = %s", (email,)) == [(0,)]


async def test_wrong_password(account, runtime, team, project) -> None:
    with pytest.raises(AuthFailure) as failure:
        await on(runtime, account.sign_in_with_password(team.alice.email, "not the password"))
    assert failure.value.kind is FailureKind.WRONG_CREDENTIALS
    assert str(failure.value) == "Wrong email or password."
    assert not session_path(project).exists()


async def test_unconfirmed_email(account, runtime, unconfirmed) -> None:
    with pytest.raises(AuthFailure) as failure:
        await on(runtime, account.sign_in_with_password(unconfirmed.email, unconfirmed.password))
    assert failure.value.kind is FailureKind.EMAIL_NOT_CONFIRMED
    assert "not confirmed" in str(failure.value) and "code" in str(failure.value)


async def test_rate_limited_sign_in_says_to_wait(account, runtime, team, backend) -> None:
    backend.require_fake().faults.fail_next(1, status=429, path_prefix="/auth/v1/token")
    with pytest.raises(AuthFailure) as failure:
        await on(runtime, account.sign_in_with_password(team.alice.email, PASSWORD))
    assert failure.value.kind is FailureKind.RATE_LIMITED
    assert str(failure.value).startswith("Too many attempts: wait")
    # The next attempt goes through.
    assert (await on(runtime, account.sign_in_with_password(team.alice.email, PASSWORD))).user_id == team.alice.id


def _api_error(status: int, body: dict, headers: dict | None = None) -> AuthApiError:
    """An error exactly as supabase-py builds it from an HTTP response (with the cause chained)."""
    request = httpx.Request("POST", "https://abcd.supabase.co/auth/v1/otp")
    response = httpx.Response(status, json=body, headers={"X-Supabase-Api-Version": "2024-01-01", **(headers or {})},
                              request=request)
    cause = httpx.HTTPStatusError("rate limited", request=request, response=response)
    error = handle_exception(cause)
    error.__cause__ = cause
    return error


def test_the_wait_comes_from_retry_after_or_from_the_message() -> None:
    by_header = explain(_api_error(429, {"code": "over_request_rate_limit", "message": "Request rate limit reached"},
                                   {"Retry-After": "17"}), "https://abcd.supabase.co")
    assert by_header.kind is FailureKind.RATE_LIMITED and by_header.retry_after == 17
    assert "wait 17 seconds" in str(by_header)
    by_message = explain(_api_error(429, {"code": "over_email_send_rate_limit",
                                          "message": "For security purposes, you can only request this after 42 seconds."}),
                         "https://abcd.supabase.co")
    assert by_message.retry_after == 42 and "wait 42 seconds" in str(by_message)


def test_server_text_is_cleaned_before_it_is_shown() -> None:
    failure = explain(_api_error(400, {"code": "something_new", "message": "bad \x1b[31mred\x1b[0m\u202e"}),
                      "https://abcd.supabase.co")
    assert failure.kind is FailureKind.SERVER_ERROR
    assert "\x1b" not in str(failure) and "\u202e" not in str(failure)


async def test_an_unreachable_project_says_so(dirs, runtime, backend) -> None:
    from tests.fake_supabase.server import free_port

    project = project_from_input(f"http://127.0.0.1:{free_port()}", backend.anon_key)
    account = Account(project, runtime)
    with pytest.raises(AuthFailure) as failure:
        await on(runtime, account.sign_in_with_password("a@example.test", PASSWORD))
    assert failure.value.kind is FailureKind.UNREACHABLE
    assert str(failure.value) == f"Cannot reach {project.url}: the connection was refused."


def test_timeouts_and_unknown_hosts_are_told_apart() -> None:
    url = "https://abcd.supabase.co"
    timeout = explain(httpx.ConnectTimeout("timed out"), url)
    dns = explain(httpx.ConnectError("[Errno -2] Name or service not known"), url)
    assert timeout.kind is dns.kind is FailureKind.UNREACHABLE
    assert "did not answer in time" in str(timeout) and "host name could not be found" in str(dns)


async def test_a_key_from_another_project_is_explained(dirs, runtime, backend) -> None:
    import time

    import jwt as pyjwt

    foreign = pyjwt.encode({"role": "anon", "iss": "supabase", "exp": int(time.time()) + 3600}, "another secret" * 4)
    account = Account(project_from_input(backend.url, foreign), runtime)
    with pytest.raises(AuthFailure) as failure:
        await on(runtime, account.sign_in_with_password("a@example.test", PASSWORD))
    assert failure.value.kind is FailureKind.BAD_KEY


@pytest.mark.parametrize("email, password, why", [
    ("", PASSWORD, "Enter your email"), ("not-an-address", PASSWORD, "not an email address"),
    ("a@example.test", "", "Enter your password"),
])
async def test_bad_input_is_refused_before_anything_is_sent(account, runtime, backend, email, password, why) -> None:
    fake = backend.require_fake()
    fake.faults.fail_next(1, status=500, path_prefix="/auth/v1")  # would show if a request were made
    before = len(fake.faults.hits)
    with pytest.raises(AuthFailure, match=why) as failure:
        await on(runtime, account.sign_in_with_password(email, password))
    assert failure.value.kind is FailureKind.INVALID_INPUT
    assert len(fake.faults.hits) == before


async def test_a_host_name_that_does_not_resolve(dirs, runtime, backend) -> None:
    account = Account(project_from_input("https://no-such-project.invalid", backend.anon_key), runtime)
    with pytest.raises(AuthFailure) as failure:
        await on(runtime, account.sign_in_with_password("a@example.test", PASSWORD))
    assert failure.value.kind is FailureKind.UNREACHABLE and "host name could not be found" in str(failure.value)


async def test_asking_for_a_second_code_too_soon_says_how_long_to_wait(account, runtime, team) -> None:
    await on(runtime, account.send_code(team.alice.email))
    with pytest.raises(AuthFailure) as failure:
        await on(runtime, account.send_code(team.alice.email))
    assert failure.value.kind is FailureKind.RATE_LIMITED
    assert failure.value.retry_after and 0 < failure.value.retry_after <= 60
    assert f"wait {failure.value.retry_after} seconds" in str(failure.value)


async def test_the_newer_publishable_key_signs_in(dirs, runtime, backend, team) -> None:
    fake = backend.require_fake()
    account = Account(project_from_input(backend.url, fake.publishable_key), runtime)
    who = await on(runtime, account.sign_in_with_password(team.carol.email, PASSWORD))
    assert [c.id for c in await on(runtime, account.workspaces(who.user_id))] == [team.b]


def test_the_projects_own_secret_key_is_refused(backend) -> None:
    from track_tui.sync.keys import KeyRefused

    with pytest.raises(KeyRefused, match="bypasses Row-Level Security"):
        project_from_input(backend.url, backend.require_fake().secret_key)

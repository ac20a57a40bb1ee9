"""The test server's fault controls, seen through the real clients."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest
from postgrest.exceptions import APIError
from supabase_auth.errors import AuthRetryableError

pytestmark = pytest.mark.sync


async def _until_ok(url: str, headers: dict, timeout: float = 10.0) -> httpx.Response:
    deadline = time.monotonic() + timeout
    while True:
        try:
            async with httpx.AsyncClient() as http:
                return await http.get(url, headers=headers)
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.05)


async def test_next_requests_fail_with_503(backend, team):
    fake = backend.require_fake()
    alice = await backend.signed_in(team.alice)
    fake.faults.fail_next(1, status=503, path_prefix="/rest/v1")
    with pytest.raises(APIError) as err:
        await alice.table("contacts").select("id").limit(1).execute()
    assert err.value.code == "PGRST001"
    assert (await alice.table("contacts").select("id").limit(1).execute()).data is not None
    # Auth sees a 503 as a retryable network error.
    fake.faults.fail_next(1, status=503, path_prefix="/auth/v1")
    with pytest.raises(AuthRetryableError):
        await (await backend.client()).auth.sign_in_with_password(
            {"email": team.alice.email, "password": team.alice.password})


async def test_postgrest_client_retries_a_503_get(backend, team):
    fake = backend.require_fake()
    alice = await backend.signed_in(team.alice, postgrest_client_retry=True)
    fake.faults.fail_next(1, status=503, path_prefix="/rest/v1")
    res = await alice.table("workspaces").select("id").eq("id", team.a).execute()
    assert res.data == [{"id": team.a}]
    assert [k for k, p in fake.faults.hits if p == "/rest/v1/workspaces"] == ["fail"]


async def test_next_request_times_out(backend, team):
    fake = backend.require_fake()
    # (supabase-py truncates a fractional postgrest_client_timeout to whole seconds)
    alice = await backend.signed_in(team.alice, postgrest_client_timeout=1)
    fake.faults.timeout_next(1, path_prefix="/rest/v1")
    with pytest.raises(httpx.TimeoutException):
        await alice.table("contacts").select("id").limit(1).execute()
    fake.faults.clear()
    assert (await alice.table("contacts").select("id").limit(1).execute()).data is not None


async def test_latency(backend, team):
    fake = backend.require_fake()
    alice = await backend.signed_in(team.alice)
    fake.faults.latency = 0.3
    t0 = time.monotonic()
    await alice.table("contacts").select("id").limit(1).execute()
    assert time.monotonic() - t0 >= 0.3
    fake.faults.latency = 0


async def test_refuse_connections_for_a_while(backend):
    fake = backend.require_fake()
    headers = {"apikey": backend.anon_key}
    await fake.refuse_connections(0.5)
    with pytest.raises(httpx.ConnectError):
        async with httpx.AsyncClient() as http:
            await http.get(f"{backend.url}/auth/v1/settings", headers=headers)
    r = await _until_ok(f"{backend.url}/auth/v1/settings", headers)
    assert r.status_code == 200


async def test_stop_and_restart_on_the_same_port(backend, team):
    fake = backend.require_fake()
    alice = await backend.signed_in(team.alice)
    url = backend.url
    await fake.stop()
    with pytest.raises(httpx.TransportError):
        await alice.table("contacts").select("id").limit(1).execute()
    await fake.start()
    assert fake.url == url
    # Sessions survive a restart (they are kept by the server object, as GoTrue keeps them in its DB).
    assert (await alice.table("workspaces").select("id").eq("id", team.a).execute()).data == [{"id": team.a}]
    assert (await alice.auth.refresh_session()).session is not None

"""The test server's fault controls, seen through the real clients."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import psycopg
import pytest
from postgrest.exceptions import APIError
from supabase_auth.errors import AuthApiError, AuthRetryableError

from tests.support.postgres import logical_server

REPO = Path(__file__).resolve().parents[2]

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


@pytest.fixture
def no_retry_delay(monkeypatch):
    """postgrest-py waits 2**n seconds between retries; the retry itself is what is under test."""
    monkeypatch.setattr("postgrest._async.request_builder.get_retry_delay", lambda attempt: 0)


async def test_postgrest_client_retries_a_503_get(backend, team, no_retry_delay):
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


# -- fault bodies as each layer sends them -----------------------------------------------------------
async def test_edge_page_gateway_json_and_postgrest_codes_reach_the_client_as_sent(backend, team):
    fake = backend.require_fake()
    alice = await backend.signed_in(team.alice)
    read = lambda: alice.table("workspaces").select("id").eq("id", team.a).execute()  # noqa: E731
    fake.faults.fail_next(1, status=520, path_prefix="/rest/v1")  # Cloudflare's HTML page
    with pytest.raises(APIError) as err:
        await read()
    assert err.value.code == "520" and "<!DOCTYPE html>" in err.value.details and "Error code 520" in err.value.details
    fake.faults.fail_next(1, preset="gateway", status=502, path_prefix="/rest/v1")  # Kong's JSON
    with pytest.raises(APIError) as err:
        await read()
    assert err.value.message == "An invalid response was received from the upstream server" and err.value.code is None
    for preset, code in (("postgrest_schema_cache", "PGRST002"), ("postgrest_pool_timeout", "PGRST003")):
        fake.faults.fail_next(1, preset=preset, path_prefix="/rest/v1")
        with pytest.raises(APIError) as err:
            await read()
        assert err.value.code == code
    async with httpx.AsyncClient() as http:
        fake.faults.fail_next(1, status=524, path_prefix="/rest/v1")
        r = await http.get(f"{backend.url}/rest/v1/workspaces", headers={"apikey": backend.anon_key})
        assert r.status_code == 524 and r.headers["content-type"].startswith("text/html")
        assert r.headers["server"] == "cloudflare" and "A timeout occurred" in r.text
        fake.faults.fail_next(1, preset="postgrest_pool_timeout", path_prefix="/rest/v1")
        r = await http.get(f"{backend.url}/rest/v1/workspaces", headers={"apikey": backend.anon_key})
        assert r.status_code == 504 and r.headers["Proxy-Status"] == "PostgREST; error=PGRST003"
    assert (await read()).data == [{"id": team.a}]


async def test_the_client_retries_a_get_on_the_edge_520(backend, team, no_retry_delay):
    fake = backend.require_fake()
    alice = await backend.signed_in(team.alice, postgrest_client_retry=True)
    fake.faults.fail_next(1, status=520, path_prefix="/rest/v1")
    assert (await alice.table("workspaces").select("id").eq("id", team.a).execute()).data == [{"id": team.a}]
    assert [k for k, p in fake.faults.hits if p == "/rest/v1/workspaces"] == ["fail"]


async def test_auth_rate_limit_and_edge_bodies(backend, team):
    fake = backend.require_fake()
    creds = {"email": team.alice.email, "password": team.alice.password}
    fake.faults.fail_next(1, status=429, path_prefix="/auth/v1", retry_after=7)
    with pytest.raises(AuthApiError) as err:
        await (await backend.client()).auth.sign_in_with_password(creds)
    assert (err.value.status, err.value.code) == (429, "over_request_rate_limit")
    fake.faults.fail_next(1, status=429, path_prefix="/auth/v1", retry_after=7)
    async with httpx.AsyncClient() as http:
        r = await http.get(f"{backend.url}/auth/v1/settings", headers={"apikey": backend.anon_key})
    assert r.status_code == 429 and r.headers["Retry-After"] == "7" and r.json()["msg"] == "Request rate limit reached"
    fake.faults.fail_next(1, status=522, path_prefix="/auth/v1")  # HTML: the client calls it a network error
    with pytest.raises(AuthRetryableError) as err:
        await (await backend.client()).auth.sign_in_with_password(creds)
    assert err.value.status == 522


def test_fault_arguments_are_checked_when_the_fault_is_set(backend):
    fake = backend.require_fake()
    with pytest.raises(ValueError, match="unknown preset"):
        fake.faults.fail_next(1, preset="teapot")
    with pytest.raises(ValueError, match="HTTP error status"):
        fake.faults.fail_next(1, status=200)
    with pytest.raises(ValueError, match="1 or more"):
        fake.faults.fail_next(0)
    with pytest.raises(ValueError, match='"reset"'):
        fake.faults.fail_after_commit_next(1, status="later")
    assert fake.faults.describe()["pending"] == []


# -- a write that commits and is never acknowledged ---------------------------------------------------
async def test_a_write_can_commit_and_still_fail_to_answer(backend, team):
    fake = backend.require_fake()
    alice = await backend.signed_in(team.alice, postgrest_client_retry=True)
    cid = str(uuid.uuid4())
    row = {"id": cid, "workspace_id": team.a, "name": "Sent once"}
    fake.faults.fail_after_commit_next(1, status=504, path_prefix="/rest/v1")
    with pytest.raises(APIError) as err:
        await alice.table("contacts").insert(row).execute()
    assert err.value.message == "The upstream server is timing out"  # the gateway's 504
    assert (await alice.table("contacts").select("name").eq("id", cid).execute()).data == [{"name": "Sent once"}]
    # A blind retry of the insert now collides with the write that did happen ...
    with pytest.raises(APIError) as err:
        await alice.table("contacts").insert(row).execute()
    assert err.value.code == "23505"
    # ... an idempotent one does not.
    assert (await alice.table("contacts").upsert(row, ignore_duplicates=True).execute()).data == []
    # A failed write does not use the fault up: it waits for one that commits.
    fake.faults.fail_after_commit_next(1, status=520, path_prefix="/rest/v1")
    with pytest.raises(APIError) as err:
        await alice.table("contacts").insert(row).execute()
    assert err.value.code == "23505"
    with pytest.raises(APIError) as err:
        await alice.table("contacts").update({"title": "edited"}).eq("id", cid).execute()
    assert err.value.code == "520"
    assert (await alice.table("contacts").select("title").eq("id", cid).execute()).data == [{"title": "edited"}]


async def test_a_write_can_commit_and_then_lose_its_connection(backend, team):
    fake = backend.require_fake()
    alice = await backend.signed_in(team.alice)
    cid = str(uuid.uuid4())
    fake.faults.fail_after_commit_next(1, status="reset", path_prefix="/rest/v1", methods=["POST"])
    with pytest.raises(httpx.TransportError):
        await alice.table("contacts").insert({"id": cid, "workspace_id": team.a, "name": "Reset"}).execute()
    assert (await alice.table("contacts").select("name").eq("id", cid).execute()).data == [{"name": "Reset"}]
    assert ("after_commit", "/rest/v1/contacts") in fake.faults.hits


# -- the control endpoint -----------------------------------------------------------------------------
async def _control(backend, body=None, *, method: str = "POST", **kw) -> httpx.Response:
    async with httpx.AsyncClient() as http:
        if method == "GET":
            return await http.get(f"{backend.url}/__faults")
        return await http.post(f"{backend.url}/__faults", json=body, **kw)


async def test_control_endpoint_lists_and_switches_faults(backend, team):
    fake = backend.require_fake()
    listing = (await _control(backend, method="GET")).json()
    expected = {"fail_next", "fail_after_commit_next", "timeout_next", "latency", "realtime_latency",
                "drop_websockets", "refuse_connections", "stop", "restart", "reset", "max_rows",
                "statement_timeouts", "auth_limits", "slow_transaction"}
    assert expected <= set(listing["faults"])
    assert listing["faults"]["fail_next"]["params"]["n"] == {"type": "int", "default": 1}
    assert "instead of running them" in listing["faults"]["fail_next"]["doc"]
    assert listing["faults"]["stop"]["params"]["seconds"]["default"] == "required"
    assert listing["active"]["rest"]["max_rows"] == 1000

    alice = await backend.signed_in(team.alice)
    r = await _control(backend, {"fault": "fail_next", "args": {"n": 1, "status": 503, "path_prefix": "/rest/v1"}})
    assert r.status_code == 200 and r.json() == {"ok": True, "fault": "fail_next", "result": None}
    active = (await _control(backend, method="GET")).json()["active"]["http"]["pending"]
    assert active == [{"kind": "fail", "remaining": 1, "path_prefix": "/rest/v1", "status": 503}]
    with pytest.raises(APIError) as err:
        await alice.table("workspaces").select("id").execute()
    assert err.value.code == "PGRST001"

    await _seed_two(alice, team.a)
    r = await _control(backend, {"fault": "max_rows", "args": {"n": 1}})
    assert r.status_code == 200
    assert len((await alice.table("contacts").select("id").eq("workspace_id", team.a).execute()).data) == 1
    assert (await _control(backend, {"fault": "reset"})).status_code == 200
    assert fake.rest.settings.max_rows == 1000


async def _seed_two(client, workspace: str) -> None:
    await client.table("contacts").insert([{"workspace_id": workspace, "name": n} for n in ("One", "Two")]).execute()


async def test_control_endpoint_refuses_bad_requests_clearly(backend):
    backend.require_fake()
    r = await _control(backend, {"fault": "fail_next", "args": {"n": "many"}})
    assert r.status_code == 400 and r.json()["details"][0]["param"] == "n"
    r = await _control(backend, {"fault": "fail_next", "args": {"nn": 1}})
    assert r.status_code == 400 and "unexpected keyword argument 'nn'" in r.json()["error"]
    r = await _control(backend, {"fault": "fail_next", "args": {"n": 0}})
    assert r.status_code == 400 and "1 or more" in r.json()["error"]
    r = await _control(backend, {"fault": "melt_down"})
    assert r.status_code == 404 and "fail_next" in r.json()["available"]
    r = await _control(backend, {"fault": "reset", "extra": 1})
    assert r.status_code == 400
    r = await _control(backend, ["fail_next"])
    assert r.status_code == 400
    async with httpx.AsyncClient() as http:
        r = await http.post(f"{backend.url}/__faults", content=b"{not json", headers={"Content-Type": "application/json"})
        assert r.status_code == 400 and r.json()["ok"] is False
        r = await http.post(f"{backend.url}/__faults", content=b'{"fault": "reset"}', headers={"Content-Type": "text/plain"})
        assert r.status_code == 415
    r = await _control(backend, {"fault": "slow_transaction", "args": {"sql": "update no_such_table set x = 1"}})
    assert r.status_code == 400 and "no_such_table" in r.json()["error"]


async def test_control_endpoint_stop_comes_back_on_the_same_port(backend):
    fake = backend.require_fake()
    headers = {"apikey": backend.anon_key}
    r = await _control(backend, {"fault": "stop", "args": {"seconds": 0.5}})
    assert r.status_code == 200 and r.json()["after_response"] is True
    with pytest.raises(httpx.ConnectError):
        await asyncio.sleep(0.1)
        async with httpx.AsyncClient() as http:
            await http.get(f"{backend.url}/auth/v1/settings", headers=headers)
    assert (await _until_ok(f"{backend.url}/auth/v1/settings", headers)).status_code == 200
    assert fake.url == backend.url


async def test_control_endpoint_slow_transaction_commits_late(backend, team):
    backend.require_fake()
    alice = await backend.signed_in(team.alice)
    cid = (await alice.table("contacts").insert({"workspace_id": team.a, "name": "Before"}).execute()).data[0]["id"]
    r = await _control(backend, {"fault": "slow_transaction",
                                 "args": {"sql": "update public.contacts set name = 'After' where id = %s returning version",
                                          "params": [cid], "seconds": 0.3, "user_id": team.bob.id}})
    assert r.status_code == 200 and r.json()["result"] == {"rows": [[2]], "commits_in": 0.3}
    assert (await alice.table("contacts").select("name").eq("id", cid).execute()).data == [{"name": "Before"}]
    deadline = time.monotonic() + 10
    while (await alice.table("contacts").select("name").eq("id", cid).execute()).data != [{"name": "After"}]:
        assert time.monotonic() < deadline, "the slow transaction never committed"
        await asyncio.sleep(0.05)


# -- make dev-server ----------------------------------------------------------------------------------
def _settings(proc: subprocess.Popen, timeout: float = 120) -> dict[str, str]:
    found: dict[str, str] = {}
    deadline = time.monotonic() + timeout
    assert proc.stdout is not None
    while "FAULTS_URL" not in found:
        line = proc.stdout.readline()
        assert line, f"the dev server stopped before printing its settings (exit {proc.poll()})"
        assert time.monotonic() < deadline
        name, sep, value = line.rstrip("\n").partition("=")
        assert sep and name.isupper(), f"not a NAME=value line: {line!r}"
        found[name] = value
    return found


def _logical_addr() -> str:
    """The test process's logical-decoding server: the dev server's database must outlive it."""
    pg = logical_server()
    return f"{pg.host}:{pg.port}"


async def test_dev_server_prints_its_settings_and_serves_the_demo_data():
    proc = subprocess.Popen([sys.executable, "-m", "tests.fake_supabase", "--port", "0", "--deals", "12"], cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1", "TRACK_TEST_PG_LOGICAL": _logical_addr()})
    try:
        env = await asyncio.to_thread(_settings, proc)
        for name in ("SUPABASE_URL", "SUPABASE_ANON_KEY", "SUPABASE_SERVICE_ROLE_KEY", "SUPABASE_PUBLISHABLE_KEY",
                     "SUPABASE_SECRET_KEY", "DEMO_EMAIL", "DEMO_PASSWORD", "DATABASE_URL", "USER2_EMAIL",
                     "USER2_PASSWORD", "USER3_EMAIL", "USER3_PASSWORD"):
            assert env.get(name), name
        assert env["SUPABASE_URL"].startswith("http://127.0.0.1:")
        assert env["SUPABASE_PUBLISHABLE_KEY"].startswith("sb_publishable_")
        from supabase import AsyncClientOptions, acreate_client

        async def signed_in(email: str, password: str, key: str):
            client = await acreate_client(env["SUPABASE_URL"], key, AsyncClientOptions(auto_refresh_token=False,
                                                                                       persist_session=False))
            await client.auth.sign_in_with_password({"email": email, "password": password})
            return client

        demo = await signed_in(env["DEMO_EMAIL"], env["DEMO_PASSWORD"], env["SUPABASE_PUBLISHABLE_KEY"])
        workspaces = (await demo.table("workspaces").select("id,name").execute()).data
        assert [w["name"] for w in workspaces] == ["Larkspur Labs (demo)"]
        ws = workspaces[0]["id"]
        for table in ("boards", "board_stages", "board_cards", "companies", "contacts", "timeline_entries", "tasks",
                      "custom_fields", "automations"):
            assert (await demo.table(table).select("id", count="exact").eq("workspace_id", ws).limit(1).execute()).count, table
        assert (await demo.table("deals").select("id", count="exact").execute()).count == 12
        user2 = await signed_in(env["USER2_EMAIL"], env["USER2_PASSWORD"], env["SUPABASE_ANON_KEY"])
        theirs = (await user2.table("workspaces").select("id").execute()).data
        assert len(theirs) == 1 and theirs[0]["id"] != ws
        user3 = await signed_in(env["USER3_EMAIL"], env["USER3_PASSWORD"], env["SUPABASE_ANON_KEY"])
        me = (await user3.auth.get_user()).user.id
        member = (await user3.table("workspace_members").select("role,workspace_id").eq("user_id", me).execute()).data
        assert member == [{"role": "member", "workspace_id": ws}]
        # The database answers a plain DSN, and the control endpoint the loopback.
        with psycopg.connect(env["DATABASE_URL"]) as conn:
            assert conn.execute("select count(*) from public.deals where workspace_id = %s", (ws,)).fetchone()[0] == 12
        async with httpx.AsyncClient() as http:
            r = await http.post(env["FAULTS_URL"], json={"fault": "fail_next", "args": {"preset": "postgrest_pool_timeout"}})
            assert r.status_code == 200
        with pytest.raises(APIError) as err:
            await demo.table("deals").select("id").limit(1).execute()
        assert err.value.code == "PGRST003"
        for client in (demo, user2, user3):
            await client.postgrest.aclose()
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
    assert proc.returncode == 0
    dbname = env["DATABASE_URL"].rsplit("/", 1)[1]
    admin = env["DATABASE_URL"].rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin) as conn:
        assert conn.execute("select count(*) from pg_database where datname = %s", (dbname,)).fetchone()[0] == 0

"""Fixtures for the sync contract tests: the real supabase-py client against a Supabase backend.

The backend is the local test server (:mod:`tests.fake_supabase`) on a fresh database with the
project's migrations, one per test session (per xdist worker), running on its own thread and
event loop. When ``TRACK_TEST_SUPABASE_URL``, ``TRACK_TEST_SUPABASE_ANON_KEY`` and
``TRACK_TEST_SUPABASE_SERVICE_ROLE_KEY`` are set, every test that does not need the local
server's extras (fault controls, reading one-time codes, plain SQL) runs a second time against
that real project (parameter id ``real``). The project must have ``supabase/migrations``
applied; the tests create throwaway users and workspaces through the service-role key and
delete them afterwards.

Fixture API for sync tests::

    async def test_x(backend, team):
        alice = await backend.signed_in(team.alice)       # AsyncClient, signed in by password
        await alice.table("contacts").insert({...}).execute()
        fake = backend.require_fake()                     # ServerThread; skips on the real project
        fake.faults.fail_next(2, status=503, path_prefix="/rest/v1")
        fake.faults.fail_after_commit_next(1, status="reset")
        fake.set_max_rows(5); fake.set_statement_timeouts(authenticated=0.3)
        fake.set_auth_limits(otp_cooldown=60); fake.auth.advance_clock(61)
        async with fake.held_transaction() as tx: ...      # a writer that commits late
        await fake.drop_websockets(); await fake.refuse_connections(1.0)
        await fake.stop(); await fake.start()             # same port
        backend.sql("update ...")                         # plain SQL as the database owner

``team`` has two workspaces: ``a`` (alice owner, bob member) and ``b`` (carol owner). After
every test the faults are cleared, limits, timeouts and the Auth clock reset
(``fake.reset()``) and a stopped server is restarted. The session's server runs with Supabase's
limits except the ``/token`` rate limit, which the whole suite's sign-ins from one address would
exhaust; tests that want it switch it on.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable

import psycopg
import pytest
from supabase import AsyncClient, AsyncClientOptions, acreate_client

from tests.fake_supabase import ServerThread
from tests.fake_supabase.auth import AuthLimits
from tests.support import supabase_platform as platform
from tests.support.postgres import fresh_database, logical_server

REAL_ENV = ("TRACK_TEST_SUPABASE_URL", "TRACK_TEST_SUPABASE_ANON_KEY", "TRACK_TEST_SUPABASE_SERVICE_ROLE_KEY")
PASSWORD = "correct horse battery staple"


def real_supabase_missing() -> list[str]:
    return [name for name in REAL_ENV if not os.environ.get(name)]


def real_supabase_skip_reason() -> str:
    return ("real-Supabase contract run is off: set " + ", ".join(real_supabase_missing())
            + " (a project with supabase/migrations applied) to run the sync contract tests against it")


def pytest_report_header(config):
    if real_supabase_missing():
        return [real_supabase_skip_reason()]
    return [f"sync contract tests also run against {os.environ['TRACK_TEST_SUPABASE_URL']}"]


def pytest_generate_tests(metafunc):
    if "backend" in metafunc.fixturenames:
        names = ["fake"] if real_supabase_missing() else ["fake", "real"]
        metafunc.parametrize("backend_name", names, scope="session")


@dataclass
class TestUser:
    email: str
    password: str
    id: str = ""


@dataclass
class Team:
    a: str
    b: str
    alice: TestUser
    bob: TestUser
    carol: TestUser


@dataclass
class Backend:
    name: str
    url: str
    anon_key: str
    service_role_key: str
    fake: ServerThread | None = None
    dsn: str | None = None
    _clients: list[AsyncClient] = field(default_factory=list)

    def require_fake(self) -> ServerThread:
        if self.fake is None:
            pytest.skip("needs the local test server (fault controls, one-time codes or plain SQL)")
        return self.fake

    def sql(self, statement: str, params: Any = None) -> list[tuple]:
        """Plain SQL as the database owner (bypasses RLS), committed at once."""
        self.require_fake()
        assert self.dsn is not None
        with psycopg.connect(self.dsn, autocommit=True) as conn:
            cur = conn.execute(statement, params)
            return cur.fetchall() if cur.description else []

    async def client(self, key: str | None = None, **options: Any) -> AsyncClient:
        opts = {"auto_refresh_token": False, "persist_session": False, "postgrest_client_retry": False}
        opts.update(options)
        client = await acreate_client(self.url, key or self.anon_key, AsyncClientOptions(**opts))
        self._clients.append(client)
        return client

    async def signed_in(self, user: TestUser, **options: Any) -> AsyncClient:
        client = await self.client(**options)
        await client.auth.sign_in_with_password({"email": user.email, "password": user.password})
        return client

    async def admin(self) -> AsyncClient:
        return await self.client(self.service_role_key)

    async def close_clients(self) -> None:
        clients, self._clients = self._clients, []
        for c in clients:
            try:
                await asyncio.wait_for(c.realtime.close(), 5)
            except Exception:
                pass
            for closer in (lambda: c.auth.close(), lambda: c.postgrest.aclose()):
                try:
                    await closer()
                except Exception:
                    pass


@pytest.fixture(scope="session")
def fake_supabase_dsn():
    """A fresh database with Supabase's platform pieces and the project's migrations.

    On a server with ``wal_level = logical``: the test server's Realtime reads the WAL.
    """
    with fresh_database("track_sync", pg=logical_server()) as dsn:
        platform.prepare_supabase_database(dsn)
        platform.apply_migrations(dsn)
        yield dsn


@pytest.fixture(scope="session")
def fake_supabase(fake_supabase_dsn):
    """The local test server (a :class:`tests.fake_supabase.ServerThread`) for this session."""
    server = ServerThread(fake_supabase_dsn, auth_limits=AuthLimits(token_per_5min=None))
    try:
        yield server
    finally:
        server.close()


@pytest.fixture(scope="session")
def _backend(backend_name, request):
    if backend_name == "real":
        yield Backend("real", os.environ["TRACK_TEST_SUPABASE_URL"].rstrip("/"),
                      os.environ["TRACK_TEST_SUPABASE_ANON_KEY"], os.environ["TRACK_TEST_SUPABASE_SERVICE_ROLE_KEY"])
        return
    fake = request.getfixturevalue("fake_supabase")
    yield Backend("fake", fake.url, fake.anon_key, fake.service_role_key, fake, fake.dsn)


@pytest.fixture
async def backend(_backend):
    yield _backend
    await _backend.close_clients()
    if _backend.fake is not None:
        fake = _backend.fake
        fake.reset()
        await fake.start()  # no-op when it is listening; resumes a stopped server on its port


@pytest.fixture
async def team(backend):
    """Three users in two workspaces, made through the service-role key (admin API + REST)."""
    admin = await backend.admin()
    tag = uuid.uuid4().hex[:8]
    users = {}
    for name in ("alice", "bob", "carol"):
        u = TestUser(f"{name}-{tag}@example.test", PASSWORD)
        res = await admin.auth.admin.create_user({"email": u.email, "password": u.password, "email_confirm": True})
        u.id = res.user.id
        users[name] = u
    ws = (await admin.table("workspaces").insert([{"name": f"A {tag}"}, {"name": f"B {tag}"}]).execute()).data
    a = next(w["id"] for w in ws if w["name"].startswith("A "))
    b = next(w["id"] for w in ws if w["name"].startswith("B "))
    await admin.table("workspace_members").insert([
        {"workspace_id": a, "user_id": users["alice"].id, "role": "owner"},
        {"workspace_id": a, "user_id": users["bob"].id, "role": "member"},
        {"workspace_id": b, "user_id": users["carol"].id, "role": "owner"},
    ]).execute()
    yield Team(a, b, users["alice"], users["bob"], users["carol"])
    if backend.name == "real":
        cleanup = await backend.admin()
        await cleanup.table("workspaces").delete().in_("id", [a, b]).execute()
        for u in users.values():
            await cleanup.auth.admin.delete_user(u.id)


@pytest.fixture
async def _backend_real_probe():
    """GET /auth/v1/settings on the real project (used by test_real_supabase.py)."""
    import httpx

    url = os.environ["TRACK_TEST_SUPABASE_URL"].rstrip("/")
    async with httpx.AsyncClient() as http:
        yield await http.get(f"{url}/auth/v1/settings", headers={"apikey": os.environ["TRACK_TEST_SUPABASE_ANON_KEY"]})


class Inbox:
    """Collects realtime callbacks; ``await inbox.wait_for(pred)`` with a timeout, never a bare sleep."""

    def __init__(self) -> None:
        self.items: list[dict] = []
        self.states: list[str] = []
        self._changed = asyncio.Event()

    def __call__(self, payload: dict) -> None:
        self.items.append(payload)
        self._changed.set()

    def on_state(self, state, error=None) -> None:
        self.states.append(str(getattr(state, "value", state)))
        self._changed.set()

    async def wait_for(self, pred: Callable[[list[dict]], Any], timeout: float = 10.0, what: str = "") -> Any:
        async def loop():
            while True:
                result = pred(self.items)
                if result:
                    return result
                self._changed.clear()
                await self._changed.wait()
        try:
            return await asyncio.wait_for(loop(), timeout)
        except asyncio.TimeoutError:
            raise AssertionError(f"timed out waiting for {what or pred}; got {self.items!r}") from None

    async def wait_state(self, state: str, count: int = 1, timeout: float = 15.0) -> None:
        async def loop():
            while self.states.count(state) < count:
                self._changed.clear()
                await self._changed.wait()
        try:
            await asyncio.wait_for(loop(), timeout)
        except asyncio.TimeoutError:
            raise AssertionError(f"timed out waiting for {state} x{count}; states {self.states}") from None


@pytest.fixture
def inbox_factory():
    return Inbox

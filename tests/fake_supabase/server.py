"""The test server: Auth + PostgREST subset + Realtime on one loopback port, over real PostgreSQL.

:class:`FakeSupabase` runs on the current event loop; :class:`ServerThread` runs one in a
background thread with its own loop, so a server can outlive a test's event loop (the contract
tests share one per test session) and can be driven from synchronous code.

Requests pass the gateway check first, as on a hosted project (Kong): ``/auth/v1`` and
``/rest/v1`` need an ``apikey`` header (or query parameter) that is *exactly* one of the keys the
project issued (:class:`.tokens.ApiKeys`: the legacy ``anon`` / ``service_role`` JWTs and the
``sb_publishable_`` / ``sb_secret_`` keys) -- missing: 401 ``{"message": "No API key found in
request"}``; anything else, even a JWT signed with the project's secret: 401 ``{"message":
"Invalid API key"}``. The new keys are not JWTs, so when one is used and ``Authorization`` is
absent or carries the same key (supabase-py sends ``Bearer <key>`` until someone signs in), the
gateway passes a short-lived JWT of the key's role upstream instead (Supabase's announcement of
the new keys, github.com/orgs/supabase/discussions/29260). PostgREST then takes the role from the
``Authorization: Bearer`` JWT (no header: ``anon``), with 30 s of clock skew on ``exp``/``nbf``/
``iat`` (:meth:`.tokens.JwtIssuer.verify`); a refused JWT is 401 PGRST301 (bad token) or PGRST303
("JWT expired", "JWT issued at future", ...) with ``WWW-Authenticate: Bearer
error="invalid_token", ...`` (PostgREST ``Error.hs``).

Every fault, limit and window can also be changed while the server runs, from another process,
through the loopback-only control endpoint ``/__faults`` (:mod:`.control`); :meth:`FakeSupabase.reset`
puts everything back to the settings the server was started with.

The database connections: requests run as ``authenticator`` (the role PostgREST logs in as, made by
``tests/support/supabase_platform.py``) switching to the caller's role per transaction; Auth,
change capture and the per-subscriber RLS checks of Realtime use the DSN's own (superuser) role.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import logging
import socket
import threading
import time
from concurrent.futures import Future
from typing import Any, Awaitable, TypeVar

import psycopg
from aiohttp import web

from .auth import AuthLimits, AuthService
from .control import ControlEndpoint, FaultRegistry
from .db import ApiError, HeldTransaction, Pool
from .faults import Faults
from .knobs import ServerKnobs
from .realtime import RealtimeService
from .rest import RestService, RestSettings, error_response
from .tokens import CLOCK_SKEW, ApiKeys, JwtIssuer, TokenError

log = logging.getLogger(__name__)
T = TypeVar("T")


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def _with_user(dsn: str, user: str) -> str:
    info = psycopg.conninfo.conninfo_to_dict(dsn)
    info["user"] = user
    return psycopg.conninfo.make_conninfo(**info)


class FakeSupabase(ServerKnobs):
    """One Supabase-compatible server. ``await start()``, use ``url``/``anon_key``, ``await close()``.

    ``rest`` (:class:`.rest.RestSettings`: row cap, statement timeouts) and ``auth_limits``
    (:class:`.auth.AuthLimits`) default to Supabase's values; :meth:`reset` returns to what was
    passed here. The knobs (limits, windows, a late-committing writer) and the faults the control
    endpoint offers come from :class:`.knobs.ServerKnobs`.
    """

    def __init__(self, dsn: str, *, host: str = "127.0.0.1", port: int = 0, jwt_secret: str | None = None,
                 jwt_expiry: int = 3600, request_role: str = "authenticator", rest: RestSettings | None = None,
                 auth_limits: AuthLimits | None = None) -> None:
        self.dsn = dsn
        self.host = host
        self.port = port
        self.issuer = JwtIssuer(jwt_secret) if jwt_secret else JwtIssuer.generate()
        self.keys = ApiKeys.issue(self.issuer)
        self.anon_key = self.keys.anon
        self.service_role_key = self.keys.service_role
        self.publishable_key = self.keys.publishable
        self.secret_key = self.keys.secret
        self.faults = Faults()
        self._initial_rest = copy.deepcopy(rest or RestSettings())
        self._initial_auth_limits = copy.deepcopy(auth_limits or AuthLimits())
        self.admin_pool = Pool(dsn, size=6, autocommit=True)
        self.request_pool = Pool(_with_user(dsn, request_role), size=10, autocommit=True)
        self.auth = AuthService(self.admin_pool, self.issuer, jwt_expiry=jwt_expiry,
                                limits=copy.deepcopy(self._initial_auth_limits))
        self.rest = RestService(self.request_pool, self._resolve_rest_auth, copy.deepcopy(self._initial_rest))
        self.realtime = RealtimeService(self.admin_pool, dsn, self.issuer, self.faults)
        self.realtime.use_api_keys(self.keys.role_of,
                                   lambda role: self.keys.anon if role == "anon" else self.keys.service_role)
        self.control = FaultRegistry()
        self._register_controls()
        self.realtime.faults.register_with(self.control)
        self._held: set[asyncio.Task] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None
        self._reopen: asyncio.TimerHandle | None = None
        self._started = False

    # -- addresses and keys ---------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def jwt_secret(self) -> str:
        return self.issuer.secret

    # -- lifecycle ---------------------------------------------------------------------------------
    async def start(self) -> "FakeSupabase":
        """Start listening (first call also starts Realtime's change capture). Same port on restart."""
        if not self._started:
            self._loop = asyncio.get_running_loop()
            self.faults.bind(self._loop)
            await self.realtime.start()
            app = web.Application(middlewares=[self.faults.middleware, self._gateway])
            ControlEndpoint(self.control).add_routes(app)
            self.auth.add_routes(app)
            self.rest.add_routes(app)
            app.router.add_get("/realtime/v1/websocket", self.realtime.handle_ws)
            app.router.add_get("/realtime/v1/api/ping", self._ping)
            self._runner = web.AppRunner(app, handle_signals=False, access_log=None, shutdown_timeout=0.5)
            await self._runner.setup()
            self._started = True
        await self._listen()
        self.auth.url = self.url
        return self

    async def _listen(self) -> None:
        assert self._runner is not None
        if self._site is not None:
            return
        port = self.port or free_port(self.host)
        for attempt in range(50):
            site = web.TCPSite(self._runner, self.host, port, reuse_address=True)
            try:
                await site.start()
                break
            except OSError:
                if attempt == 49:
                    raise
                await asyncio.sleep(0.05)
        self._site = site
        self.port = port

    async def _unlisten(self) -> None:
        if self._site is not None:
            site, self._site = self._site, None
            await site.stop()

    def _abort_connections(self) -> None:
        self.realtime.drop_all()
        if self._runner is not None and self._runner.server is not None:
            for handler in list(self._runner.server.connections):
                transport = getattr(handler, "transport", None)
                if transport is not None:
                    transport.abort()

    async def stop(self) -> None:
        """Crash-like stop: stop listening and cut every open connection. ``start()`` resumes on the same port."""
        if self._reopen is not None:
            self._reopen.cancel()
            self._reopen = None
        await self._unlisten()
        self._abort_connections()
        self.faults.clear()

    async def restart(self) -> None:
        await self.stop()
        await self.start()

    async def close(self) -> None:
        await self.stop()
        for task in list(self._held):
            task.cancel()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        await self.realtime.close()
        await self.admin_pool.close()
        await self.request_pool.close()
        self._started = False

    @staticmethod
    async def _ping(request: web.Request) -> web.Response:
        return web.json_response({"message": "Success"})

    # -- faults ------------------------------------------------------------------------------------
    async def drop_websockets(self) -> int:
        """Cut every Realtime websocket now (no close frame). Returns how many were cut."""
        return self.realtime.drop_all()

    async def refuse_connections(self, seconds: float) -> None:
        """Close the listening socket for ``seconds`` (new connections get ECONNREFUSED); open ones live on."""
        if seconds <= 0:
            raise ValueError("seconds must be more than 0")
        await self._unlisten()
        loop = asyncio.get_running_loop()

        def reopen() -> None:
            self._reopen = None
            loop.create_task(self._listen())

        if self._reopen is not None:
            self._reopen.cancel()
        self._reopen = loop.call_later(seconds, reopen)

    async def stop_for(self, seconds: float) -> None:
        """Crash-like stop (listener closed, every connection cut, pending faults forgotten), back on
        the same port after `seconds`."""
        if seconds <= 0:
            raise ValueError("seconds must be more than 0 (a stopped server cannot be asked to start)")
        await self.stop()
        loop = asyncio.get_running_loop()
        self._reopen = loop.call_later(seconds, lambda: loop.create_task(self.start()))

    # -- helpers for tests -------------------------------------------------------------------------
    async def create_user(self, email: str, password: str | None = None, **kw: Any) -> str:
        return await self.auth.create_user(email, password, **kw)

    def last_otp(self, email: str) -> str | None:
        return self.auth.last_otp(email)

    async def access_token_for(self, user_id: str, *, expires_in: int | None = None, **kw: Any) -> str:
        user = await self.auth._user_by("id", str(user_id))
        if user is None:
            raise KeyError(user_id)
        return self.auth.issue_access_token(user, expires_in=expires_in, **kw)

    async def sync_realtime_tables(self) -> list[str]:
        return await self.realtime.refresh_publication()

    # -- gateway -----------------------------------------------------------------------------------
    @web.middleware
    async def _gateway(self, request: web.Request, handler):
        path = request.path
        if path.startswith("/rest/v1") or (path.startswith("/auth/v1") and path not in ("/auth/v1/health",)):
            key = request.headers.get("apikey") or request.query.get("apikey")
            if not key:
                return web.json_response({"message": "No API key found in request",
                                          "hint": "No `apikey` request header or url param was found."}, status=401)
            role = self.keys.role_of(key)
            if role is None:
                return web.json_response({"message": "Invalid API key",
                                          "hint": "Double check your Supabase `anon` or `service_role` API key."},
                                         status=401)
            if ApiKeys.is_opaque(key):
                authorization = request.headers.get("Authorization")
                if authorization is None or authorization.strip() in (key, f"Bearer {key}"):
                    headers = request.headers.copy()
                    headers["Authorization"] = f"Bearer {self.gateway_jwt(role)}"
                    request = request.clone(headers=headers)
        try:
            return await handler(request)
        except ApiError as err:
            return error_response(err)

    def gateway_jwt(self, role: str) -> str:
        """The short-lived token the gateway hands upstream for an opaque (``sb_...``) key.

        (Realtime reads its ``apikey`` itself; it can use ``keys.role_of`` and this too.)
        """
        now = int(time.time())
        return self.issuer.sign({"iss": "supabase", "ref": self.issuer.ref, "role": role, "iat": now, "exp": now + 300})

    def _resolve_rest_auth(self, request: web.Request) -> tuple[str, dict]:
        header = request.headers.get("Authorization")
        if header is None:
            return "anon", {"role": "anon"}
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer":
            raise ApiError(401, "PGRST301", "Expected 3 parts in JWT; got 1",
                           headers={"WWW-Authenticate": 'Bearer error="invalid_token", error_description="Expected 3 parts in JWT; got 1"'})
        try:
            claims = self.issuer.verify(token.strip(), leeway=CLOCK_SKEW, check_not_before=True)
        except TokenError as err:
            code = "PGRST303" if err.kind in ("expired", "claims") else "PGRST301"
            raise ApiError(401, code, err.message, headers={
                "WWW-Authenticate": f'Bearer error="invalid_token", error_description="{err.message}"'}) from None
        role = claims.get("role") or "anon"
        if not isinstance(role, str):
            raise ApiError(401, "PGRST303", "Parsing claims failed", headers={
                "WWW-Authenticate": 'Bearer error="invalid_token", error_description="Parsing claims failed"'})
        return role, claims


class ServerThread:
    """A :class:`FakeSupabase` on its own event loop in a daemon thread.

    Attributes mirror the server (``url``, ``anon_key``, ``service_role_key``, ``faults``...).
    Coroutine helpers are offered as ``async`` methods that can be awaited from any other loop.
    """

    def __init__(self, dsn: str, **kw: Any) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name="fake-supabase", daemon=True)
        self._ready = threading.Event()
        self._thread.start()
        self._ready.wait()
        self.server: FakeSupabase = self.call(self._make(dsn, kw))

    @staticmethod
    async def _make(dsn: str, kw: dict) -> FakeSupabase:
        return await FakeSupabase(dsn, **kw).start()

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.call_soon(self._ready.set)
        self._loop.run_forever()

    # -- calling into the server's loop ---------------------------------------------------------
    def call(self, coro: Awaitable[T], timeout: float = 60) -> T:
        """Run a coroutine on the server loop and wait for it (from synchronous code)."""
        fut: Future = asyncio.run_coroutine_threadsafe(coro, self._loop)  # type: ignore[arg-type]
        return fut.result(timeout)

    async def acall(self, coro: Awaitable[T]) -> T:
        """Run a coroutine on the server loop and await it from another loop."""
        fut = asyncio.run_coroutine_threadsafe(coro, self._loop)  # type: ignore[arg-type]
        return await asyncio.wrap_future(fut)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.call(self.server.close(), timeout=30)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    # -- the server's surface ------------------------------------------------------------------
    url = property(lambda self: self.server.url)
    port = property(lambda self: self.server.port)
    anon_key = property(lambda self: self.server.anon_key)
    service_role_key = property(lambda self: self.server.service_role_key)
    publishable_key = property(lambda self: self.server.publishable_key)
    secret_key = property(lambda self: self.server.secret_key)
    jwt_secret = property(lambda self: self.server.jwt_secret)
    faults = property(lambda self: self.server.faults)
    auth = property(lambda self: self.server.auth)
    rest = property(lambda self: self.server.rest)
    realtime = property(lambda self: self.server.realtime)
    control = property(lambda self: self.server.control)
    dsn = property(lambda self: self.server.dsn)

    # Settings changes are plain attribute writes on the server; both loops only read them.
    def reset(self) -> None:
        self.server.reset()

    def set_max_rows(self, n: int | None = 1000) -> None:
        self.server.set_max_rows(n)

    def set_statement_timeouts(self, **seconds: float) -> dict:
        return self.server.set_statement_timeouts(**seconds)

    def set_auth_limits(self, **kw: Any) -> dict:
        return self.server.set_auth_limits(**kw)

    def held_transaction(self, *, user_id: str | None = None) -> HeldTransaction:
        return self.server.held_transaction(user_id=user_id)

    async def slow_transaction(self, sql: str, params: Any = None, seconds: float = 5.0,
                               user_id: str | None = None) -> dict:
        return await self.acall(self.server.slow_transaction(sql, params, seconds, user_id))

    def last_otp(self, email: str) -> str | None:
        return self.server.last_otp(email)

    async def create_user(self, email: str, password: str | None = None, **kw: Any) -> str:
        return await self.acall(self.server.create_user(email, password, **kw))

    async def access_token_for(self, user_id: str, **kw: Any) -> str:
        return await self.acall(self.server.access_token_for(user_id, **kw))

    async def drop_websockets(self) -> int:
        return await self.acall(self.server.drop_websockets())

    async def refuse_connections(self, seconds: float) -> None:
        await self.acall(self.server.refuse_connections(seconds))

    async def stop(self) -> None:
        await self.acall(self.server.stop())

    async def stop_for(self, seconds: float) -> None:
        await self.acall(self.server.stop_for(seconds))

    async def start(self) -> None:
        await self.acall(self.server.start())

    async def restart(self) -> None:
        await self.acall(self.server.restart())

    async def sync_realtime_tables(self) -> list[str]:
        return await self.acall(self.server.sync_realtime_tables())

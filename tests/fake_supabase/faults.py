"""Network faults the tests can switch on: failed, hung and slow HTTP requests.

The connection-level faults (drop every websocket, refuse new connections for a while, stop and
restart on the same port) act on sockets and live on the server object
(:meth:`.server.FakeSupabase.drop_websockets`, ``refuse_connections``, ``stop``/``start``); this
module holds the per-request ones, applied by an aiohttp middleware before a request reaches
Auth, PostgREST or the Realtime upgrade:

* ``fail_next(n, status=503)`` -- the next *n* matching requests get that status. The body has
  the shape of the service behind the path (PostgREST JSON for ``/rest``, GoTrue JSON for
  ``/auth``), the way Supabase's gateway answers while a service restarts.
* ``timeout_next(n)`` -- the next *n* matching requests are held without an answer (until the
  client gives up, the fault is cleared, or ``hang_for`` seconds pass, after which the
  connection is cut), so the client sees a read timeout.
* ``latency = seconds`` -- every HTTP request is delayed by that much before it is handled
  (``realtime_latency`` does the same for each message the Realtime socket sends).

``path_prefix`` restricts a fault to e.g. ``"/rest/v1"`` or ``"/auth/v1"``. Every setter is safe
to call from another thread (the contract tests run the server on its own event loop).
"""

from __future__ import annotations

import asyncio
import json
import threading
from dataclasses import dataclass

from aiohttp import web


@dataclass
class _Pending:
    kind: str  # "fail" | "timeout"
    remaining: int
    status: int
    path_prefix: str
    hang_for: float


class Faults:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: list[_Pending] = []
        self.latency = 0.0
        self.realtime_latency = 0.0
        self.hits: list[tuple[str, str]] = []  # (kind, path) of every request a fault was applied to
        self._release: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._release = asyncio.Event()

    # -- controls -------------------------------------------------------------------------------
    def fail_next(self, n: int = 1, *, status: int = 503, path_prefix: str = "") -> None:
        with self._lock:
            self._pending.append(_Pending("fail", n, status, path_prefix, 0.0))

    def timeout_next(self, n: int = 1, *, path_prefix: str = "", hang_for: float = 60.0) -> None:
        with self._lock:
            self._pending.append(_Pending("timeout", n, 0, path_prefix, hang_for))

    def clear(self) -> None:
        """Forget pending faults, remove latency and release requests being held."""
        with self._lock:
            self._pending.clear()
            self.latency = 0.0
            self.realtime_latency = 0.0
        if self._loop is not None and self._release is not None:
            release = self._release

            def _set() -> None:
                release.set()
                self._release = asyncio.Event()

            try:
                self._loop.call_soon_threadsafe(_set)
            except RuntimeError:
                pass

    def _take(self, path: str) -> _Pending | None:
        with self._lock:
            for p in self._pending:
                if path.startswith(p.path_prefix) and p.remaining > 0:
                    p.remaining -= 1
                    if p.remaining == 0:
                        self._pending.remove(p)
                    self.hits.append((p.kind, path))
                    return p
        return None

    # -- middleware -------------------------------------------------------------------------------
    @web.middleware
    async def middleware(self, request: web.Request, handler):
        if self.latency:
            await asyncio.sleep(self.latency)
        fault = self._take(request.path)
        if fault is None:
            return await handler(request)
        if fault.kind == "fail":
            return _failure(request.path, fault.status)
        # Hold the request without answering, then cut the connection.
        release = self._release
        try:
            if release is not None:
                await asyncio.wait_for(release.wait(), fault.hang_for)
        except asyncio.TimeoutError:
            pass
        if request.transport is not None:
            request.transport.abort()
        return web.Response(status=504)  # never delivered: the connection is already cut


def _failure(path: str, status: int) -> web.Response:
    reason = {502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout", 500: "Internal Server Error"}
    text = reason.get(status, "Error")
    if path.startswith("/rest/"):
        # PostgREST while its pool cannot reach the database (PGRST001, Error.hs).
        body = {"code": "PGRST001", "details": None, "hint": None,
                "message": "Database client error. Retrying the connection."}
    elif path.startswith("/auth/"):
        body = {"code": status, "error_code": "unexpected_failure", "msg": text}
    else:
        body = {"message": text}
    return web.Response(status=status, body=json.dumps(body).encode(), content_type="application/json")

"""Network faults the tests can switch on: failed, hung, slow and unanswered HTTP requests.

The connection-level faults (drop every websocket, refuse new connections for a while, stop and
restart on the same port) act on sockets and live on the server object
(:meth:`.server.FakeSupabase.drop_websockets`, ``refuse_connections``, ``stop``/``start``); this
module holds the per-request ones, applied by an aiohttp middleware around Auth, PostgREST and
the Realtime upgrade:

* ``fail_next(n, status=None, preset=None)`` -- the next *n* matching requests are answered with
  an error *instead of* reaching the service (nothing runs, nothing is written). The body is
  that of the layer that would send it on Supabase (see **Presets** below).
* ``fail_after_commit_next(n, status=504)`` -- the next *n* matching writes (POST, PATCH, PUT,
  DELETE by default) run and commit, and then the answer is lost: replaced by a gateway 504 /
  edge 520 (``status``), or the connection is reset (``status="reset"``). This is the failure
  that makes a retried non-idempotent upload write twice; postgrest-py never retries writes
  (``send_with_retry`` retries GET/HEAD only).
* ``timeout_next(n)`` -- the next *n* matching requests are held without an answer (until the
  client gives up, the fault is cleared, or ``hang_for`` seconds pass, after which the
  connection is cut), so the client sees a read timeout.
* ``latency = seconds`` -- every HTTP request is delayed by that much before it is handled
  (``realtime_latency`` does the same for each message the Realtime socket sends).

``path_prefix`` restricts a fault to e.g. ``"/rest/v1"`` or ``"/auth/v1"``. Every setter is safe
to call from another thread (the contract tests run the server on its own event loop). Paths
under ``/__`` (the control endpoint) are never faulted, so a fault can always be cleared.

**Presets** -- each source of an error on Supabase answers in its own shape, and clients take
different paths for JSON and non-JSON bodies (postgrest-py ``generate_default_error_message``,
supabase-auth ``handle_exception``):

* ``edge`` -- the CDN in front of the project (Cloudflare): an HTML page, ``text/html``, for
  520-526 ("Web server is returning an unknown error", "A timeout occurred", ...), with the
  ``Server: cloudflare`` and ``CF-RAY`` headers. The page text is ours; only its shape is copied.
* ``gateway`` -- the API gateway (Kong): ``{"message": ...}`` with Kong's wording for the status
  (``kong/error_handlers.lua``: 502 "An invalid response was received from the upstream server",
  503 "The upstream server is currently unavailable", 504 "The upstream server is timing out").
* ``postgrest_connection`` / ``postgrest_schema_cache`` / ``postgrest_pool_timeout`` -- PostgREST's
  own ``PGRST001`` 503 "Database client error. Retrying the connection.", ``PGRST002`` 503 "Could
  not query the database for the schema cache. Retrying." and ``PGRST003`` 504 "Timed out
  acquiring connection from connection pool." (``src/library/PostgREST/Error.hs``).
* ``auth_unexpected`` -- GoTrue's ``unexpected_failure`` JSON; ``auth_rate_limit`` -- GoTrue's
  429 ``over_request_rate_limit`` "Request rate limit reached" (``internal/api/middleware.go``)
  with ``Retry-After``.

Without a preset, one is picked from the status and the path: 520-530 ``edge``; 429 under
``/auth`` ``auth_rate_limit``; under ``/rest`` 503 ``postgrest_connection`` and 504
``postgrest_pool_timeout``; other statuses under ``/auth`` ``auth_unexpected``; everything else
``gateway``. An answer lost *after* the commit is lost in front of the service, so
``fail_after_commit_next`` picks ``edge`` for 520-530 and ``gateway`` for anything else.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import threading
from dataclasses import asdict, dataclass
from typing import Callable

from aiohttp import web

WRITE_METHODS = ("POST", "PATCH", "PUT", "DELETE")
CONTROL_PREFIX = "/__"

_KONG = {500: "An unexpected error occurred", 502: "An invalid response was received from the upstream server",
         503: "The upstream server is currently unavailable", 504: "The upstream server is timing out"}
_EDGE = {520: "Web server is returning an unknown error", 521: "Web server is down",
         522: "Connection timed out", 523: "Origin is unreachable", 524: "A timeout occurred",
         525: "SSL handshake failed", 526: "Invalid SSL certificate"}
_REASONS = {429: "Too Many Requests", 500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable",
            504: "Gateway Timeout"}


@dataclass(frozen=True)
class Fault:
    """A ready answer: status, body bytes and headers."""

    status: int
    body: bytes
    content_type: str
    headers: tuple[tuple[str, str], ...] = ()

    def response(self) -> web.Response:
        return web.Response(status=self.status, body=self.body, content_type=self.content_type.split(";")[0],
                            charset="utf-8" if "charset" in self.content_type else None, headers=dict(self.headers))


def _json(status: int, body: dict, headers: tuple[tuple[str, str], ...] = ()) -> Fault:
    return Fault(status, json.dumps(body).encode(), "application/json; charset=utf-8", headers)


def _edge(status: int, retry_after: int | None, api_2024: bool = False) -> Fault:
    title = _EDGE.get(status, "Unknown error")
    ray = secrets.token_hex(8)
    page = (f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>127.0.0.1 | {status}: {title}"
            f"</title></head>\n<body><div id=\"cf-error-details\"><h1>{title}</h1><span>Error code {status}</span>"
            f"<p>The origin web server did not answer this request properly.</p>"
            f"<p>Ray ID: <strong>{ray}</strong></p></div></body></html>\n")
    return Fault(status, page.encode(), "text/html; charset=UTF-8", (("Server", "cloudflare"), ("CF-RAY", f"{ray}-LHR")))


def _gateway(status: int, retry_after: int | None, api_2024: bool = False) -> Fault:
    message = _KONG.get(status, f"The upstream server responded with {status}")
    return _json(status, {"message": message})


def _pgrst(code: str, default_status: int, message: str) -> Callable[..., Fault]:
    def make(status: int, retry_after: int | None, api_2024: bool = False) -> Fault:
        return _json(status, {"code": code, "details": None, "hint": None, "message": message},
                     (("Proxy-Status", f"PostgREST; error={code}"),))
    make.default_status = default_status  # type: ignore[attr-defined]
    return make


def _auth_error(status: int, error_code: str, message: str, headers: list[tuple[str, str]], api_2024: bool) -> Fault:
    """GoTrue's error in the shape the client asked for (``X-Supabase-Api-Version``, errors.go)."""
    headers = [("x-sb-error-code", error_code), *headers]
    if api_2024:
        return _json(status, {"code": error_code, "message": message},
                     (("X-Supabase-Api-Version", "2024-01-01"), *headers))
    return _json(status, {"code": status, "error_code": error_code, "msg": message}, tuple(headers))


def _auth_unexpected(status: int, retry_after: int | None, api_2024: bool = False) -> Fault:
    return _auth_error(status, "unexpected_failure", _REASONS.get(status, "Error"), [], api_2024)


def _auth_rate_limit(status: int, retry_after: int | None, api_2024: bool = False) -> Fault:
    headers = [("Retry-After", str(retry_after))] if retry_after is not None else []
    return _auth_error(status, "over_request_rate_limit", "Request rate limit reached", headers, api_2024)


_edge.default_status = 520  # type: ignore[attr-defined]
_gateway.default_status = 502  # type: ignore[attr-defined]
_auth_unexpected.default_status = 500  # type: ignore[attr-defined]
_auth_rate_limit.default_status = 429  # type: ignore[attr-defined]

PRESETS: dict[str, Callable[..., Fault]] = {
    "edge": _edge,
    "gateway": _gateway,
    "postgrest_connection": _pgrst("PGRST001", 503, "Database client error. Retrying the connection."),
    "postgrest_schema_cache": _pgrst("PGRST002", 503, "Could not query the database for the schema cache. Retrying."),
    "postgrest_pool_timeout": _pgrst("PGRST003", 504, "Timed out acquiring connection from connection pool."),
    "auth_unexpected": _auth_unexpected,
    "auth_rate_limit": _auth_rate_limit,
}


def default_preset(path: str, status: int) -> str:
    """The layer that answers ``status`` for ``path`` on Supabase (see the module docstring)."""
    if 520 <= status <= 530:
        return "edge"
    if path.startswith("/auth/"):
        return "auth_rate_limit" if status == 429 else "auth_unexpected"
    if path.startswith("/rest/"):
        if status == 503:
            return "postgrest_connection"
        if status == 504:
            return "postgrest_pool_timeout"
    return "gateway"


def build_fault(path: str, status: int | None, preset: str | None, retry_after: int | None = None, *,
                api_version: str | None = None) -> Fault:
    """The answer a fault sends; ``ValueError`` for an unknown preset or a status that is no error.

    ``api_version`` is the request's ``X-Supabase-Api-Version`` (GoTrue answers in its shape).
    """
    if preset is not None and preset not in PRESETS:
        raise ValueError(f"unknown preset {preset!r}; known: {', '.join(sorted(PRESETS))}")
    if status is None:
        status = getattr(PRESETS[preset], "default_status", 503) if preset else 503
    if not 400 <= status <= 599:
        raise ValueError(f"status must be an HTTP error status (400-599), not {status}")
    return PRESETS[preset or default_preset(path, status)](status, retry_after, (api_version or "") >= "2024-01-01")


@dataclass
class _Pending:
    kind: str  # "fail" | "timeout" | "after_commit"
    remaining: int
    path_prefix: str
    status: int | None = None
    preset: str | None = None
    retry_after: int | None = None
    hang_for: float = 0.0
    reset: bool = False
    methods: tuple[str, ...] = ()

    def matches(self, method: str, path: str) -> bool:
        return self.remaining > 0 and path.startswith(self.path_prefix) and (not self.methods or method in self.methods)


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
    def fail_next(self, n: int = 1, *, status: int | None = None, preset: str | None = None, path_prefix: str = "",
                  retry_after: int | None = None) -> None:
        """Answer the next `n` requests under `path_prefix` with an error instead of running them.

        `status` (default: the preset's, else 503) and `preset` (edge, gateway,
        postgrest_connection, postgrest_schema_cache, postgrest_pool_timeout, auth_unexpected,
        auth_rate_limit; default: chosen from status and path) decide the body;
        `retry_after` seconds go into Retry-After where the preset sends one.
        """
        build_fault(path_prefix or "/", status, preset, retry_after)  # refuse bad arguments now, not mid-request
        self._add(_Pending("fail", _positive(n), path_prefix, status, preset, retry_after))

    def fail_after_commit_next(self, n: int = 1, *, status: int | str = 504, path_prefix: str = "",
                               methods: list[str] | tuple[str, ...] = WRITE_METHODS, preset: str | None = None) -> None:
        """Let the next `n` successful writes under `path_prefix` commit, then lose their answer.

        `status` is the error the client gets instead (504 from the gateway, 520 from the edge,
        ...; `preset` overrides that choice) or "reset" to cut the connection without an answer. `methods` defaults to the
        writing ones (POST, PATCH, PUT, DELETE).
        """
        reset = status == "reset"
        if not reset:
            if not isinstance(status, int) or isinstance(status, bool):
                raise ValueError(f'status must be an HTTP status or "reset", not {status!r}')
            build_fault(path_prefix or "/", status, preset)
        self._add(_Pending("after_commit", _positive(n), path_prefix, None if reset else status, preset, reset=reset,
                           methods=tuple(m.upper() for m in methods)))

    def timeout_next(self, n: int = 1, *, path_prefix: str = "", hang_for: float = 60.0) -> None:
        """Hold the next `n` requests under `path_prefix` unanswered, then cut them after `hang_for` s."""
        if not hang_for > 0:
            raise ValueError("hang_for must be more than 0 seconds")
        self._add(_Pending("timeout", _positive(n), path_prefix, hang_for=float(hang_for)))

    def set_latency(self, seconds: float = 0.0) -> None:
        """Delay every HTTP request by `seconds` before it is handled (0 turns it off)."""
        self.latency = max(0.0, float(seconds))

    def set_realtime_latency(self, seconds: float = 0.0) -> None:
        """Delay every message the Realtime socket sends by `seconds` (0 turns it off)."""
        self.realtime_latency = max(0.0, float(seconds))

    def _add(self, pending: _Pending) -> None:
        with self._lock:
            self._pending.append(pending)

    def clear(self) -> None:
        """Forget pending faults and the record of hits, remove latency and release held requests."""
        with self._lock:
            self._pending.clear()
            self.hits.clear()
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

    def describe(self) -> dict:
        """What is switched on now (JSON-ready)."""
        with self._lock:
            pending = [{k: v for k, v in asdict(p).items() if v not in (None, (), 0.0, False) or k == "remaining"}
                       for p in self._pending]
        return {"pending": pending, "latency": self.latency, "realtime_latency": self.realtime_latency}

    def _take(self, method: str, path: str, kinds: tuple[str, ...]) -> _Pending | None:
        with self._lock:
            for p in self._pending:
                if p.kind in kinds and p.matches(method, path):
                    p.remaining -= 1
                    if p.remaining == 0:
                        self._pending.remove(p)
                    self.hits.append((p.kind, path))
                    return p
        return None

    # -- middleware -------------------------------------------------------------------------------
    @web.middleware
    async def middleware(self, request: web.Request, handler):
        if request.path.startswith(CONTROL_PREFIX):
            return await handler(request)
        if self.latency:
            await asyncio.sleep(self.latency)
        fault = self._take(request.method, request.path, ("fail", "timeout"))
        if fault is None:
            response = await handler(request)
            if response.status >= 400:
                return response  # nothing was committed: an after-commit fault waits for a write that is
            after = self._take(request.method, request.path, ("after_commit",))
            if after is None:
                return response
            # The handler has run its transaction to the end: the write is committed.
            if after.reset:
                return _cut(request)
            # The service answered; what is lost is lost in front of it, at the gateway or the edge.
            preset = after.preset or ("edge" if 520 <= (after.status or 0) <= 530 else "gateway")
            return build_fault(request.path, after.status, preset, api_version=_api_version(request)).response()
        if fault.kind == "fail":
            return build_fault(request.path, fault.status, fault.preset, fault.retry_after,
                               api_version=_api_version(request)).response()
        # Hold the request without answering, then cut the connection.
        release = self._release
        try:
            if release is not None:
                await asyncio.wait_for(release.wait(), fault.hang_for)
        except asyncio.TimeoutError:
            pass
        return _cut(request)


def _api_version(request: web.Request) -> str | None:
    return request.headers.get("X-Supabase-Api-Version")


def _cut(request: web.Request) -> web.Response:
    """Abort the connection (RST, no answer); the returned response is never delivered."""
    if request.transport is not None:
        request.transport.abort()
    return web.Response(status=504)


def _positive(n: int) -> int:
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"n must be a whole number of requests, 1 or more (got {n!r})")
    return n

"""One PostgREST request of the sync engine, and what its failure means for the engine.

postgrest-py raises ``APIError`` without the HTTP status or headers, and httpx raises its own
transport errors; the engine needs to know which of three things happened, so :func:`execute`
turns every failure into one of:

* :class:`Transient` — try again later: the network (refused, reset, timeout, DNS), any 5xx,
  PGRST000–003 (PostgREST cannot reach its database), 408, 429 (``retry_after`` from the
  ``Retry-After`` header when the server sent one).
* :class:`TokenRefused` — 401 for the JWT (PGRST301 malformed, PGRST303 expired, the
  gateway's "JWT expired"): refresh the session and repeat.
* :class:`Refused` — permanent for this request: RLS (42501), constraints (23xxx), invalid
  values (22xxx), PostgREST's request errors (PGRST1xx/2xx), anything else 4xx. ``reason`` is
  the server's explanation in words, cleaned for a terminal.

The status and headers come from an httpx response hook installed on the client's PostgREST
session (supabase-py builds a new session after every auth event, so the hook is installed
again whenever the session changes); the hook writes to a context variable, which the awaiting
task reads back once ``execute()`` has raised. GET retries inside postgrest-py are switched off
per request: the engine's own backoff decides when to try again.
"""

from __future__ import annotations

import contextvars
import email.utils
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .failures import clean

if TYPE_CHECKING:  # imported when a request runs: the start-up path never loads them
    import httpx
    from postgrest import APIError

_last_response: contextvars.ContextVar["_Seen | None"] = contextvars.ContextVar("track_last_response", default=None)
_HOOKED = "_track_sync_hook"


@dataclass(frozen=True)
class _Seen:
    status: int
    retry_after: float | None


class RestFailure(Exception):
    """Base of the three outcomes below; ``str()`` is one line for a person."""

    def __init__(self, reason: str, *, status: int | None = None, code: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.code = code


class Transient(RestFailure):
    def __init__(self, reason: str, *, status: int | None = None, code: str | None = None,
                 retry_after: float | None = None) -> None:
        super().__init__(reason, status=status, code=code)
        self.retry_after = retry_after


class TokenRefused(RestFailure):
    pass


class Refused(RestFailure):
    pass


def _parse_retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


async def _remember(response: httpx.Response) -> None:
    _last_response.set(_Seen(response.status_code, _parse_retry_after(response.headers.get("retry-after"))))


def _hook(client: Any) -> None:
    session = client.postgrest.session
    if getattr(session, _HOOKED, False):
        return
    hooks = session.event_hooks
    hooks.setdefault("response", []).append(_remember)
    session.event_hooks = hooks
    setattr(session, _HOOKED, True)


async def execute(client: Any, builder: Any) -> list[dict[str, Any]]:
    """Run a postgrest-py builder made from `client`; the rows of the answer (a list, possibly
    empty), or one of the :class:`RestFailure` classes."""
    import httpx
    from postgrest import APIError

    _hook(client)
    if hasattr(builder, "retry"):
        builder = builder.retry(False)
    _last_response.set(None)
    try:
        response = await builder.execute()
    except APIError as exc:
        raise classify(exc, _last_response.get()) from exc
    except (httpx.TransportError, OSError) as exc:
        raise Transient(_network_reason(exc)) from exc
    data = response.data if response is not None else None
    if data is None:
        return []
    return data if isinstance(data, list) else [data]


def _network_reason(exc: BaseException) -> str:
    import httpx

    if isinstance(exc, httpx.TimeoutException):
        return "the project did not answer in time"
    text = str(exc).lower()
    if "refused" in text:
        return "the connection to the project was refused"
    if "name or service" in text or "nodename" in text:
        return "the project's host name could not be found"
    return "the network connection to the project failed"


def classify(exc: APIError, seen: "_Seen | None") -> RestFailure:
    code = str(exc.code or "")
    status = seen.status if seen else (int(code) if code.isdigit() else None)
    message = clean(exc.message or "", 300)
    details = clean(exc.details, 300) if isinstance(exc.details, str) and exc.details and not exc.details.lstrip().startswith("<") else ""
    said = message + (f" ({details})" if details and details not in message else "")
    if code in ("PGRST301", "PGRST302", "PGRST303") or (status == 401 and "jwt" in (exc.message or "").lower()):
        return TokenRefused(f"the session's token was refused ({said or code})", status=status, code=code)
    if code in ("PGRST000", "PGRST001", "PGRST002", "PGRST003") or code == "57014" or (status is not None and (status >= 500 or status in (408, 429))):
        if status == 429:
            why = "the project is rate limiting requests"
        elif code == "57014":
            why = "the project's database timed out on the request"
        elif status is not None and 520 <= status <= 530:
            why = f"the project's edge answered HTTP {status} (Supabase may be restarting or paused)"
        else:
            why = f"the project answered HTTP {status or '5xx'}" + (f": {said}" if said and not said.lower().startswith("request failed") else "")
        return Transient(why, status=status, code=code, retry_after=seen.retry_after if seen else None)
    if code == "42501":
        return Refused(f"not allowed by the workspace's permissions (row-level security): {message}" if message
                       else "not allowed by the workspace's permissions (row-level security)", status=status, code=code)
    if code.startswith("23"):
        kind = {"23505": "it would duplicate an existing record", "23503": "it refers to a record that does not exist",
                "23502": "a required value is missing", "23514": "a value breaks one of the database's rules"}.get(code, "it breaks a database constraint")
        return Refused(f"the server refused it: {kind} ({said})", status=status, code=code)
    if code.startswith("22"):
        return Refused(f"the server refused a value: {said}", status=status, code=code)
    return Refused(f"the server refused it ({code or status}): {said}" if said else f"the server refused it ({code or status})",
                   status=status, code=code)

"""What one Realtime message means for the cache, without any I/O (see :mod:`.live`).

* :func:`classify` -- a ``postgres_changes`` payload is a complete row to apply, an id to fetch
  (an UPDATE missing columns its ``columns`` list names: TOASTed values left out; or ``errors``
  set: a record over 1 MiB truncated to its small values), a reason for a catch-up pull (a change
  that cannot be named), or nothing (DELETE: tombstones carry deletes).
* :class:`HintBatch` -- the hints gathered for one table until the feed hands them over: the
  last record per id, and the ids to fetch, a later hint for an id replacing an earlier one.
* :class:`SessionEnded`, :func:`channel_ended`, :func:`refused_for_rate` -- why a realtime
  session stopped, in words fit for the status line (drawn safe: the server's words can hold
  terminal escapes), and whether the server refused for a rate limit (then the supervisor waits
  longer).
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass, field
from typing import Any, Mapping

from ..safe_text import safe_line

RATE_LIMIT_MARK = "RateLimitReached"  # ChannelRateLimitReached, ClientJoinRateLimitReached, ...


class SessionEnded(Exception):
    """Why one connection session stopped (its text is the ``problem`` shown as offline)."""

    def __init__(self, problem: str, *, rate_limited: bool = False, half_open: bool = False) -> None:
        super().__init__(problem)
        self.problem = problem
        self.rate_limited = rate_limited
        self.half_open = half_open


def channel_ended(state: str, err: BaseException | None) -> SessionEnded:
    """The end of a session for a channel state: the server's reason as the problem, and whether
    it names a rate limit (``ChannelRateLimitReached``, ``ClientJoinRateLimitReached``, ...)."""
    if err is not None:
        text = str(err)
        with contextlib.suppress(ValueError, TypeError, AttributeError):
            reason = json.loads(text)  # realtime-py wraps the server's payload as JSON text
            text = str(reason.get("reason") or reason.get("message") or text)
        problem = _one_line(text or type(err).__name__)
    else:
        problem = f"realtime channel {state.lower().replace('_', ' ')}"
    return SessionEnded(problem, rate_limited=RATE_LIMIT_MARK in problem)


def refused_for_rate(err: BaseException) -> bool:
    """A websocket upgrade answered 429 (Realtime's joins/s or connections quota)."""
    response = getattr(err, "response", None)
    return getattr(response, "status_code", None) == 429 or RATE_LIMIT_MARK in str(err)


@dataclass
class HintBatch:
    """Hints gathered for one table until the next flush: the last record per id, ids to fetch."""

    rows: dict[str, dict] = field(default_factory=dict)
    fetch: dict[str, None] = field(default_factory=dict)  # ordered set

    def add(self, action: str, row_id: str, record: dict | None) -> None:
        """One classified hint ("rows" or "fetch") for ``row_id``; the latest one wins."""
        if action == "fetch":
            self.rows.pop(row_id, None)
            self.fetch[row_id] = None
        else:
            self.fetch.pop(row_id, None)
            self.rows[row_id] = record or {}


def classify(payload: Mapping[str, Any]) -> tuple[str, str | None, dict | None]:
    """What one ``postgres_changes`` payload asks for: ("rows", id, record), ("fetch", id, None),
    ("catch_up", None, None) when a change cannot be named, or ("ignore", None, None).

    A record is complete when it has every column the payload's ``columns`` lists and no
    ``errors``; a server that sends no ``columns`` is trusted (the cache keeps columns a record
    leaves out, see store/server_rows.py, so trusting it never erases a value).
    """
    data = payload.get("data") if isinstance(payload, Mapping) else None
    if not isinstance(data, Mapping):
        return "ignore", None, None
    kind = data.get("type") or data.get("eventType") or ""
    kind = str(getattr(kind, "value", kind)).upper()  # realtime-py hands over its own enum
    if kind not in ("INSERT", "UPDATE"):
        return "ignore", None, None  # DELETE: tombstones carry deletes
    record = data.get("record")
    if not isinstance(record, Mapping):
        return "catch_up", None, None
    raw_id = record.get("id")  # a uuid on every synced table; sync_tombstones counts with a bigint
    if isinstance(raw_id, bool) or not isinstance(raw_id, (str, int)) or raw_id == "":
        return "catch_up", None, None
    row_id = str(raw_id)
    if data.get("errors"):
        return "fetch", row_id, None
    columns = data.get("columns")
    if isinstance(columns, list):
        names = {c.get("name") for c in columns if isinstance(c, Mapping)}
        if not names.issubset(record.keys()):
            return "fetch", row_id, None
    return "rows", row_id, dict(record)


def describe_error(err: BaseException) -> str:
    """The error as one printable line."""
    return _one_line(str(err).strip() or type(err).__name__)


def _one_line(text: str) -> str:
    """One printable line (the server's words can hold anything: drawn safe, kept short)."""
    return safe_line(" ".join(text.split())[:300])

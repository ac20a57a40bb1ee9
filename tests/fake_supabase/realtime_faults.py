"""Realtime's limits and the ways it loses events, switchable while the test server runs.

Each control is a plain method of :class:`RealtimeFaults` (``server.realtime.faults``) taking
JSON-friendly arguments and returning a JSON-friendly dict, safe to call from any thread --
including the server's own event loop, so a control endpoint can call them from a request
handler. :data:`REALTIME_FAULTS` names them for such an endpoint and
:meth:`RealtimeFaults.register_with` hands them to one (a registry with ``register``,
``add_state`` and ``on_reset``). :meth:`RealtimeFaults.clear` restores every default.

What each one reproduces (supabase/realtime sources):

* ``drop_next(n)`` -- the next *n* ``postgres_changes`` pushes are never sent (the at-most-once
  delivery every client must survive; docs "Realtime doesn't guarantee every message gets
  delivered").
* ``rate_limit(events_per_second)`` -- the tenant's events-per-second limit (Free plan 100/s;
  ``Tenants.db_events_per_second_rate``). Once the rate over the window reaches the limit, whole
  poll batches are skipped (``replication_poller.ex``: ``limit: %{triggered: true}`` -> the rows
  are dropped, not queued), and with ``close_channels`` every channel that is sent a message while
  the limit is reached is shut down with the system error "Too many messages per second"
  (``realtime_channel.ex`` ``handle_info(:update_rate_counter)`` -> ``shutdown_response``).
* ``cdc_restart(gap_seconds)`` -- the replication poller dies and comes back
  (``postgres_cdc_rls_down``): the temporary slot is dropped, so every change not yet polled and
  every change committed during the gap is lost, then each subscribed channel is sent "Subscribed
  to PostgreSQL" again (``realtime_channel.ex`` ``:postgres_subscribe``).
* ``set_subscribe_delay(seconds)`` -- the join is acknowledged at once but "Subscribed to
  PostgreSQL" (and the first change) only comes after the subscription round trip (1-3 s while
  CDC starts; ``postgres_subscribe(1, 3)``); changes polled before it are not sent to the channel.
* ``freeze_websockets()`` -- a half-open connection (laptop sleep, NAT timeout): the open
  sockets stay established but nothing more is read or written -- no replies, no change events,
  no pongs, no close frame. realtime-py ignores heartbeat replies, so only the websockets
  keepalive (about 40 s) can notice. Frozen sockets are cut by ``drop_websockets`` or a server
  stop, and are exempt from the idle timeout.
* ``set_idle_timeout(seconds)`` -- the server closes a socket that sent no frame for that long
  (default 60 s, Phoenix's websocket ``timeout``) with close code 1000, as cowboy does on idle
  (``cowboy_websocket.erl`` ``websocket_send_close``: timeout -> 1000).
* ``drain_websockets(code=1001)`` -- the server asks every client to go: each joined channel is
  sent ``system`` ``{"extension": "system", "status": "ok", "message": "Server requested
  disconnect"}`` (no ``channel`` key, as ``user_socket.ex`` ``disconnect/1`` sends it, so
  realtime-py's message model rejects it), then the socket is closed with ``code`` (1001 going
  away; the current Phoenix drain sends 1012, which the client treats as an error close).
* ``set_channel_limit(n)`` -- channels per connection (default 100, ``max_channels_per_client``):
  one more join is refused with "ChannelRateLimitReached: Too many channels" (``limit_channels``).
* ``set_join_rate_limit(joins_per_second)`` -- the tenant's joins/s limit: a join over it is
  refused with "ClientJoinRateLimitReached: Too many joins per second" and the socket is closed
  (``limit_joins`` + ``disconnect``); while it holds, new websocket upgrades get HTTP 429 ``{"error":
  "Too many joins per second"}`` (``user_socket.ex`` ``TenantRateLimiters.check_tenant``).
* ``fail_next_join(n, reason)`` -- the next *n* joins are refused with a transient reason the
  real service sends (``realtime_channel.ex`` join/3 ``else`` branch), e.g. ``RealtimeRestarting``
  or ``InitializingProjectConnection``; realtime-py rejoins after 1/2/5/10 s, or 30 s for
  ``*RateLimitReached`` reasons (``_async/channel.py``).
* ``set_max_record_bytes(n)`` -- the size over which a change is sent truncated with
  ``errors: ["Error 413: Payload Too Large"]`` (default 1 MiB, ``db_settings.ex``).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:
    from .realtime import RealtimeService

JOIN_ERRORS = {
    "RealtimeRestarting": "RealtimeRestarting: Realtime is restarting, please standby",
    "InitializingProjectConnection": "InitializingProjectConnection: Realtime is initializing the project connection",
    "UnableToConnectToProject": "UnableToConnectToProject: Realtime was unable to connect to the project database",
    "DatabaseConnectionRateLimitReached":
        "DatabaseConnectionRateLimitReached: Too many database connections attempts per second",
    "DatabaseLackOfConnections":
        "DatabaseLackOfConnections: Database can't accept more connections, Realtime won't connect",
    "IncreaseConnectionPool": "IncreaseConnectionPool: Please increase your connection pool size",
    "ConnectionRateLimitReached": "ConnectionRateLimitReached: Too many connected users",
    "ChannelRateLimitReached": "ChannelRateLimitReached: Too many channels",
    "ClientJoinRateLimitReached": "ClientJoinRateLimitReached: Too many joins per second",
    "TimeoutOnRpcCall": "TimeoutOnRpcCall: Node request timeout",
    "TenantNotFound": "TenantNotFound: Tenant with the given ID does not exist",
    "UnknownErrorOnChannel": "Unknown Error on Channel",
}
# Reasons after which Realtime also tells the socket to disconnect.
DISCONNECTING_JOIN_ERRORS = frozenset({"ClientJoinRateLimitReached", "TenantNotFound"})


@dataclass
class RealtimeLimits:
    """Every knob, with its default (the real service's where one exists, fast for tests otherwise)."""

    subscribe_delay: float = 0.05          # join reply -> "Subscribed to PostgreSQL"
    idle_timeout: float = 60.0             # Phoenix websocket timeout
    max_channels_per_client: int = 100
    max_joins_per_second: int | None = None   # off unless set (real tenants: 100/s)
    join_window: float = 1.0
    max_events_per_second: int | None = None  # off unless set (Free plan: 100/s)
    close_channels_over_rate: bool = True
    rate_window: float = 1.0
    max_record_bytes: int = 1024 * 1024
    poll_interval: float = 0.02            # Realtime: poll_interval_ms 100
    max_changes: int = 100                 # poll_max_changes


class RateWindow:
    """Events counted over a sliding window; "triggered" once the rate reaches the limit."""

    def __init__(self) -> None:
        self._events: deque[tuple[float, int]] = deque()

    def add(self, n: int = 1, now: float | None = None) -> None:
        self._events.append((time.monotonic() if now is None else now, n))

    def rate(self, window: float, now: float | None = None) -> float:
        now = time.monotonic() if now is None else now
        while self._events and self._events[0][0] <= now - window:
            self._events.popleft()
        return sum(n for _, n in self._events) / window

    def clear(self) -> None:
        self._events.clear()


def _count(value: Any, what: str, *, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{what} must be a whole number >= {minimum}, not {value!r}")
    return value


def _seconds(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0 or value != value:
        raise ValueError(f"{what} must be a number of seconds >= 0, not {value!r}")
    return float(value)


def _optional_count(value: Any, what: str) -> int | None:
    return None if value is None else _count(value, what, minimum=1)


@dataclass
class RealtimeStats:
    """What the faults did, for tests that want to see it happen."""

    dropped: int = 0          # pushes dropped by drop_next
    rate_limited: int = 0     # changes skipped while the events/s limit held
    rate_closed: int = 0      # channels shut with "Too many messages per second"
    cdc_restarts: int = 0
    cdc_discarded: int = 0    # changes polled, then thrown away by a change-capture restart
    joins_refused: int = 0
    upgrades_refused: int = 0
    idle_closed: int = 0


class RealtimeFaults:
    """The controls above, plus what the Realtime service asks before it acts."""

    def __init__(self, service: "RealtimeService") -> None:
        self._service = service
        self._lock = threading.Lock()
        self.limits = RealtimeLimits()
        self.stats = RealtimeStats()
        self._drops = 0
        self._join_failures: deque[str] = deque()
        self._events = RateWindow()
        self._joins = RateWindow()

    # -- controls ---------------------------------------------------------------------------------
    def drop_next(self, n: int = 1) -> dict:
        """Never send the next ``n`` postgres_changes pushes (counted per socket message)."""
        n = _count(n, "n", minimum=1)
        with self._lock:
            self._drops += n
            return {"pending_drops": self._drops}

    def rate_limit(self, events_per_second: int | None, close_channels: bool = True,
                   window_seconds: float = 1.0) -> dict:
        """The tenant's events/s limit (None: off): skip poll batches, optionally shut channels."""
        limit = _optional_count(events_per_second, "events_per_second")
        window = _seconds(window_seconds, "window_seconds")
        if window == 0:
            raise ValueError("window_seconds must be > 0")
        with self._lock:
            self.limits.max_events_per_second = limit
            self.limits.close_channels_over_rate = bool(close_channels)
            self.limits.rate_window = window
            self._events.clear()
        return {"max_events_per_second": limit, "close_channels": bool(close_channels), "window_seconds": window}

    def cdc_restart(self, gap_seconds: float = 1.0) -> dict:
        """Drop the replication slot now, lose every change for ``gap_seconds``, then resubscribe."""
        gap = _seconds(gap_seconds, "gap_seconds")
        self._service.restart_change_capture(gap)
        return {"gap_seconds": gap}

    def set_subscribe_delay(self, seconds: float) -> dict:
        """Time from the join reply to "Subscribed to PostgreSQL" (changes before it are lost)."""
        self.limits.subscribe_delay = _seconds(seconds, "seconds")
        return {"subscribe_delay": self.limits.subscribe_delay}

    def freeze_websockets(self) -> dict:
        """Make every open socket half-open: silent both ways, no pongs, no close."""
        return {"frozen": self._service.freeze_sockets()}

    def set_idle_timeout(self, seconds: float) -> dict:
        """Close (code 1000) sockets that sent no frame for ``seconds`` (default 60)."""
        seconds = _seconds(seconds, "seconds")
        if seconds == 0:
            raise ValueError("seconds must be > 0")
        self.limits.idle_timeout = seconds
        return {"idle_timeout": seconds}

    def drain_websockets(self, code: int = 1001) -> dict:
        """Send "Server requested disconnect" on every joined channel, then close with ``code``."""
        code = _count(code, "code", minimum=1000)
        if code > 4999:
            raise ValueError(f"code must be a websocket close code (1000-4999), not {code}")
        return {"draining": self._service.drain_sockets(code)}

    def set_channel_limit(self, channels_per_connection: int) -> dict:
        """Channels one socket may join (default 100); one more gets ChannelRateLimitReached."""
        self.limits.max_channels_per_client = _count(channels_per_connection, "channels_per_connection", minimum=1)
        return {"max_channels_per_client": self.limits.max_channels_per_client}

    def set_join_rate_limit(self, joins_per_second: int | None, window_seconds: float = 1.0) -> dict:
        """The tenant's joins/s limit (None: off): refuse joins and websocket upgrades over it."""
        limit = _optional_count(joins_per_second, "joins_per_second")
        window = _seconds(window_seconds, "window_seconds")
        if window == 0:
            raise ValueError("window_seconds must be > 0")
        with self._lock:
            self.limits.max_joins_per_second = limit
            self.limits.join_window = window
            self._joins.clear()
        return {"max_joins_per_second": limit, "window_seconds": window}

    def fail_next_join(self, n: int = 1, reason: str = "RealtimeRestarting") -> dict:
        """Refuse the next ``n`` joins with ``reason`` (a code from JOIN_ERRORS, or the full text)."""
        n = _count(n, "n", minimum=1)
        if not isinstance(reason, str) or not reason.strip():
            raise ValueError(f"reason must be a non-empty string, not {reason!r}")
        with self._lock:
            self._join_failures.extend([reason.strip()] * n)
            return {"pending_join_failures": len(self._join_failures)}

    def set_max_record_bytes(self, n: int) -> dict:
        """Changes whose WAL record is over ``n`` bytes arrive truncated with Error 413."""
        self.limits.max_record_bytes = _count(n, "n", minimum=1)
        return {"max_record_bytes": self.limits.max_record_bytes}

    def status(self) -> dict:
        """Current limits, pending faults and counters."""
        with self._lock:
            return {"limits": asdict(self.limits), "stats": asdict(self.stats), "pending_drops": self._drops,
                    "pending_join_failures": list(self._join_failures)}

    def clear(self) -> dict:
        """Every default back, nothing pending (counters kept). Frozen sockets stay frozen."""
        with self._lock:
            self.limits = RealtimeLimits()
            self._drops = 0
            self._join_failures.clear()
            self._events.clear()
            self._joins.clear()
        return {"cleared": True}

    def register_with(self, registry) -> list[str]:
        """Offer every control through a fault registry (``register``/``add_state``/``on_reset``).

        Bound methods under :data:`REALTIME_FAULTS`' names, :meth:`status` as the ``realtime``
        state, :meth:`clear` as a reset hook. Returns the names registered.
        """
        for name, fn in REALTIME_FAULTS.items():
            registry.register(name, getattr(self, fn.__name__))
        registry.add_state("realtime", self.status)
        registry.on_reset(self.clear)
        return list(REALTIME_FAULTS)

    # -- asked by the service (on its event loop) --------------------------------------------------
    def take_drop(self) -> bool:
        with self._lock:
            if self._drops > 0:
                self._drops -= 1
                self.stats.dropped += 1
                return True
            return False

    def take_join_failure(self) -> tuple[str, bool] | None:
        """(reason text, whether the socket is disconnected too) for the next refused join."""
        with self._lock:
            if not self._join_failures:
                return None
            code = self._join_failures.popleft()
            self.stats.joins_refused += 1
        return JOIN_ERRORS.get(code, code), code in DISCONNECTING_JOIN_ERRORS

    def events_limited(self) -> bool:
        limit = self.limits.max_events_per_second
        with self._lock:
            return limit is not None and self._events.rate(self.limits.rate_window) >= limit

    def count_event(self, n: int = 1) -> None:
        if self.limits.max_events_per_second is not None:
            with self._lock:
                self._events.add(n)

    def joins_limited(self) -> bool:
        limit = self.limits.max_joins_per_second
        with self._lock:
            return limit is not None and self._joins.rate(self.limits.join_window) >= limit

    def count_join(self) -> None:
        if self.limits.max_joins_per_second is not None:
            with self._lock:
                self._joins.add(1)


#: control name -> unbound method, for a control endpoint (names follow the server's own controls:
#: no ``set_`` prefix). Call as ``REALTIME_FAULTS[name](server.realtime.faults, **json_args)``;
#: :meth:`RealtimeFaults.status` and :meth:`RealtimeFaults.clear` are its state and its reset.
REALTIME_FAULTS: dict[str, Callable[..., dict]] = {
    "drop_next": RealtimeFaults.drop_next,
    "rate_limit": RealtimeFaults.rate_limit,
    "cdc_restart": RealtimeFaults.cdc_restart,
    "subscribe_delay": RealtimeFaults.set_subscribe_delay,
    "freeze_websockets": RealtimeFaults.freeze_websockets,
    "idle_timeout": RealtimeFaults.set_idle_timeout,
    "drain_websockets": RealtimeFaults.drain_websockets,
    "channel_limit": RealtimeFaults.set_channel_limit,
    "join_rate_limit": RealtimeFaults.set_join_rate_limit,
    "fail_next_join": RealtimeFaults.fail_next_join,
    "max_record_bytes": RealtimeFaults.set_max_record_bytes,
}

"""Realtime hints for one workspace, and the supervisor that keeps their connection alive.

:class:`LiveFeed` subscribes one channel per workspace to ``postgres_changes`` on every synced
table, filtered by ``workspace_id=eq.<id>`` (``workspaces`` by its ``id``; ``profiles``, which
have no workspace, unfiltered and left to RLS), through supabase-py's realtime client, and turns
what arrives into three calls for the sync engine:

* ``on_rows(table, records)`` -- INSERT/UPDATE events whose record is complete, batched per
  table until the feed has been quiet for ``batch_quiet`` (12 ms; at most ``batch_window``,
  50 ms): a bulk edit on the web app arrives as one call, not hundreds;
* ``on_fetch(table, ids)`` -- events whose record cannot be trusted as the whole row: an UPDATE
  leaves unchanged TOASTed columns out of ``record`` (the payload's ``columns`` still lists them),
  and a change over 1 MiB arrives with ``errors`` set and only its small values. Upserting such
  a record would erase the big columns, so the engine fetches those rows by id instead;
* ``on_subscribed()`` -- after every successful join and every "Subscribed to PostgreSQL"
  (first join, every rejoin, and a change-capture restart that re-announces it on a channel
  that never noticed anything): Realtime keeps no queue, so whatever was committed while the
  feed was away, or in the seconds before the database subscription, is only found by a
  catch-up pull. Calls are coalesced: one runs at a time, and requests made while it runs
  cause exactly one more.

DELETE events are ignored: a filtered subscription never receives them (the filter column is
not in ``old_record``), and the server's tombstones carry deletes through the pull. What a
payload asks for is decided by :func:`.live_hints.classify` (no I/O; tested on its own).

``on_state(state, problem)`` says how the connection stands: "connecting" when a session starts,
"live" once Realtime has subscribed to the database ("Subscribed to PostgreSQL", or
``subscribe_grace`` after the join on a server that never says it), "offline" with the reason
in words while the supervisor waits to try again.

Events are hints, never the truth; the engine applies them by ``version``, and its pulls repair
whatever Realtime lost (rate limits, change-capture restarts, the subscribe window, drops).

Why a supervisor
----------------
realtime-py reconnects by itself only ``max_retries`` times and then raises inside a background
task nobody awaits; it retries refused joins on its own fixed schedule; and it sends heartbeats
but never reads their replies, so a half-open socket (laptop sleep, a NAT that forgot us, the
double's ``freeze_websockets``) looks SUBSCRIBED while every event is lost, until the websockets
keepalive gives up about 40 s later. So the feed owns the connection: during :meth:`run` the
library's own reconnecting is switched off (``auto_reconnect = False``; two retry loops on one
socket would race), and each *session* is

1. take the current access token (``auth.get_session()``, which refreshes a token that expired
   during sleep) and hand it to the socket (``realtime.set_auth``);
2. connect, join the channel, wait for SUBSCRIBED;
3. watch: any CHANNEL_ERROR, CLOSED or TIMED_OUT (socket closed by the server for idleness or a
   drain, the channel shut for "Too many messages per second" or an expired token, a refused
   join) ends the session, and so does silence (below);
4. tear down: the channel is forgotten, the socket closed (aborted when it is half-open, since a
   close handshake would wait for an answer that never comes), anything the library buffered
   for the dead socket is thrown away;
5. back off with jitter -- ``initial_backoff`` doubling to ``max_backoff``, each delay drawn
   from [d/2, d] so many clients refused at once (a Realtime restart, a joins/s quota) do not
   come back in step; a refusal that names a rate limit (``*RateLimitReached``) waits at least
   ``rate_limited_backoff``. The doubling starts over once a session stayed live for
   ``stable_after`` seconds.

Half-open detection bound
-------------------------
Every ``silence_timeout / 4`` seconds the watchdog sends a websocket ping (answered by the
server's websocket layer, cowboy on Supabase, without involving the channel). Any pong, change
or system message is a sign of life. When nothing has been heard for ``silence_timeout``
seconds the socket is declared half-open and the session restarts: a connection that went
silent is detected at most ``silence_timeout * 1.25`` seconds after its last sign of life
(15 s with the default 12 s). The pings also keep Phoenix's 60 s idle timeout from closing
a quiet connection. Before the watchdog starts, a join that gets no answer (connect, join reply,
token refresh) is given up after ``join_timeout`` (20 s).

Hints wait in a bounded queue (``max_pending_hints``): an engine that falls that far behind
gets one catch-up pull instead of an ever-growing queue.

Tokens
------
supabase-py forwards every auth event's token to its realtime client, and the feed also listens
(``on_auth_state_change``: TOKEN_REFRESHED, SIGNED_IN, USER_UPDATED) and calls
:meth:`set_auth`, so a refreshed token reaches the joined channel (an ``access_token`` push) and
every later join. A channel shut because its token expired is rejoined by the next session with
a fresh token.

The client's realtime connection belongs to the feed while :meth:`run` runs: a session restart
closes that socket, so other channels must not share it.

Nothing here imports Textual; the callbacks run on the network runtime's loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import random
import time
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Mapping, Sequence

from .live_hints import (
    HintBatch, SessionEnded, channel_ended, classify, describe_error, refused_for_rate,
)

if TYPE_CHECKING:
    from supabase import AsyncClient

log = logging.getLogger(__name__)

CONNECTING, LIVE, OFFLINE = "connecting", "live", "offline"
SUBSCRIBED_TO_POSTGRES = "Subscribed to PostgreSQL"
TOKEN_EVENTS = frozenset({"TOKEN_REFRESHED", "SIGNED_IN", "USER_UPDATED"})
# Synced tables without a `workspace_id` column: a filter on a column the table lacks is refused
# by Realtime (the channel would error forever). `workspaces` is scoped by its own id; `profiles`
# belong to people, not workspaces, and RLS already limits them to co-members, so unfiltered.
SCOPE_COLUMNS: dict[str, str | None] = {"workspaces": "id", "profiles": None}
CLOSE_TIMEOUT = 1.0  # seconds a polite close may take before the socket is cut


class LiveFeed:
    """Realtime hints for one workspace; :meth:`run` until cancelled (see the module docstring)."""

    def __init__(
        self,
        client: "AsyncClient",
        workspace_id: str,
        tables: Sequence[str],
        *,
        on_rows: Callable[[str, list[dict]], Awaitable[None] | None],
        on_fetch: Callable[[str, list[str]], Awaitable[None] | None],
        on_subscribed: Callable[[], Awaitable[None] | None],
        on_state: Callable[[str, str | None], None],
        silence_timeout: float = 12.0,
        clock: Callable[[], float] = time.monotonic,
        batch_window: float = 0.05,
        batch_quiet: float = 0.012,
        initial_backoff: float = 0.5,
        max_backoff: float = 30.0,
        rate_limited_backoff: float = 10.0,
        stable_after: float = 30.0,
        subscribe_grace: float = 10.0,
        join_timeout: float = 20.0,
        max_pending_hints: int = 10_000,
        rng: random.Random | None = None,
    ) -> None:
        if silence_timeout <= 0:
            raise ValueError("silence_timeout must be > 0")
        self.client = client
        self.workspace_id = workspace_id
        self.tables = tuple(tables)
        self.topic = f"workspace:{workspace_id}"
        self._on_rows, self._on_fetch = on_rows, on_fetch
        self._on_subscribed, self._on_state = on_subscribed, on_state
        self.silence_timeout = silence_timeout
        self.clock = clock
        self.batch_window, self.batch_quiet = batch_window, min(batch_quiet, batch_window)
        self.initial_backoff, self.max_backoff = initial_backoff, max_backoff
        self.rate_limited_backoff = rate_limited_backoff
        self.stable_after = stable_after
        self.subscribe_grace = subscribe_grace
        self.join_timeout = join_timeout
        self.max_pending_hints = max_pending_hints
        self._rng = rng or random.Random()
        # What the sessions report, for tests and the status line.
        self.sessions = 0
        self.half_open_detected = 0
        self.state: str | None = None
        self.problem: str | None = None
        # Per run().
        self._signals: asyncio.Queue | None = None
        self._changes: asyncio.Queue | None = None
        self._catch_up = asyncio.Event()
        self._last_alive = 0.0
        self._token_tasks: set[asyncio.Task] = set()
        self._channel = None
        self._running = False

    # -- public ---------------------------------------------------------------------------------
    def set_auth(self, token: str | None) -> None:
        """Give the socket a refreshed access token (the joined channel and every later join)."""
        if not token:
            return
        try:
            task = asyncio.get_running_loop().create_task(self._push_token(token))
        except RuntimeError:  # no loop running: the next session reads the session's token
            return
        self._token_tasks.add(task)
        task.add_done_callback(self._token_tasks.discard)

    async def run(self) -> None:
        """Keep the feed connected until cancelled; network trouble is retried, never raised."""
        if self._running:
            raise RuntimeError("LiveFeed.run() is already running")
        self._running = True
        rt = self.client.realtime
        saved_reconnect = rt.auto_reconnect
        rt.auto_reconnect = False
        self._signals, self._changes = asyncio.Queue(), asyncio.Queue(self.max_pending_hints)
        helpers = [asyncio.create_task(self._dispatch(), name=f"live-dispatch:{self.workspace_id}"),
                   asyncio.create_task(self._catch_up_runner(), name=f"live-catch-up:{self.workspace_id}")]
        auth_sub = self.client.auth.on_auth_state_change(self._on_auth_event)
        failures = 0
        try:
            while True:
                started = self.clock()
                ended = await self._session()
                if self.clock() - started >= self.stable_after:
                    failures = 0
                failures += 1
                delay = self._backoff(failures, ended)
                self._set_state(OFFLINE, ended.problem)
                log.info("realtime for %s: %s; next attempt in %.2fs", self.workspace_id, ended.problem, delay)
                await asyncio.sleep(delay)
        finally:
            with contextlib.suppress(Exception):
                auth_sub.unsubscribe()
            tasks = helpers + list(self._token_tasks)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await asyncio.shield(self._teardown(polite=True))
            rt.auto_reconnect = saved_reconnect
            self._running = False

    def filter_for(self, table: str) -> str | None:
        """The binding's filter: the workspace's rows only (see SCOPE_COLUMNS for the exceptions)."""
        if table in SCOPE_COLUMNS:
            column = SCOPE_COLUMNS[table]
            return None if column is None else f"{column}=eq.{self.workspace_id}"
        return f"workspace_id=eq.{self.workspace_id}"

    # -- one session ----------------------------------------------------------------------------
    async def _session(self) -> SessionEnded:
        """Connect, join, watch; returns why it ended (after tearing it down)."""
        self.sessions += 1
        self._set_state(CONNECTING, None)
        assert self._signals is not None
        while not self._signals.empty():  # what the last session's channel said is stale
            self._signals.get_nowait()
        ended: SessionEnded | None = None
        try:
            try:
                async with asyncio.timeout(self.join_timeout):
                    await self._join()
            except TimeoutError:
                raise SessionEnded(f"no answer to the realtime join within {self.join_timeout:g} s") from None
            ended = await self._watch()
        except SessionEnded as err:
            ended = err
        except asyncio.CancelledError:
            raise
        except Exception as err:  # noqa: BLE001 - every network failure shape ends the session
            ended = SessionEnded(describe_error(err), rate_limited=refused_for_rate(err))
        finally:
            polite = ended is None or not ended.half_open
            await asyncio.shield(self._teardown(polite=polite))
        return ended

    async def _join(self) -> None:
        session = await self.client.auth.get_session()
        if session is None or not session.access_token:
            raise SessionEnded("not signed in")
        rt = self.client.realtime
        await rt.set_auth(session.access_token)
        await rt.connect()
        channel = self.client.channel(self.topic)
        self._channel = channel
        for table in self.tables:
            channel.on_postgres_changes("*", self._on_change, table=table, filter=self.filter_for(table))
        channel.on_system(self._on_system)
        self._last_alive = self.clock()
        await channel.subscribe(self._on_subscribe_state)

    async def _watch(self) -> SessionEnded:
        """Follow the channel's signals and the silence watchdog until something ends the session."""
        assert self._signals is not None
        tick = self.silence_timeout / 4
        joined_at: float | None = None
        announced = False
        live_since: float | None = None
        pong: asyncio.Future | None = None
        while True:
            wait = tick
            if joined_at is not None and not announced:  # wake for the end of the grace, too
                wait = max(0.0, min(tick, joined_at + self.subscribe_grace - self.clock()))
            kind, value, err = await _get(self._signals, wait) or (None, None, None)
            now = self.clock()
            if kind == "state":
                if value == "SUBSCRIBED":
                    joined_at = now
                    self._request_catch_up()
                elif value in ("CHANNEL_ERROR", "CLOSED", "TIMED_OUT"):
                    raise channel_ended(value, err)
            elif kind == "system":
                if value == SUBSCRIBED_TO_POSTGRES:
                    announced = True
                    self._request_catch_up()
                    if live_since is None:
                        live_since = now
                        self._set_state(LIVE, None)
            # The database subscription never announced itself (another server version): live anyway.
            if joined_at is not None and not announced and now - joined_at >= self.subscribe_grace:
                announced = True
                self._request_catch_up()
                live_since = live_since or now
                self._set_state(LIVE, None)
            # The watchdog: a pong or any message is a sign of life.
            if pong is not None and pong.done():
                if not pong.cancelled() and pong.exception() is None:
                    self._last_alive = max(self._last_alive, now)
                pong = None
            if now - self._last_alive > self.silence_timeout:
                self.half_open_detected += 1
                raise SessionEnded(f"no answer from the server for {self.silence_timeout:g} s (connection lost)",
                                   half_open=True)
            if pong is None:
                pong = await self._ping(tick)

    async def _ping(self, timeout: float) -> asyncio.Future | None:
        ws = self.client.realtime._ws_connection  # realtime-py keeps the websockets connection here
        if ws is None:
            raise SessionEnded("realtime connection closed")
        try:
            async with asyncio.timeout(timeout):
                waiter = await ws.ping()
        except TimeoutError:
            return None  # the write itself is stuck: the silence check decides
        except Exception as err:  # noqa: BLE001 - ConnectionClosed and friends
            raise SessionEnded(describe_error(err)) from None
        waiter.add_done_callback(lambda f: f.cancelled() or f.exception() is not None or self._alive())
        return waiter

    async def _teardown(self, *, polite: bool) -> None:
        """Forget the channel and close the socket, never waiting on a dead one."""
        rt = self.client.realtime
        channel, self._channel = self._channel, None
        if channel is not None:
            channel.subscribe_callback = None
            channel.rejoin_timer.reset()
            channel.join_push.destroy()
            channel.postgres_changes_callbacks.clear()
            channel.system_callbacks.clear()
            if rt.channels.get(channel.topic) is channel:
                del rt.channels[channel.topic]
        ws = rt._ws_connection
        if ws is not None and not polite:
            _abort(ws)
        try:
            async with asyncio.timeout(CLOSE_TIMEOUT):
                await rt.close()
        except Exception:  # noqa: BLE001 - cut it instead
            if ws is not None:
                _abort(ws)
            rt._ws_connection = None
            for attr in ("_listen_task", "_heartbeat_task"):
                task = getattr(rt, attr, None)
                if task is not None and task is not asyncio.current_task():
                    task.cancel()
                setattr(rt, attr, None)
        rt.send_buffer.clear()  # pushes queued for the dead socket (a stale join would evict the next one)

    def _backoff(self, failures: int, ended: SessionEnded) -> float:
        top = min(self.max_backoff, self.initial_backoff * 2 ** (failures - 1))
        if ended.rate_limited:
            top = max(top, self.rate_limited_backoff)
        return top / 2 + self._rng.uniform(0, top / 2)

    # -- callbacks (synchronous, inside realtime-py's read loop: only note and queue) -------------
    def _alive(self) -> None:
        self._last_alive = self.clock()

    def _on_subscribe_state(self, state: Any, err: Exception | None = None) -> None:
        self._alive()
        if self._signals is not None:
            self._signals.put_nowait(("state", str(getattr(state, "value", state)), err))

    def _on_system(self, payload: Any) -> None:
        self._alive()
        message = payload.get("message") if isinstance(payload, Mapping) else getattr(payload, "message", None)
        extension = payload.get("extension") if isinstance(payload, Mapping) else getattr(payload, "extension", None)
        if extension == "postgres_changes" and self._signals is not None:
            self._signals.put_nowait(("system", message, None))

    def _on_change(self, payload: Any) -> None:
        self._alive()
        if self._changes is None:
            return
        try:
            self._changes.put_nowait(payload)
        except asyncio.QueueFull:  # the engine is far behind: stop queueing hints, pull instead
            self._request_catch_up()

    def _on_auth_event(self, event: Any, session: Any) -> None:
        name = str(getattr(event, "value", event))
        if name in TOKEN_EVENTS and session is not None:
            self.set_auth(getattr(session, "access_token", None))

    async def _push_token(self, token: str) -> None:
        try:
            await self.client.realtime.set_auth(token)
        except Exception as err:  # noqa: BLE001 - a dead socket: the next session takes the token
            log.debug("could not pass a refreshed token to realtime: %s", err)

    # -- turning hints into calls ----------------------------------------------------------------
    def _request_catch_up(self) -> None:
        self._catch_up.set()

    async def _catch_up_runner(self) -> None:
        while True:
            await self._catch_up.wait()
            self._catch_up.clear()
            try:
                await _call(self._on_subscribed)
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - the engine's failure must not stop the feed
                log.exception("catch-up after subscribing failed")

    async def _dispatch(self) -> None:
        """Batch hints per table, then hand them to the engine.

        A transaction's changes arrive in one burst (Realtime sends a poll's changes together, a
        few ms apart while it checks each against RLS), so a batch closes once the feed has been
        quiet for ``batch_quiet`` seconds, and at the latest ``batch_window`` after its first
        hint: a bulk edit is one call, and a single edit waits only the quiet gap (12 ms), not
        the whole window.
        """
        assert self._changes is not None
        loop = asyncio.get_running_loop()
        quiet = self.batch_quiet
        while True:
            batches: dict[str, HintBatch] = {}
            payload = await self._changes.get()
            deadline = loop.time() + self.batch_window
            while payload is not None:
                self._add(batches, payload)
                remaining = deadline - loop.time()
                if remaining <= 0:
                    break
                payload = await _get(self._changes, min(quiet, remaining))
            await self._flush(batches)

    def _add(self, batches: dict[str, HintBatch], payload: Any) -> None:
        action, row_id, record = classify(payload)
        if action == "ignore":
            return
        if action == "catch_up":
            self._request_catch_up()
            return
        table = str(payload["data"].get("table"))
        if table not in self.tables:
            return
        assert row_id is not None
        batches.setdefault(table, HintBatch()).add(action, row_id, record)

    async def _flush(self, batches: dict[str, HintBatch]) -> None:
        for table, batch in batches.items():
            for call, what in ((self._on_rows, list(batch.rows.values())), (self._on_fetch, list(batch.fetch))):
                if not what:
                    continue
                try:
                    await _call(call, table, what)
                except asyncio.CancelledError:
                    raise
                except Exception:  # noqa: BLE001 - a hint the engine could not take; the pulls repair it
                    log.exception("realtime hint for %s could not be applied", table)

    def _set_state(self, state: str, problem: str | None) -> None:
        if (state, problem) == (self.state, self.problem):
            return
        self.state, self.problem = state, problem
        try:
            self._on_state(state, problem)
        except Exception:  # noqa: BLE001
            log.exception("on_state callback failed")


async def _call(fn: Callable[..., Any], *args: Any) -> None:
    """Call an engine callback; awaited when it is a coroutine function (a plain function that
    only queues work is accepted too)."""
    result = fn(*args)
    if inspect.isawaitable(result):
        await result


async def _get(queue: asyncio.Queue, timeout: float) -> Any:
    """The next item, or None after ``timeout`` seconds.

    ``asyncio.timeout`` rather than ``wait_for``: on Python 3.11 a cancellation that lands just as
    ``wait_for`` times out comes back as TimeoutError, and a loop that treats a timeout as "nothing
    yet" would then swallow the cancellation and never stop.
    """
    try:
        async with asyncio.timeout(timeout):
            return await queue.get()
    except TimeoutError:
        return None


def _abort(ws: Any) -> None:
    transport = getattr(ws, "transport", None)
    if transport is not None:
        transport.abort()

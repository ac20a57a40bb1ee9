"""``/realtime/v1/websocket``: Supabase Realtime's Phoenix channel protocol for ``postgres_changes``.

Wire protocol: Phoenix v1.0.0 JSON frames ``{"topic", "event", "payload", "ref"}`` as the
``realtime`` 2.x Python client speaks them (``realtime/_async/{client,channel}.py``):

* the socket URL carries ``apikey`` (and ``vsn=1.0.0``); a missing or invalid key refuses the
  upgrade with 401 ``{"error": ...}`` (supabase/realtime ``lib/realtime_web/channels/user_socket.ex``),
  and a key the project did not issue is refused first, as the API gateway does
  (``use_api_keys``; an ``sb_`` key is swapped for the JWT key of its role);
* ``heartbeat`` on topic ``phoenix`` is answered with ``phx_reply`` ``{"status": "ok"}``; pings
  are answered with pongs (by this module, so a frozen socket can stay silent);
* ``phx_join`` with ``config.postgres_changes`` bindings is answered at once with ``phx_reply``
  ``ok`` and ``{"postgres_changes": [<binding as sent> + {"id": <int>}]}`` (``realtime_channel.ex``
  ``add_id_to_postgres_changes``: the id is a hash of the binding's params). Changes flow only
  once Realtime has subscribed to the database, which it announces with a ``system`` push
  ``{"extension": "postgres_changes", "status": "ok", "message": "Subscribed to PostgreSQL",
  "channel": <sub topic>}`` after a round trip (``:postgres_subscribe``; here after
  ``limits.subscribe_delay``). A bad token is refused with ``phx_reply`` ``error`` and
  ``{"reason": "InvalidJWTToken: ..."}`` (``realtime_channel/logging.ex``), and so are joins over
  the channel or join-rate limits (see :mod:`.realtime_faults`);
* ``access_token`` replaces the channel's claims (checked again; a refused token shuts the
  channel down with a ``system`` error then ``phx_close``, as ``shutdown_response`` does; an
  accepted one re-runs the subscription, hence another "Subscribed to PostgreSQL");
  ``phx_leave`` is answered ``ok`` and ends the channel; other topics get
  ``{"reason": "unmatched topic"}`` (Phoenix's socket);
* changes are pushed as ``postgres_changes`` with ``{"ids": [...], "data": {"schema", "table",
  "commit_timestamp", "type", "columns", "errors", "record", "old_record"}}``, the shape of
  ``Realtime.Adapters.Changes`` records built by ``realtime.apply_rls`` (rules in
  :mod:`.realtime_rules`).

Change capture is Realtime's: a temporary logical replication slot on the database, polled every
``limits.poll_interval`` seconds (:mod:`.capture`, ``replication_poller.ex``), so changes come in
commit order with one ``commit_timestamp`` per transaction, rolled-back work never appears, and
subscribers are matched when a change is *polled*: a channel whose subscription is not yet
active, or whose socket is gone, misses it for good. The database's server must run
``wal_level = logical`` (``tests.support.postgres.logical_server``).

The ways the real service loses events, its quotas and its disconnects are switchable at run
time through ``RealtimeService.faults`` (:mod:`.realtime_faults`). Presence and broadcast are not
implemented (broadcast pushes are accepted and ignored).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from dataclasses import dataclass, field
from typing import Any, Callable

import psycopg
from aiohttp import WSMsgType, web

from .capture import CaptureUnavailable, RowChange, Transaction, WalCapture, utc_ms
from .db import Pool
from .realtime_faults import RealtimeFaults
from .realtime_rules import (  # noqa: F401  (BindingError/RtFilter/binding_id/parse_filters: public names)
    Binding,
    BindingError,
    Catalog,
    RtFilter,
    binding_id,
    build_data,
    eval_filters,
    parse_filters,
    visible,
    wal_size,
)
from .tokens import JwtIssuer, TokenError

log = logging.getLogger(__name__)

SUBSCRIBED = "Subscribed to PostgreSQL"
TOO_MANY_MESSAGES = "Too many messages per second"
SERVER_DISCONNECT = "Server requested disconnect"


@dataclass(eq=False)
class Channel:
    topic: str
    join_ref: str | None
    claims: dict
    token: str
    bindings: list[Binding] = field(default_factory=list)
    active: bool = False  # subscribed to the database: changes are delivered
    subscribing: asyncio.Task | None = None


@dataclass(eq=False)
class Socket:
    ws: web.WebSocketResponse
    transport: Any
    apikey: str
    last_seen: float = 0.0
    frozen: bool = False
    closing: bool = False
    channels: dict[str, Channel] = field(default_factory=dict)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class RealtimeService:
    def __init__(self, admin_pool: Pool, admin_dsn: str, issuer: JwtIssuer, faults) -> None:
        self.pool = admin_pool
        self.admin_dsn = admin_dsn
        self.issuer = issuer
        self.http_faults = faults  # the server's HTTP faults; ``realtime_latency`` delays every push
        self.faults = RealtimeFaults(self)
        self.catalog = Catalog(admin_pool)
        self.capture = WalCapture(admin_dsn)
        self.sockets: set[Socket] = set()
        self.delivered = 0  # messages pushed, for tests that want to wait for quiescence
        self.cdc_epoch = 0  # bumped by every change-capture restart
        self._cdc_up = asyncio.Event()
        self._restart: asyncio.Task | None = None
        self._tasks: list[asyncio.Task] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._key_role: Callable[[str], str | None] | None = None
        self._key_for_role: Callable[[str], str] | None = None

    def use_api_keys(self, role_of: Callable[[str], str | None], jwt_key_for_role: Callable[[str], str]) -> None:
        """Accept only the project's issued keys at the upgrade, as the API gateway does for every path.

        ``role_of(key)`` names the role of an issued key (None: not one of them); an opaque
        ``sb_publishable_``/``sb_secret_`` key is swapped for ``jwt_key_for_role(role)``, the JWT
        key of the same role, since Realtime itself only understands JWTs.
        """
        self._key_role, self._key_for_role = role_of, jwt_key_for_role

    # -- lifecycle -------------------------------------------------------------------------------
    async def start(self) -> None:
        """Create the replication slot and start polling it. CaptureUnavailable without logical WAL."""
        self._loop = asyncio.get_running_loop()
        await self.capture.open()
        await self.catalog.refresh_publication()
        self._cdc_up.set()
        self._tasks = [asyncio.create_task(self._poll_forever(), name="fake-realtime-poll"),
                       asyncio.create_task(self._sweep(), name="fake-realtime-sweep")]

    async def close(self) -> None:
        tasks = self._tasks + ([self._restart] if self._restart else [])
        for t in tasks:
            t.cancel()
        for t in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await t
        self._tasks, self._restart = [], None
        await self.capture.close()
        self.drop_all()

    async def refresh_publication(self) -> list[str]:
        """Reread the ``supabase_realtime`` publication's tables. Returns them as ``schema.table``."""
        return await self.catalog.refresh_publication()

    def _on_loop(self, coro) -> None:
        """Run ``coro`` on the service's loop, from that loop or from any other thread."""
        assert self._loop is not None, "the realtime service is not started"
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is self._loop:
            self._loop.create_task(coro)
        else:
            asyncio.run_coroutine_threadsafe(coro, self._loop)

    # -- socket-wide faults (called through self.faults, from any thread) -------------------------
    def drop_all(self) -> int:
        """Cut every websocket without a close frame (a network drop, as the client sees it)."""
        n = 0
        for sock in list(self.sockets):
            if sock.transport is not None:
                sock.transport.abort()
                n += 1
        self.sockets.clear()
        return n

    def freeze_sockets(self) -> int:
        socks = [s for s in list(self.sockets) if not s.frozen]
        for sock in socks:
            sock.frozen = True
        return len(socks)

    def drain_sockets(self, code: int) -> int:
        socks = [s for s in list(self.sockets) if not s.frozen and not s.closing]
        for sock in socks:
            sock.closing = True
        if socks:
            self._on_loop(self._drain(socks, code))
        return len(socks)

    async def _drain(self, socks: list[Socket], code: int) -> None:
        for sock in socks:
            for topic in list(sock.channels):
                # Sent without a ``channel`` key, exactly as user_socket.ex disconnect/1 does.
                await self._send(sock, {"topic": topic, "event": "system", "ref": None,
                                        "payload": {"extension": "system", "status": "ok",
                                                    "message": SERVER_DISCONNECT}})
            await self._close_socket(sock, code)

    async def _close_socket(self, sock: Socket, code: int) -> None:
        sock.closing = True
        for channel in list(sock.channels.values()):
            self._end_channel(sock, channel)
        with contextlib.suppress(Exception):
            await sock.ws.close(code=code)

    def restart_change_capture(self, gap: float) -> None:
        """Drop the slot now (from any thread); after ``gap`` seconds a new one, then resubscribe."""
        self.cdc_epoch += 1
        self._cdc_up.clear()
        self._on_loop(self._restart_capture(gap))

    async def _restart_capture(self, gap: float) -> None:
        if self._restart is not None and self._restart is not asyncio.current_task():
            self._restart.cancel()
        self._restart = asyncio.current_task()
        self.faults.stats.cdc_restarts += 1
        self._cdc_up.clear()
        await self.capture.drop_slot()
        await asyncio.sleep(gap)
        while True:
            try:
                await self.capture.open()
                break
            except (psycopg.Error, OSError, CaptureUnavailable) as err:
                log.warning("change capture cannot restart yet: %s", err)
                await self.capture.close()
                await asyncio.sleep(0.5)
        with contextlib.suppress(psycopg.Error):
            await self.catalog.refresh_publication()
        self._cdc_up.set()
        self._restart = None
        for sock in list(self.sockets):
            for channel in list(sock.channels.values()):
                if channel.active:
                    await self._system(sock, channel.topic, "postgres_changes", "ok", SUBSCRIBED)

    # -- websocket -------------------------------------------------------------------------------
    async def handle_ws(self, request: web.Request) -> web.StreamResponse:
        apikey = request.query.get("apikey") or request.headers.get("apikey") or ""
        if not apikey:
            return web.json_response({"error": "API key is missing"}, status=401)
        if self._key_role is not None and self._key_for_role is not None:
            role = self._key_role(apikey)
            if role is None:
                return web.json_response({"message": "Invalid API key",
                                          "hint": "Double check your Supabase `anon` or `service_role` API key."},
                                         status=401)
            if apikey.startswith("sb_"):
                apikey = self._key_for_role(role)
        try:
            self.issuer.verify(apikey)
        except TokenError as err:
            msg = {"expired": "Token has expired", "signature": "Failed to validate JWT signature"}.get(
                err.kind, "The token provided is not a valid JWT")
            return web.json_response({"error": msg}, status=401)
        if self.faults.joins_limited():
            self.faults.stats.upgrades_refused += 1
            return web.json_response({"error": "Too many joins per second"}, status=429)
        ws = web.WebSocketResponse(autoping=False, autoclose=False, heartbeat=None, max_msg_size=8 * 1024 * 1024)
        await ws.prepare(request)
        loop = asyncio.get_running_loop()
        sock = Socket(ws, request.transport, apikey, last_seen=loop.time())
        self.sockets.add(sock)
        try:
            await self._read(sock, loop)
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        finally:
            self.sockets.discard(sock)
            for channel in list(sock.channels.values()):
                self._end_channel(sock, channel)
        return ws

    async def _read(self, sock: Socket, loop: asyncio.AbstractEventLoop) -> None:
        ws = sock.ws
        while True:
            msg = await ws.receive()
            if msg.type in (WSMsgType.CLOSED, WSMsgType.ERROR):
                return
            if sock.frozen:
                if msg.type in (WSMsgType.CLOSE, WSMsgType.CLOSING):
                    await self._linger(sock)  # half-open: never answer the close
                    return
                continue  # read and ignore: no replies, no pongs
            sock.last_seen = loop.time()
            if msg.type == WSMsgType.TEXT:
                try:
                    frame = json.loads(msg.data)
                except ValueError:
                    continue
                if isinstance(frame, dict):
                    await self._on_frame(sock, frame)
            elif msg.type == WSMsgType.PING:
                with contextlib.suppress(Exception):
                    await ws.pong(msg.data)
            elif msg.type in (WSMsgType.CLOSE, WSMsgType.CLOSING):
                with contextlib.suppress(Exception):
                    await ws.close()
                return

    @staticmethod
    async def _linger(sock: Socket) -> None:
        """Hold a frozen socket until its transport goes away (the client or a drop cuts it)."""
        while sock.transport is not None and not sock.transport.is_closing():
            await asyncio.sleep(0.2)

    async def _send(self, sock: Socket, frame: dict) -> bool:
        if sock.frozen:
            return False
        if self.http_faults.realtime_latency:
            await asyncio.sleep(self.http_faults.realtime_latency)
        async with sock.lock:
            if sock.ws.closed or sock.frozen:
                return False
            try:
                await sock.ws.send_str(json.dumps(frame))
            except (ConnectionResetError, RuntimeError):
                return False
        return True

    async def _reply(self, sock: Socket, topic: str, ref: Any, status: str, response: dict, join_ref: Any = None) -> None:
        await self._send(sock, {"topic": topic, "event": "phx_reply", "payload": {"status": status, "response": response},
                                "ref": ref, "join_ref": join_ref})

    async def _system(self, sock: Socket, topic: str, extension: str, status: str, message: str) -> None:
        await self._send(sock, {"topic": topic, "event": "system", "ref": None,
                                "payload": {"extension": extension, "status": status, "message": message,
                                            "channel": topic.split(":", 1)[1] if ":" in topic else topic}})

    def _check_token(self, token: str) -> dict:
        """ChannelsAuthorization.authorize_conn + confirm_token; raises with the join-error reason."""
        try:
            claims = self.issuer.verify(token)
        except TokenError as err:
            if err.kind == "expired":
                raise BindingError(f"InvalidJWTToken: Token has expired {err.expired_for} seconds ago") from None
            if err.kind == "signature":
                raise BindingError("JwtSignatureError: Failed to validate JWT signature") from None
            raise BindingError("MalformedJWT: The token provided is not a valid JWT") from None
        if "role" not in claims or not isinstance(claims.get("exp"), (int, float)):
            raise BindingError("InvalidJWTToken: Fields `role` and `exp` are required in JWT")
        return claims

    async def _on_frame(self, sock: Socket, frame: dict) -> None:
        topic, event = frame.get("topic"), frame.get("event")
        ref, join_ref = frame.get("ref"), frame.get("join_ref")
        payload = frame.get("payload") or {}
        if not isinstance(topic, str) or not isinstance(payload, dict):
            return
        if topic == "phoenix" and event == "heartbeat":
            await self._reply(sock, "phoenix", ref, "ok", {})
            return
        if event == "phx_join":
            await self._join(sock, topic, payload, ref, join_ref or ref)
            return
        channel = sock.channels.get(topic)
        if channel is None:
            await self._reply(sock, topic, ref, "error", {"reason": "unmatched topic"})
            return
        if event == "phx_leave":
            self._end_channel(sock, channel)
            await self._reply(sock, topic, ref, "ok", {}, join_ref)
            return
        if event == "access_token":
            token = payload.get("access_token")
            if not isinstance(token, str) or token == channel.token or token.startswith("sb_"):
                return
            try:
                claims = self._check_token(token)
            except BindingError as err:
                await self._shutdown(sock, channel, str(err).split(": ", 1)[-1])
                return
            channel.token, channel.claims = token, claims
            if channel.bindings:
                self._subscribe_later(sock, channel)
            return
        if event in ("broadcast", "presence"):
            if event == "presence" or (payload.get("config") or {}).get("broadcast", {}).get("ack"):
                await self._reply(sock, topic, ref, "ok", {}, join_ref)
            return
        # Realtime ignores (logs) anything else.

    def _end_channel(self, sock: Socket, channel: Channel) -> None:
        if sock.channels.get(channel.topic) is channel:
            del sock.channels[channel.topic]
        channel.active = False
        if channel.subscribing is not None and channel.subscribing is not asyncio.current_task():
            channel.subscribing.cancel()
        channel.subscribing = None

    async def _shutdown(self, sock: Socket, channel: Channel, message: str) -> None:
        self._end_channel(sock, channel)
        await self._system(sock, channel.topic, "system", "error", message)
        await self._send(sock, {"topic": channel.topic, "event": "phx_close", "payload": {}, "ref": channel.join_ref})

    async def _join(self, sock: Socket, topic: str, payload: dict, ref: Any, join_ref: Any) -> None:
        refused = self.faults.take_join_failure()
        if refused is None and self.faults.joins_limited():
            self.faults.stats.joins_refused += 1
            refused = ("ClientJoinRateLimitReached: Too many joins per second", True)
        if refused is None:
            others = [t for t in sock.channels if t != topic]
            if len(others) >= self.faults.limits.max_channels_per_client:
                self.faults.stats.joins_refused += 1
                refused = ("ChannelRateLimitReached: Too many channels", False)
        if refused is not None:
            reason, disconnect = refused
            await self._reply(sock, topic, ref, "error", {"reason": reason})
            if disconnect:
                asyncio.get_running_loop().create_task(self._close_socket(sock, 1000))
            return
        self.faults.count_join()
        token = payload.get("access_token") or payload.get("user_token") or sock.apikey
        if not isinstance(token, str) or token.startswith("sb_"):
            token = sock.apikey
        try:
            claims = self._check_token(token)
        except BindingError as err:
            await self._reply(sock, topic, ref, "error", {"reason": str(err)})
            return
        config = payload.get("config") or {}
        raw_bindings = [b for b in (config.get("postgres_changes") or []) if isinstance(b, dict)]
        bindings: list[Binding] = []
        echoed = []
        for raw in raw_bindings:
            bid = binding_id(raw)
            echoed.append({**raw, "id": bid})
            event = str(raw.get("event") or "*").upper()
            bindings.append(Binding(bid, event, raw.get("schema") or "public", raw.get("table") or "*",
                                    [], raw.get("select"), raw))
        old = sock.channels.get(topic)
        if old is not None:
            self._end_channel(sock, old)
            await self._send(sock, {"topic": topic, "event": "phx_close", "payload": {}, "ref": old.join_ref})
        channel = Channel(topic, join_ref, claims, token, bindings)
        sock.channels[topic] = channel
        await self._reply(sock, topic, ref, "ok", {"postgres_changes": echoed}, join_ref)
        if bindings:
            self._subscribe_later(sock, channel)

    def _subscribe_later(self, sock: Socket, channel: Channel) -> None:
        if channel.subscribing is not None:
            channel.subscribing.cancel()
        channel.subscribing = asyncio.get_running_loop().create_task(self._postgres_subscribe(sock, channel))

    async def _postgres_subscribe(self, sock: Socket, channel: Channel) -> None:
        """``:postgres_subscribe``: after the round trip, register the bindings, then announce it."""
        await asyncio.sleep(self.faults.limits.subscribe_delay)
        await self._cdc_up.wait()
        try:
            await self.catalog.refresh_publication()
            for b in channel.bindings:
                b.filters = parse_filters(b.raw.get("filter"))
                await self.catalog.validate(b, channel.claims)
        except BindingError as err:
            await self._system(sock, channel.topic, "postgres_changes", "error", str(err))
            return
        finally:
            if channel.subscribing is asyncio.current_task():
                channel.subscribing = None
        if sock.channels.get(channel.topic) is not channel:
            return
        channel.active = True
        await self._system(sock, channel.topic, "postgres_changes", "ok", SUBSCRIBED)

    async def _sweep(self) -> None:
        """Close idle sockets (Phoenix's timeout) and shut channels whose token expired (``confirm_token``)."""
        loop = asyncio.get_running_loop()
        last_token_check = 0.0
        while True:
            idle = self.faults.limits.idle_timeout
            await asyncio.sleep(max(0.01, min(1.0, idle / 4)))
            now = loop.time()
            for sock in list(self.sockets):
                if not sock.frozen and not sock.closing and now - sock.last_seen > idle:
                    self.faults.stats.idle_closed += 1
                    loop.create_task(self._close_socket(sock, 1000))
            if now - last_token_check < 1.0:
                continue
            last_token_check = now
            wall = time.time()
            for sock in list(self.sockets):
                for channel in list(sock.channels.values()):
                    exp = channel.claims.get("exp")
                    if isinstance(exp, (int, float)) and exp < wall:
                        await self._shutdown(sock, channel, f"Token has expired {int(wall - exp)} seconds ago")

    # -- change pipeline ------------------------------------------------------------------------
    async def _poll_forever(self) -> None:
        while True:
            limits = self.faults.limits
            if not self._cdc_up.is_set():
                await self._cdc_up.wait()
                continue
            epoch = self.cdc_epoch
            try:
                txs = await self.capture.poll(limits.max_changes)
            except (psycopg.Error, OSError) as err:
                # The poller lost its connection (and the slot with it): like Realtime, start over
                # from the current end of the WAL and resubscribe every channel.
                log.warning("change capture failed, restarting it: %s", err)
                if epoch == self.cdc_epoch:
                    self.cdc_epoch += 1
                    self._cdc_up.clear()
                    await self.capture.close()
                    asyncio.get_running_loop().create_task(self._restart_capture(limits.poll_interval))
                continue
            if epoch != self.cdc_epoch or not self._cdc_up.is_set():
                self.faults.stats.cdc_discarded += sum(len(t.changes) for t in txs)
                continue
            if not txs:
                await asyncio.sleep(limits.poll_interval)
                continue
            try:
                await self._process(txs)
            except Exception:  # keep the pipeline alive whatever one batch does
                log.exception("realtime dispatch failed")

    def _listeners(self) -> list[tuple[Socket, Channel]]:
        return [(s, c) for s in list(self.sockets) for c in list(s.channels.values()) if c.active]

    async def _process(self, txs: list[Transaction]) -> None:
        """One poll's transactions: keep what someone listens to, decode it, deliver it in WAL order."""
        listeners = self._listeners()
        wanted: list[tuple[RowChange, str]] = []
        for tx in txs:
            stamp = utc_ms(tx.commit_time)  # one commit time for every change of the transaction
            for change in tx.changes:
                if not self.catalog.publishes(change):
                    continue
                if any(b.wants(change.op, change.schema, change.table) for _, c in listeners for b in c.bindings):
                    wanted.append((change, stamp))
        if not wanted:
            return
        if self.faults.events_limited():
            self.faults.stats.rate_limited += len(wanted)  # the whole batch is skipped, not queued
            return
        full: dict[tuple[str, str], list[str] | None] = {}
        pks: dict[tuple[str, str], list[str]] = {}
        for change, _ in wanted:
            key = (change.schema, change.table)
            if key not in pks:
                info = await self.catalog.table(*key)
                pks[key] = info.pk if info else []
                full[key] = info.names if info and info.replica_full else None
        await self.capture.decode([c for c, _ in wanted], full, pks)
        for change, stamp in wanted:
            await self._deliver(change, stamp)

    async def _deliver(self, change: RowChange, commit_timestamp: str) -> None:
        targets = []
        for sock, channel in self._listeners():
            matching = [b for b in channel.bindings if b.wants(change.op, change.schema, change.table)]
            if matching:
                targets.append((sock, channel, matching))
        if not targets:
            return
        info = await self.catalog.table(change.schema, change.table)
        if info is None:
            return
        new = change.new_values or {}
        filter_source = new if change.op != "DELETE" else (change.identity or {})
        types = {c[0]: c[2] for c in info.columns}
        filter_results = await eval_filters(
            self.pool, {f for _, _, bs in targets for b in bs for f in b.filters}, filter_source, types)
        lookup = {**(change.identity or {}), **new}
        too_large = wal_size(change) > self.faults.limits.max_record_bytes
        visibility: dict[str, bool] = {}
        for sock, channel, matching in targets:
            passing = [b for b in matching if all(filter_results.get(f, False) for f in b.filters)]
            if not passing:
                continue
            role = str(channel.claims.get("role"))
            if change.op != "DELETE" and info.rls:
                key = json.dumps(channel.claims, sort_keys=True)
                if key not in visibility:
                    visibility[key] = await visible(self.pool, change.schema, change.table, info, lookup, role,
                                                    channel.claims)
                if not visibility[key]:
                    continue
            selectable = await self.catalog.selectable(role, change.schema, change.table)
            if not all(pk in selectable for pk in info.pk):
                continue  # real Realtime sends "Error 401: Unauthorized" without the row
            groups: dict[tuple[str, ...] | None, list[int]] = {}
            for b in passing:
                groups.setdefault(tuple(sorted(b.select)) if b.select else None, []).append(b.id)
            for sel, ids in groups.items():
                if sock.channels.get(channel.topic) is not channel:
                    break  # shut down meanwhile (rate limit, token)
                data = build_data(change, info, selectable, sel, commit_timestamp, too_large)
                if self.faults.take_drop():
                    continue
                sent = await self._send(sock, {"topic": channel.topic, "event": "postgres_changes", "ref": None,
                                               "payload": {"ids": ids, "data": data}})
                if not sent:
                    continue
                self.delivered += 1
                self.faults.count_event()
                if self.faults.limits.close_channels_over_rate and self.faults.events_limited():
                    self.faults.stats.rate_closed += 1
                    await self._shutdown(sock, channel, TOO_MANY_MESSAGES)

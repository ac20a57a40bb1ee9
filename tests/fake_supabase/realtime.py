"""``/realtime/v1/websocket``: Supabase Realtime's Phoenix channel protocol for ``postgres_changes``.

Wire protocol: Phoenix v1.0.0 JSON frames ``{"topic", "event", "payload", "ref"}`` as the
``realtime`` 2.x Python client speaks them (``realtime/_async/{client,channel}.py``):

* the socket URL carries ``apikey`` (and ``vsn=1.0.0``); a missing or invalid key refuses the
  upgrade with 401 ``{"error": ...}`` (supabase/realtime ``lib/realtime_web/channels/user_socket.ex``);
* ``heartbeat`` on topic ``phoenix`` is answered with ``phx_reply`` ``{"status": "ok"}``;
* ``phx_join`` with ``config.postgres_changes`` bindings is answered with ``phx_reply`` ``ok`` and
  ``{"postgres_changes": [<binding as sent> + {"id": <int>}]}`` (``realtime_channel.ex``
  ``add_id_to_postgres_changes``: the id is a hash of the binding's params), followed by a
  ``system`` push ``{"extension": "postgres_changes", "status": "ok", "message": "Subscribed to
  PostgreSQL", "channel": <sub topic>}``. A bad token is refused with ``phx_reply`` ``error`` and
  ``{"reason": "InvalidJWTToken: ..."}`` (``realtime_channel/logging.ex``);
* ``access_token`` replaces the channel's claims (checked again; a refused token shuts the
  channel down with a ``system`` error then ``phx_close``, as ``shutdown_response`` does);
  ``phx_leave`` is answered ``ok`` and ends the channel; other topics get
  ``{"reason": "unmatched topic"}`` (Phoenix's socket);
* changes are pushed as ``postgres_changes`` with ``{"ids": [...], "data": {"schema", "table",
  "commit_timestamp", "type", "columns", "errors", "record", "old_record"}}``, the shape of
  ``Realtime.Adapters.Changes`` records built by ``realtime.apply_rls``
  (``priv/repo/tenant_schema/realtime/functions/apply_rls.sql``).

Delivery rules reproduced from ``apply_rls.sql`` / ``is_visible_through_filters.sql``:

* bindings match on event (``*`` or the action), schema and table (``*`` = every table);
* filters (``col=op.value``, ``not.`` prefix, several joined by commas) are evaluated in
  PostgreSQL by casting both sides to the column type, like ``realtime.check_equality_op``;
  a filter whose column is absent from the change never matches;
* INSERT/UPDATE on a table with RLS enabled reach a subscriber only if the row, looked up by
  primary key, is visible to the subscriber's role and JWT claims -- the same ``exists(select 1
  from <table> where <pk> = ...)`` walrus runs with ``set role`` and ``request.jwt.claims``;
* DELETE is not RLS-checked; ``old_record`` holds the replica identity (the primary key unless
  ``REPLICA IDENTITY FULL``) and, when RLS is enabled, only the primary key; so a filtered binding
  whose column is not in the identity never receives deletes (Supabase docs, Postgres Changes:
  "Delete events are not filterable" / "old records contain only the primary key");
* ``record``/``old_record``/``columns`` hold only the columns the role may select.

DIFFERENCES FROM REAL SUPABASE (test-only change capture): the machine's PostgreSQL need not run
``wal_level=logical`` with wal2json, so changes are captured by AFTER ROW triggers that this
module installs, in the test database only, on every table of the ``supabase_realtime``
publication. Each trigger writes ``to_jsonb(NEW/OLD)`` to ``fake_realtime.changes`` and
``pg_notify``-s its id; PostgreSQL delivers notifications at commit, in commit order, so changes
are dispatched in commit order (rolled-back changes never notify). ``commit_timestamp`` is the
row change's ``clock_timestamp()``, not the WAL commit time. UPDATE ``old_record`` is the primary
key of the old row (what wal2json reports for the default replica identity) or the whole old row
with ``REPLICA IDENTITY FULL``. Errors that real Realtime reports inside a change (``Error 401``
for a role that cannot select the primary key, ``Error 413`` for huge rows) are not produced:
such changes are simply not delivered. Presence and broadcast are not implemented (broadcast
pushes are accepted and ignored).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import psycopg
from aiohttp import WSMsgType, web
from psycopg import sql

from .db import Pool
from .tokens import JwtIssuer, TokenError

log = logging.getLogger(__name__)

CHANNEL = "fake_realtime"
# Sorts before every other AFTER trigger (they fire in name order), so the change is captured
# before the writes those triggers make -- the order in which the WAL would carry them.
TRIGGER = "0000_fake_realtime_capture"
PUBLICATION = "supabase_realtime"

CAPTURE_SQL = f"""
create schema if not exists fake_realtime;
revoke all on schema fake_realtime from public;
create table if not exists fake_realtime.changes (
    id bigserial primary key,
    schema_name text not null,
    table_name text not null,
    op text not null,
    record jsonb,
    old_record jsonb,
    changed_at timestamptz not null default clock_timestamp()
);
create or replace function fake_realtime.capture() returns trigger
language plpgsql security definer set search_path = '' as $$
declare
    change_id bigint;
begin
    insert into fake_realtime.changes (schema_name, table_name, op, record, old_record)
    values (tg_table_schema, tg_table_name, tg_op,
            case when tg_op <> 'DELETE' then to_jsonb(new) end,
            case when tg_op <> 'INSERT' then to_jsonb(old) end)
    returning id into change_id;
    perform pg_notify('{CHANNEL}', change_id::text);
    return null;
end
$$;
"""

FILTER_OPS = ("eq", "neq", "lt", "lte", "gt", "gte", "in", "like", "ilike", "is", "match", "imatch", "isdistinct")
_OP_SQL = {"eq": "=", "neq": "<>", "lt": "<", "lte": "<=", "gt": ">", "gte": ">=", "like": "LIKE",
           "ilike": "ILIKE", "match": "~", "imatch": "~*"}


class BindingError(Exception):
    pass


@dataclass(frozen=True)
class RtFilter:
    column: str
    op: str
    value: str
    negate: bool = False


@dataclass
class Binding:
    id: int
    event: str
    schema: str
    table: str
    filters: list[RtFilter]
    select: list[str] | None
    raw: dict


@dataclass(eq=False)
class Channel:
    topic: str
    join_ref: str | None
    claims: dict
    token: str
    bindings: list[Binding] = field(default_factory=list)
    active: bool = False  # bindings registered (after the "Subscribed to PostgreSQL" message)


@dataclass(eq=False)
class Socket:
    ws: web.WebSocketResponse
    transport: Any
    apikey: str
    channels: dict[str, Channel] = field(default_factory=dict)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


@dataclass
class TableInfo:
    columns: list[tuple[str, str, str]]  # (name, typname, format_type)
    pk: list[str]
    rls: bool
    replica_full: bool


def binding_id(params: dict) -> int:
    # Realtime uses :erlang.phash2(params) (range 0..2^27-1); any stable non-zero int will do,
    # since the client only matches ids it got back in the join reply (0 would be falsy there).
    return zlib.crc32(json.dumps(params, sort_keys=True).encode()) % (2**27 - 1) + 1


def parse_filters(text: str | None) -> list[RtFilter]:
    """``parse_subscription_params`` in ``lib/extensions/postgres_cdc_rls/subscriptions.ex``."""
    if text is None or not text.strip():
        return []
    parts, depth, cur = [], 0, []
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    parts.append("".join(cur))
    out = []
    for part in parts:
        col, eq, rest = part.partition("=")
        negate = False
        if rest.startswith("not."):
            negate, rest = True, rest[4:]
        op, dot, value = rest.partition(".")
        if not eq or not dot or op not in FILTER_OPS or not col:
            raise BindingError(f"Error parsing `filter` params: {json.dumps([p for p in (col, rest) if p])}")
        if op == "in":
            if not (value.startswith("(") and value.endswith(")")):
                raise BindingError(f"Error parsing `filter` params: {json.dumps([col, rest])}")
            value = "{" + value[1:-1] + "}"
        out.append(RtFilter(col.strip(), op, value, negate))
    return out


def _ts(dt: Any) -> str:
    if isinstance(dt, datetime):
        dt = dt.astimezone(timezone.utc)
        return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"
    return str(dt)


class RealtimeService:
    def __init__(self, admin_pool: Pool, admin_dsn: str, issuer: JwtIssuer, faults) -> None:
        self.pool = admin_pool
        self.admin_dsn = admin_dsn
        self.issuer = issuer
        self.faults = faults
        self.sockets: set[Socket] = set()
        self._tables: dict[tuple[str, str], TableInfo | None] = {}
        self._privs: dict[tuple[str, str, str], set[str]] = {}
        self._queue: asyncio.Queue[int] = asyncio.Queue()
        self._tasks: list[asyncio.Task] = []
        self._listen_conn: psycopg.AsyncConnection | None = None
        self.delivered = 0  # messages pushed, for tests that want to wait for quiescence

    # -- lifecycle -------------------------------------------------------------------------------
    async def start(self) -> None:
        async with self.pool.connection() as conn:
            await conn.execute(CAPTURE_SQL)
        await self.sync_triggers()
        self._listen_conn = await psycopg.AsyncConnection.connect(self.admin_dsn, autocommit=True)
        await self._listen_conn.execute(f"LISTEN {CHANNEL}")
        self._tasks = [asyncio.create_task(self._listen(), name="fake-realtime-listen"),
                       asyncio.create_task(self._dispatch(), name="fake-realtime-dispatch"),
                       asyncio.create_task(self._sweep(), name="fake-realtime-sweep")]

    async def close(self) -> None:
        for t in self._tasks:
            t.cancel()
        for t in self._tasks:
            try:
                await t
            except (asyncio.CancelledError, Exception):
                pass
        if self._listen_conn is not None:
            await self._listen_conn.close()
        self.drop_all()

    async def sync_triggers(self) -> list[str]:
        """Install the capture trigger on every published table (idempotent). Returns them."""
        self._tables.clear()
        self._privs.clear()
        async with self.pool.connection() as conn:
            cur = await conn.execute(
                "select p.schemaname, p.tablename,"
                " exists(select 1 from pg_trigger t where t.tgrelid = format('%%I.%%I', p.schemaname, p.tablename)::regclass"
                "        and t.tgname = %s)"
                " from pg_publication_tables p where p.pubname = %s order by 1, 2",
                (TRIGGER, PUBLICATION))
            rows = await cur.fetchall()
            for schema, table, has in rows:
                if not has:
                    await conn.execute(sql.SQL(
                        "CREATE OR REPLACE TRIGGER {} AFTER INSERT OR UPDATE OR DELETE ON {} "
                        "FOR EACH ROW EXECUTE FUNCTION fake_realtime.capture()").format(
                        sql.Identifier(TRIGGER), sql.Identifier(schema, table)))
        return [f"{s}.{t}" for s, t, _ in rows]

    def drop_all(self) -> int:
        """Cut every websocket without a close frame (a network drop, as the client sees it)."""
        n = 0
        for sock in list(self.sockets):
            if sock.transport is not None:
                sock.transport.abort()
                n += 1
        self.sockets.clear()
        return n

    # -- websocket -------------------------------------------------------------------------------
    async def handle_ws(self, request: web.Request) -> web.StreamResponse:
        apikey = request.query.get("apikey") or request.headers.get("apikey") or ""
        if not apikey:
            return web.json_response({"error": "API key is missing"}, status=401)
        try:
            self.issuer.verify(apikey)
        except TokenError as err:
            msg = {"expired": "Token has expired", "signature": "Failed to validate JWT signature"}.get(
                err.kind, "The token provided is not a valid JWT")
            return web.json_response({"error": msg}, status=401)
        ws = web.WebSocketResponse(autoping=True, heartbeat=None, max_msg_size=8 * 1024 * 1024)
        await ws.prepare(request)
        sock = Socket(ws, request.transport, apikey)
        self.sockets.add(sock)
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                try:
                    frame = json.loads(msg.data)
                except ValueError:
                    continue
                await self._on_frame(sock, frame)
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        finally:
            self.sockets.discard(sock)
        return ws

    async def _send(self, sock: Socket, frame: dict) -> None:
        if self.faults.realtime_latency:
            await asyncio.sleep(self.faults.realtime_latency)
        async with sock.lock:
            if sock.ws.closed:
                return
            try:
                await sock.ws.send_str(json.dumps(frame))
            except (ConnectionResetError, RuntimeError):
                pass

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
            sock.channels.pop(topic, None)
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
                await self._system(sock, topic, "postgres_changes", "ok", "Subscribed to PostgreSQL")
            return
        if event in ("broadcast", "presence"):
            if event == "presence" or (payload.get("config") or {}).get("broadcast", {}).get("ack"):
                await self._reply(sock, topic, ref, "ok", {}, join_ref)
            return
        # Realtime ignores (logs) anything else.

    async def _shutdown(self, sock: Socket, channel: Channel, message: str) -> None:
        sock.channels.pop(channel.topic, None)
        await self._system(sock, channel.topic, "system", "error", message)
        await self._send(sock, {"topic": channel.topic, "event": "phx_close", "payload": {}, "ref": channel.join_ref})

    async def _join(self, sock: Socket, topic: str, payload: dict, ref: Any, join_ref: Any) -> None:
        token = payload.get("access_token") or payload.get("user_token") or sock.apikey
        if isinstance(token, str) and token.startswith("sb_"):
            token = sock.apikey
        try:
            claims = self._check_token(token)
        except BindingError as err:
            await self._reply(sock, topic, ref, "error", {"reason": str(err)})
            return
        config = payload.get("config") or {}
        raw_bindings = [b for b in (config.get("postgres_changes") or []) if b]
        bindings: list[Binding] = []
        echoed = []
        for raw in raw_bindings:
            bid = binding_id(raw)
            echoed.append({**raw, "id": bid})
            event = str(raw.get("event") or "*").upper()
            bindings.append(Binding(bid, event, raw.get("schema") or "public", raw.get("table") or "*",
                                    [], raw.get("select"), raw))
        old = sock.channels.pop(topic, None)
        if old is not None:
            await self._send(sock, {"topic": topic, "event": "phx_close", "payload": {}, "ref": old.join_ref})
        channel = Channel(topic, join_ref, claims, token, bindings)
        sock.channels[topic] = channel
        await self._reply(sock, topic, ref, "ok", {"postgres_changes": echoed}, join_ref)
        if not bindings:
            return
        try:
            await self.sync_triggers()
            for b in bindings:
                b.filters = parse_filters(b.raw.get("filter"))
                await self._validate(b, claims)
        except BindingError as err:
            await self._system(sock, topic, "postgres_changes", "error", str(err))
            return
        channel.active = True
        await self._system(sock, topic, "postgres_changes", "ok", "Subscribed to PostgreSQL")

    async def _validate(self, b: Binding, claims: dict) -> None:
        if b.event not in ("*", "INSERT", "UPDATE", "DELETE"):
            raise BindingError(f"Error parsing `event` params: {b.event}")
        if b.table == "*":
            if b.filters:
                raise BindingError("Unable to subscribe to changes with given parameters: filters need a table")
            return
        info = await self._table(b.schema, b.table)
        if info is None:
            raise BindingError(
                "Unable to subscribe to changes with given parameters. Please check Realtime is enabled for the given "
                f"connect parameters: [event: {b.event}, schema: {b.schema}, table: {b.table}, filters: "
                f"{[(f.column, f.op, f.value) for f in b.filters]}]")
        selectable = await self._selectable(str(claims.get("role")), b.schema, b.table)
        for f in b.filters:
            if f.column not in selectable:
                raise BindingError(f"invalid column for filter {f.column}")
        for c in b.select or []:
            if c not in selectable:
                raise BindingError(f"invalid column for select {c}")

    # -- metadata ---------------------------------------------------------------------------------
    async def _table(self, schema: str, table: str) -> TableInfo | None:
        key = (schema, table)
        if key not in self._tables:
            async with self.pool.connection() as conn:
                cur = await conn.execute(
                    "select c.oid, c.relrowsecurity, c.relreplident = 'f' from pg_class c"
                    " join pg_namespace n on n.oid = c.relnamespace where n.nspname = %s and c.relname = %s"
                    " and c.relkind in ('r', 'p')", (schema, table))
                row = await cur.fetchone()
                if row is None:
                    self._tables[key] = None
                else:
                    oid, rls, full = row
                    cur = await conn.execute(
                        "select a.attname, t.typname, format_type(a.atttypid, a.atttypmod),"
                        " coalesce(a.attnum = any(i.indkey), false)"
                        " from pg_attribute a join pg_type t on t.oid = a.atttypid"
                        " left join pg_index i on i.indrelid = a.attrelid and i.indisprimary"
                        " where a.attrelid = %s and a.attnum > 0 and not a.attisdropped order by a.attnum", (oid,))
                    cols = await cur.fetchall()
                    self._tables[key] = TableInfo([(c[0], c[1], c[2]) for c in cols], [c[0] for c in cols if c[3]],
                                                  rls, full)
        return self._tables[key]

    async def _selectable(self, role: str, schema: str, table: str) -> set[str]:
        key = (role, schema, table)
        if key not in self._privs:
            async with self.pool.connection() as conn:
                try:
                    cur = await conn.execute(
                        "select a.attname from pg_attribute a where a.attrelid = format('%%I.%%I', %s::text, %s::text)::regclass"
                        " and a.attnum > 0 and not a.attisdropped"
                        " and has_column_privilege(%s, a.attrelid, a.attnum, 'SELECT')", (schema, table, role))
                    self._privs[key] = {r[0] for r in await cur.fetchall()}
                except psycopg.Error:
                    self._privs[key] = set()
        return self._privs[key]

    # -- change pipeline ------------------------------------------------------------------------
    async def _listen(self) -> None:
        assert self._listen_conn is not None
        async for note in self._listen_conn.notifies():
            try:
                self._queue.put_nowait(int(note.payload))
            except ValueError:
                pass

    async def _dispatch(self) -> None:
        while True:
            first = await self._queue.get()
            ids = [first]
            while not self._queue.empty() and len(ids) < 200:
                ids.append(self._queue.get_nowait())
            try:
                async with self.pool.connection() as conn:
                    cur = await conn.execute(
                        "delete from fake_realtime.changes where id = any(%s)"
                        " returning id, schema_name, table_name, op, record, old_record, changed_at", (ids,))
                    rows = {r[0]: r for r in await cur.fetchall()}
                for cid in ids:
                    if cid in rows:
                        await self._deliver(*rows[cid][1:])
            except Exception:  # keep the pipeline alive whatever one change does
                log.exception("realtime dispatch failed")

    async def _sweep(self) -> None:
        """Shut channels whose token expired (Realtime's periodic ``confirm_token``)."""
        while True:
            await asyncio.sleep(1.0)
            now = time.time()
            for sock in list(self.sockets):
                for channel in list(sock.channels.values()):
                    exp = channel.claims.get("exp")
                    if isinstance(exp, (int, float)) and exp < now:
                        await self._shutdown(sock, channel, f"Token has expired {int(now - exp)} seconds ago")

    async def _deliver(self, schema: str, table: str, op: str, record: dict | None, old: dict | None, changed_at) -> None:
        targets = []
        for sock in list(self.sockets):
            for channel in list(sock.channels.values()):
                if not channel.active:
                    continue
                matching = [b for b in channel.bindings
                            if b.event in ("*", op) and b.schema == schema and b.table in ("*", table)]
                if matching:
                    targets.append((sock, channel, matching))
        if not targets:
            return
        info = await self._table(schema, table)
        if info is None:
            return
        # The change's columns as wal2json would give them: the new row, and the identity of the old.
        identity_cols = [c[0] for c in info.columns] if info.replica_full else info.pk
        old_identity = {k: old[k] for k in identity_cols if old is not None and k in old} if old is not None else None
        filter_source = record if op != "DELETE" else old_identity
        types = {c[0]: c[2] for c in info.columns}
        filter_results = await self._eval_filters(
            {f for _, _, bs in targets for b in bs for f in b.filters}, filter_source or {}, types)
        visibility: dict[str, bool] = {}
        for sock, channel, matching in targets:
            passing = [b for b in matching if all(filter_results.get(f, False) for f in b.filters)]
            if not passing:
                continue
            role = str(channel.claims.get("role"))
            if op != "DELETE" and info.rls:
                key = json.dumps(channel.claims, sort_keys=True)
                if key not in visibility:
                    visibility[key] = await self._visible(schema, table, info, record or {}, role, channel.claims)
                if not visibility[key]:
                    continue
            selectable = await self._selectable(role, schema, table)
            if not all(pk in selectable for pk in info.pk):
                continue  # real Realtime sends "Error 401: Unauthorized" without the row
            groups: dict[tuple | None, list[int]] = {}
            for b in passing:
                groups.setdefault(tuple(sorted(b.select)) if b.select else None, []).append(b.id)
            for sel, ids in groups.items():
                def keep(name: str, sel=sel) -> bool:
                    return name in selectable and (sel is None or name in sel or name in info.pk)
                data: dict[str, Any] = {
                    "schema": schema,
                    "table": table,
                    "commit_timestamp": _ts(changed_at),
                    "type": op,
                    "columns": [{"name": n, "type": t} for n, t, _ in info.columns if keep(n)],
                    "errors": None,
                }
                if op in ("INSERT", "UPDATE"):
                    data["record"] = {k: v for k, v in (record or {}).items() if keep(k)}
                if op == "UPDATE":
                    data["old_record"] = {k: v for k, v in (old_identity or {}).items() if keep(k)}
                if op == "DELETE":
                    data["old_record"] = {k: v for k, v in (old_identity or {}).items()
                                          if keep(k) and (not info.rls or k in info.pk)}
                await self._send(sock, {"topic": channel.topic, "event": "postgres_changes", "ref": None,
                                        "payload": {"ids": ids, "data": data}})
                self.delivered += 1

    async def _eval_filters(self, filters: set[RtFilter], row: dict, types: dict[str, str]) -> dict[RtFilter, bool]:
        """``realtime.check_equality_op``: both sides cast to the column type, compared in SQL."""
        results: dict[RtFilter, bool] = {}
        exprs, order = [], []
        for f in filters:
            if f.column not in row or f.column not in types:
                results[f] = False  # is_visible_through_filters: a missing column never matches
                continue
            raw = row[f.column]
            val = None if raw is None else (raw if isinstance(raw, str) else json.dumps(raw))
            ty = sql.SQL(types[f.column])
            left = sql.SQL("{}::{}").format(sql.Literal(val), ty)
            if f.op == "in":
                expr = sql.SQL("{} = any({}::{}[])").format(left, sql.Literal(f.value), ty)
            elif f.op == "is":
                expr = sql.SQL("{} IS {}").format(left, sql.SQL({"null": "NULL", "true": "TRUE", "false": "FALSE",
                                                                  "unknown": "UNKNOWN"}.get(f.value, "NULL")))
            elif f.op == "isdistinct":
                expr = sql.SQL("{} IS DISTINCT FROM {}::{}").format(left, sql.Literal(f.value), ty)
            else:
                expr = sql.SQL("{} {} {}::{}").format(left, sql.SQL(_OP_SQL[f.op]), sql.Literal(f.value), ty)
            if f.negate:
                expr = sql.SQL("NOT ({})").format(expr)
            exprs.append(sql.SQL("coalesce({}, false)").format(expr))
            order.append(f)
        if exprs:
            async with self.pool.connection() as conn:
                try:
                    cur = await conn.execute(sql.SQL("SELECT ") + sql.SQL(", ").join(exprs))
                    row_out = await cur.fetchone()
                    results.update(zip(order, row_out))
                except psycopg.Error:
                    for f in order:
                        try:
                            cur = await conn.execute(sql.SQL("SELECT ") + exprs[order.index(f)])
                            results[f] = (await cur.fetchone())[0]
                        except psycopg.Error:
                            results[f] = False
        return results

    async def _visible(self, schema: str, table: str, info: TableInfo, record: dict, role: str, claims: dict) -> bool:
        """walrus: ``select exists(select 1 from <entity> where <pk> = <value>)`` as the subscriber."""
        if not info.pk:
            return False
        where = sql.SQL(" AND ").join(
            sql.SQL("{} = {}").format(sql.Identifier(pk), sql.Literal(None if record.get(pk) is None else str(record[pk])))
            for pk in info.pk)
        async with self.pool.connection() as conn:
            try:
                async with conn.transaction():
                    await conn.execute(sql.SQL("SET LOCAL ROLE {}").format(sql.Identifier(role)))
                    await conn.execute("select set_config('request.jwt.claims', %s, true)", (json.dumps(claims),))
                    cur = await conn.execute(sql.SQL("SELECT exists(SELECT 1 FROM {} WHERE {})").format(
                        sql.Identifier(schema, table), where))
                    return bool((await cur.fetchone())[0])
            except psycopg.Error:
                return False

"""Who receives a captured change, and what they receive: Realtime's ``apply_rls`` rules.

Reproduced from supabase/realtime ``priv/repo/tenant_schema/realtime/functions/apply_rls.sql``,
``is_visible_through_filters.sql``, ``check_equality_op.sql``, ``build_prepared_statement_sql.sql``
and ``lib/extensions/postgres_cdc_rls/subscriptions.ex`` (binding parameters):

* bindings match on event (``*`` or the action), schema and table (``*`` = every table);
* filters (``col=op.value``, ``not.`` prefix, several joined by commas) are evaluated in
  PostgreSQL by casting both sides to the column type, like ``realtime.check_equality_op``; they
  see the change's new columns (the old identity for DELETE), so a filter whose column is absent
  -- not in the identity, or an unchanged TOASTed column -- never matches;
* INSERT/UPDATE on a table with RLS enabled reach a subscriber only if the row, looked up by
  primary key *when the change is polled*, is visible with the subscriber's role and JWT claims
  (the ``walrus_rls_stmt`` ``select exists(...)``); DELETE is not RLS-checked;
* ``record`` is the new columns plus, for a column left out of the new tuple (an unchanged
  TOASTed value), its value from the old identity -- so it is there under ``REPLICA IDENTITY
  FULL`` and missing otherwise ("if unchanged toast, get column name and value from old record");
  ``old_record`` is the identity, and for DELETE on an RLS table only its primary key;
* a change whose WAL record is over ``max_record_bytes`` (1 MiB, ``db_settings.ex``
  ``poll_max_record_bytes``) is still sent, but with only the values whose JSON text is at most
  64 bytes and ``errors: ["Error 413: Payload Too Large"]``;
* ``record``/``old_record``/``columns`` hold only the columns the role may select (and the
  binding's ``select`` list plus the primary key); ``columns`` lists every such column of the
  table, changed or not, with ``pg_type.typname``.

Difference: a role that cannot select the primary key gets nothing, where Realtime sends a change
without record and ``errors: ["Error 401: Unauthorized"]``.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg import sql

from .capture import RowChange, jsonb_key_order, jsonb_text_size
from .db import Pool

FILTER_OPS = ("eq", "neq", "lt", "lte", "gt", "gte", "in", "like", "ilike", "is", "match", "imatch", "isdistinct")
_OP_SQL = {"eq": "=", "neq": "<>", "lt": "<", "lte": "<=", "gt": ">", "gte": ">=", "like": "LIKE",
           "ilike": "ILIKE", "match": "~", "imatch": "~*"}
PAYLOAD_TOO_LARGE = "Error 413: Payload Too Large"
TRUNCATED_VALUE_BYTES = 64


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

    def wants(self, op: str, schema: str, table: str) -> bool:
        return self.event in ("*", op) and self.schema == schema and self.table in ("*", table)


@dataclass
class TableInfo:
    columns: list[tuple[str, str, str]]  # (name, typname, format_type)
    pk: list[str]
    rls: bool
    replica_full: bool

    @property
    def names(self) -> list[str]:
        return [c[0] for c in self.columns]


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


@dataclass
class Catalog:
    """Table metadata, column privileges and publication membership, cached until :meth:`clear`."""

    pool: Pool
    publication: str = "supabase_realtime"
    _tables: dict[tuple[str, str], TableInfo | None] = field(default_factory=dict)
    _privs: dict[tuple[str, str, str], set[str]] = field(default_factory=dict)
    published: dict[tuple[str, str], frozenset[str]] = field(default_factory=dict)  # table -> actions

    def clear(self) -> None:
        self._tables.clear()
        self._privs.clear()

    async def refresh_publication(self) -> list[str]:
        """Reread which tables (and actions) the publication carries; forget cached table info."""
        self.clear()
        async with self.pool.connection() as conn:
            cur = await conn.execute(
                "select t.schemaname, t.tablename, p.pubinsert, p.pubupdate, p.pubdelete"
                " from pg_publication p join pg_publication_tables t on t.pubname = p.pubname"
                " where p.pubname = %s order by 1, 2", (self.publication,))
            rows = await cur.fetchall()
        self.published = {
            (s, t): frozenset(a for a, on in (("INSERT", i), ("UPDATE", u), ("DELETE", d)) if on)
            for s, t, i, u, d in rows}
        return [f"{s}.{t}" for s, t in self.published]

    def publishes(self, change: RowChange) -> bool:
        return change.op in self.published.get((change.schema, change.table), frozenset())

    async def table(self, schema: str, table: str) -> TableInfo | None:
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

    async def selectable(self, role: str, schema: str, table: str) -> set[str]:
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

    async def validate(self, b: Binding, claims: dict) -> None:
        """The checks ``subscriptions.ex`` makes before a binding is subscribed."""
        if b.event not in ("*", "INSERT", "UPDATE", "DELETE"):
            raise BindingError(f"Error parsing `event` params: {b.event}")
        if b.table == "*":
            if b.filters:
                raise BindingError("Unable to subscribe to changes with given parameters: filters need a table")
            return
        info = await self.table(b.schema, b.table)
        if info is None:
            raise BindingError(
                "Unable to subscribe to changes with given parameters. Please check Realtime is enabled for the given "
                f"connect parameters: [event: {b.event}, schema: {b.schema}, table: {b.table}, filters: "
                f"{[(f.column, f.op, f.value) for f in b.filters]}]")
        selectable = await self.selectable(str(claims.get("role")), b.schema, b.table)
        for f in b.filters:
            if f.column not in selectable:
                raise BindingError(f"invalid column for filter {f.column}")
        for c in b.select or []:
            if c not in selectable:
                raise BindingError(f"invalid column for select {c}")


def wal_size(change: RowChange) -> int:
    """Roughly ``octet_length(wal::text)`` of the wal2json record apply_rls sizes a change by."""
    def cols(values: dict[str, Any] | None) -> list[dict]:
        return [{"name": k, "type": "", "value": v} for k, v in (values or {}).items()]
    return jsonb_text_size({"action": change.op[0], "schema": change.schema, "table": change.table,
                            "columns": cols(change.new_values), "identity": cols(change.identity)})


def build_data(change: RowChange, info: TableInfo, selectable: set[str], select: tuple[str, ...] | None,
               commit_timestamp: str, too_large: bool) -> dict[str, Any]:
    """The ``data`` of one ``postgres_changes`` push for one (role, select) group (apply_rls)."""
    def keep(name: str) -> bool:
        return name in selectable and (select is None or name in select or name in info.pk)

    def small(value: Any) -> bool:
        return not too_large or jsonb_text_size(value) <= TRUNCATED_VALUE_BYTES

    new = change.new_values or {}
    identity = change.identity or {}
    data: dict[str, Any] = {
        "schema": change.schema,
        "table": change.table,
        "commit_timestamp": commit_timestamp,
        "type": change.op,
        "columns": [{"name": n, "type": t} for n, t, _ in info.columns if keep(n)],
        "errors": [PAYLOAD_TOO_LARGE] if too_large else None,
    }
    if change.op in ("INSERT", "UPDATE"):
        record = {k: v for k, v in identity.items() if k not in new and keep(k) and not too_large}
        record.update({k: v for k, v in new.items() if keep(k) and small(v)})
        data["record"] = jsonb_key_order(record)
    if change.op == "UPDATE":
        data["old_record"] = jsonb_key_order({k: v for k, v in identity.items() if keep(k) and small(v)})
    if change.op == "DELETE":
        data["old_record"] = jsonb_key_order({k: v for k, v in identity.items()
                                              if keep(k) and small(v) and (not info.rls or k in info.pk)})
    return data


async def eval_filters(pool: Pool, filters: set[RtFilter], row: dict, types: dict[str, str]) -> dict[RtFilter, bool]:
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
        async with pool.connection() as conn:
            try:
                cur = await conn.execute(sql.SQL("SELECT ") + sql.SQL(", ").join(exprs))
                row_out = await cur.fetchone()
                results.update(zip(order, row_out))
            except psycopg.Error:
                for f, expr in zip(order, exprs):
                    try:
                        cur = await conn.execute(sql.SQL("SELECT ") + expr)
                        results[f] = (await cur.fetchone())[0]
                    except psycopg.Error:
                        results[f] = False
    return results


async def visible(pool: Pool, schema: str, table: str, info: TableInfo, record: dict, role: str, claims: dict) -> bool:
    """walrus: ``select exists(select 1 from <entity> where <pk> = <value>)`` as the subscriber."""
    if not info.pk or any(pk not in record for pk in info.pk):
        return False
    where = sql.SQL(" AND ").join(
        sql.SQL("{} = {}").format(sql.Identifier(pk), sql.Literal(None if record.get(pk) is None else str(record[pk])))
        for pk in info.pk)
    async with pool.connection() as conn:
        try:
            async with conn.transaction():
                await conn.execute(sql.SQL("SET LOCAL ROLE {}").format(sql.Identifier(role)))
                await conn.execute("select set_config('request.jwt.claims', %s, true)", (json.dumps(claims),))
                cur = await conn.execute(sql.SQL("SELECT exists(SELECT 1 FROM {} WHERE {})").format(
                    sql.Identifier(schema, table), where))
                return bool((await cur.fetchone())[0])
        except psycopg.Error:
            return False

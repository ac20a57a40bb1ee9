"""Change capture from the write-ahead log, polled through a logical replication slot.

Supabase Realtime's ``postgres_changes`` come from a *temporary* logical replication slot that
its ReplicationPoller drains with ``pg_logical_slot_get_changes`` every ``poll_interval_ms``
(supabase/realtime ``lib/extensions/postgres_cdc_rls/replication_poller.ex``,
``replications.ex`` ``prepare_replication``/``list_changes``, and the SQL of
``realtime.list_changes`` in ``lib/realtime/tenants/repo/migrations/
20260326120000_list_changes_with_slot_count.ex``). :class:`WalCapture` does the same, so commit
order, transaction boundaries, the order of rows inside a transaction (a statement's rows, then
the rows its AFTER triggers wrote) and the columns an UPDATE leaves out come from PostgreSQL
itself, not from this module.

Differences, and why:

* The output plugin is ``test_decoding`` (ships with PostgreSQL) instead of wal2json (what
  Supabase uses; not installable on a fresh machine). It is asked for ``include-xids`` and
  ``include-timestamp`` so each change belongs to a transaction whose COMMIT line carries the one
  commit time every change of that transaction is stamped with (wal2json's ``include-timestamp``
  gives the same per-transaction time). :func:`parse_change` reads test_decoding's text format
  (``contrib/test_decoding/test_decoding.c``: ``tuple_to_stringinfo``/``print_literal``):
  identifiers quoted as ``quote_identifier`` does, values as SQL literals with ``''`` doubling,
  bare numbers and booleans, ``B'...'`` bit strings, ``null`` and ``unchanged-toast-datum``.
* Values are turned into JSON the way ``realtime.cast`` does (``to_jsonb(value::type)``, bytea
  passed through as its hex text; ``priv/repo/tenant_schema/realtime/functions/cast.sql``), in
  one query per poll instead of one per value; text, integer and boolean values are converted
  here directly (the result is identical).
* What wal2json format v2 leaves out is left out here too (``wal2json.c``
  ``pg_decode_write_tuple`` "don't send unchanged TOAST Datum"): an unchanged TOASTed column is
  absent from an UPDATE's new values. The identity is the old key tuple when PostgreSQL logged
  one (key changed, or ``REPLICA IDENTITY FULL``), else the new tuple's primary key, as wal2json
  does ("identity can be obtained from new tuple"). test_decoding skips NULLs in an old key
  tuple; under ``REPLICA IDENTITY FULL`` every column is in the identity, so the missing ones
  are put back as NULL.

The slot is temporary (PostgreSQL drops it when the capture's connection ends, even if this
process is killed), is dropped explicitly on :meth:`WalCapture.close`, and is drained on every
poll whether or not anyone listens, so it never holds WAL back for long.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Iterable, Sequence

import psycopg
from psycopg import sql

log = logging.getLogger(__name__)

PLUGIN = "test_decoding"
PLUGIN_OPTIONS = ("include-xids", "1", "include-timestamp", "1", "skip-empty-xacts", "1")

_TEXT_TYPES = frozenset({"text", "character varying", "character", "uuid", "name", "citext", '"char"'})
_INT_TYPES = frozenset({"smallint", "integer", "bigint", "oid"})
_COMMIT_AT = re.compile(r"\(at (?P<ts>[^)]+)\)\s*$")


class CaptureUnavailable(RuntimeError):
    """The database cannot do logical decoding (``wal_level`` below ``logical``, or no plugin)."""


class DecodeError(ValueError):
    """A line of test_decoding output that does not have the expected shape."""


class _Unchanged:
    """The value of a column test_decoding printed as ``unchanged-toast-datum``."""

    def __repr__(self) -> str:
        return "UNCHANGED_TOAST"


UNCHANGED_TOAST = _Unchanged()


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    text: str | None  # PostgreSQL's text output of the value; None for SQL NULL


@dataclass
class RowChange:
    """One row change as the WAL has it, values still as PostgreSQL's text output."""

    schema: str
    table: str
    op: str  # INSERT | UPDATE | DELETE
    new: list[Field] | None  # INSERT/UPDATE: the new tuple, unchanged TOASTed columns left out
    old_key: list[Field] | None  # UPDATE/DELETE: the old key tuple as logged (None when absent)
    unchanged_toast: tuple[str, ...] = ()
    # Filled by WalCapture.decode(): JSON values by column name.
    new_values: dict[str, Any] | None = None
    identity: dict[str, Any] | None = None


@dataclass
class Transaction:
    xid: int
    commit_time: datetime | None
    changes: list[RowChange] = field(default_factory=list)


# -- test_decoding's text format ------------------------------------------------------------------
class _Cursor:
    def __init__(self, text: str) -> None:
        self.s = text
        self.i = 0

    def at(self, literal: str) -> bool:
        return self.s.startswith(literal, self.i)

    def expect(self, literal: str) -> None:
        if not self.at(literal):
            raise DecodeError(f"expected {literal!r} at offset {self.i}")
        self.i += len(literal)

    def done(self) -> bool:
        return self.i >= len(self.s)

    def identifier(self, stops: str) -> str:
        """A name as ``quote_identifier`` prints it: ``"..."`` with ``""`` doubling, or bare."""
        s, n = self.s, len(self.s)
        if self.i < n and s[self.i] == '"':
            out, j = [], self.i + 1
            while True:
                k = s.find('"', j)
                if k < 0:
                    raise DecodeError("unterminated quoted identifier")
                out.append(s[j:k])
                if k + 1 < n and s[k + 1] == '"':
                    out.append('"')
                    j = k + 2
                    continue
                self.i = k + 1
                return "".join(out)
        j = self.i
        while j < n and s[j] not in stops:
            j += 1
        if j == self.i:
            raise DecodeError(f"expected an identifier at offset {self.i}")
        name, self.i = s[self.i:j], j
        return name

    def type_name(self) -> str:
        """``format_type_be`` output up to the ``]`` that closes it (arrays and quotes inside)."""
        s, n, j, depth, quoted = self.s, len(self.s), self.i, 0, False
        while j < n:
            ch = s[j]
            if quoted:
                if ch == '"':
                    if j + 1 < n and s[j + 1] == '"':
                        j += 2
                        continue
                    quoted = False
            elif ch == '"':
                quoted = True
            elif ch == "[":
                depth += 1
            elif ch == "]":
                if depth == 0:
                    break
                depth -= 1
            j += 1
        if j >= n:
            raise DecodeError("unterminated type name")
        name, self.i = s[self.i:j], j + 1
        return name

    def value(self) -> str | None | _Unchanged:
        s, n = self.s, len(self.s)
        if self.at("B'"):
            self.i += 1
            return self._quoted()
        if self.i < n and s[self.i] == "'":
            return self._quoted()
        j = s.find(" ", self.i)
        j = n if j < 0 else j
        token, self.i = s[self.i:j], j
        if token == "null":
            return None
        if token == "unchanged-toast-datum":
            return UNCHANGED_TOAST
        if not token:
            raise DecodeError(f"expected a value at offset {j}")
        return token  # numbers (also NaN/Infinity) and true/false, printed bare

    def _quoted(self) -> str:
        s, n = self.s, len(self.s)
        out, j = [], self.i + 1
        while True:
            k = s.find("'", j)
            if k < 0:
                raise DecodeError("unterminated string literal")
            out.append(s[j:k])
            if k + 1 < n and s[k + 1] == "'":
                out.append("'")
                j = k + 2
                continue
            self.i = k + 1
            return "".join(out)


def _tuple(cur: _Cursor, *, before_new_tuple: bool = False) -> tuple[list[Field] | None, tuple[str, ...]]:
    if cur.at(" (no-tuple-data)"):
        cur.i += len(" (no-tuple-data)")
        return None, ()
    fields: list[Field] = []
    unchanged: list[str] = []
    while not cur.done():
        if before_new_tuple and cur.at(" new-tuple:"):
            break
        cur.expect(" ")
        name = cur.identifier("[")
        cur.expect("[")
        type_ = cur.type_name()
        cur.expect(":")
        value = cur.value()
        if value is UNCHANGED_TOAST:
            unchanged.append(name)
        else:
            fields.append(Field(name, type_, value))  # type: ignore[arg-type]
    return fields, tuple(unchanged)


def parse_change(line: str) -> RowChange | None:
    """One ``table <schema>.<name>: <ACTION>: ...`` line; None for TRUNCATE. Raises DecodeError."""
    cur = _Cursor(line)
    cur.expect("table ")
    schema = cur.identifier(".")
    cur.expect(".")
    table = cur.identifier(":")
    cur.expect(": ")
    action = cur.identifier(":")
    cur.expect(":")
    if action == "INSERT":
        new, unchanged = _tuple(cur)
        return RowChange(schema, table, "INSERT", new or [], None, unchanged)
    if action == "UPDATE":
        old = None
        if cur.at(" old-key:"):
            cur.i += len(" old-key:")
            old, _ = _tuple(cur, before_new_tuple=True)
            cur.expect(" new-tuple:")
        new, unchanged = _tuple(cur)
        return RowChange(schema, table, "UPDATE", new or [], old, unchanged)
    if action == "DELETE":
        old, _ = _tuple(cur)
        return RowChange(schema, table, "DELETE", None, old)
    if action == "TRUNCATE":
        return None  # Realtime's publication actions are insert, update and delete only
    raise DecodeError(f"unknown action {action!r}")


def parse_commit_time(line: str) -> datetime | None:
    """``COMMIT <xid> (at 2026-01-02 03:04:05.123456+00)`` -> an aware datetime (None if absent)."""
    m = _COMMIT_AT.search(line)
    if not m:
        return None
    try:
        return datetime.fromisoformat(m.group("ts").strip())
    except ValueError:
        return None


def parse_stream(rows: Iterable[tuple[Any, Any, str]]) -> list[Transaction]:
    """``(lsn, xid, data)`` rows of ``pg_logical_slot_get_changes`` -> whole transactions, in order.

    A line that cannot be read is logged and skipped; it never stops the rest of the stream.
    """
    out: list[Transaction] = []
    current: Transaction | None = None
    for _lsn, xid, data in rows:
        if data.startswith("BEGIN"):
            current = Transaction(int(xid or 0), None)
        elif data.startswith("COMMIT"):
            if current is None:
                current = Transaction(int(xid or 0), None)
            current.commit_time = parse_commit_time(data)
            out.append(current)
            current = None
        elif data.startswith("table "):
            try:
                change = parse_change(data)
            except DecodeError as err:
                log.warning("skipping an unreadable change (%s): %.200s", err, data)
                continue
            if change is None:
                continue
            if current is None:  # cannot happen with include-xids, but never lose the change
                current = Transaction(int(xid or 0), None)
            current.changes.append(change)
    if current is not None and current.changes:
        out.append(current)
    return out


def _fast_value(type_: str, text: str) -> tuple[bool, Any]:
    """Values whose JSON form needs no cast in PostgreSQL (same result as ``to_jsonb``)."""
    if type_ in _TEXT_TYPES:
        return True, text
    if type_ in _INT_TYPES:
        try:
            return True, int(text)
        except ValueError:
            return False, None
    if type_ == "boolean":
        return True, text in ("true", "t")
    if type_ == "bytea":
        return True, text[2:] if text.startswith("\\x") else text
    return False, None


# -- the slot ---------------------------------------------------------------------------------------
class WalCapture:
    """A temporary logical replication slot on one database, drained by :meth:`poll`."""

    def __init__(self, dsn: str, *, slot_name: str | None = None) -> None:
        self.dsn = dsn
        self.slot_name = slot_name or f"fake_realtime_{uuid.uuid4().hex[:16]}"
        self._conn: psycopg.AsyncConnection | None = None
        self._types: dict[str, str | None] = {}  # test_decoding type text -> regtype text (None: unusable)
        self.has_slot = False

    async def open(self) -> None:
        """Connect (TimeZone UTC, ISO dates) and create the slot; CaptureUnavailable if impossible."""
        if self._conn is None or self._conn.closed:
            self._conn = await psycopg.AsyncConnection.connect(self.dsn, autocommit=True)
            await self._conn.execute("SET TimeZone TO 'UTC'")
            await self._conn.execute("SET DateStyle TO 'ISO, YMD'")
            await self._conn.execute("SET IntervalStyle TO 'postgres'")
            await self._conn.execute("SET application_name TO 'fake_realtime_rls'")
            level = (await (await self._conn.execute("show wal_level")).fetchone())[0]
            if level != "logical":
                await self._conn.close()
                raise CaptureUnavailable(
                    f"this database's server runs with wal_level = {level}; Realtime's change capture reads the "
                    "write-ahead log through a logical replication slot and needs wal_level = logical (the test "
                    "setup starts such a cluster: tests.support.postgres.logical_server())")
        await self.create_slot()

    async def create_slot(self) -> None:
        """Create the slot at the current end of the WAL (earlier changes are never seen)."""
        assert self._conn is not None
        if self.has_slot:
            return
        try:
            await self._conn.execute("select pg_create_logical_replication_slot(%s, %s, true)", (self.slot_name, PLUGIN))
        except psycopg.Error as err:
            raise CaptureUnavailable(f"could not create the replication slot {self.slot_name!r}: {err}") from err
        self.has_slot = True

    async def drop_slot(self) -> None:
        """Drop the slot: every change not yet polled is gone (a change-capture restart)."""
        if not self.has_slot or self._conn is None or self._conn.closed:
            self.has_slot = False
            return
        self.has_slot = False
        try:
            await self._conn.execute(
                "select pg_drop_replication_slot(slot_name) from pg_replication_slots where slot_name = %s",
                (self.slot_name,))
        except psycopg.Error as err:
            log.warning("could not drop replication slot %s: %s", self.slot_name, err)

    async def close(self) -> None:
        await self.drop_slot()
        if self._conn is not None and not self._conn.closed:
            await self._conn.close()
        self._conn = None

    @property
    def connected(self) -> bool:
        return self._conn is not None and not self._conn.closed and not self._conn.broken

    async def poll(self, max_changes: int | None = None) -> list[Transaction]:
        """Consume the slot (whole transactions, at least ``max_changes`` rows when that many wait)."""
        if not self.has_slot or self._conn is None:
            return []
        cur = await self._conn.execute(
            "select lsn, xid, data from pg_logical_slot_get_changes(%s, NULL, %s, "
            + ", ".join(["%s"] * len(PLUGIN_OPTIONS)) + ")",
            (self.slot_name, max_changes, *PLUGIN_OPTIONS))
        return parse_stream(await cur.fetchall())

    # -- values ---------------------------------------------------------------------------------
    async def decode(self, changes: Sequence[RowChange], identity_full: dict[tuple[str, str], list[str] | None],
                     primary_keys: dict[tuple[str, str], list[str]]) -> None:
        """Fill ``new_values`` and ``identity`` of each change with JSON values (one query in all).

        ``identity_full[(schema, table)]`` lists every column when the table has REPLICA IDENTITY
        FULL (None otherwise); ``primary_keys`` names the primary key columns.
        """
        pending: list[tuple[dict[str, Any], str, str, str]] = []  # (target dict, column, type, text)

        def take(fields: list[Field], target: dict[str, Any]) -> None:
            for f in fields:
                if f.text is None:
                    target[f.name] = None
                    continue
                ok, value = _fast_value(f.type, f.text)
                if ok:
                    target[f.name] = value
                else:
                    target[f.name] = None
                    pending.append((target, f.name, f.type, f.text))

        for change in changes:
            key = (change.schema, change.table)
            if change.new is not None:
                change.new_values = {}
                take(change.new, change.new_values)
            if change.op == "INSERT":
                change.identity = None
                continue
            if change.old_key is not None:
                change.identity = {}
                take(change.old_key, change.identity)
                full = identity_full.get(key)
                if full:  # test_decoding skips NULLs in the old tuple
                    for name in full:
                        change.identity.setdefault(name, None)
            elif change.op == "UPDATE":
                pks = primary_keys.get(key) or []
                change.identity = {k: change.new_values[k] for k in pks if change.new_values and k in change.new_values}
            else:
                change.identity = {}
        if pending:
            await self._cast(pending)

    async def _cast(self, pending: list[tuple[dict[str, Any], str, str, str]]) -> None:
        """``to_jsonb(text::type)`` for every pending value, grouped by type in one statement."""
        groups: dict[str, list[int]] = {}
        for i, (_, _, type_, _) in enumerate(pending):
            safe = await self._safe_type(type_)
            if safe is None:
                target, name, _, text = pending[i]
                target[name] = text
                continue
            groups.setdefault(safe, []).append(i)
        if not groups:
            return
        assert self._conn is not None
        parts, params = [], []
        for safe, idx in groups.items():
            parts.append(sql.SQL("SELECT k, to_jsonb(v::{}) FROM unnest({}::int[], {}::text[]) AS u(k, v)").format(
                sql.SQL(safe), sql.Placeholder(), sql.Placeholder()))
            params += [idx, [pending[i][3] for i in idx]]
        try:
            cur = await self._conn.execute(sql.SQL(" UNION ALL ").join(parts), params)
            rows = await cur.fetchall()
        except psycopg.Error as err:
            log.warning("casting change values failed (%s); sending them as text", err)
            rows = [(i, pending[i][3]) for idx in groups.values() for i in idx]
        for k, value in rows:
            target, name, _, _ = pending[k]
            target[name] = value

    async def _safe_type(self, type_: str) -> str | None:
        """The type text checked by PostgreSQL (``regtype``), so only a real type name reaches SQL."""
        if type_ not in self._types:
            assert self._conn is not None
            try:
                cur = await self._conn.execute("select %s::regtype::text", (type_,))
                self._types[type_] = (await cur.fetchone())[0]
            except psycopg.Error:
                self._types[type_] = None
        return self._types[type_]


def jsonb_key_order(obj: dict[str, Any]) -> dict[str, Any]:
    """Keys in jsonb's order (shorter first, then bytewise), as records built in SQL arrive."""
    return {k: obj[k] for k in sorted(obj, key=lambda k: (len(k.encode()), k.encode()))}


def jsonb_text_size(value: Any) -> int:
    """Bytes of ``value::text`` for a jsonb value (jsonb prints ``", "`` and ``": "``)."""
    return len(json.dumps(value, ensure_ascii=False).encode())


def utc_ms(ts: datetime | None) -> str:
    """``commit_timestamp`` as apply_rls formats it: UTC, milliseconds, ``Z``."""
    ts = (ts or datetime.now(timezone.utc)).astimezone(timezone.utc)
    return ts.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ts.microsecond // 1000:03d}Z"

"""The one path by which server rows enter the cache.

Pull pages, Realtime records, rows fetched by id, the answers to our own pushes (acks) and
tombstones all come through here. Each call is ONE transaction on the store's writer
(origin `server`, or `ack` for answers), announced after commit like any other write and
recorded in the change log for other processes.

API (the sync engine's; every call returns an :class:`Applied`):

    apply_rows(store, table, rows, *, cursor=None)   rows of one synced table, as PostgREST or
                                                     Realtime send them (JSON dicts)
    apply_tombstones(store, tombstones, *, cursor=None)
                                                     `sync_tombstones` rows: the server deleted
    apply_ack(store, table, row, seqs)               a push answered: the outbox entries `seqs`
                                                     are confirmed, `row` (None for a delete) is
                                                     the row as the server now has it
    read_cursor(store, table) -> Cursor | None       where the committed pages of `table` end
                                                     ('sync_tombstones' for tombstones)
    first_download(store, table)                     context manager: the bulk variant, page by
                                                     page (`.apply(rows, cursor=...)`)
    finish_first_download(store)                     search documents, rebuilt once at the end

A cursor with no rows (the last, empty page of a pull) is `apply_rows(store, table, [], cursor=…)`.
Everything here runs on any thread (the store's writer is thread-safe); the pull's network work
stays outside the call, so the store's lock is held only while SQLite writes.

Rules (the design brief's "Sync engine" and the sync design notes shared by the engine's authors):

- **Conversion** (:mod:`.server_rows`): server column names and JSON values → cache values;
  server-only columns dropped; columns a row leaves out keep what the cache holds. Not
  validated by the input models: the cache holds what the server holds.
- **Version rule**: a row is written only when its `version` is greater than the cached one
  (or the row is absent), so replaying a page or an event is a no-op.
- **Foreign keys** are not enforced in these transactions (`Store.transaction(foreign_keys=
  False)`): a page of deals may arrive before its companies, a company before its parent. The
  server enforces integrity; screens join with LEFT JOINs. Server deletes arrive as a tombstone
  per row (cascades included), so nothing cascades here either.
- **Rebase**: pending outbox entries of a row are re-applied, in order, on top of a newer server
  row and stay pending; the cached `version` becomes the server's. A row with a pending delete
  is not brought back. A pending insert whose row the server already has (its answer was lost)
  stays pending on top of the server row (the push finds the duplicate and acks it). Failed
  (parked) entries are not re-applied: the server refused them, so its row is the truth and the
  entry waits, with its reason, for the person to retry or discard it.
- **Tombstones** delete the cached row and its search documents — deletes win: a pending edit
  of the row is parked as failed ("deleted on the server"), so a push can never re-create it;
  a pending delete of it is done and leaves the outbox. Each applied tombstone is remembered in
  `sync_deleted` (7 days), so a copy of the row read before the delete (a pull page fetched just
  before it, applied just after) is not resurrected; a row re-created later carries an
  `updated_at` after the delete and applies.
- **Unique keys** besides the id (`workspace_members (workspace_id, user_id)`, `deal_contacts
  (deal_id, contact_id)`, `custom_fields (workspace_id, record_type, key)`): a server row
  replaces a cached row of another id with the same key (e.g. the membership sign-in stored
  before the server's id was known); pending entries of the replaced row are parked as failed.
- **Changed columns**: the ChangeSet lists, per row, the columns whose value differs between
  the cache before and after (after rebase), so a replayed row or our own echo announces
  nothing, and a teammate's edit says which field changed; `ChangeSet.changed_by` names the
  server's `updated_by`. Only a row whose only difference is bookkeeping (`version`,
  `updated_at`, `updated_by`) is written without being announced.
- **No outbox entries and no auto-logged timeline entries**; timeline entries from the server
  are stored as they are. Search documents are kept current for the rows written (the bulk
  path rebuilds them once at the end); a change of a custom field's `searchable`/`key`
  re-indexes the records of that type.
- **Cursors** live in `sync_state` (never in a row's `updated_at`, which the client's clock
  stamps for local edits): the server's (updated_at, id) — (deleted_at, id) for tombstones — of
  the last row of a page, written in the transaction that applies the page, never moved back.
- **The person's own membership**: when the server changes their role in this workspace, the
  cache's meta `role` (what the screens offer) follows in the same transaction.
- **Rows SQLite cannot store** (a NUL character, a lone surrogate, an integer beyond 64 bits:
  PostgreSQL cannot hold them either) are not written; each is listed in `Applied.rejected` and
  the rest of the page applies.

Where this goes beyond the design notes, and why: pending edits of a tombstoned row are parked
here rather than by the next push, because a pending *insert* would otherwise be pushed again and
re-create a row someone deleted; the `sync_deleted` memory closes the race between a pull page
and a tombstone; a cursor never moves back, so an interrupted overlap re-read resumes where the
committed rows end; a row that leaves columns out updates only the columns it carries.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Mapping, Sequence

from pydantic import BaseModel, ConfigDict, ValidationError

from . import bulk, search_docs
from .changes import BOOKKEEPING_COLUMNS, ChangeSet, Origin
from .rows import iso_utc
from .schema import SYNCED_TABLES
from .server_rows import TableShape, Unstorable, convert_row, fill_required, table_shape, timestamp
from .writes import WriteContext

if TYPE_CHECKING:
    from .store import Store

__all__ = [
    "Applied", "Cursor", "FirstDownload", "Rejected", "TOMBSTONES", "apply_ack", "apply_rows",
    "apply_tombstones", "finish_first_download", "first_download", "read_cursor",
]

log = logging.getLogger(__name__)

TOMBSTONES = "sync_tombstones"  # the cursor name of the tombstone pull
DELETED_MEMORY = timedelta(days=7)  # how long an applied tombstone keeps stale copies out
DELETED_ON_SERVER = "deleted on the server by someone else; this change was not sent"

_RECORD_TYPES = {"contacts": "contact", "companies": "company", "deals": "deal"}
_ENTRY_COLUMNS = frozenset({"body", "payload", "entry_type", "record_id", "record_type"})
_FIELD_COLUMNS = frozenset({"searchable", "key", "record_type"})


class Cursor(BaseModel):
    """Where a table's pull stands: the server's (updated_at, id) of the last row applied
    (for tombstones: deleted_at, id). `at` is the server's text as it sent it."""

    model_config = ConfigDict(frozen=True)

    at: str
    id: str | int


@dataclass(frozen=True)
class Rejected:
    table: str
    row_id: str | None
    reason: str


@dataclass
class Applied:
    """What one apply call did."""

    changes: ChangeSet
    written: int = 0  # rows written or deleted
    skipped: int = 0  # not newer than the cache, not to be resurrected, or nothing to delete
    rejected: list[Rejected] = field(default_factory=list)


# -- cursors ---------------------------------------------------------------------------------


def read_cursor(store: "Store", table: str) -> Cursor | None:
    """The committed cursor of `table` (None: never pulled, or unreadable — start over, which
    is safe: applying is idempotent)."""
    with store.reading() as conn:
        row = conn.execute("SELECT cursor FROM sync_state WHERE table_name = ?", (table,)).fetchone()
    return _parse_cursor(row[0] if row else None)


def _parse_cursor(text: str | None) -> Cursor | None:
    if not text:
        return None
    try:
        return Cursor.model_validate_json(text)
    except ValidationError:
        log.warning("sync_state holds an unreadable cursor %r; the pull starts over", text[:200])
        return None


def _cursor_key(cursor: Cursor) -> tuple[str, str | int]:
    return timestamp(cursor.at), cursor.id


def _write_cursor(conn: sqlite3.Connection, table: str, cursor: Cursor) -> None:
    row = conn.execute("SELECT cursor FROM sync_state WHERE table_name = ?", (table,)).fetchone()
    current = _parse_cursor(row[0] if row else None)
    if current is not None:
        try:
            if _cursor_key(cursor) <= _cursor_key(current):
                return  # an overlap page: what lies before the committed cursor is applied
        except TypeError:  # ids of different kinds: take the new one
            pass
    conn.execute(
        "INSERT INTO sync_state (table_name, cursor) VALUES (?, ?) "
        "ON CONFLICT (table_name) DO UPDATE SET cursor = excluded.cursor",
        (table, cursor.model_dump_json()),
    )


# -- the careful path ------------------------------------------------------------------------


class _Applier:
    """Applies rows and tombstones inside one server/ack transaction."""

    def __init__(self, store: "Store", ctx: WriteContext) -> None:
        self.store = store
        self.ctx = ctx
        self.conn = ctx.conn
        self.result = Applied(ctx.changes)
        self._shapes: dict[str, TableShape] = {}
        self._upserts: dict[str, str] = {}
        self._unique: dict[str, list[tuple[str, ...]]] = {}
        self.reindex_types: set[str] = set()

    # -- metadata --------------------------------------------------------------------------

    def shape(self, table: str) -> TableShape:
        shape = self._shapes.get(table)
        if shape is None:
            shape = self._shapes[table] = table_shape(self.conn, table)
        return shape

    def unique_keys(self, table: str) -> list[tuple[str, ...]]:
        keys = self._unique.get(table)
        if keys is None:
            keys = []
            for _seq, name, unique, origin, _partial in self.conn.execute(f'PRAGMA index_list("{table}")'):
                if unique and origin != "pk":
                    columns = tuple(r[2] for r in self.conn.execute(f'PRAGMA index_info("{name}")'))
                    if columns and columns != ("id",):
                        keys.append(columns)
            self._unique[table] = keys
        return keys

    def pending(self, table: str, row_id: str) -> list[tuple[int, str, dict[str, Any]]]:
        rows = self.conn.execute(
            "SELECT seq, op, patch FROM outbox WHERE table_name = ? AND row_id = ? AND state = 'pending' ORDER BY seq",
            (table, row_id),
        ).fetchall()
        result = []
        for seq, op, patch in rows:
            try:
                value = json.loads(patch or "{}")
            except ValueError:
                value = {}
            result.append((seq, op, value if isinstance(value, dict) else {}))
        return result

    # -- rows ------------------------------------------------------------------------------

    def row(self, table: str, incoming: Mapping[str, Any]) -> None:
        row_id = incoming.get("id") if isinstance(incoming, Mapping) else None
        if not isinstance(row_id, str) or not row_id:
            self._reject(table, None, "the row has no id")
            return
        version = incoming.get("version")
        if isinstance(version, bool) or not isinstance(version, int) or version < 0:
            self._reject(table, row_id, f"the row has no version (got {version!r})")
            return
        shape = self.shape(table)
        try:
            values = convert_row(shape, incoming)
        except Unstorable as exc:
            self._reject(table, row_id, str(exc))
            return
        cached_row = self.conn.execute(f"SELECT * FROM {table} WHERE id = ?", (row_id,)).fetchone()
        cached = dict(cached_row) if cached_row is not None else None
        if self._deleted_since(table, row_id, values.get("updated_at")):
            self.result.skipped += 1
            return
        pending = self.pending(table, row_id)
        if any(op == "delete" for _, op, _ in pending):
            self.result.skipped += 1  # deleted here, not yet on the server: not brought back
            return
        if cached is not None and (cached.get("version") or 0) >= version:
            self.result.skipped += 1  # a replay, or older than what the cache holds
            return
        merged = dict(cached) if cached is not None else shape.defaults()
        merged.update(values)
        fill_required(shape, merged)
        for _seq, op, patch in pending:  # rebase: this person's edits stay on top, in order
            if op in ("insert", "update"):
                try:
                    local = convert_row(shape, patch)
                except Unstorable:
                    continue  # the write path refused such values; nothing to re-apply
                local.pop("version", None)
                local.pop("updated_at", None)
                merged.update(local)
        self._free_unique_keys(table, row_id, merged)
        self._write(table, shape, merged)
        self.result.written += 1
        self._announce(table, row_id, cached, merged)
        if table == "workspace_members":
            self._follow_own_role(merged)

    def _follow_own_role(self, member: dict[str, Any]) -> None:
        """The person's own membership changed on the server (an admin made them a viewer):
        the cache's `role`, which decides what the screens offer, follows in this transaction."""
        meta = dict(self.conn.execute(
            "SELECT key, value FROM meta WHERE key IN ('user_id', 'workspace_id', 'role')").fetchall())
        if (member.get("user_id") != meta.get("user_id") or member.get("workspace_id") != meta.get("workspace_id")
                or not meta.get("user_id") or member.get("role") == meta.get("role")):
            return
        self.conn.execute(
            "INSERT INTO meta (key, value) VALUES ('role', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (member.get("role"),),
        )
        self.result.changes.add("meta", "role", None)

    def _write(self, table: str, shape: TableShape, values: dict[str, Any]) -> None:
        sql = self._upserts.get(table)
        names = shape.names
        if sql is None:
            columns = ", ".join(f'"{c}"' for c in names)
            marks = ", ".join("?" for _ in names)
            updates = ", ".join(f'"{c}" = excluded."{c}"' for c in names if c != "id")
            sql = self._upserts[table] = (
                f"INSERT INTO {table} ({columns}) VALUES ({marks}) ON CONFLICT (id) DO UPDATE SET {updates}"
            )
        self.conn.execute(sql, [values.get(c) for c in names])

    def _announce(self, table: str, row_id: str, before: dict[str, Any] | None, after: dict[str, Any]) -> None:
        changes = self.result.changes
        if before is None:
            changes.add(table, row_id, None)
            visible: set[str] | None = None
        else:
            diff = [c for c, value in after.items() if before.get(c) != value]
            visible = set(diff) - BOOKKEEPING_COLUMNS
            if not visible:
                return  # an echo of our own write, or bookkeeping only: no news
            changes.add(table, row_id, diff)
        if self.ctx.origin is Origin.SERVER:
            changes.set_author(table, row_id, after.get("updated_by"))
        self._reindex(table, row_id, before, visible)

    def _reindex(self, table: str, row_id: str, before: dict[str, Any] | None, visible: set[str] | None) -> None:
        record_type = _RECORD_TYPES.get(table)
        if record_type is not None:
            if visible is None or visible & search_docs.INDEXED_COLUMNS:
                search_docs.index_record(self.conn, record_type, row_id, self.store.searchable_keys(record_type))
        elif table == "timeline_entries":
            if visible is None or visible & _ENTRY_COLUMNS:
                search_docs.remove_entry(self.conn, row_id)
                search_docs.index_entry(self.conn, row_id)
        elif table == "custom_fields" and (visible is None or visible & _FIELD_COLUMNS):
            row = self.conn.execute("SELECT record_type FROM custom_fields WHERE id = ?", (row_id,)).fetchone()
            for kind in (row[0] if row else None, (before or {}).get("record_type")):
                if kind in _RECORD_TYPES.values():
                    self.reindex_types.add(kind)

    def _free_unique_keys(self, table: str, row_id: str, values: dict[str, Any]) -> None:
        for key in self.unique_keys(table):
            if any(values.get(c) is None for c in key):
                continue  # NULLs never collide
            where = " AND ".join(f'"{c}" = ?' for c in key)
            for (other,) in self.conn.execute(
                f"SELECT id FROM {table} WHERE {where} AND id != ?", (*[values[c] for c in key], row_id)
            ).fetchall():
                self._park(table, other, f"replaced by the server's row {row_id} for the same {', '.join(key)}")
                self._remove(table, other)

    # -- deletes ---------------------------------------------------------------------------

    def tombstone(self, stone: Mapping[str, Any]) -> None:
        table = stone.get("table_name") if isinstance(stone, Mapping) else None
        row_id = stone.get("row_id") if isinstance(stone, Mapping) else None
        if table not in SYNCED_TABLES or not isinstance(row_id, str) or not row_id:
            self._reject(str(table), row_id if isinstance(row_id, str) else None,
                         "a tombstone that names no synced row")
            return
        deleted_at = stone.get("deleted_at")
        deleted = timestamp(deleted_at) if isinstance(deleted_at, str) else ""
        self.conn.execute(
            """INSERT INTO sync_deleted (table_name, row_id, deleted_at) VALUES (?, ?, ?)
            ON CONFLICT (table_name, row_id) DO UPDATE SET deleted_at = max(deleted_at, excluded.deleted_at)""",
            (table, row_id, deleted),
        )
        done = self.conn.execute(
            "DELETE FROM outbox WHERE table_name = ? AND row_id = ? AND op = 'delete'", (table, row_id)
        ).rowcount
        parked = self._park(table, row_id, DELETED_ON_SERVER)
        if done and not parked:
            self.result.changes.add("outbox", row_id, None)
        if self._remove(table, row_id):
            self.result.written += 1
        else:
            self.result.skipped += 1

    def _remove(self, table: str, row_id: str) -> bool:
        gone = self.conn.execute(f"DELETE FROM {table} WHERE id = ?", (row_id,)).rowcount > 0
        if not gone:
            return False
        if table in _RECORD_TYPES:
            self.conn.execute("DELETE FROM search_docs WHERE record_id = ?", (row_id,))
        elif table == "timeline_entries":
            search_docs.remove_entry(self.conn, row_id)
        elif table == "custom_fields":
            self.reindex_types.update(_RECORD_TYPES.values())
        self.result.changes.add(table, row_id, None)
        return True

    def _park(self, table: str, row_id: str, reason: str) -> int:
        """Park the pending entries of a row as failed, with `reason`; returns how many."""
        count = self.conn.execute(
            "UPDATE outbox SET state = 'failed', last_error = ? WHERE table_name = ? AND row_id = ? AND state = 'pending'",
            (reason, table, row_id),
        ).rowcount
        if count:
            self.result.changes.add("outbox", row_id, None)
        return count

    def _deleted_since(self, table: str, row_id: str, updated_at: Any) -> bool:
        """Was this row deleted on the server after the copy we hold was made?"""
        found = self.conn.execute(
            "SELECT deleted_at FROM sync_deleted WHERE table_name = ? AND row_id = ?", (table, row_id)
        ).fetchone()
        if found is None:
            return False
        if isinstance(updated_at, str) and updated_at > found[0]:
            # Written after the delete: the row was created again (an undone delete).
            self.conn.execute("DELETE FROM sync_deleted WHERE table_name = ? AND row_id = ?", (table, row_id))
            return False
        return True

    def forget_old_deletes(self, newest: str | None) -> None:
        if not newest:
            return
        try:
            horizon = iso_utc(datetime.fromisoformat(newest) - DELETED_MEMORY)
        except ValueError:
            return
        self.conn.execute("DELETE FROM sync_deleted WHERE deleted_at < ?", (horizon,))

    # -- the end ---------------------------------------------------------------------------

    def finish(self) -> None:
        """Work left for the end of the transaction: records whose searchable fields changed."""
        if not self.reindex_types:
            return
        self.store.forget_searchable_fields()
        for record_type in sorted(self.reindex_types):
            table = next(t for t, kind in _RECORD_TYPES.items() if kind == record_type)
            keys = self.store.searchable_keys(record_type)
            for (record_id,) in self.conn.execute(f"SELECT id FROM {table} WHERE deleted_at IS NULL").fetchall():
                search_docs.index_record(self.conn, record_type, record_id, keys)
        self.result.changes.add_table("search_docs")

    def _reject(self, table: str, row_id: str | None, reason: str) -> None:
        log.warning("server row not applied: %s %s: %s", table, row_id, reason)
        self.result.rejected.append(Rejected(table, row_id, reason))


def _check_table(table: str) -> None:
    if table not in SYNCED_TABLES:
        raise ValueError(f"{table!r} is not a synced table")


@contextmanager
def _applying(store: "Store", origin: Origin = Origin.SERVER) -> Iterator[_Applier]:
    with store.transaction(origin=origin, foreign_keys=False) as ctx:
        applier = _Applier(store, ctx)
        yield applier
        applier.finish()


# -- the API ---------------------------------------------------------------------------------


def apply_rows(
    store: "Store", table: str, rows: Iterable[Mapping[str, Any]], *, cursor: Cursor | None = None,
) -> Applied:
    """Apply server rows of `table` (one transaction), and commit `cursor` with them."""
    _check_table(table)
    with _applying(store) as applier:
        for row in rows:
            applier.row(table, row)
        if cursor is not None:
            _write_cursor(applier.conn, table, cursor)
    return applier.result


def apply_tombstones(
    store: "Store", tombstones: Iterable[Mapping[str, Any]], *, cursor: Cursor | None = None,
) -> Applied:
    """Apply `sync_tombstones` rows (one transaction), and commit `cursor` with them."""
    with _applying(store) as applier:
        newest: str | None = None
        for stone in tombstones:
            applier.tombstone(stone)
            at = stone.get("deleted_at") if isinstance(stone, Mapping) else None
            if isinstance(at, str):
                converted = timestamp(at)
                newest = max(newest or converted, converted)
        applier.forget_old_deletes(newest)
        if cursor is not None:
            _write_cursor(applier.conn, TOMBSTONES, cursor)
    return applier.result


def apply_ack(store: "Store", table: str, row: Mapping[str, Any] | None, seqs: Sequence[int]) -> Applied:
    """A push was answered: remove the confirmed outbox entries `seqs` and apply `row` (the row
    as the server now has it; None when the write was a delete) — one transaction, origin
    `ack`, with the rebase of the row's entries still pending."""
    _check_table(table)
    with _applying(store, Origin.ACK) as applier:
        conn = applier.conn
        seqs = [int(s) for s in seqs]
        for start in range(0, len(seqs), 500):
            chunk = seqs[start:start + 500]
            marks = ", ".join("?" for _ in chunk)
            for (row_id,) in conn.execute(f"SELECT DISTINCT row_id FROM outbox WHERE seq IN ({marks})", chunk).fetchall():
                applier.result.changes.add("outbox", row_id, None)
            conn.execute(f"DELETE FROM outbox WHERE seq IN ({marks})", chunk)
        if row is not None:
            applier.row(table, row)
    return applier.result


# -- the bulk variant ------------------------------------------------------------------------


class FirstDownload:
    """The first download of one table, applied page by page (see :func:`first_download`)."""

    def __init__(self, store: "Store", table: str) -> None:
        self.store = store
        self.table = table
        self.suspended: list[str] = []

    def apply(self, rows: Sequence[Mapping[str, Any]], *, cursor: Cursor | None = None) -> Applied:
        """Apply one page (one transaction, with its cursor): one version-guarded executemany,
        no search documents (see :func:`finish_first_download`). Rows with pending outbox
        entries or a tombstone, and a page that collides with a unique key, take the careful
        path."""
        table = self.table
        with _applying(self.store) as applier:
            conn = applier.conn
            shape = applier.shape(table)
            first = rows[0] if rows and isinstance(rows[0], Mapping) else {}
            keys = first.keys()
            # The columns of the page (one PostgREST select gives every row the same ones): only
            # these are updated, so a column the server does not send keeps the cache's value.
            present = [c for c in shape.names if c in keys]
            columns = list(dict.fromkeys([*present, *(c for c, col in shape.columns.items() if col.not_null)]))
            careful = self._careful_ids(conn, rows)
            batch: list[list[Any]] = []
            batched: list[Mapping[str, Any]] = []
            for row in rows:
                row_id = row.get("id") if isinstance(row, Mapping) else None
                version = row.get("version") if isinstance(row, Mapping) else None
                if (not isinstance(row_id, str) or row_id in careful or isinstance(version, bool)
                        or not isinstance(version, int) or "id" not in keys or "version" not in keys
                        or row.keys() != keys):
                    applier.row(table, row)  # also rejects what has no id or version
                    continue
                try:
                    values = convert_row(shape, row)
                except Unstorable as exc:
                    applier._reject(table, row_id, str(exc))
                    continue
                fill_required(shape, values)
                batch.append([values.get(c) for c in columns])
                batched.append(row)
            if batch:
                conn.execute("SAVEPOINT bulk_page")
                try:
                    written = bulk.upsert_rows(conn, table, columns, batch, update=present)
                except sqlite3.IntegrityError:  # a unique key held by another id: row by row
                    conn.execute("ROLLBACK TO bulk_page")
                    conn.execute("RELEASE bulk_page")
                    for row in batched:
                        applier.row(table, row)
                else:
                    conn.execute("RELEASE bulk_page")
                    applier.result.written += written
                    applier.result.skipped += len(batch) - written
                    if written:
                        applier.result.changes.add_table(table)
            if cursor is not None:
                _write_cursor(conn, table, cursor)
        return applier.result

    def _careful_ids(self, conn: sqlite3.Connection, rows: Sequence[Mapping[str, Any]]) -> set[str]:
        ids = [r.get("id") for r in rows if isinstance(r, Mapping) and isinstance(r.get("id"), str)]
        found: set[str] = set()
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            marks = ", ".join("?" for _ in chunk)
            for source in ("SELECT row_id FROM outbox WHERE table_name = ? AND state = 'pending' AND row_id IN",
                           "SELECT row_id FROM sync_deleted WHERE table_name = ? AND row_id IN"):
                found.update(r[0] for r in conn.execute(f"{source} ({marks})", (self.table, *chunk)))
        return found


@contextmanager
def first_download(store: "Store", table: str, *, suspend_indexes: bool = True) -> Iterator[FirstDownload]:
    """The bulk variant for a table's first download: yields a :class:`FirstDownload` whose
    `apply(rows, cursor=…)` commits one page at a time.

    When the table is empty as the block begins (and `suspend_indexes`), its secondary indexes
    are dropped — recorded in meta in the same transaction — and re-created once when the block
    ends, whether it ends well or not; after a kill -9 the next first download (or
    :func:`finish_first_download`) re-creates them. Indexes left suspended by an interrupted
    download are re-created first. (While they are suspended, screens that read the table run
    slower queries; the board's tables come first in the download order, so the board is not
    among them once it opens.)
    """
    _check_table(table)
    loader = FirstDownload(store, table)
    with store.transaction(origin=Origin.SERVER) as ctx:
        bulk.restore_suspended(ctx.conn)
        if suspend_indexes and bulk.is_empty(ctx.conn, table):
            loader.suspended = bulk.suspend_indexes(ctx.conn, [table], remember=True)
    try:
        yield loader
    finally:
        if loader.suspended:
            with store.transaction(origin=Origin.SERVER) as ctx:
                bulk.restore(ctx.conn, loader.suspended)


def finish_first_download(store: "Store") -> Applied:
    """The end of the first download: every search document and both full-text indexes built
    once, and any index an interrupted download left suspended re-created."""
    with store.transaction(origin=Origin.SERVER) as ctx:
        bulk.restore_suspended(ctx.conn)
        store.forget_searchable_fields()
        searchable = {kind: store.searchable_keys(kind) for kind in _RECORD_TYPES.values()}
        bulk.rebuild_search(ctx.conn, searchable)
        ctx.changes.add_table("search_docs")
    return Applied(ctx.changes)

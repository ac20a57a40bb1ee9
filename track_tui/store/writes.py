"""The single write path's machinery: one SQLite transaction per user action.

A :class:`WriteContext` is handed to every mutation. Its `insert`/`update`/`delete` write the
row, append one outbox entry per changed row (local writes only) and keep the search documents
current (`insert_many` does the same for many rows of one table at once: imports); `log` writes an auto-logged timeline entry. Everything commits together or not at all;
after commit the store announces the :class:`ChangeSet` (which says, per row, which columns
changed, and the transaction's origin).

A local write is checked first (:mod:`.checks`): storable text and numbers, references to rows
that exist, no company its own ancestor. Rows applied from the server (origin `server`/`ack`)
are stored as the server has them, without outbox entries.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable, Sequence

from ..models import Row, TimelineEntry
from ..models.enums import EntryType, RecordType
from . import audit, bulk, checks, search_docs
from .changes import ChangeSet, Origin
from .errors import NotFound
from .rows import iso_utc, patch_to_json, row_to_dict, to_db
from .undo import RowOp

__all__ = ["NotFound", "RecordEvent", "WriteContext"]

_RECORD_TABLES = {"contacts": RecordType.CONTACT, "companies": RecordType.COMPANY, "deals": RecordType.DEAL}


@dataclass(frozen=True)
class RecordEvent:
    """Something that happened to a record in this transaction (what automations trigger on).

    `kind`: "created" (`new`: the row), "updated" (`old`/`new`: the changed columns' values) or
    "stage_changed" (`new`: the stage_change entry's payload). `cause`: the automations whose
    actions made it, outermost first (empty: the person did)."""

    kind: str
    record_type: RecordType
    record_id: str
    cause: tuple[str, ...] = ()
    old: dict[str, Any] = field(default_factory=dict)
    new: dict[str, Any] = field(default_factory=dict)

_CHUNK = 1000  # rows per executemany in insert_many (and per progress report)


class WriteContext:
    def __init__(
        self,
        conn: sqlite3.Connection,
        *,
        workspace_id: str,
        user_id: str | None,
        now: datetime,
        origin: Origin,
        searchable_keys: Callable[[str], list[str]],
        background: bool = False,
    ) -> None:
        self.conn = conn
        self.workspace_id = workspace_id
        self.user_id = user_id
        self.now = now
        self.origin = origin
        self.changes = ChangeSet(origin=origin, background=background)
        self._outbox = origin is Origin.LOCAL  # only this person's writes are uploaded
        self._check = origin is Origin.LOCAL  # the server's rows are its truth
        self._searchable_keys = searchable_keys
        # Every row this transaction writes, for undo (see :mod:`.undo`); None: not kept.
        self.journal: list[RowOp] | None = None
        # What happened to records, for the local automation runner (see automation_runner.py):
        # kept only when the store runs automations itself (no server); `cause` names the
        # automations whose actions are being written right now (the runner's loop guard).
        self.events: list[RecordEvent] | None = None
        self.cause: tuple[str, ...] = ()
        self.notices: list[Any] = []  # the runner's notify actions, shown by the app after commit
        self.audit = False  # True: write audit_log entries here (no server's trigger does; audit.py)

    # -- rows ------------------------------------------------------------------------------

    def fetch(self, table: str, row_id: str) -> dict[str, Any]:
        row = self.conn.execute(f"SELECT * FROM {table} WHERE id = ?", (row_id,)).fetchone()
        if row is None:
            raise NotFound(f"no {table} row with id {row_id}")
        return row_to_dict(row)

    def insert(self, model: Row) -> None:
        # A model's `created_at` defaults to the wall clock when it is built; a row created
        # through the write path takes the store's clock instead (frozen in tests and snapshots),
        # unless the caller gave a time (server rows, restores, imports).
        if "created_at" in type(model).model_fields and "created_at" not in model.model_fields_set:
            model.created_at = self.now  # type: ignore[attr-defined]
        data = model.model_dump()
        if self._check:
            checks.check_values(data)
            checks.check_references(self.conn, model.TABLE, data)
            if model.TABLE == "companies":
                checks.check_company_parent(self.conn, model.id, data.get("parent_id"))
        values = {column: to_db(column, value) for column, value in data.items()}
        if self._outbox and values.get("updated_at") is None:
            values["updated_at"] = iso_utc(self.now)
        columns = ", ".join(f'"{c}"' for c in values)
        marks = ", ".join("?" for _ in values)
        self.conn.execute(f"INSERT INTO {model.TABLE} ({columns}) VALUES ({marks})", tuple(values.values()))
        payload = model.model_dump(mode="json", exclude={"updated_at", "version"})
        self._enqueue(model.TABLE, model.id, "insert", payload, None)
        if self.journal is not None:
            self.journal.append(RowOp("insert", model.TABLE, model.id, after=values))
        if self.audit:
            self._audit(model.TABLE, model.id, "insert", None, payload)
        self.changes.add(model.TABLE, model.id, None)
        self._reindex(model.TABLE, model.id)
        if self.events is not None and model.TABLE in _RECORD_TABLES:
            self.events.append(RecordEvent("created", _RECORD_TABLES[model.TABLE], model.id, self.cause,
                                           new=data))

    def insert_many(self, models: Sequence[Row], *, progress: Callable[[int], None] | None = None) -> None:
        """Insert many rows of one table (an import): what `insert` does row by row — checks,
        outbox entries, the undo journal, search documents — with one `executemany` per chunk.

        Rows are written in the order given, so a row may refer to one earlier in the list (a
        company's parent). `progress(n)` hears how many rows each chunk wrote.
        """
        if not models:
            return
        table = models[0].TABLE
        if any(model.TABLE != table for model in models):
            raise ValueError("insert_many writes rows of one table; split the list by table")
        record_type = {"contacts": "contact", "companies": "company", "deals": "deal"}.get(table)
        keys = self._searchable_keys(record_type) if record_type else []
        stamp = iso_utc(self.now)
        all_docs: list[dict[str, Any]] = []
        for start in range(0, len(models), _CHUNK):
            chunk = models[start:start + _CHUNK]
            rows: list[tuple[Any, ...]] = []
            outbox: list[tuple[Any, ...]] = []
            docs: list[dict[str, Any]] = []
            columns: list[str] | None = None
            for model in chunk:
                if "created_at" in type(model).model_fields and "created_at" not in model.model_fields_set:
                    model.created_at = self.now  # type: ignore[attr-defined]
                data = model.model_dump()
                if table == "companies" and data.get("parent_id") and rows and columns:
                    # the parent check reads the table: write the rows before this one first
                    self._write_rows(table, columns, rows)
                    rows = []
                if self._check:
                    checks.check_values(data)
                    checks.check_references(self.conn, table, data)
                    if table == "companies":
                        checks.check_company_parent(self.conn, model.id, data.get("parent_id"))
                values = {column: to_db(column, value) for column, value in data.items()}
                if self._outbox and values.get("updated_at") is None:
                    values["updated_at"] = stamp
                if columns is None:
                    columns = list(values)
                rows.append(tuple(values[c] for c in columns))
                if self._outbox:
                    payload = model.model_dump(mode="json", exclude={"updated_at", "version"})
                    outbox.append((table, model.id, "insert", json.dumps(payload, default=str, sort_keys=True), None, stamp))
                if self.journal is not None:
                    self.journal.append(RowOp("insert", table, model.id, after=values))
                if record_type:
                    docs.append(search_docs.record_doc(record_type, {**data, "updated_at": values.get("updated_at")}, keys))
            self._write_rows(table, columns or [], rows)
            if outbox:
                self.conn.executemany(
                    "INSERT INTO outbox (table_name, row_id, op, patch, base_version, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                    outbox,
                )
                self.changes.add("outbox", chunk[-1].id, None)
            all_docs.extend(docs)
            for model in chunk:
                self.changes.add(table, model.id, None)
                if self.audit:  # a standalone cache logs an import's rows as the server's trigger would
                    self._audit(table, model.id, "insert", None,
                                model.model_dump(mode="json", exclude={"updated_at", "version"}))
            if progress is not None:
                progress(len(chunk))
        # New records' documents: the full-text indexes filled set-wise (see bulk.add_documents).
        bulk.add_documents(self.conn, all_docs)

    def _write_rows(self, table: str, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
        if rows:
            names = ", ".join(f'"{c}"' for c in columns)
            marks = ", ".join("?" for _ in columns)
            self.conn.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)

    def update(self, table: str, row_id: str, patch: dict[str, Any]) -> dict[str, Any]:
        """Apply `patch` (column → Python value); return the old values of the columns that changed.

        Columns whose value does not change are left out of the UPDATE and the outbox patch.
        """
        current = self.fetch(table, row_id)
        changed = {
            column: value
            for column, value in patch.items()
            if to_db(column, value) != to_db(column, current.get(column))
        }
        if not changed:
            return {}
        if self._check:
            checks.check_values(changed)
            checks.check_references(self.conn, table, changed, current)
            if table == "companies" and "parent_id" in changed:
                checks.check_company_parent(self.conn, row_id, changed["parent_id"])
        assignments = ", ".join(f'"{c}" = ?' for c in changed)
        params = [to_db(c, v) for c, v in changed.items()]
        if self._outbox:
            assignments += ", updated_at = ?"
            params.append(iso_utc(self.now))
        self.conn.execute(f"UPDATE {table} SET {assignments} WHERE id = ?", (*params, row_id))
        self._enqueue(table, row_id, "update", patch_to_json(changed), current.get("version"))
        if self.journal is not None:
            self.journal.append(RowOp(
                "update", table, row_id, before={c: to_db(c, current.get(c)) for c in changed},
                after={c: to_db(c, v) for c, v in changed.items()},
            ))
        self.changes.add(table, row_id, [*changed, "updated_at"] if self._outbox else changed)
        if self.audit:
            self._audit(table, row_id, "update", patch_to_json({c: current.get(c) for c in changed}),
                        patch_to_json(changed))
        if search_docs.INDEXED_COLUMNS.intersection(changed):
            # Only when searched text changed: rewriting a document rewrites its pages in both
            # full-text indexes, which would make every stage move a large write.
            self._reindex(table, row_id)
        old = {column: current.get(column) for column in changed}
        if self.events is not None and table in _RECORD_TABLES:
            self.events.append(RecordEvent("updated", _RECORD_TABLES[table], row_id, self.cause,
                                           old=old, new=dict(changed)))
        return old

    def delete(self, table: str, row_id: str) -> dict[str, Any]:
        """Hard-delete a row; return what it held (for undo)."""
        current = self.fetch(table, row_id)
        self.conn.execute(f"DELETE FROM {table} WHERE id = ?", (row_id,))
        self._enqueue(table, row_id, "delete", {}, current.get("version"))
        if self.journal is not None:
            self.journal.append(RowOp("delete", table, row_id, before={c: to_db(c, v) for c, v in current.items()}))
        self.changes.add(table, row_id, None)
        if self.audit:
            self._audit(table, row_id, "delete", patch_to_json(current), None)
        if table == "timeline_entries":
            search_docs.remove_entry(self.conn, row_id)
        else:
            self._reindex(table, row_id)  # a record that is gone loses its search document
        return current

    def log(
        self,
        record_type: RecordType | str,
        record_id: str,
        entry_type: EntryType,
        *,
        body: str | None = None,
        payload: dict[str, Any] | None = None,
    ) -> TimelineEntry:
        """Write an auto-logged timeline entry (stage change, field edit, task event)."""
        entry = TimelineEntry(
            workspace_id=self.workspace_id,
            record_type=RecordType(record_type),
            record_id=record_id,
            entry_type=entry_type,
            author_id=self.user_id,
            body=body,
            payload=payload or {},
            created_at=self.now,
        )
        self.insert(entry)
        if self.events is not None and entry_type is EntryType.STAGE_CHANGE:
            self.events.append(RecordEvent("stage_changed", RecordType(record_type), record_id, self.cause,
                                           new=dict(payload or {})))
        return entry

    # -- internals -------------------------------------------------------------------------

    def _audit(self, table: str, row_id: str, action: str, old: dict[str, Any] | None, new: dict[str, Any] | None) -> None:
        # While a local automation acts (`cause` ends with its id) it is the actor, not the person.
        actor = self.cause[-1] if self.cause else self.user_id
        entry = audit.record(self.conn, workspace_id=self.workspace_id, actor_id=actor, now=self.now,
                             table=table, row_id=row_id, action=action, old=old, new=new)
        if entry is not None:
            self.changes.add("audit_log", entry, None)

    def _enqueue(self, table: str, row_id: str, op: str, patch: dict[str, Any], base_version: int | None) -> None:
        if not self._outbox:
            return
        self.conn.execute(
            "INSERT INTO outbox (table_name, row_id, op, patch, base_version, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            (table, row_id, op, json.dumps(patch, default=str, sort_keys=True), base_version, iso_utc(self.now)),
        )
        self.changes.add("outbox", row_id, None)

    def _reindex(self, table: str, row_id: str) -> None:
        if table in ("contacts", "companies", "deals"):
            record_type = {"contacts": "contact", "companies": "company", "deals": "deal"}[table]
            search_docs.index_record(self.conn, record_type, row_id, self._searchable_keys(record_type))
        elif table == "timeline_entries":
            search_docs.index_entry(self.conn, row_id)

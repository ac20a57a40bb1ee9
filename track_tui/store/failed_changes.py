"""The outbox entries the server refused ("failed"), in words, and putting them back in line.

The failed-changes screen lists each parked entry with what a person calls its record, what it
tried ("Close date: 12 Mar 2026 → 30 Apr 2026", "create", "delete") and the server's reason.
The outbox keeps only the new values of an update; the old ones come from the `field_edit`
timeline entries the write path logged in the same transaction (same record, same instant), so
the list can say "from → to" without a copy of the old row. A table with no such entries (a card
move, a task) says the new values only.

:func:`retry_failed` puts entries back as pending — what "retry" means when no engine runs (the
demo, offline); with an engine the screen asks the engine instead (`SyncControl.retry`), which
does the same and pushes. Discarding needs the server's row, so only the engine can do it.

No Textual here: read and written through the store like every other query and write.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Iterable

from pydantic import BaseModel, ConfigDict

from ..models.enums import RecordType
from ..models.money import Money
from ..models.records import FIELD_LABELS
from .changes import BOOKKEEPING_COLUMNS

if TYPE_CHECKING:
    from .store import Store

_RECORD_TABLES = {"deals": RecordType.DEAL, "contacts": RecordType.CONTACT, "companies": RecordType.COMPANY}
# Rows that belong to a record, and the columns naming it.
_OWNED = {
    "board_cards": ("record_type", "record_id"),
    "timeline_entries": ("record_type", "record_id"),
    "tasks": ("record_type", "record_id"),
}
_KIND_WORDS = {
    "deals": "deal", "contacts": "contact", "companies": "company", "board_cards": "card",
    "timeline_entries": "timeline entry", "tasks": "task", "deal_contacts": "deal contact",
}
VALUE_CELLS = 32  # a value in "old → new" is cut beyond this
_LOGGED = ("field_edit", "stage_change")  # timeline entries the write path writes itself


class FailedChange(BaseModel):
    """One parked outbox entry, as the failed-changes screen shows it."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    seq: int
    table: str
    row_id: str
    op: str
    name: str  # the record's name (or the row's, when it belongs to no record)
    kind: str  # "deal", "task", "timeline entry"…
    tried: str  # what it tried, in words
    reason: str  # the server's reason
    attempts: int = 0
    record_type: RecordType | None = None  # the record to open, when there is one
    record_id: str | None = None


def failed_changes(store: "Store", limit: int = 500) -> list[FailedChange]:
    """The parked entries, oldest first."""
    with store.reading() as conn:
        rows = conn.execute(
            "SELECT seq, table_name, row_id, op, patch, attempts, last_error, created_at FROM outbox "
            "WHERE state = 'failed' ORDER BY seq LIMIT ?", (limit,),
        ).fetchall()
        return [_describe(conn, store, tuple(row)) for row in rows]


def retry_failed(store: "Store", seqs: Iterable[int]) -> int:
    """Put parked entries back in the queue (pending); returns how many were parked."""
    seqs = [int(s) for s in seqs]
    if not seqs:
        return 0
    count = 0
    with store.transaction(settings_only=True) as tx:  # bookkeeping of this person's own edits
        for start in range(0, len(seqs), 500):
            chunk = seqs[start:start + 500]
            marks = ", ".join("?" for _ in chunk)
            rows = tx.conn.execute(
                f"SELECT DISTINCT row_id FROM outbox WHERE state = 'failed' AND seq IN ({marks})", chunk,
            ).fetchall()
            count += tx.conn.execute(
                f"UPDATE outbox SET state = 'pending', last_error = NULL WHERE state = 'failed' AND seq IN ({marks})",
                chunk,
            ).rowcount
            for (row_id,) in rows:
                tx.changes.add("outbox", row_id, None)
    return count


# -- in words ----------------------------------------------------------------------------------


def _describe(conn, store: "Store", row: tuple) -> FailedChange:
    seq, table, row_id, op, patch_text, attempts, reason, created_at = row
    try:
        patch = json.loads(patch_text or "{}")
        if not isinstance(patch, dict):
            patch = {}
    except ValueError:
        patch = {}
    record_type, record_id = _owner(conn, table, row_id, patch)
    name = _name(conn, table, row_id, patch, record_type, record_id)
    if op == "insert" and table == "timeline_entries" and patch.get("entry_type") in _LOGGED:
        tried = "log a change in the timeline"  # the auto-logged entry of an edit listed beside it
    elif op == "insert":
        tried = f"create this {_KIND_WORDS.get(table, 'row')}"
    elif op == "delete":
        tried = f"delete this {_KIND_WORDS.get(table, 'row')}"
    else:
        tried = _update_words(conn, table, patch, record_id, created_at)
    return FailedChange(
        seq=seq, table=table, row_id=row_id, op=op, name=name, kind=_KIND_WORDS.get(table, table),
        tried=tried, reason=reason or "the server gave no reason", attempts=attempts or 0,
        record_type=record_type, record_id=record_id,
    )


def _owner(conn, table: str, row_id: str, patch: dict[str, Any]) -> tuple[RecordType | None, str | None]:
    if table in _RECORD_TABLES:
        return _RECORD_TABLES[table], row_id
    if table in _OWNED:
        type_column, id_column = _OWNED[table]
        found = conn.execute(f"SELECT {type_column}, {id_column} FROM {table} WHERE id = ?", (row_id,)).fetchone()
        kind, owner = (found[0], found[1]) if found else (patch.get(type_column), patch.get(id_column))
        try:
            return (RecordType(kind), owner) if kind and owner else (None, None)
        except ValueError:
            return None, None
    if table == "deal_contacts":
        found = conn.execute("SELECT deal_id FROM deal_contacts WHERE id = ?", (row_id,)).fetchone()
        deal = found[0] if found else patch.get("deal_id")
        return (RecordType.DEAL, deal) if deal else (None, None)
    return None, None


def _name(conn, table: str, row_id: str, patch: dict[str, Any], record_type: RecordType | None,
          record_id: str | None) -> str:
    if record_type is not None and record_id:
        found = conn.execute(f"SELECT name FROM {record_type.table} WHERE id = ?", (record_id,)).fetchone()
        if found and found[0]:
            return str(found[0])
    for key in ("name", "title", "full_name"):
        if isinstance(patch.get(key), str) and patch[key]:
            return patch[key]
    if table == "tasks":
        found = conn.execute("SELECT title FROM tasks WHERE id = ?", (row_id,)).fetchone()
        if found and found[0]:
            return str(found[0])
    return f"a {_KIND_WORDS.get(table, table)} no longer here"


def _update_words(conn, table: str, patch: dict[str, Any], record_id: str | None,
                  created_at: str) -> str:
    olds: dict[str, tuple[str, Any]] = {}  # field → (label, old value), from the write's field_edit entries
    if record_id:
        for (payload_text,) in conn.execute(
            "SELECT payload FROM timeline_entries WHERE record_id = ? AND entry_type = 'field_edit' AND created_at = ?",
            (record_id, created_at),
        ).fetchall():
            try:
                payload = json.loads(payload_text or "{}")
            except ValueError:
                continue
            if isinstance(payload, dict) and isinstance(payload.get("field"), str):
                olds[payload["field"]] = (str(payload.get("label") or payload["field"]), payload.get("old"))
    parts: list[str] = []
    for column, new in sorted(patch.items()):
        if column in BOOKKEEPING_COLUMNS:
            continue
        if column == "custom_fields" and isinstance(new, dict):
            for key, value in sorted(new.items()):
                field = f"custom_fields.{key}"
                if field in olds:
                    label, old = olds[field]
                    parts.append(f"{label}: {_value(old)} → {_value(value)}")
            continue
        if column == "stage_id" and table == "board_cards":
            parts.append(f"move to {_stage_name(conn, new)}")
            continue
        if column == "stage_id":  # a deal's stage follows its card: names, never the stage's id
            parts.append(f"Stage: {_stage_change(conn, record_id, created_at, new)}")
            continue
        if column == "position":
            continue  # the card's place in its column: part of a move, not worth a line
        label, old = olds.get(column, (FIELD_LABELS.get(column, column.replace("_", " ").capitalize()), _MISSING))
        if column == "value_cents":
            currency = _currency(conn, table, record_id, patch)
            old, new = (_money(old, currency) if old is not _MISSING else old), _money(new, currency)
        parts.append(f"{label}: {_value(new)}" if old is _MISSING else f"{label}: {_value(old)} → {_value(new)}")
    return "; ".join(parts) if parts else "change this row"


_MISSING = object()


def _currency(conn, table: str, deal_id: str | None, patch: dict[str, Any]) -> str:
    if isinstance(patch.get("currency"), str):
        return patch["currency"]
    if table != "deals" or not deal_id:
        return ""
    found = conn.execute("SELECT currency FROM deals WHERE id = ?", (deal_id,)).fetchone()
    return str(found[0]) if found and found[0] else ""


def _money(minor: Any, currency: str) -> Any:
    """A stored amount in minor units as a person reads it ("$42,000.00")."""
    if isinstance(minor, bool) or not isinstance(minor, int):
        return minor
    return Money(minor=minor, currency=currency).format()


def _stage_name(conn, stage_id: Any) -> str:
    found = conn.execute("SELECT name FROM board_stages WHERE id = ?", (stage_id,)).fetchone()
    return str(found[0]) if found and found[0] else "another stage"


def _stage_change(conn, deal_id: str | None, created_at: str, stage_id: Any) -> str:
    """"Lead → Qualified" from the move's own stage_change entry (same record, same instant),
    else the new stage's name alone."""
    found = conn.execute(
        "SELECT json_extract(payload, '$.from_stage') FROM timeline_entries "
        "WHERE record_id = ? AND entry_type = 'stage_change' AND created_at = ? "
        "AND json_extract(payload, '$.to_stage_id') = ?",
        (deal_id, created_at, stage_id),
    ).fetchone() if deal_id else None
    new = _stage_name(conn, stage_id)
    return f"{_value(found[0])} → {new}" if found and found[0] else new


def _value(value: Any) -> str:
    if value is None or value == "" or value == []:
        return "(empty)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        text = ", ".join(str(v) for v in value)
    elif isinstance(value, dict):
        text = json.dumps(value, sort_keys=True)
    else:
        text = str(value)
    return text if len(text) <= VALUE_CELLS else text[: VALUE_CELLS - 1] + "…"



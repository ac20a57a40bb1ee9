"""Keeping the search documents current, inside the write path's transaction.

One document per live record (entry_id = ''), holding the fields the server's `search_index`
covers — name, email, domain, title, tags, industry, searchable custom fields — and one per
timeline entry a person wrote (note, call, email, meeting), holding its body. Triggers in the
schema mirror every document into the word index (`search_fts`) and the trigram index
(`search_trigram`). A soft-deleted record loses all its documents; restoring it brings them back.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

_TABLES = {"contact": "contacts", "company": "companies", "deal": "deals"}
# Columns whose change alters a document (deleted_at removes or restores all of a record's).
INDEXED_COLUMNS = frozenset(
    {"name", "email", "domain", "title", "tags", "industry", "custom_fields", "deleted_at", "body", "payload"}
)
BODY_ENTRY_TYPES = ("note", "call", "email", "meeting")

UPSERT = """
INSERT INTO search_docs (record_type, record_id, entry_id, name, email, domain, title, tags,
                         industry, custom, body, updated_at)
VALUES (:record_type, :record_id, :entry_id, :name, :email, :domain, :title, :tags, :industry,
        :custom, :body, :updated_at)
ON CONFLICT (record_id, entry_id) DO UPDATE SET
    name = excluded.name, email = excluded.email, domain = excluded.domain, title = excluded.title,
    tags = excluded.tags, industry = excluded.industry, custom = excluded.custom,
    body = excluded.body, updated_at = excluded.updated_at
"""


def custom_text(custom_fields: dict[str, Any], keys: list[str]) -> str | None:
    """The searchable custom-field values of a record as one text."""
    parts: list[str] = []
    for key in keys:
        value = custom_fields.get(key)
        if value is None:
            continue
        if isinstance(value, list):
            parts.extend(str(v) for v in value)
        elif isinstance(value, dict):
            continue  # currency amounts and links carry no words worth finding
        else:
            parts.append(str(value))
    return " ".join(parts) or None


def record_doc(record_type: str, row: dict[str, Any], keys: list[str]) -> dict[str, Any]:
    """The document of one record; `row` holds decoded column values."""
    tags = row.get("tags") or []
    tags = [str(tag) for tag in tags] if isinstance(tags, list) else [str(tags)]  # as the server holds them
    return {
        "record_type": record_type,
        "record_id": row["id"],
        "entry_id": "",
        "name": row.get("name"),
        "email": row.get("email"),
        "domain": row.get("domain"),
        "title": row.get("title"),
        "tags": " ".join(tags) or None,
        "industry": row.get("industry"),
        "custom": custom_text(row.get("custom_fields") or {}, keys),
        "body": None,
        "updated_at": row.get("updated_at") or row.get("created_at"),
    }


def index_record(conn: sqlite3.Connection, record_type: str, record_id: str, keys: list[str]) -> None:
    row = conn.execute(f"SELECT * FROM {_TABLES[record_type]} WHERE id = ?", (record_id,)).fetchone()
    if row is None or row["deleted_at"] is not None:
        conn.execute("DELETE FROM search_docs WHERE record_id = ?", (record_id,))
        return
    data = dict(row)
    data["tags"] = json.loads(data.get("tags") or "[]")
    data["custom_fields"] = _object(json.loads(data.get("custom_fields") or "{}"))
    already = conn.execute(
        "SELECT 1 FROM search_docs WHERE record_id = ? AND entry_id = ''", (record_id,)
    ).fetchone()
    conn.execute(UPSERT, record_doc(record_type, data, keys))
    if not already:  # newly created, or restored after a soft delete: bring its entries back
        for (entry_id,) in conn.execute(
            "SELECT id FROM timeline_entries WHERE record_id = ?", (record_id,)
        ).fetchall():
            index_entry(conn, entry_id)


def index_entry(conn: sqlite3.Connection, entry_id: str) -> None:
    entry = conn.execute(
        "SELECT id, record_type, record_id, entry_type, body, payload, created_at FROM timeline_entries WHERE id = ?",
        (entry_id,),
    ).fetchone()
    if entry is None or entry["entry_type"] not in BODY_ENTRY_TYPES or entry["record_type"] not in _TABLES:
        return
    parent = conn.execute(
        f"SELECT deleted_at FROM {_TABLES[entry['record_type']]} WHERE id = ?", (entry["record_id"],)
    ).fetchone()
    if parent is None or parent["deleted_at"] is not None:
        return
    payload = json.loads(entry["payload"] or "{}")
    if not isinstance(payload, dict):  # the web app's shape, not ours: only the body has words
        payload = {}
    body = " ".join(
        str(part) for part in (payload.get("subject"), payload.get("title"), entry["body"]) if part
    )
    if not body:  # emptied: it no longer has words to find
        remove_entry(conn, entry_id)
        return
    conn.execute(
        UPSERT,
        {
            "record_type": entry["record_type"], "record_id": entry["record_id"], "entry_id": entry_id,
            "name": None, "email": None, "domain": None, "title": None, "tags": None,
            "industry": None, "custom": None, "body": body, "updated_at": entry["created_at"],
        },
    )


def _object(value: Any) -> dict[str, Any]:
    """A stored custom_fields value as a dict (the server may hold another JSON type there)."""
    return value if isinstance(value, dict) else {}


def remove_entry(conn: sqlite3.Connection, entry_id: str) -> None:
    conn.execute("DELETE FROM search_docs WHERE entry_id = ?", (entry_id,))


def rebuild(conn: sqlite3.Connection, searchable: dict[str, list[str]]) -> None:
    """Recreate every document from scratch (after a bulk load); the caller holds a transaction."""
    conn.execute("DELETE FROM search_docs")
    # Documents are written oldest first, so rowid order follows recency (new documents get
    # higher rowids too): search reads the newest matches of a huge match set by rowid alone.
    docs = []
    for record_type, table in _TABLES.items():
        keys = searchable.get(record_type, [])
        rows = conn.execute(f"SELECT * FROM {table} WHERE deleted_at IS NULL")
        for row in rows:
            data = dict(row)
            data["tags"] = json.loads(data.get("tags") or "[]")
            data["custom_fields"] = _object(json.loads(data.get("custom_fields") or "{}"))
            docs.append(record_doc(record_type, data, keys))
    docs.sort(key=lambda doc: (doc["updated_at"] or "", doc["record_id"]))
    conn.executemany(UPSERT, docs)
    conn.execute(
        f"""INSERT INTO search_docs (record_type, record_id, entry_id, body, updated_at)
        SELECT t.record_type, t.record_id, t.id,
               trim(coalesce(json_extract(t.payload, '$.subject') || ' ', '') ||
                    coalesce(json_extract(t.payload, '$.title') || ' ', '') || coalesce(t.body, '')),
               t.created_at
        FROM timeline_entries t
        WHERE t.entry_type IN ({", ".join(repr(t) for t in BODY_ENTRY_TYPES)})
          AND coalesce(t.body, json_extract(t.payload, '$.subject'), json_extract(t.payload, '$.title')) IS NOT NULL
        ORDER BY t.created_at, t.id"""
    )

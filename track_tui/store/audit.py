"""The audit log (`audit_log`): who changed which row, when, from what to what.

On a Supabase project the server's trigger writes it (every client's change, the web app's
included) and sync brings it down. A cache that stands alone (the demo) has no server, so its
write path writes the entries itself, in the same transaction as the change (:func:`record`):
one per row a person's action inserts, updates or deletes in the tables below, with the whole
row for an insert or a delete and the changed columns' old and new values for an update — the
shape the server's trigger stores. Entries are history: an undo does not remove them (it is a
change of its own, and is logged as one).

The actor (`actor_id`) is the person — or, for what a local automation's actions wrote, the
automation's id: the automation did it, not the person (the server's runner writes as no
user, and its entries have no actor). No column is added for this: `actor_id` already says
who, and an automation's id never collides with a person's (the audit list names either).

Not logged: the timeline (it is itself a log of the record), automation runs (their own log),
card positions (every reorder would be an entry; a stage move shows on the record) and the
cache's own tables.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from typing import Any

from ..models import new_id
from .rows import iso_utc

AUDITED_TABLES = frozenset({
    "boards", "board_stages", "contacts", "companies", "deals", "deal_contacts", "tasks", "custom_fields",
    "automations", "workspace_members",
})
IGNORED_COLUMNS = frozenset({"updated_at", "version", "updated_by"})


def _clean(data: dict[str, Any] | None) -> dict[str, Any] | None:
    if data is None:
        return None
    return {k: v for k, v in data.items() if k not in IGNORED_COLUMNS}


def record(conn: sqlite3.Connection, *, workspace_id: str, actor_id: str | None, now: datetime, table: str,
           row_id: str, action: str, old: dict[str, Any] | None, new: dict[str, Any] | None) -> str | None:
    """Write one audit entry (JSON values as the server's jsonb holds them); its id, or None
    when the table is not audited or nothing but bookkeeping columns changed."""
    if table not in AUDITED_TABLES:
        return None
    old, new = _clean(old), _clean(new)
    if action == "update" and not new:
        return None
    entry_id = new_id()
    stamp = iso_utc(now)
    conn.execute(
        """INSERT INTO audit_log (id, workspace_id, actor_id, table_name, record_id, action, old_data, new_data,
        created_at, updated_at, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)""",
        (entry_id, workspace_id, actor_id, table, row_id, action,
         None if old is None else json.dumps(old, default=str, sort_keys=True),
         None if new is None else json.dumps(new, default=str, sort_keys=True), stamp, stamp),
    )
    return entry_id

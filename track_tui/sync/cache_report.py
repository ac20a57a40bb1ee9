"""What a workspace cache says about its sync, read without the network (`track status --json`).

Read through a read-only SQLite connection, so a running app or `track sync --watch` holding the
cache is never disturbed, and a damaged or foreign file is reported, not repaired.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from ..store.queries import PENDING_CHANGES_SQL
from .engine import LAST_SUCCESS
from .failures import clean
from .pull import FIRST_DOWNLOAD_DONE

FAILED_LISTED = 50  # at most this many failed entries are listed (the count is exact)


def cache_report(path: Path) -> dict[str, Any] | None:
    """pending, failed (count and entries with reasons), last_success, first_download_done and
    per-table cursors; None when the file is missing or unreadable."""
    if not Path(path).exists():
        return None
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error:
        return None
    try:
        meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
        # the things changed, as the status line counts them (Store.pending_changes)
        pending = conn.execute(PENDING_CHANGES_SQL).fetchone()[0]
        failed_count = conn.execute("SELECT count(*) FROM outbox WHERE state = 'failed'").fetchone()[0]
        failed = [
            {"seq": seq, "table": table, "row_id": row_id, "op": op, "reason": clean(reason or "", 300),
             "attempts": attempts}
            for seq, table, row_id, op, reason, attempts in conn.execute(
                "SELECT seq, table_name, row_id, op, last_error, attempts FROM outbox WHERE state = 'failed' "
                "ORDER BY seq LIMIT ?", (FAILED_LISTED,))
        ]
        cursors = {}
        for table, text in conn.execute("SELECT table_name, cursor FROM sync_state ORDER BY table_name"):
            try:
                cursors[table] = json.loads(text) if text else None
            except ValueError:
                cursors[table] = None
    except sqlite3.Error:
        return None
    finally:
        conn.close()
    return {
        "pending": pending,
        "failed": failed_count,
        "failed_changes": failed,
        "last_success": meta.get(LAST_SUCCESS),
        "first_download_done": meta.get(FIRST_DOWNLOAD_DONE) == "1",
        "cursors": cursors,
    }

"""The change log: how one process learns WHAT another process changed in the shared cache.

SQLite tells a connection *that* someone else committed (`PRAGMA data_version` changes), not
what. So every write transaction appends one row to `change_log` before it commits: the writer
(one id per open store), the origin (local/server/ack) and the ChangeSet as JSON (table → row
id → columns; "any row" for a table with very many). Another process, seeing `data_version`
move, reads the rows after the last sequence number it saw, skips its own, and announces the
rest as if they had happened in it — screens refresh exactly what changed.

Decisions:
- One row per transaction, not per changed row: a card move costs one small insert.
- Pruned as it is written: only the last :data:`KEEP` transactions are kept, so the table stays
  a few hundred kilobytes however long the cache lives. A reader that fell further behind (a
  laptop asleep for a day) sees a gap in the sequence and announces "anything may have
  changed" — screens re-read everything, which is always correct.
- `seq` is AUTOINCREMENT, so numbers are never reused after pruning and a gap is detectable.
- The table is created by schema migration 6 (`schema.py`).
- Commits that write no log row (meta settings such as the last board opened) are not news.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from .changes import ChangeSet, Origin

KEEP = 1000

def append(conn: sqlite3.Connection, writer: str, changes: ChangeSet) -> None:
    """Log `changes` inside the open write transaction on `conn`, and prune old entries.

    A cache still at an older schema (only tests build one: a real cache is migrated when it
    opens, and a read-only one is never written) has no log to write to.
    """
    try:
        cursor = conn.execute(
            "INSERT INTO change_log (writer, origin, changes) VALUES (?, ?, ?)",
            (writer, changes.origin.value, changes.to_log()),
        )
    except sqlite3.OperationalError as exc:
        if "no such table: change_log" in str(exc):
            return
        raise
    seq = cursor.lastrowid or 0
    if seq > KEEP:
        conn.execute("DELETE FROM change_log WHERE seq <= ?", (seq - KEEP,))


def last_seq(conn: sqlite3.Connection) -> int:
    try:
        return conn.execute("SELECT coalesce(max(seq), 0) FROM change_log").fetchone()[0]
    except sqlite3.OperationalError:  # a cache opened read-only before migration 5: no log
        return 0


@dataclass
class LogRead:
    last_seq: int
    changes: list[ChangeSet]  # other writers' transactions, consecutive ones of one origin merged
    gap: bool  # entries after `since` were pruned before they were read


def read_since(conn: sqlite3.Connection, since: int, *, skip_writer: str) -> LogRead:
    try:
        rows = conn.execute(
            "SELECT seq, writer, origin, changes FROM change_log WHERE seq > ? ORDER BY seq", (since,)
        ).fetchall()
    except sqlite3.OperationalError as exc:
        if "no such table" not in str(exc):
            raise
        rows = []
    if not rows:
        return LogRead(since, [], False)
    gap = rows[0][0] > since + 1
    merged: list[ChangeSet] = []
    for _seq, writer, origin, text in rows:
        if writer == skip_writer:
            continue
        try:
            kind = Origin(origin)
        except ValueError:
            kind = Origin.SERVER
        changes = ChangeSet.from_log(text, kind)
        if merged and merged[-1].origin is kind:
            merged[-1].merge(changes)
        else:
            merged.append(changes)
    return LogRead(rows[-1][0], merged, gap)

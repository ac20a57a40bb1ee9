"""Loading many rows at once: the demo workspace and the first download of a synced workspace.

The write path (one transaction per action, a search document per row, indexes kept current
row by row) is right for a person's edits and far too slow for 100,000 deals. A bulk load
instead:

- writes each table with `executemany` (:func:`insert_rows`; :func:`upsert_rows` for server
  rows: `INSERT … ON CONFLICT (id) DO UPDATE … WHERE excluded.version > version`, so a page
  applied twice, or a row the cache already holds in a newer version, is left alone);
- suspends the secondary indexes of the tables it fills while they are empty
  (:func:`suspend_indexes`) and re-creates each once at the end (:func:`restore`): an index
  built once over all rows is faster than one grown row by row;
- writes no search document row by row: :func:`rebuild_search` recreates every document at the
  end with the FTS triggers suspended, then has each FTS5 table read its content table in one
  pass (the triggers copy rows one at a time: about 20 of 45 seconds at 100,000 deals).

A load that spans several transactions (the first download commits page by page, so a kill -9
resumes from the last committed page) records the index definitions it dropped in `meta`
(:data:`SUSPENDED_KEY`) in the same transaction as the drop; :func:`restore_suspended`
re-creates whatever an interrupted load left suspended.

:func:`fast_pragmas` is for a load into a file nobody else has open (the demo): no fsync and a
rollback journal instead of WAL. The first download runs beside the screens' readers and keeps
the cache's own settings.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any, Iterable, Sequence

from . import search_docs

SUSPENDED_KEY = "bulk_suspended_indexes"


def _quoted(columns: Sequence[str]) -> str:
    return ", ".join(f'"{c}"' for c in columns)


def insert_rows(conn: sqlite3.Connection, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Plain INSERT of `rows` (tuples in `columns` order); returns how many."""
    rows = rows if isinstance(rows, list) else list(rows)
    conn.executemany(
        f"INSERT INTO {table} ({_quoted(columns)}) VALUES ({', '.join('?' for _ in columns)})", rows,
    )
    return len(rows)


def upsert_rows(
    conn: sqlite3.Connection, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]],
    *, update: Sequence[str] | None = None,
) -> int:
    """INSERT, or UPDATE the `update` columns (default: all but id) where the incoming row's
    `version` is newer than the cached one; returns the rows written. `columns` must hold
    `id` and `version`."""
    update = [c for c in (update if update is not None else columns) if c != "id"]
    assignments = ", ".join(f'"{c}" = excluded."{c}"' for c in update)
    before = conn.total_changes
    conn.executemany(
        f"""INSERT INTO {table} ({_quoted(columns)}) VALUES ({', '.join('?' for _ in columns)})
        ON CONFLICT (id) DO UPDATE SET {assignments} WHERE excluded.version > {table}.version""",
        rows,
    )
    return conn.total_changes - before


def is_empty(conn: sqlite3.Connection, table: str) -> bool:
    return conn.execute(f"SELECT NOT EXISTS (SELECT 1 FROM {table})").fetchone()[0] == 1


def suspend_indexes(conn: sqlite3.Connection, tables: Iterable[str] | None = None, *, remember: bool = False) -> list[str]:
    """Drop the secondary indexes of `tables` (None: every table); return the SQL that
    re-creates them. Constraint indexes (primary keys, UNIQUE) stay: they keep the data right.
    `remember`: also record the SQL in meta (same transaction), for :func:`restore_suspended`."""
    wanted = None if tables is None else list(tables)
    sql = "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
    params: list[str] = []
    if wanted is not None:
        if not wanted:
            return []
        sql += f" AND tbl_name IN ({', '.join('?' for _ in wanted)})"
        params = wanted
    rows = conn.execute(sql + " ORDER BY name", params).fetchall()
    for name, _ in rows:
        conn.execute(f'DROP INDEX "{name}"')
    statements = [statement for _, statement in rows]
    if remember and statements:
        _remember(conn, [*_remembered(conn), *statements])
    return statements


def restore(conn: sqlite3.Connection, statements: Iterable[str]) -> None:
    """Re-create what :func:`suspend_indexes` / :func:`suspend_search_triggers` dropped, and
    forget it in meta if it was remembered."""
    statements = list(statements)
    for statement in statements:
        conn.execute(_if_not_exists(statement))
    remembered = _remembered(conn)
    if remembered:
        left = [s for s in remembered if s not in statements]
        _remember(conn, left)


def restore_suspended(conn: sqlite3.Connection) -> int:
    """Re-create every index an interrupted load left suspended; returns how many."""
    remembered = _remembered(conn)
    restore(conn, remembered)
    return len(remembered)


def _if_not_exists(statement: str) -> str:
    for head in ("CREATE INDEX ", "CREATE UNIQUE INDEX ", "CREATE TRIGGER "):
        if statement.startswith(head) and not statement.startswith(head + "IF NOT EXISTS"):
            return head + "IF NOT EXISTS " + statement[len(head):]
    return statement


def _remembered(conn: sqlite3.Connection) -> list[str]:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (SUSPENDED_KEY,)).fetchone()
    if row is None or not row[0]:
        return []
    try:
        value = json.loads(row[0])
    except ValueError:
        return []
    return [s for s in value if isinstance(s, str)] if isinstance(value, list) else []


def _remember(conn: sqlite3.Connection, statements: list[str]) -> None:
    if statements:
        conn.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (SUSPENDED_KEY, json.dumps(statements)),
        )
    else:
        conn.execute("DELETE FROM meta WHERE key = ?", (SUSPENDED_KEY,))


def suspend_search_triggers(conn: sqlite3.Connection) -> list[str]:
    """Drop the triggers that copy search documents into the FTS5 tables; return their SQL."""
    rows = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'search_docs' ORDER BY name"
    ).fetchall()
    for name, _ in rows:
        conn.execute(f'DROP TRIGGER "{name}"')
    return [statement for _, statement in rows]


def fill_full_text_indexes(conn: sqlite3.Connection) -> None:
    """Have each FTS5 table over search_docs read its content table in one pass ('rebuild')."""
    for name in _full_text_tables(conn):
        conn.execute(f'INSERT INTO "{name}" ("{name}") VALUES (\'rebuild\')')


def _full_text_tables(conn: sqlite3.Connection) -> list[str]:
    return [name for (name,) in conn.execute(
        """SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL TABLE%'
        AND sql LIKE '%content=''search_docs''%' ORDER BY name"""
    ).fetchall()]


def add_documents(conn: sqlite3.Connection, docs: Sequence[dict[str, Any]]) -> None:
    """Insert many new search documents (records never indexed before: an import) inside the
    caller's transaction, each FTS5 table filled in one INSERT … SELECT instead of a trigger
    per row (about five times faster at 20,000 documents). A document that is already there
    fails the insert (UNIQUE) rather than leaving the full-text indexes out of step."""
    if not docs:
        return
    first = conn.execute("SELECT coalesce(max(rowid), 0) FROM search_docs").fetchone()[0]
    triggers = suspend_search_triggers(conn)
    try:
        columns = list(docs[0])
        conn.executemany(
            f"INSERT INTO search_docs ({_quoted(columns)}) VALUES ({', '.join(':' + c for c in columns)})", docs,
        )
        for table in _full_text_tables(conn):
            fts_columns = [row[1] for row in conn.execute(f'PRAGMA table_info("{table}")')]
            conn.execute(
                f'INSERT INTO "{table}" (rowid, {_quoted(fts_columns)}) '
                f"SELECT rowid, {_quoted(fts_columns)} FROM search_docs WHERE rowid > ?", (first,),
            )
    finally:
        for statement in triggers:
            conn.execute(statement)


def rebuild_search(conn: sqlite3.Connection, searchable: dict[str, list[str]], *, suspend_triggers: bool = True) -> None:
    """Recreate every search document and both full-text indexes, inside the caller's
    transaction. `suspend_triggers=False` when the caller has suspended them already."""
    triggers = suspend_search_triggers(conn) if suspend_triggers else []
    search_docs.rebuild(conn, searchable)
    fill_full_text_indexes(conn)
    for statement in triggers:
        conn.execute(statement)


def fast_pragmas(conn: sqlite3.Connection) -> list[str]:
    """Settings for one big load into a file nobody else has open; returns the statements that
    put the connection back.

    No fsync while building, a 256 MiB page cache, and a rollback journal instead of WAL: in
    WAL mode every page of a fresh 100,000-deal file (~450 MB) would be written twice, once
    to the log at commit and again at the checkpoint. A crash mid-build leaves a file to
    rebuild either way; a failed build still rolls back.
    """
    synchronous = conn.execute("PRAGMA synchronous").fetchone()[0]
    cache_size = conn.execute("PRAGMA cache_size").fetchone()[0]
    journal = conn.execute("PRAGMA journal_mode").fetchone()[0]
    restore_statements = [f"PRAGMA synchronous = {int(synchronous)}", f"PRAGMA cache_size = {int(cache_size)}"]
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -262144")
    if str(journal).lower() == "wal" and conn.execute("PRAGMA journal_mode = DELETE").fetchone()[0] == "delete":
        restore_statements.append("PRAGMA journal_mode = WAL")
    return restore_statements

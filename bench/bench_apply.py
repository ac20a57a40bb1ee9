"""First-download figures: a 100,000-deal workspace applied through the bulk path.

The rows are the demo workspace's (100,000 deals with their cards, contacts, companies, deal
contacts, timeline and tasks, and the small tables around them: about 600,000 rows), turned into
what the server sends: JSON objects with the server's values (jsonb as objects, text[] as
arrays, booleans, PostgREST's timestamps with trimmed microseconds, a version from 1 and an
`updated_by`), in (updated_at, id) order, in pages of 1,000.

Measured in the same run, each into a new cache file:

- **plain**: per table, one transaction with one plain `executemany` INSERT of the same rows
  (converted by the same conversion as the bulk path: what any loader must do) into the empty
  schema as it is, indexes and all;
- **bulk**: `server_apply.first_download` per table — one transaction per page of 1,000 with its
  cursor, the version-guarded upsert, indexes suspended while the table loads — then
  `finish_first_download` (every search document and both full-text indexes, which the plain
  load does not build at all).

Printed: both times, the ratio plain / bulk (the budget: at least 0.5, i.e. the first download
takes at most twice a plain executemany), and the bulk time without its search build.

Run: `python -m bench.bench_apply` (or `make bench`).
"""

from __future__ import annotations

import json
import sqlite3
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .workspaces import BENCH_NOW, workspace

DEALS = 100_000
PAGE = 1_000
BUDGET = 0.5
_TIMES = ("created_at", "updated_at", "deleted_at", "run_at")


def _postgrest_time(value: str | None) -> str | None:
    if value is None:
        return None
    moment = datetime.fromisoformat(value).astimezone(timezone.utc)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    if moment.microsecond:
        text += f".{moment.microsecond:06d}".rstrip("0")
    return text + "+00:00"


def server_rows(path: Path) -> dict[str, list[dict[str, Any]]]:
    """Every synced table of the workspace at `path` as the server would send it."""
    from track_tui.store.rows import BOOL_COLUMNS, JSON_COLUMNS
    from track_tui.store.schema import SYNCED_TABLES

    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    author = "00000000-0000-4000-8000-00000000b0b0"
    result: dict[str, list[dict[str, Any]]] = {}
    try:
        for table in SYNCED_TABLES:
            rows = []
            for row in conn.execute(f"SELECT * FROM {table}"):
                out: dict[str, Any] = {}
                for column in row.keys():
                    value = row[column]
                    if column == "email" and table == "profiles":
                        continue  # the cache's own column
                    if value is not None and column in JSON_COLUMNS:
                        value = json.loads(value)
                    elif value is not None and column in BOOL_COLUMNS:
                        value = bool(value)
                    elif column in _TIMES:
                        value = _postgrest_time(value)
                    out[column] = value
                out["updated_at"] = out.get("updated_at") or _postgrest_time(BENCH_NOW.isoformat())
                out["version"] = 1
                out["updated_by"] = author
                rows.append(out)
            rows.sort(key=lambda r: (datetime.fromisoformat(r["updated_at"]), r["id"]))
            result[table] = rows
    finally:
        conn.close()
    return result


def _new_store(folder: Path, name: str, workspace_id: str):
    from track_tui.store import Store

    store = Store(folder / name, clock=lambda: BENCH_NOW)
    store.set_meta("workspace_id", workspace_id)
    return store


def plain(store, rows: dict[str, list[dict[str, Any]]]) -> float:
    """One plain executemany per table, of the converted rows, into the schema as it is."""
    from track_tui.store.server_rows import convert_row, fill_required, table_shape

    conn = store.conn
    started = time.perf_counter()
    with store.lock:
        for table, table_rows in rows.items():
            if not table_rows:
                continue
            shape = table_shape(conn, table)
            columns = [c for c in shape.names if c in table_rows[0]]
            columns += [c for c, col in shape.columns.items() if col.not_null and c not in columns]
            values = []
            for row in table_rows:
                converted = fill_required(shape, convert_row(shape, row))
                values.append([converted.get(c) for c in columns])
            conn.execute("BEGIN")
            conn.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})", values)
            conn.execute("COMMIT")
    return time.perf_counter() - started


def bulk(store, rows: dict[str, list[dict[str, Any]]]) -> tuple[float, float]:
    """The first download through server_apply; returns (total, of which the search build)."""
    from track_tui.store import server_apply
    from track_tui.store.server_apply import Cursor

    started = time.perf_counter()
    for table, table_rows in rows.items():
        with server_apply.first_download(store, table) as loader:
            for start in range(0, len(table_rows), PAGE):
                page = table_rows[start:start + PAGE]
                loader.apply(page, cursor=Cursor(at=page[-1]["updated_at"], id=page[-1]["id"]))
    search_started = time.perf_counter()
    server_apply.finish_first_download(store)
    ended = time.perf_counter()
    return ended - started, ended - search_started


def main() -> None:
    print("First download (server rows → cache)")
    path, built = workspace(DEALS)
    if built is not None:
        print(f"  (built the {DEALS:,}-deal demo workspace in {built:.1f} s)")
    started = time.perf_counter()
    rows = server_rows(path)
    count = sum(len(r) for r in rows.values())
    print(f"  {count:,} server rows ({DEALS:,} deals) made in {time.perf_counter() - started:.1f} s")
    workspace_id = rows["workspaces"][0]["id"]
    with tempfile.TemporaryDirectory(prefix="track-bench-apply-") as folder:
        plain_store = _new_store(Path(folder), "plain.sqlite3", workspace_id)
        try:
            plain_time = plain(plain_store, rows)
        finally:
            plain_store.close()
        bulk_store = _new_store(Path(folder), "bulk.sqlite3", workspace_id)
        try:
            bulk_time, search_time = bulk(bulk_store, rows)
            applied = sum(bulk_store.conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in rows)
        finally:
            bulk_store.close()
    assert applied == count, (applied, count)
    ratio = plain_time / bulk_time
    print(f"  plain executemany, one transaction per table:  {plain_time:6.2f} s  ({count / plain_time:,.0f} rows/s)")
    print(f"  bulk first download, pages of {PAGE:,} + cursors:  {bulk_time:6.2f} s  ({count / bulk_time:,.0f} rows/s)"
          f"; of which search documents {search_time:.2f} s")
    verdict = "within" if ratio >= BUDGET else "OVER"
    print(f"  ratio plain / bulk: {ratio:.2f}  (budget >= {BUDGET}: {verdict} budget)")


if __name__ == "__main__":
    main()

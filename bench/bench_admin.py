"""Figures for running the workspace: what the local runner and the audit log cost a write, and
what reading the audit log costs deep into a long one.

1. A card move through the store on a standalone cache (the demo's seven automations looked at,
   the audit entry written) against the same move on a cache a server stands behind (baseline,
   same run, same file): the write path's cost of doing the server's work itself.
2. One page of the audit log (200 entries, newest first) read at the start and 100,000 entries
   in, by keyset (created_at, rowid): the ratio says whether a page deep in the log costs what
   the first one does.
"""

from __future__ import annotations

import shutil
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from .store_moves import median_move_ms
from .workspaces import BENCH_NOW, workspace


def _fill_audit(path: Path, entries: int) -> None:
    from track_tui.store import Store
    from track_tui.store.rows import iso_utc

    store = Store(path, clock=lambda: BENCH_NOW)
    ws = store.workspace_id
    rows = [(f"bench-{i}", ws, None, "deals", f"record-{i % 5000}", "update", '{"name":"a"}', '{"name":"b"}',
             iso_utc(BENCH_NOW - timedelta(seconds=i))) for i in range(entries)]
    with store.lock:
        store.conn.execute("BEGIN")
        store.conn.executemany(
            """INSERT INTO audit_log (id, workspace_id, actor_id, table_name, record_id, action, old_data, new_data,
            created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""", rows)
        store.conn.execute("COMMIT")
    store.close()


def _pages(path: Path, depth: int, rounds: int) -> tuple[float, float]:
    from track_tui.store import Store
    from track_tui.store.audit_queries import AuditFilter

    store = Store(path, clock=lambda: BENCH_NOW)
    first, deep = [], []
    cursor = None
    read = 0
    while read < depth:  # walk to the page `depth` entries in, as scrolling would
        page = store.audit_entries(AuditFilter(), after=cursor)
        cursor, read = page[-1], read + len(page)
    for _ in range(rounds):
        started = time.perf_counter()
        store.audit_entries(AuditFilter())
        first.append(time.perf_counter() - started)
        started = time.perf_counter()
        store.audit_entries(AuditFilter(), after=cursor)
        deep.append(time.perf_counter() - started)
    store.close()
    return statistics.median(first) * 1000, statistics.median(deep) * 1000


def main(count: int = 200) -> None:
    print("== running the workspace ==")
    source, _ = workspace(2_000)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / source.name
        shutil.copyfile(source, path)
        served = median_move_ms(path, count, standalone=False)
        alone = median_move_ms(path, count, standalone=True)
        print(f"store.move_card, 2,000 deals, 7 automations: standalone (runner + audit) median {alone:.3f} ms; "
              f"with a server behind the cache {served:.3f} ms (× {alone / served:.2f})")
        _fill_audit(path, 120_000)
        first, deep = _pages(path, 100_000, 30)
        print(f"audit log page of 200, 120,000 entries: 100,000 entries in median {deep:.2f} ms; "
              f"the first page {first:.2f} ms (× {deep / first:.2f})")


if __name__ == "__main__":
    main()

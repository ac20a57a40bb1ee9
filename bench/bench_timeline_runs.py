"""What showing automation runs in a record's timeline costs the timeline's reads.

A deal with 5,000 entries and 500 automation runs: one page (60, what the timeline reads at a
time) of the merged timeline — entries and runs by time — read at the top and 4,400 items in,
each against the same page of the entries alone (`Store.timeline`, the query the page used
before runs were shown) in the same run on the same file. The merge is SQLite's merge of two
index-ordered reads, so a deep page should cost about what the first one does, and both a
small multiple of the entries-only read (the runs' rule names and words are the rest).

Run: `python -m bench.bench_timeline_runs` (or `make bench`).
"""

from __future__ import annotations

import os
import shutil
import statistics
import time
from datetime import timedelta

from .workspaces import BENCH_NOW, cache_dir, workspace

ENTRIES, RUNS, PAGE, DEEP, ROUNDS = 5_000, 500, 60, 4_400, 30


def _prepare() -> tuple[str, str]:
    from track_tui.models import AutomationRun, RecordType, TimelineEntry
    from track_tui.models.enums import EntryType, RunStatus
    from track_tui.store import Origin, Store

    source, _ = workspace(1_000)
    path = cache_dir() / f"timeline-runs-bench-{os.getpid()}.sqlite3"
    shutil.copyfile(source, path)
    store = Store(path, clock=lambda: BENCH_NOW)
    deal = store.conn.execute("SELECT id FROM deals WHERE deleted_at IS NULL ORDER BY created_at, id LIMIT 1").fetchone()[0]
    rule = store.conn.execute("SELECT id FROM automations ORDER BY id LIMIT 1").fetchone()[0]
    with store.transaction(origin=Origin.SERVER) as tx:
        for n in range(ENTRIES):
            tx.insert(TimelineEntry(workspace_id=store.workspace_id, record_type=RecordType.DEAL, record_id=deal,
                                    entry_type=EntryType.NOTE, body=f"Note {n}", author_id=store.user_id,
                                    created_at=BENCH_NOW - timedelta(minutes=7 * n + 1)))
        for n in range(RUNS):
            tx.insert(AutomationRun(automation_id=rule, record_id=deal, status=RunStatus.SUCCESS, duration_ms=5,
                                    run_at=BENCH_NOW - timedelta(minutes=70 * n + 3), workspace_id=store.workspace_id))
    store.close()
    return str(path), deal


def _median_ms(read) -> float:
    read()  # warm
    times = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        read()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def main() -> None:
    from track_tui.store import Store

    path, deal = _prepare()
    store = Store(path, clock=lambda: BENCH_NOW)
    try:
        figures = {}
        for label, offset in (("first page", 0), (f"{DEEP:,} in", DEEP)):
            alone = _median_ms(lambda: store.timeline(deal, limit=PAGE, offset=offset))
            merged = _median_ms(lambda: store.record_timeline(deal, limit=PAGE, offset=offset))
            figures[label] = (alone, merged)
    finally:
        store.close()
        for suffix in ("", "-wal", "-shm"):
            try:
                os.unlink(path + suffix)
            except FileNotFoundError:
                pass
    print(f"Record timeline with automation runs ({ENTRIES:,} entries + {RUNS} runs on one deal, {PAGE} a page)")
    for label, (alone, merged) in figures.items():
        print(f"  {label:<12} entries alone {alone:6.2f} ms · entries and runs {merged:6.2f} ms · "
              f"{merged / alone:.2f}× (baseline: the entries alone, same run)")
    deep, first = figures[f"{DEEP:,} in"][1], figures["first page"][1]
    print(f"  a page {DEEP:,} in costs {deep / first:.2f}× the first page")


if __name__ == "__main__":
    main()

"""Record page figures: time to a drawn deal page with 5,000 timeline entries.

Budgets: ≤ 100 ms from opening the page to the page being drawn, with 5,000 entries on the deal
(issue "Record detail with timeline"), and ≤ 2.5× a bare screen measured in the same run
(issue 13, "Opening a record and searching": the ratio holds on a loaded machine too). Measured in a headless app at 120x40 on the 1k-deal demo
workspace: from `push_screen` to the first refresh after the page mounted (`call_after_refresh`), i.e. the
page drawn; the first round warms caches and is not counted. Printed beside the same figure for an ordinary demo deal (a dozen entries) and for
a bare screen and for the store reads alone, so results from different machines compare as ratios.

Run: `python -m bench.bench_record` (or `make bench`).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import statistics
import time
from datetime import timedelta

from .workspaces import BENCH_NOW, cache_dir, workspace

ENTRIES = 5_000
RUNS = 7
BUDGET_RATIO = 2.5  # × the bare screen


def _with_long_timeline(entries: int) -> tuple[str, str, str]:
    """A copy of the 1k workspace whose first deal has `entries` more timeline entries."""
    from track_tui.models import RecordType, TimelineEntry
    from track_tui.models.enums import EntryType
    from track_tui.store import Origin, Store

    source, _ = workspace(1_000)
    path = cache_dir() / f"record-bench-{os.getpid()}.sqlite3"
    shutil.copyfile(source, path)
    store = Store(path, clock=lambda: BENCH_NOW)
    deal_id, small_id = [r[0] for r in store.conn.execute(
        "SELECT id FROM deals WHERE deleted_at IS NULL ORDER BY created_at, id LIMIT 2")]
    kinds = [EntryType.NOTE, EntryType.CALL, EntryType.EMAIL, EntryType.FIELD_EDIT, EntryType.STAGE_CHANGE]
    with store.transaction(origin=Origin.SERVER) as tx:
        for n in range(entries):
            kind = kinds[n % len(kinds)]
            payload = {
                EntryType.CALL: {"disposition": "connected", "duration_seconds": 300 + n % 900},
                EntryType.EMAIL: {"subject": f"Re: proposal v{n}", "direction": "inbound"},
                EntryType.FIELD_EDIT: {"field": "close_date", "label": "Close date", "old": "2026-12-01", "new": "2026-12-15"},
                EntryType.STAGE_CHANGE: {"from_stage": "Proposal", "to_stage": "Negotiation"},
            }.get(kind, {})
            body = None
            if kind == EntryType.NOTE:
                body = f"## Review {n}\n\nBudget **confirmed**; next steps:\n\n- legal review\n- pricing call on day {n % 28 + 1}"
            elif kind in (EntryType.CALL, EntryType.EMAIL):
                body = f"Spoke about the rollout plan, number {n}. They want a phased start in Q{n % 4 + 1}."
            tx.insert(TimelineEntry(
                workspace_id=store.workspace_id, record_type=RecordType.DEAL, record_id=deal_id, entry_type=kind,
                author_id=store.user_id, body=body, payload=payload, created_at=BENCH_NOW - timedelta(minutes=7 * n + 1),
            ))
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    return str(path), deal_id, small_id


def _drawn(cls):
    """`cls` that notes when its first frame has been drawn (the refresh after mount)."""

    class Timed(cls):  # type: ignore[misc, valid-type]
        drawn_at: float | None = None

        def on_mount(self) -> None:
            # Only the mark: Textual calls every class's own `on_mount` along the MRO, so the
            # page's handler runs anyway (calling it from here too ran the page's mount twice).
            self.call_after_refresh(self._mark)

        def _mark(self) -> None:
            self.drawn_at = time.perf_counter()

    return Timed


async def _measure(path: str, deal_ids: list[str]) -> dict[str, list[float]]:
    from textual.screen import Screen
    from textual.widgets import Footer, Static

    from track_tui.app import TrackApp
    from track_tui.config import Settings
    from track_tui.models import RecordType
    from track_tui.screens.record import RecordScreen
    from track_tui.store import Store
    from track_tui.widgets.status_line import StatusLine

    class Bare(Screen):
        def compose(self):
            yield Static("baseline")
            yield StatusLine()
            yield Footer()

    store = Store(path, clock=lambda: BENCH_NOW)
    results: dict[str, list[float]] = {key: [] for key in (*deal_ids, "baseline", "reads")}
    cpu: dict[str, list[float]] = {key: [] for key in (*deal_ids, "baseline")}  # process time, same opens
    timed_page, timed_bare = _drawn(RecordScreen), _drawn(Bare)
    try:
        app = TrackApp(store, Settings())
        async with app.run_test(size=(120, 40)) as pilot:
            await app.workers.wait_for_complete()
            await pilot.pause()
            for run in range(RUNS + 1):
                for key in (*deal_ids, "baseline"):
                    screen = timed_bare() if key == "baseline" else timed_page(store, RecordType.DEAL, key)
                    started, cpu_started = time.perf_counter(), time.process_time()
                    await app.push_screen(screen)
                    while screen.drawn_at is None:
                        await asyncio.sleep(0.0005)
                    if run:  # the first round warms caches (CSS, imports) and is not counted
                        results[key].append(screen.drawn_at - started)
                        cpu[key].append(time.process_time() - cpu_started)
                    if key != "baseline":
                        assert screen.timeline._rendered
                    app.pop_screen()
                    await pilot.pause()
                started = time.perf_counter()
                store.record(RecordType.DEAL, deal_ids[0])
                store.record_relations(RecordType.DEAL, deal_ids[0])
                store.timeline_count(deal_ids[0])
                store.timeline(deal_ids[0], limit=60)
                results["reads"].append(time.perf_counter() - started)
    finally:
        store.close()
    return results, cpu


def main() -> None:
    path, big, small = _with_long_timeline(ENTRIES)
    try:
        results, cpu = asyncio.run(_measure(path, [big, small]))
    finally:
        for suffix in ("", "-wal", "-shm"):
            try:
                os.unlink(path + suffix)
            except FileNotFoundError:
                pass
    ms = {key: statistics.median(values) * 1000 for key, values in results.items()}
    print(f"record page (120x40, median of {RUNS}; budget ≤ 100 ms with {ENTRIES:,} entries)")
    print(f"  deal with {ENTRIES:,}+ timeline entries: open → drawn {ms[big]:6.1f} ms  (worst {max(results[big]) * 1000:.1f} ms)")
    print(f"  ordinary demo deal:                  open → drawn {ms[small]:6.1f} ms")
    print(f"  baseline: a bare screen (static, status line, footer):   {ms['baseline']:6.1f} ms")
    print(f"  store reads alone (record, relations, count, first page): {ms['reads']:.1f} ms")
    ratio = ms[big] / ms["baseline"]
    print(f"  page with {ENTRIES:,} entries × bare screen: {ratio:.2f} (budget ≤ {BUDGET_RATIO:.1f}×: "
          f"{'within' if ratio <= BUDGET_RATIO else 'OVER'})")
    # The wall-clock ratio swings with other processes on a loaded machine (2.1–4.8 in three
    # runs at a load of 13 on 2 CPUs); the process's own CPU time for the same opens does not
    # count the time spent waiting for a CPU, so it says what the page itself costs.
    cpu_ms = {key: statistics.median(values) * 1000 for key, values in cpu.items()}
    print(f"  CPU time of the same opens: page {cpu_ms[big]:.1f} ms, bare screen {cpu_ms['baseline']:.1f} ms: "
          f"{cpu_ms[big] / cpu_ms['baseline']:.2f}× (this process only; it includes no wait for the next frame)")
    print(f"  load average while measuring: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()

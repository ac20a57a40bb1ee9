"""Inbox figures: time to a drawn task inbox holding 10,000 tasks.

Measured in a headless app at 120x40 on a demo workspace of 12,500 deals (about 10,000 tasks),
with the inbox showing everyone's tasks: from `push_screen` to the first refresh after the tasks
arrived (the worker's query, the grouping and the visible lines drawn). Printed beside the store
query alone and a bare screen pushed the same way, so results from different machines compare as
ratios; then the cost of a cursor page-down at the bottom of the list (rendering stays per screen).

Run: `python -m bench.bench_inbox` (or `make bench`).
"""

from __future__ import annotations

import asyncio
import statistics
import time

from .workspaces import BENCH_NOW, workspace

DEALS = 12_500
RUNS = 7


async def _measure(path) -> dict[str, list[float]]:
    from textual.screen import Screen
    from textual.widgets import Footer, Static

    from track_tui.app import TrackApp
    from track_tui.config import Settings
    from track_tui.screens.inbox import InboxScreen
    from track_tui.store import Store
    from track_tui.store.inbox_queries import group_tasks

    class Bare(Screen):
        def compose(self):
            yield Static("baseline")
            yield Footer()

    store = Store(path, clock=lambda: BENCH_NOW)
    results: dict[str, list[float]] = {"inbox": [], "query": [], "baseline": [], "page": []}
    tasks = 0
    try:
        app = TrackApp(store, Settings())
        async with app.run_test(size=(120, 40)) as pilot:
            await app.workers.wait_for_complete()
            await pilot.pause()
            for run in range(RUNS + 1):
                inbox = InboxScreen(store)
                inbox.everyone = True
                drawn: list[float] = []
                started = time.perf_counter()
                await app.push_screen(inbox)
                while not inbox.loaded:
                    await asyncio.sleep(0.0005)
                inbox.call_after_refresh(lambda: drawn.append(time.perf_counter()))
                while not drawn:
                    await asyncio.sleep(0.0005)
                tasks = len(inbox.tasks)
                if run:
                    results["inbox"].append(drawn[0] - started)
                inbox.action_cursor_to(-1)
                await pilot.pause()
                started = time.perf_counter()
                inbox.action_page(-1)
                inbox.task_list.render_lines(inbox.task_list.region.reset_offset)  # draw the new screenful
                if run:
                    results["page"].append(time.perf_counter() - started)
                app.pop_screen()
                await pilot.pause()

                bare = Bare()
                done: list[float] = []
                started = time.perf_counter()
                await app.push_screen(bare)
                bare.call_after_refresh(lambda: done.append(time.perf_counter()))
                while not done:
                    await asyncio.sleep(0.0005)
                if run:
                    results["baseline"].append(done[0] - started)
                app.pop_screen()
                await pilot.pause()

                started = time.perf_counter()
                group_tasks(store.inbox_tasks(everyone=True), store.today())
                if run:
                    results["query"].append(time.perf_counter() - started)
    finally:
        store.close()
    results["tasks"] = [float(tasks)]
    return results


def main() -> None:
    print("Inbox: time to a drawn inbox")
    path, built = workspace(DEALS)
    if built is not None:
        print(f"  (built the {DEALS:,}-deal workspace in {built:.1f} s)")
    results = asyncio.run(_measure(path))
    ms = {key: statistics.median(values) * 1000 for key, values in results.items() if key != "tasks"}
    tasks = int(results["tasks"][0])
    print(f"  inbox with {tasks:,} tasks (everyone's): {ms['inbox']:.1f} ms to drawn (median of {RUNS})")
    print(f"  of which the store query + grouping alone: {ms['query']:.1f} ms")
    print(f"  baseline: a bare screen pushed and drawn: {ms['baseline']:.1f} ms "
          f"(inbox / baseline = {ms['inbox'] / ms['baseline']:.1f}x)")
    print(f"  page up at the end of the list, redrawn: {ms['page']:.2f} ms")


if __name__ == "__main__":
    main()

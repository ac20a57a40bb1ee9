"""Undo figures: `u` after a card move at 10k cards in a column, key to the board redrawn.

An undo writes the move's rows back in one transaction and the board reloads its columns (no
screen made the change in memory). Its baseline, measured in the same run the same way, is the
move itself (`L`, key to the board redrawn after its figures reload), so the figure reads as
"an undo costs N moves" on any machine. The store's own cost of keeping the undo journal is the
second line: a move through the store, with the journal kept and without (`Store.keep_undo`).
"""

from __future__ import annotations

import asyncio
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from .store_moves import median_move_ms
from .workspaces import BENCH_NOW, workspace


async def _keys(path: Path, count: int) -> tuple[list[float], list[float]]:
    from track_tui.app import TrackApp
    from track_tui.config import Settings
    from track_tui.store import Store

    store = Store(path, clock=lambda: BENCH_NOW)
    app = TrackApp(store, Settings())
    moves: list[float] = []
    undos: list[float] = []
    async with app.run_test(size=(120, 40)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause(0.2)
        await app.workers.wait_for_complete()
        for _ in range(count):
            for key, into in (("L", moves), ("u", undos)):
                started = time.perf_counter()
                await pilot.press(key)
                await app.workers.wait_for_complete()
                await pilot.pause()
                into.append(time.perf_counter() - started)
    store.close()
    return moves, undos


def main(count: int = 20) -> None:
    print("== undo ==")
    source, _ = workspace(10_000, column=10_000)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / source.name
        shutil.copyfile(source, path)
        moves, undos = asyncio.run(_keys(path, count))
        move_ms = statistics.median(moves) * 1000
        undo_ms = statistics.median(undos) * 1000
        print(f"u after a card move, 10,000 cards in the column, through Pilot (key, workers done, a refresh): "
              f"median {undo_ms:.1f} ms; the move itself (L) {move_ms:.1f} ms (undo × {undo_ms / move_ms:.2f})")
        kept = median_move_ms(path, 300, keep_undo=True)
        bare = median_move_ms(path, 300, keep_undo=False)
        print(f"store.move_card with the undo journal: median {kept:.3f} ms; without it {bare:.3f} ms "
              f"(× {kept / bare:.2f})")


if __name__ == "__main__":
    main()

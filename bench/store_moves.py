"""One way to time card moves through the store, for the figures that weigh what a setting
(standalone running, the undo journal) adds to the write path: the same card moved back and
forth between the board's first two stages, the median in milliseconds."""

from __future__ import annotations

import statistics
import time
from pathlib import Path

from .workspaces import BENCH_NOW


def median_move_ms(path: Path, count: int, **settings: object) -> float:
    """`count` moves on the cache at `path`, with each of `settings` set on the Store first
    (e.g. `standalone=True`, `keep_undo=False`)."""
    from track_tui.store import Store

    store = Store(path, clock=lambda: BENCH_NOW)
    for name, value in settings.items():
        setattr(store, name, value)
    board = store.boards()[0]
    stages = store.stages(board.id)
    card = store.column_card_ids(board, stages[0].id)[0]
    times = []
    for i in range(count):
        started = time.perf_counter()
        store.move_card(card, stages[(i + 1) % 2].id)
        times.append(time.perf_counter() - started)
    store.close()
    return statistics.median(times) * 1000

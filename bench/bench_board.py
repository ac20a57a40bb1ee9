"""Board figures: start-up to a drawn board, a card move at 10k cards in a column, peak memory.

Budgets (issue "Foundation"): start-up ≤ 0.8 s at 10k deals; a card move ≤ 16 ms at 10k cards
in a column; peak memory ≤ 200 MB at 100k deals. Each figure is printed with a baseline measured
in the same run (a trivial Textual app's start-up and memory; an unbound key press), so results
from different machines compare as ratios.
"""

from __future__ import annotations

import asyncio
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .workspaces import BENCH_NOW, workspace

SIZES = (1_000, 10_000, 100_000)


def _probe(args: list[str]) -> tuple[float, float, float]:
    """(wall seconds, CPU seconds, peak MB) of one start-up in a fresh process.

    CPU time is printed beside wall time because it barely moves when other work shares the
    machine, while wall time does.
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-m", "bench.startup_probe", *args],
        check=True, capture_output=True, text=True, cwd=Path(__file__).resolve().parent.parent,
    ).stdout
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    rss = float(out.strip().rsplit("peak_rss_mb=", 1)[1])
    return elapsed, cpu, rss


def _median(samples: list[tuple[float, float, float]], index: int) -> float:
    return statistics.median(sample[index] for sample in samples)


def startup(runs: int = 5) -> None:
    base = [_probe(["--baseline"]) for _ in range(runs)]
    base_wall, base_cpu, base_rss = (_median(base, i) for i in range(3))
    print(
        f"baseline (a trivial Textual app): start-up {base_wall * 1000:.0f} ms wall, "
        f"{base_cpu * 1000:.0f} ms CPU, peak memory {base_rss:.0f} MB"
    )
    print(f"{'deals':>8} {'build':>7} {'wall':>8} {'× base':>7} {'CPU':>8} {'× base':>7} {'peak MB':>8} {'× base':>7}")
    for deals in SIZES:
        path, built = workspace(deals)
        samples = [_probe([str(path)]) for _ in range(runs)]
        wall, cpu = _median(samples, 0), _median(samples, 1)
        rss = max(sample[2] for sample in samples)
        build = f"{built:.1f}s" if built is not None else "cached"
        print(
            f"{deals:>8,} {build:>7} {wall * 1000:>6.0f}ms {wall / base_wall:>7.2f} {cpu * 1000:>6.0f}ms "
            f"{cpu / base_cpu:>7.2f} {rss:>8.0f} {rss / base_rss:>7.2f}"
        )
    print("budgets: start-up ≤ 800 ms at 10,000 deals; peak memory ≤ 200 MB at 100,000 deals")


def _timed(app, screen, name: str, into: list[float]) -> None:
    """Wrap an action so each call records the time until the screen has been repainted."""
    original = getattr(screen, name)

    def timed(*args):
        started = time.perf_counter()
        original(*args)
        app.call_after_refresh(lambda: into.append(time.perf_counter() - started))

    setattr(screen, name, timed)


async def _moves(path: Path, count: int) -> tuple[list[float], list[float], int]:
    from track_tui.app import TrackApp
    from track_tui.config import Settings
    from track_tui.screens.board import BoardScreen
    from track_tui.store import Store

    store = Store(path, clock=lambda: BENCH_NOW)
    app = TrackApp(store, Settings())
    moves: list[float] = []
    cursor: list[float] = []
    async with app.run_test(size=(120, 40)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        board = app.screen
        assert isinstance(board, BoardScreen)
        column_size = len(board.columns[0].cards.card_ids)
        await pilot.pause(0.2)  # let the start-up warm-up finish, as it has before a person's first key
        await app.workers.wait_for_complete()
        _timed(app, board, "action_move_card", moves)
        _timed(app, board, "action_cursor", cursor)
        for i in range(count):
            await pilot.press("L" if i % 2 == 0 else "H")
            await app.workers.wait_for_complete()
            await pilot.press("j" if i % 2 == 0 else "k")  # baseline: a cursor step repaints too
            await pilot.pause()
        await app.workers.wait_for_complete()
    store.close()
    return moves, cursor, column_size


def card_move(count: int = 40) -> None:
    source, _ = workspace(10_000, column=10_000)
    with tempfile.TemporaryDirectory() as folder:  # moves write: keep the cached workspace as built
        path = Path(folder) / source.name
        shutil.copyfile(source, path)
        moves, cursor, column_size = asyncio.run(_moves(path, count))
    moves_ms = sorted(m * 1000 for m in moves)
    cursor_ms = sorted(m * 1000 for m in cursor)
    p95 = moves_ms[max(0, int(len(moves_ms) * 0.95) - 1)]
    median, base = statistics.median(moves_ms), statistics.median(cursor_ms)
    print(
        f"card move (H/L), key to repaint, {column_size:,} cards in the column: median {median:.1f} ms, "
        f"p95 {p95:.1f} ms (budget 16 ms); cursor step baseline median {base:.1f} ms (move × {median / base:.2f})"
    )


def main() -> None:
    print("== board ==")
    startup()
    card_move()


if __name__ == "__main__":
    main()

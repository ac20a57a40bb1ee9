"""Terminal-safety figures: the sanitiser per drawn string, and what the Strip guard adds to a
card move and a cursor step.

The other benches run headless, where Textual writes nothing and so never turns strips into
terminal bytes. Here the app gets a driver that keeps what it would write, so the whole path a
key takes runs: compositor → `Strip.render` (where the guard sits) → the driver's write. The
same keys are timed with the guard installed and without it, in alternating rounds on the same
workspace (the 10k-card column the board bench uses), so the ratio between them is the guard's
cost whatever the machine. The sanitiser is timed per call beside Rich's `cell_len`, which every
drawn string pays already.

Run: `python -m bench.bench_terminal` (or `make bench`).
"""

from __future__ import annotations

import asyncio
import shutil
import statistics
import tempfile
import time
import timeit
from pathlib import Path

from .workspaces import BENCH_NOW, workspace

ROUNDS = 3  # per mode, alternating
KEYS = 30  # card moves (and as many cursor steps) per round


def sanitiser() -> None:
    from rich.cells import cell_len

    from track_tui.safe_text import safe_block, safe_line

    samples = {
        "a clean name": "Harborbridge Stores — Regional expansion",
        "a name with ESC": "\x1b]52;c;SGVsbG8=\x07Harborbridge Stores",
        "a clean 80-cell line": "Call · connected · 12 min — spoke about the rollout plan; phased start in Q3, ok",
    }
    number = 200_000
    print(f"{'per call':<22} {'safe_line':>10} {'cell_len':>10} {'× cell_len':>11}")
    for label, text in samples.items():
        cost = timeit.timeit(lambda: safe_line(text), number=number) / number
        base = timeit.timeit(lambda: cell_len(text), number=number) / number
        print(f"{label:<22} {cost * 1e9:>8.0f}ns {base * 1e9:>8.0f}ns {cost / base:>11.2f}")
    note = "## Review\n\nBudget **confirmed**; next steps:\n\n- legal review\n- pricing call\n" * 3
    cost = timeit.timeit(lambda: safe_block(note), number=20_000) / 20_000
    print(f"safe_block, a {len(note)}-character note: {cost * 1e6:.1f} µs")


def _recording_driver():
    from textual.drivers.headless_driver import HeadlessDriver

    class RecordingDriver(HeadlessDriver):
        """Headless input, but the app renders for it as for a terminal; output is counted."""

        written = 0

        @property
        def is_headless(self) -> bool:
            return False

        def write(self, data: str) -> None:
            RecordingDriver.written += len(data)

    return RecordingDriver


async def _round(path: Path, guarded: bool) -> tuple[list[float], list[float], list[float], list[float], int]:
    from track_tui import terminal_guard
    from track_tui.app import TrackApp
    from track_tui.config import Settings
    from track_tui.store import Store

    (terminal_guard.install if guarded else terminal_guard.uninstall)()
    driver = _recording_driver()
    store = Store(path, clock=lambda: BENCH_NOW)
    app = TrackApp(store, Settings())
    move_draw: list[float] = []
    step_draw: list[float] = []
    move_total: list[float] = []
    step_total: list[float] = []
    in_display = [0.0]
    original_display = app._display

    def display(screen, renderable) -> None:
        started = time.perf_counter()
        original_display(screen, renderable)
        in_display[0] += time.perf_counter() - started

    app._display = display  # type: ignore[method-assign]
    async with app.run_test(size=(120, 40)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause(0.2)
        await app.workers.wait_for_complete()
        app._driver.__class__ = driver  # from here on the app draws as for a terminal
        app.key_gate.enabled = False  # the pilot waits after each key itself (see key_gate.py)
        app.screen.refresh()
        await pilot.pause()
        driver.written = 0
        for i in range(KEYS * 2):
            key = ("L" if i % 4 == 0 else "H") if i % 2 == 0 else ("j" if i % 4 == 1 else "k")
            in_display[0] = 0.0
            started = time.perf_counter()
            await pilot.press(key)
            await app.workers.wait_for_complete()
            await pilot.pause()
            total = time.perf_counter() - started
            (move_draw if i % 2 == 0 else step_draw).append(in_display[0])
            (move_total if i % 2 == 0 else step_total).append(total)
        written = driver.written
    store.close()
    terminal_guard.install()
    return move_draw, step_draw, move_total, step_total, written


def guard() -> None:
    source, _ = workspace(10_000, column=10_000)
    results: dict[bool, list[list[float]]] = {True: [[], [], [], []], False: [[], [], [], []]}
    written: dict[bool, int] = {True: 0, False: 0}
    with tempfile.TemporaryDirectory() as folder:  # moves write: keep the cached workspace as built
        path = Path(folder) / source.name
        shutil.copyfile(source, path)
        for _ in range(ROUNDS):
            for guarded in (False, True):
                *figures, count = asyncio.run(_round(path, guarded))
                for into, values in zip(results[guarded], figures):
                    into.extend(values)
                written[guarded] += count
    ms = lambda values: statistics.median(values) * 1000  # noqa: E731
    print(f"{'median per key, ms':<34} {'no guard':>9} {'guard':>9} {'× no guard':>11}")
    for index, label in enumerate(("card move: writing the terminal", "cursor step: writing the terminal",
                                   "card move: key to drawn", "cursor step: key to drawn")):
        off, on = ms(results[False][index]), ms(results[True][index])
        print(f"{label:<34} {off:>9.2f} {on:>9.2f} {on / off:>11.2f}")
    per_key = written[True] / (ROUNDS * KEYS * 2)
    print(f"terminal output: {per_key / 1024:.1f} KiB per key with the guard, "
          f"{written[False] / (ROUNDS * KEYS * 2) / 1024:.1f} KiB without (same bytes expected)")


def main() -> None:
    print("== terminal safety ==")
    sanitiser()
    guard()


if __name__ == "__main__":
    main()

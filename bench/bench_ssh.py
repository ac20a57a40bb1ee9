"""Over SSH: what each key costs in terminal bytes, and start-up to a drawn board, measured
through a real pseudo-terminal (the app runs as `track`, exactly as a person starts it).

Over a slow link every byte the app writes is time on the wire, so a cursor step should send
only the lines that change. Budgets (issue 13, "Over SSH"): a cursor move on the board ≤ 2 KB
and a card move ≤ 6 KB at 120x40; start-up to a drawn board ≤ 1.1× a bare Textual app showing a
10,000-item OptionList at 1,000 and 10,000 deals; `track --demo` as fast as `track`. Every figure
is printed beside the same thing measured on a bare Textual app in the same run and harness
(bench/bare_apps.py), so figures from different machines compare as ratios.

Run: `python -m bench.bench_ssh` (or `make bench`).
"""

from __future__ import annotations

import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from tests.support.terminal import quiet_environment
from tests.support.terminal_session import TerminalSession

from . import bare_apps
from .workspaces import workspace

ROOT = Path(__file__).resolve().parent.parent
SIZES = ((120, 40), (80, 24))
KEYS = 16  # per kind of key and size
STARTS = 7  # per app, alternating
QUIET = 0.15  # seconds without output that end a key's drawing
TRACK_DRAWN = "Lead"  # the first stage's name: drawn once the board's columns are loaded

CURSOR_BUDGET, MOVE_BUDGET, STARTUP_BUDGET = 2048, 6144, 1.10


def _environment(home: Path) -> dict[str, str]:
    """The apps' environment. Bytecode is cached as in an installed copy (pip compiles every
    module when it installs): a developer's shell often sets PYTHONDONTWRITEBYTECODE, and
    with it every start compiled Track's ~100 modules from source (~80 ms here) while the
    bare app's Textual came compiled from site-packages. The cache lives in `home`, not in
    the source tree; every app is started once untimed to fill it (see `startup`)."""
    env = quiet_environment(home, COLORTERM="truecolor", LANG="C.UTF-8", TZ="UTC")
    env["PYTHONPATH"] = str(ROOT)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(home / "pycache")
    return env


def _track(*args: str) -> list[str]:
    return [sys.executable, "-m", "track_tui.cli", *args]


def _bare() -> list[str]:
    return [sys.executable, "-m", "bench.bare_apps", "option-list"]


def _session(argv: list[str], env: dict[str, str], size: tuple[int, int]) -> TerminalSession:
    columns, rows = size
    env = {**env, "COLUMNS": str(columns), "LINES": str(rows)}  # Textual reads these before the pty's size
    return TerminalSession(argv, env, columns, rows)


# -- bytes per key ---------------------------------------------------------------------------


def _bytes_per_key(argv: list[str], env: dict[str, str], size: tuple[int, int], drawn: str,
                   keys: dict[str, tuple[str, str]]) -> dict[str, float]:
    """Median bytes written per key for each kind of key: (forward, back) pressed in turn."""
    session = _session(argv, env, size)
    session.start()
    try:
        session.step("start", "", expect=drawn, quiet=0.5)
        for forward, back in keys.values():  # the first press of a key warms caches
            session.step("warm-up", forward, quiet=QUIET)
            session.step("warm-up", back, quiet=QUIET)
        figures: dict[str, float] = {}
        for kind, (forward, back) in keys.items():
            sizes = [len(session.step(kind, forward if i % 2 == 0 else back, quiet=QUIET).encode())
                     for i in range(KEYS)]
            figures[kind] = statistics.median(sizes)
    finally:
        session.kill()
    return figures


def bytes_per_key(home: Path) -> None:
    env = _environment(home)
    source, _ = workspace(1_000)
    print(f"terminal bytes per key through a pty (median of {KEYS}; TERM=xterm-256color, truecolor):")
    print(f"{'screen':>7} {'board cursor':>13} {'budget':>7} {'card move':>10} {'budget':>7} "
          f"{'OptionList':>11} {'cursor × OL':>12}")
    for size in SIZES:
        with tempfile.TemporaryDirectory() as folder:  # card moves write: keep the cached workspace as built
            path = Path(folder) / source.name
            shutil.copyfile(source, path)
            track = _bytes_per_key(_track("--cache", str(path)), env, size, TRACK_DRAWN,
                                   {"cursor": ("j", "k"), "move": ("L", "H")})
        bare = _bytes_per_key(_bare(), env, size, bare_apps.DRAWN, {"cursor": ("\x1b[B", "\x1b[A")})
        columns, rows = size
        ok = lambda value, budget: "ok" if value <= budget else "OVER"  # noqa: E731
        print(f"{f'{columns}x{rows}':>7} {track['cursor']:>11,.0f} B {ok(track['cursor'], CURSOR_BUDGET):>7} "
              f"{track['move']:>8,.0f} B {ok(track['move'], MOVE_BUDGET):>7} {bare['cursor']:>9,.0f} B "
              f"{track['cursor'] / bare['cursor']:>12.2f}")
    print(f"budgets at 120x40: a cursor move ≤ {CURSOR_BUDGET:,} B, a card move ≤ {MOVE_BUDGET:,} B")


# -- start-up --------------------------------------------------------------------------------


def _start(argv: list[str], env: dict[str, str], drawn: str) -> tuple[float, float]:
    """(wall seconds from process start to the last byte of the first settled screen, CPU
    seconds the process used by then)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    session = _session(argv, env, (120, 40))
    started = time.monotonic()
    session.start()
    try:
        if not session.wait_for(drawn, timeout=60):
            raise RuntimeError(f"{argv} never drew {drawn!r}")
        session.settle(0.3, reacted=True)
        wall = session.last_output_at - started
    finally:
        session.kill()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def startup(home: Path) -> None:
    env = _environment(home)
    caches = {deals: workspace(deals)[0] for deals in (1_000, 10_000)}
    apps: dict[str, tuple[list[str], str]] = {
        "bare OptionList (10,000 items)": (_bare(), bare_apps.DRAWN),
        **{f"track --cache ({deals:,} deals)": (_track("--cache", str(path)), TRACK_DRAWN)
           for deals, path in caches.items()},
        "track (demo workspace)": (_track(), TRACK_DRAWN),
        "track --demo": (_track("--demo"), TRACK_DRAWN),
    }
    # Each app once, untimed: it fills the bytecode cache, and the first `track` builds the
    # demo cache of the data folder (the first `track --demo`, the template it copies).
    for argv, drawn in apps.values():
        _start(argv, env, drawn)
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in apps}
    for _ in range(STARTS):  # alternating, so a busy moment falls on every app alike
        for name, (argv, drawn) in apps.items():
            samples[name].append(_start(argv, env, drawn))
    wall = {name: statistics.median(s[0] for s in runs) for name, runs in samples.items()}
    cpu = {name: statistics.median(s[1] for s in runs) for name, runs in samples.items()}
    base = "bare OptionList (10,000 items)"

    def ratio(name: str, other: str, kind: int) -> float:
        """The median of the ratios of one round's starts: each round runs every app within
        seconds, so a load that comes and goes over the run divides out."""
        return statistics.median(a[kind] / b[kind] for a, b in zip(samples[name], samples[other]))

    print(f"start-up to a drawn screen through a pty, 120x40 (median of {STARTS}; CPU: the process's own; "
          "× bare: the median of each round's ratio):")
    print(f"{'':<32} {'wall':>8} {'× bare':>7} {'CPU':>8} {'× bare':>7}")
    for name in apps:
        print(f"{name:<32} {wall[name] * 1000:>6.0f}ms {ratio(name, base, 0):>7.2f} "
              f"{cpu[name] * 1000:>6.0f}ms {ratio(name, base, 1):>7.2f}")
    demo, plain = "track --demo", "track (demo workspace)"
    print(f"track --demo × track: wall {ratio(demo, plain, 0):.2f}, CPU {ratio(demo, plain, 1):.2f} (budget 1.0)")
    print(f"budget: start-up ≤ {STARTUP_BUDGET:.2f}× the bare OptionList at 1,000 and 10,000 deals")


def main() -> None:
    print("== over SSH (real pty) ==")
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder)
        bytes_per_key(home)
        startup(home)


if __name__ == "__main__":
    if len(sys.argv) > 1:
        with tempfile.TemporaryDirectory() as folder:
            {"bytes": bytes_per_key, "startup": startup}[sys.argv[1]](Path(folder))
    else:
        main()

"""Run in a fresh process by the board bench: start the app on a cache file, headless, and exit
as soon as the board has been drawn, printing peak memory. `--baseline` draws a trivial Textual
app instead, so the bench can report ratios against what any Textual app costs here."""

from __future__ import annotations

import resource
import sys
from pathlib import Path


def peak_rss_mb() -> float:
    """This process's peak resident memory since it started running Python.

    Read from /proc (VmHWM, which starts afresh at exec) where there is one: getrusage's
    ru_maxrss keeps the high-water mark of the parent that forked us, which after a bench has
    built a 100k-deal workspace in-process would report the parent's size, not ours.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_track(cache: Path) -> None:
    from track_tui.app import TrackApp
    from track_tui.config import Settings
    from track_tui.screens.board import BoardScreen
    from track_tui.store import Store

    store = Store(cache)

    class ProbeApp(TrackApp):
        def on_mount(self) -> None:
            super().on_mount()
            self.set_interval(0.002, self._check)

        def _check(self) -> None:
            screen = self.screen
            if isinstance(screen, BoardScreen) and screen.loaded:
                # The board is on screen once the compositor has painted after the load.
                self.call_after_refresh(self.exit)

    ProbeApp(store, Settings()).run(headless=True, size=(120, 40))
    store.close()


def run_baseline() -> None:
    from textual.app import App
    from textual.widgets import Static

    class Trivial(App[None]):
        def compose(self):
            yield Static("hello")

        def on_mount(self) -> None:
            self.call_after_refresh(self.exit)

    Trivial().run(headless=True, size=(120, 40))


if __name__ == "__main__":
    if sys.argv[1] == "--baseline":
        run_baseline()
    else:
        run_track(Path(sys.argv[1]))
    print(f"peak_rss_mb={peak_rss_mb():.1f}", flush=True)

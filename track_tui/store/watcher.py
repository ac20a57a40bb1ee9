"""A thread that notices other processes' commits to the cache and has them announced.

Polling `PRAGMA data_version` costs microseconds (it reads the WAL index, not the database), so
polling four times a second notices another terminal's edit well within a second at no
measurable cost. What the poll does when the version moved is the store's business
(`Store.poll_other_writers`: read the change log, announce).
"""

from __future__ import annotations

import logging
import threading
from typing import Callable

log = logging.getLogger(__name__)

POLL_INTERVAL = 0.25  # seconds


class ChangeWatcher:
    def __init__(self, poll: Callable[[], object], interval: float = POLL_INTERVAL) -> None:
        self._poll = poll
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="track-store-watcher", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout=2.0)

    def _run(self) -> None:
        failures = 0
        while not self._stop.wait(self._interval):
            try:
                self._poll()
                failures = 0
            except Exception:  # a busy or vanished file: try again next time, say it once
                failures += 1
                if failures == 1:
                    log.exception("watching the cache for other processes' changes failed")

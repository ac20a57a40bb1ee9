"""Finishing, in the background, the writes that found the cache locked by another process.

Two processes may share a cache (two terminals, the TUI beside `track sync --watch`), and SQLite
lets one write at a time. A write asked for from the UI thread waits only a moment for the lock
(see `Store.transaction`); if another process still holds it, the same store call is handed to
this writer and the key handler returns at once. The writer retries it until it commits, in the
order the person asked (while anything is queued, later writes queue behind it), and reports
each step as a :class:`WriteEvent`: "waiting" (with how long), "saved", "failed" (with why).

A write that waited longer than the store's patience fails with that reason, and so do the
writes queued behind it; they are kept (:meth:`BackgroundWriter.retry_unsaved`) so nothing the
person typed is lost while the app runs. A write refused for its content (the record was deleted
meanwhile) fails with the store's message and is not kept: retrying cannot help it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Callable

log = logging.getLogger(__name__)


class WriteBlocked(Exception):
    """Internal: the cache's write lock was not free within the wait this attempt allows."""


@dataclass(frozen=True)
class WriteEvent:
    kind: str  # "waiting", "saved" or "failed"
    label: str  # what the write does, as a person would say it ("the stage move")
    queued: int  # writes still waiting after this event
    waited: float = 0.0  # seconds the oldest queued write has been waiting
    reason: str | None = None  # why it failed
    retryable: bool = False  # kept for retry_unsaved()


@dataclass
class QueuedWrite:
    label: str
    call: Callable[[], Any]  # runs the store call again (in background mode)
    queued_at: float = field(default_factory=time.monotonic)


Publish = Callable[[WriteEvent], None]


class BackgroundWriter:
    """One daemon thread that runs queued writes in order until each commits or fails."""

    def __init__(self, publish: Publish, *, patience: Callable[[], float], on_failure: Callable[[], None]) -> None:
        self._publish = publish
        self._patience = patience
        self._on_failure = on_failure
        self._queue: deque[QueuedWrite] = deque()
        self._unsaved: list[QueuedWrite] = []
        self._cond = threading.Condition()
        self._stopping = False
        self._thread: threading.Thread | None = None

    # -- what callers see ------------------------------------------------------------------

    @property
    def pending(self) -> int:
        with self._cond:
            return len(self._queue)

    @property
    def unsaved(self) -> list[str]:
        with self._cond:
            return [write.label for write in self._unsaved]

    def enqueue(self, write: QueuedWrite) -> None:
        with self._cond:
            if self._stopping:
                raise RuntimeError("the store is closing")
            self._queue.append(write)
            queued = len(self._queue)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="track-store-writer", daemon=True)
                self._thread.start()
            self._cond.notify_all()
        self._emit(WriteEvent("waiting", write.label, queued, 0.0))

    def retry_unsaved(self) -> int:
        """Queue again the writes that failed for waiting too long; how many."""
        with self._cond:
            writes, self._unsaved = self._unsaved, []
        for write in writes:
            self.enqueue(QueuedWrite(write.label, write.call))
        return len(writes)

    def wait_idle(self, timeout: float) -> bool:
        """Wait until nothing is queued; False if `timeout` passed first."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._queue:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
        return True

    def stop(self, timeout: float) -> list[str]:
        """Let queued writes finish for up to `timeout` seconds, then stop; what stayed unsaved."""
        self.wait_idle(timeout)
        with self._cond:
            self._stopping = True
            left = [write.label for write in self._queue] + [write.label for write in self._unsaved]
            self._queue.clear()
            self._cond.notify_all()
            thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=2.0)
        return left

    # -- the thread ------------------------------------------------------------------------

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._queue and not self._stopping:
                    self._cond.wait()
                if self._stopping:
                    return
                head = self._queue[0]
            try:
                head.call()
            except WriteBlocked:
                self._still_blocked(head)
                continue
            except Exception as exc:  # refused for its content, or broken: say why, go on
                if not isinstance(exc, (ValueError, LookupError)):
                    log.exception("a queued write failed: %s", head.label)
                self._finish(head, WriteEvent("failed", head.label, 0, reason=str(exc) or type(exc).__name__))
                continue
            self._finish(head, WriteEvent("saved", head.label, 0, time.monotonic() - head.queued_at))

    def _still_blocked(self, head: QueuedWrite) -> None:
        waited = time.monotonic() - head.queued_at
        patience = self._patience()
        if waited < patience:
            self._emit(WriteEvent("waiting", head.label, self.pending, waited))
            return
        # Everything queued waits behind the same lock: give up on all of it, keep it for retry.
        with self._cond:
            failed = list(self._queue)
            self._queue.clear()
            self._unsaved.extend(failed)
            self._cond.notify_all()
        reason = f"another process kept the cache locked for over {patience:.0f} s"
        for write in failed:
            self._emit(WriteEvent("failed", write.label, 0, waited, reason=reason, retryable=True))
        self._on_failure()

    def _finish(self, head: QueuedWrite, event: WriteEvent) -> None:
        with self._cond:
            if self._queue and self._queue[0] is head:
                self._queue.popleft()
            queued = len(self._queue)
            self._cond.notify_all()
        self._emit(WriteEvent(event.kind, event.label, queued, event.waited, event.reason))
        if event.kind == "failed":
            self._on_failure()

    def _emit(self, event: WriteEvent) -> None:
        try:
            self._publish(event)
        except Exception:  # a listener's failure must not stop the writes
            log.exception("a write-status listener failed")

"""Ending cleanly when asked to: SIGTERM, SIGHUP (the SSH link dropped), SIGQUIT and SIGINT.

Their default action kills the process on the spot: the terminal stays in the alternate screen
with mouse reporting on, and `track --demo` leaves its throwaway copy behind. Instead, each
becomes an orderly exit through the same path as quitting, so every `finally` runs: the store is
closed (a write in flight finishes first: it holds the store's lock, and a SQLite transaction is
atomic either way) and temporary files are removed. The process then exits with 128 + the
signal's number, as a shell reports a process ended by that signal.

Three phases, three behaviours:

* before and after the app runs (opening the cache, building the demo): :func:`raising` makes
  a signal raise :class:`Terminated` in the main thread, unwinding through the `finally` blocks;
* while the app runs: :func:`route_to_loop` hands the signals to the event loop, which calls
  back between handlers (never in the middle of one), and the app exits as if `q` were pressed;
* while cleaning up: :func:`deferred` holds a signal until the clean-up block has finished, so
  an impatient second signal cannot cut a clean-up short.

Never imports Textual.
"""

from __future__ import annotations

import asyncio
import signal
import threading
from contextlib import contextmanager
from typing import Callable, Iterator

ENDING_SIGNALS = (signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGINT)


class Terminated(Exception):
    """A signal asked the process to end; `exit_status` is what the process should return."""

    def __init__(self, signum: int) -> None:
        self.signum = signum
        super().__init__(f"ended by {signal.Signals(signum).name}")

    @property
    def exit_status(self) -> int:
        return exit_status(self.signum)


def exit_status(signum: int) -> int:
    return 128 + signum


def _in_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


@contextmanager
def _handlers(handler: Callable[[int, object], None]) -> Iterator[None]:
    if not _in_main_thread():  # signal handlers can only be set from the main thread
        yield
        return
    previous = {signum: signal.getsignal(signum) for signum in ENDING_SIGNALS}
    for signum in ENDING_SIGNALS:
        signal.signal(signum, handler)
    try:
        yield
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old if old is not None else signal.SIG_DFL)


@contextmanager
def raising() -> Iterator[None]:
    """Within the block, an ending signal raises :class:`Terminated` in the main thread."""
    def handler(signum: int, frame: object) -> None:
        raise Terminated(signum)

    with _handlers(handler):
        yield


@contextmanager
def deferred() -> Iterator[None]:
    """Within the block, an ending signal is held; it raises :class:`Terminated` at the end."""
    received: list[int] = []

    def handler(signum: int, frame: object) -> None:
        received.append(signum)

    with _handlers(handler):
        yield
    if received:
        raise Terminated(received[0])


def route_to_loop(loop: asyncio.AbstractEventLoop, on_signal: Callable[[int], None]) -> Callable[[], None]:
    """Deliver ending signals to `on_signal(signum)` through `loop`; returns the undo, which
    puts back whatever handled them before (the start-up phase's, or Python's defaults)."""
    if not _in_main_thread():
        return lambda: None
    previous = {signum: signal.getsignal(signum) for signum in ENDING_SIGNALS}
    for signum in ENDING_SIGNALS:
        loop.add_signal_handler(signum, on_signal, signum)

    def undo() -> None:
        for signum, old in previous.items():
            loop.remove_signal_handler(signum)
            signal.signal(signum, old if old is not None else signal.SIG_DFL)

    return undo

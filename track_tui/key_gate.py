"""Keys that arrive together are handled one after another, each where it would have gone if
typed slowly.

Over a slow link (SSH) a terminal delivers keys in bursts: `/owner:me` typed quickly reaches
the app in one read. Textual hands every key to whatever has focus *when the app takes the key
off its queue*, and it takes the whole burst off at once; the first key's binding (open the
filter, push the search screen, open quick-add) runs only later, when that key has bubbled back
up to the app, and a pushed screen then mounts and takes focus over several more turns of the
event loop. So the rest of the burst went to the board: the `n` of "owner" opened quick-add,
`ctrl+u` in a just-opened filter never reached it. Pilot tests cannot see this: the pilot waits
for the app to be idle after every key it presses.

:class:`KeyGate` makes the app take terminal input one key at a time. After a key is handed
on, later keys (and pastes) wait, in order, until the key has been dealt with: every message
pump of the app and of the screen in front has nothing left to do, and neither the screen nor
the focused widget changed during the last look. Then the next key is let through, to whatever
has focus by then. A key never waits longer than :data:`MAX_WAIT` behind a busy handler.

Under a headless driver (Pilot tests, the screenshot builder) the gate is open: the pilot does
the same waiting itself, and holding a key it believes delivered would only make it return early.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import TYPE_CHECKING

from textual import events

if TYPE_CHECKING:
    from textual.app import App
    from textual.message_pump import MessagePump

MAX_WAIT = 2.0  # seconds a key waits at most for the one before it to be dealt with
MAX_LOOKS = 50  # passes over the app's message pumps before giving up on quiet


def is_terminal_input(event: object) -> bool:
    """A key or paste as the driver posts it to the app (not yet handed to a widget)."""
    return isinstance(event, (events.Key, events.Paste)) and not event.is_forwarded


class KeyGate:
    """One app's queue of terminal input that must wait for the key before it."""

    def __init__(self, app: App) -> None:
        self._app = app
        self._waiting: deque[events.Event] = deque()
        self._released: set[int] = set()  # ids of waiting events posted again, to be let through
        self._busy = False  # a key was handed on and has not been seen through yet
        self._settling: asyncio.Task[None] | None = None
        self._drained = asyncio.Event()
        self._drained.set()
        self.enabled: bool | None = None  # None: decided on first use (off under a headless driver)

    # -- called by the app for every key or paste the driver posts ---------------------------

    def hold(self, event: events.Event) -> bool:
        """True when `event` must wait (the app then does nothing with it now); False when the
        app should hand it on, after which it calls :meth:`handed_on`."""
        if id(event) in self._released:
            self._released.discard(id(event))
            return False
        if self.enabled is None:
            self.enabled = not self._app.is_headless
        if not self.enabled:
            return False
        if self._busy or self._waiting:
            self._waiting.append(event)
            self._drained.clear()
            return True
        return False

    def handed_on(self) -> None:
        """The app has just handed a key on: later ones wait until it has been dealt with."""
        if not self.enabled:
            return
        self._busy = True
        self._drained.clear()
        if self._settling is None or self._settling.done():
            self._settling = asyncio.create_task(self._see_through())

    async def drained(self) -> None:
        """Wait until no key waits and the last one handed on has been dealt with."""
        await self._drained.wait()

    @property
    def waiting(self) -> int:
        return len(self._waiting)

    # -- seeing a key through ----------------------------------------------------------------

    async def _see_through(self) -> None:
        """Wait for quiet, then let the next waiting key through (it comes back to
        :meth:`handed_on`, which starts this again) or open the gate."""
        try:
            await self._quiet()
        except Exception:  # noqa: BLE001 - a key must never be lost to a failed look
            pass
        self._settling = None
        if not self._waiting:
            self._busy = False
            self._drained.set()
            return
        event = self._waiting.popleft()
        self._released.add(id(event))
        if not self._app.post_message(event):  # the app is closing: nothing more to deliver
            self._released.discard(id(event))
            self._waiting.clear()
            self._busy = False
            self._drained.set()

    async def _quiet(self) -> None:
        """Return once a whole pass over the app's message pumps found nothing left to do and
        neither the screen in front nor the focus moved meanwhile (or after MAX_WAIT)."""
        app = self._app
        loop = asyncio.get_running_loop()
        deadline = loop.time() + MAX_WAIT
        for _ in range(MAX_LOOKS):
            if not app.is_running:
                return
            screen, focused = app.screen, app.focused
            pumps: list[MessagePump] = [app, *screen.walk_children(with_self=True)]
            remaining = deadline - loop.time()
            if remaining <= 0 or not await _each_caught_up(pumps, remaining):
                return
            if (app.screen is screen and app.focused is focused
                    and all(pump.message_queue_size == 0 for pump in pumps)):
                return


async def _each_caught_up(pumps: list[MessagePump], timeout: float) -> bool:
    """Wait until each of `pumps` has processed what was in its queue when this was called
    (a callback queued behind it); False after `timeout`."""
    outstanding = 0
    caught_up = asyncio.Event()

    def one_done() -> None:
        nonlocal outstanding
        outstanding -= 1
        if outstanding == 0:
            caught_up.set()

    for pump in pumps:
        if pump.call_later(one_done):
            outstanding += 1
    if not outstanding:
        return True
    try:
        # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancel that lands in the
        # same loop turn as the event (see sync/engine.py's _woken), and a cancelled key must stop
        async with asyncio.timeout(timeout):
            await caught_up.wait()
    except TimeoutError:
        return False
    return True

"""Waiting on a running app in a Pilot test, and hearing what it tells the person: one copy
for every screen test that drives the app while something else (sync, a thread, another
process) changes the store under it."""

from __future__ import annotations

import time


async def settle(app, pilot) -> None:
    """Let the app's workers finish and the screen catch up."""
    await app.workers.wait_for_complete()
    await pilot.pause()


async def until(pilot, condition, timeout: float = 3.0) -> bool:
    """Let the app run until `condition()` holds; False if `timeout` passed first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        await pilot.pause(0.05)
    return condition()


def heard_notifications(app) -> list[str]:
    """From now on, every notification the app shows, in order (they are still shown)."""
    messages: list[str] = []
    original = app.notify

    def notify(message, *args, **kwargs):
        messages.append(str(message))
        return original(message, *args, **kwargs)

    app.notify = notify  # type: ignore[method-assign]
    return messages


async def open_with_key(app, pilot, key: str, screen_type: type):
    """Press `key` once the app has settled; the screen it opens, checked to be a `screen_type`."""
    await settle(app, pilot)
    await pilot.press(key)
    await settle(app, pilot)
    assert isinstance(app.screen, screen_type), app.screen
    return app.screen


async def type_filter(app, pilot, text: str) -> None:
    """`/`, `text` in the filter line, Enter: on the screen in front (board, list or swimlanes)."""
    await pilot.press("slash")
    app.screen.query_one("#filter").value = text
    await pilot.press("enter")
    await settle(app, pilot)

"""Keys that reach the app together (one terminal read) land where they would if typed slowly.

A Pilot waits for the app after every key, so these tests post keys the way the terminal driver
does: all of a burst onto the app's queue at once, with the key gate on as it is in a terminal
(key_gate.py). tests/process/test_key_bursts.py does the same through a real pty.
"""

from __future__ import annotations

import asyncio

from textual import events
from textual.keys import _character_to_key
from textual.widgets import Input

from track_tui.screens.dialogs import QuickAddScreen
from track_tui.screens.search import SearchScreen

from .test_board import SIZE, board_of, settle


def burst(app, *keys: str) -> None:
    """Post `keys` as one read's worth of input: single characters, or key names like ctrl+u."""
    for key in keys:
        if len(key) == 1:
            app.post_message(events.Key(_character_to_key(key), key))
        else:
            app.post_message(events.Key(key, "\r" if key == "enter" else None))


def typed(text: str) -> list[str]:
    return list(text)


async def delivered(app, pilot) -> None:
    await asyncio.wait_for(app.key_gate.drained(), 10)
    await settle(app, pilot)


async def test_a_burst_that_opens_the_filter_types_into_it(demo_app):
    async with demo_app.run_test(size=SIZE) as pilot:
        await settle(demo_app, pilot)
        demo_app.key_gate.enabled = True
        burst(demo_app, *typed("/owner:me"))
        await delivered(demo_app, pilot)
        board = board_of(demo_app)  # no quick-add opened by the `n` of "owner"
        field = board.query_one("#filter", Input)
        assert field.display and field.has_focus and field.value == "owner:me"


async def test_a_burst_that_opens_quick_add_fills_the_name(demo_app):
    async with demo_app.run_test(size=SIZE) as pilot:
        await settle(demo_app, pilot)
        demo_app.key_gate.enabled = True
        burst(demo_app, *typed("nTypeahead"))
        await delivered(demo_app, pilot)
        assert isinstance(demo_app.screen, QuickAddScreen)
        assert demo_app.screen.query_one("#name", Input).value == "Typeahead"


async def test_a_burst_after_ctrl_f_is_the_search(demo_app):
    async with demo_app.run_test(size=SIZE) as pilot:
        await settle(demo_app, pilot)
        demo_app.key_gate.enabled = True
        burst(demo_app, "ctrl+f", *typed("goldencrest"))
        await delivered(demo_app, pilot)
        assert isinstance(demo_app.screen, SearchScreen)
        assert demo_app.screen.query_one("#search-input", Input).value == "goldencrest"


async def test_a_burst_that_retypes_the_filter_replaces_it(demo_app):
    async with demo_app.run_test(size=SIZE) as pilot:
        await settle(demo_app, pilot)
        demo_app.key_gate.enabled = True
        burst(demo_app, *typed("/stage:lead"), "enter")
        await delivered(demo_app, pilot)
        board = board_of(demo_app)
        assert board.flt.describe() == "stage:lead"
        burst(demo_app, "slash", "ctrl+u", *typed("owner:me"), "enter")
        await delivered(demo_app, pilot)
        assert board.flt.describe() == "owner:me"
        assert not board.query_one("#filter", Input).display


async def test_keys_in_a_burst_keep_their_order_and_none_is_lost(demo_app):
    """A long burst into an input: every character, in order (the gate lets one through at a
    time, and keys that arrive while others wait queue behind them)."""
    async with demo_app.run_test(size=SIZE) as pilot:
        await settle(demo_app, pilot)
        demo_app.key_gate.enabled = True
        text = "owner:me tag:vip stale:14 acme corp"
        burst(demo_app, "slash", *typed(text[:10]))
        await asyncio.sleep(0)
        burst(demo_app, *typed(text[10:]))  # a second read while the first still waits
        await delivered(demo_app, pilot)
        assert board_of(demo_app).query_one("#filter", Input).value == text
        assert demo_app.key_gate.waiting == 0


async def test_the_gate_is_open_under_a_headless_driver(demo_app):
    """Pilot waits itself; a key held behind its back would make `press` return early."""
    async with demo_app.run_test(size=SIZE) as pilot:
        await settle(demo_app, pilot)
        await pilot.press("slash", *typed("owner:me"))
        assert demo_app.key_gate.enabled is False
        assert board_of(demo_app).query_one("#filter", Input).value == "owner:me"

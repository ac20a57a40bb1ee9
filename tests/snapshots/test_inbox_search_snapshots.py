"""Snapshots of the task inbox and of the search panel with results, at 80x24 and 120x40."""

from __future__ import annotations

import pytest

from track_tui.app import TrackApp
from track_tui.config import Settings

SIZES = pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])


async def loaded(pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


@SIZES
def test_inbox(snap_compare, demo_store, size):
    async def inbox(pilot) -> None:
        await loaded(pilot)
        await pilot.press("i")
        await loaded(pilot)
        await pilot.press("j", "j")
        await loaded(pilot)

    assert snap_compare(TrackApp(demo_store, Settings()), terminal_size=size, run_before=inbox)


def test_inbox_everyone_at_120x40(snap_compare, demo_store):
    async def everyone(pilot) -> None:
        await loaded(pilot)
        await pilot.press("i")
        await loaded(pilot)
        await pilot.press("m")
        await loaded(pilot)

    assert snap_compare(TrackApp(demo_store, Settings()), terminal_size=(120, 40), run_before=everyone)


@SIZES
def test_search_with_results(snap_compare, demo_store, size):
    async def search(pilot) -> None:
        await loaded(pilot)
        await pilot.press("ctrl+f")
        await loaded(pilot)
        await pilot.press(*"ember")
        await loaded(pilot)
        await pilot.press("down")
        await loaded(pilot)

    assert snap_compare(TrackApp(demo_store, Settings()), terminal_size=size, run_before=search)


def test_search_typo_with_filter_at_80x24(snap_compare, demo_store):
    async def search(pilot) -> None:
        await loaded(pilot)
        await pilot.press("ctrl+f")
        await loaded(pilot)
        await pilot.press(*"type:contact germna")
        await loaded(pilot)

    assert snap_compare(TrackApp(demo_store, Settings()), terminal_size=(80, 24), run_before=search)

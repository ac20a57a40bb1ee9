"""Snapshots of the board on the frozen demo workspace, at 80x24 and 120x40."""

from __future__ import annotations

import pytest

from track_tui.app import TrackApp
from track_tui.config import Settings


async def loaded(pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_board(snap_compare, demo_store, size):
    assert snap_compare(TrackApp(demo_store, Settings()), terminal_size=size, run_before=loaded)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_board_after_moving_a_card(snap_compare, demo_store, size):
    async def move(pilot) -> None:
        await loaded(pilot)
        await pilot.press("j", "L")
        await loaded(pilot)

    assert snap_compare(TrackApp(demo_store, Settings()), terminal_size=size, run_before=move)


def test_board_filtered_at_80x24(snap_compare, demo_store):
    async def filtered(pilot) -> None:
        await loaded(pilot)
        await pilot.press("slash", *"owner:me stale:14", "enter")
        await loaded(pilot)

    assert snap_compare(TrackApp(demo_store, Settings()), terminal_size=(80, 24), run_before=filtered)


def test_help_at_80x24(snap_compare, demo_store):
    async def help_open(pilot) -> None:
        await loaded(pilot)
        await pilot.press("question_mark")
        await pilot.pause()

    assert snap_compare(TrackApp(demo_store, Settings()), terminal_size=(80, 24), run_before=help_open)


def test_board_with_no_color_at_80x24(snap_compare, demo_store, monkeypatch):
    """NO_COLOR: the cursor, markers and stale days must still read (as text and bars)."""
    monkeypatch.setenv("NO_COLOR", "1")
    app = TrackApp(demo_store, Settings())
    assert app.no_color

    async def moved(pilot) -> None:
        await loaded(pilot)
        await pilot.press("l", "j")

    assert snap_compare(app, terminal_size=(80, 24), run_before=moved)

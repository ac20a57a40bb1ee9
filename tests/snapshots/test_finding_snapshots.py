"""Snapshots of what "finding things" changed: the board filter naming an unknown owner, the
contact picker showing each contact's company (and saying when nothing matches), an undo's
notification, at 80x24."""

from __future__ import annotations

from textual.widgets import Input

from track_tui.app import TrackApp
from track_tui.config import Settings
from track_tui.models import RecordType

from .test_record_snapshots import deal_id


async def loaded(pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def test_board_filter_naming_an_unknown_owner_at_80x24(snap_compare, demo_store):
    async def filtered(pilot) -> None:
        await loaded(pilot)
        await pilot.press("slash", *"owner:XQ >1m", "enter")
        await loaded(pilot)

    assert snap_compare(TrackApp(demo_store, Settings()), terminal_size=(80, 24), run_before=filtered)


def test_contact_picker_with_companies_at_80x24(snap_compare, demo_store):
    deal = deal_id(demo_store)

    async def picker(pilot) -> None:
        await loaded(pilot)
        pilot.app.open_record(RecordType.DEAL, deal)
        await loaded(pilot)
        await pilot.press("C")
        await loaded(pilot)
        await pilot.press(*"ana")
        await loaded(pilot)

    assert snap_compare(TrackApp(demo_store, Settings()), terminal_size=(80, 24), run_before=picker)


def test_contact_picker_with_nothing_matching_at_80x24(snap_compare, demo_store):
    deal = deal_id(demo_store)

    async def picker(pilot) -> None:
        await loaded(pilot)
        pilot.app.open_record(RecordType.DEAL, deal)
        await loaded(pilot)
        await pilot.press("C")
        await loaded(pilot)
        pilot.app.screen.query_one("#query", Input).value = "zqxv"
        await loaded(pilot)

    assert snap_compare(TrackApp(demo_store, Settings()), terminal_size=(80, 24), run_before=picker)


def test_undo_of_a_move_at_80x24(snap_compare, demo_store):
    async def moved_and_undone(pilot) -> None:
        await loaded(pilot)
        await pilot.press("j", "L")
        await loaded(pilot)
        await pilot.press("u")
        await loaded(pilot)

    assert snap_compare(TrackApp(demo_store, Settings()), terminal_size=(80, 24), run_before=moved_and_undone)

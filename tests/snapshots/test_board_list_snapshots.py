"""Snapshots of the list view, its lanes, the saved-view picker and the import mapping screen,
on the frozen demo workspace at 80x24 and 120x40."""

from __future__ import annotations

from pathlib import Path

import pytest

from track_tui import saved_views
from track_tui.app import TrackApp
from track_tui.config import Settings

SIZES = pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])


async def loaded(pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def list_view(pilot) -> None:
    await loaded(pilot)
    await pilot.press("v")
    await loaded(pilot)


@SIZES
def test_list_view(snap_compare, demo_store, size):
    assert snap_compare(TrackApp(demo_store, Settings()), terminal_size=size, run_before=list_view)


@SIZES
def test_list_view_sorted_by_value_descending(snap_compare, demo_store, size):
    async def sorted_list(pilot) -> None:
        await list_view(pilot)
        await pilot.press(*"sssssss", "S")
        await pilot.pause()

    assert snap_compare(TrackApp(demo_store, Settings()), terminal_size=size, run_before=sorted_list)


@SIZES
def test_swimlanes_by_owner_with_one_folded(snap_compare, demo_store, size):
    async def lanes(pilot) -> None:
        await list_view(pilot)
        await pilot.press("g", "z")
        await pilot.pause(0.1)

    assert snap_compare(TrackApp(demo_store, Settings()), terminal_size=size, run_before=lanes)


@SIZES
def test_saved_view_picker(snap_compare, demo_store, size, tmp_path: Path, monkeypatch):
    monkeypatch.setenv("TRACK_VIEWS_DIR", str(tmp_path / "views"))
    board = demo_store.boards()[0]
    path = saved_views.views_file(demo_store.workspace_id)
    for name, flt, view, lanes in (("My stale deals", "owner:me stale:14", "board", ""),
                                   ("Big deals by owner", ">50k", "list", "owner")):
        saved_views.save(path, saved_views.SavedView(name=name, board_id=board.id, board=board.name, filter=flt,
                                                     view=view, lanes=lanes))

    async def picker(pilot) -> None:
        await loaded(pilot)
        await pilot.press("apostrophe")
        await pilot.pause()

    assert snap_compare(TrackApp(demo_store, Settings()), terminal_size=size, run_before=picker)


@SIZES
def test_import_mapping_screen(snap_compare, demo_store, size, tmp_path: Path):
    from track_tui.screens.import_screen import ImportMappingScreen
    from track_tui.transfer.csv_file import read_bytes

    data = read_bytes("Deal Name;Amount;Currency;Deal Stage;Lead source;Notes\n"
                      "Harbor renewal;12500,50;EUR;Negotiation;Referral;call back\n"
                      "Mystery;10;USD;Atlantis;;\n".encode("latin-1"))

    async def mapping(pilot) -> None:
        await loaded(pilot)
        pilot.app.push_screen(ImportMappingScreen(demo_store, "deals", data, "pipeline.csv"))
        await loaded(pilot)

    assert snap_compare(TrackApp(demo_store, Settings()), terminal_size=size, run_before=mapping)


@SIZES
def test_swimlanes_on_the_board_by_owner(snap_compare, demo_store, size):
    async def lanes(pilot) -> None:
        await loaded(pilot)
        await pilot.press("S")
        await loaded(pilot)
        await pilot.press("z", "j", "j", "l")  # the first lane folded, the cursor in the next one
        await pilot.pause()

    assert snap_compare(TrackApp(demo_store, Settings()), terminal_size=size, run_before=lanes)

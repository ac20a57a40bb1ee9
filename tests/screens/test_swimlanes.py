"""Swimlanes of the board (`S`): lanes by owner, company or a select field, with counts,
totals per currency and folding; the board's filter applies."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input

from track_tui.models.board_rows import lane_totals
from track_tui.saved_views import load, views_file
from track_tui.screens.swimlanes import SwimlaneScreen

from tests.support.pilot import type_filter

from .test_board import SIZE, board_of, settle


@pytest.fixture(autouse=True)
def views_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TRACK_VIEWS_DIR", str(tmp_path / "views"))
    return tmp_path / "views"


async def open_lanes(app, pilot) -> SwimlaneScreen:
    await settle(app, pilot)
    await pilot.press("S")
    await settle(app, pilot)
    screen = app.screen
    assert isinstance(screen, SwimlaneScreen)
    return screen


async def test_lanes_by_owner_hold_every_card_in_its_stage(demo_app, demo_store):
    async with demo_app.run_test(size=SIZE) as pilot:
        await settle(demo_app, pilot)
        board = board_of(demo_app)
        on_board = {cid: column.stage_id for column in board.columns for cid in column.cards.card_ids}
        screen = await open_lanes(demo_app, pilot)
        lanes = screen.grid.lanes
        assert [lane.label for lane in lanes] == sorted(lane.label for lane in lanes)
        placed = {card.card_id: stage for lane in lanes for stage, cards in lane.cards.items() for card in cards}
        assert placed == on_board
        for lane in lanes:
            every = [c for cards in lane.cards.values() for c in cards]
            assert {c.owner_name or "" for c in every} == {lane.key}
            assert lane.summary() == f"{len(every):,} cards · {lane_totals(every).format_compact()}"


async def test_cursor_folding_and_opening(demo_app, demo_store):
    async with demo_app.run_test(size=SIZE) as pilot:
        screen = await open_lanes(demo_app, pilot)
        grid = screen.grid
        first = grid.lanes[0]
        lead = grid.stages[0].id
        await pilot.press("j")  # from the lane's header onto its first Lead card
        assert grid.current_card == first.cards[lead][0]
        await pilot.press("k", "z")
        assert first.folded and (0, 0) not in grid.lines
        await pilot.press("j")  # a folded lane is passed over: the next lane's header
        assert grid.lane == 1 and grid.row == -1
        await pilot.press("Z")
        assert all(lane.folded for lane in grid.lanes)
        await pilot.press("Z")
        assert not any(lane.folded for lane in grid.lanes)
        grid.to_lane(0)
        await pilot.press("j", "enter")
        await settle(demo_app, pilot)
        assert type(demo_app.screen).__name__ == "RecordScreen"


async def test_grouping_cycles_and_the_filter_applies(demo_app, demo_store):
    async with demo_app.run_test(size=SIZE) as pilot:
        screen = await open_lanes(demo_app, pilot)
        await pilot.press("g")
        assert screen.lanes == "company"
        assert all({c.company_name or "" for cards in lane.cards.values() for c in cards} == {lane.key}
                   for lane in screen.grid.lanes)
        await pilot.press("g")
        assert screen.lanes == "field:lead_source"
        assert "No lead source" in [lane.label for lane in screen.grid.lanes] or all(
            lane.key for lane in screen.grid.lanes)
        await type_filter(demo_app, pilot, ">100k")
        assert 0 < len(screen.rows) < 100
        await pilot.press("ctrl+s")
        demo_app.screen.query_one(Input).value = "Big by source"
        await pilot.press("enter")
        [view] = load(views_file(demo_store.workspace_id))
        assert (view.view, view.lanes, view.filter) == ("board", "field:lead_source", ">100k")
        await pilot.press("S")
        await settle(demo_app, pilot)
        assert board_of(demo_app).flt.describe() == ">100k"
        await pilot.press("apostrophe", "enter")
        await settle(demo_app, pilot)
        reopened = demo_app.screen
        assert isinstance(reopened, SwimlaneScreen) and reopened.lanes == "field:lead_source"


async def test_moving_a_card_keeps_it_in_its_lane_with_the_cursor(demo_app, demo_store):
    async with demo_app.run_test(size=SIZE) as pilot:
        screen = await open_lanes(demo_app, pilot)
        grid = screen.grid
        await pilot.press("j")
        card = grid.current_card
        lane = grid.lane
        await pilot.press("L")
        await settle(demo_app, pilot)
        assert grid.current_card is not None and grid.current_card.card_id == card.card_id
        assert grid.lane == lane and grid.column == 1 and grid.current_card.stage_id == screen.stages[1].id
        with demo_store.reading() as conn:
            assert conn.execute("SELECT stage_id FROM board_cards WHERE id = ?", (card.card_id,)).fetchone()[0] \
                == screen.stages[1].id
        await pilot.press("H")
        await settle(demo_app, pilot)
        assert grid.column == 0 and grid.current_card.card_id == card.card_id


async def test_the_board_saves_its_board_and_filter_from_the_palette(demo_app, demo_store, views_dir):
    async with demo_app.run_test(size=SIZE) as pilot:
        await settle(demo_app, pilot)
        board = board_of(demo_app)
        await type_filter(demo_app, pilot, "tag:vip")
        commands = {title: callback for title, _, callback in board.palette_commands()}
        commands["View: save this board and filter"]()
        await pilot.pause()
        demo_app.screen.query_one(Input).value = "VIPs"
        await pilot.press("enter")
        [view] = load(views_file(demo_store.workspace_id))
        assert (view.name, view.filter, view.view, view.lanes) == ("VIPs", "tag:vip", "board", "")
        await pilot.press("escape")
        await settle(demo_app, pilot)
        commands = {title: callback for title, _, callback in board.palette_commands()}
        commands["View: VIPs"]()
        await settle(demo_app, pilot)
        assert board_of(demo_app).flt.tag == "vip"

"""The list view of the board (`v`), its lanes, export, and saved views, under Pilot."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from textual.widgets import Input

from track_tui.models.board_rows import BoardRow
from track_tui.saved_views import load, views_file
from track_tui.screens.board_list import BoardListScreen
from track_tui.screens.view_dialogs import SavedViewsScreen, TextPromptScreen
from track_tui.widgets.board_list import LaneHeader

from tests.support.pilot import type_filter

from .test_board import SIZE, board_of, settle


@pytest.fixture(autouse=True)
def views_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "views"
    monkeypatch.setenv("TRACK_VIEWS_DIR", str(folder))
    return folder


def list_of(app) -> BoardListScreen:
    screen = app.screen
    assert isinstance(screen, BoardListScreen)
    return screen


def cards(screen: BoardListScreen) -> list[BoardRow]:
    return [row for row in screen.list.rows if isinstance(row, BoardRow)]


async def open_list(app, pilot) -> BoardListScreen:
    await settle(app, pilot)
    await pilot.press("v")
    await settle(app, pilot)
    return list_of(app)


async def test_v_shows_every_card_of_the_board_under_its_filter_and_v_goes_back(demo_app, demo_store):
    async with demo_app.run_test(size=SIZE) as pilot:
        await settle(demo_app, pilot)
        board = board_of(demo_app)
        on_board = [cid for column in board.columns for cid in column.cards.card_ids]
        screen = await open_list(demo_app, pilot)
        assert [c.card_id for c in cards(screen)] == on_board  # board order: stage by stage
        # the filter typed here applies, and the board has it when we go back
        await type_filter(demo_app, pilot, "owner:JB")
        assert cards(screen) and {c.owner_name for c in cards(screen)} == {"Jonah Becker"}
        await pilot.press("v")
        await settle(demo_app, pilot)
        assert board_of(demo_app).flt.owner == "JB"


async def test_sorting_by_any_column_and_reversing(demo_app, demo_store):
    async with demo_app.run_test(size=SIZE) as pilot:
        screen = await open_list(demo_app, pilot)
        await pilot.press("s")  # the columns in the order shown: stage → owner
        assert screen.list.sort_column == "owner"
        for _ in range(5):  # days, close, company, next task, name
            await pilot.press("s")
        assert screen.list.sort_column == "name"
        names = [c.name.casefold() for c in cards(screen)]
        assert names == sorted(names)
        await pilot.press("s")  # value
        await pilot.press("S")
        values = [(c.value.currency, c.value.minor) for c in cards(screen) if c.value]
        assert values == sorted(values, reverse=True)
        assert all(c.value is None for c in cards(screen)[len(values):])  # no value: last either way
        assert "Value▼" in str(screen.query_one("#board-list-header").render())


async def test_lanes_by_owner_with_counts_totals_and_folding(demo_app, demo_store):
    async with demo_app.run_test(size=SIZE) as pilot:
        screen = await open_list(demo_app, pilot)
        total = len(cards(screen))
        await pilot.press("g")
        lanes = [row for row in screen.list.rows if isinstance(row, LaneHeader)]
        assert screen.lanes == "owner" and len(lanes) > 1
        assert sum(lane.count for lane in lanes) == total
        first = lanes[0]
        mine = [c for c in cards(screen) if (c.owner_name or "") == first.key]
        assert len(mine) == first.count and "$" in first.totals or "€" in first.totals
        screen.list.set_cursor(0)
        await pilot.press("z")
        assert screen.list.rows[0].folded and len(cards(screen)) == total - first.count
        await pilot.press("enter")  # Enter on a lane opens it again
        assert len(cards(screen)) == total
        await pilot.press("g")
        assert screen.lanes == "company"


async def test_a_ten_thousand_card_list_is_drawn_without_a_widget_per_row(demo_app, demo_store):
    async with demo_app.run_test(size=SIZE) as pilot:
        screen = await open_list(demo_app, pilot)
        many = [c.model_copy(update={"card_id": f"{c.card_id}-{i}"}) for i in range(40) for c in cards(screen)]
        screen.list.set_cards(many)
        await pilot.pause()
        assert len(many) >= 10_000 and len(screen.list.rows) == len(many)
        assert len(list(screen.query("*"))) < 40  # one widget for all the rows
        await pilot.press("end")
        assert screen.list.cursor == len(many) - 1


async def test_export_what_is_on_screen_to_a_file_and_the_clipboard(demo_app, demo_store, tmp_path):
    async with demo_app.run_test(size=SIZE) as pilot:
        screen = await open_list(demo_app, pilot)
        await type_filter(demo_app, pilot, ">50k")
        await pilot.press(*"ssssss")  # sort by name
        await pilot.press("e")
        prompt = demo_app.screen
        assert isinstance(prompt, TextPromptScreen)
        prompt.query_one(Input).value = str(tmp_path / "nowhere" / "x.csv")
        await pilot.press("enter")
        assert "does not exist" in str(prompt.query_one("#error").render())
        target = tmp_path / "big.csv"
        prompt.query_one(Input).value = str(target)
        await pilot.press("enter")
        await settle(demo_app, pilot)
        rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"))))
        assert [r["Name"] for r in rows] == [c.name for c in cards(screen)]
        copied = []
        demo_app.copy_to_clipboard = copied.append
        await pilot.press("y")
        assert copied and copied[0].splitlines()[0].startswith("Name,Value,Currency")


async def test_save_a_view_and_open_it_from_the_board(demo_app, demo_store, views_dir):
    async with demo_app.run_test(size=SIZE) as pilot:
        await open_list(demo_app, pilot)
        await type_filter(demo_app, pilot, "owner:JB")
        await pilot.press("g", "s")
        await pilot.press("ctrl+s")
        demo_app.screen.query_one(Input).value = "Jonah's deals"
        await pilot.press("enter")
        [saved] = load(views_file(demo_store.workspace_id))
        assert (saved.name, saved.filter, saved.view, saved.lanes, saved.sort) == (
            "Jonah's deals", "owner:JB", "list", "owner", "owner")
        await pilot.press("escape")  # back to the board
        await settle(demo_app, pilot)
        await pilot.press("escape")  # and clear its filter
        await settle(demo_app, pilot)
        assert board_of(demo_app).flt.is_empty
        await pilot.press("apostrophe")
        assert isinstance(demo_app.screen, SavedViewsScreen)
        await pilot.press("enter")
        await settle(demo_app, pilot)
        reopened = list_of(demo_app)
        assert reopened.flt.owner == "JB" and reopened.lanes == "owner" and reopened.list.sort_column == "owner"


async def test_a_broken_views_file_is_reported_not_a_crash(demo_app, demo_store, views_dir):
    path = views_file(demo_store.workspace_id)
    path.parent.mkdir(parents=True)
    path.write_text("[[view]]\nname = \n", encoding="utf-8")
    async with demo_app.run_test(size=SIZE) as pilot:
        await settle(demo_app, pilot)
        await pilot.press("apostrophe")
        picker = demo_app.screen
        assert isinstance(picker, SavedViewsScreen)
        assert "is not valid TOML" in str(picker.query_one("#error").render())


async def test_import_from_the_tui_with_a_mapping_screen(demo_app, demo_store, tmp_path):
    from track_tui.screens.import_screen import FieldPickerScreen, ImportMappingScreen, start_import

    file = tmp_path / "people.csv"
    file.write_text("Full,E-mail Address,Notes\nAda Quill,ada.quill@example.org,hi\nBad Mail,nope,\n", encoding="utf-8")
    async with demo_app.run_test(size=SIZE) as pilot:
        await settle(demo_app, pilot)
        before = demo_store.conn.execute("SELECT count(*) FROM contacts").fetchone()[0]
        start_import(board_of(demo_app), demo_store, "contacts")
        await pilot.pause()
        demo_app.screen.query_one(Input).value = str(file)
        await pilot.press("enter")
        await settle(demo_app, pilot)
        screen = demo_app.screen
        assert isinstance(screen, ImportMappingScreen)
        report = str(screen.query_one("#import-report").render())
        assert "no column gives the contact's name" in report
        # Enter on the first column, choose Name
        await pilot.press("enter")
        picker = demo_app.screen
        assert isinstance(picker, FieldPickerScreen)
        picker.query_one("#fields").highlighted = [o.id for o in picker.query_one("#fields")._options].index("name")
        await pilot.press("enter")
        await settle(demo_app, pilot)
        report = str(screen.query_one("#import-report").render())
        assert "line 3: Email: 'nope' is not an email address" in report
        await pilot.press("i")  # refused: a bad row
        await settle(demo_app, pilot)
        assert demo_store.conn.execute("SELECT count(*) FROM contacts").fetchone()[0] == before
        await pilot.press("I")  # the good rows
        await settle(demo_app, pilot)
        assert demo_store.conn.execute("SELECT count(*) FROM contacts").fetchone()[0] == before + 1
        assert not isinstance(demo_app.screen, ImportMappingScreen)


def palette(screen) -> dict[str, object]:
    return {title: callback for title, _, callback in screen.palette_commands()}


async def test_the_board_inbox_and_search_export_what_they_show(demo_app, demo_store, tmp_path):
    from track_tui.screens.inbox import InboxScreen
    from track_tui.screens.search import SearchScreen

    copied: list[str] = []
    demo_app.copy_to_clipboard = copied.append
    async with demo_app.run_test(size=SIZE) as pilot:
        await settle(demo_app, pilot)
        board = board_of(demo_app)
        await type_filter(demo_app, pilot, "owner:JB")
        palette(board)["Board: copy to the clipboard"]()
        rows = list(csv.DictReader(io.StringIO(copied.pop())))
        shown = sum(len(c.cards.card_ids) for c in board.columns)
        assert len(rows) == shown and {r["Owner"] for r in rows} == {"Jonah Becker"}
        palette(board)["Board: export to a file"]()
        await pilot.pause()
        demo_app.screen.query_one(Input).value = str(tmp_path / "board.md")
        await pilot.press("enter")
        assert (tmp_path / "board.md").read_text(encoding="utf-8").startswith("| Name | Value |")

        await pilot.press("i")
        await settle(demo_app, pilot)
        inbox = demo_app.screen
        assert isinstance(inbox, InboxScreen)
        palette(inbox)["Inbox: copy to the clipboard"]()
        tasks = list(csv.DictReader(io.StringIO(copied.pop())))
        assert len(tasks) == sum(len(t) for t in inbox.groups.values()) and tasks[0]["Section"]

        demo_app.action_search()
        await pilot.pause()
        search = demo_app.screen
        assert isinstance(search, SearchScreen)
        await pilot.press(*"harbor")
        await settle(demo_app, pilot)
        palette(search)["Search: copy the results to the clipboard"]()
        hits = list(csv.DictReader(io.StringIO(copied.pop())))
        assert len(hits) == len(search.results.hits) and all("arbor" in h["Name"] + h["Matched text"] for h in hits)


async def test_names_with_control_codes_are_drawn_as_symbols_in_the_list_and_the_lanes(demo_app, demo_store):
    from track_tui.models import RecordType

    board = demo_store.boards()[0]
    first_stage = demo_store.stages(board.id)[0]
    deal_id = demo_store.conn.execute("SELECT record_id FROM board_cards WHERE stage_id = ? ORDER BY position LIMIT 1",
                                      (first_stage.id,)).fetchone()[0]
    demo_store.update_record(RecordType.DEAL, deal_id, {"name": "\x1b]52;c;ZXZpbA==\x07Evil\x1b[2J"})
    async with demo_app.run_test(size=SIZE) as pilot:
        screen = await open_list(demo_app, pilot)
        text = "".join(seg.text for y in range(screen.list.size.height) for seg in screen.list.render_line(y))
        assert "Evil" in text and "\x1b" not in text and "\x07" not in text and "␛" in text
        await pilot.press("v")
        await settle(demo_app, pilot)
        await pilot.press("S")
        await settle(demo_app, pilot)
        grid = demo_app.screen.grid
        text = "".join(seg.text for y in range(grid.size.height) for seg in grid.render_line(y))
        assert "\x1b" not in text and "\x07" not in text

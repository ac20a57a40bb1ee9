"""The search panel under Pilot: open it, type, see grouped results, open a record, come back."""

from __future__ import annotations

from track_tui.models import Company, RecordType
from track_tui.screens.board import BoardScreen
from track_tui.screens.inbox import InboxScreen
from track_tui.screens.record import RecordScreen
from track_tui.screens.search import SearchScreen


async def settle(app, pilot) -> None:
    await app.workers.wait_for_complete()
    await pilot.pause()


async def type_text(app, pilot, text: str) -> None:
    for char in text:
        await pilot.press(char if char != " " else "space")
    await settle(app, pilot)


async def test_ctrl_f_opens_the_panel_and_results_follow_each_keystroke(demo_app):
    async with demo_app.run_test(size=(120, 40)) as pilot:
        await settle(demo_app, pilot)
        await pilot.press("ctrl+f")
        await settle(demo_app, pilot)
        panel = demo_app.screen
        assert isinstance(panel, SearchScreen)
        store = demo_app.store
        name = store.conn.execute("SELECT name FROM companies WHERE deleted_at IS NULL ORDER BY name LIMIT 1").fetchone()[0]
        first_word = name.split()[0]
        await type_text(demo_app, pilot, first_word[:3])
        partial = [h.record_id for h in panel.results_list.hits]
        assert partial
        await type_text(demo_app, pilot, first_word[3:])
        hits = panel.results_list.hits
        assert hits and hits[0].name.lower().startswith(first_word.lower())
        assert hits[0].name_spans  # the matched part is highlighted
        kinds = [kind for kind, _ in panel.results.groups]
        assert len(kinds) == len(set(kinds))  # one group per record type


async def test_slash_opens_search_where_the_screen_has_no_slash(demo_app):
    async with demo_app.run_test(size=(120, 40)) as pilot:
        await settle(demo_app, pilot)
        await pilot.press("slash")  # on the board, / is the card filter
        assert isinstance(demo_app.screen, BoardScreen)
        await pilot.press("escape")
        await pilot.press("i")
        await settle(demo_app, pilot)
        assert isinstance(demo_app.screen, InboxScreen)
        await pilot.press("slash")
        await settle(demo_app, pilot)
        assert isinstance(demo_app.screen, SearchScreen)
        await pilot.press("escape")
        assert isinstance(demo_app.screen, InboxScreen)


async def test_enter_opens_the_record_and_back_returns_to_the_results(demo_app):
    async with demo_app.run_test(size=(120, 40)) as pilot:
        store = demo_app.store
        firm = Company(workspace_id=store.workspace_id, name="Quokkaworks Analytics")
        store.create_record(firm)
        await settle(demo_app, pilot)
        await pilot.press("ctrl+f")
        await type_text(demo_app, pilot, "quokkawroks")  # a typo still finds it
        panel = demo_app.screen
        assert panel.results_list.current.record_id == firm.id
        assert "quokkaw" in str(panel.query_one("#search-status").render())
        await pilot.press("enter")
        await settle(demo_app, pilot)
        assert isinstance(demo_app.screen, RecordScreen) and demo_app.screen.record_id == firm.id
        await pilot.press("escape")
        await settle(demo_app, pilot)
        assert demo_app.screen is panel and panel.results_list.current.record_id == firm.id
        await pilot.press("escape")
        assert isinstance(demo_app.screen, BoardScreen)


async def test_cursor_moves_over_hits_and_filters_apply(demo_app):
    async with demo_app.run_test(size=(120, 40)) as pilot:
        await settle(demo_app, pilot)
        await pilot.press("ctrl+f")
        await type_text(demo_app, pilot, "type:deal owner:me")
        panel = demo_app.screen
        hits = panel.results_list.hits
        assert hits and all(h.record_type == RecordType.DEAL for h in hits)
        await pilot.press("down", "down")
        assert panel.results_list.current == hits[2]
        await pilot.press("up")
        assert panel.results_list.current == hits[1]


async def test_a_renamed_record_updates_open_results(demo_app):
    async with demo_app.run_test(size=(120, 40)) as pilot:
        store = demo_app.store
        firm = Company(workspace_id=store.workspace_id, name="Pangolin Partners")
        store.create_record(firm)
        await settle(demo_app, pilot)
        await pilot.press("ctrl+f")
        await type_text(demo_app, pilot, "pangolin")
        panel = demo_app.screen
        assert [h.record_id for h in panel.results_list.hits] == [firm.id]
        store.soft_delete(RecordType.COMPANY, firm.id)
        await settle(demo_app, pilot)
        assert panel.results_list.hits == []


async def test_palette_has_search_and_inbox(demo_app):
    async with demo_app.run_test(size=(120, 40)) as pilot:
        await settle(demo_app, pilot)
        titles = [c.title for c in demo_app.get_system_commands(demo_app.screen)]
        assert "Search records" in titles and "My work: task inbox" in titles

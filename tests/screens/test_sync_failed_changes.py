"""The failed-changes screen: the list in words, retry (engine or store), discard (engine only,
confirmed), open the record; and the store query and retry it rests on."""

from __future__ import annotations

from datetime import date

from track_tui.models import RecordType
from track_tui.screens.failed_changes import ConfirmDiscard, FailedChangesScreen
from track_tui.screens.record import RecordScreen
from track_tui.store.failed_changes import failed_changes, retry_failed
from track_tui.sync.status import SyncState, SyncStatus

from .sync_support import FakeControl, park, syncing_app

SIZE = (120, 40)
REASON = 'new row violates row-level security policy for table "deals"'


async def settle(app, pilot) -> None:
    await app.workers.wait_for_complete()
    await pilot.pause()


def a_deal(store) -> tuple[str, str, str]:
    deal_id, name, close = store.conn.execute(
        "SELECT id, name, close_date FROM deals WHERE deleted_at IS NULL AND close_date IS NOT NULL ORDER BY id LIMIT 1"
    ).fetchone()
    return deal_id, name, close


def refused_close_date(store) -> tuple[str, str, list[int]]:
    deal_id, name, _ = a_deal(store)
    store.update_record(RecordType.DEAL, deal_id, fields={"close_date": date(2027, 4, 30)})
    return deal_id, name, park(store, REASON)


def states(store, seqs) -> list[str]:
    marks = ",".join("?" for _ in seqs)
    return [r[0] for r in store.conn.execute(f"SELECT state FROM outbox WHERE seq IN ({marks}) ORDER BY seq", seqs)]


def test_the_query_says_record_what_and_why(demo_store):
    deal_id, name, old = a_deal(demo_store)
    demo_store.update_record(RecordType.DEAL, deal_id, fields={"close_date": date(2027, 4, 30)})
    board = demo_store.boards()[0]
    card = demo_store.column_card_ids(board, demo_store.stages(board.id)[0].id)[0]
    demo_store.move_card(card, demo_store.stages(board.id)[2].id)
    park(demo_store, REASON)
    changes = failed_changes(demo_store)
    close = next(c for c in changes if c.table == "deals" and c.row_id == deal_id)
    assert close.name == name and close.kind == "deal" and close.reason == REASON
    assert close.tried == f"Close date: {old} → 2027-04-30"
    assert (close.record_type, close.record_id) == (RecordType.DEAL, deal_id)
    moved = next(c for c in changes if c.table == "board_cards")
    assert moved.tried == f"move to {demo_store.stages(board.id)[2].name}"
    assert moved.record_id is not None
    assert moved.record_type is RecordType.DEAL  # so the deal's stage_id follows: names, never the id
    deal_stage = next(c for c in changes if c.table == "deals" and c.row_id == moved.record_id)
    stages = demo_store.stages(board.id)
    assert deal_stage.tried == f"Stage: {stages[0].name} → {stages[2].name}"
    created = next(c for c in changes if c.table == "timeline_entries")
    assert created.tried == "log a change in the timeline"  # the edit's own field_edit entry


def test_retry_without_an_engine_puts_entries_back_as_pending(demo_store):
    _, _, seqs = refused_close_date(demo_store)
    heard = []
    demo_store.subscribe(heard.append)
    assert retry_failed(demo_store, seqs) == len(seqs)
    assert set(states(demo_store, seqs)) == {"pending"}
    assert heard and heard[-1].touches("outbox")  # the status line and the screen hear of it
    assert retry_failed(demo_store, seqs) == 0  # nothing parked any more


async def test_the_screen_lists_each_failure_from_the_key_and_the_palette(demo_store):
    deal_id, name, seqs = refused_close_date(demo_store)
    app = syncing_app(demo_store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert "2 failed" in app.screen.query_one("#status").text  # the edit and its timeline entry
        await pilot.press("exclamation_mark")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, FailedChangesScreen)
        assert [c.seq for c in screen.changes] == seqs
        prompt = str(screen.option_list.get_option_at_index(0).prompt)
        assert name in prompt and "Close date:" in prompt and "→ 2027-04-30" in prompt and REASON in prompt
        assert "2 changes the server refused" in str(screen.query_one("#failed-header").render())
        await pilot.press("escape")
        await settle(app, pilot)
        commands = [c.title for c in app.get_system_commands(app.screen)]
        assert "Failed changes" in commands


async def test_retry_with_no_engine_requeues_in_the_store(demo_store):
    _, _, seqs = refused_close_date(demo_store)
    app = syncing_app(demo_store, SyncStatus(state=SyncState.OFFLINE))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        app.action_failed_changes()
        await settle(app, pilot)
        await pilot.press("r")
        await settle(app, pilot)
        assert states(demo_store, seqs) == ["pending", "failed"]  # the one under the cursor
        await pilot.press("R")
        await settle(app, pilot)
        assert states(demo_store, seqs) == ["pending", "pending"]
        screen = app.screen
        assert isinstance(screen, FailedChangesScreen) and screen.changes == []  # the list followed
        text = screen.query_one("#status").text
        assert "failed" not in text and "1 to upload" in text  # both entries are the one deal's edit


async def test_retry_and_discard_go_through_the_engine_when_one_runs(demo_store):
    _, _, seqs = refused_close_date(demo_store)
    control = FakeControl()
    app = syncing_app(demo_store, SyncStatus(state=SyncState.LIVE), control)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        app.action_failed_changes()
        await settle(app, pilot)
        await pilot.press("r")
        assert control.retried == [seqs[:1]]
        await pilot.press("R")
        assert control.retried == [seqs[:1], seqs]
        assert states(demo_store, seqs) == ["failed", "failed"]  # the engine does it, not the screen
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDiscard)
        await pilot.press("n")  # kept
        await pilot.pause()
        assert control.discarded == []
        await pilot.press("d")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert control.discarded == [seqs[:1]]
        assert isinstance(app.screen, FailedChangesScreen)


async def test_discard_works_offline_through_the_engine(demo_store):
    """The engine's discard needs no connection (the row is refetched once the server answers):
    the screen must not refuse it while offline."""
    _, name, seqs = refused_close_date(demo_store)
    control = FakeControl()
    app = syncing_app(demo_store, SyncStatus(state=SyncState.OFFLINE), control)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        app.action_failed_changes()
        await settle(app, pilot)
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDiscard)
        assert "Close date:" in app.screen.question and "→ 2027-04-30" in app.screen.question  # which one
        await pilot.press("y")
        await pilot.pause()
        assert control.discarded == [seqs[:1]]
        assert any("returns to the server's version when the server answers" in n.message
                   for n in app._notifications)


async def test_discard_with_no_engine_drops_the_entry_and_remembers_the_row(demo_store):
    deal_id, _, seqs = refused_close_date(demo_store)
    app = syncing_app(demo_store, SyncStatus(state=SyncState.OFFLINE))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        app.action_failed_changes()
        await settle(app, pilot)
        await pilot.press("d")
        await pilot.pause()
        await pilot.press("y")
        await settle(app, pilot)
        left = [r[0] for r in demo_store.conn.execute("SELECT seq FROM outbox WHERE seq IN (?, ?)", seqs)]
        assert left == seqs[1:]  # the one under the cursor is gone, the other still parked
        refetch = demo_store.conn.execute("SELECT value FROM meta WHERE key = 'sync_refetch'").fetchone()
        assert refetch and deal_id in refetch[0]  # the next sync brings the server's version back


async def test_enter_opens_the_record_of_the_failure(demo_store):
    deal_id, name, _ = refused_close_date(demo_store)
    app = syncing_app(demo_store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        app.action_failed_changes()
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, RecordScreen) and app.screen.record_id == deal_id
        await pilot.press("escape")
        await settle(app, pilot)
        assert isinstance(app.screen, FailedChangesScreen)


async def test_names_in_failures_are_drawn_safely(demo_store):
    deal_id, _, _ = a_deal(demo_store)
    demo_store.update_record(RecordType.DEAL, deal_id, fields={"name": "Evil [/] \x1b[2J deal"})
    park(demo_store, "reason with [bold]markup[/] and \x07 bell")
    app = syncing_app(demo_store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        app.action_failed_changes()
        await settle(app, pilot)
        prompt = app.screen.option_list.get_option_at_index(0).prompt
        plain = getattr(prompt, "plain", str(prompt))
        assert "\x1b" not in plain and "\x07" not in plain and "[/]" in plain


async def test_after_retry_the_cursor_keeps_the_entry_or_its_place(demo_store):
    """`r` on the middle entry: it leaves the list and the one after it takes its place under the
    cursor; refused again, it comes back and the cursor is on it again (not on the next one).
    Once the person has moved on, the list no longer pulls the cursor back."""
    deals = [r[0] for r in demo_store.conn.execute(
        "SELECT id FROM deals WHERE deleted_at IS NULL ORDER BY id LIMIT 3")]
    for deal_id in deals:
        demo_store.update_record(RecordType.DEAL, deal_id, fields={"close_date": date(2027, 4, 30)})
    seqs = park(demo_store, REASON)
    app = syncing_app(demo_store, SyncStatus(state=SyncState.OFFLINE))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        app.action_failed_changes()
        await settle(app, pilot)
        screen = app.screen
        assert [c.seq for c in screen.changes] == seqs and len(seqs) >= 3
        await pilot.press("j")
        retried = screen.current.seq
        await pilot.press("r")
        await settle(app, pilot)
        assert retried not in [c.seq for c in screen.changes]
        assert screen.option_list.highlighted == 1  # its place: the entry after it
        park(demo_store, REASON)  # the server refuses it again
        screen.reload()
        await settle(app, pilot)
        assert screen.current.seq == retried
        await pilot.press("r")
        await settle(app, pilot)
        await pilot.press("k")  # the person moves on…
        first = screen.current.seq
        park(demo_store, REASON)
        screen.reload()
        await settle(app, pilot)
        assert screen.current.seq == first  # …and the cursor stays where they put it

"""The task inbox under Pilot: every action is checked in the store, not only on screen."""

from __future__ import annotations

from datetime import timedelta

from tests.support.pilot import open_with_key, settle
from track_tui.models import EntryType, TaskStatus
from track_tui.screens.inbox import InboxScreen
from track_tui.screens.record import RecordScreen

from ..conftest import FROZEN_NOW

TODAY = FROZEN_NOW.date()


async def open_inbox(app, pilot) -> InboxScreen:
    screen = await open_with_key(app, pilot, "i", InboxScreen)
    assert screen.loaded
    return screen


async def test_inbox_opens_with_i_and_groups_my_tasks(demo_app):
    async with demo_app.run_test(size=(120, 40)) as pilot:
        inbox = await open_inbox(demo_app, pilot)
        store = demo_app.store
        assert all(t.assigned_to == store.user_id for t in inbox.tasks)
        overdue = inbox.groups["overdue"]
        assert overdue and all(t.due_date < TODAY for t in overdue)
        assert all(t.due_date == TODAY for t in inbox.groups["today"])
        # Done is folded: the cursor starts on the first overdue task
        assert inbox.task_list.current.id == overdue[0].id
        # One name for the screen: its header, its part of the status line, its title (the key's label)
        header = str(inbox.query_one("#inbox-header").render())
        assert header.startswith("My work") and inbox.query_one("#status").context == "My work" == inbox.TITLE
        await pilot.press("m")
        assert str(inbox.query_one("#inbox-header").render()).startswith("Everyone's work")
        await pilot.press("escape")
        assert not isinstance(demo_app.screen, InboxScreen)


async def test_status_cycles_open_in_progress_done_and_logs_completion(demo_app):
    async with demo_app.run_test(size=(120, 40)) as pilot:
        inbox = await open_inbox(demo_app, pilot)
        store = demo_app.store
        task = next(t for t in inbox.groups["overdue"] if t.status == TaskStatus.OPEN and t.record_id)
        inbox.task_list.set_cursor(inbox.task_list.task_rows.index(
            next(i for i in inbox.task_list.task_rows if inbox.task_list.rows[i].task.id == task.id)))
        await pilot.press("space")
        await settle(demo_app, pilot)
        assert store.inbox_task(task.id).status == TaskStatus.IN_PROGRESS
        assert inbox.task_list.current.id == task.id  # the cursor stays on it
        await pilot.press("space")
        await settle(demo_app, pilot)
        assert store.inbox_task(task.id).status == TaskStatus.DONE
        entries = store.timeline(task.record_id, types=[EntryType.TASK])
        assert any(e.payload.get("task_id") == task.id and e.payload.get("action") == "completed" for e in entries)


async def test_snooze_tomorrow_next_week_and_a_typed_date(demo_app):
    async with demo_app.run_test(size=(120, 40)) as pilot:
        inbox = await open_inbox(demo_app, pilot)
        store = demo_app.store
        task = inbox.task_list.current
        await pilot.press("z", "enter")  # Tomorrow
        await settle(demo_app, pilot)
        assert store.inbox_task(task.id).due_date == TODAY + timedelta(days=1)
        inbox.task_list.set_cursor(next(n for n, i in enumerate(inbox.task_list.task_rows)
                                        if inbox.task_list.rows[i].task.id == task.id))
        await pilot.press("z", "down", "enter")  # Next week
        await settle(demo_app, pilot)
        due = store.inbox_task(task.id).due_date
        assert due > TODAY and due.weekday() == 0
        inbox.task_list.set_cursor(next(n for n, i in enumerate(inbox.task_list.task_rows)
                                        if inbox.task_list.rows[i].task.id == task.id))
        await pilot.press("z", "down", "down", "enter")  # Pick a date…
        await pilot.press(*"+3d", "enter")
        await settle(demo_app, pilot)
        assert store.inbox_task(task.id).due_date == TODAY + timedelta(days=3)


async def test_reassign_moves_the_task_out_of_my_inbox(demo_app):
    async with demo_app.run_test(size=(120, 40)) as pilot:
        inbox = await open_inbox(demo_app, pilot)
        store = demo_app.store
        task = inbox.task_list.current
        await pilot.press("a")
        await pilot.pause()
        others = [pid for pid in store.profiles() if pid != store.user_id]
        ids = list(store.profiles())
        target = others[0]
        screen = demo_app.screen
        from textual.widgets import OptionList
        screen.query_one(OptionList).highlighted = ids.index(target)
        await pilot.press("enter")
        await settle(demo_app, pilot)
        assert store.inbox_task(task.id).assigned_to == target
        assert task.id not in {t.id for t in inbox.tasks}
        await pilot.press("m")  # everyone's tasks: it is there
        await settle(demo_app, pilot)
        assert task.id in {t.id for t in inbox.tasks}


async def test_edit_title_description_and_due(demo_app):
    async with demo_app.run_test(size=(120, 40)) as pilot:
        inbox = await open_inbox(demo_app, pilot)
        store = demo_app.store
        task = inbox.task_list.current
        await pilot.press("e")
        await pilot.pause()
        from textual.widgets import Input
        screen = demo_app.screen
        screen.query_one("#task-title", Input).value = "Renamed task"
        screen.query_one("#task-description", Input).value = "With a description"
        screen.query_one("#task-due", Input).value = "nonsense"
        screen.query_one("#task-title", Input).focus()
        await pilot.press("enter")
        await pilot.pause()
        assert demo_app.screen is screen  # refused: the date is not a date
        screen.query_one("#task-due", Input).value = "tomorrow"
        await pilot.press("enter")
        await settle(demo_app, pilot)
        row = store.inbox_task(task.id)
        assert (row.title, row.description, row.due_date) == ("Renamed task", "With a description", TODAY + timedelta(days=1))


async def test_new_task_on_a_record_writes_its_timeline_entry(demo_app):
    async with demo_app.run_test(size=(120, 40)) as pilot:
        inbox = await open_inbox(demo_app, pilot)
        store = demo_app.store
        deal_id, deal_name = store.conn.execute(
            "SELECT id, name FROM deals WHERE deleted_at IS NULL ORDER BY name LIMIT 1").fetchone()
        await pilot.press("n")
        await pilot.pause()
        from textual.widgets import Input
        screen = demo_app.screen
        screen.query_one("#task-record", Input).value = deal_name
        await pilot.pause()
        assert screen.record is not None and screen.record.record_id == deal_id
        screen.query_one("#task-title", Input).value = "Prepare the renewal pack"
        screen.query_one("#task-title", Input).focus()
        await pilot.press("enter")
        await settle(demo_app, pilot)
        created = [t for t in store.inbox_tasks() if t.title == "Prepare the renewal pack"]
        assert len(created) == 1 and created[0].record_id == deal_id and created[0].due_date == TODAY
        assert inbox.task_list.current.id == created[0].id
        entries = store.timeline(deal_id, types=[EntryType.TASK])
        assert any(e.payload.get("task_id") == created[0].id and e.payload.get("action") == "created" for e in entries)


async def test_delete_and_undo(demo_app):
    async with demo_app.run_test(size=(120, 40)) as pilot:
        inbox = await open_inbox(demo_app, pilot)
        store = demo_app.store
        task = inbox.task_list.current
        await pilot.press("delete")
        await settle(demo_app, pilot)
        assert store.inbox_task(task.id) is None
        assert task.id not in {t.id for t in inbox.tasks}
        await pilot.press("u")
        await settle(demo_app, pilot)
        assert store.inbox_task(task.id) is not None
        assert inbox.task_list.current.id == task.id


async def test_open_parent_record_and_come_back_to_the_same_row(demo_app):
    async with demo_app.run_test(size=(120, 40)) as pilot:
        inbox = await open_inbox(demo_app, pilot)
        await pilot.press("j", "j", "j", "j")
        task = inbox.task_list.current
        assert task.record_id
        await pilot.press("enter")
        await settle(demo_app, pilot)
        assert isinstance(demo_app.screen, RecordScreen) and demo_app.screen.record_id == task.record_id
        await pilot.press("i")  # i from the record page brings the inbox back
        await settle(demo_app, pilot)
        assert demo_app.screen is inbox and inbox.task_list.current.id == task.id


async def test_record_type_filter_and_done_section(demo_app):
    async with demo_app.run_test(size=(120, 40)) as pilot:
        inbox = await open_inbox(demo_app, pilot)
        await pilot.press("f")  # deals only
        await settle(demo_app, pilot)
        assert inbox.tasks and all(t.record_type == "deal" for t in inbox.tasks)
        shown = len(inbox.task_list.task_rows)
        await pilot.press("c")  # show done tasks
        assert len(inbox.task_list.task_rows) == shown + len(inbox.groups["done"])

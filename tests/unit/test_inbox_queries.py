"""Inbox queries: whose tasks, grouping by the local date, parent names, the inbox's actions."""

from __future__ import annotations

from datetime import date, timedelta

from track_tui.models import EntryType, RecordType, Task, TaskStatus
from track_tui.store.inbox_queries import InboxTask, group_tasks

from ..conftest import FROZEN_NOW

TODAY = FROZEN_NOW.date()


def make(store, title: str, due: date | None, *, status=TaskStatus.OPEN, assigned_to="me", record=None) -> Task:
    task = Task(
        workspace_id=store.workspace_id, title=title, due_date=due, status=status,
        assigned_to=store.user_id if assigned_to == "me" else assigned_to,
        record_type=record[0] if record else None, record_id=record[1] if record else None,
    )
    store.create_task(task)
    return task


def a_deal(store) -> tuple[RecordType, str, str]:
    row = store.conn.execute("SELECT id, name FROM deals WHERE deleted_at IS NULL ORDER BY id LIMIT 1").fetchone()
    return RecordType.DEAL, row[0], row[1]


def test_inbox_lists_only_my_tasks_unless_everyone(demo_store):
    mine = demo_store.inbox_tasks()
    assert mine and all(t.assigned_to == demo_store.user_id for t in mine)
    everyone = demo_store.inbox_tasks(everyone=True)
    assert len(everyone) > len(mine)
    assert len(everyone) == demo_store.conn.execute("SELECT count(*) FROM tasks").fetchone()[0] - demo_store.conn.execute(
        """SELECT count(*) FROM tasks t WHERE t.record_id IS NOT NULL AND NOT EXISTS (
               SELECT 1 FROM deals WHERE id = t.record_id AND deleted_at IS NULL UNION ALL
               SELECT 1 FROM contacts WHERE id = t.record_id AND deleted_at IS NULL UNION ALL
               SELECT 1 FROM companies WHERE id = t.record_id AND deleted_at IS NULL)"""
    ).fetchone()[0]


def test_record_type_filter(demo_store):
    deals = demo_store.inbox_tasks(everyone=True, record_type=RecordType.DEAL)
    assert deals and all(t.record_type == RecordType.DEAL for t in deals)


def test_rows_carry_the_parent_record_and_assignee(demo_store):
    kind, deal_id, deal_name = a_deal(demo_store)
    task = make(demo_store, "Send the contract", TODAY, record=(kind, deal_id))
    row = demo_store.inbox_task(task.id)
    assert row.record_name == deal_name and row.record_type == RecordType.DEAL
    assert row.assignee_name == demo_store.profiles()[demo_store.user_id].full_name


def test_tasks_on_deleted_records_are_left_out(demo_store):
    kind, deal_id, _ = a_deal(demo_store)
    task = make(demo_store, "On a doomed deal", TODAY, record=(kind, deal_id))
    demo_store.soft_delete(RecordType.DEAL, deal_id)
    assert task.id not in {t.id for t in demo_store.inbox_tasks()}


def test_grouping_follows_the_local_date(demo_store):
    def row(title, due, status=TaskStatus.OPEN):
        return InboxTask(id=title, title=title, description=None, status=status, due_date=due, assigned_to=None,
                         assignee_name=None, record_type=None, record_id=None, record_name=None, created_at="")

    tasks = [
        row("late", TODAY - timedelta(days=2)), row("later", TODAY - timedelta(days=9)),
        row("now", TODAY), row("soon", TODAY + timedelta(days=1)), row("whenever", None),
        row("finished", TODAY - timedelta(days=1), TaskStatus.DONE),
        row("working", TODAY, TaskStatus.IN_PROGRESS),
    ]
    groups = group_tasks(tasks, TODAY)
    assert [t.id for t in groups["overdue"]] == ["later", "late"]
    assert [t.id for t in groups["today"]] == ["working", "now"]
    assert [t.id for t in groups["upcoming"]] == ["soon"]
    assert [t.id for t in groups["no_date"]] == ["whenever"]
    assert [t.id for t in groups["done"]] == ["finished"]
    assert demo_store.today() == TODAY


def test_snooze_and_reassign_write_through_the_write_path(demo_store):
    task = make(demo_store, "Call back", TODAY - timedelta(days=1))
    pending = demo_store.pending_count()
    demo_store.snooze_task(task.id, TODAY + timedelta(days=7))
    assert demo_store.inbox_task(task.id).due_date == TODAY + timedelta(days=7)
    other = next(pid for pid in demo_store.profiles() if pid != demo_store.user_id)
    demo_store.reassign_task(task.id, other)
    assert task.id not in {t.id for t in demo_store.inbox_tasks()}
    assert demo_store.inbox_task(task.id).assigned_to == other
    assert demo_store.pending_count() == pending + 2  # one outbox entry per change


def test_completing_and_creating_write_task_entries_on_the_parent(demo_store):
    kind, deal_id, _ = a_deal(demo_store)
    task = make(demo_store, "Book the demo", TODAY, record=(kind, deal_id))
    demo_store.set_task_status(task.id, TaskStatus.IN_PROGRESS)
    demo_store.set_task_status(task.id, TaskStatus.DONE)
    entries = [e for e in demo_store.timeline(deal_id, types=[EntryType.TASK]) if e.payload.get("task_id") == task.id]
    assert sorted(e.payload["action"] for e in entries) == ["completed", "created"]


def test_snoozing_into_the_past_is_refused_and_changes_nothing(demo_store):
    from track_tui.store import InvalidInput

    task = make(demo_store, "Chase the invoice", TODAY - timedelta(days=2))
    before = demo_store.conn.execute("SELECT count(*) FROM outbox").fetchone()[0]
    try:
        demo_store.snooze_task(task.id, TODAY - timedelta(days=1))
    except InvalidInput as exc:
        assert exc.field == "Due date" and "in the past" in exc.reason
    else:
        raise AssertionError("a snooze to yesterday was accepted")
    assert demo_store.inbox_task(task.id).due_date == TODAY - timedelta(days=2)
    assert demo_store.conn.execute("SELECT count(*) FROM outbox").fetchone()[0] == before
    demo_store.snooze_task(task.id, TODAY)  # today is fine
    assert demo_store.inbox_task(task.id).due_date == TODAY

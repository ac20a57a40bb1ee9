"""The task inbox ("My Work"): my tasks by Overdue / Today / Upcoming / No date / Done.

State (mine or everyone's, the record-type filter, which sections are folded, the cursor) lives
here; the list only draws. Tasks load in one thread worker as light rows and the list renders only
visible lines, so 10,000 tasks open in a blink. Every action is one call on the store's write path
(which writes the parent record's `task` timeline entries), after which the list reloads with the
cursor kept on the same task — or on the row where it was, when the task left the view.
"""

from __future__ import annotations

from typing import Iterable

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Static

from ..drafts import draft_key
from ..messages import StoreChanged
from ..remote_news import Subject
from ..models import RecordType, Task, TaskStatus
from ..models.enums import plural
from ..store import InvalidInput, NotFound, Store
from ..store.inbox_queries import InboxTask, group_tasks
from ..store.search import SearchHit
from ..store.undo import UndoStep
from ..widgets.key_hints import KeyHints
from ..widgets.status_line import StatusLine
from ..widgets.task_list import STATUS_LABELS, TaskList
from .inbox_dialogs import AssigneeScreen, SnoozeScreen, TaskEditResult, TaskEditScreen

TYPE_CYCLE: tuple[RecordType | None, ...] = (None, RecordType.DEAL, RecordType.CONTACT, RecordType.COMPANY)


class InboxScreen(Screen[None]):
    TITLE = "My work"
    AUTO_FOCUS = "#task-list"

    BINDINGS = [
        Binding("escape", "back", "Back", id="inbox.back", show=False),
        Binding("k,up", "cursor(-1)", "Up", id="inbox.up", show=False),
        Binding("j,down", "cursor(1)", "Down", id="inbox.down", show=False),
        Binding("g,home", "cursor_to(0)", "First", id="inbox.first", show=False),
        Binding("G,end", "cursor_to(-1)", "Last", id="inbox.last", show=False),
        Binding("pageup", "page(-1)", "Page up", id="inbox.page_up", show=False),
        Binding("pagedown", "page(1)", "Page down", id="inbox.page_down", show=False),
        Binding("space", "cycle_status", "Status", id="inbox.status", tooltip="open → in progress → done"),
        Binding("z", "snooze", "Snooze", id="inbox.snooze"),
        Binding("a", "assign", "Assign", id="inbox.assign"),
        Binding("e", "edit", "Edit", id="inbox.edit"),
        Binding("n", "new", "New", id="inbox.new"),
        Binding("delete,D", "delete", "Delete", id="inbox.delete", show=False,
                tooltip="Delete the task (u undoes it, like every change)"),
        Binding("enter", "open", "Open record", id="inbox.open"),
        Binding("m", "toggle_everyone", "Mine/all", id="inbox.everyone"),
        Binding("f", "cycle_type", "Type", id="inbox.type", show=False, tooltip="All records → deals → contacts → companies"),
        Binding("c", "toggle_done", "Done", id="inbox.done", show=False),
        Binding("r", "reload", "Reload", id="inbox.reload", show=False),
    ]

    def __init__(self, store: Store) -> None:
        super().__init__()
        self.store = store
        self.everyone = False
        self.record_type: RecordType | None = None
        self.collapsed: set[str] = {"done"}
        self.tasks: list[InboxTask] = []
        self.groups: dict[str, list[InboxTask]] = {}
        self._pending: tuple[str | None, int | None] | None = None  # where the cursor goes after an action
        self.loaded = False

    def compose(self) -> ComposeResult:
        yield Static("", id="inbox-header")
        yield TaskList(self.store.today, id="task-list")
        yield StatusLine(id="status")
        yield KeyHints()

    def on_mount(self) -> None:
        self.show_context()
        self.reload()

    @property
    def task_list(self) -> TaskList:
        return self.query_one(TaskList)

    # -- loading ---------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="inbox-load")
    def reload(self, keep: str | None = None, keep_index: int | None = None) -> None:
        everyone, record_type = self.everyone, self.record_type
        tasks = self.store.inbox_tasks(everyone=everyone, record_type=record_type)
        groups = group_tasks(tasks, self.store.today())
        self.app.call_from_thread(self._show, everyone, record_type, tasks, groups, keep, keep_index)

    def _show(self, everyone: bool, record_type: RecordType | None, tasks: list[InboxTask],
              groups: dict[str, list[InboxTask]], keep: str | None, keep_index: int | None) -> None:
        if (everyone, record_type) != (self.everyone, self.record_type):
            return  # a newer load is on its way
        current = self.task_list.current
        if keep is None and keep_index is None and self._pending is not None:
            keep, keep_index = self._pending  # an action's wish, even if a later reload replaced its own
        self._pending = None
        if keep is None and keep_index is None and current is not None:
            keep = current.id
        self.tasks, self.groups = tasks, groups
        task_list = self.task_list
        task_list.empty_text = self._empty_text()
        task_list.show_assignee = everyone
        task_list.set_groups(groups, self.collapsed, keep=keep, keep_index=keep_index)
        self.refresh_header()
        self.loaded = True

    def _empty_text(self) -> str:
        who = "anyone" if self.everyone else "you"
        kind = f" on {plural(self.record_type)}" if self.record_type else ""
        return f"No tasks for {who}{kind}. Press n to add one."

    def refresh_header(self) -> None:
        today = self.store.today()
        counts = {name: len(tasks) for name, tasks in self.groups.items()}
        whose = "Everyone's work" if self.everyone else "My work"  # the name the key, palette and README use
        kind = f" · {plural(self.record_type)} only" if self.record_type else ""
        figures = (
            f"{counts.get('overdue', 0)} overdue · {counts.get('today', 0)} today · "
            f"{counts.get('upcoming', 0)} upcoming · {counts.get('no_date', 0)} no date · {counts.get('done', 0)} done"
        )
        self.query_one("#inbox-header", Static).update(f"{whose}{kind}  —  {figures}   ({today:%a %d %b})")
        self.show_context()

    def show_context(self) -> None:
        """The inbox's part of the status line (the app's status is the rest: status_keeper.py)."""
        status = self.query_one(StatusLine)
        status.context = "My work" + (" · everyone" if self.everyone else "")

    def remote_subjects(self, changes) -> Iterable[Subject]:
        """The tasks of a teammate's change that the inbox shows (see news_notifier.py)."""
        changed = changes.ids("tasks")
        for task in self.tasks if changed else ():
            if task.id in changed:
                yield Subject("tasks", task.id, name=task.title)

    def on_store_changed(self, message: StoreChanged) -> None:
        if message.changes.touches("tasks", "profiles", "deals", "contacts", "companies"):
            self.reload()

    # -- cursor ----------------------------------------------------------------------------

    def action_cursor(self, delta: int) -> None:
        self.task_list.move_cursor(delta)

    def action_cursor_to(self, index: int) -> None:
        task_list = self.task_list
        task_list.set_cursor(index if index >= 0 else len(task_list.task_rows) - 1)

    def action_page(self, direction: int) -> None:
        self.task_list.page(direction)

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 2:
            self.app.pop_screen()

    # -- actions ---------------------------------------------------------------------------

    def _current(self) -> InboxTask | None:
        task = self.task_list.current
        if task is None:
            self.notify("No task here", severity="warning", timeout=2)
        return task

    def _write(self, action, *args, keep: str | None = None) -> bool:
        """Run a store action; reload keeping the cursor on `keep` (or at the same row)."""
        index = self.task_list.cursor
        try:
            action(*args)
        except (InvalidInput, NotFound, ValueError) as exc:
            self.notify(f"Not saved — {exc}", severity="error")
            return False
        self._pending = (keep, None if keep else index)
        self.reload(keep=keep, keep_index=None if keep else index)
        return True

    def action_cycle_status(self) -> None:
        task = self._current()
        if task is None:
            return
        new = task.status.next()
        if self._write(self.store.set_task_status, task.id, new, keep=task.id if new != TaskStatus.DONE else None):
            self.notify(f"{task.title}: {STATUS_LABELS[new]}", timeout=2)

    def action_snooze(self) -> None:
        task = self._current()
        if task is None:
            return

        def chosen(until) -> None:
            if until is not None and self._write(self.store.snooze_task, task.id, until):
                self.notify(f"Snoozed to {until:%a %d %b}: {task.title}", timeout=2)

        self.app.push_screen(SnoozeScreen(task.title, self.store.today()), chosen)

    def action_assign(self) -> None:
        task = self._current()
        if task is None:
            return

        def chosen(user_id: str | None) -> None:
            if user_id is None:
                return
            target = None if user_id == AssigneeScreen.NOBODY else user_id
            keep = task.id if self.everyone or target == self.store.user_id else None
            if self._write(self.store.reassign_task, task.id, target, keep=keep):
                name = self.store.profiles()[target].full_name if target else "nobody"
                self.notify(f"Assigned to {name}: {task.title}", timeout=2)

        self.app.push_screen(
            AssigneeScreen(task.title, self.store.profiles(), task.assigned_to, self.store.user_id), chosen
        )

    def action_edit(self) -> None:
        task = self._current()
        if task is None:
            return

        def edited(result: TaskEditResult | None) -> None:
            if result is None:
                return
            changes = {"title": result.title, "description": result.description, "due_date": result.due_date}
            self._write(self.store.update_task, task.id, changes, keep=task.id)

        self.app.push_screen(TaskEditScreen(
            self.store.today(), heading="Edit task", title=task.title, description=task.description,
            due=task.due_date, draft=draft_key("task", task.id, "edit"),
        ), edited)

    def action_new(self) -> None:
        current = self.task_list.current
        record = None
        if current is not None and current.record_id and current.record_type and current.record_name:
            record = SearchHit(
                record_type=current.record_type, record_id=current.record_id, name=current.record_name,
                subtitle=None, field="name", text=current.record_name, spans=(), name_spans=(), tier=0,
                score=0.0, updated_at=None,
            )

        def created(result: TaskEditResult | None) -> None:
            if result is None:
                return
            task = Task(
                workspace_id=self.store.workspace_id, title=result.title, description=result.description,
                due_date=result.due_date, assigned_to=self.store.user_id,
                record_type=result.record_type, record_id=result.record_id,
            )
            if self._write(self.store.create_task, task, keep=task.id):
                self.notify(f"Created: {task.title}", timeout=2)

        self.app.push_screen(TaskEditScreen(
            self.store.today(), heading="New task", due=self.store.today(), find_record=self._find_record,
            record=record, draft=draft_key("task", "new"),
        ), created)

    def _find_record(self, text: str) -> SearchHit | None:
        results = self.store.search(text, limit=1)
        return results.hits[0] if results.hits else None

    def action_delete(self) -> None:
        task = self._current()
        if task is None:
            return
        index = self.task_list.cursor
        try:
            self.store.delete_task(task.id)
        except NotFound as exc:
            self.notify(str(exc), severity="error")
            return
        self._pending = (None, index)
        self.reload(keep_index=index)
        self.notify(f"Deleted: {task.title} — press u to undo", timeout=6)

    def show_undone(self, step: UndoStep) -> None:
        """After `u`/`U` (the app's): the cursor follows the task that came back or changed."""
        if step.focus is not None and step.focus[0] == "tasks":
            self._pending = (step.focus[1], None)
            self.reload(keep=step.focus[1])

    def action_open(self) -> None:
        task = self._current()
        if task is None:
            return
        if not task.record_id or not task.record_type:
            self.notify("This task is not on a record", severity="warning", timeout=2)
            return
        self.app.open_record(task.record_type, task.record_id)

    # -- views -----------------------------------------------------------------------------

    def action_toggle_everyone(self) -> None:
        self.everyone = not self.everyone
        self.reload()

    def action_cycle_type(self) -> None:
        self.record_type = TYPE_CYCLE[(TYPE_CYCLE.index(self.record_type) + 1) % len(TYPE_CYCLE)]
        self.reload()

    def action_toggle_done(self) -> None:
        self.collapsed ^= {"done"}
        current = self.task_list.current
        self.task_list.set_groups(self.groups, self.collapsed, keep=current.id if current else None)

    def action_reload(self) -> None:
        self.reload()

    def palette_commands(self) -> Iterable[tuple[str, str, object]]:
        yield ("Inbox: everyone's tasks" if not self.everyone else "Inbox: my tasks", "Same as m", self.action_toggle_everyone)
        yield ("Inbox: filter by record type", "Same as f", self.action_cycle_type)
        yield ("Inbox: new task", "Same as n", self.action_new)
        yield ("Inbox: show or hide done tasks", "Same as c", self.action_toggle_done)
        if self.task_list.current is not None:
            yield ("Task: next status", "Same as space", self.action_cycle_status)
            yield ("Task: snooze", "Same as z", self.action_snooze)
            yield ("Task: reassign", "Same as a", self.action_assign)
            yield ("Task: edit", "Same as e", self.action_edit)
            yield ("Task: delete", "Same as Delete (u undoes)", self.action_delete)
            yield ("Task: open its record", "Same as Enter", self.action_open)
        from ..transfer.screen_tables import inbox_table
        from .export_actions import copy_table, export_to_file

        yield ("Inbox: export to a file", "The tasks shown, CSV, JSON or Markdown",
               lambda: export_to_file(self, lambda: inbox_table(self.groups, self.store.today()), "tasks", "tasks"))
        yield ("Inbox: copy to the clipboard", "The tasks shown, as CSV",
               lambda: copy_table(self, inbox_table(self.groups, self.store.today()), "tasks"))

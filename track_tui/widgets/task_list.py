"""The inbox's task list: section headers and one line per task, drawn with the line API.

The widget holds the grouped rows (light frozen models) and renders only the visible lines, with a
cache of rendered strips, so ten thousand tasks scroll like ten. The cursor moves over tasks; a
collapsed section shows only its header.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from operator import attrgetter
from typing import Callable

from rich.style import Style
from rich.text import Text
from textual.strip import Strip

from ..models import TaskStatus
from ..models.dates import relative_days, short_date
from ..safe_text import safe_line
from ..store.inbox_queries import SECTION_LABELS, SECTIONS, InboxTask
from .grouped_list import GroupedList

STATUS_MARKS = {TaskStatus.OPEN: "[ ]", TaskStatus.IN_PROGRESS: "[~]", TaskStatus.DONE: "[x]"}
STATUS_LABELS = {TaskStatus.OPEN: "open", TaskStatus.IN_PROGRESS: "in progress", TaskStatus.DONE: "done"}
TYPE_LABELS = {"deal": "Deal", "contact": "Contact", "company": "Company"}


@dataclass(frozen=True, slots=True)
class _Row:
    task: InboxTask | None = None
    section: str | None = None  # a header row
    count: int = 0
    collapsed: bool = False


class TaskList(GroupedList[InboxTask], can_focus=True):
    COMPONENT_CLASSES = {
        "task-list--header",
        "task-list--cursor",
        "task-list--title",
        "task-list--muted",
        "task-list--overdue",
        "task-list--today",
        "task-list--progress",
        "task-list--done",
        "task-list--empty",
    }
    EMPTY_COMPONENT = "task-list--empty"
    CURSOR_COMPONENT = "task-list--cursor"
    CACHE_SIZE = 1024
    _item = staticmethod(attrgetter("task"))

    rows: list[_Row]

    def __init__(self, today: Callable[[], date], *, id: str | None = None) -> None:
        super().__init__(empty_text="Loading…", id=id)
        self._today = today
        self.show_assignee = False  # on when the list holds everyone's tasks

    # -- data ------------------------------------------------------------------------------

    def set_groups(self, groups: dict[str, list[InboxTask]], collapsed: set[str], *, keep: str | None = None,
                   keep_index: int | None = None) -> None:
        """Show grouped tasks; keep the cursor on task `keep`, else near row `keep_index`."""
        rows: list[_Row] = []
        for name in SECTIONS:
            tasks = groups.get(name, [])
            if not tasks:
                continue
            folded = name in collapsed
            rows.append(_Row(section=name, count=len(tasks), collapsed=folded))
            if not folded:
                rows.extend(_Row(task=t) for t in tasks)
        self.show_rows(rows, keep=None if keep is None else (lambda task: task.id == keep),
                       fallback=keep_index if keep_index is not None else self.cursor)

    @property
    def task_rows(self) -> list[int]:
        """The row index of each task, in order (the cursor indexes this)."""
        return self.item_rows

    # -- drawing ---------------------------------------------------------------------------

    def _render_header(self, row: _Row, width: int) -> Strip:
        label = f" {SECTION_LABELS[row.section or '']} · {row.count}"
        if row.collapsed:
            label += "  (hidden — c shows)"
        text = Text(label)
        header_bg = self.get_component_rich_style("task-list--header")
        base = self.rich_style + Style(bgcolor=header_bg.bgcolor)
        text.stylize(self._fg("task-list--header", base=base))
        if row.section == "overdue":
            text.stylize(self._fg("task-list--overdue", base=base), 1, 1 + len(SECTION_LABELS["overdue"]))
        return self._strip(text, width, base)

    def _render_item(self, task: InboxTask, width: int, selected: bool) -> Strip:
        today = self._today()
        muted = self._fg("task-list--muted", selected=selected)
        title_style = self._fg("task-list--title", selected=selected)
        if task.status == TaskStatus.DONE:
            title_style = self._fg("task-list--done", selected=selected)
        # Right-hand columns: due · status · record (type) · assignee, fitted to the width.
        wide = width >= 100
        due_w = DUE_WIDE if wide else DUE_NARROW
        due = self._due_text(task, today, due_w - 1)
        due_style = muted
        if task.status != TaskStatus.DONE and task.due_date is not None:
            if task.due_date < today:
                due_style = self._fg("task-list--overdue", selected=selected)
            elif task.due_date == today:
                due_style = self._fg("task-list--today", selected=selected)
        status_style = self._fg("task-list--progress", selected=selected) if task.status == TaskStatus.IN_PROGRESS else muted
        record = ""
        if task.record_name:
            record = f"{TYPE_LABELS.get(task.record_type or '', '')} · {task.record_name}"
        gutter = "▌" if selected and self.has_focus else " "
        mark = STATUS_MARKS[task.status]
        status_w = 12 if wide else 0
        record_w = max(0, min(34 if wide else 24, width // 3))
        who_w = 16 if width >= 110 and self.show_assignee else 0
        title_w = max(10, width - 2 - 4 - due_w - status_w - record_w - who_w - 1)
        text = Text(no_wrap=True)
        text.append(gutter + " ")
        text.append(mark + " ", style=status_style)
        text.append_text(_cell(task.title, title_w, title_style))
        text.append_text(_cell(due, due_w, due_style))
        if status_w:
            text.append_text(_cell(STATUS_LABELS[task.status], status_w, status_style))
        if record_w:
            text.append_text(_cell(record or "—", record_w, muted))
        if who_w:
            text.append_text(_cell(task.assignee_name or "unassigned", who_w, muted))
        return self._strip(text, width, self._row_style(selected))

    @staticmethod
    def _due_text(task: InboxTask, today: date, room: int) -> str:
        """The due date, with how near it is within a week ("26 Nov · tomorrow"); where that
        does not fit in `room` cells, the nearness alone ("tomorrow"), never a cut word."""
        if task.due_date is None:
            return "no date"
        delta = (task.due_date - today).days
        if -7 <= delta <= 7:
            both = f"{short_date(task.due_date, today)} · {relative_days(task.due_date, today)}"
            return both if len(both) <= room else relative_days(task.due_date, today)
        return short_date(task.due_date, today)


# Due column widths (with one space of gutter): "30 Nov · yesterday" whole at 100+ columns.
DUE_WIDE, DUE_NARROW = 19, 12


def _cell(value: str, width: int, style: Style) -> Text:
    """`value` (a title, a record or person's name: data) made safe, in a column of `width`
    cells (one space of gutter on the right)."""
    cell = Text(safe_line(value), no_wrap=True, overflow="ellipsis")
    cell.stylize(style)
    cell.truncate(max(0, width - 1), overflow="ellipsis", pad=True)
    cell.append(" ")
    return cell

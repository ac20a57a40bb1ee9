"""The inbox's task list: section headers and one line per task, drawn with the line API.

The widget holds the grouped rows (light frozen models) and renders only the visible lines, with a
cache of rendered strips, so ten thousand tasks scroll like ten. The cursor moves over tasks; a
collapsed section shows only its header.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Callable

from rich.style import Style
from rich.text import Text
from textual.cache import LRUCache
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ..models import TaskStatus
from ..models.dates import relative_days, short_date
from ..store.inbox_queries import SECTION_LABELS, SECTIONS, InboxTask

STATUS_MARKS = {TaskStatus.OPEN: "[ ]", TaskStatus.IN_PROGRESS: "[~]", TaskStatus.DONE: "[x]"}
STATUS_LABELS = {TaskStatus.OPEN: "open", TaskStatus.IN_PROGRESS: "in progress", TaskStatus.DONE: "done"}
TYPE_LABELS = {"deal": "Deal", "contact": "Contact", "company": "Company"}


@dataclass(frozen=True, slots=True)
class _Row:
    task: InboxTask | None = None
    section: str | None = None  # a header row
    count: int = 0
    collapsed: bool = False


class TaskList(ScrollView, can_focus=True):
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

    DEFAULT_CSS = """
    TaskList { height: 1fr; scrollbar-size-vertical: 1; overflow-x: hidden; }
    """

    def __init__(self, today: Callable[[], date], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._today = today
        self.rows: list[_Row] = []
        self.task_rows: list[int] = []
        self.cursor = 0  # index into task_rows
        self.empty_text = "Loading…"
        self.show_assignee = False  # on when the list holds everyone's tasks
        self._strips: LRUCache[tuple, Strip] = LRUCache(maxsize=1024)

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
        self.rows = rows
        self.task_rows = [i for i, row in enumerate(rows) if row.task is not None]
        index = None
        if keep is not None:
            index = next((n for n, i in enumerate(self.task_rows) if rows[i].task.id == keep), None)  # type: ignore[union-attr]
        if index is None:
            index = keep_index if keep_index is not None else self.cursor
        self.cursor = max(0, min(index, len(self.task_rows) - 1))
        self._strips.clear()
        self.virtual_size = Size(self.size.width, max(1, len(rows)))
        self.scroll_to_cursor()
        self.refresh()

    @property
    def current(self) -> InboxTask | None:
        if not self.task_rows:
            return None
        return self.rows[self.task_rows[self.cursor]].task

    def move_cursor(self, delta: int) -> None:
        self.set_cursor(self.cursor + delta)

    def set_cursor(self, index: int) -> None:
        if not self.task_rows:
            return
        self.cursor = max(0, min(index, len(self.task_rows) - 1))
        self._strips.clear()
        self.scroll_to_cursor()
        self.refresh()

    def page(self, direction: int) -> None:
        self.move_cursor(direction * max(1, self.scrollable_content_region.height - 2))

    def scroll_to_cursor(self) -> None:
        if not self.task_rows:
            return
        line = self.task_rows[self.cursor]
        if line > 0 and self.rows[line - 1].section is not None:
            line -= 1  # keep the section's header in view with its first task
        height = self.scrollable_content_region.height or self.size.height
        bottom = self.task_rows[self.cursor]
        if line < self.scroll_y:
            self.scroll_to(y=line, animate=False)
        elif bottom >= self.scroll_y + height:
            self.scroll_to(y=bottom - height + 1, animate=False)

    def on_resize(self) -> None:
        self._strips.clear()
        self.virtual_size = Size(self.size.width, max(1, len(self.rows)))
        self.scroll_to_cursor()

    def on_click(self, event) -> None:
        line = int(self.scroll_y) + event.y
        if line in self.task_rows:
            self.set_cursor(self.task_rows.index(line))

    # -- drawing ---------------------------------------------------------------------------

    def _fg(self, name: str) -> Style:
        full = self.get_component_rich_style(name)
        return Style(color=full.color, bold=full.bold, italic=full.italic, underline=full.underline,
                     dim=full.dim, strike=full.strike)

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width or self.size.width
        line = int(self.scroll_y) + y
        if not self.rows:
            if y == 1:
                text = Text("  " + self.empty_text)
                text.stylize(self._fg("task-list--empty"))
                return self._strip(text, width, self.rich_style)
            return Strip.blank(width, self.rich_style)
        if line >= len(self.rows):
            return Strip.blank(width, self.rich_style)
        selected = bool(self.task_rows) and self.task_rows[self.cursor] == line
        key = (line, width, selected, self.has_focus)
        cached = self._strips.get(key)
        if cached is None:
            row = self.rows[line]
            if row.task is None:
                cached = self._render_header(row, width)
            else:
                cached = self._render_task(row.task, width, selected)
            self._strips[key] = cached
        return cached

    def _strip(self, text: Text, width: int, base: Style) -> Strip:
        text.truncate(width, overflow="ellipsis", pad=True)
        return Strip(list(text.render(self.app.console)), width).apply_style(base)

    def _render_header(self, row: _Row, width: int) -> Strip:
        label = f" {SECTION_LABELS[row.section or '']} · {row.count}"
        if row.collapsed:
            label += "  (hidden — c shows)"
        text = Text(label)
        text.stylize(self._fg("task-list--header"))
        if row.section == "overdue":
            text.stylize(self._fg("task-list--overdue"), 1, 1 + len(SECTION_LABELS["overdue"]))
        header_bg = self.get_component_rich_style("task-list--header")
        return self._strip(text, width, self.rich_style + Style(bgcolor=header_bg.bgcolor))

    def _render_task(self, task: InboxTask, width: int, selected: bool) -> Strip:
        today = self._today()
        base = self.rich_style
        if selected:
            base = base + self.get_component_rich_style("task-list--cursor")
        muted = self._fg("task-list--muted")
        title_style = self._fg("task-list--title")
        if task.status == TaskStatus.DONE:
            title_style = self._fg("task-list--done")
        # Right-hand columns: due · status · record (type) · assignee, fitted to the width.
        due = self._due_text(task, today)
        due_style = muted
        if task.status != TaskStatus.DONE and task.due_date is not None:
            if task.due_date < today:
                due_style = self._fg("task-list--overdue")
            elif task.due_date == today:
                due_style = self._fg("task-list--today")
        status_style = self._fg("task-list--progress") if task.status == TaskStatus.IN_PROGRESS else muted
        record = ""
        if task.record_name:
            record = f"{TYPE_LABELS.get(task.record_type or '', '')} · {task.record_name}"
        gutter = "▌" if selected and self.has_focus else " "
        mark = STATUS_MARKS[task.status]
        wide = width >= 100
        due_w = 16 if wide else 12
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
        return self._strip(text, width, base)

    @staticmethod
    def _due_text(task: InboxTask, today: date) -> str:
        if task.due_date is None:
            return "no date"
        delta = (task.due_date - today).days
        if -7 <= delta <= 7:
            return f"{short_date(task.due_date, today)} · {relative_days(task.due_date, today)}"
        return short_date(task.due_date, today)


def _cell(value: str, width: int, style: Style) -> Text:
    """`value` in a column of `width` cells (one space of gutter on the right)."""
    cell = Text(value, no_wrap=True, overflow="ellipsis")
    cell.stylize(style)
    cell.truncate(max(0, width - 1), overflow="ellipsis", pad=True)
    cell.append(" ")
    return cell

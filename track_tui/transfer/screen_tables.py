"""Tables of what the inbox and the search panel show, for exporting them as they are.

The board and the list view export records (:func:`.export.records_table`); the inbox exports
its tasks section by section in the order drawn, the search panel its hits best first — each
with names, never ids, and dates in ISO 8601.
"""

from __future__ import annotations

from datetime import date
from typing import Iterable

from ..store.inbox_queries import SECTION_LABELS, InboxTask
from ..store.search import SearchHit
from .table import Table


def inbox_table(groups: dict[str, list[InboxTask]], today: date) -> Table:
    table = Table(["Section", "Title", "Status", "Due date", "Assignee", "Record type", "Record", "Description"])
    for section, tasks in groups.items():
        for task in tasks:
            table.rows.append([
                SECTION_LABELS.get(section, section), task.title, task.status.value,
                task.due_date.isoformat() if task.due_date else "", task.assignee_name or "",
                task.record_type.value if task.record_type else "", task.record_name or "", task.description or "",
            ])
    return table


def search_table(hits: Iterable[SearchHit]) -> Table:
    table = Table(["Type", "Name", "Detail", "Matched field", "Matched text"])
    for hit in hits:
        table.rows.append([hit.record_type.value, hit.name, hit.subtitle or "", hit.field, hit.text])
    return table

"""The list view's rows: one per card of a board, with what the list's columns show.

Assembled by one store query (:mod:`track_tui.store.list_queries`) for the whole board under its
filter; sorting and grouping into lanes happen on these plain values, without the store.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from .enums import RecordType
from .money import Money, MoneyTotals


class BoardRow(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)

    card_id: str
    record_type: RecordType
    record_id: str
    name: str
    value: Money | None = None
    stage_id: str
    stage_name: str
    stage_position: int
    card_position: int
    owner_id: str | None = None
    owner_name: str | None = None
    company_id: str | None = None
    company_name: str | None = None
    close_date: date | None = None
    stage_entered_at: datetime
    next_task_title: str | None = None
    next_task_due: date | None = None
    custom_fields: dict[str, Any] = Field(default_factory=dict)

    def days_in_stage(self, now: datetime) -> int:
        return max(0, (now - self.stage_entered_at).days)


def lane_totals(rows: list[BoardRow]) -> MoneyTotals:
    """A lane's total value, one sum per currency (never added across currencies)."""
    totals = MoneyTotals()
    for row in rows:
        if row.value is not None:
            totals.add(row.value)
    return totals


SORT_KEYS = ("name", "value", "stage", "owner", "company", "close_date", "days", "next_task")


def sort_key(column: str, now: datetime):
    """A key function for sorting rows by a list column; rows without a value sort last.

    Values sort by currency, then amount: amounts of different currencies are never compared
    (as totals never add them), so a sorted list reads as one run per currency."""
    def key(row: BoardRow) -> tuple:
        if column == "name":
            value: Any = row.name.casefold()
        elif column == "value":
            value = (row.value.currency, row.value.minor) if row.value else None
        elif column == "stage":
            value = (row.stage_position, row.card_position)
        elif column == "owner":
            value = (row.owner_name or "").casefold() or None
        elif column == "company":
            value = (row.company_name or "").casefold() or None
        elif column == "close_date":
            value = row.close_date
        elif column == "days":
            value = row.days_in_stage(now)
        elif column == "next_task":
            value = row.next_task_due
        else:
            raise ValueError(f"no list column {column!r}")
        return (value is None, value if value is not None else 0, row.name.casefold(), row.card_id)
    return key



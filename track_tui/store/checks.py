"""Checks at the store's boundary: what a local write may hold, and what it may point at.

The models validate what a person typed; these checks run on the values about to be written,
inside the write transaction, so that what the cache holds is something the server can hold too
and every reference is to a row that exists *now* (not when the screen last looked):

- text: no NUL byte and no lone surrogate (PostgreSQL `text` and `jsonb` cannot hold either);
- numbers: integers within PostgreSQL's `bigint`, floats finite (SQLite would store NaN as NULL);
- references: a company, contact, parent company, stage, board, deal or source entry named by id
  exists; a timeline entry's or task's record exists in its record type's table;
- ancestry: a company is never its own parent, at any depth.

Rows that arrive from the server are not checked here: they are the server's truth, and their
references may arrive out of order within a batch.
"""

from __future__ import annotations

import math
import sqlite3
from decimal import Decimal
from typing import Any

from ..models.records import FIELD_LABELS
from .errors import InvalidInput

BIGINT_MIN, BIGINT_MAX = -(2**63), 2**63 - 1

# table → column → the table its id must exist in.
REFERENCES: dict[str, dict[str, str]] = {
    "contacts": {"company_id": "companies"},
    "companies": {"parent_id": "companies"},
    "deals": {"company_id": "companies", "primary_contact_id": "contacts", "stage_id": "board_stages"},
    "board_stages": {"board_id": "boards"},
    "board_cards": {"board_id": "boards", "stage_id": "board_stages"},
    "deal_contacts": {"deal_id": "deals", "contact_id": "contacts"},
    "tasks": {"source_entry_id": "timeline_entries"},
}
# Tables whose (record_type, record_id) names a record.
RECORD_REFERENCES = frozenset({"timeline_entries", "tasks", "board_cards"})
_RECORD_TABLES = {"contact": "contacts", "company": "companies", "deal": "deals"}
_NAMES = {
    "companies": "company", "contacts": "contact", "deals": "deal", "board_stages": "stage",
    "boards": "board", "timeline_entries": "timeline entry",
}


def _label(column: str) -> str:
    return FIELD_LABELS.get(column, column.replace("_", " ").capitalize())


def text_problem(text: str) -> str | None:
    """Why `text` cannot be stored, or None."""
    if "\x00" in text:
        return "contains a NUL character, which cannot be stored"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "contains a lone surrogate (broken Unicode), which cannot be stored"
    return None


def _value_problem(value: Any, *, in_json: bool) -> str | None:
    if isinstance(value, str):
        return text_problem(value)
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        if not in_json and not BIGINT_MIN <= value <= BIGINT_MAX:
            return f"is beyond the largest whole number that can be stored ({BIGINT_MAX:,})"
        return None
    if isinstance(value, float):
        return None if math.isfinite(value) else "must be a finite number"
    if isinstance(value, Decimal):
        return None if value.is_finite() else "must be a finite number"
    if isinstance(value, dict):
        for key, item in value.items():
            problem = _value_problem(str(key), in_json=True) or _value_problem(item, in_json=True)
            if problem:
                return problem
        return None
    if isinstance(value, (list, tuple)):
        for item in value:
            problem = _value_problem(item, in_json=True)
            if problem:
                return problem
    return None


def check_values(python_values: dict[str, Any]) -> None:
    """Refuse values the server could not hold (see the module's docs). Keys are columns."""
    for column, value in python_values.items():
        in_json = isinstance(value, (dict, list, tuple))
        problem = _value_problem(value, in_json=in_json)
        if problem:
            raise InvalidInput(_label(column), problem)


def check_references(
    conn: sqlite3.Connection, table: str, row: dict[str, Any], current: dict[str, Any] | None = None
) -> None:
    """Every id that `row` (the columns being written → Python values) names must exist.

    For an update, `current` is the stored row: a record reference is checked when either half
    of (record_type, record_id) changes.
    """
    for column, target in REFERENCES.get(table, {}).items():
        value = row.get(column)
        if value is None:
            continue
        if conn.execute(f"SELECT 1 FROM {target} WHERE id = ?", (str(value),)).fetchone() is None:
            raise InvalidInput(_label(column), f"no {_NAMES.get(target, target)} with id {value}")
    if table in RECORD_REFERENCES and ("record_id" in row or "record_type" in row):
        row = {**(current or {}), **row}
    if table in RECORD_REFERENCES and row.get("record_id") is not None:
        kind = row.get("record_type")
        kind = getattr(kind, "value", kind)
        target = _RECORD_TABLES.get(str(kind)) if kind is not None else None
        if target is None:
            raise InvalidInput("Record", f"{kind!r} is not a record type (contact, company or deal)")
        if conn.execute(f"SELECT 1 FROM {target} WHERE id = ?", (str(row["record_id"]),)).fetchone() is None:
            raise InvalidInput("Record", f"no {kind} with id {row['record_id']}")


def check_company_parent(conn: sqlite3.Connection, company_id: str, parent_id: str | None) -> None:
    """Refuse a parent that is the company itself or one of its descendants (any depth)."""
    if parent_id is None:
        return
    if parent_id == company_id:
        raise InvalidInput(_label("parent_id"), "a company cannot be its own parent")
    # Walk up from the new parent; UNION (not UNION ALL) stops on a cycle already in the data.
    row = conn.execute(
        """WITH RECURSIVE up(id) AS (
            SELECT ? UNION SELECT c.parent_id FROM companies c JOIN up ON c.id = up.id
            WHERE c.parent_id IS NOT NULL)
        SELECT 1 FROM up WHERE id = ? LIMIT 1""",
        (parent_id, company_id),
    ).fetchone()
    if row is not None:
        name = conn.execute("SELECT name FROM companies WHERE id = ?", (parent_id,)).fetchone()
        what = repr(name[0]) if name else "that company"
        raise InvalidInput(
            _label("parent_id"), f"{what} belongs to this company already: a company cannot be its own ancestor"
        )

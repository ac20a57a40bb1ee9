"""Conversion between pydantic row models and SQLite column values.

SQLite keeps JSON as text, booleans as 0/1, timestamps as ISO-8601 UTC text (one fixed format,
so text order is time order) and dates as 'YYYY-MM-DD'.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import date, datetime, timezone
from decimal import Decimal
from enum import Enum
import logging
from typing import Any, Iterable, TypeVar

from pydantic import BaseModel

from ..models import Row
from ..models.stored import UnreadableRow, read_stored

log = logging.getLogger(__name__)

JSON_COLUMNS = frozenset(
    {"tags", "custom_fields", "payload", "config", "trigger", "conditions", "actions", "old_data", "new_data"}
)
BOOL_COLUMNS = frozenset({"is_archived", "searchable", "is_enabled"})

M = TypeVar("M", bound=BaseModel)


def iso_utc(moment: datetime) -> str:
    """The one timestamp format of the cache: '2026-11-25T07:48:40.123456+00:00'."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).isoformat(timespec="microseconds")


def to_db(column: str, value: Any) -> Any:
    """A Python value as SQLite stores it in `column`."""
    if value is None:
        return None
    if column in JSON_COLUMNS:
        return json.dumps(value, separators=(",", ":"), sort_keys=True, default=str)
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return iso_utc(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def from_db(column: str, value: Any) -> Any:
    if value is None:
        return None
    if column in JSON_COLUMNS:
        return json.loads(value)
    if column in BOOL_COLUMNS:
        return bool(value)
    return value


def model_to_row(model: Row) -> dict[str, Any]:
    """Every column of `model` as SQLite values."""
    data = model.model_dump()
    return {column: to_db(column, value) for column, value in data.items()}


def row_to_dict(row: sqlite3.Row) -> dict[str, Any]:
    return {key: from_db(key, row[key]) for key in row.keys()}


def row_to_model(model: type[M], row: sqlite3.Row | dict[str, Any]) -> M:
    """A stored row as its model: strict when it passes, else as stored (models/stored.py);
    raises UnreadableRow when it cannot be shown at all."""
    return read_stored(model, row if isinstance(row, dict) else row_to_dict(row))


def rows_to_models(model: type[M], rows: Iterable[sqlite3.Row]) -> list[M]:
    """Stored rows as models, leaving out (and logging) any that cannot be shown at all."""
    result = []
    for row in rows:
        try:
            result.append(row_to_model(model, row))
        except UnreadableRow as exc:
            log.warning("a stored row cannot be shown: %s", exc)
    return result


def patch_to_json(patch: dict[str, Any]) -> dict[str, Any]:
    """A patch (column → Python value) as the JSON the outbox keeps and the server receives."""
    result = {}
    for column, value in patch.items():
        if column in JSON_COLUMNS:
            result[column] = value
        elif isinstance(value, (datetime, date, Decimal, Enum)):
            result[column] = to_db(column, value)
        else:
            result[column] = value
    return result

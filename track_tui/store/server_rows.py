"""Server rows as the cache stores them: the one conversion from PostgREST/Realtime JSON.

PostgREST and Realtime send a row as a JSON object with the server's column names and JSON
values (`to_jsonb` of each column). The cache keeps the same columns (see schema.py) in SQLite
form, so converting is per column, decided by the cache's own declaration (`PRAGMA table_info`)
and the column kinds of :mod:`.rows`:

- timestamptz (`created_at`, `updated_at`, `deleted_at`, `run_at`) → the cache's one ISO format
  (:func:`rows.iso_utc`): PostgREST trims trailing zeros of the microseconds and writes `+00:00`,
  Realtime writes the writer's session time zone, `commit_timestamp` uses `Z`; all become
  `2026-11-25T07:48:40.120000+00:00`, so text order stays time order. A value that is not a
  time (PostgreSQL's `infinity`) is kept as sent.
- jsonb and text[] → JSON text, serialised exactly as the write path serialises (`rows.to_db`),
  so a server value and the same local value compare equal (an echo is no change).
- bool → 0/1; numeric → REAL; bigint/int → INTEGER; date → its 'YYYY-MM-DD' text as sent.
- Columns the cache does not have (server-only: `created_at` of board stages, `workspaces.
  created_by`, a web app's own extra columns) are dropped. Columns the row leaves out (an UPDATE
  event without its unchanged TOASTed columns; `profiles.email`, which only the cache keeps)
  keep what the cache holds; a new row gets the cache's defaults for them.
- NULL where the cache says NOT NULL: a project whose tables the web app created before our
  migrations may hold NULL where our migrations say NOT NULL (they add, never tighten). Such a
  value gets the column's default in the cache, or the neutral value of its type ('' / 0, and
  for a timestamp the row's own `updated_at`), so the row applies; the server keeps its NULL
  (a push sends only the columns a person changed).

The rows are NOT validated by the input models (the web app may store what our forms refuse);
the only values refused are those SQLite cannot store and PostgreSQL cannot hold either (a NUL
character, a lone surrogate, an integer beyond 64 bits): :class:`Unstorable` names the column.
"""

from __future__ import annotations

import json
import math
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable, Mapping

from .rows import BOOL_COLUMNS, JSON_COLUMNS, iso_utc

TIMESTAMP_COLUMNS = frozenset({"created_at", "updated_at", "deleted_at", "run_at"})
_INT_MIN, _INT_MAX = -(2**63), 2**63 - 1


class Unstorable(ValueError):
    """A server value the cache cannot store; `column` names it."""

    def __init__(self, column: str, reason: str) -> None:
        self.column = column
        self.reason = reason
        super().__init__(f"{column}: {reason}")


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # 'INTEGER', 'REAL' or 'TEXT' (the cache's declared affinity)
    not_null: bool
    default: Any  # the cache's default as a value (None: none)


@dataclass(frozen=True)
class TableShape:
    """A cache table's columns, read from the schema itself, with each column's converter."""

    table: str
    columns: dict[str, Column]
    converters: dict[str, Callable[[Any], Any]] = field(default_factory=dict, compare=False)

    @property
    def names(self) -> list[str]:
        return list(self.columns)

    def defaults(self) -> dict[str, Any]:
        """A new row before the server's values: every column at its cache default."""
        return {name: column.default for name, column in self.columns.items()}


def table_shape(conn: sqlite3.Connection, table: str) -> TableShape:
    columns: dict[str, Column] = {}
    for _cid, name, declared, not_null, default, _pk in conn.execute(f'PRAGMA main.table_info("{table}")'):
        kind = str(declared).upper() or "TEXT"
        columns[name] = Column(name, kind, bool(not_null), _literal(default))
    if not columns:
        raise LookupError(f"the cache has no table {table!r}")
    return TableShape(table, columns, {name: _converter(column) for name, column in columns.items()})


def _literal(sql: str | None) -> Any:
    """A column default as SQLite's schema writes it ('open' quoted, 0, '{}') → the value."""
    if sql is None:
        return None
    if sql.startswith("'") and sql.endswith("'"):
        return sql[1:-1].replace("''", "'")
    try:
        return int(sql)
    except ValueError:
        try:
            return float(sql)
        except ValueError:
            return None  # an expression default (none in our schema): no value


def convert_row(shape: TableShape, row: Mapping[str, Any]) -> dict[str, Any]:
    """The cache values of the columns `row` carries that the cache has (others dropped)."""
    converters = shape.converters
    return {
        name: (None if value is None else converters[name](value))
        for name, value in row.items() if name in converters
    }


def fill_required(shape: TableShape, values: dict[str, Any]) -> dict[str, Any]:
    """Give every NOT NULL column that holds None a value the cache accepts (see the module's
    docs); `values` is the whole row. Returns `values`, changed in place."""
    for name, column in shape.columns.items():
        if column.not_null and values.get(name) is None:
            if column.default is not None:
                values[name] = column.default
            elif name in TIMESTAMP_COLUMNS:
                values[name] = values.get("updated_at") or values.get("created_at") or ""
            elif column.kind == "INTEGER":
                values[name] = 0
            elif column.kind == "REAL":
                values[name] = 0.0
            else:
                values[name] = ""
    return values


def convert_value(column: Column, value: Any) -> Any:
    """One server value as the cache stores it in `column`."""
    return None if value is None else _converter(column)(value)


def _converter(column: Column) -> Callable[[Any], Any]:
    """The function that converts a (non-None) server value for `column`, chosen once."""
    name = column.name
    if name in JSON_COLUMNS:
        return lambda value: _json_text(name, value)
    if name in BOOL_COLUMNS:
        return lambda value: _flag(value)
    if name in TIMESTAMP_COLUMNS:
        return lambda value: timestamp(_text(name, value)) if isinstance(value, str) else _other(column, value)
    return lambda value: _other(column, value)


def _other(column: Column, value: Any) -> Any:
    name = column.name
    if isinstance(value, bool):
        return int(value)
    if column.kind == "INTEGER":
        return _integer(name, value)
    if column.kind == "REAL":
        return _real(name, value)
    if isinstance(value, str):
        return _text(name, value)
    if isinstance(value, (dict, list)):  # a JSON value in a text column: kept as its JSON text
        return _json_text(name, value)
    return _text(name, str(value))


def _flag(value: Any) -> int:
    if isinstance(value, str):
        return 1 if value.strip().lower() in ("true", "t", "1", "yes") else 0
    return int(bool(value))


def _json_text(name: str, value: Any) -> str:
    """JSON text exactly as the write path serialises it (rows.to_db), so the same value from
    the server and from a local edit compares equal."""
    text = json.dumps(value, separators=(",", ":"), sort_keys=True)
    if "\\u0000" in text or "\\ud" in text:  # maybe a NUL or a lone surrogate: look closely
        _check_json(name, value)
    return text


def timestamp(text: str) -> str:
    """A server timestamp in the cache's format (kept as sent when it is not a time)."""
    try:
        return iso_utc(datetime.fromisoformat(text))
    except ValueError:
        return text


def _integer(name: str, value: Any) -> int:
    if isinstance(value, float):
        if not math.isfinite(value) or value != int(value):
            raise Unstorable(name, f"{value!r} is not a whole number")
        value = int(value)
    elif isinstance(value, str):
        try:
            value = int(value.strip())
        except ValueError:
            raise Unstorable(name, f"{value!r} is not a whole number") from None
    if not isinstance(value, int) or not _INT_MIN <= value <= _INT_MAX:
        raise Unstorable(name, f"{value!r} is not a whole number of at most 64 bits")
    return value


def _real(name: str, value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise Unstorable(name, f"{value!r} is not a number") from None
    if not math.isfinite(number):  # SQLite would store NaN as NULL
        raise Unstorable(name, f"{value!r} is not a finite number")
    return number


def _text(name: str, text: str) -> str:
    _check_text(name, text)
    return text


def _check_text(name: str, text: str) -> None:
    if "\x00" in text:
        raise Unstorable(name, "contains a NUL character")
    if text.isascii():
        return
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise Unstorable(name, "contains a lone surrogate (broken Unicode)") from None


def _check_json(name: str, value: Any) -> None:
    if isinstance(value, str):
        _check_text(name, value)
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_text(name, str(key))
            _check_json(name, item)
    elif isinstance(value, list):
        for item in value:
            _check_json(name, item)
    elif isinstance(value, float) and not math.isfinite(value):
        raise Unstorable(name, "holds a number that is not finite")

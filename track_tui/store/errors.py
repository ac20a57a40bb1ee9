"""The errors the store's API raises, and the conversion of everything from below into them.

A caller of the store (a screen, the CLI, later sync) catches a small, stable set:

- :class:`InvalidInput` — a value breaks a rule; `field` names the field, the message says why.
  Everything a bad value can provoke below the API — pydantic's ValidationError, sqlite3's
  IntegrityError, OverflowError for an integer SQLite cannot hold, UnicodeEncodeError for a lone
  surrogate, a plain ValueError — arrives as this one type (:func:`from_below`).
- :class:`ChangedElsewhere` — an :class:`InvalidInput`: the value an editor started from was
  changed by someone else (another process, the server) before the save.
- :class:`NotFound` — the row an action names does not exist.
- :class:`CacheBusy` — another process held the cache's write lock for longer than this caller
  was prepared to wait. Not bad input: the same call may succeed later.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from pydantic import ValidationError

from ..models.problems import first_problem
from ..models.records import FIELD_LABELS


class InvalidInput(ValueError):
    """A value a person entered breaks a rule. `field` names the field; the message says why."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(f"{field}: {message}")
        self.reason = message


class ChangedElsewhere(InvalidInput):
    """The stored value changed since the editor opened; `current` is what is stored now."""

    def __init__(self, field: str, name: str, current: Any) -> None:
        self.name = name  # the column, or "custom_fields.<key>"
        self.current = current
        super().__init__(field, "was changed elsewhere while you were editing")


class NotFound(LookupError):
    """The row an action names does not exist (or is deleted)."""


class CacheBusy(Exception):
    """Another process kept the cache locked for longer than the caller waits."""


def is_busy(exc: BaseException) -> bool:
    """Is this SQLite's "database is locked" (SQLITE_BUSY, any extended code)?"""
    if not isinstance(exc, sqlite3.OperationalError):
        return False
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF == sqlite3.SQLITE_BUSY
    return "database is locked" in str(exc)


def first_validation_error(exc: ValidationError) -> InvalidInput:
    """Pydantic's first complaint, with the field's label a person reads."""
    return InvalidInput(*first_problem(exc))


def from_below(exc: BaseException) -> InvalidInput | None:
    """The :class:`InvalidInput` a low-level error stands for; None when it is not about input.

    Explicit checks before each write (see :mod:`.checks`) name the field; these are the net
    below them, so that no IntegrityError or OverflowError ever reaches a screen.
    """
    if isinstance(exc, InvalidInput):
        return exc
    if isinstance(exc, ValidationError):
        return first_validation_error(exc)
    if isinstance(exc, sqlite3.IntegrityError):
        text = str(exc)
        if "FOREIGN KEY" in text:
            return InvalidInput("Value", "refers to a record that does not exist")
        if "UNIQUE" in text:
            return InvalidInput("Value", "already exists")
        if "NOT NULL" in text:
            column = text.rsplit(".", 1)[-1]
            return InvalidInput(FIELD_LABELS.get(column, column), "a value is required")
        return InvalidInput("Value", f"is not allowed here ({text})")
    if isinstance(exc, OverflowError):
        return InvalidInput("Value", "is too large to store (whole numbers go up to 9223372036854775807)")
    if isinstance(exc, UnicodeError):
        return InvalidInput("Text", "contains characters that cannot be stored (a lone surrogate)")
    if isinstance(exc, (sqlite3.InterfaceError, sqlite3.ProgrammingError)) and "bind" in str(exc).lower():
        return InvalidInput("Value", "is of a kind the cache cannot store")
    if isinstance(exc, ValueError):
        return InvalidInput("Value", str(exc) or "is not valid")
    return None

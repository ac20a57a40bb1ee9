"""Every enumerated text column of the Track database reference, as string enums.

They are `StrEnum`s so a value read from SQLite or PostgREST (plain text) compares and
serialises as the text the web app writes.
"""

from __future__ import annotations

from enum import StrEnum


class RecordType(StrEnum):
    CONTACT = "contact"
    COMPANY = "company"
    DEAL = "deal"

    @property
    def table(self) -> str:
        """The table holding records of this type."""
        return {"contact": "contacts", "company": "companies", "deal": "deals"}[self.value]

    @property
    def label(self) -> str:
        return self.value.capitalize()



class StageType(StrEnum):
    OPEN = "open"
    WON = "won"
    LOST = "lost"


class EntryType(StrEnum):
    NOTE = "note"
    CALL = "call"
    EMAIL = "email"
    MEETING = "meeting"
    STAGE_CHANGE = "stage_change"
    FIELD_EDIT = "field_edit"
    TASK = "task"


class TaskStatus(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    DONE = "done"

    def next(self) -> "TaskStatus":
        """The status a toggle moves to: open → in_progress → done → open."""
        order = list(TaskStatus)
        return order[(order.index(self) + 1) % len(order)]


class CustomFieldType(StrEnum):
    TEXT = "text"
    NUMBER = "number"
    DATE = "date"
    SELECT = "select"
    MULTI_SELECT = "multi_select"
    BOOLEAN = "boolean"
    URL = "url"
    CURRENCY = "currency"
    LINK = "link"


class RunStatus(StrEnum):
    SUCCESS = "success"
    FAILED = "failed"


class MemberRole(StrEnum):
    OWNER = "owner"
    ADMIN = "admin"
    MEMBER = "member"
    VIEWER = "viewer"


def plural(kind: object) -> str:
    """'contacts', 'companies', 'deals': the word for several records of a kind (never
    "companys"). A value that is no record type (a stored row's) is named as it is."""
    try:
        return RecordType(kind).table
    except ValueError:
        return f"{kind}s"

"""Reading the audit log: newest first, filtered by person, table, record and date, a page at a
time (keyset on (created_at, rowid), so page n costs what page 1 does however long the log is).
The rowid breaks ties: the entries of one transaction share its time, and come back in the
order they were written."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import TYPE_CHECKING

from ..models import AuditLogEntry
from .rows import iso_utc, rows_to_models

if TYPE_CHECKING:
    from .store import Store

AUDIT_PAGE = 200


@dataclass(frozen=True)
class AuditFilter:
    actor_id: str | None = None
    table: str | None = None
    record_id: str | None = None
    since: date | None = None  # from the start of this (UTC) day
    until: date | None = None  # to the end of this day

    @property
    def empty(self) -> bool:
        return self == AuditFilter()


def _day_start(day: date) -> str:
    return iso_utc(datetime.combine(day, time(0), tzinfo=timezone.utc))


@dataclass(frozen=True)
class AuditLine:
    """An entry and its place in the log (the next page starts after it)."""

    entry: AuditLogEntry
    seq: int


class AuditQueries:
    """Mixed into :class:`Store`; `self` is the store."""

    def audit_entries(self: "Store", flt: AuditFilter, *, limit: int = AUDIT_PAGE,
                      after: AuditLine | None = None) -> list[AuditLine]:
        """Entries matching `flt`, newest first; `after`: the last entry of the previous page."""
        where, params = [], []
        for column, value in (("actor_id", flt.actor_id), ("table_name", flt.table), ("record_id", flt.record_id)):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value)
        if flt.since is not None:
            where.append("created_at >= ?")
            params.append(_day_start(flt.since))
        if flt.until is not None:
            where.append("created_at < ?")
            params.append(_day_start(flt.until + timedelta(days=1)))
        if after is not None:
            where.append("(created_at, rowid) < (?, ?)")  # a row value: one index range, no OR
            params += [iso_utc(after.entry.created_at), after.seq]
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        with self.reading() as conn:
            rows = conn.execute(
                f"SELECT rowid AS seq, * FROM audit_log {clause} ORDER BY created_at DESC, rowid DESC LIMIT ?",
                (*params, limit),
            ).fetchall()
        lines = []
        for row in rows:
            found = rows_to_models(AuditLogEntry, [row])
            if found:
                lines.append(AuditLine(found[0], row["seq"]))
        return lines

    def deal_currencies(self: "Store", deal_ids: list[str]) -> dict[str, str]:
        """Deals' currencies by id (an audit entry of a value change shows it as money)."""
        found: dict[str, str] = {}
        ids = list(dict.fromkeys(deal_ids))
        with self.reading() as conn:
            for start in range(0, len(ids), 500):
                chunk = ids[start:start + 500]
                marks = ", ".join("?" for _ in chunk)
                for row in conn.execute(f"SELECT id, currency FROM deals WHERE id IN ({marks})", chunk):
                    if row[1]:
                        found[row[0]] = row[1]
        return found

    def audit_tables(self: "Store") -> list[str]:
        """The tables the log names (for the filter's choices)."""
        with self.reading() as conn:
            return [r[0] for r in conn.execute("SELECT DISTINCT table_name FROM audit_log ORDER BY table_name")]

"""What a committed transaction changed, and where the change came from.

A :class:`ChangeSet` names, per table, the rows a commit touched and, for updates, the columns
that changed (an insert or a delete touches the whole row: its columns are None). Screens
refresh just those parts, and read two more things from it:

- **origin** (:class:`Origin`): `local` — this person did it; `server` — someone else did (a
  teammate, the web app), brought in by sync; `ack` — the server confirming this person's own
  write. Only `server` changes are news ("a teammate changed the close date").
- **where it was committed**: `elsewhere` — by another process on the same cache (a second
  terminal, `track sync --watch`), read back from the change log; `background` — by this app,
  but not by a key handler on the UI thread: a worker, or the background writer finishing a
  write that had to wait because another process held the cache. A screen that updated itself in memory when it made a local
  change must re-read for any change that is not "local, here, now" (:attr:`ChangeSet.from_here`).

A change set that crossed a process boundary may be coarse: when a transaction touched very
many rows of a table (a bulk download) the log keeps "any row of this table" instead of the ids
(:meth:`ChangeSet.add_table`), and a reader that fell too far behind the pruned log gets
"anything may have changed" (:meth:`ChangeSet.anything`). :meth:`has_row` and :meth:`touches`
answer correctly for both; :meth:`ids` lists only the rows known by id.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import Enum
from typing import Iterable

# Columns every synced row carries for the sync machinery: not a change a person made.
BOOKKEEPING_COLUMNS = frozenset({"updated_at", "version", "updated_by"})

# Beyond this many rows of one table, a change set written to the change log keeps the table
# only ("any row"): a bulk download must not write megabytes of ids into every transaction.
LOGGED_IDS_PER_TABLE = 200


class Origin(str, Enum):
    LOCAL = "local"  # this person, through this app (or this person in another terminal)
    SERVER = "server"  # someone else, or the web app, brought in by sync
    ACK = "ack"  # the server confirming this person's own write


ALL_TABLES = "*"  # in `_whole`: every table may have changed


@dataclass
class ChangeSet:
    origin: Origin = Origin.LOCAL
    elsewhere: bool = False  # committed by another process on this cache
    background: bool = False  # committed off the UI thread (a worker, or a write that had to wait)
    undone: bool = False  # an undo or redo: no screen made it in memory, every screen re-reads
    # table → row id → columns that changed (None: the whole row — inserted, deleted, unknown)
    rows: dict[str, dict[str, frozenset[str] | None]] = field(default_factory=dict)
    # tables in which any row may have changed (ids not known); ALL_TABLES: any table
    whole: set[str] = field(default_factory=set)
    # table → row id → who made the change, as the server stamped it (`updated_by`; None: the
    # web app's service role, an automation or direct SQL). Server and ack changes only.
    authors: dict[str, dict[str, str | None]] = field(default_factory=dict)

    # -- building --------------------------------------------------------------------------

    def add(self, table: str, row_id: str, columns: Iterable[str] | None = None) -> None:
        """Record a change of `row_id` in `table`: of `columns`, or of the whole row (None)."""
        rows = self.rows.setdefault(table, {})
        if columns is None:
            rows[row_id] = None
            return
        if row_id in rows:
            known = rows[row_id]
            if known is None:
                return  # the whole row already
            rows[row_id] = known | frozenset(columns)
        else:
            rows[row_id] = frozenset(columns)

    def set_author(self, table: str, row_id: str, user_id: str | None) -> None:
        """Record who (per the server's `updated_by`) made the change of `row_id`."""
        self.authors.setdefault(table, {})[row_id] = user_id

    def add_table(self, table: str) -> None:
        """Any row of `table` may have changed."""
        self.whole.add(table)

    def merge(self, other: "ChangeSet") -> None:
        for table, rows in other.rows.items():
            for row_id, columns in rows.items():
                self.add(table, row_id, columns)
        self.whole |= other.whole
        for table, authors in other.authors.items():
            self.authors.setdefault(table, {}).update(authors)

    @classmethod
    def anything(cls, origin: Origin = Origin.LOCAL, *, elsewhere: bool = False, background: bool = False) -> "ChangeSet":
        """Anything may have changed: every screen re-reads what it shows."""
        return cls(origin=origin, elsewhere=elsewhere, background=background, whole={ALL_TABLES})

    # -- reading ---------------------------------------------------------------------------

    @property
    def from_here(self) -> bool:
        """This person's change, committed right now by the call that asked for it: the screen
        that asked may already show it. (Never an undo: `u` is the app's, not a screen's.)"""
        return self.origin is Origin.LOCAL and not self.elsewhere and not self.background and not self.undone

    @property
    def is_news(self) -> bool:
        """Someone else's change: worth telling the person about."""
        return self.origin is Origin.SERVER

    def ids(self, table: str) -> set[str]:
        """The rows of `table` known by id (see :meth:`has_row` for coarse change sets)."""
        return set(self.rows.get(table, ()))

    def has_row(self, table: str, row_id: str) -> bool:
        return row_id in self.rows.get(table, ()) or self._whole_table(table)

    def any_row(self, table: str) -> bool:
        """Any row of `table` may have changed (the ids are not known)."""
        return self._whole_table(table)

    def columns(self, table: str, row_id: str) -> frozenset[str] | None:
        """The columns of a row that changed; None when the whole row did (or it is unknown)."""
        if self._whole_table(table):
            return None
        return self.rows.get(table, {}).get(row_id)

    def fields(self, table: str, row_id: str) -> frozenset[str] | None:
        """Like :meth:`columns`, without the sync bookkeeping columns (`updated_at`, `version`)."""
        columns = self.columns(table, row_id)
        return None if columns is None else columns - BOOKKEEPING_COLUMNS

    def changed_by(self, table: str, row_id: str) -> str | None:
        """The user id the server names as the author of this change (None when it names no
        one — the web app's service role, an automation — or the change set does not know:
        read the row's `updated_by` through the store then)."""
        return self.authors.get(table, {}).get(row_id)

    def touches(self, *tables: str) -> bool:
        if ALL_TABLES in self.whole:
            return True
        return any(table in self.rows or table in self.whole for table in tables)

    def _whole_table(self, table: str) -> bool:
        return table in self.whole or ALL_TABLES in self.whole

    def __bool__(self) -> bool:
        return bool(self.rows) or bool(self.whole)

    # -- the change log's form -------------------------------------------------------------

    def to_log(self) -> str:
        """This change set as the JSON the change log keeps (ids capped per table)."""
        tables: dict[str, dict[str, list[str] | None] | None] = {}
        for table, rows in self.rows.items():
            if table in self.whole or len(rows) > LOGGED_IDS_PER_TABLE:
                tables[table] = None
                continue
            tables[table] = {
                row_id: (sorted(columns) if columns is not None else None) for row_id, columns in rows.items()
            }
        for table in self.whole:
            tables[table] = None
        return json.dumps(tables, separators=(",", ":"), sort_keys=True)

    @classmethod
    def from_log(cls, text: str, origin: Origin, *, elsewhere: bool = True) -> "ChangeSet":
        """Read back :meth:`to_log`'s JSON; anything unreadable means "anything may have changed"."""
        try:
            tables = json.loads(text)
            if not isinstance(tables, dict):
                raise ValueError("not an object")
            changes = cls(origin=origin, elsewhere=elsewhere)
            for table, rows in tables.items():
                if rows is None:
                    changes.add_table(table)
                    continue
                for row_id, columns in rows.items():
                    changes.add(table, row_id, columns)
            return changes
        except (ValueError, TypeError, AttributeError):
            return cls.anything(origin, elsewhere=elsewhere)

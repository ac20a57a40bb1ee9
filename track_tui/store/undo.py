"""Undo and redo of this person's actions in this session, through the write path.

**What is kept.** While a write action runs (see :mod:`.actions`), its transaction keeps a
journal of every row it wrote (:class:`RowOp`: an insert with the row, an update with the old
and new values of the columns that changed, a delete with the row that went). After COMMIT the
journal becomes one :class:`UndoStep` on this store's :class:`UndoHistory` — a bounded stack per
process (per open store), so `u` undoes what *this* person did here, never another terminal's
or a teammate's change. Writes applied from the server, and local settings, are not actions and
are never kept.

**How a step is undone.** Undo is itself a write action: in one local transaction it writes each
row back as it was — updated columns get their old values, inserted rows are removed, deleted
rows come back — newest first, through `WriteContext`, so the outbox uploads the undo like any
other change and the multi-process and read-only rules of the write path hold for it too (a
locked cache queues it, a read-only cache or a viewer's role refuses it). The auto-logged entries
an action wrote (its `stage_change`, `field_edit`, task entry) are removed with it: undoing a
mistaken move leaves the card as it was, days in stage included.

**Changed since.** Before a row is written back, the row must still hold what the action wrote.
If someone else changed it since — another process on this cache, or a teammate through sync —
the undo refuses with :class:`UndoConflict`, naming what changed, and writes nothing: it never
silently overwrites a newer change. (The step is dropped; the step before it can still be undone.)

**Redo.** An undone step goes on a redo stack; redo writes the action's rows again, with the
same checks. Any new action empties the redo stack.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from ..models import SYNCED_MODELS, RecordType, Row
from ..models.records import FIELD_LABELS
from .actions import write_action
from .errors import ChangedElsewhere, InvalidInput, NotFound
from .rows import JSON_COLUMNS, from_db

if TYPE_CHECKING:
    import sqlite3

    from .store import Store
    from .writes import WriteContext

UNDO_DEPTH = 100  # steps kept per open store; the oldest is forgotten first

Mode = Literal["undo", "redo"]
_MODELS: dict[str, type[Row]] = {model.TABLE: model for model in SYNCED_MODELS}
_RECORD_TABLES = {"contacts": RecordType.CONTACT, "companies": RecordType.COMPANY, "deals": RecordType.DEAL}
# Bookkeeping the server may fill in or bump on a row this person inserted: not a change by anyone.
_NOT_COMPARED = frozenset({"updated_at", "version", "workspace_id"})
_COLUMN_LABELS = {
    **FIELD_LABELS, "stage_id": "Stage", "position": "Position in the column", "role": "Role",
    "title": "Title", "status": "Status", "due_date": "Due date", "assigned_to": "Assignee",
    "description": "Description", "body": "Text", "deleted_at": "Deleted",
}


@dataclass(frozen=True, slots=True)
class RowOp:
    """One row an action wrote, with column values as SQLite stores them.

    insert: `after` is the whole row; update: `before`/`after` hold only the changed columns;
    delete: `before` is the whole row.
    """

    kind: Literal["insert", "update", "delete"]
    table: str
    row_id: str
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None


@dataclass(frozen=True)
class UndoStep:
    """One action of this person, as it can be taken back."""

    label: str  # the action, as the write path names it ("the stage move")
    subject: str  # what it was done to ("Acme renewal", "Call Ada back")
    ops: tuple[RowOp, ...]
    focus: tuple[str, str] | None = None  # (table, id) of the row a screen shows after undoing

    @property
    def description(self) -> str:
        return f"{self.label} — {self.subject}" if self.subject else self.label

    @property
    def record(self) -> tuple[RecordType, str] | None:
        """The contact, company or deal the step was about, when it was about one."""
        if self.focus and self.focus[0] in _RECORD_TABLES:
            return _RECORD_TABLES[self.focus[0]], self.focus[1]
        return None


@dataclass(frozen=True)
class UndoOutcome:
    """What `undo()`/`redo()` did: the step, and whether it waits for another process."""

    mode: Mode
    step: UndoStep
    queued: bool = False

    @property
    def message(self) -> str:
        done = "Undone" if self.mode == "undo" else "Redone"
        waiting = " (saved when the other process releases the cache)" if self.queued else ""
        return f"{done}: {self.step.description}{waiting}"


class UndoConflict(ChangedElsewhere):
    """The step cannot be taken back: a row it wrote was changed elsewhere since."""

    def __init__(self, mode: Mode, step: UndoStep, what: str, column: str, current: Any) -> None:
        super().__init__(what, column, current)
        verb = "undo" if mode == "undo" else "redo"
        self.sentence = (
            f"Cannot {verb} {step.description}: {what} — changed in another window or by a teammate "
            f"since. Nothing was {verb}ne."
        )
        self.args = (self.sentence,)

    def __str__(self) -> str:
        return self.sentence


class UndoUnavailable(InvalidInput):
    """Undo cannot run now (the last change has not been saved yet)."""

    def __init__(self, message: str) -> None:
        super().__init__("Undo", message)
        self.args = (message,)

    def __str__(self) -> str:
        return self.reason


class UndoHistory:
    """The undo and redo stacks of one open store (thread-safe: steps are pushed on the
    thread that committed them, which may be the background writer)."""

    def __init__(self, depth: int = UNDO_DEPTH) -> None:
        self._lock = threading.Lock()
        self._done: deque[UndoStep] = deque(maxlen=depth)
        self._undone: deque[UndoStep] = deque(maxlen=depth)

    def record(self, step: UndoStep, mode: Mode | None) -> None:
        """A committed step: a new action (mode None), an undo, or a redo."""
        with self._lock:
            if mode == "undo":
                self._undone.append(step)
            else:
                if mode is None:
                    self._undone.clear()  # a new action: what was undone can no longer be redone
                self._done.append(step)

    def take(self, mode: Mode) -> UndoStep | None:
        with self._lock:
            stack = self._done if mode == "undo" else self._undone
            return stack.pop() if stack else None

    def put_back(self, step: UndoStep, mode: Mode) -> None:
        """A step taken for `mode` that could not be written: on top of its stack again."""
        with self._lock:
            (self._done if mode == "undo" else self._undone).append(step)

    def peek(self, mode: Mode) -> UndoStep | None:
        with self._lock:
            stack = self._done if mode == "undo" else self._undone
            return stack[-1] if stack else None

    def __len__(self) -> int:
        with self._lock:
            return len(self._done)

    def clear(self) -> None:
        with self._lock:
            self._done.clear()
            self._undone.clear()


# -- recording ---------------------------------------------------------------------------------

def make_step(conn: "sqlite3.Connection", label: str, ops: list[RowOp]) -> UndoStep:
    """The step of a committed journal, named by the row it is about (read in its transaction)."""
    subject, focus = _subject(conn, ops)
    return UndoStep(label=label, subject=subject, ops=tuple(ops), focus=focus)


def _subject(conn: "sqlite3.Connection", ops: list[RowOp]) -> tuple[str, tuple[str, str] | None]:
    def row_value(op: RowOp, column: str) -> Any:
        for values in (op.after, op.before):
            if values and column in values:
                return values[column]
        found = conn.execute(f"SELECT {column} FROM {op.table} WHERE id = ?", (op.row_id,)).fetchone()
        return found[0] if found else None

    def record_name(kind: Any, record_id: Any) -> str:
        table = RecordType(kind).table if kind in {t.value for t in RecordType} else None
        if table is None or record_id is None:
            return ""
        found = conn.execute(f"SELECT name FROM {table} WHERE id = ?", (record_id,)).fetchone()
        return found[0] if found else ""

    for op in ops:
        if op.table in _RECORD_TABLES:
            return str(row_value(op, "name") or ""), (op.table, op.row_id)
    for op in ops:
        if op.table == "tasks":
            return str(row_value(op, "title") or ""), ("tasks", op.row_id)
        if op.table == "deal_contacts":
            contact = record_name("contact", row_value(op, "contact_id"))
            deal_id = row_value(op, "deal_id")
            return f"{contact} on {record_name('deal', deal_id)}", ("deals", str(deal_id))
        if op.table in ("board_cards", "timeline_entries"):
            kind, record_id = row_value(op, "record_type"), row_value(op, "record_id")
            table = RecordType(kind).table if kind in {t.value for t in RecordType} else None
            return record_name(kind, record_id), ((table, str(record_id)) if table else None)
    return "", None


# -- taking a step back (or again) ---------------------------------------------------------------

def invert(op: RowOp) -> RowOp:
    """The op that takes `op` back."""
    if op.kind == "insert":
        return RowOp("delete", op.table, op.row_id, before=op.after)
    if op.kind == "delete":
        return RowOp("insert", op.table, op.row_id, after=op.before)
    return RowOp("update", op.table, op.row_id, before=op.after, after=op.before)


def apply_step(tx: "WriteContext", step: UndoStep, mode: Mode) -> None:
    """Take the step's rows back, newest first, checking each row first. (A redo step is the
    journal of an undo: taking it back does the action again.)"""
    ops = [invert(op) for op in reversed(step.ops)]
    for op in ops:
        try:
            if op.kind == "delete":
                _delete(tx, op, step, mode)
            elif op.kind == "insert":
                _insert(tx, op, step, mode)
            else:
                _update(tx, op, step, mode)
        except UndoConflict:
            raise
        except (InvalidInput, NotFound) as exc:  # a row it names is gone: cannot be written back
            raise UndoConflict(mode, step, _describe_problem(exc), "", None) from None


def _stored(tx: "WriteContext", table: str, row_id: str) -> dict[str, Any] | None:
    row = tx.conn.execute(f"SELECT * FROM {table} WHERE id = ?", (row_id,)).fetchone()
    return dict(row) if row is not None else None


def _update(tx: "WriteContext", op: RowOp, step: UndoStep, mode: Mode) -> None:
    """Give the changed columns their other values; each must still hold what was written."""
    stored = _stored(tx, op.table, op.row_id)
    if stored is None:
        raise UndoConflict(mode, step, f"the {_thing(op.table)} was deleted", "", None)
    wanted, expected = op.after or {}, op.before or {}
    if all(same_value(c, stored.get(c), v) for c, v in wanted.items()):
        return  # already as it should be (undone elsewhere too)
    for column, value in expected.items():
        if not same_value(column, stored.get(column), value):
            current = stored.get(column)
            raise UndoConflict(
                mode, step, f"{_label(column)} is now {_show(tx, column, current)}", column, from_db(column, current)
            )
    tx.update(op.table, op.row_id, {c: from_db(c, v) for c, v in wanted.items()})


def _delete(tx: "WriteContext", op: RowOp, step: UndoStep, mode: Mode) -> None:
    """Remove a row the step inserted: unchanged since, and nothing added since points at it."""
    stored = _stored(tx, op.table, op.row_id)
    if stored is None:
        return  # gone already
    for column, value in (op.before or {}).items():
        if column in _NOT_COMPARED:
            continue
        if not same_value(column, stored.get(column), value):
            raise UndoConflict(
                mode, step, f"{_label(column)} of the {_thing(op.table)} is now {_show(tx, column, stored.get(column))}",
                column, from_db(column, stored.get(column)),
            )
    dependant = _dependants(tx.conn, op.table, op.row_id)
    if dependant:
        raise UndoConflict(mode, step, f"the {_thing(op.table)} has {dependant} added since", "", None)
    tx.delete(op.table, op.row_id)


def _insert(tx: "WriteContext", op: RowOp, step: UndoStep, mode: Mode) -> None:
    """Bring back a row the step deleted, unless one with its id exists again."""
    stored = _stored(tx, op.table, op.row_id)
    values = op.after or {}
    if stored is not None:
        if all(same_value(c, stored.get(c), v) for c, v in values.items() if c not in _NOT_COMPARED):
            return  # back already
        raise UndoConflict(mode, step, f"the {_thing(op.table)} was added again", "", None)
    model = _MODELS[op.table].model_validate({c: from_db(c, v) for c, v in values.items()})
    tx.insert(model.model_copy(update={"version": 0}))


# Rows that point at a row, by the row's table: (table, column, extra condition).
_POINTERS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "contacts": (("deals", "primary_contact_id", ""), ("deal_contacts", "contact_id", "")),
    "companies": (("contacts", "company_id", ""), ("deals", "company_id", ""), ("companies", "parent_id", "")),
    "deals": (("deal_contacts", "deal_id", ""),),
    "timeline_entries": (("tasks", "source_entry_id", ""),),
}
_POINTER_NAMES = {
    "deals": "deals", "deal_contacts": "deal contacts", "contacts": "contacts", "companies": "companies",
    "tasks": "tasks", "timeline_entries": "timeline entries", "board_cards": "board cards",
}


def _dependants(conn: "sqlite3.Connection", table: str, row_id: str) -> str | None:
    """What was added since that points at a row about to be removed ("notes", "deals"…)."""
    pointers = list(_POINTERS.get(table, ()))
    if table in _RECORD_TABLES:
        pointers += [(t, "record_id", "") for t in ("timeline_entries", "tasks", "board_cards")]
    for other, column, _ in pointers:
        if conn.execute(f"SELECT 1 FROM {other} WHERE {column} = ? LIMIT 1", (row_id,)).fetchone():
            return _POINTER_NAMES.get(other, other)
    return None


# -- comparing and showing values ----------------------------------------------------------------

def same_value(column: str, stored: Any, written: Any) -> bool:
    """Does the stored value equal the one written, in any form the cache or the server keeps
    it? (A timestamp the server sends back may be spelt differently; JSON may be re-spaced.)"""
    if stored == written:
        return True
    if stored is None or written is None:
        return False
    if column in JSON_COLUMNS:
        try:
            return json.loads(stored) == json.loads(written)
        except (TypeError, ValueError):
            return False
    if isinstance(stored, (int, float)) and isinstance(written, (int, float)):
        return float(stored) == float(written)
    if isinstance(stored, str) and isinstance(written, str) and "T" in stored and "T" in written:
        try:
            return datetime.fromisoformat(stored) == datetime.fromisoformat(written)
        except ValueError:
            return False
    return False


def _label(column: str) -> str:
    return _COLUMN_LABELS.get(column, column.replace("_", " ").capitalize())


def _thing(table: str) -> str:
    return {
        "board_cards": "card", "deal_contacts": "deal contact", "timeline_entries": "timeline entry",
        "tasks": "task", "contacts": "contact", "companies": "company", "deals": "deal",
    }.get(table, table.rstrip("s"))


def _show(tx: "WriteContext", column: str, value: Any) -> str:
    """A stored value as a person reads it (a stage by its name, an empty value as "empty")."""
    if value is None or value == "":
        return "empty"
    if column == "stage_id":
        found = tx.conn.execute("SELECT name FROM board_stages WHERE id = ?", (value,)).fetchone()
        if found:
            return found[0]
    if column in ("owner_id", "assigned_to"):
        found = tx.conn.execute("SELECT full_name FROM profiles WHERE id = ?", (value,)).fetchone()
        if found:
            return found[0]
    text = str(value)
    return repr(text if len(text) <= 40 else text[:39] + "…")


def _describe_problem(exc: Exception) -> str:
    text = getattr(exc, "reason", None) or str(exc)
    field_name = getattr(exc, "field", "")
    return f"{field_name.lower()} {text}".strip() if field_name and field_name != "Value" else text


# -- the store mixin -----------------------------------------------------------------------------

class UndoActions:
    """Mixed into :class:`Store`; `self` is the store."""

    def undo(self: "Store") -> UndoOutcome | None:
        """Take back this person's last action here; None when there is nothing to undo.

        Raises :class:`UndoConflict` (the step is dropped) when a row it wrote was changed
        elsewhere since, :class:`UndoUnavailable` while the last action still waits to be saved.
        """
        return self._step("undo")

    def redo(self: "Store") -> UndoOutcome | None:
        """Do again what the last undo took back; None when there is nothing to redo."""
        return self._step("redo")

    def next_undo(self: "Store", mode: Mode = "undo") -> UndoStep | None:
        """The step `undo()` (or `redo()`) would take, without taking it."""
        return self.undo_history.peek(mode)

    def _step(self: "Store", mode: Mode) -> UndoOutcome | None:
        if self.queued_writes or self.unsaved_writes:
            raise UndoUnavailable(
                "your last change is not saved yet (another process holds the cache); "
                f"{mode} it once it is saved"
            )
        step = self.undo_history.take(mode)
        if step is None:
            return None
        try:
            done = self._write_step(step, mode)
        except UndoConflict:
            raise  # the step cannot be taken any more: dropped, the one before it is next
        except BaseException:
            self.undo_history.put_back(step, mode)  # not written (read-only, busy…): still there
            raise
        return UndoOutcome(mode=mode, step=step, queued=done is None)

    @write_action("the undo")
    def _write_step(self: "Store", step: UndoStep, mode: Mode) -> bool:
        """One transaction that writes the step's rows back (or again); returns True once
        written (a call queued behind another process returns None at once)."""
        with self.transaction(undoing=(mode, step)) as tx:
            apply_step(tx, step, mode)
        return True

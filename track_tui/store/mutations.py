"""The mutation API: every user action is one method, one transaction, one announcement.

Rules every method here keeps (several processes may write the cache at once):

- **Read-modify-write inside the transaction.** Whatever a write depends on — the stored row it
  merges into, the custom field definitions it validates against, the neighbour it swaps with,
  the top of the column it lands on — is read after BEGIN IMMEDIATE, through the transaction,
  so a second process's commit can never be overwritten by a stale copy.
- **Validate first, then again.** New values are validated against a read of the committed
  state before the transaction too: a bad value is refused at once, even when the write itself
  has to wait for another process (see `@write_action`). Inside the transaction the same
  validation runs against the fresh row; that is what gets written.
- **One error type for bad input.** Methods raise :class:`InvalidInput` (or `NotFound` for the
  thing acted on); `@write_action` turns anything from below into one of them.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date
from typing import TYPE_CHECKING, Any, Iterator, TypeVar

from pydantic import ValidationError

from ..models import (
    RECORD_MODELS, BoardCard, Company, CustomField, CustomFieldError, DealContact, Record, RecordType,
    Task, TaskStatus, TimelineEntry, new_id,
)
from ..models.enums import EntryType, plural
from ..models.records import FIELD_LABELS
from ..models.stored import UnreadableRow, read_stored
from .actions import returns, returns_arg, write_action
from .errors import ChangedElsewhere, InvalidInput, NotFound, first_validation_error, from_below
from .rows import row_to_dict, rows_to_models, to_db
from .writes import WriteContext

if TYPE_CHECKING:
    from .store import Store

__all__ = ["InvalidInput", "Mutations"]

M = TypeVar("M")


@contextmanager
def input_errors() -> Iterator[None]:
    """Building models from what a person typed: anything it raises becomes InvalidInput."""
    try:
        yield
    except (InvalidInput, NotFound):
        raise
    except Exception as exc:
        converted = from_below(exc)
        if converted is None:
            raise
        raise converted from exc


def _pin_company(store: "Store", args: tuple, kwargs: dict) -> tuple[Any, tuple, dict]:
    """Deferred find-or-create: the id the caller gets now is the id the replay uses."""
    name = args[0] if args else kwargs["name"]
    found = store._company_named(name)
    if found is not None:
        return found, args, kwargs
    pinned = new_id()
    return pinned, args, {**kwargs, "pinned_id": pinned}


def _deleted_task(store: "Store", args: tuple, kwargs: dict) -> tuple[Any, tuple, dict]:
    task_id = args[0] if args else kwargs["task_id"]
    with store.reading():
        return store._stored(Task, store._row("tasks", task_id)), args, kwargs


def _link(store: "Store", args: tuple, kwargs: dict) -> tuple[Any, tuple, dict]:
    deal_id, contact_id, role = (list(args) + [kwargs.get("deal_id"), kwargs.get("contact_id"), kwargs.get("role")])[:3]
    return DealContact(deal_id=deal_id, contact_id=contact_id, role=(role or "").strip() or None), args, kwargs


class Mutations:
    """Mixed into :class:`Store`; `self` is the store."""

    # -- records ---------------------------------------------------------------------------

    @write_action("the new record", deferred=returns_arg(0, "record"))
    def create_record(
        self: "Store", record: Record, *, board_id: str | None = None, stage_id: str | None = None
    ) -> Record:
        """Insert a record; place it on a board at the top of `stage_id` (deals: their stage)."""
        self._check_custom_values(record.RECORD_TYPE, record.custom_fields)  # refuse at once
        with self.transaction() as tx:
            # Store the normalised values (option order, upper-case currency codes, whole
            # numbers), exactly as an edit through update_record would.
            clean_custom = self._check_custom_values(record.RECORD_TYPE, record.custom_fields)
            if clean_custom != record.custom_fields:
                record.custom_fields = clean_custom
            tx.insert(record)
            target_stage = stage_id or getattr(record, "stage_id", None)
            if target_stage:
                stage = self._stage(tx, target_stage)
                self._place_card(tx, stage["board_id"], target_stage, record.RECORD_TYPE, record.id)
        return record

    @write_action("the field edit", deferred=returns([]))
    def update_record(
        self: "Store",
        record_type: RecordType,
        record_id: str,
        fields: dict[str, Any] | None = None,
        custom: dict[str, Any] | None = None,
        *,
        expect: dict[str, Any] | None = None,
    ) -> list[str]:
        """Edit built-in `fields` and custom field values (by key); return what changed.

        A deal's `stage_id` goes through the stage move, so its timeline reads as a move.
        `expect` (column or "custom_fields.<key>" → the value the editor started from) makes the
        save refuse with :class:`ChangedElsewhere` when the stored value is no longer that one.
        """
        record_type = RecordType(record_type)
        fields = dict(fields or {})
        model = RECORD_MODELS[record_type]
        # A name the model does not have would be dropped by validation and then fail as a
        # KeyError while building the patch: refuse it as input instead.
        for name in fields:
            if name not in model.model_fields:
                raise InvalidInput(name, f"{plural(record_type)} have no field {name!r}")
        new_stage = fields.pop("stage_id", None)
        with self.reading():
            self._record_patch(record_type, self._record_row(record_type, record_id), fields, custom)
        with self.transaction() as tx:
            current = tx.fetch(record_type.table, record_id)
            if expect:
                self._check_expected(record_type, current, expect)
            clean, as_json, patch = self._record_patch(record_type, current, fields, custom)
            changed: list[str] = []
            old = tx.update(record_type.table, record_id, patch)
            for name, old_value in old.items():
                if name == "custom_fields":
                    changed.extend(self._log_custom_edits(tx, record_type, record_id, old_value or {}, clean["custom_fields"]))
                    continue
                changed.append(name)
                tx.log(record_type, record_id, EntryType.FIELD_EDIT, payload={
                    "field": name, "label": FIELD_LABELS.get(name, name),
                    "old": old_value, "new": as_json[name],
                })
            if new_stage and new_stage != current.get("stage_id"):
                self._stage(tx, new_stage)
                card = self._card_for(tx, record_id, stage_board=new_stage)
                self._move(tx, card, new_stage, None)
                changed.append("stage_id")
        return changed

    def _record_patch(
        self: "Store", record_type: RecordType, current: dict[str, Any], fields: dict[str, Any],
        custom: dict[str, Any] | None,
    ) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
        """The validated record after the edit: (python values, JSON values, the patch)."""
        merged_custom = dict(current.get("custom_fields") or {})
        if custom:
            merged_custom.update(custom)
            merged_custom = self._check_custom_values(record_type, merged_custom, only=set(custom))
        try:
            # Strict for what the person changes; what the server stored stays as it is.
            validated = read_stored(RECORD_MODELS[record_type], {**current, **fields, "custom_fields": merged_custom},
                                    checked=[*fields, *(["custom_fields"] if custom else [])])
        except ValidationError as exc:
            raise first_validation_error(exc) from None
        clean = validated.model_dump()
        patch = {name: clean[name] for name in fields}
        if custom:
            patch["custom_fields"] = clean["custom_fields"]
        return clean, validated.model_dump(mode="json"), patch

    def _check_expected(self: "Store", record_type: RecordType, current: dict[str, Any], expect: dict[str, Any]) -> None:
        stored_custom = current.get("custom_fields") or {}
        for name, expected in expect.items():
            if name.startswith("custom_fields."):
                key = name.removeprefix("custom_fields.")
                stored = stored_custom.get(key)
                same = to_db("custom_fields", stored) == to_db("custom_fields", expected)
                label = next((d.name for d in self.custom_field_defs(record_type) if d.key == key), key)
            else:
                stored = current.get(name)
                same = to_db(name, stored) == to_db(name, expected)
                label = FIELD_LABELS.get(name, name)
            if not same:
                if not name.startswith("custom_fields."):
                    stored = getattr(self._stored(RECORD_MODELS[record_type], current), name, stored)
                raise ChangedElsewhere(label, name, stored)

    @write_action("the delete")
    def soft_delete(self: "Store", record_type: RecordType, record_id: str) -> None:
        table = RecordType(record_type).table
        with self.transaction() as tx:
            tx.update(table, record_id, {"deleted_at": tx.now})

    @write_action("the undo")
    def restore(self: "Store", record_type: RecordType, record_id: str) -> None:
        """Undo a soft delete."""
        table = RecordType(record_type).table
        with self.transaction() as tx:
            tx.update(table, record_id, {"deleted_at": None})

    @write_action("the new record", deferred=returns_arg(0, "record"))
    def quick_add(self: "Store", record: Record, *, stage_id: str, company: str | None = None) -> Record:
        """Quick add: `record` at the top of `stage_id`, at the company called `company` (found,
        or created in the same transaction — so one undo takes both back)."""
        with self.transaction():
            if company:
                record.company_id = self.find_or_create_company(company)  # type: ignore[attr-defined]
            return self.create_record(record, stage_id=stage_id)

    @write_action("the new company", deferred=_pin_company)
    def find_or_create_company(self: "Store", name: str, *, pinned_id: str | None = None) -> str:
        """The id of the live company called `name` (any case), creating it when there is none.

        Looked up and created in one transaction, so two processes adding the same name at once
        make one company. `pinned_id` (set when the call had to wait) creates exactly that id.
        """
        with self.transaction() as tx:
            if pinned_id is None:
                found = self._company_named(name)
                if found is not None:
                    return found
            elif tx.conn.execute("SELECT 1 FROM companies WHERE id = ?", (pinned_id,)).fetchone():
                return pinned_id
            with input_errors():
                company = Company(
                    id=pinned_id or new_id(), workspace_id=tx.workspace_id, name=name, owner_id=tx.user_id,
                )
            self.create_record(company)
        return company.id

    def _company_named(self: "Store", name: str) -> str | None:
        with self.reading() as conn:
            row = conn.execute(
                "SELECT id FROM companies WHERE lower(name) = lower(?) AND deleted_at IS NULL ORDER BY created_at LIMIT 1",
                (name.strip(),),
            ).fetchone()
        return row[0] if row else None

    # -- cards -----------------------------------------------------------------------------

    @write_action("the stage move")
    def move_card(
        self: "Store",
        card_id: str,
        to_stage_id: str,
        *,
        note: str | None = None,
        close_date: date | None = None,
    ) -> None:
        """Move a card to another stage of its board (to the top of that column).

        For deals the deal's `stage_id` follows; a move into a won/lost stage may record why
        (`note`, kept in the stage_change entry) and the close date.
        """
        with self.transaction() as tx:
            card = tx.fetch("board_cards", card_id)
            self._move(tx, card, to_stage_id, note)
            if close_date is not None and card["record_type"] == RecordType.DEAL:
                old = tx.update("deals", card["record_id"], {"close_date": close_date})
                if old:
                    tx.log(RecordType.DEAL, card["record_id"], EntryType.FIELD_EDIT, payload={
                        "field": "close_date", "label": FIELD_LABELS["close_date"],
                        "old": old["close_date"], "new": close_date.isoformat(),
                    })

    @write_action("the reorder", deferred=returns(True))
    def reorder_card(self: "Store", card_id: str, offset: int) -> bool:
        """Swap a card with its neighbour above (offset -1) or below (+1). False at an end."""
        with self.transaction() as tx:
            card = tx.fetch("board_cards", card_id)
            compare, order = (">", "ASC") if offset > 0 else ("<", "DESC")
            neighbour = tx.conn.execute(
                f"""SELECT id, position FROM board_cards
                WHERE stage_id = ? AND (position {compare} ? OR (position = ? AND id {compare} ?))
                ORDER BY position {order}, id {order} LIMIT 1""",
                (card["stage_id"], card["position"], card["position"], card["id"]),
            ).fetchone()
            if neighbour is None:
                return False
            mine, theirs = card["position"], neighbour["position"]
            if mine == theirs:  # equal positions: separate them so the order is explicit
                theirs = mine + (1 if offset > 0 else -1)
            tx.update("board_cards", card_id, {"position": theirs})
            tx.update("board_cards", neighbour["id"], {"position": mine})
            return True

    def _stage(self, tx: WriteContext, stage_id: str) -> dict[str, Any]:
        try:
            return tx.fetch("board_stages", stage_id)
        except NotFound:
            raise InvalidInput("Stage", f"no stage with id {stage_id}") from None

    def _place_card(self, tx: WriteContext, board_id: str, stage_id: str, record_type: RecordType, record_id: str) -> BoardCard:
        top = tx.conn.execute("SELECT min(position) FROM board_cards WHERE stage_id = ?", (stage_id,)).fetchone()[0]
        card = BoardCard(
            board_id=board_id, stage_id=stage_id, record_type=record_type, record_id=record_id,
            position=(top - 1) if top is not None else 0, workspace_id=tx.workspace_id,
        )
        tx.insert(card)
        return card

    def _card_for(self, tx: WriteContext, record_id: str, *, stage_board: str) -> dict[str, Any]:
        stage = self._stage(tx, stage_board)
        row = tx.conn.execute(
            "SELECT * FROM board_cards WHERE record_id = ? AND board_id = ?", (record_id, stage["board_id"])
        ).fetchone()
        if row is None:
            raise InvalidInput("Stage", "this record has no card on that stage's board")
        return row_to_dict(row)

    def _move(self, tx: WriteContext, card: dict[str, Any], to_stage_id: str, note: str | None) -> None:
        if card["stage_id"] == to_stage_id:
            return
        source = tx.fetch("board_stages", card["stage_id"])
        target = self._stage(tx, to_stage_id)
        if target["board_id"] != card["board_id"]:
            raise InvalidInput("Stage", f"{target['name']} is a stage of another board")
        top = tx.conn.execute("SELECT min(position) FROM board_cards WHERE stage_id = ?", (to_stage_id,)).fetchone()[0]
        tx.update("board_cards", card["id"], {
            "stage_id": to_stage_id, "position": (top - 1) if top is not None else 0,
        })
        if card["record_type"] == RecordType.DEAL:
            tx.update("deals", card["record_id"], {"stage_id": to_stage_id})
        payload = {
            "board_id": card["board_id"], "from_stage_id": source["id"], "from_stage": source["name"],
            "to_stage_id": target["id"], "to_stage": target["name"], "to_stage_type": target["stage_type"],
        }
        if note:
            payload["note"] = note
        tx.log(card["record_type"], card["record_id"], EntryType.STAGE_CHANGE, body=note, payload=payload)

    # -- timeline and tasks ----------------------------------------------------------------

    @write_action("the timeline entry", deferred=returns_arg(0, "entry"))
    def add_entry(self: "Store", entry: TimelineEntry) -> TimelineEntry:
        """A note, call, email or meeting a person logged."""
        if entry.entry_type in (EntryType.STAGE_CHANGE, EntryType.FIELD_EDIT, EntryType.TASK):
            raise InvalidInput("Entry", f"{entry.entry_type.value} entries are written automatically")
        with self.transaction() as tx:
            tx.insert(entry)
        return entry

    @write_action("the new task", deferred=returns_arg(0, "task"))
    def create_task(self: "Store", task: Task) -> Task:
        with self.transaction() as tx:
            tx.insert(task)
            if task.record_type and task.record_id:
                payload = {
                    "task_id": task.id, "title": task.title, "action": "created",
                    "due_date": task.due_date.isoformat() if task.due_date else None,
                }
                if task.source_entry_id:  # made from an entry (`t`): the entry says where it came from
                    payload.update(_source_of(tx, task.source_entry_id))
                tx.log(task.record_type, task.record_id, EntryType.TASK, body=task.title, payload=payload)
        return task

    @write_action("the task change", deferred=returns([]))
    def update_task(self: "Store", task_id: str, changes: dict[str, Any]) -> list[str]:
        for name in changes:
            if name not in Task.model_fields:
                raise InvalidInput(name, f"tasks have no field {name!r}")
        with self.reading():
            self._task_after(self._row("tasks", task_id), changes)
        with self.transaction() as tx:
            clean = self._task_after(tx.fetch("tasks", task_id), changes)
            old = tx.update("tasks", task_id, {k: clean[k] for k in changes})
            if "status" in old:
                self._log_task_status(tx, clean, old["status"])
        return list(old)

    @staticmethod
    def _task_after(current: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
        try:
            return read_stored(Task, {**current, **changes}, checked=changes).model_dump()
        except ValidationError as exc:
            raise first_validation_error(exc) from None

    @write_action("the status change")
    def set_task_status(self: "Store", task_id: str, status: TaskStatus) -> None:
        self.update_task(task_id, {"status": status})

    @write_action("the task delete", deferred=_deleted_task)
    def delete_task(self: "Store", task_id: str) -> Task:
        """Hard-delete a task (tasks have no soft delete); return it so undo can re-create it."""
        with self.transaction() as tx:
            row = tx.delete("tasks", task_id)
        return self._stored(Task, row)

    @write_action("the task undo")
    def restore_task(self: "Store", task: Task) -> None:
        with self.transaction() as tx:
            tx.insert(task.model_copy(update={"version": 0}))

    def _log_task_status(self, tx: WriteContext, task: dict[str, Any], old_status: str) -> None:
        if not task.get("record_id") or not task.get("record_type"):
            return
        if task["status"] == TaskStatus.DONE:
            action = "completed"
        elif old_status == TaskStatus.DONE:
            action = "reopened"
        else:
            return
        tx.log(task["record_type"], task["record_id"], EntryType.TASK, body=task["title"], payload={
            "task_id": task["id"], "title": task["title"], "action": action,
        })

    # -- deal contacts ---------------------------------------------------------------------

    @write_action("the deal contact", deferred=_link)
    def add_deal_contact(self: "Store", deal_id: str, contact_id: str, role: str | None) -> DealContact:
        with input_errors():
            link = DealContact(deal_id=deal_id, contact_id=contact_id, role=(role or "").strip() or None)
        with self.transaction() as tx:
            existing = tx.conn.execute(
                "SELECT id FROM deal_contacts WHERE deal_id = ? AND contact_id = ?", (deal_id, contact_id)
            ).fetchone()
            if existing:
                tx.update("deal_contacts", existing["id"], {"role": link.role})
                return link.model_copy(update={"id": existing["id"]})
            link.workspace_id = tx.workspace_id
            tx.insert(link)
        return link

    @write_action("the contact removal")
    def remove_deal_contact(self: "Store", link_id: str) -> None:
        with self.transaction() as tx:
            tx.delete("deal_contacts", link_id)

    @write_action("the primary contact change")
    def set_primary_contact(self: "Store", deal_id: str, contact_id: str | None) -> None:
        self.update_record(RecordType.DEAL, deal_id, {"primary_contact_id": contact_id})

    # -- settings --------------------------------------------------------------------------

    @write_action("a setting")
    def _set_meta(self: "Store", key: str, value: str) -> None:
        with self.transaction(settings_only=True) as tx:
            tx.conn.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    # -- helpers ---------------------------------------------------------------------------

    def _row(self: "Store", table: str, row_id: str) -> dict[str, Any]:
        with self.reading() as conn:
            row = conn.execute(f"SELECT * FROM {table} WHERE id = ?", (row_id,)).fetchone()
        if row is None:
            raise NotFound(f"no {table} row with id {row_id}")
        return row_to_dict(row)

    @staticmethod
    def _stored(model: type[M], row: dict[str, Any]) -> M:
        """One stored row as its model (see models/stored.py); a row that cannot be shown at
        all is reported as not found, like a row that is not there."""
        try:
            return read_stored(model, row)
        except UnreadableRow as exc:
            raise NotFound(str(exc)) from None

    def _record_row(self: "Store", record_type: RecordType, record_id: str) -> dict[str, Any]:
        return self._row(RecordType(record_type).table, record_id)

    def custom_field_defs(self: "Store", record_type: RecordType) -> list[CustomField]:
        with self.reading() as conn:
            rows = conn.execute(
                "SELECT * FROM custom_fields WHERE record_type = ? ORDER BY position, name",
                (RecordType(record_type).value,),
            ).fetchall()
        return rows_to_models(CustomField, rows)

    def _check_custom_values(
        self: "Store", record_type: RecordType, values: dict[str, Any], only: set[str] | None = None
    ) -> dict[str, Any]:
        """Validate custom values against the workspace's definitions; unknown keys are refused."""
        defs = {d.key: d for d in self.custom_field_defs(record_type)}
        clean: dict[str, Any] = {}
        for key, value in values.items():
            definition = defs.get(key)
            if definition is None:
                if only is None or key in only:
                    raise InvalidInput(key, f"no custom field with key {key!r} on {plural(record_type)}")
                clean[key] = value  # a value the web app wrote for a field we don't know: keep it
                continue
            if only is not None and key not in only:
                clean[key] = value
                continue
            try:
                normalised = definition.validate_value(value)
            except CustomFieldError as exc:
                raise InvalidInput(definition.name, exc.rule) from None
            if normalised is not None:
                clean[key] = normalised
        if only is None:  # a new record: every required field needs a value
            for definition in defs.values():
                if definition.required and definition.key not in clean:
                    raise InvalidInput(definition.name, "a value is required")
        return clean

    def _log_custom_edits(
        self, tx: WriteContext, record_type: RecordType, record_id: str, old: dict[str, Any], new: dict[str, Any]
    ) -> list[str]:
        labels = {d.key: d.name for d in self.custom_field_defs(record_type)}  # type: ignore[attr-defined]
        changed = []
        for key in sorted(set(old) | set(new)):
            if old.get(key) != new.get(key):
                changed.append(f"custom_fields.{key}")
                tx.log(record_type, record_id, EntryType.FIELD_EDIT, payload={
                    "field": f"custom_fields.{key}", "label": labels.get(key, key),
                    "old": old.get(key), "new": new.get(key),
                })
        return changed


def _source_of(tx: "WriteContext", entry_id: str) -> dict[str, Any]:
    """What a task's "created" entry keeps of the entry it was made from: its id, kind and
    time, so the timeline can say "from the meeting of 25 Nov" without another query."""
    row = tx.conn.execute("SELECT entry_type, created_at FROM timeline_entries WHERE id = ?", (entry_id,)).fetchone()
    source: dict[str, Any] = {"source_entry_id": entry_id}
    if row is not None:
        source["source_type"], source["source_at"] = row[0], row[1]
    return source

"""The mutation API: every user action is one method, one transaction, one announcement.

Each method validates through the pydantic models first (so nothing half-valid is written),
then writes rows, auto-logged timeline entries and outbox entries in one transaction.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from ..models import (
    RECORD_MODELS, BoardCard, Company, CustomField, CustomFieldError, DealContact, Record, RecordType,
    Task, TaskStatus, TimelineEntry,
)
from ..models.enums import EntryType, StageType
from ..models.problems import first_problem
from ..models.records import FIELD_LABELS
from .rows import row_to_dict
from .writes import NotFound, WriteContext

if TYPE_CHECKING:
    from .store import Store


class InvalidInput(ValueError):
    """A value a person entered breaks a rule. `field` names the field; the message says why."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(f"{field}: {message}")
        self.reason = message


def _first_error(exc: ValidationError) -> InvalidInput:
    return InvalidInput(*first_problem(exc))


class Mutations:
    """Mixed into :class:`Store`; `self` is the store."""

    # -- records ---------------------------------------------------------------------------

    def create_record(
        self: "Store", record: Record, *, board_id: str | None = None, stage_id: str | None = None
    ) -> Record:
        """Insert a record; place it on a board at the top of `stage_id` (deals: their stage)."""
        # Store the normalised values (option order, upper-case currency codes, whole numbers),
        # exactly as an edit through update_record would.
        clean_custom = self._check_custom_values(record.RECORD_TYPE, record.custom_fields)
        if clean_custom != record.custom_fields:
            record.custom_fields = clean_custom
        with self.transaction() as tx:
            tx.insert(record)
            target_stage = stage_id or getattr(record, "stage_id", None)
            if target_stage:
                stage = tx.fetch("board_stages", target_stage)
                self._place_card(tx, stage["board_id"], target_stage, record.RECORD_TYPE, record.id)
        return record

    def update_record(
        self: "Store",
        record_type: RecordType,
        record_id: str,
        fields: dict[str, Any] | None = None,
        custom: dict[str, Any] | None = None,
    ) -> list[str]:
        """Edit built-in `fields` and custom field values (by key); return what changed.

        A deal's `stage_id` goes through the stage move, so its timeline reads as a move.
        """
        fields = dict(fields or {})
        model = RECORD_MODELS[record_type]
        # A name the model does not have would be dropped by validation and then fail as a
        # KeyError while building the patch: refuse it as input instead.
        for name in fields:
            if name not in model.model_fields:
                raise InvalidInput(name, f"{RecordType(record_type).value}s have no field {name!r}")
        new_stage = fields.pop("stage_id", None)
        with self.lock:
            current = self._record_row(record_type, record_id)
            merged_custom = dict(current.get("custom_fields") or {})
            if custom:
                merged_custom.update(custom)
                merged_custom = self._check_custom_values(record_type, merged_custom, only=set(custom))
            try:
                validated = model.model_validate({**current, **fields, "custom_fields": merged_custom})
            except ValidationError as exc:
                raise _first_error(exc) from None
            clean = validated.model_dump()
            as_json = validated.model_dump(mode="json")
            patch = {name: clean[name] for name in fields}
            if custom:
                patch["custom_fields"] = clean["custom_fields"]
            changed: list[str] = []
            with self.transaction() as tx:
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
                    card = self._card_for(tx, record_id, stage_board=new_stage)
                    self._move(tx, card, new_stage, None)
                    changed.append("stage_id")
            return changed

    def soft_delete(self: "Store", record_type: RecordType, record_id: str) -> None:
        with self.transaction() as tx:
            tx.update(record_type.table, record_id, {"deleted_at": tx.now})

    def restore(self: "Store", record_type: RecordType, record_id: str) -> None:
        """Undo a soft delete."""
        with self.transaction() as tx:
            tx.update(record_type.table, record_id, {"deleted_at": None})

    def find_or_create_company(self: "Store", name: str) -> str:
        """The id of the live company called `name` (any case), creating it when there is none."""
        with self.lock:
            row = self.conn.execute(
                "SELECT id FROM companies WHERE lower(name) = lower(?) AND deleted_at IS NULL ORDER BY created_at LIMIT 1",
                (name.strip(),),
            ).fetchone()
        if row:
            return row[0]
        company = Company(workspace_id=self.workspace_id, name=name, owner_id=self.user_id)
        self.create_record(company)
        return company.id

    # -- cards -----------------------------------------------------------------------------

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

    def _place_card(self, tx: WriteContext, board_id: str, stage_id: str, record_type: RecordType, record_id: str) -> BoardCard:
        top = tx.conn.execute("SELECT min(position) FROM board_cards WHERE stage_id = ?", (stage_id,)).fetchone()[0]
        card = BoardCard(
            board_id=board_id, stage_id=stage_id, record_type=record_type, record_id=record_id,
            position=(top - 1) if top is not None else 0, workspace_id=tx.workspace_id,
        )
        tx.insert(card)
        return card

    def _card_for(self, tx: WriteContext, record_id: str, *, stage_board: str) -> dict[str, Any]:
        stage = tx.fetch("board_stages", stage_board)
        row = tx.conn.execute(
            "SELECT * FROM board_cards WHERE record_id = ? AND board_id = ?", (record_id, stage["board_id"])
        ).fetchone()
        if row is None:
            raise NotFound(f"record {record_id} has no card on that board")
        return row_to_dict(row)

    def _move(self, tx: WriteContext, card: dict[str, Any], to_stage_id: str, note: str | None) -> None:
        if card["stage_id"] == to_stage_id:
            return
        source = tx.fetch("board_stages", card["stage_id"])
        target = tx.fetch("board_stages", to_stage_id)
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

    def add_entry(self: "Store", entry: TimelineEntry) -> TimelineEntry:
        """A note, call, email or meeting a person logged."""
        if entry.entry_type in (EntryType.STAGE_CHANGE, EntryType.FIELD_EDIT, EntryType.TASK):
            raise InvalidInput("Entry", f"{entry.entry_type.value} entries are written automatically")
        with self.transaction() as tx:
            tx.insert(entry)
        return entry

    def create_task(self: "Store", task: Task) -> Task:
        with self.transaction() as tx:
            tx.insert(task)
            if task.record_type and task.record_id:
                tx.log(task.record_type, task.record_id, EntryType.TASK, body=task.title, payload={
                    "task_id": task.id, "title": task.title, "action": "created",
                    "due_date": task.due_date.isoformat() if task.due_date else None,
                })
        return task

    def update_task(self: "Store", task_id: str, changes: dict[str, Any]) -> list[str]:
        for name in changes:
            if name not in Task.model_fields:
                raise InvalidInput(name, f"tasks have no field {name!r}")
        with self.lock:
            current = self._row("tasks", task_id)
            try:
                validated = Task.model_validate({**current, **changes})
            except ValidationError as exc:
                raise _first_error(exc) from None
            clean = validated.model_dump()
            with self.transaction() as tx:
                old = tx.update("tasks", task_id, {k: clean[k] for k in changes})
                if "status" in old:
                    self._log_task_status(tx, clean, old["status"])
            return list(old)

    def set_task_status(self: "Store", task_id: str, status: TaskStatus) -> None:
        self.update_task(task_id, {"status": status})

    def delete_task(self: "Store", task_id: str) -> Task:
        """Hard-delete a task (tasks have no soft delete); return it so undo can re-create it."""
        with self.transaction() as tx:
            row = tx.delete("tasks", task_id)
        return Task.model_validate(row)

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

    def add_deal_contact(self: "Store", deal_id: str, contact_id: str, role: str | None) -> DealContact:
        try:
            link = DealContact(deal_id=deal_id, contact_id=contact_id, role=(role or "").strip() or None)
        except ValidationError as exc:
            raise _first_error(exc) from None
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

    def remove_deal_contact(self: "Store", link_id: str) -> None:
        with self.transaction() as tx:
            tx.delete("deal_contacts", link_id)

    def set_primary_contact(self: "Store", deal_id: str, contact_id: str | None) -> None:
        self.update_record(RecordType.DEAL, deal_id, {"primary_contact_id": contact_id})

    # -- helpers ---------------------------------------------------------------------------

    def _row(self: "Store", table: str, row_id: str) -> dict[str, Any]:
        row = self.conn.execute(f"SELECT * FROM {table} WHERE id = ?", (row_id,)).fetchone()
        if row is None:
            raise NotFound(f"no {table} row with id {row_id}")
        return row_to_dict(row)

    def _record_row(self: "Store", record_type: RecordType, record_id: str) -> dict[str, Any]:
        return self._row(RecordType(record_type).table, record_id)

    def custom_field_defs(self: "Store", record_type: RecordType) -> list[CustomField]:
        with self.lock:
            rows = self.conn.execute(
                "SELECT * FROM custom_fields WHERE record_type = ? ORDER BY position, name",
                (RecordType(record_type).value,),
            ).fetchall()
        return [CustomField.model_validate(row_to_dict(r)) for r in rows]

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
                    raise InvalidInput(key, f"no custom field with key {key!r} on {RecordType(record_type).value}s")
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


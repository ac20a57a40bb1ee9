"""Running the workspace (admins): boards, their stages, and custom field definitions.

Each change is one write action through the one write path (so it reaches the outbox), refused
for anyone below admin exactly as the server's policies would (`permissions.py`), and checked
first with the rule a value breaks named:

- boards: create (for contacts, companies or deals), rename (names unique, without case),
  archive and unarchive; stage names are unique on their board;
- stages: add, rename, reorder, set type (open / won / lost) and probability (0–100); delete
  only an empty stage, or after its cards (and deals) are moved to a stage the person chose —
  each card's move is logged on its record as any stage change is;
- custom fields: create with any of the nine types and a config that makes sense
  (models/custom_field_config.py), rename the label (the key never changes: values are stored
  under it), reorder, toggle searchable (every record of that type is reindexed in the same
  transaction), delete (the screen first says how many records hold a value; the values stay in
  the records' JSON, as the web app's own), and change the type or config — refused, with the
  count and a few examples, when records hold values the new definition would not accept. A
  select losing options records hold moves those values to an option the person chose, or
  clears them, in the same transaction (`reassign`).
"""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from ..models import Board, BoardStage, CustomField, CustomFieldError, RecordType, StageType
from ..models.custom_field_config import config_problem, key_problem
from ..models.enums import CustomFieldType
from ..models.stored import read_stored
from . import search_docs
from .actions import returns_arg, write_action
from .errors import InvalidInput, first_validation_error
from .permissions import Action
from .rows import row_to_dict, rows_to_models

if TYPE_CHECKING:
    from .store import Store

EXAMPLES = 3  # how many records a refusal names


def _name(value: str, what: str, label: str = "Name") -> str:
    name = (value or "").strip()
    if not name:
        raise InvalidInput(label, f"a {what} needs a {label.lower()}")
    if len(name) > 200:
        raise InvalidInput(label, f"a {what}'s {label.lower()} is at most 200 characters")
    return name


def parse_probability(value: Any) -> Decimal | None:
    """A stage's probability: empty for none, else a number 0–100 (named rule when not)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = Decimal(str(value).strip().rstrip("%").strip())
    except InvalidOperation:
        raise InvalidInput("Probability", f"{value!r} is not a number (0–100, or empty for none)") from None
    if not number.is_finite() or not 0 <= number <= 100:
        raise InvalidInput("Probability", f"{value} is outside 0–100")
    return number


def _unique(tx, sql: str, args: tuple, name: str, what: str, where: str = "", label: str = "Name") -> None:
    """Refuse a name another row (found by `sql`, compared without case) already has."""
    for (other,) in tx.conn.execute(sql, args).fetchall():
        if other.strip().casefold() == name.strip().casefold():
            raise InvalidInput(label, f"there is already a {what} called {other!r}{where}")


class AdminMutations:
    """Mixed into :class:`Store`; `self` is the store."""

    # -- boards ----------------------------------------------------------------------------

    @write_action("the new board")
    def create_board(self: "Store", name: str, record_type: RecordType, stages: list[str] | tuple[str, ...] = ()) -> Board:
        self._require(Action.EDIT_BOARDS)
        name = _name(name, "board")
        try:
            record_type = RecordType(record_type)
        except ValueError:
            raise InvalidInput("Record type", "a board holds contacts, companies or deals") from None
        with self.transaction() as tx:
            _unique(tx, "SELECT name FROM boards", (), name, "board")
            seen: set[str] = set()
            for stage in stages:
                if _name(stage, "stage").casefold() in seen:
                    raise InvalidInput("Stages", f"{stage.strip()!r} is there twice (stage names differ on a board)")
                seen.add(_name(stage, "stage").casefold())
            board = Board(workspace_id=tx.workspace_id, name=name, record_type=record_type, created_by=tx.user_id)
            tx.insert(board)
            for position, stage in enumerate(stages):
                tx.insert(BoardStage(board_id=board.id, name=_name(stage, "stage"), position=position,
                                     workspace_id=tx.workspace_id))
        return board

    @write_action("the board name")
    def rename_board(self: "Store", board_id: str, name: str) -> None:
        self._require(Action.EDIT_BOARDS)
        name = _name(name, "board")
        with self.transaction() as tx:
            _unique(tx, "SELECT name FROM boards WHERE id != ?", (board_id,), name, "board")
            tx.update("boards", board_id, {"name": name})

    @write_action("the board archive")
    def set_board_archived(self: "Store", board_id: str, archived: bool) -> None:
        self._require(Action.EDIT_BOARDS)
        with self.transaction() as tx:
            tx.update("boards", board_id, {"is_archived": bool(archived)})

    def all_boards(self: "Store") -> list[Board]:
        """Every board, archived ones included (the admin screen lists them)."""
        with self.reading() as conn:
            rows = conn.execute("SELECT * FROM boards ORDER BY is_archived, created_at, name").fetchall()
        return rows_to_models(Board, rows)

    # -- stages ----------------------------------------------------------------------------

    @write_action("the new stage")
    def add_stage(self: "Store", board_id: str, name: str, stage_type: StageType = StageType.OPEN,
                  probability: Any = None) -> BoardStage:
        self._require(Action.EDIT_BOARDS)
        name = _name(name, "stage")
        chance = parse_probability(probability)
        with self.transaction() as tx:
            tx.fetch("boards", board_id)
            _unique(tx, "SELECT name FROM board_stages WHERE board_id = ?", (board_id,), name, "stage", " on this board")
            last = tx.conn.execute("SELECT max(position) FROM board_stages WHERE board_id = ?", (board_id,)).fetchone()[0]
            stage = BoardStage(board_id=board_id, name=name, position=0 if last is None else last + 1,
                               stage_type=StageType(stage_type), probability=chance, workspace_id=tx.workspace_id)
            tx.insert(stage)
        return stage

    @write_action("the stage change")
    def update_stage(self: "Store", stage_id: str, *, name: str | None = None, stage_type: StageType | None = None,
                     probability: Any = "unchanged") -> None:
        """Rename, retype or set the probability of a stage (only what is given changes)."""
        self._require(Action.EDIT_BOARDS)
        patch: dict[str, Any] = {}
        if name is not None:
            patch["name"] = _name(name, "stage")
        if stage_type is not None:
            try:
                patch["stage_type"] = StageType(stage_type)
            except ValueError:
                raise InvalidInput("Type", "a stage is open, won or lost") from None
        if probability != "unchanged":
            patch["probability"] = parse_probability(probability)
        with self.transaction() as tx:
            if "name" in patch:
                board_id = tx.fetch("board_stages", stage_id)["board_id"]
                _unique(tx, "SELECT name FROM board_stages WHERE board_id = ? AND id != ?", (board_id, stage_id),
                        patch["name"], "stage", " on this board")
            tx.update("board_stages", stage_id, patch)

    @write_action("the stage order", deferred=lambda store, a, k: (True, a, k))
    def move_stage_position(self: "Store", stage_id: str, offset: int) -> bool:
        """Swap a stage with its neighbour left (-1) or right (+1); False at an end."""
        self._require(Action.EDIT_BOARDS)
        with self.transaction() as tx:
            stage = tx.fetch("board_stages", stage_id)
            stages = [row_to_dict(r) for r in tx.conn.execute(
                "SELECT * FROM board_stages WHERE board_id = ? ORDER BY position, name", (stage["board_id"],))]
            index = next(i for i, s in enumerate(stages) if s["id"] == stage_id)
            other = index + (1 if offset > 0 else -1)
            if not 0 <= other < len(stages):
                return False
            stages[index], stages[other] = stages[other], stages[index]
            for position, row in enumerate(stages):  # renumber: equal positions become explicit
                tx.update("board_stages", row["id"], {"position": position})
            return True

    def stage_card_count(self: "Store", stage_id: str) -> int:
        with self.reading() as conn:
            return conn.execute("SELECT count(*) FROM board_cards WHERE stage_id = ?", (stage_id,)).fetchone()[0]

    @write_action("the stage delete")
    def delete_stage(self: "Store", stage_id: str, *, move_to: str | None = None) -> int:
        """Delete a stage; its cards (and deals) move to `move_to` first. A stage that holds cards
        is refused without one. Returns how many cards moved."""
        self._require(Action.EDIT_BOARDS)
        with self.transaction() as tx:
            stage = tx.fetch("board_stages", stage_id)
            cards = [row_to_dict(r) for r in tx.conn.execute(
                "SELECT * FROM board_cards WHERE stage_id = ? ORDER BY position, id", (stage_id,))]
            if cards and move_to is None:
                raise InvalidInput("Stage", f"{stage['name']} holds {len(cards)} card{'s' if len(cards) != 1 else ''}: "
                                   "choose a stage to move them to first")
            if move_to is not None:
                if move_to == stage_id:
                    raise InvalidInput("Move to", "choose another stage than the one being deleted")
                target = self._stage(tx, move_to)
                if target["board_id"] != stage["board_id"]:
                    raise InvalidInput("Move to", f"{target['name']} is a stage of another board")
                for card in reversed(cards):  # each lands on top: reversed keeps their order
                    self._move(tx, card, move_to, None)
            for (deal_id,) in tx.conn.execute("SELECT id FROM deals WHERE stage_id = ?", (stage_id,)).fetchall():
                tx.update("deals", deal_id, {"stage_id": move_to})
            tx.delete("board_stages", stage_id)
        return len(cards)

    # -- custom fields ---------------------------------------------------------------------

    def _field(self: "Store", tx, field_id: str) -> CustomField:
        return read_stored(CustomField, tx.fetch("custom_fields", field_id))

    @write_action("the new custom field", deferred=returns_arg(0, "definition"))
    def create_custom_field(self: "Store", definition: CustomField) -> CustomField:
        self._require(Action.EDIT_CUSTOM_FIELDS)
        definition.name = _name(definition.name, "field", "Label")
        problem = key_problem(definition.key)
        if problem:
            raise InvalidInput("Key", problem)
        problem = config_problem(definition.type, definition.config)
        if problem:
            raise InvalidInput("Config", problem)
        with self.transaction() as tx:
            _unique(tx, "SELECT name FROM custom_fields WHERE record_type = ?", (definition.record_type.value,),
                    definition.name, "field", f" on {definition.record_type.value}s", label="Label")
            taken = tx.conn.execute("SELECT name FROM custom_fields WHERE record_type = ? AND key = ?",
                                    (definition.record_type.value, definition.key)).fetchone()
            if taken:
                raise InvalidInput("Key", f"{definition.key!r} is already the key of {taken[0]!r} on "
                                   f"{definition.record_type.value}s")
            last = tx.conn.execute("SELECT max(position) FROM custom_fields WHERE record_type = ?",
                                   (definition.record_type.value,)).fetchone()[0]
            definition.position = 0 if last is None else last + 1
            definition.workspace_id = tx.workspace_id
            tx.insert(definition)
            if definition.searchable:
                self._reindex_type(tx, definition.record_type)
        return definition

    @write_action("the field label")
    def rename_custom_field(self: "Store", field_id: str, name: str) -> None:
        """The label only: the key (under which records store values) never changes."""
        self._require(Action.EDIT_CUSTOM_FIELDS)
        name = _name(name, "field", "Label")
        with self.transaction() as tx:
            record_type = self._field(tx, field_id).record_type.value
            _unique(tx, "SELECT name FROM custom_fields WHERE record_type = ? AND id != ?", (record_type, field_id),
                    name, "field", f" on {record_type}s", label="Label")
            tx.update("custom_fields", field_id, {"name": name})

    @write_action("the field order", deferred=lambda store, a, k: (True, a, k))
    def move_custom_field(self: "Store", field_id: str, offset: int) -> bool:
        self._require(Action.EDIT_CUSTOM_FIELDS)
        with self.transaction() as tx:
            field = tx.fetch("custom_fields", field_id)
            rows = [row_to_dict(r) for r in tx.conn.execute(
                "SELECT id FROM custom_fields WHERE record_type = ? ORDER BY position, name", (field["record_type"],))]
            index = next(i for i, r in enumerate(rows) if r["id"] == field_id)
            other = index + (1 if offset > 0 else -1)
            if not 0 <= other < len(rows):
                return False
            rows[index], rows[other] = rows[other], rows[index]
            for position, row in enumerate(rows):
                tx.update("custom_fields", row["id"], {"position": position})
            return True

    @write_action("the searchable switch")
    def set_custom_field_searchable(self: "Store", field_id: str, searchable: bool) -> None:
        """Search reindexes every record of the field's type in the same transaction."""
        self._require(Action.EDIT_CUSTOM_FIELDS)
        with self.transaction() as tx:
            field = self._field(tx, field_id)
            if tx.update("custom_fields", field_id, {"searchable": bool(searchable)}):
                self._reindex_type(tx, field.record_type)

    def _reindex_type(self: "Store", tx, record_type: RecordType) -> None:
        keys = [r[0] for r in tx.conn.execute(
            "SELECT key FROM custom_fields WHERE record_type = ? AND searchable = 1 ORDER BY position",
            (record_type.value,))]
        self.forget_searchable_fields()
        for (record_id,) in tx.conn.execute(f"SELECT id FROM {record_type.table} WHERE deleted_at IS NULL").fetchall():
            search_docs.index_record(tx.conn, record_type.value, record_id, keys)

    def custom_field_usage(self: "Store", field_id: str) -> tuple[int, list[str]]:
        """How many live records hold a value for the field, and the names of a few."""
        with self.reading() as conn:
            row = conn.execute("SELECT record_type, key FROM custom_fields WHERE id = ?", (field_id,)).fetchone()
            if row is None:
                return 0, []
            table = RecordType(row[0]).table
            path = f'$."{row[1]}"'
            where = ("deleted_at IS NULL AND json_extract(custom_fields, ?) IS NOT NULL "
                     "AND json_type(custom_fields, ?) != 'null'")
            count = conn.execute(f"SELECT count(*) FROM {table} WHERE {where}", (path, path)).fetchone()[0]
            names = [r[0] for r in conn.execute(f"SELECT name FROM {table} WHERE {where} ORDER BY name LIMIT ?",
                                                (path, path, EXAMPLES))]
        return count, names

    def custom_field_option_usage(self: "Store", field_id: str) -> dict[str, tuple[int, list[str]]]:
        """For a select or multi-select field: each option value live records hold, with how many
        hold it and the names of a few (the options editor refuses removing a held option)."""
        usage: dict[str, tuple[int, list[str]]] = {}
        with self.reading() as conn:
            row = conn.execute("SELECT record_type, key FROM custom_fields WHERE id = ?", (field_id,)).fetchone()
            if row is None:
                return usage
            path = f'$."{row[1]}"'
            rows = conn.execute(
                f"SELECT name, json_extract(custom_fields, ?), json_type(custom_fields, ?) "
                f"FROM {RecordType(row[0]).table} "
                "WHERE deleted_at IS NULL AND json_extract(custom_fields, ?) IS NOT NULL ORDER BY name",
                (path, path, path)).fetchall()
        for name, raw, kind in rows:
            value = json.loads(raw) if kind == "array" else raw
            for held in value if isinstance(value, list) else [value]:
                count, names = usage.get(str(held), (0, []))
                usage[str(held)] = (count + 1, names + [name] if len(names) < EXAMPLES else names)
        return usage

    @write_action("the custom field delete")
    def delete_custom_field(self: "Store", field_id: str) -> int:
        """Delete the definition; returns how many records held a value (kept in their JSON)."""
        self._require(Action.EDIT_CUSTOM_FIELDS)
        count, _ = self.custom_field_usage(field_id)
        with self.transaction() as tx:
            field = self._field(tx, field_id)
            tx.delete("custom_fields", field_id)
            if field.searchable:
                self._reindex_type(tx, field.record_type)
        return count

    @write_action("the custom field change")
    def change_custom_field(self: "Store", field_id: str, *, type: CustomFieldType | str | None = None,
                            config: dict[str, Any] | None = None,
                            reassign: dict[str, str | None] | None = None) -> int:
        """Change a field's type and/or config; refused (count and examples) when stored values
        would no longer be valid. `reassign` (a select or multi-select losing options): each
        removed value → the option records holding it get instead, or None to clear it; each
        such record is rewritten in the same transaction (one undo step, audited, in the
        outbox, logged on its timeline). Returns how many records were rewritten."""
        self._require(Action.EDIT_CUSTOM_FIELDS)
        with self.transaction() as tx:
            field = self._field(tx, field_id)
            new_type = CustomFieldType(type) if type is not None else field.type
            new_config = config if config is not None else field.config
            problem = config_problem(new_type, new_config)
            if problem:
                raise InvalidInput("Config", problem)
            try:
                candidate = field.model_copy(update={"type": new_type, "config": new_config})
                candidate = CustomField.model_validate(candidate.model_dump())
            except ValidationError as exc:
                raise first_validation_error(exc) from None
            moves = _checked_reassign(candidate, reassign or {})
            bad: list[tuple[str, str]] = []
            count = 0
            rewrites: list[tuple[str, dict[str, Any], dict[str, Any]]] = []
            table = field.record_type.table
            for record_id, name, custom in tx.conn.execute(
                f"SELECT id, name, custom_fields FROM {table} WHERE deleted_at IS NULL ORDER BY name"
            ).fetchall():
                values = json.loads(custom or "{}") or {}
                value = values.get(field.key)
                if value is None:
                    continue
                if moves:
                    moved = _reassigned(value, moves)
                    if moved != value:
                        after = {k: v for k, v in values.items() if k != field.key}
                        if moved is not None:
                            after[field.key] = moved
                        rewrites.append((record_id, values, after))
                        value = moved
                        if value is None:
                            if candidate.required:
                                count += 1
                                if len(bad) < EXAMPLES:
                                    bad.append((name, "a value is required (move it to an option instead)"))
                            continue
                try:
                    candidate.validate_value(value)
                except CustomFieldError as exc:
                    count += 1
                    if len(bad) < EXAMPLES:
                        bad.append((name, exc.rule))
            if count:
                examples = "; ".join(f"{name}: {rule}" for name, rule in bad)
                what = "type" if new_type != field.type else "options and rules"
                raise InvalidInput(
                    "Type" if new_type != field.type else "Config",
                    f"{count} record{'s' if count != 1 else ''} hold{'s' if count == 1 else ''} values the new "
                    f"{what} would not accept (e.g. {examples}); nothing was changed")
            tx.update("custom_fields", field_id, {"type": new_type, "config": new_config})
            for record_id, before, after in rewrites:
                tx.update(table, record_id, {"custom_fields": after})
                self._log_custom_edits(tx, field.record_type, record_id, before, after)
        return len(rewrites)


def _checked_reassign(field: CustomField, reassign: dict[str, str | None]) -> dict[str, str | None]:
    """The moves of removed options' values, checked against the field as it will be: only a
    select or multi-select, only values that are no longer options, only onto options."""
    if not reassign:
        return {}
    if field.type not in (CustomFieldType.SELECT, CustomFieldType.MULTI_SELECT):
        raise InvalidInput("Options", f"a {field.type.value} field has no options to move values between")
    allowed = [value for value, _ in field.options()]
    for old, new in reassign.items():
        if old in allowed:
            raise InvalidInput("Options", f"{old!r} is still an option: only a removed option's values move")
        if new is not None and new not in allowed:
            raise InvalidInput("Options", f"{old!r} cannot move to {new!r}: it is not an option")
    return dict(reassign)


def _reassigned(value: Any, moves: dict[str, str | None]) -> Any:
    """A stored value after the moves: a select's value replaced (None: cleared); a multi-select's
    list with each removed value replaced or dropped, nothing twice (None when nothing is left)."""
    if isinstance(value, list):
        result: list[Any] = []
        for item in value:
            key = item if isinstance(item, str) else str(item)
            item = moves[key] if key in moves else item
            if item is not None and item not in result:
                result.append(item)
        return result if result else None
    key = value if isinstance(value, str) else str(value)
    return moves[key] if key in moves else value

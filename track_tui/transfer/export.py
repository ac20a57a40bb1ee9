"""What `track export` writes: the records of one kind as a :class:`~.table.Table`.

Every column a person reads, by name, never by id: company, owner, stage, primary contact,
parent company, the task's record. Each custom field is its own column headed by its label.
Read in a few set-based queries (one for the rows, one per kind of name a link points at), so a
workspace of 100,000 deals exports in seconds.

A board (and a board filter, the board screen's `/` syntax, read by the same query code the board
uses) narrows the rows to that board's cards, in board order: stage by stage, top to bottom.
Without a board every live record of the kind is exported, by name.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Iterable

from ..models import Board, CustomField, RecordType
from ..models.views import CardFilter
from .cells import custom_cell, list_cell, money_cell
from .kinds import KINDS
from .table import Table

if TYPE_CHECKING:
    from ..store import Store


class ExportProblem(ValueError):
    """An export that cannot be made as asked (a board that is not there, a bad filter)."""


# (header, SQL expression on r and the joins below, how the cell is made)
_COLUMNS: dict[RecordType, list[tuple[str, str, str]]] = {
    RecordType.DEAL: [
        ("Name", "r.name", "text"), ("Value", "r.value_cents", "money"), ("Currency", "r.currency", "text"),
        ("Board", "sb.name", "text"), ("Stage", "st.name", "text"), ("Close date", "r.close_date", "text"),
        ("Probability", "r.probability", "number"), ("Company", "co.name", "text"),
        ("Primary contact", "pc.name", "text"), ("Owner", "p.full_name", "text"), ("Tags", "r.tags", "list"),
    ],
    RecordType.CONTACT: [
        ("Name", "r.name", "text"), ("Email", "r.email", "text"), ("Phone", "r.phone", "text"),
        ("Title", "r.title", "text"), ("Company", "co.name", "text"), ("Owner", "p.full_name", "text"),
        ("Tags", "r.tags", "list"),
    ],
    RecordType.COMPANY: [
        ("Name", "r.name", "text"), ("Domain", "r.domain", "text"), ("Industry", "r.industry", "text"),
        ("Size", "r.size", "text"), ("Parent company", "pa.name", "text"), ("Owner", "p.full_name", "text"),
        ("Tags", "r.tags", "list"),
    ],
}
_JOINS: dict[RecordType, str] = {
    RecordType.DEAL: """LEFT JOIN board_stages st ON st.id = r.stage_id LEFT JOIN boards sb ON sb.id = st.board_id
        LEFT JOIN companies co ON co.id = r.company_id LEFT JOIN contacts pc ON pc.id = r.primary_contact_id
        LEFT JOIN profiles p ON p.id = r.owner_id""",
    RecordType.CONTACT: "LEFT JOIN companies co ON co.id = r.company_id LEFT JOIN profiles p ON p.id = r.owner_id",
    RecordType.COMPANY: "LEFT JOIN companies pa ON pa.id = r.parent_id LEFT JOIN profiles p ON p.id = r.owner_id",
}
_TASK_COLUMNS = ["Title", "Description", "Status", "Due date", "Assignee", "Record type", "Record", "Created"]


def find_board(store: "Store", name: str, record_type: RecordType | None = None) -> Board:
    """A board by name (any case; a unique prefix will do)."""
    boards = [b for b in store.boards() if record_type is None or b.record_type == record_type]
    wanted = name.strip().casefold()
    exact = [b for b in boards if b.name.casefold() == wanted]
    matches = exact or [b for b in boards if b.name.casefold().startswith(wanted)]
    if len(matches) == 1:
        return matches[0]
    names = ", ".join(b.name for b in boards) or "none"
    if not matches:
        raise ExportProblem(f"no board named {name!r}; the boards: {names}")
    raise ExportProblem(f"{name!r} names several boards ({', '.join(b.name for b in matches)}); give the whole name")


def default_board(store: "Store", record_type: RecordType) -> Board | None:
    return next((b for b in store.boards() if b.record_type == record_type), None)


def export_table(
    store: "Store", kind: str, *, board: str | Board | None = None, filter_text: str | None = None,
) -> Table:
    """The records of `kind` (one of :data:`KINDS`) as a table; see the module's docs."""
    if kind not in KINDS:
        raise ExportProblem(f"cannot export {kind!r}; choose one of {', '.join(KINDS)}")
    if kind == "tasks":
        if board is not None or filter_text:
            raise ExportProblem("tasks are not on a board: --board and --filter apply to deals, contacts and companies")
        return _tasks(store)
    record_type = {"deals": RecordType.DEAL, "contacts": RecordType.CONTACT, "companies": RecordType.COMPANY}[kind]
    flt = CardFilter()
    if filter_text:
        try:
            flt = CardFilter.parse(filter_text)
        except ValueError as exc:
            raise ExportProblem(f"the filter: {exc}") from None
    chosen: Board | None
    if isinstance(board, Board):
        chosen = board
    elif board is not None:
        chosen = find_board(store, board, record_type)
    elif filter_text:  # a filter is a board's filter: the kind's first board
        chosen = default_board(store, record_type)
        if chosen is None:
            raise ExportProblem(f"a filter needs a board, and there is no board of {kind}")
    else:
        chosen = None
    if chosen is not None:
        if chosen.record_type != record_type:
            raise ExportProblem(f"{chosen.name} holds {chosen.record_type.value}s, not {kind}")
        problems = store.filter_problems(chosen, flt)
        if problems:
            raise ExportProblem("; ".join(problems))
    return records_table(store, record_type, chosen, flt)


def records_table(store: "Store", record_type: RecordType, board: Board | None, flt: CardFilter = CardFilter(),
                  card_ids: Iterable[str] | None = None) -> Table:
    """Records as a table: a board's cards under a filter (board order), given cards (their
    order), or every live record of the type (by name)."""
    columns = _COLUMNS[record_type]
    defs = store.custom_field_defs(record_type)
    select = ", ".join(expr for _, expr, _ in columns)
    table = record_type.table
    params: list[Any] = []
    if card_ids is not None:
        ids = list(card_ids)
        sql = f"""SELECT {select}, r.custom_fields, r.created_at FROM json_each(?) k
            JOIN board_cards c ON c.id = k.value JOIN {table} r ON r.id = c.record_id {_JOINS[record_type]}
            ORDER BY k.key"""
        params = [json.dumps(ids)]
    elif board is not None:
        where, params = store._filter_sql(record_type, flt)
        sql = f"""SELECT {select}, r.custom_fields, r.created_at FROM board_cards c
            JOIN {table} r ON r.id = c.record_id JOIN board_stages cs ON cs.id = c.stage_id {_JOINS[record_type]}
            WHERE c.board_id = ? AND {where} ORDER BY cs.position, c.position, c.id"""
        params = [board.id, *params]
    else:
        sql = f"""SELECT {select}, r.custom_fields, r.created_at FROM {table} r {_JOINS[record_type]}
            WHERE r.deleted_at IS NULL ORDER BY r.name COLLATE NOCASE, r.created_at, r.id"""
    with store.reading() as conn:
        rows = conn.execute(sql, params).fetchall()
    customs = [_object(row[len(columns)]) for row in rows]
    link_names = _link_names(store, defs, customs)
    result = Table(headers=[h for h, _, _ in columns] + [d.name for d in defs] + ["Created"])
    for row, custom in zip(rows, customs):
        cells = []
        for index, (_, _, how) in enumerate(columns):
            value = row[index]
            if how == "money":
                cells.append(money_cell(value, row[index + 1]))
            elif how == "list":
                cells.append(list_cell(_json(value, [])))
            elif how == "number":
                cells.append("" if value is None else f"{value:g}")
            else:
                cells.append("" if value is None else str(value))
        cells.extend(custom_cell(d, custom.get(d.key), link_names) for d in defs)
        cells.append(str(row[len(columns) + 1] or ""))
        result.rows.append(cells)
    return result


def _tasks(store: "Store") -> Table:
    with store.reading() as conn:
        rows = conn.execute(
            """SELECT t.title, t.description, t.status, t.due_date, p.full_name, t.record_type,
                coalesce(d.name, c.name, co.name), t.created_at
            FROM tasks t LEFT JOIN profiles p ON p.id = t.assigned_to
            LEFT JOIN deals d ON t.record_type = 'deal' AND d.id = t.record_id
            LEFT JOIN contacts c ON t.record_type = 'contact' AND c.id = t.record_id
            LEFT JOIN companies co ON t.record_type = 'company' AND co.id = t.record_id
            ORDER BY t.status = 'done', t.due_date IS NULL, t.due_date, t.created_at, t.id"""
        ).fetchall()
    return Table(headers=list(_TASK_COLUMNS), rows=[["" if v is None else str(v) for v in row] for row in rows])


def _link_names(store: "Store", defs: list[CustomField], customs: list[dict[str, Any]]) -> dict[str, str]:
    """Names of every record a link field of these rows points at (one query per table)."""
    wanted: dict[str, set[str]] = {}
    link_keys = [d.key for d in defs if d.type.value == "link"]
    for custom in customs:
        for key in link_keys:
            value = custom.get(key)
            if isinstance(value, dict) and value.get("type") in ("contact", "company", "deal") and value.get("id"):
                wanted.setdefault(str(value["type"]), set()).add(str(value["id"]))
    names: dict[str, str] = {}
    with store.reading() as conn:
        for kind, ids in wanted.items():
            found = conn.execute(
                f"SELECT r.id, r.name FROM json_each(?) k JOIN {RecordType(kind).table} r ON r.id = k.value",
                (json.dumps(sorted(ids)),),
            ).fetchall()
            names.update({row[0]: row[1] for row in found})
    return names


def _json(value: Any, default: Any) -> Any:
    if value is None:
        return default
    try:
        return json.loads(value)
    except (TypeError, ValueError):
        return default


def _object(value: Any) -> dict[str, Any]:
    decoded = _json(value, {})
    return decoded if isinstance(decoded, dict) else {}

"""Planning an import: every row of a file read into a record and checked, before any write.

:func:`plan_import` reads nothing but the store and the file. Each row becomes a validated model
— built by the same pydantic models and custom-field parsers the editors use — or a
:class:`RowProblem` with its line number and the reason. Names become ids here: the owner by
name or email, the company by name (a company no one has yet is created with the import), the
stage by name on the board, the primary contact by name or email, links by the linked record's
name (also a record of the same file).

Duplicates — a contact's email, a company's domain, a deal's name together with its company —
are found against the workspace and within the file. One already in the workspace is skipped
and reported, or with `update` becomes an update of the stored record (the file's non-empty
cells only: an empty cell leaves a stored value alone). A second row for the same record in one
file is a problem row.

:func:`apply_import` writes the plan through the store's one write path (outbox, search, undo)
in one transaction: nothing when any row is bad, unless `skip_invalid`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, Callable

from pydantic import ValidationError

from ..models import RECORD_MODELS, Board, BoardStage, Company, CustomFieldError, Record, RecordType, new_id
from ..models.dates import parse_human_date
from ..models.enums import StageType
from ..models.money import exponent
from ..models.problems import first_problem
from ..store.checks import text_problem
from . import mapping as mapping_module
from .cells import custom_from_cell, folded, option_lookup, read_amount, split_list
from .csv_file import CsvData
from .export import default_board, find_board
from .kinds import IMPORTABLE

if TYPE_CHECKING:
    from ..store import Store

Progress = Callable[[int], None]
DEFAULT_CURRENCY = "USD"


class ImportProblem(ValueError):
    """An import that cannot start (no board for deals, a bad mapping): nothing was read in."""


@dataclass
class RowProblem:
    line: int
    reason: str


@dataclass
class Duplicate:
    line: int
    record_id: str
    what: str  # "email ada@example.com"


@dataclass
class PlannedUpdate:
    line: int
    record_id: str
    fields: dict[str, Any]
    custom: dict[str, Any]


@dataclass
class ImportPlan:
    record_type: RecordType
    data: CsvData
    mapping: mapping_module.Mapping
    board: Board | None = None
    creates: list[Record] = field(default_factory=list)
    create_lines: dict[str, int] = field(default_factory=dict)  # record id → line
    new_companies: list[Company] = field(default_factory=list)
    updates: list[PlannedUpdate] = field(default_factory=list)
    duplicates: list[Duplicate] = field(default_factory=list)  # skipped (without update)
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return len(self.data.records)


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    companies_created: int = 0
    written: bool = False


class _Lookups:
    """Everything the rows are resolved against, read once."""

    def __init__(self, store: "Store", record_type: RecordType) -> None:
        self.people: dict[str, str] = {}
        for pid, profile in store.profiles().items():
            for text in (profile.full_name, profile.email):
                if text:
                    self.people.setdefault(folded(text), pid)
        self.names: dict[str, dict[str, str]] = {"contact": {}, "company": {}, "deal": {}}
        self.contact_emails: dict[str, str] = {}
        self.company_domains: dict[str, str] = {}
        self.bare_companies: dict[str, str] = {}  # folded name → a stored company without a domain
        self.deal_keys: dict[tuple[str, str], str] = {}
        with store.reading() as conn:
            for kind in ("contact", "company", "deal"):
                table = RecordType(kind).table
                extra = {"contact": "email", "company": "domain", "deal": "company_id"}[kind]
                for rid, name, other in conn.execute(
                    f"SELECT id, name, {extra} FROM {table} WHERE deleted_at IS NULL ORDER BY created_at, id"
                ):
                    self.names[kind].setdefault(folded(name or ""), rid)
                    if kind == "contact" and other:
                        self.contact_emails.setdefault(other.lower(), rid)
                    elif kind == "company" and other:
                        self.company_domains.setdefault(other.lower(), rid)
                    elif kind == "company":
                        self.bare_companies.setdefault(folded(name or ""), rid)
                    elif kind == "deal":
                        self.deal_keys.setdefault((folded(name or ""), other or ""), rid)
        self.boards = {folded(b.name): b for b in store.boards() if b.record_type == record_type}
        self.stages: dict[str, list[BoardStage]] = {b.id: store.stages(b.id) for b in self.boards.values()}
        self.stage_names = {bid: {folded(s.name): s for s in stages} for bid, stages in self.stages.items()}
        self.file_names: dict[str, str] = {}  # folded name → id of a record of this file


def plan_import(
    store: "Store", kind: str, data: CsvData, *, overrides: dict[str, tuple[str, str]] | None = None,
    update: bool = False, board: str | None = None, progress: Progress | None = None,
) -> ImportPlan:
    """Read every row of `data` as a `kind` record (see the module's docs). Writes nothing."""
    if kind not in IMPORTABLE:
        raise ImportProblem(f"cannot import {kind!r}; choose one of {', '.join(IMPORTABLE)}")
    record_type = IMPORTABLE[kind]
    defs = store.custom_field_defs(record_type)
    try:
        mapping = mapping_module.build(record_type, data.headers, defs, overrides)
    except mapping_module.MappingProblem as exc:
        raise ImportProblem(str(exc)) from None
    chosen: Board | None = None
    if record_type == RecordType.DEAL:
        try:
            chosen = find_board(store, board, RecordType.DEAL) if board else default_board(store, RecordType.DEAL)
        except ValueError as exc:
            raise ImportProblem(str(exc)) from None
        if chosen is None:
            raise ImportProblem("deals go on a board, and this workspace has no deal board yet")
    elif board:
        raise ImportProblem("--board is for deals: contacts and companies are imported without a card")
    # A deal's board may also come from a Board column, row by row (see _deal_fields).
    plan = ImportPlan(record_type=record_type, data=data, mapping=mapping, board=chosen)
    _Planner(store, plan, defs, update, progress).run()
    return plan


class _Planner:
    def __init__(self, store: "Store", plan: ImportPlan, defs, update: bool, progress: Progress | None) -> None:
        self.store = store
        self.plan = plan
        self.kind = plan.record_type
        self.model = RECORD_MODELS[self.kind]
        self.defs = {d.key: d for d in defs}
        self.options = {d.key: option_lookup(d) for d in defs if d.type.value in ("select", "multi_select")}
        self.update = update
        self.progress = progress
        self.today = store.today()
        self.now = store.now()
        self.workspace_id = store.workspace_id
        self.look = _Lookups(store, self.kind)
        self.width = len(plan.data.headers)
        self.new_companies: dict[str, Company] = {}
        self.seen: dict[Any, int] = {}  # duplicate key → the line that had it first
        self.parents: dict[str, str] = {}  # company id → its parent's folded name (in-file parents)

    def run(self) -> None:
        plan = self.plan
        # First pass: the id every row's record will have, so rows can name each other
        # (a parent company, a link to a contact further down the file).
        ids: list[str] = []
        for record in plan.data.records:
            rid = new_id()
            ids.append(rid)
            name = self._name(self._values(record.cells)) if len(record.cells) >= self.width else ""
            if name:
                self.look.file_names.setdefault(folded(name), rid)
        used_companies: set[str] = set()
        for count, (record, rid) in enumerate(zip(plan.data.records, ids), 1):
            try:
                self._row(record.line, record.cells, rid, used_companies)
            except _Bad as bad:
                plan.problems.append(RowProblem(record.line, str(bad)))
            if self.progress is not None and count % 1000 == 0:
                self.progress(1000)
        if self.progress is not None:
            self.progress(len(plan.data.records) % 1000)
        plan.new_companies = [c for key, c in self.new_companies.items() if key in used_companies]
        if self.kind == RecordType.COMPANY:
            self._order_companies()

    # -- one row ---------------------------------------------------------------------------

    def _values(self, cells: list[str]) -> dict[str, str]:
        return {target: cells[i].strip() for i, target in self.plan.mapping.columns.items() if i < len(cells)}

    @staticmethod
    def _name(values: dict[str, str]) -> str:
        name = values.get("name", "")
        if not name:
            name = " ".join(part for part in (values.get("first_name", ""), values.get("last_name", "")) if part)
        return name

    def _row(self, line: int, cells: list[str], rid: str, used_companies: set[str]) -> None:
        if len(cells) != self.width:
            extra = cells[self.width:]
            if len(cells) < self.width or any(cell.strip() for cell in extra):
                raise _Bad(f"has {len(cells)} cells where the header has {self.width}: "
                           "a missing or extra delimiter, or an unclosed quote")
        values = self._values(cells)
        for target, text in values.items():
            problem = text_problem(text)
            if problem:
                raise _Bad(f"{self._label(target)}: {problem}")
        name = self._name(values)
        if not name:
            raise _Bad("has no name")
        fields: dict[str, Any] = {"name": name}
        given: set[str] = {"name"}
        if values.get("owner"):
            owner = self.look.people.get(folded(values["owner"]))
            if owner is None:
                raise _Bad(f"Owner: no one named {values['owner']!r} in this workspace")
            fields["owner_id"] = owner
            given.add("owner_id")
        if values.get("tags"):
            fields["tags"] = split_list(values["tags"])
            given.add("tags")
        if values.get("created_at"):
            fields["created_at"] = _timestamp(values["created_at"])
            given.add("created_at")
        else:  # the store's clock, as the write path would set it (given here, it is not set again)
            fields["created_at"] = self.now
        company_key = ""
        if self.kind == RecordType.CONTACT:
            for column in ("email", "phone", "title"):
                if values.get(column):
                    fields[column] = values[column]
                    given.add(column)
        elif self.kind == RecordType.COMPANY:
            for column in ("domain", "industry", "size"):
                if values.get(column):
                    fields[column] = values[column]
                    given.add(column)
            if values.get("parent"):
                parent_key = folded(values["parent"])
                parent = self.look.names["company"].get(parent_key)
                if parent is None:
                    parent = self.look.file_names.get(parent_key)
                    if parent is None:
                        raise _Bad(f"Parent company: no company named {values['parent']!r}, in the workspace or the file")
                    self.parents[rid] = parent
                fields["parent_id"] = parent
                given.add("parent_id")
        else:
            self._deal_fields(values, fields, given)
        if self.kind in (RecordType.CONTACT, RecordType.DEAL) and values.get("company"):
            company_key = folded(values["company"])
            company_id = self.look.names["company"].get(company_key)
            if company_id is None:
                company = self.new_companies.get(company_key)
                if company is None:
                    company = self.new_companies[company_key] = Company(
                        workspace_id=self.workspace_id, name=values["company"])
                company_id = company.id
                used_key = company_key
            else:
                used_key = None
            fields["company_id"] = company_id
            given.add("company_id")
        else:
            used_key = None
        custom = self._custom(values)
        try:
            model = self.model(id=rid, workspace_id=self.workspace_id, **fields, custom_fields=custom)
        except ValidationError as exc:
            label, reason = first_problem(exc)
            raise _Bad(f"{label}: {reason}") from None
        duplicate = self._duplicate_of(line, model)
        if duplicate is not None:
            existing, what = duplicate
            if self.update:
                patch = {name: getattr(model, name) for name in given if name != "stage_id"}
                if "stage_id" in given:
                    patch["stage_id"] = model.stage_id  # type: ignore[attr-defined]
                patch_custom = {key: model.custom_fields[key] for key in custom}
                self.plan.updates.append(PlannedUpdate(line, existing, patch, patch_custom))
            else:
                self.plan.duplicates.append(Duplicate(line, existing, what))
            if used_key:
                used_companies.add(used_key)
            return
        missing = [d.name for d in self.defs.values() if d.required and d.key not in custom]
        if missing:
            raise _Bad(f"{missing[0]}: a value is required")
        if used_key:
            used_companies.add(used_key)
        self.plan.creates.append(model)
        self.plan.create_lines[model.id] = line

    def _deal_fields(self, values: dict[str, str], fields: dict[str, Any], given: set[str]) -> None:
        currency = values.get("currency", "").upper() or DEFAULT_CURRENCY
        try:
            exponent(currency)
        except ValueError as exc:
            raise _Bad(f"Currency: {exc}") from None
        if values.get("currency"):
            fields["currency"] = currency
            given.add("currency")
        if values.get("value"):
            try:
                fields["value_cents"] = read_amount(values["value"], currency)
            except ValueError as exc:
                raise _Bad(f"Value: {exc}") from None
            fields["currency"] = currency
            given.update(("value_cents", "currency"))
        board = self.plan.board
        if values.get("board"):
            board = self.look.boards.get(folded(values["board"]))
            if board is None:
                names = ", ".join(b.name for b in self.look.boards.values())
                raise _Bad(f"Board: no deal board named {values['board']!r}; the deal boards: {names}")
        assert board is not None  # plan_import found the default board
        stages = self.look.stages.get(board.id, [])
        stage_text = values.get("stage", "")
        if stage_text:
            stage = self._stage_named(board.id, stage_text)
            if stage is None:
                names = ", ".join(s.name for s in stages)
                raise _Bad(f"Stage: {board.name} has no stage {stage_text!r}; its stages: {names}")
            given.add("stage_id")
        else:
            stage = next((s for s in stages if s.stage_type == StageType.OPEN), None) or (stages[0] if stages else None)
            if stage is None:
                raise _Bad(f"Stage: {board.name} has no stages")
        fields["stage_id"] = stage.id
        if values.get("close_date"):
            try:
                fields["close_date"] = parse_human_date(values["close_date"], self.today)
            except ValueError as exc:
                raise _Bad(f"Close date: {exc}") from None
            given.add("close_date")
        if values.get("probability"):
            try:
                fields["probability"] = Decimal(values["probability"].rstrip("%").strip().replace(",", "."))
            except InvalidOperation:
                raise _Bad(f"Probability: {values['probability']!r} is not a number from 0 to 100") from None
            given.add("probability")
        if values.get("primary_contact"):
            text = values["primary_contact"]
            contact = self.look.contact_emails.get(text.lower()) or self.look.names["contact"].get(folded(text))
            if contact is None:
                raise _Bad(f"Primary contact: no contact named {text!r} (or with that email)")
            fields["primary_contact_id"] = contact
            given.add("primary_contact_id")

    def _stage_named(self, board_id: str, text: str) -> BoardStage | None:
        """A stage by name (any case, accents); else the one stage whose name is a word of the
        cell, as other CRMs write them ("Closed Won" is Won, "Closed Lost" is Lost)."""
        names = self.look.stage_names.get(board_id, {})
        wanted = folded(text)
        if wanted in names:
            return names[wanted]
        words = set(wanted.replace("-", " ").replace("_", " ").split())
        candidates = [stage for name, stage in names.items() if name in words]
        return candidates[0] if len(candidates) == 1 else None

    def _custom(self, values: dict[str, str]) -> dict[str, Any]:
        custom: dict[str, Any] = {}
        for target, text in values.items():
            if not target.startswith(mapping_module.CUSTOM) or not text:
                continue
            definition = self.defs[target[len(mapping_module.CUSTOM):]]
            try:
                value = custom_from_cell(definition, text, self.today, self._find_link,
                                         self.options.get(definition.key))
            except CustomFieldError as exc:
                raise _Bad(str(exc)) from None
            if value is not None:
                custom[definition.key] = value
        return custom

    def _find_link(self, record_type: str, name: str) -> str | None:
        key = folded(name)
        found = self.look.names.get(record_type, {}).get(key)
        if found is None and record_type == self.kind.value:
            found = self.look.file_names.get(key)
        return found

    def _duplicate_of(self, line: int, model: Record) -> tuple[str, str] | None:
        """(the stored record's id, what matched) when `model` is one the workspace has; a
        second row of the file for the same record raises."""
        if self.kind == RecordType.CONTACT:
            email = getattr(model, "email", None)
            if not email:
                return None
            key: Any = ("email", email.lower())
            what = f"email {email}"
            existing = self.look.contact_emails.get(email.lower())
        elif self.kind == RecordType.COMPANY:
            domain = getattr(model, "domain", None)
            if domain:
                key, what = ("domain", domain.lower()), f"domain {domain}"
                existing = self.look.company_domains.get(domain.lower())
            else:
                key, what = ("company", folded(model.name)), f"name {model.name!r} (and no domain)"
                existing = None
            if existing is None:  # a company made without a domain (by a contacts import): its name
                existing = self.look.bare_companies.get(folded(model.name))
                if existing is not None and domain:
                    what = f"name {model.name!r} (stored without a domain)"
        else:
            company_id = getattr(model, "company_id", None) or ""
            key = ("deal", folded(model.name), company_id)
            what = f"name {model.name!r}" + (" at the same company" if company_id else " without a company")
            existing = self.look.deal_keys.get((folded(model.name), company_id))
        first = self.seen.get(key)
        if first is not None:
            raise _Bad(f"same {what} as line {first}")
        self.seen[key] = line
        return (existing, what) if existing else None

    def _label(self, target: str) -> str:
        return self.plan.mapping.target_label(target, self.defs)

    def _order_companies(self) -> None:
        """Parents before their children (a row's parent may come later in the file); a row
        whose in-file parent is not imported is a problem row too."""
        plan = self.plan
        pending = {c.id: c for c in plan.creates}
        ordered: list[Record] = []
        placed: set[str] = set()
        while pending:
            ready = [c for cid, c in pending.items() if self.parents.get(cid) in (None, *placed)]
            if not ready:
                break
            for company in ready:
                ordered.append(company)
                placed.add(company.id)
                del pending[company.id]
        for cid in list(pending):
            plan.problems.append(RowProblem(plan.create_lines[cid], "Parent company: its parent row is not imported "
                                            "(it is a bad row, or the parents form a loop)"))
        plan.creates = ordered
        plan.problems.sort(key=lambda p: p.line)


class _Bad(Exception):
    """One row's reason for not being imported."""


def _timestamp(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise _Bad(f"Created: {text!r} is not a date and time like 2026-11-25T09:30:00Z") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def apply_import(store: "Store", plan: ImportPlan, *, skip_invalid: bool = False,
                 progress: Progress | None = None) -> ImportResult:
    """Write the plan (one transaction through the write path); nothing when a row is bad and
    `skip_invalid` is not set."""
    if plan.problems and not skip_invalid:
        return ImportResult()
    if not plan.creates and not plan.updates:
        return ImportResult(written=False)
    store.import_records(
        plan.record_type, plan.creates, new_companies=plan.new_companies,
        updates=[(u.record_id, u.fields, u.custom) for u in plan.updates], progress=progress,
    )
    return ImportResult(created=len(plan.creates), updated=len(plan.updates),
                        companies_created=len(plan.new_companies), written=True)

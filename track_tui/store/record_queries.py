"""Queries and actions of the record pages (fields, relations, timeline).

Reads return small frozen models the page draws; the few actions here (an entry turned into a
task, a call logged, a deal contact added) build models and hand them to the one write path in
`mutations.py`, so they write rows, timeline entries and outbox entries like every other action.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Iterable

from pydantic import BaseModel, ConfigDict

from ..models import AutomationRun, BoardStage, RecordType, Task, TimelineEntry
from ..models.enums import EntryType
from ..models.automation_rules import Rule
from ..models.automation_words import action_words
from ..models.timeline import DEFAULT_CALL_DISPOSITIONS, AutomationRunEntry, RunKind
from .mutations import input_errors
from .rows import rows_to_models
from .search import SearchQuery, parse_query

if TYPE_CHECKING:
    from .store import Store


TimelineKind = EntryType | RunKind  # what the record page's timeline filter chooses among


def split_kinds(types: Iterable[TimelineKind] | None) -> tuple[frozenset[EntryType] | None, bool]:
    """A timeline filter as (the entry types it keeps — None: all of them —, whether it keeps
    automation runs). No filter keeps everything; a filter keeps runs only when it names them."""
    if types is None:
        return None, True
    chosen = frozenset(types)
    return frozenset(EntryType(t) for t in chosen if t != RunKind.AUTOMATION_RUN), RunKind.AUTOMATION_RUN in chosen


# Added to an automation run's rowid where the record's timeline orders runs among entries, so
# that at one timestamp a run sorts above every entry (rowids of a cache stay far below this).
RUN_SEQ = 10**15


class RelatedRecord(BaseModel):
    """One line of a record's relations: which group, which record, and how it relates."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    group: str  # "Company", "Contacts on this deal", "Subsidiaries", …
    record_type: RecordType
    record_id: str
    name: str
    detail: str | None = None  # a role, a stage, a title
    link_id: str | None = None  # the deal_contacts row, for deal contacts
    primary: bool = False
    deleted: bool = False


class RecordCard(BaseModel):
    """Where a record sits on a board: the card, its board and the board's stages."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    card_id: str
    board_id: str
    board_name: str
    stage_id: str
    stages: tuple[BoardStage, ...]

    @property
    def stage(self) -> BoardStage | None:
        return next((s for s in self.stages if s.id == self.stage_id), None)


class PickerItem(BaseModel):
    """A record offered by the link picker."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    record_type: RecordType
    record_id: str
    name: str
    detail: str | None = None


# What a picker shows beside a name, so that namesakes can be told apart.
_PICKER_DETAILS = {
    RecordType.CONTACT: "(SELECT name FROM companies WHERE id = r.company_id), coalesce(r.title, r.email)",
    RecordType.COMPANY: "r.domain, r.industry",
    RecordType.DEAL: "(SELECT name FROM companies WHERE id = r.company_id), NULL",
}


class RecordQueries:
    """Mixed into :class:`Store`; `self` is the store."""

    # -- relations -------------------------------------------------------------------------

    def record_relations(self: "Store", record_type: RecordType, record_id: str) -> list[RelatedRecord]:
        """Every record this one points at or is pointed at by, grouped, in reading order."""
        kind = RecordType(record_type)
        result: list[RelatedRecord] = []
        with self.reading() as conn:
            row = self._record_row(kind, record_id)
            q = conn.execute
            if kind == RecordType.DEAL:
                if row.get("company_id"):
                    result += self._related("Company", RecordType.COMPANY, q(
                        "SELECT id, name, domain AS detail, deleted_at FROM companies WHERE id = ?", (row["company_id"],)))
                primary = row.get("primary_contact_id")
                contacts = q(
                    """SELECT c.id, c.name, dc.role AS detail, dc.id AS link_id, c.deleted_at, c.title
                    FROM deal_contacts dc JOIN contacts c ON c.id = dc.contact_id
                    WHERE dc.deal_id = ? ORDER BY c.id = ? DESC, lower(c.name)""",
                    (record_id, primary),
                ).fetchall()
                listed = {r["id"] for r in contacts}
                if primary and primary not in listed:
                    result += self._related("Contacts", RecordType.CONTACT, q(
                        "SELECT id, name, title AS detail, deleted_at FROM contacts WHERE id = ?", (primary,)), primary=primary)
                result += self._related("Contacts", RecordType.CONTACT, contacts, primary=primary)
            elif kind == RecordType.COMPANY:
                if row.get("parent_id"):
                    result += self._related("Parent company", RecordType.COMPANY, q(
                        "SELECT id, name, domain AS detail, deleted_at FROM companies WHERE id = ?", (row["parent_id"],)))
                result += self._related("Subsidiaries", RecordType.COMPANY, q(
                    """SELECT id, name, domain AS detail, deleted_at FROM companies
                    WHERE parent_id = ? AND deleted_at IS NULL ORDER BY lower(name)""", (record_id,)))
                result += self._related("Contacts", RecordType.CONTACT, q(
                    """SELECT id, name, title AS detail, deleted_at FROM contacts
                    WHERE company_id = ? AND deleted_at IS NULL ORDER BY lower(name)""", (record_id,)))
                result += self._related("Deals", RecordType.DEAL, q(
                    """SELECT d.id, d.name, s.name AS detail, d.deleted_at FROM deals d
                    LEFT JOIN board_stages s ON s.id = d.stage_id
                    WHERE d.company_id = ? AND d.deleted_at IS NULL
                    ORDER BY coalesce(s.stage_type = 'open', 0) DESC, d.created_at DESC""", (record_id,)))
            else:
                if row.get("company_id"):
                    result += self._related("Company", RecordType.COMPANY, q(
                        "SELECT id, name, domain AS detail, deleted_at FROM companies WHERE id = ?", (row["company_id"],)))
                for r in q(
                    """SELECT d.id, d.name, dc.role, d.primary_contact_id = :c AS is_primary, s.name AS stage,
                        d.deleted_at
                    FROM deals d LEFT JOIN deal_contacts dc ON dc.deal_id = d.id AND dc.contact_id = :c
                    LEFT JOIN board_stages s ON s.id = d.stage_id
                    WHERE (dc.id IS NOT NULL OR d.primary_contact_id = :c) AND d.deleted_at IS NULL
                    ORDER BY coalesce(s.stage_type = 'open', 0) DESC, d.created_at DESC""", {"c": record_id},
                ).fetchall():
                    parts = [p for p in (r["role"], "primary" if r["is_primary"] else None, r["stage"]) if p]
                    result.append(RelatedRecord(
                        group="Deals", record_type=RecordType.DEAL, record_id=r["id"], name=r["name"],
                        detail=" · ".join(parts) or None, primary=bool(r["is_primary"]),
                    ))
        return result

    @staticmethod
    def _related(group: str, kind: RecordType, cursor: Any, primary: str | None = None) -> list[RelatedRecord]:
        items = []
        for r in cursor.fetchall() if hasattr(cursor, "fetchall") else cursor:
            keys = r.keys()
            items.append(RelatedRecord(
                group=group, record_type=kind, record_id=r["id"], name=r["name"],
                detail=r["detail"] or (r["title"] if "title" in keys else None) or None,
                link_id=r["link_id"] if "link_id" in keys else None,
                primary=primary is not None and r["id"] == primary,
                deleted=r["deleted_at"] is not None,
            ))
        return items

    def record_cards(self: "Store", record_id: str) -> list[RecordCard]:
        """The boards a record is on, with each board's stages (for the stage picker)."""
        with self.reading() as conn:
            rows = conn.execute(
                """SELECT c.id, c.board_id, b.name, c.stage_id FROM board_cards c
                JOIN boards b ON b.id = c.board_id WHERE c.record_id = ? AND b.is_archived = 0
                ORDER BY CASE b.record_type WHEN 'deal' THEN 0 ELSE 1 END, b.name""",
                (record_id,),
            ).fetchall()
        return [
            RecordCard(card_id=r[0], board_id=r[1], board_name=r[2], stage_id=r[3], stages=tuple(self.stages(r[1])))
            for r in rows
        ]

    def names_of(self: "Store", refs: Iterable[tuple[RecordType | str, str]]) -> dict[str, str]:
        """Names of records by id (for link values and field edits that name a record)."""
        by_type: dict[RecordType, list[str]] = {}
        for kind, record_id in refs:
            try:
                by_type.setdefault(RecordType(kind), []).append(str(record_id))
            except ValueError:
                continue
        names: dict[str, str] = {}
        with self.reading() as conn:
            for kind, ids in by_type.items():
                for start in range(0, len(ids), 500):
                    chunk = ids[start:start + 500]
                    marks = ", ".join("?" for _ in chunk)
                    for r in conn.execute(f"SELECT id, name FROM {kind.table} WHERE id IN ({marks})", chunk):
                        names[r[0]] = r[1]
        return names

    def stage_names(self: "Store") -> dict[str, str]:
        with self.reading() as conn:
            return {r[0]: r[1] for r in conn.execute("SELECT id, name FROM board_stages")}

    # -- the link picker -------------------------------------------------------------------

    def pick_records(
        self: "Store", text: str, types: Iterable[RecordType] | None = None, *, limit: int = 30,
        exclude: Iterable[str] = (),
    ) -> list[PickerItem]:
        """Live records for a picker, by type, each with what tells namesakes apart (a contact's
        company and title, a deal's company, a company's domain).

        Typed text is found as search finds it (word starts, substrings, typos: `lovelac`,
        `ada lovlace`), and contacts are also found by their company's name (`acme` lists the
        people at Acme). No text: the first records by name.
        """
        kinds = [RecordType(t) for t in (types or list(RecordType))]
        skip = set(exclude)
        text = text.strip()
        found: list[tuple[RecordType, str]] = []
        if not text:
            with self.reading() as conn:
                for kind in kinds:
                    rows = conn.execute(
                        f"SELECT id FROM {kind.table} WHERE deleted_at IS NULL ORDER BY lower(name), id LIMIT ?",
                        (limit + len(skip),),
                    ).fetchall()
                    found += [(kind, r[0]) for r in rows]
        else:
            query = parse_query(text)
            for kind in kinds:
                results = self.search(replace(query, record_type=kind), limit=limit + len(skip))
                found += [(kind, hit.record_id) for hit in results.hits]
            if RecordType.CONTACT in kinds:
                found += [(RecordType.CONTACT, i) for i in self._contacts_at_companies(query, limit + len(skip))]
        seen: set[str] = set()
        ordered = []
        for kind, record_id in found:
            if record_id not in skip and record_id not in seen:
                seen.add(record_id)
                ordered.append((kind, record_id))
        items = self._picker_items(ordered[:limit])
        if len(kinds) > 1:  # several types: names that start with the text first, else by name
            lowered = text.lower()
            items.sort(key=lambda item: (not item.name.lower().startswith(lowered), "" if text else item.name.lower()))
        return items

    def _contacts_at_companies(self: "Store", query: SearchQuery, limit: int) -> list[str]:
        """Contacts of the companies a query finds (by name, domain…), by name."""
        companies = [hit.record_id for hit in self.search(replace(query, record_type=RecordType.COMPANY), limit=5).hits]
        if not companies:
            return []
        marks = ", ".join("?" for _ in companies)
        with self.reading() as conn:
            rows = conn.execute(
                f"""SELECT id FROM contacts WHERE deleted_at IS NULL AND company_id IN ({marks})
                ORDER BY lower(name), id LIMIT ?""",
                (*companies, limit),
            ).fetchall()
        return [r[0] for r in rows]

    def _picker_items(self: "Store", found: list[tuple[RecordType, str]]) -> list[PickerItem]:
        """The picker's lines for these records, in this order."""
        by_kind: dict[RecordType, list[str]] = {}
        for kind, record_id in found:
            by_kind.setdefault(kind, []).append(record_id)
        rows: dict[str, PickerItem] = {}
        with self.reading() as conn:
            for kind, ids in by_kind.items():
                marks = ", ".join("?" for _ in ids)
                for row in conn.execute(
                    f"SELECT r.id, r.name, {_PICKER_DETAILS[kind]} FROM {kind.table} r WHERE r.id IN ({marks})", ids,
                ):
                    parts = [p for p in row[2:] if p]
                    rows[row[0]] = PickerItem(
                        record_type=kind, record_id=row[0], name=row[1], detail=" · ".join(parts) or None,
                    )
        return [rows[record_id] for _, record_id in found if record_id in rows]

    # -- the timeline ----------------------------------------------------------------------

    def timeline_count(self: "Store", record_id: str, types: Iterable[EntryType] | None = None) -> int:
        sql = "SELECT count(*) FROM timeline_entries WHERE record_id = ?"
        params: list[Any] = [record_id]
        if types is not None:
            kinds = [EntryType(t).value for t in types]
            sql += f" AND entry_type IN ({', '.join('?' for _ in kinds)})"
            params.extend(kinds)
        with self.reading() as conn:
            return conn.execute(sql, params).fetchone()[0]

    def record_timeline_count(self: "Store", record_id: str, types: Iterable[TimelineKind] | None = None) -> int:
        """What the record page's timeline holds under its filter: the entries of the chosen
        types, and the automation runs on the record when runs are chosen (or nothing is)."""
        entry_types, runs = split_kinds(types)
        count = self.timeline_count(record_id, entry_types) if entry_types != frozenset() else 0
        if runs:
            with self.reading() as conn:
                count += conn.execute("SELECT count(*) FROM automation_runs WHERE record_id = ?", (record_id,)).fetchone()[0]
        return count

    def record_timeline(
        self: "Store", record_id: str, *, types: Iterable[TimelineKind] | None = None, limit: int = 200, offset: int = 0,
    ) -> list[TimelineEntry | AutomationRunEntry]:
        """The record page's timeline, newest first: its entries of the chosen types and the
        automation runs on it when runs are chosen (no filter: everything), merged by time. A
        run shares its timestamp with the change that triggered it (one transaction, one clock
        reading) and comes above it, as it came after. A record no automation ran on reads
        exactly as `timeline` reads it."""
        entry_types, runs = split_kinds(types)
        if entry_types == frozenset() and not runs:
            return []
        with self.reading() as conn:
            if not runs or conn.execute(
                    "SELECT 1 FROM automation_runs WHERE record_id = ? LIMIT 1", (record_id,)).fetchone() is None:
                if entry_types == frozenset():
                    return []
                return self.timeline(record_id, types=entry_types, limit=limit, offset=offset)
            # Both sides come in index order and SQLite merges them (no sort of the whole
            # timeline, so a page deep in a long one costs about what the first does). At one
            # timestamp a run's sequence number is above every entry's: it comes first.
            params: dict[str, Any] = {"r": record_id, "limit": limit, "offset": offset, "above": RUN_SEQ}
            only = ""
            if entry_types is not None:
                kinds = sorted(t.value for t in entry_types)
                params.update({f"k{i}": kind for i, kind in enumerate(kinds)})
                only = f" AND entry_type IN ({', '.join(f':k{i}' for i in range(len(kinds)))})" if kinds else " AND 0"
            order = conn.execute(
                f"""SELECT 0 AS run, id, created_at AS at, rowid AS seq FROM timeline_entries WHERE record_id = :r{only}
                UNION ALL SELECT 1, id, run_at, rowid + :above FROM automation_runs WHERE record_id = :r
                ORDER BY at DESC, seq DESC LIMIT :limit OFFSET :offset""",
                params,
            ).fetchall()
            entry_ids = [row[1] for row in order if not row[0]]
            run_ids = [row[1] for row in order if row[0]]
            entries = {e.id: e for e in self._timeline_rows(conn, entry_ids)}
            runs_found = {r.id: r for r in self._run_entries(conn, run_ids)}
        found: dict[str, TimelineEntry | AutomationRunEntry] = {**entries, **runs_found}
        return [found[row[1]] for row in order if row[1] in found]

    @staticmethod
    def _timeline_rows(conn: Any, entry_ids: list[str]) -> list[TimelineEntry]:
        if not entry_ids:
            return []
        marks = ", ".join("?" for _ in entry_ids)
        return rows_to_models(TimelineEntry, conn.execute(
            f"SELECT * FROM timeline_entries WHERE id IN ({marks})", entry_ids).fetchall())

    def _run_entries(self: "Store", conn: Any, run_ids: list[str]) -> list[AutomationRunEntry]:
        """Runs as timeline entries: the rule's name and its actions in words."""
        if not run_ids:
            return []
        marks = ", ".join("?" for _ in run_ids)
        rows = conn.execute(
            f"""SELECT r.*, a.name AS automation_name, a.actions AS automation_actions
            FROM automation_runs r LEFT JOIN automations a ON a.id = r.automation_id WHERE r.id IN ({marks})""",
            run_ids,
        ).fetchall()
        runs = {run.id: run for run in rows_to_models(AutomationRun, rows)}  # a row that does not fit is skipped
        names = self.rule_names(rules=[(None, None, row["automation_actions"]) for row in rows], definitions=False)
        result = []
        for row in rows:
            run = runs.get(row["id"])
            if run is None:
                continue
            try:
                actions = json.loads(row["automation_actions"]) if row["automation_actions"] is not None else []
            except ValueError:
                actions = None
            rule = Rule.read({}, [], actions)
            did = ", then ".join(action_words(a, names) for a in rule.actions) or "nothing (the rule has no actions)"
            result.append(AutomationRunEntry(
                id=run.id, automation_id=run.automation_id, automation_name=row["automation_name"] or "a deleted automation",
                status=run.status, error=run.error, duration_ms=run.duration_ms, created_at=run.run_at, did=did,
            ))
        return result

    def runs_on_record(self: "Store", record_id: str, run_ids: Iterable[str]) -> bool:
        """Is any of these automation runs on this record? (the record page redraws its timeline)"""
        ids = list(run_ids)
        with self.reading() as conn:
            for start in range(0, len(ids), 500):
                chunk = ids[start:start + 500]
                marks = ", ".join("?" for _ in chunk)
                if conn.execute(f"SELECT 1 FROM automation_runs WHERE record_id = ? AND id IN ({marks}) LIMIT 1",
                                (record_id, *chunk)).fetchone():
                    return True
        return False

    def entries_on_record(self: "Store", record_id: str, entry_ids: Iterable[str]) -> bool:
        """Is any of these timeline entries on this record?"""
        ids = list(entry_ids)
        if not ids:
            return False
        with self.reading() as conn:
            for start in range(0, len(ids), 500):
                chunk = ids[start:start + 500]
                marks = ", ".join("?" for _ in chunk)
                if conn.execute(
                    f"SELECT 1 FROM timeline_entries WHERE record_id = ? AND id IN ({marks}) LIMIT 1", (record_id, *chunk)
                ).fetchone():
                    return True
        return False

    def timeline_entry(self: "Store", entry_id: str) -> TimelineEntry:
        with self.reading():
            return self._stored(TimelineEntry, self._row("timeline_entries", entry_id))

    def call_dispositions(self: "Store") -> list[str]:
        """The workspace's call outcomes (meta `call_dispositions`, a JSON list) or the defaults."""
        raw = self.get_meta("call_dispositions")
        if raw:
            try:
                values = json.loads(raw)
            except ValueError:
                values = None
            if isinstance(values, list) and values and all(isinstance(v, str) and v.strip() for v in values):
                return [v.strip() for v in values]
        return list(DEFAULT_CALL_DISPOSITIONS)

    def log_entry(
        self: "Store", record_type: RecordType, record_id: str, entry_type: EntryType, *,
        body: str | None = None, payload: dict[str, Any] | None = None, created_at: datetime | None = None,
    ) -> TimelineEntry:
        """A note, call, email or meeting the person logs, authored by them: stamped now, or at
        `created_at` when they said when it happened (a meeting's start)."""
        with input_errors():
            entry = TimelineEntry(
                workspace_id=self.workspace_id, record_type=RecordType(record_type), record_id=record_id,
                entry_type=EntryType(entry_type), author_id=self.user_id, body=body, payload=payload or {},
                created_at=created_at or self.now(),
            )
        return self.add_entry(entry)

    def task_from_entry(
        self: "Store", entry_id: str | None, *, record_type: RecordType, record_id: str, title: str,
        assigned_to: str | None, due_date: date | None, description: str | None = None,
    ) -> Task:
        """A task on the record, linked back to the entry it came from (`source_entry_id`)."""
        with input_errors():
            task = Task(
                workspace_id=self.workspace_id, record_type=RecordType(record_type), record_id=record_id,
                title=title, description=description, assigned_to=assigned_to, due_date=due_date,
                source_entry_id=entry_id, created_at=self.now(),
            )
        return self.create_task(task)

    def open_tasks_for_record(self: "Store", record_id: str) -> list[Task]:
        with self.reading() as conn:
            rows = conn.execute(
                """SELECT * FROM tasks WHERE record_id = ? AND status != 'done'
                ORDER BY due_date IS NULL, due_date, created_at""",
                (record_id,),
            ).fetchall()
        return rows_to_models(Task, rows)

"""Read queries for the automations screen, its run log and a record's automation runs.

Automations are few (tens) and read whole; their runs grow with every trigger, so the run log
is read a page at a time, newest first, through the (automation_id, run_at) index.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict

from ..models import Automation, AutomationRun, CustomField, RecordType
from ..models.automation_words import RuleNames
from ..models.rule_values import LINK_FIELDS
from .rows import iso_utc, rows_to_models

if TYPE_CHECKING:
    from .store import Store

def _linked_records(rules: list) -> list[tuple[RecordType | str, str]]:
    """The records the rules' field values link to (a company, a contact, a custom link), so a
    rule reads "Company is Acme", never the id."""
    refs: list[tuple[RecordType | str, str]] = []
    if not rules:
        return refs
    for row in rules:
        parts: list = []
        for column in row:
            try:
                value = json.loads(column) if isinstance(column, str) else column
            except ValueError:
                continue
            parts.extend(value if isinstance(value, list) else [value])
        for part in parts:
            if not isinstance(part, dict) or "value" not in part or not isinstance(part.get("field"), str):
                continue
            field, value = part["field"], part["value"]
            if field in LINK_FIELDS and isinstance(value, str):
                refs.append((LINK_FIELDS[field], value))
            elif field.startswith("custom_fields.") and isinstance(value, dict) and isinstance(value.get("id"), str):
                refs.append((str(value.get("type", "")), value["id"]))
    return refs


RUN_WINDOW_DAYS = 7  # the list's "runs and failures in the last 7 days"


class AutomationSummary(BaseModel):
    """One automation with the figures its row in the list shows."""

    model_config = ConfigDict(arbitrary_types_allowed=True, defer_build=True)

    automation: Automation
    last_run: AutomationRun | None = None
    runs_7d: int = 0
    failures_7d: int = 0


class RunLine(BaseModel):
    """One run with what the log shows beside it: the rule's name and the record it ran on."""

    model_config = ConfigDict(defer_build=True)

    run: AutomationRun
    automation_name: str
    record_type: RecordType | None = None  # None: no record, or one this cache does not hold
    record_name: str | None = None


class AutomationQueries:
    """Mixed into :class:`Store`; `self` is the store."""

    def automations(self: "Store") -> list[AutomationSummary]:
        since = iso_utc(self.now() - timedelta(days=RUN_WINDOW_DAYS))
        with self.reading() as conn:
            rows = conn.execute("SELECT * FROM automations ORDER BY lower(name), id").fetchall()
            automations = rows_to_models(Automation, rows)
            figures = {
                r[0]: (r[1], r[2]) for r in conn.execute(
                    """SELECT automation_id, count(*), sum(status = 'failed') FROM automation_runs
                    WHERE run_at >= ? GROUP BY automation_id""", (since,))
            }
            last = {}
            for automation in automations:
                row = conn.execute(
                    "SELECT * FROM automation_runs WHERE automation_id = ? ORDER BY run_at DESC, id DESC LIMIT 1",
                    (automation.id,),
                ).fetchone()
                if row is not None:
                    found = rows_to_models(AutomationRun, [row])
                    last[automation.id] = found[0] if found else None
        return [
            AutomationSummary(automation=a, last_run=last.get(a.id), runs_7d=figures.get(a.id, (0, 0))[0],
                              failures_7d=figures.get(a.id, (0, 0))[1] or 0)
            for a in automations
        ]

    def automation_names(self: "Store") -> dict[str, str]:
        """Every automation's name by id (the audit log names one as the actor of its actions)."""
        with self.reading() as conn:
            return {row[0]: row[1] for row in conn.execute("SELECT id, name FROM automations")}

    def automation(self: "Store", automation_id: str) -> Automation:
        return self._stored(Automation, self._row("automations", automation_id))

    def automation_runs(self: "Store", automation_id: str | None = None, *, record_id: str | None = None,
                        limit: int = 200, before: str | None = None) -> list[RunLine]:
        """Runs newest first: of one automation, on one record, or all; `before` (a run_at) pages on."""
        where, params = [], []
        if automation_id is not None:
            where.append("r.automation_id = ?")
            params.append(automation_id)
        if record_id is not None:
            where.append("r.record_id = ?")
            params.append(record_id)
        if before is not None:
            where.append("r.run_at < ?")
            params.append(before)
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        with self.reading() as conn:
            rows = conn.execute(
                f"""SELECT r.*, a.name AS automation_name FROM automation_runs r
                LEFT JOIN automations a ON a.id = r.automation_id {clause}
                ORDER BY r.run_at DESC, r.id DESC LIMIT ?""", (*params, limit),
            ).fetchall()
            names = {row["id"]: row["automation_name"] for row in rows}
            runs = rows_to_models(AutomationRun, rows)
            kinds = self._record_kinds(conn, {run.record_id for run in runs if run.record_id})
        return [
            RunLine(run=run, automation_name=names.get(run.id) or "a deleted automation",
                    record_type=kinds.get(run.record_id, (None, None))[0] if run.record_id else None,
                    record_name=kinds.get(run.record_id, (None, None))[1] if run.record_id else None)
            for run in runs
        ]

    def record_history_counts(self: "Store", record_id: str) -> tuple[int, int, int]:
        """(automation runs, failed runs, audit entries) on one record, for its page."""
        with self.reading() as conn:
            runs, failed = conn.execute(
                "SELECT count(*), coalesce(sum(status = 'failed'), 0) FROM automation_runs WHERE record_id = ?",
                (record_id,)).fetchone()
            audited = conn.execute("SELECT count(*) FROM audit_log WHERE record_id = ?", (record_id,)).fetchone()[0]
        return runs, failed, audited

    @staticmethod
    def _record_kinds(conn, record_ids: set[str]) -> dict[str, tuple[RecordType, str]]:
        """Which table holds each id (a run names its record by id only), and its name."""
        found: dict[str, tuple[RecordType, str]] = {}
        ids = list(record_ids)
        for kind in RecordType:
            for start in range(0, len(ids), 500):
                chunk = ids[start:start + 500]
                marks = ", ".join("?" for _ in chunk)
                for r in conn.execute(f"SELECT id, name FROM {kind.table} WHERE id IN ({marks})", chunk):
                    found[r[0]] = (kind, r[1])
        return found

    def rule_names(self: "Store", *, rules: list | None = None, definitions: bool = True) -> RuleNames:
        """What to call the ids a rule holds (people, boards, stages, custom fields, the records
        its field values link to). `rules` — rows of JSON columns — limits the linked records
        looked up to theirs (all automations' by default); `definitions=False` leaves out the
        custom fields' definitions (a timeline page of runs words actions without them, fast)."""
        with self.reading() as conn:
            people = {r[0]: r[1] or r[2] or "someone" for r in conn.execute("SELECT id, full_name, email FROM profiles")}
            boards = conn.execute("SELECT id, name, record_type FROM boards").fetchall()
            stages = conn.execute("SELECT id, name, board_id FROM board_stages").fetchall()
            labels = {r[0]: r[1] for r in conn.execute("SELECT key, name FROM custom_fields ORDER BY position")}
            custom_types: dict[str, set[RecordType]] = {}
            for r in conn.execute("SELECT key, record_type FROM custom_fields"):
                try:
                    custom_types.setdefault(r[0], set()).add(RecordType(r[1]))
                except ValueError:
                    continue
            fields: dict[str, CustomField] = {}
            if definitions:
                for field in rows_to_models(CustomField, conn.execute(
                        "SELECT * FROM custom_fields ORDER BY position DESC, name DESC").fetchall()):
                    fields[field.key] = field  # a key two record types share: the first by position
            if rules is None:
                rules = conn.execute("SELECT trigger, conditions, actions FROM automations").fetchall()
        board_types = {}
        for r in boards:
            try:
                board_types[r[0]] = RecordType(r[2])
            except ValueError:
                continue
        return RuleNames(
            me=self.user_id, people=people, boards={r[0]: r[1] for r in boards}, board_types=board_types,
            stages={r[0]: r[1] for r in stages}, stage_boards={r[0]: r[2] for r in stages}, custom_labels=labels,
            custom_fields=fields, records=self.names_of(_linked_records(rules)),
            custom_types={k: frozenset(v) for k, v in custom_types.items()},
        )

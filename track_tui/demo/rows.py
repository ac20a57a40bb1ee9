"""The demo workspace's rows: the plan turned into one tuple per row, table by table.

Values are converted exactly as :mod:`track_tui.store.rows` converts them (`to_db`, `iso_utc`),
and rows are written with :func:`track_tui.store.bulk.insert_rows` (no outbox entries: the demo
is local content, not changes waiting to be uploaded).
"""

from __future__ import annotations

import random
import sqlite3
from datetime import date, datetime, timedelta
from typing import Any, Iterable, Sequence

from ..store import bulk
from ..store.rows import iso_utc, to_db
from .plan import _Company, _Contact, _Deal, _Plan, _Stage, _Weighted, _json, _new_id, _pick, _randint, _rng, _slug
from .vocabulary import (
    _CALL_SUMMARIES, _COMPETITORS, _CONTACT_TASKS, _EMAIL_BODIES, _EMAILS_IN, _EMAILS_OUT, _FIELDS,
    _LOST_NOTES, _MEETING_NOTES, _MEETINGS, _MY_TASKS, _NOTES, _PRODUCTS, _TASK_TITLES, _TEAMS,
    _WON_NOTES, _WORKSPACE_DOMAIN, AUTOMATION_RUNS_MAX, OUTREACH_SHARE, RICH_COMPANIES, RICH_CONTACTS,
    RICH_DEALS, WORKSPACE_NAME,
)


COLUMNS: dict[str, tuple[str, ...]] = {
    "profiles": ("id", "full_name", "email", "avatar_url", "updated_at", "version"),
    "workspaces": ("id", "name", "created_at", "updated_at", "version"),
    "workspace_members": ("id", "workspace_id", "user_id", "role", "updated_at", "version"),
    "boards": ("id", "workspace_id", "name", "record_type", "is_archived", "created_by", "created_at",
               "updated_at", "version"),
    "board_stages": ("id", "board_id", "name", "position", "stage_type", "probability", "workspace_id",
                     "updated_at", "version"),
    "custom_fields": ("id", "workspace_id", "record_type", "name", "key", "type", "config", "searchable",
                      "position", "updated_at", "version"),
    "companies": ("id", "workspace_id", "name", "domain", "industry", "size", "parent_id", "owner_id",
                  "tags", "custom_fields", "created_at", "deleted_at", "updated_at", "version"),
    "contacts": ("id", "workspace_id", "name", "email", "phone", "title", "company_id", "owner_id",
                 "tags", "custom_fields", "created_at", "deleted_at", "updated_at", "version"),
    "deals": ("id", "workspace_id", "name", "value_cents", "currency", "stage_id", "close_date",
              "probability", "primary_contact_id", "company_id", "owner_id", "tags", "custom_fields",
              "created_at", "deleted_at", "updated_at", "version"),
    "board_cards": ("id", "board_id", "stage_id", "record_type", "record_id", "position", "workspace_id",
                    "updated_at", "version"),
    "deal_contacts": ("id", "deal_id", "contact_id", "role", "workspace_id", "updated_at", "version"),
    "timeline_entries": ("id", "workspace_id", "record_type", "record_id", "entry_type", "author_id",
                         "body", "payload", "created_at", "updated_at", "version"),
    "tasks": ("id", "workspace_id", "record_type", "record_id", "title", "description", "assigned_to",
              "due_date", "status", "source_entry_id", "created_at", "updated_at", "version"),
    "automations": ("id", "workspace_id", "name", "trigger", "conditions", "actions", "is_enabled",
                    "created_at", "updated_at", "version"),
    "automation_runs": ("id", "automation_id", "record_id", "status", "duration_ms", "error", "run_at",
                        "workspace_id", "updated_at", "version"),
    "audit_log": ("id", "workspace_id", "actor_id", "table_name", "record_id", "action", "old_data",
                  "new_data", "created_at", "updated_at", "version"),
}


class _Writer:
    """Turns the plan into rows and writes them, table by table, in foreign-key order."""

    def __init__(self, plan: _Plan, conn: sqlite3.Connection) -> None:
        self.plan = plan
        self.conn = conn
        self.ws = plan.workspace_id
        self.counts: dict[str, int] = {}
        self.rng = _rng(plan.seed, "activity")
        self._ids = _rng(plan.seed, "row-ids")
        self.entries: list[tuple] = []  # timeline rows, written once tasks have their sources
        self.tasks: list[tuple] = []
        self.audit: list[tuple] = []

    def new_id(self) -> str:
        return _new_id(self._ids)

    def insert(self, table: str, rows: Iterable[Sequence[Any]]) -> None:
        written = bulk.insert_rows(self.conn, table, COLUMNS[table], rows)
        self.counts[table] = self.counts.get(table, 0) + written

    def write_all(self) -> None:
        plan = self.plan
        self.insert("profiles", self.profile_rows())
        self.insert("workspaces", [(self.ws, WORKSPACE_NAME, iso_utc(plan.now - timedelta(days=1200)),
                                    iso_utc(plan.now - timedelta(days=1200)), 0)])
        self.insert("workspace_members", self.member_rows())
        self.insert("boards", self.board_rows())
        self.insert("board_stages", self.stage_rows())
        self.insert("custom_fields", self.custom_field_rows())
        self.insert("companies", self.company_rows())
        self.insert("contacts", self.contact_rows())
        self.insert("deals", self.deal_rows())
        self.insert("board_cards", self.card_rows())
        self.insert("deal_contacts", self.deal_contact_rows())
        self.plan_stage_changes()
        self.plan_activity()
        self.plan_tasks()
        self.insert("timeline_entries", self.entries)
        self.insert("tasks", self.tasks)
        self.insert("automations", self.automation_rows())
        self.insert("automation_runs", self.run_rows())
        self.insert("audit_log", self.audit)

    # -- people, boards, field definitions -------------------------------------------------

    def profile_rows(self) -> list[tuple]:
        since = iso_utc(self.plan.now - timedelta(days=1100))
        return [(pid, name, f"{_slug(name.split()[0])}@{_WORKSPACE_DOMAIN}", None, since, 0)
                for pid, name, _ in self.plan.profiles]

    def member_rows(self) -> list[tuple]:
        since = iso_utc(self.plan.now - timedelta(days=1100))
        return [(self.new_id(), self.ws, pid, role, since, 0) for pid, _, role in self.plan.profiles]

    def board_rows(self) -> list[tuple]:
        # Boards were set up a week apart in the order listed, so the sales pipeline is the
        # oldest deals board: the one the app opens first.
        rows = []
        for index, b in enumerate(self.plan.boards.values()):
            created = iso_utc(self.plan.now - timedelta(days=1150 - 7 * index))
            rows.append((b.id, self.ws, b.spec.name, b.spec.record_type, int(b.spec.archived),
                         self.plan.user_id, created, created, 0))
        return rows

    def stage_rows(self) -> list[tuple]:
        created = iso_utc(self.plan.now - timedelta(days=1150))
        return [(s.id, b.id, s.spec.name, s.index, s.spec.stage_type,
                 float(s.spec.probability) if s.spec.probability is not None else None, self.ws, created, 0)
                for b in self.plan.boards.values() for s in b.stages]

    def custom_field_rows(self) -> list[tuple]:
        created = iso_utc(self.plan.now - timedelta(days=1000))
        rows = []
        positions: dict[str, int] = {}
        for spec in _FIELDS:
            position = positions.get(spec.record_type, 0)
            positions[spec.record_type] = position + 1
            rows.append((self.new_id(), self.ws, spec.record_type, spec.name, spec.key, spec.type,
                         to_db("config", spec.config), int(spec.searchable), position, created, 0))
        return rows

    # -- records ---------------------------------------------------------------------------

    def company_rows(self) -> Iterable[tuple]:
        for c in self.plan.companies:
            created = iso_utc(c.created)
            yield (c.id, self.ws, c.name, c.domain, c.industry, c.size, c.parent.id if c.parent else None,
                   c.owner, to_db("tags", c.tags), to_db("custom_fields", c.custom), created, None, created, 0)

    def contact_rows(self) -> Iterable[tuple]:
        for c in self.plan.contacts:
            created = iso_utc(c.created)
            yield (c.id, self.ws, c.name, c.email, c.phone, c.title, c.company.id if c.company else None,
                   c.owner, to_db("tags", c.tags), to_db("custom_fields", c.custom), created, None, created, 0)

    def deal_rows(self) -> Iterable[tuple]:
        for d in self.plan.deals:
            yield (d.id, self.ws, d.name, d.value_minor, d.currency, d.stage.id, d.close_date.isoformat(),
                   d.probability, d.primary.id if d.primary else None, d.company.id, d.owner,
                   to_db("tags", d.tags), to_db("custom_fields", d.custom), iso_utc(d.created), None,
                   iso_utc(d.entered), 0)

    def card_rows(self) -> Iterable[tuple]:
        """Cards of every board. Open deal columns are in the order their owners dragged them
        to (a seeded shuffle: priorities look random from outside), so the cards in view have
        been in their stage for anything from today to months and the stale markers a reviewer
        looks for show at the top of a column (ordered by the latest move, every column's first
        screen showed only 0–3 days). Won and lost deals and other cards: the most recently
        moved on top."""
        plan = self.plan
        priority = _rng(plan.seed, "card-order")
        rank = {d.id: priority.random() for d in plan.deals}
        placed: list[tuple[_Stage, datetime, str, str]] = [
            (d.stage, d.entered, "deal", d.id) for d in plan.deals
        ]
        placed += self.outreach_cards()
        placed += self.account_cards()
        by_stage: dict[str, list[tuple[_Stage, datetime, str, str]]] = {}
        for item in placed:
            by_stage.setdefault(item[0].id, []).append(item)
        for stage_items in by_stage.values():
            stage_items.sort(key=lambda item: (
                rank[item[3]] if item[2] == "deal" and item[0].spec.stage_type == "open" else 0, item[1], item[3],
            ), reverse=True)
            for position, (stage, entered, record_type, record_id) in enumerate(stage_items):
                yield (self.new_id(), stage.board.id, stage.id, record_type, record_id, position, self.ws,
                       iso_utc(entered), 0)

    def outreach_cards(self) -> list[tuple[_Stage, datetime, str, str]]:
        """Contacts on the Outreach board, with a stage_change entry when they moved on."""
        board = self.plan.boards["outreach"]
        picks = _Weighted((s, s.spec.weight) for s in board.stages)
        rng = _rng(self.plan.seed, "outreach")
        cards = []
        for contact in self.plan.contacts:
            if rng.random() >= OUTREACH_SHARE:
                continue
            stage = picks.pick(rng)
            entered = contact.created
            if stage.index > 0:
                entered = self.plan.between(rng, contact.created, self.plan.now - timedelta(hours=2))
                self.stage_change("contact", contact.id, contact.owner, board.stages[stage.index - 1],
                                  stage, entered)
            cards.append((stage, entered, "contact", contact.id))
        return cards

    def account_cards(self) -> list[tuple[_Stage, datetime, str, str]]:
        """Every company on Accounts: a customer once it won a deal; some customers churned."""
        board = self.plan.boards["accounts"]
        prospect, customer, churned = board.stages
        rng = _rng(self.plan.seed, "accounts")
        cards = []
        for company in self.plan.companies:
            stage, entered = prospect, company.created
            if company.first_won is not None:
                stage, entered = customer, company.first_won
                self.stage_change("company", company.id, company.owner, prospect, customer, entered)
                if rng.random() < 0.1 and entered < self.plan.now - timedelta(days=30):
                    stage = churned
                    entered = self.plan.between(rng, entered + timedelta(days=20), self.plan.now)
                    self.stage_change("company", company.id, company.owner, customer, churned, entered)
            cards.append((stage, entered, "company", company.id))
        return cards

    def deal_contact_rows(self) -> Iterable[tuple]:
        for d in self.plan.deals:
            for contact, role in d.links:
                yield (self.new_id(), d.id, contact.id, role, self.ws, iso_utc(d.created), 0)

    # -- timeline --------------------------------------------------------------------------

    def entry(self, record_type: str, record_id: str, entry_type: str, author: str | None,
              body: str | None, payload: dict[str, Any], when: datetime) -> str:
        entry_id = self.new_id()
        stamp = iso_utc(when)
        self.entries.append((entry_id, self.ws, record_type, record_id, entry_type, author, body,
                             _json(payload), stamp, stamp, 0))
        return entry_id

    def stage_change(self, record_type: str, record_id: str, author: str, source: _Stage, target: _Stage,
                     when: datetime, note: str | None = None) -> None:
        payload = {
            "board_id": source.board.id, "from_stage_id": source.id, "from_stage": source.spec.name,
            "to_stage_id": target.id, "to_stage": target.spec.name, "to_stage_type": target.spec.stage_type,
        }
        if note:
            payload["note"] = note
        self.entry(record_type, record_id, "stage_change", author, note, payload, when)

    def plan_stage_changes(self) -> None:
        """Deals' moves, oldest first; the latest lands each deal in its current stage.

        Deals with activity get their whole history; beyond those only the last move is
        written (it is what a card's "days in stage" reads), which keeps big workspaces quick.
        """
        rng = _rng(self.plan.seed, "moves")
        for index, deal in enumerate(self.plan.deals):
            history = deal.history if index < RICH_DEALS else deal.history[-2:]
            for (source, _), (target, when) in zip(history, history[1:]):
                note = None
                if target.spec.stage_type != "open":
                    words = _WON_NOTES if target.spec.stage_type == "won" else _LOST_NOTES
                    note = _pick(rng, words).format(competitor=_pick(rng, _COMPETITORS[:4]))
                author = deal.owner if rng.random() < 0.85 else self.plan.owners.pick(rng)
                self.stage_change("deal", deal.id, author, source, target, when, note)

    def _words(self, contact: _Contact | None, company: _Company) -> dict[str, str]:
        rng = self.rng
        name = contact.name if contact else "their team"
        return {"contact": name, "first": name.split()[0], "company": company.name,
                "industry": company.industry.lower(), "competitor": _pick(rng, _COMPETITORS[:4]),
                "product": _pick(rng, _PRODUCTS), "team": _pick(rng, _TEAMS)}

    def activity(self, record_type: str, record_id: str, owner: str, contact: _Contact | None,
                 company: _Company, when: datetime) -> tuple[str, str]:
        """One note, call, email or meeting; returns (entry id, entry type)."""
        rng = self.rng
        words = self._words(contact, company)
        author = owner if rng.random() < 0.8 else self.plan.owners.pick(rng)
        kind = _pick(rng, ("note", "note", "call", "call", "email", "email", "email", "meeting"))
        if kind == "note":
            body: str | None = _pick(rng, _NOTES).format(**words)
            payload: dict[str, Any] = {}
        elif kind == "call":
            disposition = _pick(rng, ("connected", "connected", "connected", "voicemail", "no-answer", "bad-number"))
            body = _pick(rng, _CALL_SUMMARIES[disposition]).format(**words)
            seconds = _randint(rng, 180, 2700) if disposition == "connected" else _randint(rng, 10, 60)
            payload = {"duration_seconds": seconds, "disposition": disposition}
        elif kind == "email":
            direction = _pick(rng, ("outbound", "outbound", "inbound"))
            subject = _pick(rng, _EMAILS_OUT if direction == "outbound" else _EMAILS_IN).format(**words)
            template = _pick(rng, _EMAIL_BODIES)
            body = template.format(**words) if template else None
            payload = {"subject": subject, "direction": direction}
        else:
            template = _pick(rng, _MEETING_NOTES)
            body = template.format(**words) if template else None
            payload = {"title": _pick(rng, _MEETINGS), "starts_at": iso_utc(when - timedelta(hours=1)),
                       "duration_minutes": _pick(rng, (30, 30, 45, 60, 90))}
        return self.entry(record_type, record_id, kind, author, body, payload, when), kind

    def plan_activity(self) -> None:
        """Notes, calls, emails, meetings and field edits on a bounded set of records."""
        plan, rng = self.plan, self.rng
        self.sources: dict[str, list[tuple[str, datetime, str]]] = {}  # record id → (entry id, when, type)
        for deal in plan.deals[:RICH_DEALS]:
            end = deal.entered + timedelta(days=3) if deal.stage.spec.stage_type != "open" else plan.now
            end = min(end, plan.now)
            sources = self.sources.setdefault(deal.id, [])
            for _ in range(_randint(rng, 2, 9)):
                when = plan.between(rng, deal.created, end)
                entry_id, kind = self.activity("deal", deal.id, deal.owner, deal.primary, deal.company, when)
                if kind in ("call", "meeting", "email"):
                    sources.append((entry_id, when, kind))
            self.field_edits(deal, end)
        for contact in plan.contacts[:RICH_CONTACTS]:
            if contact.company is None:
                continue
            for _ in range(_randint(rng, 0, 4)):
                when = plan.between(rng, contact.created, plan.now)
                self.activity("contact", contact.id, contact.owner, contact, contact.company, when)
        for company in plan.companies[:RICH_COMPANIES]:
            for _ in range(_randint(rng, 0, 3)):
                when = plan.between(rng, company.created, plan.now)
                person = company.contacts[0] if company.contacts else None
                self.activity("company", company.id, company.owner, person, company, when)

    def field_edits(self, deal: _Deal, end: datetime) -> None:
        """Edits that end at the deal's current values (value, close date, a custom field)."""
        rng = self.rng
        for _ in range(_pick(rng, (0, 0, 1, 1, 2))):
            when = self.plan.between(rng, deal.created, end)
            choice = rng.random()
            if choice < 0.45 and deal.value_minor:
                old: Any = int(deal.value_minor * _pick(rng, (0.6, 0.8, 1.25)))
                field_name, label, new = "value_cents", "Value", deal.value_minor
            elif choice < 0.8:
                old = (deal.close_date - timedelta(days=_pick(rng, (-21, -14, 7, 30)))).isoformat()
                field_name, label, new = "close_date", "Close date", deal.close_date.isoformat()
            elif "contract_months" in deal.custom:
                new = deal.custom["contract_months"]
                old = 12 if new != 12 else 24
                field_name, label = "custom_fields.contract_months", "Contract length (months)"
            else:
                continue
            author = deal.owner
            self.entry("deal", deal.id, "field_edit", author, None,
                       {"field": field_name, "label": label, "old": old, "new": new}, when)
            stamp = iso_utc(when)
            column = field_name.removeprefix("custom_fields.")
            self.audit.append((self.new_id(), self.ws, author, "deals", deal.id, "update",
                               _json({column: old}), _json({column: new}), stamp, stamp, 0))

    # -- tasks -----------------------------------------------------------------------------

    def task(self, record_type: str | None, record_id: str | None, title: str, assignee: str,
             due: date | None, status: str, created: datetime, *, source: str | None = None,
             description: str | None = None, log_owner: str | None = None,
             done_at: datetime | None = None) -> None:
        task_id = self.new_id()
        stamp = iso_utc(done_at or created)
        self.tasks.append((task_id, self.ws, record_type, record_id, title, description, assignee,
                           due.isoformat() if due else None, status, source, iso_utc(created), stamp, 0))
        if log_owner is not None and record_type and record_id:
            self.entry(record_type, record_id, "task", log_owner, title,
                       {"task_id": task_id, "title": title, "action": "created",
                        "due_date": due.isoformat() if due else None}, created)
            if done_at is not None:
                self.entry(record_type, record_id, "task", assignee, title,
                           {"task_id": task_id, "title": title, "action": "completed"}, done_at)

    def due_date(self, rng: random.Random) -> date | None:
        """Overdue, today, upcoming or no date, in roughly the mix a real inbox has."""
        roll = rng.random()
        today = self.plan.today
        if roll < 0.22:
            return today - timedelta(days=_randint(rng, 1, 21))
        if roll < 0.34:
            return today
        if roll < 0.82:
            return today + timedelta(days=_randint(rng, 1, 30))
        return None

    def plan_tasks(self) -> None:
        plan = self.plan
        rng = _rng(plan.seed, "tasks")
        me = plan.user_id
        for index, deal in enumerate(plan.deals):
            rich = index < RICH_DEALS
            stage_type = deal.stage.spec.stage_type
            first = deal.primary.name.split()[0] if deal.primary else "the team"
            if stage_type == "open" and rng.random() < 0.8:  # the rest show "missing next task"
                sources = self.sources.get(deal.id, []) if rich else []
                for _ in range(_pick(rng, (1, 1, 1, 2))):
                    title = _pick(rng, _TASK_TITLES).format(first=first)
                    assignee = me if rng.random() < 0.6 else deal.owner
                    created = plan.between(rng, deal.entered, plan.now)
                    source = None
                    if sources and rng.random() < 0.4:
                        source_id, when, kind = _pick(rng, sources)
                        source, created = source_id, plan.between(rng, when, plan.now)
                        title = f"{title} (after {kind})"
                    status = "in_progress" if rng.random() < 0.15 else "open"
                    self.task("deal", deal.id, title, assignee, self.due_date(rng), status, created,
                              source=source, log_owner=assignee if rich else None,
                              description="Agreed on the last call." if source and rng.random() < 0.5 else None)
            elif stage_type == "won" and rng.random() < 0.3:
                due = deal.close_date + timedelta(days=14)
                status = "done" if due < plan.today else "open"
                when = deal.entered
                self.task("deal", deal.id, "Schedule onboarding kickoff", deal.owner, due, status, when,
                          log_owner=deal.owner if rich else None,
                          done_at=min(plan.now, when + timedelta(days=10)) if status == "done" else None)
            if rich:
                for _ in range(_pick(rng, (0, 1, 1, 2))):  # finished work
                    created = plan.between(rng, deal.created, deal.entered)
                    done_at = plan.between(rng, created, min(plan.now, created + timedelta(days=10)))
                    title = _pick(rng, _TASK_TITLES).format(first=first)
                    self.task("deal", deal.id, title, deal.owner, done_at.date(), "done", created,
                              log_owner=deal.owner, done_at=done_at)
        for contact in plan.contacts[:RICH_CONTACTS]:
            if rng.random() < 0.25:
                title = _pick(rng, _CONTACT_TASKS).format(first=contact.name.split()[0])
                created = plan.between(rng, contact.created, plan.now)
                self.task("contact", contact.id, title, me if rng.random() < 0.7 else contact.owner,
                          self.due_date(rng), "open", created, log_owner=contact.owner)
        for company in plan.companies[:RICH_COMPANIES]:
            if rng.random() < 0.15:
                created = plan.between(rng, company.created, plan.now)
                self.task("company", company.id, f"Account review: {company.name}", company.owner,
                          self.due_date(rng), "open", created, log_owner=company.owner)
        for title in _MY_TASKS:  # tasks on no record
            created = plan.ago(rng, 1, 20)
            self.task(None, None, title, me, self.due_date(rng), "open", created)

    # -- automations -----------------------------------------------------------------------

    def automation_specs(self) -> list[tuple[str, dict, list, list, bool]]:
        boards = self.plan.boards
        sales, partners = boards["sales"], boards["partners"]
        proposal = sales.stages[2]
        users = [p[0] for p in self.plan.profiles]
        return [
            ("Round-robin new inbound deals",
             {"type": "record_created", "record_type": "deal"},
             [{"type": "field_equals", "field": "custom_fields.lead_source", "value": "inbound"},
              {"type": "on_board", "board_id": sales.id}],
             [{"type": "assign_owner", "mode": "round_robin", "user_ids": users[1:4]},
              {"type": "add_tag", "tag": "inbound"}], True),
            ("Nudge stale proposals",
             {"type": "days_in_stage", "stage_id": proposal.id, "days": 14},
             [{"type": "on_board", "board_id": sales.id}],
             [{"type": "create_task", "title": "Follow up on the proposal", "assign_to": "owner",
               "due_in_days": 1},
              {"type": "notify", "user": "owner", "message": "Proposal has waited 14 days"}], True),
            ("Tag big deals as enterprise",
             {"type": "field_matches", "field": "value_cents", "op": "gte", "value": 10_000_000},
             [{"type": "tag_not_applied", "tag": "enterprise"}],
             [{"type": "add_tag", "tag": "enterprise"}], True),
            ("Close date is near",
             {"type": "due_date_approaching", "field": "close_date", "days_before": 7},
             [{"type": "owner_is_not", "user_id": users[0]}],
             [{"type": "notify", "user": "owner", "message": "Closes within a week"}], True),
            ("Post won deals to the sales channel",
             {"type": "stage_changed", "board_id": sales.id, "to_stage_type": "won"},
             [{"type": "field_is_empty", "field": "custom_fields.po_number", "negate": True}],
             [{"type": "send_webhook", "url": "https://hooks.larkspur.io/track/won", "method": "POST"}],
             True),
            ("Lost deals: clear at-risk tag",
             {"type": "stage_changed", "board_id": sales.id, "to_stage_type": "lost"},
             [{"type": "tag_applied", "tag": "at-risk"}],
             [{"type": "remove_tag", "tag": "at-risk"}, {"type": "move_stage", "stage_id": sales.stages[5].id}],
             True),
            ("Partner pilots need an owner",
             {"type": "field_updated", "field": "stage_id"},
             [{"type": "on_board", "board_id": partners.id},
              {"type": "field_contains", "field": "name", "value": "Integration"},
              {"type": "created_within_days", "days": 30}],
             [{"type": "assign_owner", "mode": "direct", "user_id": users[2]},
              {"type": "set_field", "field": "custom_fields.lead_source", "value": "partner"}], False),
        ]

    def automation_rows(self) -> list[tuple]:
        rng = _rng(self.plan.seed, "automations")
        rows = []
        self.automation_ids = []
        for name, trigger, conditions, actions, enabled in self.automation_specs():
            automation_id = _new_id(rng)
            self.automation_ids.append((automation_id, name))
            created = iso_utc(self.plan.ago(rng, 60, 500))
            rows.append((automation_id, self.ws, name, to_db("trigger", trigger), to_db("conditions", conditions),
                         to_db("actions", actions), int(enabled), created, created, 0))
        return rows

    def run_rows(self) -> list[tuple]:
        rng = _rng(self.plan.seed, "automation-runs")
        errors = ("webhook responded 500 Internal Server Error",
                  "webhook timed out after 10 s",
                  "no owner to assign: round-robin list is empty",
                  "stage not found: it was deleted from the board",
                  "permission denied for table deals (row-level security)")
        deals = self.plan.deals
        rows = []
        per_automation = max(3, min(AUTOMATION_RUNS_MAX // len(self.automation_ids), len(deals) // 4))
        for automation_id, name in self.automation_ids:
            webhook = "Post won" in name
            for _ in range(_randint(rng, per_automation // 2, per_automation)):
                failed = rng.random() < (0.3 if webhook else 0.06)
                error = None
                if failed:
                    error = errors[_randint(rng, 0, 1)] if webhook else _pick(rng, errors[2:])
                record = _pick(rng, deals).id if deals else None
                run_at = iso_utc(self.plan.ago(rng, 0.01, 30))
                rows.append((_new_id(rng), automation_id, record, "failed" if failed else "success",
                             _randint(rng, 40, 10_000 if failed else 900), error, run_at, self.ws, run_at, 0))
        return rows

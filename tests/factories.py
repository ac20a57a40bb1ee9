"""A small deterministic workspace for unit tests, built through the store's public API.

`make_store()` returns `(store, ids)`. The store's clock is frozen at :data:`FIXED_NOW`
(reassign `store.clock` to move time). The workspace is built as if thirty days ago
(:data:`BUILD_TIME`), so every card has been in its stage for thirty days except
"Globex expansion", which was moved Lead → Qualified two days ago.

Deals board (stages and probabilities)::

    Lead 10%        Acme renewal        USD 12,500.00  owner Mia (me)   tag vip   task overdue
                    Tokyo pilot         JPY 1,500,000  owner Omar                 no tasks
                    Osaka trial         JPY 9,000      owner Mia
    Qualified 30%   Globex expansion    USD 40,000.00  owner Omar       tag vip   task in 5 days
    Proposal 60%    Gulf supply         KWD 2,500.750  owner Mia                  only a done task
    Won (won)       Initech migration   USD 8,000.00   owner Mia
    Lost (lost) 0%  Umbrella audit      USD 5,000.00   owner Omar

Contacts board: New (Ada Lovelace — Acme, Ken Sato — Kaisha), Engaged (Grace Hopper, no company).
Custom fields of all nine types are defined on deals (see :func:`deal_fields`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

from track_tui.models import (
    Board, BoardStage, Company, Contact, CustomField, Deal, Profile, RecordType, StageType, Task,
    TaskStatus, Workspace, WorkspaceMember,
)
from track_tui.models.enums import CustomFieldType
from track_tui.store import Origin, Store

FIXED_NOW = datetime(2026, 3, 16, 12, 0, tzinfo=timezone.utc)  # a Monday, noon UTC
TODAY = FIXED_NOW.date()
BUILD_TIME = FIXED_NOW - timedelta(days=30)
GLOBEX_MOVED_AT = FIXED_NOW - timedelta(days=2)

_NAMESPACE = uuid.UUID("6f1c7d1e-58a4-4f0c-9c1e-2a4e7d0b9a11")


def fixed_id(name: str) -> str:
    """A stable UUID for a fixture name, so runs (and orderings by id) are reproducible."""
    return str(uuid.uuid5(_NAMESPACE, name))


@dataclass
class Ids:
    workspace: str
    me: str
    other: str
    deals_board: str
    contacts_board: str
    stages: dict[str, str] = field(default_factory=dict)  # stage name → id (both boards)
    companies: dict[str, str] = field(default_factory=dict)
    contacts: dict[str, str] = field(default_factory=dict)
    deals: dict[str, str] = field(default_factory=dict)
    cards: dict[str, str] = field(default_factory=dict)  # record name → card id
    tasks: dict[str, str] = field(default_factory=dict)
    fields: dict[str, str] = field(default_factory=dict)  # custom field key → id


def deal_fields(workspace_id: str) -> list[CustomField]:
    """Custom field definitions of all nine types (deals), with config rules on each."""
    specs: list[tuple[str, str, CustomFieldType, dict[str, Any], bool]] = [
        ("Code name", "code_name", CustomFieldType.TEXT,
         {"min_length": 2, "max_length": 10, "pattern": "[A-Z]+", "pattern_hint": "capital letters"}, True),
        ("Seats", "seats", CustomFieldType.NUMBER, {"min": 1, "max": 500, "integer": True}, False),
        ("Renewal", "renewal", CustomFieldType.DATE, {"min": "2026-01-01", "max": "2030-12-31"}, False),
        ("Source", "source", CustomFieldType.SELECT,
         {"required": True, "options": [{"value": "web", "label": "Website"}, "referral", "event"]}, True),
        ("Products", "products", CustomFieldType.MULTI_SELECT,
         {"options": ["crm", "billing", "support"], "max_selected": 2}, True),
        ("Signed NDA", "nda", CustomFieldType.BOOLEAN, {}, False),
        ("Website", "website", CustomFieldType.URL, {"schemes": ["https"]}, False),
        ("Budget", "budget", CustomFieldType.CURRENCY, {"currency": "EUR", "min": 0, "max": 10_000_000}, False),
        ("Partner", "partner", CustomFieldType.LINK, {"target": "company"}, False),
    ]
    return [
        CustomField(
            id=fixed_id(f"field:{key}"), workspace_id=workspace_id, record_type=RecordType.DEAL,
            name=name, key=key, type=kind, config=config, searchable=searchable, position=i,
        )
        for i, (name, key, kind, config, searchable) in enumerate(specs)
    ]


def make_store(path: str | Path = ":memory:", now: datetime = FIXED_NOW) -> tuple[Store, Ids]:
    """Build the workspace described in the module docstring; the clock ends frozen at `now`."""
    build_time = now - timedelta(days=30)
    store = Store(path, clock=lambda: build_time)
    ids = Ids(
        workspace=fixed_id("workspace"), me=fixed_id("profile:mia"), other=fixed_id("profile:omar"),
        deals_board=fixed_id("board:deals"), contacts_board=fixed_id("board:contacts"),
    )
    store.set_meta("workspace_id", ids.workspace)
    store.set_meta("user_id", ids.me)
    ws = ids.workspace

    # Rows that would come from the server: no outbox entries.
    with store.transaction(origin=Origin.SERVER) as tx:
        tx.insert(Workspace(id=ws, name="Northwind", created_at=build_time))
        tx.insert(Profile(id=ids.me, full_name="Mia Chen", email="mia@northwind.example"))
        tx.insert(Profile(id=ids.other, full_name="Omar Haddad", email="omar@northwind.example"))
        for user in (ids.me, ids.other):
            tx.insert(WorkspaceMember(id=fixed_id(f"member:{user}"), workspace_id=ws, user_id=user))
        tx.insert(Board(id=ids.deals_board, workspace_id=ws, name="Pipeline", record_type=RecordType.DEAL,
                        created_at=build_time))
        tx.insert(Board(id=ids.contacts_board, workspace_id=ws, name="People", record_type=RecordType.CONTACT,
                        created_at=build_time))
        for position, (name, kind, probability) in enumerate([
            ("Lead", StageType.OPEN, 10), ("Qualified", StageType.OPEN, 30),
            ("Proposal", StageType.OPEN, 60), ("Won", StageType.WON, None), ("Lost", StageType.LOST, 0),
        ]):
            ids.stages[name] = fixed_id(f"stage:{name}")
            tx.insert(BoardStage(
                id=ids.stages[name], board_id=ids.deals_board, name=name, position=position,
                stage_type=kind, probability=None if probability is None else Decimal(probability),
                workspace_id=ws,
            ))
        for position, name in enumerate(["New", "Engaged"]):
            ids.stages[name] = fixed_id(f"stage:{name}")
            tx.insert(BoardStage(id=ids.stages[name], board_id=ids.contacts_board, name=name,
                                 position=position, workspace_id=ws))
        for definition in deal_fields(ws):
            tx.insert(definition)
            ids.fields[definition.key] = definition.id
        nickname = CustomField(
            id=fixed_id("field:nickname"), workspace_id=ws, record_type=RecordType.CONTACT,
            name="Nickname", key="nickname", type=CustomFieldType.TEXT, searchable=True,
        )
        tx.insert(nickname)
        ids.fields["nickname"] = nickname.id

    # Everything else through the mutation API, as a person would.
    for name, domain, industry in [
        ("Acme", "acme.example", "Manufacturing"), ("Globex", "globex.example", "Energy"),
        ("Kaisha", "kaisha.example.jp", "Retail"),
    ]:
        company = Company(id=fixed_id(f"company:{name}"), workspace_id=ws, name=name, domain=domain,
                          industry=industry, owner_id=ids.me, created_at=build_time)
        store.create_record(company)
        ids.companies[name] = company.id

    for name, email, title, company, stage in [
        ("Ada Lovelace", "ada@acme.example", "CTO", "Acme", "New"),
        ("Ken Sato", "ken@kaisha.example.jp", None, "Kaisha", "New"),
        ("Grace Hopper", None, "Rear Admiral", None, "Engaged"),
    ]:
        contact = Contact(
            id=fixed_id(f"contact:{name}"), workspace_id=ws, name=name, email=email, title=title,
            company_id=ids.companies.get(company) if company else None, owner_id=ids.me,
            created_at=build_time,
        )
        store.create_record(contact, stage_id=ids.stages[stage])
        ids.contacts[name] = contact.id
        ids.cards[name] = store.card_for_record(ids.contacts_board, contact.id)

    for name, minor, currency, stage, owner, company, tags, custom in [
        ("Umbrella audit", 500_000, "USD", "Lost", ids.other, None, [], {"source": "event"}),
        ("Initech migration", 800_000, "USD", "Won", ids.me, None, [], {"source": "referral"}),
        ("Gulf supply", 2_500_750, "KWD", "Proposal", ids.me, None, [], {"source": "web"}),
        ("Globex expansion", 4_000_000, "USD", "Lead", ids.other, "Globex", ["VIP"], {"source": "web"}),
        ("Osaka trial", 9_000, "JPY", "Lead", ids.me, "Kaisha", [], {"source": "web"}),
        ("Tokyo pilot", 1_500_000, "JPY", "Lead", ids.other, "Kaisha", [], {"source": "referral"}),
        ("Acme renewal", 1_250_000, "USD", "Lead", ids.me, "Acme", ["vip", "renewal"],
         {"source": "web", "code_name": "ROADRUNNER", "seats": 40, "products": ["crm"]}),
    ]:
        deal = Deal(
            id=fixed_id(f"deal:{name}"), workspace_id=ws, name=name, value_cents=minor, currency=currency,
            stage_id=ids.stages[stage], owner_id=owner, tags=tags, custom_fields=custom,
            company_id=ids.companies.get(company) if company else None,
            primary_contact_id=ids.contacts["Ada Lovelace"] if name == "Acme renewal" else None,
            created_at=build_time,
        )
        store.create_record(deal)
        ids.deals[name] = deal.id
        ids.cards[name] = store.card_for_record(ids.deals_board, deal.id)

    for key, title, record, due, status in [
        ("acme_call", "Call Ada about renewal", "Acme renewal", now.date() - timedelta(days=3), TaskStatus.OPEN),
        ("globex_deck", "Send Globex the deck", "Globex expansion", now.date() + timedelta(days=5), TaskStatus.OPEN),
        ("gulf_done", "Confirm Gulf volumes", "Gulf supply", now.date() - timedelta(days=10), TaskStatus.DONE),
    ]:
        task = Task(
            id=fixed_id(f"task:{key}"), workspace_id=ws, record_type=RecordType.DEAL,
            record_id=ids.deals[record], title=title, due_date=due, status=status,
            assigned_to=ids.me, created_at=build_time,
        )
        store.create_task(task)
        ids.tasks[key] = task.id

    store.clock = lambda: now - timedelta(days=2)
    store.move_card(ids.cards["Globex expansion"], ids.stages["Qualified"])
    store.clock = lambda: now
    return store, ids


# -- small helpers the tests share ---------------------------------------------------------


def count(store: Store, table: str, where: str = "1", *params: Any) -> int:
    return store.conn.execute(f"SELECT count(*) FROM {table} WHERE {where}", params).fetchone()[0]


def last_seq(store: Store) -> int:
    return store.conn.execute("SELECT coalesce(max(seq), 0) FROM outbox").fetchone()[0]


def outbox_after(store: Store, seq: int) -> list[dict[str, Any]]:
    """Outbox entries written after `seq`, oldest first, with the patch decoded."""
    import json

    rows = store.conn.execute("SELECT * FROM outbox WHERE seq > ? ORDER BY seq", (seq,)).fetchall()
    return [{**dict(r), "patch": json.loads(r["patch"])} for r in rows]


def table_counts(store: Store) -> dict[str, int]:
    """Row counts of every table that the write path touches (for "nothing was written")."""
    tables = ("companies", "contacts", "deals", "board_cards", "deal_contacts", "timeline_entries",
              "tasks", "outbox", "search_docs")
    return {t: count(store, t) for t in tables}


def snapshot(store: Store) -> dict[str, list[tuple]]:
    """Every row of the written tables, for byte-level "nothing changed" comparisons."""
    tables = ("companies", "contacts", "deals", "board_cards", "deal_contacts", "timeline_entries",
              "tasks", "outbox", "search_docs")
    return {t: [tuple(r) for r in store.conn.execute(f"SELECT * FROM {t} ORDER BY rowid")] for t in tables}


def today_of(store: Store) -> date:
    return store.clock().date()


def synced_rows(store: Store) -> dict[tuple[str, str], tuple]:
    """(table, id) → row values of every synced table: diff two of these to see what changed."""
    from track_tui.store.schema import SYNCED_TABLES

    result: dict[tuple[str, str], tuple] = {}
    for table in SYNCED_TABLES:
        for row in store.conn.execute(f"SELECT * FROM {table}"):
            result[(table, row["id"])] = tuple(row)
    return result


def changed_rows(before: dict[tuple[str, str], tuple], after: dict[tuple[str, str], tuple]) -> set[tuple[str, str]]:
    """(table, id) of rows inserted, updated or deleted between two `synced_rows` snapshots."""
    return {key for key in before.keys() | after.keys() if before.get(key) != after.get(key)}

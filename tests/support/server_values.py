"""A workspace whose rows hold what the web app may store and our forms refuse.

Built from the small unit-test workspace (tests/factories.py), then every kind of value below is
applied the way sync applies server rows (store/server_apply.py): an invalid email, empty names,
NULL / lower-case / unknown currencies, negative amounts, probabilities of 150 and 250, stage
types, task statuses and run statuses we do not know, tags that are not normalised, custom
values of the wrong type for their field, a custom field definition of an unknown type and one
whose key breaks our pattern, a parent-company cycle, text with terminal control codes, text
longer than our limits, dates PostgreSQL calls 'infinity', a profile without a name, a board of
a record type we do not know.

:data:`ODD` maps what each case is to (table, id) so tests can look the rows up.
"""

from __future__ import annotations

import json
from typing import Any

from tests.factories import Ids, fixed_id, make_store
from track_tui.models.text import LINE_MAX
from track_tui.store import Store
from track_tui.store import server_apply
from track_tui.store.rows import BOOL_COLUMNS, JSON_COLUMNS
from track_tui.store.schema import SYNCED_TABLES

CONTROL = "\x1b]0;pwned\x07\x1b[2J"
LONG = "x" * (LINE_MAX + 50)


def _as_sent(store: Store, table: str, row_id: str, **changes: Any) -> dict[str, Any]:
    row = dict(store.conn.execute(f"SELECT * FROM {table} WHERE id = ?", (row_id,)).fetchone())
    out = {}
    for column, value in row.items():
        if value is not None and column in JSON_COLUMNS:
            value = json.loads(value)
        elif value is not None and column in BOOL_COLUMNS:
            value = bool(value)
        out[column] = value
    out.pop("email", None) if table == "profiles" else None
    out["version"] = (row["version"] or 0) + 1
    out["updated_at"] = "2026-03-16T12:30:00.5+00:00"
    out.update(changes)
    return out


def build_server_values_store(path: str = ":memory:") -> tuple[Store, Ids, dict[str, tuple[str, str]]]:
    store, ids = make_store(path)
    with store.lock:  # as if everything so far had been synced
        store.conn.execute("DELETE FROM outbox")
        for table in SYNCED_TABLES:
            store.conn.execute(f"UPDATE {table} SET version = 1 WHERE version = 0")
    d, c, co, st = ids.deals, ids.contacts, ids.companies, ids.stages
    rows: dict[str, list[dict[str, Any]]] = {}

    def put(table: str, row: dict[str, Any]) -> None:
        rows.setdefault(table, []).append(row)

    put("contacts", _as_sent(store, "contacts", c["Ada Lovelace"], email="not an email", tags=["VIP", "VIP", " x "],
                             custom_fields={"nickname": 42, "unknown_key": {"deep": [1, 2]}}, title=CONTROL + "CTO"))
    put("contacts", _as_sent(store, "contacts", c["Ken Sato"], name="", phone=LONG))
    put("companies", _as_sent(store, "companies", co["Acme"], name=CONTROL + "Acme", domain="not a domain!!",
                              parent_id=co["Globex"]))
    put("companies", _as_sent(store, "companies", co["Globex"], parent_id=co["Acme"], name=LONG))  # a cycle
    put("deals", _as_sent(store, "deals", d["Acme renewal"], currency=None, probability=250, custom_fields={
        "source": 42, "seats": "forty", "products": "crm", "renewal": "not a date", "nda": "yes",
        "website": 5, "budget": {"minor": "x"}, "partner": "abc", "code_name": ["A"]}))
    put("deals", _as_sent(store, "deals", d["Tokyo pilot"], currency="usd", value_cents=-500))
    put("deals", _as_sent(store, "deals", d["Osaka trial"], currency="XYZ", close_date="infinity", name=""))
    put("board_stages", _as_sent(store, "board_stages", st["Lead"], probability=150, name=CONTROL + "Lead"))
    put("board_stages", _as_sent(store, "board_stages", st["Qualified"], stage_type="archived"))
    put("boards", {"id": fixed_id("board:tickets"), "workspace_id": ids.workspace, "name": "Tickets",
                   "record_type": "ticket", "is_archived": False, "created_by": None,
                   "created_at": "2026-01-01T00:00:00+00:00", "updated_at": "2026-03-16T12:30:00+00:00", "version": 1})
    put("board_stages", {"id": fixed_id("stage:ticket-new"), "board_id": fixed_id("board:tickets"), "name": "New",
                         "position": 0, "stage_type": "open", "probability": None, "workspace_id": ids.workspace,
                         "updated_at": "2026-03-16T12:30:00+00:00", "version": 1})
    put("board_cards", {"id": fixed_id("card:ticket"), "board_id": fixed_id("board:tickets"),
                        "stage_id": fixed_id("stage:ticket-new"), "record_type": "ticket",
                        "record_id": fixed_id("ticket:1"), "position": 0, "workspace_id": ids.workspace,
                        "updated_at": "2026-03-16T12:30:00+00:00", "version": 1})
    put("tasks", _as_sent(store, "tasks", ids.tasks["acme_call"], status="blocked", title=""))
    put("tasks", _as_sent(store, "tasks", ids.tasks["globex_deck"], due_date="infinity", description=CONTROL))
    put("profiles", _as_sent(store, "profiles", ids.other, full_name=None))
    put("custom_fields", {"id": fixed_id("field:rating"), "workspace_id": ids.workspace, "record_type": "deal",
                          "name": "Rating", "key": "rating", "type": "stars", "config": {"max": 5},
                          "searchable": False, "position": 20, "updated_at": "2026-03-16T12:30:00+00:00", "version": 1})
    put("custom_fields", {"id": fixed_id("field:badkey"), "workspace_id": ids.workspace, "record_type": "contact",
                          "name": "Bad key", "key": "Bad Key", "type": "text", "config": {"options": "none"},
                          "searchable": True, "position": 21, "updated_at": "2026-03-16T12:30:00+00:00", "version": 1})
    entry = {"workspace_id": ids.workspace, "record_type": "deal", "record_id": d["Acme renewal"],
             "author_id": "someone-we-do-not-know", "created_at": "2026-03-16T11:00:00+00:00",
             "updated_at": "2026-03-16T12:30:00+00:00", "version": 1}
    put("timeline_entries", {**entry, "id": fixed_id("entry:sms"), "entry_type": "sms", "body": "sent", "payload": {}})
    put("timeline_entries", {**entry, "id": fixed_id("entry:edit"), "entry_type": "field_edit", "body": None,
                             "payload": {"field": 5, "old": {"a": [1]}, "new": None, "label": ["x"]}})
    put("timeline_entries", {**entry, "id": fixed_id("entry:move"), "entry_type": "stage_change", "body": None,
                             "payload": {"to_stage": 7, "from_stage_id": None}})
    put("timeline_entries", {**entry, "id": fixed_id("entry:note"), "entry_type": "note",
                             "body": CONTROL + "# Heading\n" + "word " * 3000, "payload": []})
    put("timeline_entries", {**entry, "id": fixed_id("entry:infinite"), "entry_type": "call", "body": "later",
                             "payload": {"duration_seconds": "long", "disposition": None},
                             "created_at": "infinity"})
    put("automations", {"id": fixed_id("automation:odd"), "workspace_id": ids.workspace, "name": CONTROL,
                        "trigger": [], "conditions": {}, "actions": "none", "is_enabled": None,
                        "created_at": "2026-01-01T00:00:00+00:00", "updated_at": "2026-03-16T12:30:00+00:00",
                        "version": 1})
    put("automation_runs", {"id": fixed_id("run:odd"), "automation_id": fixed_id("automation:odd"),
                            "record_id": d["Acme renewal"], "status": "skipped", "duration_ms": -3,
                            "error": CONTROL, "run_at": "2026-03-16T12:00:00+00:00", "workspace_id": ids.workspace,
                            "updated_at": "2026-03-16T12:30:00+00:00", "version": 1})
    for table in SYNCED_TABLES:
        if table in rows:
            result = server_apply.apply_rows(store, table, rows[table])
            assert result.rejected == [] and result.written == len(rows[table]), (table, result)
    odd = {
        "invalid email": ("contacts", c["Ada Lovelace"]), "empty contact name": ("contacts", c["Ken Sato"]),
        "company cycle": ("companies", co["Acme"]), "long company name": ("companies", co["Globex"]),
        "no currency": ("deals", d["Acme renewal"]), "lower-case currency": ("deals", d["Tokyo pilot"]),
        "unknown currency": ("deals", d["Osaka trial"]), "stage of 150%": ("board_stages", st["Lead"]),
        "unknown stage type": ("board_stages", st["Qualified"]), "unknown task status": ("tasks", ids.tasks["acme_call"]),
        "infinite due date": ("tasks", ids.tasks["globex_deck"]), "nameless profile": ("profiles", ids.other),
        "unknown board type": ("boards", fixed_id("board:tickets")),
    }
    return store, ids, odd

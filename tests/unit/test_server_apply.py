"""Server rows entering the cache: the version rule, rebase of pending edits, tombstones, acks,
cursors, conversion, values only the server allows, and the bulk first download."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from tests.factories import FIXED_NOW, fixed_id, make_store
from track_tui.models import RecordType, Task
from track_tui.store import Action, ChangeSet, Origin, Store, change_log
from track_tui.store import server_apply as apply
from track_tui.store.rows import BOOL_COLUMNS, JSON_COLUMNS
from track_tui.store.schema import SYNCED_TABLES
from track_tui.store.server_apply import Cursor

LATER = FIXED_NOW + timedelta(hours=1)
BOB = fixed_id("profile:bob")


# -- helpers ---------------------------------------------------------------------------------


def postgrest_time(value: str | None) -> str | None:
    """A cache timestamp as PostgREST writes it: microseconds without trailing zeros."""
    if value is None:
        return None
    moment = datetime.fromisoformat(value).astimezone(timezone.utc)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    if moment.microsecond:
        text += f".{moment.microsecond:06d}".rstrip("0")
    return text + "+00:00"


def server_row(store: Store, table: str, row_id: str, *, bump: int = 1, **changes: Any) -> dict[str, Any]:
    """The cached row as the server would send it after `changes`, `bump` versions later."""
    row = dict(store.conn.execute(f"SELECT * FROM {table} WHERE id = ?", (row_id,)).fetchone())
    out: dict[str, Any] = {}
    for column, value in row.items():
        if column in JSON_COLUMNS and value is not None:
            value = json.loads(value)
        elif column in BOOL_COLUMNS and value is not None:
            value = bool(value)
        elif column in ("created_at", "updated_at", "deleted_at", "run_at"):
            value = postgrest_time(value)
        out[column] = value
    out.pop("email", None) if table == "profiles" else None  # not a server column
    out["version"] = (row["version"] or 0) + bump
    out["updated_at"] = postgrest_time(changes.pop("updated_at", None) or (LATER.isoformat()))
    out["updated_by"] = changes.pop("updated_by", BOB)
    out.update(changes)
    return out


def acked(store: Store) -> None:
    """As if every local write had been pushed and answered: no outbox, versions from 1."""
    with store.lock:
        store.conn.execute("DELETE FROM outbox")
        for table in SYNCED_TABLES:
            store.conn.execute(f"UPDATE {table} SET version = 1 WHERE version = 0")


def pending(store: Store, table: str, row_id: str) -> list[dict[str, Any]]:
    rows = store.conn.execute(
        "SELECT * FROM outbox WHERE table_name = ? AND row_id = ? ORDER BY seq", (table, row_id)).fetchall()
    return [dict(r) for r in rows]


def cached(store: Store, table: str, row_id: str) -> dict[str, Any] | None:
    row = store.conn.execute(f"SELECT * FROM {table} WHERE id = ?", (row_id,)).fetchone()
    return dict(row) if row else None


@pytest.fixture
def world():
    store, ids = make_store()
    acked(store)
    heard: list[ChangeSet] = []
    store.subscribe(heard.append)
    yield store, ids, heard
    store.close()


# -- the version rule, news and who --------------------------------------------------------


def test_a_newer_row_applies_and_says_which_columns_changed_and_who(world):
    store, ids, heard = world
    deal = ids.deals["Acme renewal"]
    before = store.conn.execute("SELECT count(*) FROM timeline_entries").fetchone()[0]
    result = apply.apply_rows(store, "deals", [server_row(store, "deals", deal, close_date="2026-06-30")])
    assert (result.written, result.skipped, result.rejected) == (1, 0, [])
    changes = heard[-1]
    assert changes.origin is Origin.SERVER and changes.is_news
    assert changes.fields("deals", deal) == {"close_date"}
    assert changes.changed_by("deals", deal) == BOB
    row = cached(store, "deals", deal)
    assert row["close_date"] == "2026-06-30" and row["version"] == 2 and row["updated_by"] == BOB
    assert row["updated_at"] == LATER.isoformat(timespec="microseconds")
    # no outbox entries, no auto-logged field edit
    assert store.conn.execute("SELECT count(*) FROM outbox").fetchone()[0] == 0
    assert store.conn.execute("SELECT count(*) FROM timeline_entries").fetchone()[0] == before
    assert store.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1


def test_the_store_says_who_last_changed_a_row(world):
    store, ids, heard = world
    deal = ids.deals["Acme renewal"]
    assert store.changed_by("deals", deal).label == "someone (the web app or an automation)"
    apply.apply_rows(store, "deals", [server_row(store, "deals", deal, updated_by=ids.other)])
    assert store.changed_by("deals", deal).label == "Omar Haddad"
    apply.apply_rows(store, "deals", [server_row(store, "deals", deal, updated_by=BOB)])
    assert store.changed_by("deals", deal).label == "someone"  # a person the cache has no profile of
    store.update_record(RecordType.DEAL, deal, {"name": "Mine now"})
    assert store.changed_by("deals", deal).is_you and store.changed_by("deals", deal).label == "you"
    with pytest.raises(ValueError):
        store.changed_by("outbox", deal)


def test_replaying_a_row_or_an_older_one_changes_and_announces_nothing(world):
    store, ids, heard = world
    deal = ids.deals["Acme renewal"]
    row = server_row(store, "deals", deal, name="Acme renewal 2027")
    apply.apply_rows(store, "deals", [row])
    after_first = cached(store, "deals", deal)
    heard.clear()
    older = {**row, "version": row["version"] - 1, "name": "stale"}
    result = apply.apply_rows(store, "deals", [row, older])
    assert (result.written, result.skipped) == (0, 2)
    assert cached(store, "deals", deal) == after_first
    assert heard == []  # nothing committed is news


def test_a_new_row_is_searchable_and_a_rename_updates_its_document(world):
    store, ids, heard = world
    company = {
        "id": fixed_id("company:Zebra"), "workspace_id": ids.workspace, "name": "Zebra Logistics",
        "domain": "zebra.example", "industry": None, "size": None, "parent_id": None, "owner_id": None,
        "tags": ["fleet"], "custom_fields": {}, "deleted_at": None, "created_at": "2026-03-01T10:00:00+00:00",
        "updated_at": "2026-03-16T13:00:00.5+00:00", "version": 1, "updated_by": BOB,
    }
    apply.apply_rows(store, "companies", [company])
    assert heard[-1].columns("companies", company["id"]) is None  # a whole new row
    assert [h.record_id for h in store.search("zebra").hits] == [company["id"]]
    apply.apply_rows(store, "companies", [{**company, "name": "Quagga Freight", "domain": "quagga.example", "version": 2}])
    assert store.search("zebra").hits == []
    assert [h.record_id for h in store.search("quagga").hits] == [company["id"]]


def test_rows_may_arrive_before_what_they_reference(world):
    store, ids, heard = world
    parent, child = fixed_id("company:later-parent"), fixed_id("company:early-child")
    deal = fixed_id("deal:early")
    base = {"workspace_id": ids.workspace, "domain": None, "industry": None, "size": None, "owner_id": None,
            "tags": [], "custom_fields": {}, "deleted_at": None, "created_at": "2026-03-01T10:00:00+00:00",
            "updated_at": "2026-03-16T13:00:00+00:00", "version": 1}
    apply.apply_rows(store, "deals", [{
        **{k: v for k, v in base.items() if k not in ("domain", "industry", "size")},
        "id": deal, "name": "Early deal", "value_cents": 100, "currency": "USD", "stage_id": ids.stages["Lead"],
        "close_date": None, "probability": None, "primary_contact_id": None, "company_id": child}])
    apply.apply_rows(store, "companies", [{**base, "id": child, "name": "Child", "parent_id": parent}])
    apply.apply_rows(store, "companies", [{**base, "id": parent, "name": "Parent", "parent_id": None}])
    assert store.conn.execute("PRAGMA foreign_key_check").fetchall() == []
    assert [r.name for r in store.record_relations(RecordType.DEAL, deal)] == ["Child"]
    assert store.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1


# -- rebase -------------------------------------------------------------------------------


def test_a_pending_field_edit_stays_on_top_of_a_newer_server_row(world):
    store, ids, heard = world
    deal = ids.deals["Globex expansion"]
    store.update_record(RecordType.DEAL, deal, {"name": "Globex expansion (EU)"})
    entry = pending(store, "deals", deal)
    assert [e["op"] for e in entry] == ["update"]
    server = server_row(store, "deals", deal, name="Globex expansion", close_date="2026-09-01", bump=3)
    server["version"] = 5
    heard.clear()
    apply.apply_rows(store, "deals", [server])
    row = cached(store, "deals", deal)
    assert row["name"] == "Globex expansion (EU)"  # the person's edit is still what they see
    assert row["close_date"] == "2026-09-01"  # and the teammate's change arrived
    assert row["version"] == 5  # the server's, so the push's base is right
    assert pending(store, "deals", deal) == entry  # still pending, untouched
    assert heard[-1].fields("deals", deal) == {"close_date"}  # only the teammate's change is news


def test_a_pending_stage_move_stays_on_top_of_a_newer_server_row(world):
    store, ids, heard = world
    card, deal = ids.cards["Tokyo pilot"], ids.deals["Tokyo pilot"]
    store.move_card(card, ids.stages["Proposal"])
    moved = cached(store, "board_cards", card)
    assert moved["stage_id"] == ids.stages["Proposal"]
    card_row = server_row(store, "board_cards", card, stage_id=ids.stages["Lead"], position=7)
    deal_row = server_row(store, "deals", deal, stage_id=ids.stages["Lead"], value_cents=2_000_000)
    apply.apply_rows(store, "board_cards", [card_row])
    apply.apply_rows(store, "deals", [deal_row])
    assert cached(store, "board_cards", card)["stage_id"] == ids.stages["Proposal"]
    assert cached(store, "board_cards", card)["position"] == moved["position"]
    assert cached(store, "deals", deal)["stage_id"] == ids.stages["Proposal"]
    assert cached(store, "deals", deal)["value_cents"] == 2_000_000
    board = store.board(ids.deals_board)
    assert card in store.column_card_ids(board, ids.stages["Proposal"])
    assert {e["state"] for e in pending(store, "board_cards", card)} == {"pending"}


def test_a_pending_soft_delete_stays_deleted_under_a_newer_server_row(world):
    store, ids, heard = world
    contact = ids.contacts["Ken Sato"]
    store.soft_delete(RecordType.CONTACT, contact)
    apply.apply_rows(store, "contacts", [server_row(store, "contacts", contact, deleted_at=None, title="Buyer")])
    row = cached(store, "contacts", contact)
    assert row["deleted_at"] is not None and row["title"] == "Buyer"
    assert store.search("sato").hits == []  # a deleted record has no search document
    assert [e["op"] for e in pending(store, "contacts", contact)] == ["update"]


def test_a_pending_hard_delete_is_not_brought_back(world):
    store, ids, heard = world
    task = ids.tasks["globex_deck"]
    row = server_row(store, "tasks", task, title="Send Globex the new deck")
    store.delete_task(task)
    result = apply.apply_rows(store, "tasks", [row])
    assert result.skipped == 1 and cached(store, "tasks", task) is None
    assert [e["op"] for e in pending(store, "tasks", task)] == ["delete"]


def test_a_pending_insert_whose_row_the_server_has_stays_pending(world):
    store, ids, heard = world
    task = store.create_task(Task(workspace_id=ids.workspace, record_type=RecordType.DEAL,
                                  record_id=ids.deals["Gulf supply"], title="Ring the port", assigned_to=ids.me))
    [insert] = pending(store, "tasks", task.id)
    assert insert["op"] == "insert"
    row = server_row(store, "tasks", task.id, title="Ring the port", bump=0)
    row["version"] = 1
    heard.clear()
    apply.apply_rows(store, "tasks", [row])  # the insert's answer was lost; a pull brings the row
    assert cached(store, "tasks", task.id)["version"] == 1
    assert pending(store, "tasks", task.id) == [insert]
    assert not heard or not heard[-1].fields("tasks", task.id)  # our own row: no news


def test_our_own_echo_is_no_news_and_the_ack_clears_the_outbox(world):
    store, ids, heard = world
    deal = ids.deals["Osaka trial"]
    store.update_record(RecordType.DEAL, deal, {"close_date": "2026-05-05"})
    [entry] = pending(store, "deals", deal)
    echo = server_row(store, "deals", deal, updated_by=ids.me)  # realtime brings our write back
    heard.clear()
    apply.apply_rows(store, "deals", [echo])
    assert all(not c.fields("deals", deal) for c in heard)
    assert cached(store, "deals", deal)["version"] == echo["version"]
    heard.clear()
    result = apply.apply_ack(store, "deals", echo, [entry["seq"]])
    assert pending(store, "deals", deal) == [] and result.skipped == 1
    assert heard[-1].origin is Origin.ACK and not heard[-1].is_news
    assert heard[-1].has_row("outbox", deal) and not heard[-1].fields("deals", deal)


def test_an_ack_rebases_the_entries_still_pending(world):
    store, ids, heard = world
    deal = ids.deals["Osaka trial"]
    store.update_record(RecordType.DEAL, deal, {"name": "Osaka trial A"})
    store.update_record(RecordType.DEAL, deal, {"name": "Osaka trial B"})
    first, second = pending(store, "deals", deal)
    answer = server_row(store, "deals", deal, name="Osaka trial A", updated_by=ids.me)
    apply.apply_ack(store, "deals", answer, [first["seq"]])
    assert [e["seq"] for e in pending(store, "deals", deal)] == [second["seq"]]
    assert cached(store, "deals", deal)["name"] == "Osaka trial B"
    assert cached(store, "deals", deal)["version"] == answer["version"]


def test_a_delete_ack_only_clears_its_entries(world):
    store, ids, heard = world
    task = ids.tasks["gulf_done"]
    store.delete_task(task)
    [entry] = pending(store, "tasks", task)
    apply.apply_ack(store, "tasks", None, [entry["seq"]])
    assert pending(store, "tasks", task) == [] and cached(store, "tasks", task) is None


# -- tombstones ----------------------------------------------------------------------------


def stone(table: str, row_id: str, at: datetime = LATER, number: int = 1) -> dict[str, Any]:
    return {"id": number, "workspace_id": "w", "table_name": table, "row_id": row_id,
            "row_key": {"id": row_id}, "deleted_at": postgrest_time(at.isoformat()), "deleted_by": BOB}


def test_a_tombstone_deletes_the_row_and_its_documents_and_deletes_win(world):
    store, ids, heard = world
    contact = ids.contacts["Ada Lovelace"]
    store.update_record(RecordType.CONTACT, contact, {"title": "CEO"})
    stale = server_row(store, "contacts", contact, updated_at=(LATER - timedelta(minutes=5)).isoformat())
    result = apply.apply_tombstones(store, [stone("contacts", contact)], cursor=Cursor(at="2026-03-16T13:00:00+00:00", id=1))
    assert result.written == 1 and cached(store, "contacts", contact) is None
    assert store.search("lovelace").hits == []
    [entry] = pending(store, "contacts", contact)
    assert entry["state"] == "failed" and "deleted on the server" in entry["last_error"]
    assert heard[-1].has_row("contacts", contact) and heard[-1].has_row("outbox", contact)
    # a copy read before the delete (a pull page fetched just before it) does not bring it back
    assert apply.apply_rows(store, "contacts", [stale]).skipped == 1
    assert cached(store, "contacts", contact) is None
    # replaying the tombstone is harmless
    assert apply.apply_tombstones(store, [stone("contacts", contact)]).skipped == 1
    assert apply.read_cursor(store, apply.TOMBSTONES) == Cursor(at="2026-03-16T13:00:00+00:00", id=1)


def test_a_row_created_again_after_its_tombstone_applies(world):
    store, ids, heard = world
    task = ids.tasks["gulf_done"]
    row = server_row(store, "tasks", task)
    apply.apply_tombstones(store, [stone("tasks", task)])
    again = {**row, "version": 1, "updated_at": postgrest_time((LATER + timedelta(minutes=1)).isoformat())}
    assert apply.apply_rows(store, "tasks", [again]).written == 1
    assert cached(store, "tasks", task)["title"] == "Confirm Gulf volumes"


def test_a_pending_delete_of_a_row_the_server_deleted_is_done(world):
    store, ids, heard = world
    task = ids.tasks["gulf_done"]
    store.delete_task(task)
    apply.apply_tombstones(store, [stone("tasks", task)])
    assert pending(store, "tasks", task) == []


def test_tombstones_are_forgotten_after_a_week(world):
    store, ids, heard = world
    apply.apply_tombstones(store, [stone("tasks", ids.tasks["gulf_done"], LATER - timedelta(days=8))])
    apply.apply_tombstones(store, [stone("tasks", ids.tasks["acme_call"], LATER, 2)])
    assert [r[0] for r in store.conn.execute("SELECT row_id FROM sync_deleted")] == [ids.tasks["acme_call"]]


# -- timeline entries, custom fields ---------------------------------------------------------


def test_server_timeline_entries_are_stored_as_they_are_and_found(world):
    store, ids, heard = world
    deal = ids.deals["Gulf supply"]
    entries_before = store.conn.execute("SELECT count(*) FROM timeline_entries").fetchone()[0]
    note = {"id": fixed_id("entry:server-note"), "workspace_id": ids.workspace, "record_type": "deal",
            "record_id": deal, "entry_type": "note", "author_id": BOB, "body": "Port strike next week",
            "payload": {}, "created_at": "2026-03-16T12:30:00.25+00:00", "updated_at": "2026-03-16T12:30:00.25+00:00",
            "version": 1}
    move = {**note, "id": fixed_id("entry:server-move"), "entry_type": "stage_change", "body": None,
            "payload": {"from_stage": "Proposal", "to_stage": "Won", "to_stage_id": ids.stages["Won"]}}
    apply.apply_rows(store, "timeline_entries", [note, move])
    assert store.conn.execute("SELECT count(*) FROM timeline_entries").fetchone()[0] == entries_before + 2
    stored = cached(store, "timeline_entries", move["id"])
    assert json.loads(stored["payload"]) == move["payload"] and stored["created_at"] == "2026-03-16T12:30:00.250000+00:00"
    assert [h.entry_id for h in store.search("strike").hits] == [note["id"]]
    # a server deal row moving the stage logs nothing more
    apply.apply_rows(store, "deals", [server_row(store, "deals", deal, stage_id=ids.stages["Won"])])
    assert store.conn.execute("SELECT count(*) FROM timeline_entries").fetchone()[0] == entries_before + 2


def test_a_field_turned_searchable_on_the_server_reindexes_its_records(world):
    store, ids, heard = world
    deal = ids.deals["Acme renewal"]
    apply.apply_rows(store, "deals", [server_row(store, "deals", deal, custom_fields={"source": "web", "seats": 40,
                                                                                          "website": "https://zanzibar.example"})])
    assert store.search("zanzibar").hits == []
    field = ids.fields["website"]
    apply.apply_rows(store, "custom_fields", [server_row(store, "custom_fields", field, searchable=True)])
    assert [h.record_id for h in store.search("zanzibar").hits] == [deal]


# -- cursors ---------------------------------------------------------------------------------


def test_cursors_commit_with_their_page_and_never_move_back(world):
    store, ids, heard = world
    assert apply.read_cursor(store, "deals") is None
    deal = ids.deals["Acme renewal"]
    row = server_row(store, "deals", deal)
    apply.apply_rows(store, "deals", [row], cursor=Cursor(at=row["updated_at"], id=deal))
    assert apply.read_cursor(store, "deals") == Cursor(at=row["updated_at"], id=deal)
    apply.apply_rows(store, "deals", [], cursor=Cursor(at="2026-03-16T12:00:00+00:00", id=deal))  # an overlap page
    assert apply.read_cursor(store, "deals") == Cursor(at=row["updated_at"], id=deal)
    # a page that fails leaves neither its rows nor its cursor
    later = server_row(store, "deals", deal, name="Never")
    with pytest.raises(RuntimeError):
        with store.transaction(origin=Origin.SERVER, foreign_keys=False):
            apply.apply_rows(store, "deals", [later], cursor=Cursor(at="2027-01-01T00:00:00+00:00", id=deal))
            raise RuntimeError("connection lost mid-page")
    assert apply.read_cursor(store, "deals") == Cursor(at=row["updated_at"], id=deal)
    assert cached(store, "deals", deal)["name"] != "Never"
    store.conn.execute("UPDATE sync_state SET cursor = 'garbage' WHERE table_name = 'deals'")
    assert apply.read_cursor(store, "deals") is None


# -- what the server sends, and what it may hold ---------------------------------------------


def test_values_are_converted_as_the_cache_keeps_them(world):
    store, ids, heard = world
    stage = ids.stages["Lead"]
    contact = ids.contacts["Grace Hopper"]
    times = {"2026-03-16T13:00:00.12+00:00": "2026-03-16T13:00:00.120000+00:00",
             "2026-03-16T08:00:00-05:00": "2026-03-16T13:00:00.000000+00:00",
             "2026-03-16T13:00:00Z": "2026-03-16T13:00:00.000000+00:00"}
    for version, (sent, kept) in enumerate(times.items(), start=5):
        row = server_row(store, "board_stages", stage, probability=15, some_server_column="dropped")
        row.update(version=version, updated_at=sent)
        apply.apply_rows(store, "board_stages", [row])
        assert cached(store, "board_stages", stage)["updated_at"] == kept
    assert cached(store, "board_stages", stage)["probability"] == 15.0
    row = server_row(store, "contacts", contact, tags=["Navy", "ünïcode"], custom_fields={"nickname": "Amazing Grace"})
    apply.apply_rows(store, "contacts", [row])
    stored = cached(store, "contacts", contact)
    assert json.loads(stored["tags"]) == ["Navy", "ünïcode"]
    assert stored["custom_fields"] == json.dumps({"nickname": "Amazing Grace"}, separators=(",", ":"))
    board = server_row(store, "boards", ids.contacts_board, is_archived=True)
    apply.apply_rows(store, "boards", [board])
    assert cached(store, "boards", ids.contacts_board)["is_archived"] == 1


def test_columns_a_row_leaves_out_keep_what_the_cache_holds(world):
    store, ids, heard = world
    # profiles.email is the cache's own; an UPDATE event may leave out unchanged large columns
    apply.apply_rows(store, "profiles", [server_row(store, "profiles", ids.me, full_name="Mia Chen-Ito")])
    assert cached(store, "profiles", ids.me)["email"] == "mia@northwind.example"
    deal = ids.deals["Acme renewal"]
    custom = cached(store, "deals", deal)["custom_fields"]
    partial = {k: v for k, v in server_row(store, "deals", deal, name="Acme 2027").items() if k != "custom_fields"}
    apply.apply_rows(store, "deals", [partial])
    assert cached(store, "deals", deal)["custom_fields"] == custom and cached(store, "deals", deal)["name"] == "Acme 2027"


def test_rows_the_cache_cannot_store_are_rejected_and_the_rest_applies(world):
    store, ids, heard = world
    good = server_row(store, "deals", ids.deals["Acme renewal"], name="Fine")
    bad = server_row(store, "deals", ids.deals["Tokyo pilot"], name="nul\x00byte")
    huge = server_row(store, "deals", ids.deals["Osaka trial"], value_cents=2**70)
    result = apply.apply_rows(store, "deals", [bad, good, huge, {"name": "no id"},
                                              {"id": ids.deals["Gulf supply"], "version": None}])
    assert result.written == 1 and cached(store, "deals", ids.deals["Acme renewal"])["name"] == "Fine"
    assert [(r.row_id, r.reason.split(":")[0]) for r in result.rejected] == [
        (ids.deals["Tokyo pilot"], "name"), (ids.deals["Osaka trial"], "value_cents"),
        (None, "the row has no id"), (ids.deals["Gulf supply"], "the row has no version (got None)")]
    with pytest.raises(ValueError, match="not a synced table"):
        apply.apply_rows(store, "outbox", [])


# Values a project may hold that our forms refuse, and that the cache must hold to stay in sync:
# nullable where our migrations say so, and anything at all where the web app made the tables.
SERVER_ONLY_VALUES = [
    ("deals", "currency", None), ("deals", "currency", "usd"), ("deals", "currency", "XYZ"),
    ("deals", "value_cents", -500), ("deals", "probability", 250), ("deals", "name", ""),
    ("profiles", "full_name", None),
    ("board_stages", "probability", 150), ("board_stages", "stage_type", "archived"),
    ("boards", "record_type", "ticket"), ("tasks", "status", "blocked"),
    ("automation_runs", "status", "skipped"),
    ("contacts", "email", "not an email"), ("contacts", "tags", ["UPPER", "UPPER"]),
    ("contacts", "custom_fields", {"nickname": 42, "unknown": {"deep": [1, 2]}}),
    ("contacts", "name", "\x1b]0;pwned\x07Mallory"),
]


@pytest.mark.parametrize(("table", "column", "value"), SERVER_ONLY_VALUES)
def test_every_value_the_server_can_hold_applies(world, table, column, value):
    store, ids, heard = world
    row_id = {
        "deals": ids.deals["Acme renewal"], "profiles": ids.other, "board_stages": ids.stages["Lead"],
        "boards": ids.contacts_board, "tasks": ids.tasks["acme_call"], "contacts": ids.contacts["Ada Lovelace"],
    }.get(table)
    if table == "automation_runs":
        apply.apply_rows(store, "automations", [{
            "id": "auto-1", "workspace_id": ids.workspace, "name": "A", "trigger": {}, "conditions": [],
            "actions": [], "is_enabled": True, "created_at": "2026-01-01T00:00:00+00:00",
            "updated_at": "2026-01-01T00:00:00+00:00", "version": 1}])
        row = {"id": "run-1", "automation_id": "auto-1", "record_id": None, "status": value, "duration_ms": 5,
               "error": None, "run_at": "2026-01-01T00:00:00+00:00", "workspace_id": ids.workspace,
               "updated_at": "2026-01-01T00:00:00+00:00", "version": 1}
        row_id = "run-1"
    else:
        row = server_row(store, table, row_id, **{column: value})
    result = apply.apply_rows(store, table, [row])
    assert result.rejected == [] and result.written == 1
    stored = cached(store, table, row_id)[column]
    expected = json.dumps(value, separators=(",", ":"), sort_keys=True) if column in JSON_COLUMNS else value
    assert stored == expected


def test_nulls_of_a_web_app_project_fill_the_columns_our_migrations_require(world):
    """A project whose tables predate our migrations may hold NULL where ours say NOT NULL."""
    store, ids, heard = world
    board = {"id": "legacy-board", "workspace_id": ids.workspace, "name": None, "record_type": "deal",
             "is_archived": None, "created_by": None, "created_at": None,
             "updated_at": "2026-03-16T13:00:00+00:00", "version": 1}
    stage = {"id": "legacy-stage", "board_id": "legacy-board", "name": "S", "position": None, "stage_type": None,
             "probability": None, "workspace_id": ids.workspace, "updated_at": "2026-03-16T13:00:00+00:00", "version": 1}
    contact = {**server_row(store, "contacts", ids.contacts["Ken Sato"]), "tags": None, "custom_fields": None}
    for table, row in (("boards", board), ("board_stages", stage), ("contacts", contact)):
        assert apply.apply_rows(store, table, [row]).rejected == []
    assert cached(store, "boards", "legacy-board")["name"] == "" and cached(store, "boards", "legacy-board")["is_archived"] == 0
    assert cached(store, "boards", "legacy-board")["created_at"] == "2026-03-16T13:00:00.000000+00:00"
    assert cached(store, "board_stages", "legacy-stage")["stage_type"] == "open"
    assert cached(store, "board_stages", "legacy-stage")["position"] == 0
    assert cached(store, "contacts", ids.contacts["Ken Sato"])["tags"] == "[]"


def test_a_server_row_replaces_a_cached_row_of_another_id_with_the_same_key(world):
    store, ids, heard = world
    member_id = fixed_id(f"member:{ids.me}")
    server_id = fixed_id("member:server-id")
    row = {**server_row(store, "workspace_members", member_id, role="admin"), "id": server_id}
    apply.apply_rows(store, "workspace_members", [row])
    members = store.conn.execute("SELECT id, role FROM workspace_members WHERE user_id = ?", (ids.me,)).fetchall()
    assert [tuple(m) for m in members] == [(server_id, "admin")]
    # a link the person made that someone else made first: the server's wins, the insert is parked
    link = store.add_deal_contact(ids.deals["Tokyo pilot"], ids.contacts["Ken Sato"], "buyer")
    theirs = {"id": fixed_id("link:theirs"), "deal_id": link.deal_id, "contact_id": link.contact_id,
              "role": "champion", "workspace_id": ids.workspace, "updated_at": "2026-03-16T13:00:00+00:00",
              "version": 1}
    apply.apply_rows(store, "deal_contacts", [theirs])
    assert cached(store, "deal_contacts", link.id) is None and cached(store, "deal_contacts", theirs["id"])
    [entry] = pending(store, "deal_contacts", link.id)
    assert entry["state"] == "failed" and "replaced by the server's row" in entry["last_error"]


def test_a_role_changed_on_the_server_is_the_role_the_cache_acts_on(world):
    store, ids, heard = world
    store.set_meta("role", "admin")
    member = fixed_id(f"member:{ids.me}")
    apply.apply_rows(store, "workspace_members", [server_row(store, "workspace_members", member, role="viewer")])
    assert store.get_meta("role") == "viewer" and heard[-1].has_row("meta", "role")
    assert not store.can(Action.EDIT_RECORDS)
    other = fixed_id(f"member:{ids.other}")
    apply.apply_rows(store, "workspace_members", [server_row(store, "workspace_members", other, role="owner")])
    assert store.get_meta("role") == "viewer"  # someone else's membership is theirs


def test_other_processes_hear_server_changes_with_their_origin(tmp_path):
    store, ids = make_store(tmp_path / "cache.sqlite3")
    acked(store)
    other = Store(tmp_path / "cache.sqlite3")
    try:
        other.poll_other_writers()  # start watching
        deal = ids.deals["Acme renewal"]
        apply.apply_rows(store, "deals", [server_row(store, "deals", deal, close_date="2026-07-01")])
        [news] = other.poll_other_writers()
        assert news.origin is Origin.SERVER and news.elsewhere and news.fields("deals", deal) == {"close_date"}
        assert change_log.last_seq(store.conn) >= 1
    finally:
        other.close()
        store.close()


def test_foreign_keys_are_back_on_after_a_failed_apply(world):
    store, ids, heard = world
    with pytest.raises(ZeroDivisionError):
        with store.transaction(origin=Origin.SERVER, foreign_keys=False):
            assert store.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 0
            1 / 0
    assert store.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    with pytest.raises(RuntimeError, match="only server rows"):
        with store.transaction(foreign_keys=False):
            pass


# -- the first download (bulk) ---------------------------------------------------------------


def _index_names(conn: sqlite3.Connection, table: str) -> set[str]:
    return {r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL", (table,))}


def source_rows(store: Store, table: str) -> list[dict[str, Any]]:
    """A table's rows as a first download pulls them: in (updated_at, id) order."""
    rows = []
    for (row_id, updated_at) in store.conn.execute(f"SELECT id, updated_at FROM {table} ORDER BY updated_at, id"):
        rows.append(server_row(store, table, row_id, bump=0, updated_at=updated_at) | {"version": 3})
    return rows


def test_a_first_download_applies_page_by_page_with_indexes_suspended_and_search_rebuilt(tmp_path):
    source, ids = make_store()
    acked(source)
    target = Store(tmp_path / "new.sqlite3")
    target.set_meta("workspace_id", ids.workspace)
    heard: list[ChangeSet] = []
    target.subscribe(heard.append)
    try:
        indexes = _index_names(target.conn, "deals")
        for table in SYNCED_TABLES:
            rows = source_rows(source, table)
            with apply.first_download(target, table) as loader:
                if table == "deals":
                    assert _index_names(target.conn, "deals") == set()  # suspended while empty
                for start in range(0, len(rows), 3):
                    page = rows[start:start + 3]
                    loader.apply(page, cursor=Cursor(at=page[-1]["updated_at"], id=page[-1]["id"]))
                if rows:
                    assert loader.apply(rows[:3]).skipped == len(rows[:3])  # a page replayed
            assert apply.read_cursor(target, table) == (Cursor(at=rows[-1]["updated_at"], id=rows[-1]["id"]) if rows else None)
        assert _index_names(target.conn, "deals") == indexes
        assert target.get_meta("bulk_suspended_indexes") is None
        assert target.search("lovelace").hits == []  # documents wait for the end
        apply.finish_first_download(target)
        assert [h.record_id for h in target.search("lovelace").hits] == [ids.contacts["Ada Lovelace"]]
        for table in SYNCED_TABLES:
            assert target.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == \
                source.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0], table
        assert target.conn.execute("SELECT count(*) FROM outbox").fetchone()[0] == 0
        assert all(c.origin is Origin.SERVER for c in heard) and any(c.any_row("deals") for c in heard)
        assert target.conn.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        target.close()
        source.close()


def test_an_interrupted_first_download_gets_its_indexes_back(tmp_path):
    source, ids = make_store()
    acked(source)
    path = tmp_path / "new.sqlite3"
    target = Store(path)
    indexes = _index_names(target.conn, "tasks")
    with pytest.raises(KeyboardInterrupt):
        with apply.first_download(target, "tasks") as loader:
            loader.apply(source_rows(source, "tasks")[:1])
            # a kill -9 here: simulate it by leaving without the block's own restore
            loader.suspended = []
            raise KeyboardInterrupt
    assert _index_names(target.conn, "tasks") == set() and target.get_meta("bulk_suspended_indexes")
    target.close()
    target = Store(path)
    with apply.first_download(target, "contacts"):
        pass
    assert _index_names(target.conn, "tasks") == indexes and target.get_meta("bulk_suspended_indexes") is None
    target.close()
    source.close()


def test_bulk_pages_take_the_careful_path_for_rows_with_pending_edits(world):
    store, ids, heard = world
    deal = ids.deals["Globex expansion"]
    store.update_record(RecordType.DEAL, deal, {"name": "Mine"})
    rows = [server_row(store, "deals", d, name="Theirs") for d in ids.deals.values()]
    with apply.first_download(store, "deals") as loader:
        result = loader.apply(rows)
    assert result.written == len(rows)
    assert cached(store, "deals", deal)["name"] == "Mine"
    assert cached(store, "deals", ids.deals["Tokyo pilot"])["name"] == "Theirs"
    assert [e["state"] for e in pending(store, "deals", deal)] == ["pending"]

"""The single write path: one transaction per action, auto-logged timeline, outbox, announcements."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from tests.factories import (
    FIXED_NOW, TODAY, Ids, changed_rows, count, fixed_id, last_seq, make_store, outbox_after, snapshot,
    synced_rows,
)
from track_tui.models import Company, Contact, Deal, RecordType, Task, TaskStatus, TimelineEntry
from track_tui.models.enums import EntryType
from track_tui.store import ChangeSet, InvalidInput, NotFound, Origin, Store
from track_tui.store import search_docs, writes
from track_tui.store.rows import iso_utc

NOW_TEXT = iso_utc(FIXED_NOW)


@pytest.fixture
def ws() -> tuple[Store, Ids]:
    store, ids = make_store()
    yield store, ids
    store.close()


@pytest.fixture
def heard(ws: tuple[Store, Ids]) -> list[ChangeSet]:
    store, _ = ws
    changes: list[ChangeSet] = []
    store.subscribe(changes.append)
    return changes


def outbox_keys(entries: list[dict]) -> set[tuple[str, str]]:
    return {(e["table_name"], e["row_id"]) for e in entries}


def deal_board(store: Store, ids: Ids):
    return store.board(ids.deals_board)


# -- move_card -----------------------------------------------------------------------------


def test_move_card_writes_card_deal_timeline_and_outbox_in_one_go(ws, heard) -> None:
    store, ids = ws
    card, deal = ids.cards["Acme renewal"], ids.deals["Acme renewal"]
    before, seq = synced_rows(store), last_seq(store)

    store.move_card(card, ids.stages["Proposal"])

    after = synced_rows(store)
    changed = changed_rows(before, after)
    entries = outbox_after(store, seq)
    # One outbox entry per changed row, and only for changed rows.
    assert len(entries) == len(changed) == 3
    assert outbox_keys(entries) == changed
    entry_id = next(row_id for table, row_id in changed if table == "timeline_entries")
    assert changed == {("board_cards", card), ("deals", deal), ("timeline_entries", entry_id)}

    by_table = {e["table_name"]: e for e in entries}
    # Patches hold only the columns that changed.
    assert by_table["deals"]["op"] == "update"
    assert by_table["deals"]["patch"] == {"stage_id": ids.stages["Proposal"]}
    assert by_table["board_cards"]["op"] == "update"
    assert set(by_table["board_cards"]["patch"]) == {"stage_id", "position"}
    assert by_table["board_cards"]["patch"]["stage_id"] == ids.stages["Proposal"]
    assert by_table["timeline_entries"]["op"] == "insert"
    assert all(e["base_version"] == 0 for e in entries if e["op"] == "update")
    assert all(e["created_at"] == NOW_TEXT and e["state"] == "pending" for e in entries)

    (entry,) = store.timeline(deal, types=[EntryType.STAGE_CHANGE])
    assert entry.id == entry_id
    assert entry.author_id == ids.me and entry.created_at == FIXED_NOW
    assert entry.payload == {
        "board_id": ids.deals_board, "from_stage_id": ids.stages["Lead"], "from_stage": "Lead",
        "to_stage_id": ids.stages["Proposal"], "to_stage": "Proposal", "to_stage_type": "open",
    }
    assert by_table["timeline_entries"]["patch"]["payload"] == entry.payload
    assert store.record(RecordType.DEAL, deal).stage_id == ids.stages["Proposal"]
    assert store.conn.execute("SELECT updated_at FROM deals WHERE id = ?", (deal,)).fetchone()[0] == NOW_TEXT

    # One announcement naming exactly what changed.
    assert len(heard) == 1
    assert heard[0].ids("deals") == {deal}
    assert heard[0].ids("board_cards") == {card}
    assert heard[0].ids("timeline_entries") == {entry_id}
    assert heard[0].origin is Origin.LOCAL and heard[0].from_here and not heard[0].is_news
    # Which columns changed, per row (inserts: the whole row).
    assert heard[0].fields("deals", deal) == {"stage_id"}
    assert heard[0].fields("board_cards", card) == {"stage_id", "position"}
    assert heard[0].columns("timeline_entries", entry_id) is None


def test_move_card_goes_to_the_top_of_the_target_column(ws) -> None:
    store, ids = ws
    board = deal_board(store, ids)
    store.move_card(ids.cards["Tokyo pilot"], ids.stages["Qualified"])
    assert store.column_card_ids(board, ids.stages["Qualified"]) == [
        ids.cards["Tokyo pilot"], ids.cards["Globex expansion"]]
    assert ids.cards["Tokyo pilot"] not in store.column_card_ids(board, ids.stages["Lead"])


def test_move_card_records_the_base_version_of_a_synced_row(ws) -> None:
    store, ids = ws
    deal, card = ids.deals["Acme renewal"], ids.cards["Acme renewal"]
    with store.transaction(origin=Origin.SERVER) as tx:  # the server says these rows are at version 7 and 3
        tx.update("deals", deal, {"version": 7})
        tx.update("board_cards", card, {"version": 3})
    seq = last_seq(store)
    store.move_card(card, ids.stages["Qualified"])
    versions = {e["table_name"]: e["base_version"] for e in outbox_after(store, seq)}
    assert versions == {"deals": 7, "board_cards": 3, "timeline_entries": None}


def test_move_into_won_keeps_the_note_and_close_date(ws) -> None:
    store, ids = ws
    deal = ids.deals["Gulf supply"]
    store.move_card(ids.cards["Gulf supply"], ids.stages["Won"], note="Signed after pilot",
                    close_date=date(2026, 3, 20))
    move, edit = (store.timeline(deal, types=[EntryType.STAGE_CHANGE])[0],
                  store.timeline(deal, types=[EntryType.FIELD_EDIT])[0])
    assert move.body == "Signed after pilot"
    assert move.payload["note"] == "Signed after pilot" and move.payload["to_stage_type"] == "won"
    assert edit.payload == {"field": "close_date", "label": "Close date", "old": None, "new": "2026-03-20"}
    assert store.record(RecordType.DEAL, deal).close_date == date(2026, 3, 20)


def test_move_to_the_same_stage_writes_and_announces_nothing(ws, heard) -> None:
    store, ids = ws
    before = snapshot(store)
    store.move_card(ids.cards["Acme renewal"], ids.stages["Lead"])
    assert snapshot(store) == before
    assert heard == []


def test_move_to_another_boards_stage_is_refused(ws, heard) -> None:
    store, ids = ws
    before = snapshot(store)
    with pytest.raises(InvalidInput) as caught:
        store.move_card(ids.cards["Acme renewal"], ids.stages["Engaged"])
    assert caught.value.field == "Stage" and "another board" in str(caught.value)
    assert snapshot(store) == before
    assert heard == []


def test_moving_a_contact_card_has_no_deal_to_update(ws) -> None:
    store, ids = ws
    seq = last_seq(store)
    store.move_card(ids.cards["Ada Lovelace"], ids.stages["Engaged"])
    assert {e["table_name"] for e in outbox_after(store, seq)} == {"board_cards", "timeline_entries"}
    (entry,) = store.timeline(ids.contacts["Ada Lovelace"])
    assert entry.record_type == RecordType.CONTACT and entry.payload["to_stage"] == "Engaged"


def test_move_unknown_card_raises_not_found(ws) -> None:
    store, ids = ws
    with pytest.raises(NotFound):
        store.move_card(fixed_id("nope"), ids.stages["Lead"])


# -- update_record -------------------------------------------------------------------------


def test_update_record_logs_one_field_edit_per_changed_field(ws, heard) -> None:
    store, ids = ws
    deal = ids.deals["Acme renewal"]
    before, seq = synced_rows(store), last_seq(store)

    changed = store.update_record(RecordType.DEAL, deal, {
        "name": "Acme renewal 2027", "value_cents": 1_500_000, "currency": "USD",  # currency unchanged
        "tags": ["VIP", "renewal"],  # normalises to the current value: unchanged
    })

    assert sorted(changed) == ["name", "value_cents"]
    edits = {e.payload["field"]: e.payload for e in store.timeline(deal, types=[EntryType.FIELD_EDIT])}
    assert edits == {
        "name": {"field": "name", "label": "Name", "old": "Acme renewal", "new": "Acme renewal 2027"},
        "value_cents": {"field": "value_cents", "label": "Value", "old": 1_250_000, "new": 1_500_000},
    }
    entries = outbox_after(store, seq)
    assert outbox_keys(entries) == changed_rows(before, synced_rows(store))
    (deal_entry,) = [e for e in entries if e["table_name"] == "deals"]
    assert deal_entry["patch"] == {"name": "Acme renewal 2027", "value_cents": 1_500_000}
    assert len(heard) == 1 and heard[0].ids("deals") == {deal}


def test_update_record_with_nothing_new_writes_nothing(ws, heard) -> None:
    store, ids = ws
    before = snapshot(store)
    assert store.update_record(RecordType.DEAL, ids.deals["Acme renewal"], {"name": " Acme renewal "}) == []
    assert snapshot(store) == before
    assert heard == []


@pytest.mark.parametrize(
    ("record", "fields", "label", "words"),
    [
        ("deal", {"value_cents": -5}, "Value", "greater than or equal to 0"),
        ("deal", {"currency": "XYZ"}, "Currency", "ISO 4217"),
        ("deal", {"name": "   "}, "Name", "a name cannot be empty"),
        ("deal", {"probability": 140}, "Probability", "less than or equal to 100"),
        ("deal", {"close_date": "someday"}, "Close date", "date"),
        ("contact", {"email": "not-an-email"}, "Email", "email"),
        ("company", {"domain": "nodots"}, "Domain", "not a domain name"),
        ("deal", {"bogus": 1}, "bogus", "no field 'bogus'"),
    ],
)
def test_update_record_refuses_invalid_values_and_writes_nothing(ws, heard, record, fields, label, words) -> None:
    store, ids = ws
    kind, record_id = {
        "deal": (RecordType.DEAL, ids.deals["Acme renewal"]),
        "contact": (RecordType.CONTACT, ids.contacts["Ada Lovelace"]),
        "company": (RecordType.COMPANY, ids.companies["Acme"]),
    }[record]
    before = snapshot(store)
    with pytest.raises(InvalidInput) as caught:
        store.update_record(kind, record_id, fields)
    assert caught.value.field == label
    assert str(caught.value).startswith(f"{label}: ")
    assert words in str(caught.value)
    assert snapshot(store) == before
    assert heard == []


def test_update_record_stage_goes_through_the_move(ws) -> None:
    store, ids = ws
    deal = ids.deals["Acme renewal"]
    changed = store.update_record(RecordType.DEAL, deal, {"stage_id": ids.stages["Won"], "name": "Acme won"})
    assert sorted(changed) == ["name", "stage_id"]
    (move,) = store.timeline(deal, types=[EntryType.STAGE_CHANGE])
    assert move.payload["to_stage"] == "Won"
    assert store.card_index(deal_board(store, ids), ids.cards["Acme renewal"]) == (ids.stages["Won"], 0)
    # The stage is not also logged as a plain field edit.
    assert [e.payload["field"] for e in store.timeline(deal, types=[EntryType.FIELD_EDIT])] == ["name"]


# -- custom field edits --------------------------------------------------------------------


def test_custom_field_edit_is_validated_normalised_and_logged(ws) -> None:
    store, ids = ws
    deal = ids.deals["Acme renewal"]
    seq = last_seq(store)
    changed = store.update_record(RecordType.DEAL, deal, custom={
        "seats": 50, "products": ["support", "crm"], "budget": {"minor": 500_00, "currency": "eur"},
    })
    assert sorted(changed) == ["custom_fields.budget", "custom_fields.products", "custom_fields.seats"]
    custom = store.record(RecordType.DEAL, deal).custom_fields
    assert custom == {
        "source": "web", "code_name": "ROADRUNNER", "seats": 50, "products": ["crm", "support"],
        "budget": {"minor": 50_000, "currency": "EUR"},
    }
    edits = {e.payload["field"]: e.payload for e in store.timeline(deal, types=[EntryType.FIELD_EDIT])}
    assert edits["custom_fields.seats"] == {"field": "custom_fields.seats", "label": "Seats", "old": 40, "new": 50}
    assert edits["custom_fields.budget"]["old"] is None
    assert edits["custom_fields.products"]["label"] == "Products"
    (deal_entry,) = [e for e in outbox_after(store, seq) if e["table_name"] == "deals"]
    assert deal_entry["patch"] == {"custom_fields": custom}


def test_clearing_an_optional_custom_field_removes_it(ws) -> None:
    store, ids = ws
    deal = ids.deals["Acme renewal"]
    assert store.update_record(RecordType.DEAL, deal, custom={"seats": None}) == ["custom_fields.seats"]
    assert "seats" not in store.record(RecordType.DEAL, deal).custom_fields
    (edit,) = store.timeline(deal, types=[EntryType.FIELD_EDIT])
    assert (edit.payload["old"], edit.payload["new"]) == (40, None)


@pytest.mark.parametrize(
    ("custom", "field", "words"),
    [
        ({"seats": 0}, "Seats", "at least 1"),
        ({"source": None}, "Source", "a value is required"),
        ({"website": "http://acme.example"}, "Website", "https://"),
        ({"partner": {"type": "contact", "id": fixed_id("contact:Ada Lovelace")}}, "Partner", "must link to a company"),
        ({"seats": 10, "nickname": "x"}, "nickname", "no custom field with key 'nickname' on deals"),
    ],
)
def test_invalid_custom_values_are_refused_and_nothing_is_written(ws, heard, custom, field, words) -> None:
    store, ids = ws
    before = snapshot(store)
    with pytest.raises(InvalidInput) as caught:
        store.update_record(RecordType.DEAL, ids.deals["Acme renewal"], {"name": "Changed"}, custom=custom)
    assert caught.value.field == field and words in str(caught.value)
    assert snapshot(store) == before
    assert heard == []


def test_values_of_fields_this_client_does_not_know_are_kept(ws) -> None:
    store, ids = ws
    deal = ids.deals["Tokyo pilot"]
    with store.transaction(origin=Origin.SERVER) as tx:  # the web app wrote a field we have no definition of
        tx.update("deals", deal, {"custom_fields": {"source": "referral", "legacy_score": 7}})
    store.update_record(RecordType.DEAL, deal, custom={"nda": True})
    assert store.record(RecordType.DEAL, deal).custom_fields == {
        "source": "referral", "legacy_score": 7, "nda": True}


# -- create_record -------------------------------------------------------------------------


def test_create_record_places_the_card_at_the_top_of_its_stage(ws, heard) -> None:
    store, ids = ws
    board = deal_board(store, ids)
    seq, before = last_seq(store), synced_rows(store)
    deal = store.create_record(Deal(
        workspace_id=ids.workspace, name="Hooli", value_cents=10_000, stage_id=ids.stages["Lead"],
        custom_fields={"source": "web"},
    ))
    card = store.card_for_record(ids.deals_board, deal.id)
    lead = store.column_card_ids(board, ids.stages["Lead"])
    assert lead[0] == card and len(lead) == 4
    entries = outbox_after(store, seq)
    assert outbox_keys(entries) == changed_rows(before, synced_rows(store)) == {
        ("deals", deal.id), ("board_cards", card)}
    assert {e["op"] for e in entries} == {"insert"}
    (deal_entry,) = [e for e in entries if e["table_name"] == "deals"]
    assert deal_entry["patch"]["name"] == "Hooli" and deal_entry["patch"]["id"] == deal.id
    assert "version" not in deal_entry["patch"] and "updated_at" not in deal_entry["patch"]
    assert count(store, "search_docs", "record_id = ? AND entry_id = ''", deal.id) == 1
    assert len(heard) == 1 and heard[0].ids("deals") == {deal.id}


def test_create_record_with_an_explicit_stage_for_a_contact(ws) -> None:
    store, ids = ws
    contact = store.create_record(
        Contact(workspace_id=ids.workspace, name="Linus", email="linus@example.org"),
        stage_id=ids.stages["Engaged"],
    )
    board = store.board(ids.contacts_board)
    assert store.column_card_ids(board, ids.stages["Engaged"])[0] == store.card_for_record(ids.contacts_board, contact.id)


def test_create_record_without_a_stage_has_no_card(ws) -> None:
    store, ids = ws
    company = store.create_record(Company(workspace_id=ids.workspace, name="Initrode"))
    assert count(store, "board_cards", "record_id = ?", company.id) == 0


def test_create_record_stores_normalised_custom_values(ws) -> None:
    store, ids = ws
    deal = store.create_record(Deal(
        workspace_id=ids.workspace, name="Normalised", stage_id=ids.stages["Lead"],
        custom_fields={"source": "web", "products": ["support", "crm"], "seats": 3.0,
                       "budget": {"minor": 100, "currency": "eur"}},
    ))
    stored = json.loads(store.conn.execute("SELECT custom_fields FROM deals WHERE id = ?", (deal.id,)).fetchone()[0])
    assert stored == {"source": "web", "products": ["crm", "support"], "seats": 3,
                      "budget": {"minor": 100, "currency": "EUR"}}


@pytest.mark.parametrize(
    ("custom", "field"),
    [({"source": "web", "seats": 999}, "Seats"), ({"source": "web", "unknown_key": 1}, "unknown_key")],
)
def test_create_record_refuses_invalid_custom_values(ws, heard, custom, field) -> None:
    store, ids = ws
    before = snapshot(store)
    with pytest.raises(InvalidInput) as caught:
        store.create_record(Deal(workspace_id=ids.workspace, name="Bad", stage_id=ids.stages["Lead"],
                                 custom_fields=custom))
    assert caught.value.field == field
    assert snapshot(store) == before and heard == []


# -- rollback ------------------------------------------------------------------------------


def test_a_failure_midway_rolls_everything_back(ws, heard, monkeypatch) -> None:
    store, ids = ws
    before = snapshot(store)

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    # create_record: the deal row is written, then indexing it fails before the card is placed.
    monkeypatch.setattr(search_docs, "index_record", broken)
    with pytest.raises(RuntimeError, match="disk on fire"):
        store.create_record(Deal(workspace_id=ids.workspace, name="Doomed", stage_id=ids.stages["Lead"],
                                 custom_fields={"source": "web"}))
    assert count(store, "deals", "name = 'Doomed'") == 0
    # move_card: card and deal updated, then indexing the stage_change entry fails.
    monkeypatch.setattr(search_docs, "index_entry", broken)
    with pytest.raises(RuntimeError):
        store.move_card(ids.cards["Acme renewal"], ids.stages["Won"])
    monkeypatch.undo()

    assert snapshot(store) == before  # no row, no timeline entry, no outbox entry, no search doc
    assert heard == []
    # The store is usable afterwards.
    store.move_card(ids.cards["Acme renewal"], ids.stages["Won"])
    assert len(heard) == 1


def test_a_constraint_violation_in_a_later_statement_rolls_back_the_earlier_ones(ws, heard) -> None:
    store, ids = ws
    before = snapshot(store)
    # create_task writes the task row, then logs on the parent; make that second step violate
    # a PRIMARY KEY so SQLite itself refuses it mid-transaction.
    task = Task(workspace_id=ids.workspace, record_type=RecordType.DEAL, record_id=ids.deals["Acme renewal"],
                title="Clashing")
    clash = TimelineEntry(workspace_id=ids.workspace, record_type=RecordType.DEAL,
                          record_id=ids.deals["Acme renewal"], entry_type=EntryType.NOTE, body="x")

    original_log = writes.WriteContext.log

    def log_with_taken_id(self, *args, **kwargs):
        self.insert(clash)  # first use of the id: fine
        self.insert(clash)  # second: PRIMARY KEY violation inside the same transaction
        return original_log(self, *args, **kwargs)

    writes.WriteContext.log = log_with_taken_id  # type: ignore[method-assign]
    try:
        # The caller sees the store's one input error, not sqlite3.IntegrityError.
        with pytest.raises(InvalidInput, match="already exists") as raised:
            store.create_task(task)
        assert "UNIQUE constraint failed" in str(raised.value.__cause__)
    finally:
        writes.WriteContext.log = original_log  # type: ignore[method-assign]
    assert snapshot(store) == before
    assert count(store, "tasks", "id = ?", task.id) == 0
    assert heard == []


# -- announcements -------------------------------------------------------------------------


def test_listeners_hear_after_commit_and_can_unsubscribe(ws) -> None:
    store, ids = ws
    seen: list[tuple[set[str], int]] = []

    def listener(changes: ChangeSet) -> None:
        # After commit: the change is visible, and a new transaction can start.
        visible = count(store, "deals", "id = ? AND name = 'Renamed'", ids.deals["Osaka trial"])
        seen.append((set(changes.rows), visible))

    stop = store.subscribe(listener)
    store.update_record(RecordType.DEAL, ids.deals["Osaka trial"], {"name": "Renamed"})
    assert seen == [({"deals", "timeline_entries", "outbox"}, 1)]
    stop()
    store.update_record(RecordType.DEAL, ids.deals["Osaka trial"], {"name": "Renamed again"})
    assert len(seen) == 1


def test_server_rows_write_no_outbox_and_are_announced_as_news(ws, heard) -> None:
    store, ids = ws
    seq = last_seq(store)
    company = Company(workspace_id=ids.workspace, name="From the web app")
    with store.transaction(origin=Origin.SERVER) as tx:
        tx.insert(company)
        tx.update("deals", ids.deals["Tokyo pilot"], {"name": "Tokyo pilot (renamed on web)", "version": 4})
        tx.log(RecordType.DEAL, ids.deals["Tokyo pilot"], EntryType.FIELD_EDIT, payload={"field": "name"})
    assert last_seq(store) == seq
    assert len(heard) == 1 and heard[0].origin is Origin.SERVER and heard[0].is_news
    assert not heard[0].touches("outbox") and not heard[0].from_here
    assert heard[0].fields("deals", ids.deals["Tokyo pilot"]) == {"name"}
    assert heard[0].ids("companies") == {company.id}
    # Server rows keep the server's stamps: the client does not invent updated_at.
    assert store.conn.execute("SELECT updated_at FROM companies WHERE id = ?", (company.id,)).fetchone()[0] is None
    assert store.conn.execute("SELECT version FROM deals WHERE id = ?", (ids.deals["Tokyo pilot"],)).fetchone()[0] == 4
    assert count(store, "search_docs", "record_id = ?", company.id) == 1  # still searchable


# -- soft delete ---------------------------------------------------------------------------


def test_soft_delete_hides_the_record_and_restore_brings_it_back(ws) -> None:
    store, ids = ws
    board = deal_board(store, ids)
    deal, card = ids.deals["Acme renewal"], ids.cards["Acme renewal"]
    store.add_entry(TimelineEntry(workspace_id=ids.workspace, record_type=RecordType.DEAL, record_id=deal,
                                  entry_type=EntryType.NOTE, body="Discussed zeppelin pricing"))
    assert count(store, "search_docs", "record_id = ?", deal) == 2
    seq = last_seq(store)

    store.soft_delete(RecordType.DEAL, deal)

    assert card not in store.column_card_ids(board, ids.stages["Lead"])
    assert store.column_stats(board)[ids.stages["Lead"]].count == 2
    assert count(store, "search_docs", "record_id = ?", deal) == 0
    assert count(store, "search_fts", "search_fts MATCH 'zeppelin'") == 0
    assert store.record(RecordType.DEAL, deal).deleted_at == FIXED_NOW
    (entry,) = outbox_after(store, seq)
    assert (entry["table_name"], entry["op"], entry["patch"]) == ("deals", "update", {"deleted_at": NOW_TEXT})
    assert count(store, "board_cards", "id = ?", card) == 1  # kept for restore

    store.restore(RecordType.DEAL, deal)

    assert store.column_card_ids(board, ids.stages["Lead"])[0] == card
    assert count(store, "search_docs", "record_id = ?", deal) == 2
    assert count(store, "search_fts", "search_fts MATCH 'zeppelin'") == 1
    assert count(store, "search_trigram", "search_trigram MATCH 'ppeli'") == 1
    assert not store.record(RecordType.DEAL, deal).is_deleted
    assert outbox_after(store, seq)[-1]["patch"] == {"deleted_at": None}


# -- reorder -------------------------------------------------------------------------------


def test_reorder_card_swaps_neighbours_and_stops_at_the_ends(ws) -> None:
    store, ids = ws
    board = deal_board(store, ids)
    lead = ids.stages["Lead"]
    order = store.column_card_ids(board, lead)
    assert order == [ids.cards["Acme renewal"], ids.cards["Tokyo pilot"], ids.cards["Osaka trial"]]

    assert store.reorder_card(order[0], +1) is True
    assert store.column_card_ids(board, lead) == [order[1], order[0], order[2]]
    assert store.reorder_card(order[0], +1) is True
    assert store.column_card_ids(board, lead) == [order[1], order[2], order[0]]

    seq = last_seq(store)
    assert store.reorder_card(order[0], +1) is False  # already last
    assert store.reorder_card(order[1], -1) is False  # already first
    assert last_seq(store) == seq

    assert store.reorder_card(order[0], -1) is True
    assert store.column_card_ids(board, lead) == [order[1], order[0], order[2]]
    swap = outbox_after(store, seq)
    assert {e["row_id"] for e in swap} == {order[0], order[2]}
    assert all(set(e["patch"]) == {"position"} for e in swap)


def test_reorder_separates_cards_with_equal_positions(ws) -> None:
    store, ids = ws
    board = deal_board(store, ids)
    lead = ids.stages["Lead"]
    with store.transaction(origin=Origin.SERVER) as tx:  # two clients placed cards at the same position
        for name in ("Acme renewal", "Tokyo pilot", "Osaka trial"):
            tx.update("board_cards", ids.cards[name], {"position": 0})
    order = store.column_card_ids(board, lead)  # ties broken by id
    assert store.reorder_card(order[1], -1) is True
    assert store.column_card_ids(board, lead)[:2] == [order[1], order[0]]


# -- tasks ---------------------------------------------------------------------------------


def test_task_lifecycle_is_logged_on_the_parent(ws) -> None:
    store, ids = ws
    deal = ids.deals["Tokyo pilot"]
    task = store.create_task(Task(workspace_id=ids.workspace, record_type=RecordType.DEAL, record_id=deal,
                                  title="Book the Osaka visit", due_date=TODAY + timedelta(days=1)))
    (created,) = store.timeline(deal, types=[EntryType.TASK])
    assert created.payload == {"task_id": task.id, "title": "Book the Osaka visit", "action": "created",
                               "due_date": "2026-03-17"}
    assert created.body == "Book the Osaka visit"

    store.set_task_status(task.id, TaskStatus.IN_PROGRESS)  # not logged
    assert len(store.timeline(deal, types=[EntryType.TASK])) == 1
    store.set_task_status(task.id, TaskStatus.DONE)
    store.set_task_status(task.id, TaskStatus.OPEN)
    actions = [e.payload["action"] for e in store.timeline(deal, types=[EntryType.TASK])]
    assert actions == ["reopened", "completed", "created"]  # newest first


def test_task_without_a_record_logs_nothing(ws) -> None:
    store, ids = ws
    entries = count(store, "timeline_entries")
    task = store.create_task(Task(workspace_id=ids.workspace, title="Expense report"))
    store.set_task_status(task.id, TaskStatus.DONE)
    assert count(store, "timeline_entries") == entries


def test_update_task_validates(ws) -> None:
    store, ids = ws
    task_id = ids.tasks["acme_call"]
    with pytest.raises(InvalidInput, match="a task needs a title"):
        store.update_task(task_id, {"title": "  "})
    with pytest.raises(InvalidInput, match="no field 'colour'"):
        store.update_task(task_id, {"colour": "red"})
    assert store.update_task(task_id, {"title": "Call Ada today", "due_date": TODAY}) == ["title", "due_date"]


def test_delete_and_restore_task(ws, heard) -> None:
    store, ids = ws
    task_id, deal = ids.tasks["acme_call"], ids.deals["Acme renewal"]
    seq = last_seq(store)
    task = store.delete_task(task_id)
    assert count(store, "tasks", "id = ?", task_id) == 0
    assert task.title == "Call Ada about renewal" and task.due_date == TODAY - timedelta(days=3)
    (gone,) = outbox_after(store, seq)
    assert (gone["op"], gone["table_name"], gone["row_id"]) == ("delete", "tasks", task_id)
    summary = store.card_summaries([ids.cards["Acme renewal"]])[ids.cards["Acme renewal"]]
    assert summary.task_marker(TODAY) == "none"

    store.restore_task(task)
    assert [t.id for t in store.tasks_for_record(deal)] == [task_id]
    assert outbox_after(store, seq)[-1]["op"] == "insert"
    summary = store.card_summaries([ids.cards["Acme renewal"]])[ids.cards["Acme renewal"]]
    assert summary.task_marker(TODAY) == "overdue"
    assert [c.ids("tasks") for c in heard] == [{task_id}, {task_id}]
    with pytest.raises(NotFound):
        store.delete_task(fixed_id("no task"))


# -- timeline entries ----------------------------------------------------------------------


def test_people_cannot_write_automatic_entry_types(ws) -> None:
    store, ids = ws
    for kind in (EntryType.STAGE_CHANGE, EntryType.FIELD_EDIT, EntryType.TASK):
        with pytest.raises(InvalidInput, match="written automatically"):
            store.add_entry(TimelineEntry(workspace_id=ids.workspace, record_type=RecordType.DEAL,
                                          record_id=ids.deals["Acme renewal"], entry_type=kind))


def test_a_call_is_searchable_by_its_body(ws) -> None:
    store, ids = ws
    entry = store.add_entry(TimelineEntry(
        workspace_id=ids.workspace, record_type=RecordType.CONTACT, record_id=ids.contacts["Grace Hopper"],
        entry_type=EntryType.CALL, body="Talked about compilers", payload={"disposition": "connected"},
    ))
    assert count(store, "search_docs", "entry_id = ? AND body = 'Talked about compilers'", entry.id) == 1


# -- deal contacts -------------------------------------------------------------------------


def test_deal_contacts_add_update_role_remove(ws) -> None:
    store, ids = ws
    deal, ken = ids.deals["Tokyo pilot"], ids.contacts["Ken Sato"]
    seq = last_seq(store)
    link = store.add_deal_contact(deal, ken, "  Champion ")
    assert link.role == "Champion"
    assert store.conn.execute("SELECT role, workspace_id FROM deal_contacts WHERE id = ?", (link.id,)).fetchone()[:] == (
        "Champion", ids.workspace)

    again = store.add_deal_contact(deal, ken, "Economic buyer")
    assert again.id == link.id
    assert count(store, "deal_contacts", "deal_id = ?", deal) == 1
    assert store.conn.execute("SELECT role FROM deal_contacts WHERE id = ?", (link.id,)).fetchone()[0] == "Economic buyer"

    store.add_deal_contact(deal, ken, "")  # blank role clears it
    assert store.conn.execute("SELECT role FROM deal_contacts WHERE id = ?", (link.id,)).fetchone()[0] is None

    store.remove_deal_contact(link.id)
    assert count(store, "deal_contacts", "deal_id = ?", deal) == 0
    ops = [(e["op"], e["patch"]) for e in outbox_after(store, seq)]
    assert [op for op, _ in ops] == ["insert", "update", "update", "delete"]
    assert ops[1][1] == {"role": "Economic buyer"} and ops[2][1] == {"role": None}


def test_set_primary_contact_is_a_logged_field_edit(ws) -> None:
    store, ids = ws
    deal = ids.deals["Tokyo pilot"]
    store.set_primary_contact(deal, ids.contacts["Ken Sato"])
    assert store.record(RecordType.DEAL, deal).primary_contact_id == ids.contacts["Ken Sato"]
    (edit,) = store.timeline(deal, types=[EntryType.FIELD_EDIT])
    assert edit.payload == {"field": "primary_contact_id", "label": "Primary contact", "old": None,
                            "new": ids.contacts["Ken Sato"]}
    store.set_primary_contact(deal, None)
    assert store.record(RecordType.DEAL, deal).primary_contact_id is None


# -- companies -----------------------------------------------------------------------------


def test_find_or_create_company(ws) -> None:
    store, ids = ws
    seq = last_seq(store)
    assert store.find_or_create_company("  acme ") == ids.companies["Acme"]
    assert store.find_or_create_company("GLOBEX") == ids.companies["Globex"]
    assert last_seq(store) == seq  # found: nothing written

    new_id = store.find_or_create_company("Hooli")
    company = store.record(RecordType.COMPANY, new_id)
    assert company.name == "Hooli" and company.owner_id == ids.me
    assert store.find_or_create_company("hooli") == new_id

    store.soft_delete(RecordType.COMPANY, ids.companies["Globex"])
    assert store.find_or_create_company("Globex") != ids.companies["Globex"]  # a deleted one is not reused


def test_rows_created_locally_take_the_store_clock(ws) -> None:
    store, ids = ws
    note = store.add_entry(TimelineEntry(workspace_id=ids.workspace, record_type=RecordType.DEAL,
                                         record_id=ids.deals["Osaka trial"], entry_type=EntryType.NOTE, body="hi"))
    company = store.create_record(Company(workspace_id=ids.workspace, name="Clocked"))
    task = store.create_task(Task(workspace_id=ids.workspace, title="Clocked too"))
    assert note.created_at == company.created_at == task.created_at == FIXED_NOW
    stored = {r[0] for r in store.conn.execute(
        "SELECT created_at FROM timeline_entries WHERE id = ? UNION SELECT created_at FROM companies WHERE id = ? "
        "UNION SELECT created_at FROM tasks WHERE id = ?", (note.id, company.id, task.id))}
    assert stored == {NOW_TEXT}
    # A time the caller gives is kept.
    given = FIXED_NOW - timedelta(days=400)
    old = store.create_record(Company(workspace_id=ids.workspace, name="Imported", created_at=given))
    assert store.record(RecordType.COMPANY, old.id).created_at == given


def test_a_stage_move_leaves_the_search_documents_alone(ws) -> None:
    """Moving a card changes no searched text, so it must not rewrite the full-text indexes."""
    store, ids = ws
    docs = [tuple(r) for r in store.conn.execute("SELECT * FROM search_docs ORDER BY rowid")]
    store.move_card(ids.cards["Acme renewal"], ids.stages["Won"])
    assert [tuple(r) for r in store.conn.execute("SELECT * FROM search_docs ORDER BY rowid")] == docs
    deal = store.conn.execute("SELECT record_id FROM board_cards WHERE id = ?", (ids.cards["Acme renewal"],)).fetchone()[0]
    store.update_record(RecordType.DEAL, deal, {"name": "Acme renewal 2027"})
    assert store.conn.execute(
        "SELECT name FROM search_docs WHERE record_id = ? AND entry_id = ''", (deal,)
    ).fetchone()[0] == "Acme renewal 2027"


def test_a_new_record_without_a_required_custom_field_is_refused(ws, heard) -> None:
    store, ids = ws
    before = snapshot(store)
    with pytest.raises(InvalidInput) as caught:
        store.create_record(Deal(workspace_id=ids.workspace, name="No source", stage_id=ids.stages["Lead"]))
    assert caught.value.field == "Source" and "a value is required" in str(caught.value)
    assert snapshot(store) == before and heard == []
    store.create_record(Deal(workspace_id=ids.workspace, name="With source", stage_id=ids.stages["Lead"],
                             custom_fields={"source": "web"}))
    assert count(store, "deals", "name = 'With source'") == 1

"""The store's boundary: bad input always arrives as InvalidInput (or NotFound), with a message,
and nothing is written — never IntegrityError, OverflowError, UnicodeEncodeError, ValueError or
a pydantic error from below."""

from __future__ import annotations

import sqlite3
from datetime import date
from decimal import Decimal

import pytest
from pydantic import ValidationError

from tests.factories import Ids, make_store, snapshot
from track_tui.models import Company, Contact, Deal, DealContact, RecordType, Task, TimelineEntry
from track_tui.models.enums import EntryType
from track_tui.store import CacheBusy, InvalidInput, NotFound, Store
from track_tui.store.checks import BIGINT_MAX

MISSING = "00000000-0000-4000-8000-00000000dead"
NUL, SURROGATE = "bad\x00name", "bad\ud800name"
BELOW = (sqlite3.Error, OverflowError, UnicodeError, ValidationError)


@pytest.fixture
def ws() -> tuple[Store, Ids]:
    store, ids = make_store()
    yield store, ids
    store.close()


def refused(store: Store, call, *args, match: str, **kwargs) -> InvalidInput:
    """`call` raises InvalidInput matching `match`, from nothing lower, and writes nothing."""
    before = snapshot(store)
    with pytest.raises(InvalidInput, match=match) as raised:
        call(*args, **kwargs)
    assert not isinstance(raised.value, BELOW)
    assert snapshot(store) == before
    return raised.value


# -- references ----------------------------------------------------------------------------


def test_unknown_company_contact_and_parent_ids_are_refused_by_name(ws) -> None:
    store, ids = ws
    deal = ids.deals["Acme renewal"]
    error = refused(store, store.update_record, RecordType.DEAL, deal, {"company_id": MISSING}, match="no company")
    assert error.field == "Company"
    refused(store, store.update_record, RecordType.DEAL, deal, {"primary_contact_id": MISSING}, match="no contact")
    refused(store, store.update_record, RecordType.COMPANY, ids.companies["Acme"], {"parent_id": MISSING},
            match="Parent company: no company")
    refused(store, store.update_record, RecordType.CONTACT, ids.contacts["Ken Sato"], {"company_id": MISSING},
            match="Company: no company")
    contact = Contact(workspace_id=ids.workspace, name="Nobody's", company_id=MISSING)
    refused(store, store.create_record, contact, match="no company")


def test_unknown_stage_ids_are_refused(ws) -> None:
    store, ids = ws
    deal = Deal(workspace_id=ids.workspace, name="Nowhere", stage_id=MISSING, custom_fields={"source": "web"})
    refused(store, store.create_record, deal, match="Stage: no stage")
    company = Company(workspace_id=ids.workspace, name="Placed nowhere")
    refused(store, store.create_record, company, stage_id=MISSING, match="Stage: no stage")
    refused(store, store.move_card, ids.cards["Acme renewal"], MISSING, match="Stage: no stage")
    refused(store, store.update_record, RecordType.DEAL, ids.deals["Acme renewal"], {"stage_id": MISSING},
            match="Stage: no stage")


def test_links_entries_and_tasks_must_name_existing_records(ws) -> None:
    store, ids = ws
    refused(store, store.add_deal_contact, ids.deals["Acme renewal"], MISSING, "champion", match="no contact")
    refused(store, store.add_deal_contact, MISSING, ids.contacts["Ken Sato"], None, match="no deal")
    entry = TimelineEntry(workspace_id=ids.workspace, record_type=RecordType.DEAL, record_id=MISSING,
                          entry_type=EntryType.NOTE, body="to nobody")
    refused(store, store.add_entry, entry, match="Record: no deal")
    task = Task(workspace_id=ids.workspace, record_type=RecordType.COMPANY, record_id=MISSING, title="Call")
    refused(store, store.create_task, task, match="Record: no company")
    task = Task(workspace_id=ids.workspace, title="From nothing", source_entry_id=MISSING)
    refused(store, store.create_task, task, match="no timeline entry")


def test_a_company_cannot_be_its_own_ancestor_at_any_depth(ws) -> None:
    store, ids = ws
    acme, globex, kaisha = ids.companies["Acme"], ids.companies["Globex"], ids.companies["Kaisha"]
    refused(store, store.update_record, RecordType.COMPANY, acme, {"parent_id": acme}, match="its own parent")
    # Kaisha → Globex → Acme; then Acme under Kaisha would close the loop two levels up.
    store.update_record(RecordType.COMPANY, kaisha, {"parent_id": globex})
    store.update_record(RecordType.COMPANY, globex, {"parent_id": acme})
    refused(store, store.update_record, RecordType.COMPANY, acme, {"parent_id": kaisha}, match="own ancestor")
    refused(store, store.update_record, RecordType.COMPANY, acme, {"parent_id": globex}, match="own ancestor")
    # A parent that is merely a sibling is fine.
    other = Company(workspace_id=ids.workspace, name="Sibling")
    store.create_record(other)
    store.update_record(RecordType.COMPANY, other.id, {"parent_id": acme})
    assert store.record(RecordType.COMPANY, other.id).parent_id == acme


def test_a_cycle_already_in_the_data_does_not_hang_the_check(ws) -> None:
    store, ids = ws
    acme, globex = ids.companies["Acme"], ids.companies["Globex"]
    # The web app's data may hold a loop already (no check there): the walk must still end.
    store.conn.execute("UPDATE companies SET parent_id = ? WHERE id = ?", (globex, acme))
    store.conn.execute("UPDATE companies SET parent_id = ? WHERE id = ?", (acme, globex))
    store.update_record(RecordType.COMPANY, ids.companies["Kaisha"], {"parent_id": globex})  # no loop through Kaisha
    assert store.record(RecordType.COMPANY, ids.companies["Kaisha"]).parent_id == globex


# -- text PostgreSQL cannot hold -----------------------------------------------------------


# Pydantic itself refuses a lone surrogate in a str field ("unable to parse raw data as a
# unicode string"); the models may word it their own way: either message is fine.
@pytest.mark.parametrize("text, problem", [(NUL, "NUL character"), (SURROGATE, "surrogate|unicode")])
def test_nul_bytes_and_lone_surrogates_are_refused_everywhere_text_goes(ws, text: str, problem: str) -> None:
    store, ids = ws
    deal = ids.deals["Acme renewal"]
    refused(store, store.update_record, RecordType.DEAL, deal, {"name": text}, match=problem)
    refused(store, store.update_record, RecordType.DEAL, deal, {"tags": ["ok", text]}, match=problem)
    refused(store, store.update_record, RecordType.CONTACT, ids.contacts["Ken Sato"], custom={"nickname": text},
            match=problem)
    refused(store, store.log_entry, RecordType.DEAL, deal, EntryType.NOTE, body=f"# Note\n{text}", match=problem)
    refused(store, store.log_entry, RecordType.DEAL, deal, EntryType.CALL, body="fine",
            payload={"disposition": text}, match=problem)
    refused(store, store.task_from_entry, None, record_type=RecordType.DEAL, record_id=deal, title=text,
            assigned_to=None, due_date=None, match=problem)
    refused(store, store.update_task, ids.tasks["acme_call"], {"description": text}, match=problem)
    refused(store, store.add_deal_contact, deal, ids.contacts["Ken Sato"], text, match=problem)
    refused(store, store.find_or_create_company, text, match=problem)
    # The models refuse such text when they are built; the store checks again what it is handed
    # (a model built without validation, as model_construct or a future import path might).
    unchecked = Company.model_construct(workspace_id=ids.workspace, name="Fine", industry=text)
    refused(store, store.create_record, unchecked, match=problem)


# -- numbers -------------------------------------------------------------------------------


def test_amounts_beyond_bigint_are_refused_not_overflowed(ws) -> None:
    store, ids = ws
    deal = ids.deals["Acme renewal"]
    # The model bounds the value (its own message); the store checks again what it is handed.
    error = refused(store, store.update_record, RecordType.DEAL, deal, {"value_cents": BIGINT_MAX + 1},
                    match="Value")
    assert error.field == "Value"
    refused(store, store.update_record, RecordType.DEAL, deal, {"value_cents": 99999999999999999999 * 100},
            match="Value")
    big = Deal.model_construct(workspace_id=ids.workspace, name="Huge", value_cents=10**30,
                               stage_id=ids.stages["Lead"], custom_fields={"source": "web"})
    error = refused(store, store.create_record, big, match="largest whole number")
    assert error.field == "Value"
    store.update_record(RecordType.DEAL, deal, {"value_cents": BIGINT_MAX})  # the largest is fine
    assert store.record(RecordType.DEAL, deal).value_cents == BIGINT_MAX


def test_a_position_beyond_bigint_is_refused(ws) -> None:
    store, ids = ws
    with store.reading() as conn:
        stage = conn.execute("SELECT stage_id FROM board_cards WHERE id = ?", (ids.cards["Tokyo pilot"],)).fetchone()[0]
    store.conn.execute("UPDATE board_cards SET position = ? WHERE stage_id = ?", (-(2**63), stage))
    # Landing above a card at the smallest position would need one less than the smallest.
    refused(store, store.move_card, ids.cards["Globex expansion"], stage, match="largest whole number")


def test_non_finite_numbers_are_refused(ws) -> None:
    store, ids = ws
    refused(store, store.update_record, RecordType.DEAL, ids.deals["Acme renewal"],
            {"probability": Decimal("NaN")}, match="Probability")


# -- whatever else comes from below --------------------------------------------------------


def test_errors_from_below_arrive_as_invalid_input(ws) -> None:
    store, ids = ws
    refused(store, store.update_record, "bogus", ids.deals["Acme renewal"], {"name": "x"}, match="bogus")
    refused(store, store.log_entry, RecordType.DEAL, ids.deals["Acme renewal"], "shout", body="x", match="shout")
    refused(store, store.update_task, ids.tasks["acme_call"], {"status": "finished"}, match="Status")
    refused(store, store.update_record, RecordType.DEAL, ids.deals["Acme renewal"], {"close_date": "soon"},
            match="Close date")


def test_the_thing_acted_on_missing_is_not_found(ws) -> None:
    store, ids = ws
    with pytest.raises(NotFound):
        store.update_record(RecordType.DEAL, MISSING, {"name": "x"})
    with pytest.raises(NotFound):
        store.move_card(MISSING, ids.stages["Lead"])
    with pytest.raises(NotFound):
        store.delete_task(MISSING)
    with pytest.raises(NotFound):
        store.update_task(MISSING, {"title": "x"})


def test_busy_is_its_own_error_not_input() -> None:
    assert not issubclass(CacheBusy, ValueError)
    assert issubclass(InvalidInput, ValueError)  # dialogs show ValueErrors as the reason


def test_rows_from_the_server_are_not_checked(ws) -> None:
    """The server's rows are its truth, and a batch may bring a deal before its company."""
    from track_tui.store import Origin

    store, ids = ws
    store.conn.execute("PRAGMA foreign_keys = OFF")  # as the server-apply path will defer them
    deal = Deal(workspace_id=ids.workspace, name="Company comes later", company_id=MISSING)
    with store.transaction(origin=Origin.SERVER) as tx:
        tx.insert(deal)
    assert store.record(RecordType.DEAL, deal.id).company_id == MISSING


def test_deal_contact_model_errors_are_input_errors(ws) -> None:
    store, ids = ws
    with pytest.raises(InvalidInput):
        store.add_deal_contact(ids.deals["Acme renewal"], None, "role")  # type: ignore[arg-type]
    assert DealContact  # the model the store builds


def test_a_snooze_date_is_validated_through_the_store(ws) -> None:
    store, ids = ws
    store.snooze_task(ids.tasks["acme_call"], date(2027, 1, 4))
    refused(store, store.snooze_task, ids.tasks["acme_call"], "not a date", match="Due date")

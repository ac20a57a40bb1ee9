"""Undo and redo through the write path: every action taken back exactly, several levels deep,
through the outbox, refused (and saying why) when a row was changed elsewhere since."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path
from typing import Any, Callable

import pytest

from tests.factories import FIXED_NOW, TODAY, Ids, count, last_seq, make_store, outbox_after
from tests.unit.test_store_concurrency import WAIT, Holder
from track_tui.models import Contact, Deal, RecordType, TaskStatus
from track_tui.models.enums import EntryType
from track_tui.store import ChangeSet, NotAllowed, Origin, Store
from track_tui.store import undo as undo_module
from track_tui.store.undo import UndoConflict, UndoUnavailable, same_value

# Columns the sync machinery bumps on every write: not part of what a person sees.
BOOKKEEPING = {"updated_at", "version"}
TABLES = ("companies", "contacts", "deals", "board_cards", "deal_contacts", "timeline_entries", "tasks")


def content(store: Store) -> dict[str, dict[str, dict[str, Any]]]:
    """Every row a person's action can write, without the bookkeeping columns."""
    result: dict[str, dict[str, dict[str, Any]]] = {}
    for table in TABLES:
        rows = store.conn.execute(f"SELECT * FROM {table}").fetchall()
        result[table] = {r["id"]: {k: r[k] for k in r.keys() if k not in BOOKKEEPING} for r in rows}
    return result


def search_ids(store: Store, text: str) -> set[str]:
    return {hit.record_id for hit in store.search(text).hits}


@pytest.fixture
def ws() -> tuple[Store, Ids]:
    store, ids = make_store()
    store.undo_history.clear()  # the workspace was built through the API: start with a clean slate
    yield store, ids
    store.close()


@pytest.fixture
def on_file(tmp_path: Path):
    store, ids = make_store(tmp_path / "cache.sqlite3")
    store.undo_history.clear()
    yield store, ids
    store.close()


# -- every action, taken back and done again -------------------------------------------------

def _move(store: Store, ids: Ids) -> None:
    store.move_card(ids.cards["Acme renewal"], ids.stages["Proposal"])


def _win(store: Store, ids: Ids) -> None:
    store.move_card(ids.cards["Acme renewal"], ids.stages["Won"], note="Signed", close_date=TODAY)


def _reorder(store: Store, ids: Ids) -> None:
    assert store.reorder_card(ids.cards["Tokyo pilot"], 1)


def _edit_fields(store: Store, ids: Ids) -> None:
    store.update_record(RecordType.DEAL, ids.deals["Acme renewal"], {"name": "Acme renewal 2027", "close_date": TODAY})


def _edit_custom(store: Store, ids: Ids) -> None:
    store.update_record(RecordType.DEAL, ids.deals["Acme renewal"], custom={"seats": 80, "products": ["crm", "billing"]})


def _edit_stage(store: Store, ids: Ids) -> None:
    store.update_record(RecordType.DEAL, ids.deals["Tokyo pilot"], {"stage_id": ids.stages["Qualified"]})


def _delete(store: Store, ids: Ids) -> None:
    store.soft_delete(RecordType.DEAL, ids.deals["Acme renewal"])


def _new_contact(store: Store, ids: Ids) -> None:
    store.create_record(
        Contact(workspace_id=ids.workspace, name="Linus Pauling", email="linus@acme.example",
                company_id=ids.companies["Acme"]),
        stage_id=ids.stages["New"],
    )


def _quick_add_new_company(store: Store, ids: Ids) -> None:
    deal = Deal(workspace_id=ids.workspace, name="Hooli pilot", value_cents=100_00, currency="EUR",
                stage_id=ids.stages["Lead"], owner_id=ids.me, custom_fields={"source": "web"})
    store.quick_add(deal, stage_id=ids.stages["Lead"], company="Hooli")


def _quick_add_known_company(store: Store, ids: Ids) -> None:
    deal = Deal(workspace_id=ids.workspace, name="Acme add-on", stage_id=ids.stages["Lead"], custom_fields={"source": "web"})
    store.quick_add(deal, stage_id=ids.stages["Lead"], company="acme")


def _note(store: Store, ids: Ids) -> None:
    store.log_entry(RecordType.DEAL, ids.deals["Acme renewal"], EntryType.NOTE, body="Budget **approved**")


def _call(store: Store, ids: Ids) -> None:
    store.log_entry(RecordType.DEAL, ids.deals["Acme renewal"], EntryType.CALL, body="Talked pricing",
                    payload={"disposition": "Connected", "duration_seconds": 300})


def _task_from_entry(store: Store, ids: Ids) -> None:
    store.task_from_entry(None, record_type=RecordType.DEAL, record_id=ids.deals["Tokyo pilot"],
                          title="Send the pilot plan", assigned_to=ids.me, due_date=TODAY + timedelta(days=2))


def _task_edit(store: Store, ids: Ids) -> None:
    store.update_task(ids.tasks["acme_call"], {"title": "Call Ada again", "description": "About seats"})


def _task_done(store: Store, ids: Ids) -> None:
    store.set_task_status(ids.tasks["acme_call"], TaskStatus.DONE)


def _task_reopen(store: Store, ids: Ids) -> None:
    store.set_task_status(ids.tasks["gulf_done"], TaskStatus.OPEN)


def _task_delete(store: Store, ids: Ids) -> None:
    store.delete_task(ids.tasks["acme_call"])


def _snooze(store: Store, ids: Ids) -> None:
    store.snooze_task(ids.tasks["acme_call"], TODAY + timedelta(days=7))


def _reassign(store: Store, ids: Ids) -> None:
    store.reassign_task(ids.tasks["acme_call"], ids.other)


def _add_contact(store: Store, ids: Ids) -> None:
    store.add_deal_contact(ids.deals["Tokyo pilot"], ids.contacts["Ken Sato"], "champion")


def _link_ken(store: Store, ids: Ids) -> None:
    store.add_deal_contact(ids.deals["Tokyo pilot"], ids.contacts["Ken Sato"], "economic buyer")


def _remove_contact(store: Store, ids: Ids) -> None:
    link = store.conn.execute("SELECT id FROM deal_contacts WHERE contact_id = ?", (ids.contacts["Ken Sato"],)).fetchone()[0]
    store.remove_deal_contact(link)


def _primary(store: Store, ids: Ids) -> None:
    store.set_primary_contact(ids.deals["Acme renewal"], ids.contacts["Grace Hopper"])


def _delete_globex(store: Store, ids: Ids) -> None:
    store.soft_delete(RecordType.COMPANY, ids.companies["Globex"])


def _restore(store: Store, ids: Ids) -> None:
    store.restore(RecordType.COMPANY, ids.companies["Globex"])


def _new_company(store: Store, ids: Ids) -> None:
    store.find_or_create_company("Initrode")


Step = Callable[[Store, Ids], None]
ACTIONS: dict[str, Step | tuple[Step, Step]] = {  # an action, or (its set-up, the action)
    "stage move": _move, "won with a close date": _win, "reorder": _reorder, "field edit": _edit_fields,
    "custom field edit": _edit_custom, "stage through a field edit": _edit_stage, "delete": _delete,
    "new contact": _new_contact, "quick add with a new company": _quick_add_new_company,
    "quick add at a known company": _quick_add_known_company, "note": _note, "call": _call,
    "task from an entry": _task_from_entry, "task edit": _task_edit, "task done": _task_done,
    "task reopened": _task_reopen, "task delete": _task_delete, "snooze": _snooze, "reassign": _reassign,
    "deal contact added": _add_contact, "deal contact role changed": (_link_ken, _add_contact),
    "deal contact removed": (_link_ken, _remove_contact), "primary contact": _primary,
    "restore after a delete": (_delete_globex, _restore), "new company": _new_company,
}


def run_action(store: Store, ids: Ids, name: str) -> None:
    """Run the named action (after its set-up, which is not part of what is undone)."""
    action = ACTIONS[name]
    if isinstance(action, tuple):
        setup, action = action
        setup(store, ids)
        store.undo_history.clear()
    action(store, ids)


@pytest.mark.parametrize("name", list(ACTIONS))
def test_every_action_is_taken_back_exactly_and_done_again(ws, name: str) -> None:
    store, ids = ws
    action = ACTIONS[name]
    if isinstance(action, tuple):
        action[0](store, ids)
        store.undo_history.clear()
        action = action[1]
    before = content(store)
    action(store, ids)
    after = content(store)
    assert after != before, "the action changed nothing"

    outcome = store.undo()
    assert outcome is not None and outcome.mode == "undo"
    assert content(store) == before
    assert store.undo() is None  # one action, one step

    redone = store.redo()
    assert redone is not None and redone.step.description == outcome.step.description
    assert content(store) == after
    assert store.redo() is None


def test_undo_restores_days_in_stage_and_the_timeline(ws) -> None:
    store, ids = ws
    board = store.board(ids.deals_board)
    card, deal = ids.cards["Acme renewal"], ids.deals["Acme renewal"]
    (summary,) = store.card_summaries([card]).values()
    entries = [e.id for e in store.timeline(deal)]
    store.move_card(card, ids.stages["Proposal"])
    assert store.card_summaries([card])[card].days_in_stage(store.now()) == 0
    store.undo()
    again = store.card_summaries([card])[card]
    assert again.stage_id == ids.stages["Lead"] and again.position == summary.position
    assert again.days_in_stage(store.now()) == summary.days_in_stage(store.now()) == 30
    assert [e.id for e in store.timeline(deal)] == entries
    assert card in store.column_card_ids(board, ids.stages["Lead"])
    assert card not in store.column_card_ids(board, ids.stages["Proposal"])


def test_undo_goes_several_levels_deep_newest_first(ws) -> None:
    store, ids = ws
    task = ids.tasks["acme_call"]
    store.set_task_status(task, TaskStatus.IN_PROGRESS)  # space…
    store.set_task_status(task, TaskStatus.DONE)  # …and space again: done
    store.move_card(ids.cards["Tokyo pilot"], ids.stages["Qualified"])
    descriptions = []
    for _ in range(3):
        descriptions.append(store.undo().message)
    assert descriptions == [
        "Undone: the stage move — Tokyo pilot",
        "Undone: the status change — Call Ada about renewal",
        "Undone: the status change — Call Ada about renewal",
    ]
    assert store.record(RecordType.DEAL, ids.deals["Tokyo pilot"]).stage_id == ids.stages["Lead"]
    assert next(t for t in store.tasks_for_record(ids.deals["Acme renewal"]) if t.id == task).status == TaskStatus.OPEN
    assert store.undo() is None
    # Redo walks forward again, in order.
    assert store.redo().message == "Redone: the status change — Call Ada about renewal"
    assert next(t for t in store.tasks_for_record(ids.deals["Acme renewal"]) if t.id == task).status == TaskStatus.IN_PROGRESS


def test_a_new_action_forgets_what_could_be_redone(ws) -> None:
    store, ids = ws
    _move(store, ids)
    store.undo()
    assert store.next_undo("redo") is not None
    _reassign(store, ids)
    assert store.redo() is None
    assert store.undo().step.label == "the reassignment"


def test_the_history_is_bounded_and_forgets_the_oldest() -> None:
    store, ids = make_store()
    store.undo_history = undo_module.UndoHistory(depth=3)
    names = ["One", "Two", "Three", "Four"]
    for name in names:
        store.update_record(RecordType.DEAL, ids.deals["Osaka trial"], {"name": f"Osaka {name}"})
    assert len(store.undo_history) == 3
    for _ in range(3):
        store.undo()
    assert store.undo() is None
    assert store.record(RecordType.DEAL, ids.deals["Osaka trial"]).name == "Osaka One"
    store.close()


def test_undo_is_a_local_write_that_reaches_the_outbox(ws) -> None:
    store, ids = ws
    heard: list[ChangeSet] = []
    store.subscribe(heard.append)
    _move(store, ids)
    entry = next(e for e in store.timeline(ids.deals["Acme renewal"]) if e.entry_type == EntryType.STAGE_CHANGE)
    seq = last_seq(store)
    store.undo()
    entries = outbox_after(store, seq)
    assert {(e["table_name"], e["op"]) for e in entries} == {
        ("board_cards", "update"), ("deals", "update"), ("timeline_entries", "delete"),
    }
    deal_patch = next(e["patch"] for e in entries if e["table_name"] == "deals")
    assert deal_patch == {"stage_id": ids.stages["Lead"]}
    assert next(e for e in entries if e["table_name"] == "timeline_entries")["row_id"] == entry.id
    change = heard[-1]
    assert change.undone and not change.from_here  # screens re-read: none of them made it
    assert change.has_row("board_cards", ids.cards["Acme renewal"])


def test_undo_of_a_delete_brings_search_back_and_quick_add_undo_removes_its_documents(ws) -> None:
    store, ids = ws
    _delete(store, ids)
    assert ids.deals["Acme renewal"] not in search_ids(store, "Acme renewal")
    store.undo()
    assert ids.deals["Acme renewal"] in search_ids(store, "Acme renewal")
    _quick_add_new_company(store, ids)
    assert search_ids(store, "Hooli")
    store.undo()
    assert not search_ids(store, "Hooli")
    assert count(store, "companies", "name = 'Hooli'") == 0
    assert count(store, "search_docs", "name LIKE 'Hooli%'") == 0


def test_removing_a_deal_contact_is_undone_with_its_role(ws) -> None:
    store, ids = ws
    run_action(store, ids, "deal contact removed")
    outcome = store.undo()
    assert outcome.message == "Undone: the contact removal — Ken Sato on Tokyo pilot"
    assert outcome.step.record == (RecordType.DEAL, ids.deals["Tokyo pilot"])
    (relation,) = [r for r in store.record_relations(RecordType.DEAL, ids.deals["Tokyo pilot"]) if r.link_id]
    assert relation.record_id == ids.contacts["Ken Sato"] and relation.detail == "economic buyer"


def test_server_rows_and_settings_are_not_actions(ws) -> None:
    store, ids = ws
    with store.transaction(origin=Origin.SERVER) as tx:
        tx.update("deals", ids.deals["Tokyo pilot"], {"name": "Renamed by a teammate"})
    store.set_meta("last_board_id", ids.contacts_board)
    assert store.undo() is None


# -- changed since -----------------------------------------------------------------------------

def test_undo_of_a_value_a_teammate_changed_since_is_refused_and_says_so(ws) -> None:
    store, ids = ws
    _move(store, ids)
    store.update_record(RecordType.DEAL, ids.deals["Gulf supply"], {"name": "Gulf supply II"})
    with store.transaction(origin=Origin.SERVER) as tx:  # a teammate moves it on, through sync
        tx.update("board_cards", ids.cards["Acme renewal"], {"stage_id": ids.stages["Won"]})
        tx.update("deals", ids.deals["Acme renewal"], {"stage_id": ids.stages["Won"]})
    store.undo()  # the Gulf rename is not affected
    rows = content(store)
    with pytest.raises(UndoConflict) as caught:
        store.undo()
    message = str(caught.value)
    assert message.startswith("Cannot undo the stage move — Acme renewal:")
    assert "Stage is now Won" in message and "Nothing was undone" in message
    assert content(store) == rows  # nothing was written
    assert store.record(RecordType.DEAL, ids.deals["Acme renewal"]).stage_id == ids.stages["Won"]
    assert store.undo() is None  # the refused step is dropped


def test_another_process_changing_the_row_since_is_a_conflict(tmp_path: Path) -> None:
    path = tmp_path / "shared.sqlite3"
    mine, ids = make_store(path)
    mine.undo_history.clear()
    other = Store(path, clock=mine.clock)
    try:
        mine.update_record(RecordType.DEAL, ids.deals["Tokyo pilot"], {"name": "Tokyo pilot (phase 1)"})
        other.update_record(RecordType.DEAL, ids.deals["Tokyo pilot"], {"name": "Tokyo pilot (phase 2)"})
        with pytest.raises(UndoConflict) as caught:
            mine.undo()
        assert "Name is now 'Tokyo pilot (phase 2)'" in str(caught.value)
        assert caught.value.current == "Tokyo pilot (phase 2)"
        assert mine.record(RecordType.DEAL, ids.deals["Tokyo pilot"]).name == "Tokyo pilot (phase 2)"
        assert other.undo() is not None  # the other process's own history is its own
        assert other.record(RecordType.DEAL, ids.deals["Tokyo pilot"]).name == "Tokyo pilot (phase 1)"
    finally:
        other.close()
        mine.close()


def test_a_server_echo_of_this_persons_write_is_not_a_change(ws) -> None:
    store, ids = ws
    _delete(store, ids)
    written = store.conn.execute("SELECT deleted_at FROM deals WHERE id = ?", (ids.deals["Acme renewal"],)).fetchone()[0]
    # The server sends the row back with its own spelling of the same moment, and a new version.
    with store.transaction(origin=Origin.ACK) as tx:
        tx.conn.execute("UPDATE deals SET deleted_at = ?, version = 3 WHERE id = ?",
                        (FIXED_NOW.strftime("%Y-%m-%dT%H:%M:%SZ"), ids.deals["Acme renewal"]))
    assert written != FIXED_NOW.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert store.undo() is not None
    assert store.record(RecordType.DEAL, ids.deals["Acme renewal"]).deleted_at is None


def test_undo_of_a_new_deal_that_got_a_note_since_is_refused(ws) -> None:
    store, ids = ws
    deal = Deal(workspace_id=ids.workspace, name="Hooli pilot", stage_id=ids.stages["Lead"], custom_fields={"source": "web"})
    store.quick_add(deal, stage_id=ids.stages["Lead"], company="Hooli")
    with store.transaction(origin=Origin.SERVER) as tx:  # a teammate's note on it arrives
        tx.log(RecordType.DEAL, deal.id, EntryType.NOTE, body="Met them at the fair")
    with pytest.raises(UndoConflict) as caught:
        store.undo()
    assert "the deal has timeline entries added since" in str(caught.value)
    assert store.record(RecordType.DEAL, deal.id).name == "Hooli pilot"


def test_bringing_back_a_contact_link_whose_contact_is_gone_is_refused(ws) -> None:
    store, ids = ws
    run_action(store, ids, "deal contact removed")
    with store.transaction(origin=Origin.SERVER) as tx:
        tx.conn.execute("DELETE FROM contacts WHERE id = ?", (ids.contacts["Ken Sato"],))
    with pytest.raises(UndoConflict) as caught:
        store.undo()
    assert "Cannot undo the contact removal" in str(caught.value)
    assert count(store, "deal_contacts", "deal_id = ?", ids.deals["Tokyo pilot"]) == 0


def test_undo_done_elsewhere_already_is_not_a_conflict(ws) -> None:
    store, ids = ws
    store.update_record(RecordType.DEAL, ids.deals["Osaka trial"], {"name": "Osaka trial 2"})
    with store.transaction(origin=Origin.SERVER) as tx:
        tx.update("deals", ids.deals["Osaka trial"], {"name": "Osaka trial"})
    assert store.undo() is not None
    assert store.record(RecordType.DEAL, ids.deals["Osaka trial"]).name == "Osaka trial"


# -- the write path's rules hold for undo too --------------------------------------------------

def test_a_viewer_cannot_undo_and_the_step_is_kept(ws) -> None:
    store, ids = ws
    _move(store, ids)
    store.set_meta("role", "viewer")
    with pytest.raises(NotAllowed):
        store.undo()
    store.set_meta("role", "member")
    assert store.undo() is not None


def test_undo_on_a_locked_cache_is_queued_and_saved_later(on_file) -> None:
    store, ids = on_file
    store.set_interactive_thread()
    _move(store, ids)
    holder = Holder(Path(store.path))
    try:
        started = time.perf_counter()
        outcome = store.undo()
        assert time.perf_counter() - started < 1.0
        assert outcome.queued and "saved when the other process releases the cache" in outcome.message
        assert store.record(RecordType.DEAL, ids.deals["Acme renewal"]).stage_id == ids.stages["Proposal"]
        with pytest.raises(UndoUnavailable):  # the undo itself waits: nothing may jump the queue
            store.undo()
    finally:
        holder.release()
    assert store.wait_for_queued_writes(WAIT)
    assert store.record(RecordType.DEAL, ids.deals["Acme renewal"]).stage_id == ids.stages["Lead"]
    assert store.next_undo("redo") is not None  # the replayed undo is kept for redo


def test_undo_waits_for_an_action_still_queued(on_file) -> None:
    store, ids = on_file
    store.set_interactive_thread()
    _reassign(store, ids)
    holder = Holder(Path(store.path))
    try:
        _move(store, ids)  # queued behind the other process
        with pytest.raises(UndoUnavailable) as caught:
            store.undo()
        assert "not saved yet" in str(caught.value)
    finally:
        holder.release()
    assert store.wait_for_queued_writes(WAIT)
    assert store.undo().step.label == "the stage move"  # the queued action, once saved


# -- small parts ---------------------------------------------------------------------------------

@pytest.mark.parametrize("column, stored, written, same", [
    ("deleted_at", "2026-03-16T12:00:00Z", "2026-03-16T12:00:00.000000+00:00", True),
    ("deleted_at", "2026-03-16T12:00:01Z", "2026-03-16T12:00:00.000000+00:00", False),
    ("tags", '["a", "b"]', '["a","b"]', True),
    ("tags", '["b","a"]', '["a","b"]', False),
    ("probability", 30, 30.0, True),
    ("name", "T1", "T2", False),
    ("name", None, "x", False),
    ("name", "Tango", "Tango", True),
])
def test_values_compare_in_any_form_the_cache_keeps(column, stored, written, same) -> None:
    assert same_value(column, stored, written) is same


def test_a_store_told_not_to_keep_undo_keeps_nothing(ws) -> None:
    store, ids = ws
    store.keep_undo = False
    _move(store, ids)
    assert store.undo() is None
    store.keep_undo = True
    _reassign(store, ids)
    assert store.undo().step.label == "the reassignment"


def test_a_step_that_cannot_be_named_is_still_kept(ws, monkeypatch) -> None:
    store, ids = ws

    def broken(*args):
        raise ValueError("a name the store cannot read")

    monkeypatch.setattr(undo_module, "_subject", broken)
    _move(store, ids)  # the action itself is saved…
    assert store.record(RecordType.DEAL, ids.deals["Acme renewal"]).stage_id == ids.stages["Proposal"]
    assert store.undo().message == "Undone: the stage move"  # …and undone, without a name

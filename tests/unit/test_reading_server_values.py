"""Reading never fails on what the server holds: every screen query over a cache whose rows
break our input rules (tests/support/server_values.py), and edits of such rows, which validate
what the person changes and keep what the web app stored."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Callable

import pytest

from tests.support.server_values import CONTROL, build_server_values_store
from track_tui.models import RecordType, TaskStatus
from track_tui.models.enums import EntryType, StageType
from track_tui.models.views import CardFilter
from track_tui.models.timeline import RunKind
from tests.factories import fixed_id
from track_tui.store import InvalidInput, NotFound, Store
from track_tui.store.inbox_queries import InboxQueries
from track_tui.store.queries import Queries
from track_tui.store.record_queries import RecordQueries
from track_tui.store.search import SearchQueries


@pytest.fixture(scope="module")
def odd_world():
    store, ids, odd = build_server_values_store()
    yield store, ids, odd
    store.close()


def _record_ids(store: Store) -> list[tuple[RecordType, str]]:
    out = []
    for kind in RecordType:
        out += [(kind, r[0]) for r in store.conn.execute(f"SELECT id FROM {kind.table}")]
    return out


def _every_board(store: Store, call: Callable[[Any], Any]) -> None:
    for board in store.boards():
        call(board)


def _filters() -> list[CardFilter]:
    return [CardFilter(), CardFilter.parse("owner:me"), CardFilter.parse("tag:vip >1k <9m stale:3 acme")]


# Every read a screen makes, over every row it could be asked about.
READS: dict[str, Callable[[Store, Any], Any]] = {
    "profiles": lambda s, ids: s.profiles(),
    "workspace_name": lambda s, ids: s.workspace_name(),
    "boards": lambda s, ids: s.boards(),
    "board": lambda s, ids: [s.board(r[0]) for r in s.conn.execute("SELECT id FROM boards")
                             if r[0] != ids.unknown_board],
    "stages": lambda s, ids: [s.stages(r[0]) for r in s.conn.execute("SELECT id FROM boards")],
    "resolve_owner": lambda s, ids: [s.resolve_owner(o) for o in ("me", "omar", "", "nobody", ids.other)],
    "column_card_ids": lambda s, ids: _every_board(s, lambda b: [
        s.column_card_ids(b, st.id, f) for st in s.stages(b.id) for f in _filters()]),
    "column_stats": lambda s, ids: _every_board(s, lambda b: [s.column_stats(b, f) for f in _filters()]),
    "board_columns": lambda s, ids: _every_board(s, lambda b: [s.board_columns(b, f) for f in _filters()]),
    "card_places": lambda s, ids: _every_board(s, lambda b: [
        s.card_places(b, [r[0] for r in s.conn.execute("SELECT id FROM board_cards")], f) for f in _filters()]),
    "cards_of_records": lambda s, ids: [s.cards_of_records(r[0], [x[0] for x in s.conn.execute("SELECT id FROM deals")])
                                        for r in s.conn.execute("SELECT id FROM boards")],
    "records_of": lambda s, ids: [s.records_of(t, [x[0] for x in s.conn.execute(f"SELECT id FROM {t}")])
                                  for t in ("tasks", "timeline_entries")],
    "card_summaries": lambda s, ids: [s.card_summaries([r[0]]) for r in s.conn.execute("SELECT id FROM board_cards")]
    + [s.card_summaries([r[0] for r in s.conn.execute("SELECT id FROM board_cards")])],
    "card_for_record": lambda s, ids: [s.card_for_record(b.id, r) for b in s.boards() for _, r in _record_ids(s)],
    "card_index": lambda s, ids: _every_board(s, lambda b: [
        s.card_index(b, r[0], f) for r in s.conn.execute("SELECT id FROM board_cards") for f in _filters()]),
    "record": lambda s, ids: [s.record(k, r) for k, r in _record_ids(s)],
    "record_name": lambda s, ids: [s.record_name(k, r) for k, r in _record_ids(s)],
    "timeline": lambda s, ids: [s.timeline(r, types=t) for _, r in _record_ids(s) for t in (None, [EntryType.NOTE])],
    "tasks_for_record": lambda s, ids: [s.tasks_for_record(r) for _, r in _record_ids(s)],
    "changed_by": lambda s, ids: [s.changed_by(k.table, r) for k, r in _record_ids(s)],
    "pending_count": lambda s, ids: s.pending_count(),
    "pending_changes": lambda s, ids: s.pending_changes(),
    "record_timeline": lambda s, ids: [s.record_timeline(r, types=t) for _, r in _record_ids(s)
                                       for t in (None, [EntryType.NOTE], [RunKind.AUTOMATION_RUN])],
    "record_timeline_count": lambda s, ids: [s.record_timeline_count(r, types=t) for _, r in _record_ids(s)
                                             for t in (None, [RunKind.AUTOMATION_RUN])],
    "runs_on_record": lambda s, ids: [s.runs_on_record(r, [x[0] for x in s.conn.execute(
        "SELECT id FROM automation_runs")]) for _, r in _record_ids(s)],
    "forget_search_memory": lambda s, ids: s.forget_search_memory(),
    "failed_count": lambda s, ids: s.failed_count(),
    "last_sync": lambda s, ids: s.last_sync(),
    "record_relations": lambda s, ids: [s.record_relations(k, r) for k, r in _record_ids(s)],
    "record_cards": lambda s, ids: [s.record_cards(r) for _, r in _record_ids(s)],
    "names_of": lambda s, ids: s.names_of([(k, r) for k, r in _record_ids(s)] + [("ticket", "x")]),
    "stage_names": lambda s, ids: s.stage_names(),
    "pick_records": lambda s, ids: [s.pick_records(t) for t in ("", "a", "\x1b", "x" * 50)],
    "timeline_count": lambda s, ids: [s.timeline_count(r) for _, r in _record_ids(s)],
    "entries_on_record": lambda s, ids: [s.entries_on_record(r, [e[0] for e in s.conn.execute(
        "SELECT id FROM timeline_entries")]) for _, r in _record_ids(s)],
    "timeline_entry": lambda s, ids: [s.timeline_entry(e[0]) for e in s.conn.execute(
        "SELECT id FROM timeline_entries WHERE entry_type != 'sms'")],
    "call_dispositions": lambda s, ids: s.call_dispositions(),
    "open_tasks_for_record": lambda s, ids: [s.open_tasks_for_record(r) for _, r in _record_ids(s)],
    "inbox_tasks": lambda s, ids: [s.inbox_tasks(everyone=e, record_type=k) for e in (True, False)
                                   for k in (None, *RecordType)],
    "inbox_task": lambda s, ids: [s.inbox_task(t[0]) for t in s.conn.execute("SELECT id FROM tasks")],
    "search": lambda s, ids: [s.search(q) for q in ("acme", "not", "lovelace", "type:deal", "x" * 40, "pwned",
                                                     "stage:lead", "owner:me", "heading", "word")],
    "warm_search": lambda s, ids: s.warm_search(),
    "custom_field_defs": lambda s, ids: [s.custom_field_defs(k) for k in RecordType],
    "filter_problems": lambda s, ids: _every_board(s, lambda b: [
        s.filter_problems(b, f) for f in (*_filters(), CardFilter.parse("owner:nobody stage:lead >1k EUR"))]),
    "earlier_close_date": lambda s, ids: [s.earlier_close_date(r, t) for k, r in _record_ids(s)
                                          if k is RecordType.DEAL for t in (StageType.WON, StageType.LOST)],
    "reopen_stage": lambda s, ids: [s.reopen_stage(r[0]) for r in s.conn.execute("SELECT id FROM board_cards")],
}
# Public methods of the query mixins that write (tested below as edits of such rows).
WRITES = {"log_entry", "task_from_entry", "snooze_task", "reassign_task"}


def test_every_read_is_exercised() -> None:
    public = {name for mixin in (Queries, RecordQueries, InboxQueries, SearchQueries)
              for name, member in vars(mixin).items() if callable(member) and not name.startswith("_")}
    assert public - WRITES <= set(READS), f"add reads of {sorted(public - WRITES - set(READS))} to READS"


@pytest.mark.parametrize("name", sorted(READS))
def test_no_screen_query_fails_on_what_the_server_holds(odd_world, name: str) -> None:
    store, ids, odd = odd_world
    ids.unknown_board = odd["unknown board type"][1]
    READS[name](store, ids)


def test_stored_values_are_read_as_stored(odd_world) -> None:
    store, ids, odd = odd_world
    ada = store.record(RecordType.CONTACT, odd["invalid email"][1])
    assert ada.email == "not an email" and ada.tags == ["VIP", "VIP", " x "] and ada.title.startswith(CONTROL)
    assert ada.custom_fields["nickname"] == 42
    assert store.record(RecordType.CONTACT, odd["empty contact name"][1]).name == ""
    acme = store.record(RecordType.DEAL, odd["no currency"][1])
    assert acme.currency is None and acme.probability == Decimal(250) and acme.value.format() == "12,500.00"
    assert store.record(RecordType.DEAL, odd["lower-case currency"][1]).value.format() == "$-5.00"
    osaka = store.record(RecordType.DEAL, odd["unknown currency"][1])
    assert osaka.currency == "XYZ" and osaka.close_date is None and osaka.name == ""
    stages = {s.id: s for s in store.stages(ids.deals_board)}
    assert stages[odd["stage of 150%"][1]].probability == Decimal(150)
    assert stages[odd["unknown stage type"][1]].stage_type is StageType.OPEN  # unknown: read as open
    assert store.profiles()[ids.other].full_name == ""
    assert odd["unknown board type"][1] not in {b.id for b in store.boards()}  # cannot be shown: left out
    sms = fixed_id("entry:sms")  # an entry type we do not know: left out of the timeline, not found alone
    assert sms not in {e.id for e in store.timeline(odd["no currency"][1])}
    with pytest.raises(NotFound):
        store.timeline_entry(sms)
    inbox = {t.id: t for t in store.inbox_tasks(everyone=True)}
    assert inbox[odd["unknown task status"][1]].status is TaskStatus.OPEN
    assert inbox[odd["infinite due date"][1]].due_date is None
    # column totals keep each stored currency apart, no currency as a bare number
    stats = store.column_stats(store.board(ids.deals_board))
    lead = stats[ids.stages["Lead"]]
    assert set(lead.currency_counts) == {"", "USD", "XYZ"}  # 'usd' is counted as USD
    assert [m.format() for m in lead.totals.items()] == ["12,500.00", "$-5.00", "XYZ 90.00"]
    # unknown custom field types are left out of the definitions; a key we would refuse is kept
    assert "rating" not in {f.key for f in store.custom_field_defs(RecordType.DEAL)}
    assert "Bad Key" in {f.key for f in store.custom_field_defs(RecordType.CONTACT)}


def test_custom_values_of_the_wrong_type_are_shown_as_they_are(odd_world) -> None:
    store, ids, odd = odd_world
    deal = store.record(RecordType.DEAL, odd["no currency"][1])
    shown = {f.key: f.format_value(deal.custom_fields.get(f.key)) for f in store.custom_field_defs(RecordType.DEAL)}
    assert shown["source"] == "42" and shown["seats"] == "forty" and shown["products"] == "crm"
    assert shown["budget"] == "{'minor': 'x'}" and shown["nda"] == "yes"


# -- edits of rows the web app wrote ---------------------------------------------------------


@pytest.fixture
def odd_store():
    store, ids, odd = build_server_values_store()
    yield store, ids, odd
    store.close()


def test_an_edit_validates_what_changes_and_keeps_what_the_server_stored(odd_store) -> None:
    store, ids, odd = odd_store
    contact = odd["invalid email"][1]
    assert store.update_record(RecordType.CONTACT, contact, {"name": "  Ada King  "}) == ["name"]
    after = store.record(RecordType.CONTACT, contact)
    assert after.name == "Ada King" and after.email == "not an email"  # validated; the stored email untouched
    with pytest.raises(InvalidInput, match="Name"):
        store.update_record(RecordType.CONTACT, contact, {"name": "   "})
    with pytest.raises(InvalidInput, match="Email"):
        store.update_record(RecordType.CONTACT, contact, {"email": "still not one"})  # typed: refused
    assert store.update_record(RecordType.CONTACT, contact, {"email": " Ada@Example.COM "}) == ["email"]
    assert store.record(RecordType.CONTACT, contact).email == "Ada@example.com"
    assert store.update_record(RecordType.CONTACT, odd["empty contact name"][1], {"title": "Buyer"}) == ["title"]
    deal = odd["no currency"][1]
    assert store.update_record(RecordType.DEAL, deal, {"name": "Acme 2027"}) == ["name"]
    assert store.record(RecordType.DEAL, deal).currency is None
    assert store.update_record(RecordType.DEAL, deal, {"currency": "eur"}) == ["currency"]
    assert store.record(RecordType.DEAL, deal).currency == "EUR"


def test_task_edits_on_a_status_we_do_not_know(odd_store) -> None:
    store, ids, odd = odd_store
    task = odd["unknown task status"][1]
    assert store.update_task(task, {"title": "Call Ada"}) == ["title"]
    assert store.conn.execute("SELECT status FROM tasks WHERE id = ?", (task,)).fetchone()[0] == "blocked"
    store.set_task_status(task, TaskStatus.DONE)
    assert store.conn.execute("SELECT status FROM tasks WHERE id = ?", (task,)).fetchone()[0] == "done"
    store.snooze_task(odd["infinite due date"][1], store.today())
    store.reassign_task(odd["infinite due date"][1], ids.me)
    deal = odd["no currency"][1]
    store.log_entry(RecordType.DEAL, deal, EntryType.NOTE, body="fine")
    store.task_from_entry(None, record_type=RecordType.DEAL, record_id=deal, title="Next", assigned_to=ids.me,
                          due_date=None)

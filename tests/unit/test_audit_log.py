"""The audit log a standalone cache writes itself (store/audit.py) and its queries."""

from __future__ import annotations

from datetime import timedelta


from track_tui.models import RecordType, Task
from track_tui.store.audit_queries import AuditFilter

from ..factories import FIXED_NOW, make_store


def entries(store, record_id=None):
    return [line.entry for line in store.audit_entries(AuditFilter(record_id=record_id), limit=100)]


def test_a_standalone_write_path_logs_inserts_updates_and_deletes(standalone_ws):
    store, ids = standalone_ws
    target = ids.deals["Osaka trial"]
    store.update_record(RecordType.DEAL, target, {"name": "Osaka rollout", "probability": 40})
    [entry] = entries(store, target)
    assert (entry.table_name, entry.action, entry.actor_id) == ("deals", "update", ids.me)
    assert entry.old_data == {"name": "Osaka trial", "probability": None}
    assert entry.new_data == {"name": "Osaka rollout", "probability": 40}
    task = store.create_task(Task(workspace_id=store.workspace_id, title="Ring", record_type=RecordType.DEAL,
                                  record_id=target))
    store.delete_task(task.id)
    actions = [(e.action, e.old_data is None, e.new_data is None) for e in entries(store, task.id)]
    assert actions == [("delete", False, True), ("insert", True, False)]  # newest first


def test_bookkeeping_and_own_logs_are_not_audited(standalone_ws):
    store, ids = standalone_ws
    store.move_card(ids.cards["Osaka trial"], ids.stages["Qualified"])
    tables = {e.table_name for e in entries(store)}
    assert tables == {"deals"}  # the deal's stage; not the card, not the timeline entry


def test_a_connected_cache_leaves_the_log_to_the_server():
    store, ids = make_store()
    store.update_record(RecordType.DEAL, ids.deals["Osaka trial"], {"name": "Elsewhere"})
    assert entries(store) == []
    store.close()


def test_undo_is_logged_as_a_change_of_its_own(standalone_ws):
    store, ids = standalone_ws
    target = ids.deals["Osaka trial"]
    store.update_record(RecordType.DEAL, target, {"name": "Renamed"})
    store.undo()
    newest = entries(store, target)[0]
    assert newest.old_data == {"name": "Renamed"} and newest.new_data == {"name": "Osaka trial"}
    assert len(entries(store, target)) == 2


def test_filters_by_person_table_and_date_newest_first_in_pages(standalone_ws):
    store, ids = standalone_ws
    for i in range(5):
        store.clock = lambda i=i: FIXED_NOW + timedelta(hours=i)
        store.update_record(RecordType.DEAL, ids.deals["Osaka trial"], {"probability": 10 + i})
    store.clock = lambda: FIXED_NOW + timedelta(days=2)
    store.update_record(RecordType.CONTACT, ids.contacts["Ken Sato"], {"title": "CEO"})
    everything = entries(store)
    assert [e.created_at for e in everything] == sorted((e.created_at for e in everything), reverse=True)
    assert {e.entry.table_name for e in store.audit_entries(AuditFilter(table="contacts"))} == {"contacts"}
    assert store.audit_entries(AuditFilter(actor_id=ids.other)) == []
    assert len(store.audit_entries(AuditFilter(actor_id=ids.me))) == len(everything)
    day = store.audit_entries(AuditFilter(since=(FIXED_NOW + timedelta(days=1)).date()))
    assert [e.entry.table_name for e in day] == ["contacts"]
    until = [e.entry for e in store.audit_entries(AuditFilter(until=FIXED_NOW.date()))]
    assert all(e.created_at.date() <= FIXED_NOW.date() for e in until) and len(until) == 5
    first = store.audit_entries(AuditFilter(), limit=2)
    rest = store.audit_entries(AuditFilter(), limit=100, after=first[-1])
    assert [e.entry.id for e in first + rest] == [e.id for e in everything]


def test_a_stored_entry_the_server_wrote_in_an_odd_shape_still_reads(standalone_ws):
    store, ids = standalone_ws
    with store.transaction() as tx:
        tx.conn.execute(
            """INSERT INTO audit_log (id, workspace_id, actor_id, table_name, record_id, action, old_data, new_data,
            created_at) VALUES ('odd', ?, NULL, 'deals', 'x', 'truncate', '[1, 2]', '"text"', ?)""",
            (store.workspace_id, FIXED_NOW.isoformat()))
    odd = next(e.entry for e in store.audit_entries(AuditFilter(), limit=500) if e.entry.id == "odd")
    assert odd.action == "truncate" and odd.old_data is None


def test_the_diff_reads_as_a_person_would():
    from track_tui.models import AuditLogEntry
    from track_tui.widgets.audit_list import diff_block, diff_summary

    entry = AuditLogEntry(workspace_id="w", table_name="deals", record_id="d", action="update",
                          old_data={"value_cents": 150000, "custom_fields": {"seats": 5, "tier": "gold"}, "tags": []},
                          new_data={"value_cents": 1500, "custom_fields": {"seats": 9, "tier": "gold"}, "tags": ["vip"]})
    assert diff_summary(entry, "JPY") == "seats: 5 → 9; Tags: — → vip; Value: ¥150,000 → ¥1,500"
    assert diff_block(entry, "USD").splitlines()[-1] == "Value: $1,500.00 → $15.00"
    created = AuditLogEntry(workspace_id="w", table_name="tasks", record_id="t", action="insert",
                            new_data={"title": "Ring Ada", "status": "open"})
    assert diff_summary(created) == "created Ring Ada"


def test_references_are_named_never_shown_as_ids():
    """A task's assignee and record, a deal's owner and stage: names, not UUIDs; a row this
    cache cannot name, a short id; column names in words ("Record", not "record id")."""
    from track_tui.models import AuditLogEntry
    from track_tui.widgets.audit_list import diff_block, diff_summary

    person, deal, stage = "4b0a8829-4d00-47f1-abf1-5ea547877640", "4587bc24-8f9f-48e8-ab8e-48f190f2bf5b", "5" * 32
    task = AuditLogEntry(workspace_id="w", table_name="tasks", record_id="t", action="insert",
                         new_data={"title": "Follow up", "assigned_to": person, "record_id": deal,
                                   "record_type": "deal", "source_entry_id": None})
    names = {person: "Priya Raman", deal: "Delta Tooling — Enterprise upgrade"}
    block = diff_block(task, names=names)
    assert "Assignee: Priya Raman" in block and "Record: Delta Tooling — Enterprise upgrade" in block
    assert "Record type: deal" in block and "From timeline entry: —" in block and person not in block
    moved = AuditLogEntry(workspace_id="w", table_name="deals", record_id=deal, action="update",
                          old_data={"stage_id": stage, "owner_id": None}, new_data={"stage_id": "6" * 32, "owner_id": person})
    assert diff_summary(moved, names={**names, stage: "Lead"}) == f"Owner: — → Priya Raman; Stage: Lead → #{'6' * 8}"


def test_an_import_is_audited_row_by_row(standalone_ws):
    from track_tui.models import Contact

    store, ids = standalone_ws
    people = [Contact(workspace_id=store.workspace_id, name=f"Imported {i}") for i in range(3)]
    store.import_records(RecordType.CONTACT, people)
    logged = {e.record_id: e for e in entries(store) if e.table_name == "contacts"}
    assert set(logged) == {p.id for p in people}
    assert all(e.action == "insert" and e.new_data["name"].startswith("Imported") for e in logged.values())


def test_an_entry_names_you_a_teammate_an_automation_or_the_server():
    from track_tui.widgets.audit_list import actor_label

    people, rules = {"p1": "Mia Chen", "p2": "Omar Haddad"}, {"a1": "Nudge stale proposals"}
    assert actor_label("p1", "p1", people, rules) == "you"
    assert actor_label("p2", "p1", people, rules) == "Omar Haddad"
    assert actor_label("a1", "p1", people, rules) == "automation 'Nudge stale proposals'"
    assert actor_label(None, "p1", people, rules) == "the server"
    assert actor_label("gone", "p1", people, rules) == "someone"
    assert actor_label("p1", None, people, rules) == "Mia Chen"  # no signed-in person: by name


def test_the_narrow_who_column_names_an_automation_by_its_own_name():
    from track_tui.widgets.audit_list import actor_cell

    assert actor_cell("a1", {"a1": "Nudge stale proposals"}) == "⚙ Nudge stale proposals"
    assert actor_cell("p1", {"a1": "Nudge stale proposals"}) is None
    assert actor_cell(None, {}) is None

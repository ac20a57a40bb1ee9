"""The local automation runner (store/automation_runner.py): every trigger and action, the
conditions, the loop guard, failures taken back whole, and no run at all unless the store
stands alone (no Supabase project)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from track_tui.models import Automation, Deal, RecordType
from track_tui.models.enums import EntryType

from track_tui.store.rows import iso_utc

from ..factories import FIXED_NOW, TODAY, make_store


def rule(store, name, trigger, actions, conditions=(), enabled=True) -> Automation:
    return store.save_automation(Automation(workspace_id=store.workspace_id, name=name, trigger=trigger,
                                            conditions=list(conditions), actions=list(actions), is_enabled=enabled))


def runs(store, automation):
    with store.reading() as conn:
        return [dict(r) for r in conn.execute(
            "SELECT * FROM automation_runs WHERE automation_id = ? ORDER BY rowid", (automation.id,))]


def deal(store, ids, name, **kw) -> Deal:
    values = dict(workspace_id=store.workspace_id, name=name, value_cents=1000, currency="USD",
                  stage_id=ids.stages["Lead"], custom_fields={"source": "web"})
    values.update(kw)
    return store.create_record(Deal(**values))


def test_record_created_assigns_in_turn_and_tags(standalone_ws):
    store, ids = standalone_ws
    a = rule(store, "Inbound", {"type": "record_created", "record_type": "deal"},
             [{"type": "assign_owner", "mode": "round_robin", "user_ids": [ids.other, ids.me]},
              {"type": "add_tag", "tag": "inbound"}])
    first, second, third = (deal(store, ids, f"New {i}") for i in range(3))
    owners = [store.record(RecordType.DEAL, d.id).owner_id for d in (first, second, third)]
    assert owners == [ids.other, ids.me, ids.other]
    assert store.record(RecordType.DEAL, first.id).tags == ["inbound"]
    assert [r["status"] for r in runs(store, a)] == ["success"] * 3
    assert runs(store, a)[0]["record_id"] == first.id
    with store.reading() as conn:  # through the write path: the run and the edit are in the outbox
        tables = {r[0] for r in conn.execute("SELECT table_name FROM outbox WHERE row_id IN (?, ?)",
                                             (first.id, runs(store, a)[0]["id"]))}
    assert tables == {"deals", "automation_runs"}
    edits = store.timeline(first.id, types=[EntryType.FIELD_EDIT])
    assert {e.payload["field"] for e in edits} == {"owner_id", "tags"}


def test_nothing_runs_when_a_project_is_connected():
    store, ids = make_store()  # standalone is False: a server's runner does it
    a = rule(store, "Inbound", {"type": "record_created"}, [{"type": "add_tag", "tag": "x"}])
    made = deal(store, ids, "Quiet")
    assert store.record(RecordType.DEAL, made.id).tags == []
    assert runs(store, a) == []
    store.standalone = True
    store.clock = lambda: FIXED_NOW + timedelta(days=400)
    assert store.run_scheduled_automations() == 0
    store.close()


def test_disabled_and_other_record_types_do_not_run(standalone_ws):
    store, ids = standalone_ws
    off = rule(store, "Off", {"type": "record_created"}, [{"type": "add_tag", "tag": "x"}], enabled=False)
    contacts = rule(store, "Contacts", {"type": "record_created", "record_type": "contact"}, [{"type": "add_tag", "tag": "x"}])
    deal(store, ids, "Plain")
    assert runs(store, off) == [] and runs(store, contacts) == []


def test_stage_changed_creates_a_task_when_the_owner_is_me(standalone_ws):
    store, ids = standalone_ws
    a = rule(store, "Proposal", {"type": "stage_changed", "to_stage_id": ids.stages["Proposal"]},
             [{"type": "create_task", "title": "Send proposal", "due_in_days": 2}],
             [{"type": "owner_is", "user_id": ids.me}])
    store.move_card(ids.cards["Acme renewal"], ids.stages["Proposal"])  # Mia's
    store.move_card(ids.cards["Tokyo pilot"], ids.stages["Proposal"])  # Omar's: condition fails
    tasks = [t for t in store.tasks_for_record(ids.deals["Acme renewal"]) if t.title == "Send proposal"]
    assert len(tasks) == 1 and tasks[0].due_date == TODAY + timedelta(days=2) and tasks[0].assigned_to == ids.me
    assert not [t for t in store.tasks_for_record(ids.deals["Tokyo pilot"]) if t.title == "Send proposal"]
    assert [r["record_id"] for r in runs(store, a)] == [ids.deals["Acme renewal"]]


def test_stage_type_trigger_moves_and_removes_a_tag(standalone_ws):
    store, ids = standalone_ws
    a = rule(store, "Lost cleanup", {"type": "stage_changed", "to_stage_type": "lost"},
             [{"type": "remove_tag", "tag": "VIP"}, {"type": "move_stage", "stage_id": ids.stages["Won"]}],
             [{"type": "tag_applied", "tag": "vip"}])
    store.move_card(ids.cards["Acme renewal"], ids.stages["Lost"])
    after = store.record(RecordType.DEAL, ids.deals["Acme renewal"])
    assert after.tags == ["renewal"] and after.stage_id == ids.stages["Won"]
    assert runs(store, a)[0]["status"] == "success"


def test_field_updated_sets_fields_and_custom_fields(standalone_ws):
    store, ids = standalone_ws
    a = rule(store, "Close date", {"type": "field_updated", "field": "close_date"},
             [{"type": "set_field", "field": "probability", "value": 75},
              {"type": "set_field", "field": "custom_fields.source", "value": "referral"}])
    store.update_record(RecordType.DEAL, ids.deals["Osaka trial"], {"close_date": TODAY + timedelta(days=9)})
    after = store.record(RecordType.DEAL, ids.deals["Osaka trial"])
    assert after.probability == 75 and after.custom_fields["source"] == "referral"
    store.update_record(RecordType.DEAL, ids.deals["Osaka trial"], {"name": "Osaka trial 2"})  # another field
    assert len(runs(store, a)) == 1


def test_field_matches_fires_when_the_value_comes_to_match(standalone_ws):
    store, ids = standalone_ws
    a = rule(store, "Big", {"type": "field_matches", "field": "value_cents", "op": "gte", "value": 10_000_000},
             [{"type": "add_tag", "tag": "enterprise"}], [{"type": "tag_not_applied", "tag": "enterprise"}])
    target = ids.deals["Osaka trial"]
    store.update_record(RecordType.DEAL, target, {"value_cents": 20_000_000})
    store.update_record(RecordType.DEAL, target, {"value_cents": 30_000_000})  # matched already
    assert "enterprise" in store.record(RecordType.DEAL, target).tags
    assert len(runs(store, a)) == 1
    big = deal(store, ids, "Huge", value_cents=50_000_000)  # matches as created
    assert "enterprise" in store.record(RecordType.DEAL, big.id).tags


def test_notify_becomes_a_notification_and_a_webhook_is_skipped(standalone_ws):
    store, ids = standalone_ws
    a = rule(store, "Won", {"type": "stage_changed", "to_stage_type": "won"},
             [{"type": "notify", "user": "owner", "message": "Won it"},
              {"type": "send_webhook", "url": "https://hooks.example/won"}])
    store.take_notices()
    store.move_card(ids.cards["Acme renewal"], ids.stages["Won"])
    notices = store.take_notices()
    assert [(n.user_id, n.message, n.record_id) for n in notices] == [(ids.me, "Won it", ids.deals["Acme renewal"])]
    run = runs(store, a)[0]
    assert run["status"] == "success" and run["error"].startswith("skipped: send a webhook (POST https://hooks.example/won)")


def test_a_failing_action_takes_the_rule_back_whole_and_the_change_stands(standalone_ws):
    store, ids = standalone_ws
    a = rule(store, "Broken", {"type": "field_updated", "field": "name"},
             [{"type": "add_tag", "tag": "renamed"}, {"type": "assign_owner", "mode": "direct", "user_id": "nobody"}])
    bad_value = rule(store, "Bad value", {"type": "field_updated", "field": "name"},
                     [{"type": "set_field", "field": "probability", "value": 150}])
    target = ids.deals["Osaka trial"]
    store.update_record(RecordType.DEAL, target, {"name": "Osaka trial (renamed)"})
    after = store.record(RecordType.DEAL, target)
    assert after.name == "Osaka trial (renamed)"  # the person's change stands
    assert after.tags == [] and after.owner_id == ids.me  # the rule's first action was taken back too
    [run] = runs(store, a)
    assert run["status"] == "failed" and "no person with id nobody" in run["error"]
    [run] = runs(store, bad_value)
    assert run["status"] == "failed" and run["error"].startswith("set field: Probability")
    # One undo takes back the person's change (the failed runs stay as the log of what happened)
    store.undo()
    assert store.record(RecordType.DEAL, target).name == "Osaka trial"


def test_undo_takes_back_the_change_and_what_the_rule_did(standalone_ws):
    store, ids = standalone_ws
    rule(store, "Tag", {"type": "field_updated", "field": "name"}, [{"type": "add_tag", "tag": "renamed"}])
    target = ids.deals["Osaka trial"]
    store.update_record(RecordType.DEAL, target, {"name": "Renamed"})
    assert store.record(RecordType.DEAL, target).tags == ["renamed"]
    store.undo()
    after = store.record(RecordType.DEAL, target)
    assert after.name == "Osaka trial" and after.tags == []


def test_a_rule_that_triggers_itself_stops_after_one_level(standalone_ws):
    store, ids = standalone_ws
    a = rule(store, "Echo", {"type": "field_updated", "field": "tags"}, [{"type": "add_tag", "tag": "seen"}])
    store.update_record(RecordType.DEAL, ids.deals["Osaka trial"], {"tags": ["new"]})
    assert store.record(RecordType.DEAL, ids.deals["Osaka trial"]).tags == ["new", "seen"]
    statuses = [(r["status"], r["error"]) for r in runs(store, a)]
    assert statuses[0] == ("success", None)
    assert statuses[1][0] == "failed" and statuses[1][1].startswith("stopped a loop")
    assert len(statuses) == 2


def test_automations_trigger_others_only_one_level_deep(standalone_ws):
    store, ids = standalone_ws
    first = rule(store, "1", {"type": "field_updated", "field": "name"}, [{"type": "set_field", "field": "probability", "value": 20}])
    second = rule(store, "2", {"type": "field_updated", "field": "probability"}, [{"type": "add_tag", "tag": "two"}])
    third = rule(store, "3", {"type": "field_updated", "field": "tags"}, [{"type": "add_tag", "tag": "three"}])
    store.update_record(RecordType.DEAL, ids.deals["Osaka trial"], {"name": "Chain"})
    assert runs(store, first)[0]["status"] == "success"
    assert runs(store, second)[0]["status"] == "success"
    [run] = runs(store, third)
    assert run["status"] == "failed" and "levels deep" in run["error"]
    assert store.record(RecordType.DEAL, ids.deals["Osaka trial"]).tags == ["two"]


@pytest.mark.parametrize(("condition", "holds"), [
    ({"type": "on_board", "board_id": "deals"}, True),
    ({"type": "on_board", "board_id": "contacts"}, False),
    ({"type": "field_equals", "field": "custom_fields.source", "value": "WEB"}, True),
    ({"type": "field_equals", "field": "currency", "value": "USD", "negate": True}, True),
    ({"type": "field_contains", "field": "name", "value": "osaka"}, True),
    ({"type": "field_is_empty", "field": "close_date"}, True),
    ({"type": "field_is_empty", "field": "company_id", "negate": True}, True),
    ({"type": "owner_is_not", "user_id": "me"}, False),
    ({"type": "tag_applied", "tag": "vip"}, False),
    ({"type": "tag_not_applied", "tag": "vip"}, True),
    ({"type": "created_within_days", "days": 7}, False),
    ({"type": "created_within_days", "days": 31}, True),
])
def test_every_condition_is_checked_on_the_record(standalone_ws, condition, holds):
    store, ids = standalone_ws
    condition = dict(condition)
    if "board_id" in condition:
        condition["board_id"] = ids.deals_board if condition["board_id"] == "deals" else ids.contacts_board
    if condition.get("user_id") == "me":
        condition["user_id"] = ids.me
    a = rule(store, "Cond", {"type": "field_updated", "field": "name"}, [{"type": "add_tag", "tag": "hit"}], [condition])
    store.update_record(RecordType.DEAL, ids.deals["Osaka trial"], {"name": "Osaka trial!"})  # Osaka: JPY, Kaisha
    assert bool(runs(store, a)) is holds


def test_days_in_stage_runs_once_per_stay(standalone_ws):
    store, ids = standalone_ws
    a = rule(store, "Stale", {"type": "days_in_stage", "stage_id": ids.stages["Lead"], "days": 14},
             [{"type": "create_task", "title": "Nudge", "due_in_days": 0}])
    assert store.run_scheduled_automations() == 3  # Acme renewal, Tokyo pilot, Osaka trial: 30 days in Lead
    assert store.run_scheduled_automations() == 0  # not again during the same stay
    assert {r["record_id"] for r in runs(store, a)} == {ids.deals[n] for n in ("Acme renewal", "Tokyo pilot", "Osaka trial")}
    assert any(t.title == "Nudge" and t.due_date == TODAY for t in store.tasks_for_record(ids.deals["Tokyo pilot"]))


def test_a_second_start_on_the_same_cache_fires_nothing_again(tmp_path):
    """The runs are stored: a new process on the same cache (another `track` start) sees that
    each record has had its nudge during this stay, so no second batch of tasks appears."""
    path = tmp_path / "cache.sqlite3"
    store, ids = make_store(path)
    store.standalone = True
    rule(store, "Stale", {"type": "days_in_stage", "stage_id": ids.stages["Lead"], "days": 14},
         [{"type": "create_task", "title": "Nudge", "due_in_days": 0}])
    assert store.run_scheduled_automations() == 3
    store.close()
    again = type(store)(path, clock=lambda: FIXED_NOW + timedelta(days=3))
    again.standalone = True
    try:
        assert again.run_scheduled_automations() == 0
        with again.reading() as conn:
            assert conn.execute("SELECT count(*) FROM tasks WHERE title = 'Nudge'").fetchone()[0] == 3
    finally:
        again.close()


def test_leaving_the_stage_and_coming_back_fires_again_after_the_days(standalone_ws):
    store, ids = standalone_ws
    a = rule(store, "Stale", {"type": "days_in_stage", "stage_id": ids.stages["Lead"], "days": 14},
             [{"type": "add_tag", "tag": "stale"}])
    assert store.run_scheduled_automations() == 3
    store.clock = lambda: FIXED_NOW + timedelta(days=1)
    store.move_card(ids.cards["Tokyo pilot"], ids.stages["Qualified"])
    store.move_card(ids.cards["Tokyo pilot"], ids.stages["Lead"])
    assert store.run_scheduled_automations() == 0  # back in Lead, but not 14 days yet
    store.clock = lambda: FIXED_NOW + timedelta(days=16)
    assert store.run_scheduled_automations() == 1  # a new stay, 15 days long: Tokyo once more
    assert [r["record_id"] for r in runs(store, a)].count(ids.deals["Tokyo pilot"]) == 2


def test_scheduled_work_is_not_the_persons_undo_step_and_names_the_automation_in_the_audit(standalone_ws):
    store, ids = standalone_ws
    a = rule(store, "Nudge stale", {"type": "days_in_stage", "stage_id": ids.stages["Lead"], "days": 14},
             [{"type": "create_task", "title": "Nudge", "due_in_days": 0}, {"type": "add_tag", "tag": "stale"}])
    store.update_record(RecordType.DEAL, ids.deals["Globex expansion"], {"name": "Globex expansion II"})
    mine = store.next_undo()
    assert store.run_scheduled_automations() == 3
    assert store.next_undo() is mine  # `u` still takes back the person's own edit
    with store.reading() as conn:
        actors = {r[0] for r in conn.execute(
            "SELECT DISTINCT actor_id FROM audit_log WHERE table_name IN ('tasks', 'deals') AND created_at >= ?"
            " AND record_id != ?", (iso_utc(store.now()), ids.deals["Globex expansion"]))}
    assert actors == {a.id}
    outcome = store.undo()
    assert outcome is not None and outcome.step is mine
    assert store.record(RecordType.DEAL, ids.deals["Globex expansion"]).name == "Globex expansion"
    assert "stale" in store.record(RecordType.DEAL, ids.deals["Tokyo pilot"]).tags  # the automation's work stays
    assert store.run_scheduled_automations() == 0


def test_an_event_triggered_automations_audit_entries_name_it_and_the_persons_name_them(standalone_ws):
    store, ids = standalone_ws
    a = rule(store, "Tagger", {"type": "field_updated", "field": "name"}, [{"type": "add_tag", "tag": "renamed"}])
    store.update_record(RecordType.DEAL, ids.deals["Osaka trial"], {"name": "Osaka rollout"})
    with store.reading() as conn:
        rows = [(r[0], json.loads(r[1])) for r in conn.execute(
            "SELECT actor_id, new_data FROM audit_log WHERE record_id = ? AND action = 'update' ORDER BY rowid",
            (ids.deals["Osaka trial"],))]
    assert rows == [(ids.me, {"name": "Osaka rollout"}), (a.id, {"tags": ["renamed"]})]


def test_due_date_approaching_runs_once_per_date(standalone_ws):
    store, ids = standalone_ws
    a = rule(store, "Closing", {"type": "due_date_approaching", "field": "close_date", "days_before": 7},
             [{"type": "notify", "user": "owner", "message": "Closes soon"}])
    store.update_record(RecordType.DEAL, ids.deals["Osaka trial"], {"close_date": TODAY + timedelta(days=5)})
    store.update_record(RecordType.DEAL, ids.deals["Tokyo pilot"], {"close_date": TODAY + timedelta(days=20)})
    store.take_notices()
    assert store.run_scheduled_automations() == 1
    assert [n.record_id for n in store.take_notices()] == [ids.deals["Osaka trial"]]
    assert store.run_scheduled_automations() == 0
    store.clock = lambda: FIXED_NOW + timedelta(days=14)  # Tokyo's date is now 6 days away
    assert store.run_scheduled_automations() == 1
    assert [r["record_id"] for r in runs(store, a)] == [ids.deals["Osaka trial"], ids.deals["Tokyo pilot"]]


def test_a_malformed_rule_writes_a_failed_run_and_never_breaks_the_write(standalone_ws):
    store, ids = standalone_ws
    a = rule(store, "Odd", {"type": "field_updated", "field": "name"}, [{"type": "add_tag", "tag": "x"}])
    with store.transaction() as tx:
        tx.conn.execute("UPDATE automations SET actions = ? WHERE id = ?", (json.dumps([{"type": "teleport"}]), a.id))
    store.update_record(RecordType.DEAL, ids.deals["Osaka trial"], {"name": "Still saved"})
    assert store.record(RecordType.DEAL, ids.deals["Osaka trial"]).name == "Still saved"
    [run] = runs(store, a)
    assert run["status"] == "failed" and "malformed" in run["error"] and "teleport" in run["error"]


def test_custom_field_triggers_and_values(standalone_ws):
    store, ids = standalone_ws
    a = rule(store, "Referral", {"type": "field_updated", "field": "custom_fields.source"},
             [{"type": "add_tag", "tag": "referred"}], [{"type": "field_equals", "field": "custom_fields.source", "value": "referral"}])
    b = rule(store, "Seats", {"type": "field_matches", "field": "custom_fields.seats", "op": "gt", "value": 100},
             [{"type": "set_field", "field": "custom_fields.nda", "value": True}])
    target = ids.deals["Osaka trial"]
    store.update_record(RecordType.DEAL, target, custom={"seats": 50})  # another custom field changes: no run of a
    assert runs(store, a) == [] and runs(store, b) == []
    store.update_record(RecordType.DEAL, target, custom={"source": "referral", "seats": 120})
    after = store.record(RecordType.DEAL, target)
    assert "referred" in after.tags and after.custom_fields["nda"] is True
    assert len(runs(store, a)) == 1 and len(runs(store, b)) == 1


def test_a_custom_date_can_approach_too(standalone_ws):
    store, ids = standalone_ws
    a = rule(store, "Renewal", {"type": "due_date_approaching", "field": "custom_fields.renewal", "days_before": 3},
             [{"type": "add_tag", "tag": "renewing"}])
    store.update_record(RecordType.DEAL, ids.deals["Osaka trial"], custom={"renewal": (TODAY + timedelta(days=2)).isoformat()})
    assert store.run_scheduled_automations() == 1
    assert "renewing" in store.record(RecordType.DEAL, ids.deals["Osaka trial"]).tags
    assert [r["record_id"] for r in runs(store, a)] == [ids.deals["Osaka trial"]]

"""Running the workspace through the write path (store/admin_mutations.py): boards, stages and
custom field definitions, each refused with the rule it breaks, and admins only."""

from __future__ import annotations

import json

import pytest

from track_tui.models import CustomField, RecordType, StageType
from track_tui.models.custom_field_config import config_problem, key_problem
from track_tui.models.enums import CustomFieldType, EntryType
from track_tui.store import InvalidInput, NotAllowed

from ..factories import make_store


@pytest.fixture
def ws():
    store, ids = make_store()
    yield store, ids
    store.close()


def outbox_ops(store, table):
    with store.reading() as conn:
        return [(r[0], json.loads(r[1])) for r in conn.execute(
            "SELECT op, patch FROM outbox WHERE table_name = ? ORDER BY seq", (table,))]


def test_boards_are_created_renamed_archived_and_unarchived(ws):
    store, ids = ws
    board = store.create_board("Renewals", RecordType.DEAL, ["Due", "Signed"])
    assert [s.name for s in store.stages(board.id)] == ["Due", "Signed"]
    store.rename_board(board.id, "  Renewals 2027 ")
    assert store.board(board.id).name == "Renewals 2027"
    store.set_board_archived(board.id, True)
    assert board.id not in {b.id for b in store.boards()} and board.id in {b.id for b in store.all_boards()}
    store.set_board_archived(board.id, False)
    assert board.id in {b.id for b in store.boards()}
    assert [op for op, _ in outbox_ops(store, "boards")] == ["insert", "update", "update", "update"]
    with pytest.raises(InvalidInput, match="a board needs a name"):
        store.rename_board(board.id, "   ")
    with pytest.raises(InvalidInput, match="contacts, companies or deals"):
        store.create_board("Odd", "tasks")


def test_stages_are_added_renamed_retyped_and_reordered(ws):
    store, ids = ws
    stage = store.add_stage(ids.deals_board, "Negotiation", StageType.OPEN, "80%")
    assert store.stages(ids.deals_board)[-1].id == stage.id and stage.probability == 80
    store.update_stage(stage.id, name="Contract", stage_type=StageType.WON, probability="")
    changed = next(s for s in store.stages(ids.deals_board) if s.id == stage.id)
    assert (changed.name, changed.stage_type, changed.probability) == ("Contract", StageType.WON, None)
    assert store.move_stage_position(stage.id, -1) is True
    order = [s.id for s in store.stages(ids.deals_board)]
    assert order.index(stage.id) == len(order) - 2
    assert store.move_stage_position(order[0], -1) is False


@pytest.mark.parametrize(("value", "problem"), [
    ("150", "150 is outside 0–100"), ("-1", "-1 is outside 0–100"), ("lots", "'lots' is not a number"),
    ("NaN", "outside 0–100"),
])
def test_a_probability_outside_0_to_100_is_refused(ws, value, problem):
    store, ids = ws
    with pytest.raises(InvalidInput, match=problem):
        store.add_stage(ids.deals_board, "Bad", StageType.OPEN, value)
    with pytest.raises(InvalidInput, match=problem):
        store.update_stage(ids.stages["Lead"], probability=value)


def test_a_stage_with_cards_is_deleted_only_after_moving_them(ws):
    store, ids = ws
    with pytest.raises(InvalidInput, match="Lead holds 3 cards: choose a stage to move them to first"):
        store.delete_stage(ids.stages["Lead"])
    with pytest.raises(InvalidInput, match="a stage of another board"):
        store.delete_stage(ids.stages["Lead"], move_to=ids.stages["New"])
    moved = store.delete_stage(ids.stages["Lead"], move_to=ids.stages["Qualified"])
    assert moved == 3
    assert ids.stages["Lead"] not in {s.id for s in store.stages(ids.deals_board)}
    acme = store.record(RecordType.DEAL, ids.deals["Acme renewal"])
    assert acme.stage_id == ids.stages["Qualified"]
    assert any(e.payload.get("to_stage") == "Qualified" for e in store.timeline(acme.id, types=[EntryType.STAGE_CHANGE]))
    empty = store.add_stage(ids.deals_board, "Empty")
    assert store.delete_stage(empty.id) == 0


def field(store, **kw) -> CustomField:
    values = dict(workspace_id=store.workspace_id, record_type=RecordType.DEAL, name="Tier", key="tier",
                  type=CustomFieldType.SELECT, config={"options": ["gold", "silver"]})
    values.update(kw)
    return CustomField(**values)


def test_custom_fields_are_created_with_any_type_and_a_checked_config(ws):
    store, ids = ws
    for kind, config in [
        ("text", {"max_length": 20}), ("number", {"min": 0, "max": 10}), ("date", {"min": "2026-01-01"}),
        ("select", {"options": ["a"]}), ("multi_select", {"options": ["a", "b"], "max_selected": 1}),
        ("boolean", {}), ("url", {"schemes": ["https"]}), ("currency", {"currency": "eur"}), ("link", {"target": "company"}),
    ]:
        made = store.create_custom_field(field(store, name=f"F {kind}", key=f"f_{kind}", type=kind, config=config))
        assert made.position == max(d.position for d in store.custom_field_defs(RecordType.DEAL))
    with pytest.raises(InvalidInput, match="'source' is already the key of 'Source' on deals"):
        store.create_custom_field(field(store, key="source"))


@pytest.mark.parametrize(("kind", "config", "problem"), [
    ("select", {}, "needs at least one option"),
    ("select", {"options": ["a", "a"]}, "the option 'a' is listed twice"),
    ("multi_select", {"options": [{"label": "x"}]}, "every option needs a value"),
    ("number", {"min": 5, "max": 1}, "min (5) is more than max (1)"),
    ("number", {"min": "low"}, "min must be a number"),
    ("currency", {"currency": "XYZ"}, "not an ISO 4217 currency code"),
    ("link", {}, "contact, company or deal"),
    ("text", {"pattern": "("}, "not a regular expression"),
    ("date", {"min": "soon"}, "min must be a date"),
    ("url", {"schemes": "https"}, "schemes must be a list"),
    ("colour", {}, "unknown type 'colour'"),
])
def test_a_config_that_makes_no_sense_names_its_rule(kind, config, problem):
    assert problem in config_problem(kind, config)


def test_key_rules():
    assert key_problem("lead_source") is None
    assert "starting with a letter" in key_problem("1st")
    assert key_problem("") == "a field needs a key"


def test_rename_keeps_the_key_and_reorder_and_searchable_reindex(ws):
    store, ids = ws
    code = ids.fields["code_name"]
    store.rename_custom_field(code, "Project code")
    defs = {d.id: d for d in store.custom_field_defs(RecordType.DEAL)}
    assert defs[code].name == "Project code" and defs[code].key == "code_name"
    first = store.custom_field_defs(RecordType.DEAL)[0]
    store.move_custom_field(first.id, 1)
    assert store.custom_field_defs(RecordType.DEAL)[1].id == first.id
    # "ROADRUNNER" is Acme renewal's code name: searchable now; not found once switched off
    assert any(h.record_id == ids.deals["Acme renewal"] for h in store.search("roadrunner").hits)
    store.set_custom_field_searchable(code, False)
    assert not any(h.record_id == ids.deals["Acme renewal"] for h in store.search("roadrunner").hits)
    store.set_custom_field_searchable(code, True)
    assert any(h.record_id == ids.deals["Acme renewal"] for h in store.search("roadrunner").hits)


def test_delete_says_how_many_records_hold_a_value(ws):
    store, ids = ws
    count, names = store.custom_field_usage(ids.fields["source"])
    assert count == 7 and names == sorted(names) and len(names) == 3
    assert store.delete_custom_field(ids.fields["source"]) == 7
    assert "source" not in {d.key for d in store.custom_field_defs(RecordType.DEAL)}


def test_option_usage_counts_each_value_records_hold(ws):
    store, ids = ws
    usage = store.custom_field_option_usage(ids.fields["source"])
    assert sum(count for count, _ in usage.values()) == store.custom_field_usage(ids.fields["source"])[0]
    assert all(names == sorted(names) and len(names) <= 3 for _, names in usage.values())
    tags = store.create_custom_field(field(store, name="Areas", key="areas", type="multi_select",
                                           config={"options": ["crm", "ops"]}))
    deal = ids.deals["Acme renewal"]
    store.update_record(RecordType.DEAL, deal, custom={"areas": ["crm", "ops"]})
    assert store.custom_field_option_usage(tags.id) == {"crm": (1, ["Acme renewal"]), "ops": (1, ["Acme renewal"])}
    assert store.custom_field_option_usage("no-such-field") == {}


def test_changes_that_would_invalidate_values_are_refused_with_count_and_examples(ws):
    store, ids = ws
    source = ids.fields["source"]
    with pytest.raises(InvalidInput) as refused:
        store.change_custom_field(source, config={"required": True, "options": ["web", "event"]})
    assert "2 records hold values the new options and rules would not accept" in str(refused.value)
    assert "Initech migration" in str(refused.value) and "nothing was changed" in str(refused.value)
    with pytest.raises(InvalidInput, match="7 records hold values the new type would not accept"):
        store.change_custom_field(source, type="number")
    store.change_custom_field(source, config={"required": True, "options": ["web", "event", "referral", "partner"]})
    assert "partner" in json.dumps(next(d.config for d in store.custom_field_defs(RecordType.DEAL) if d.id == source))


def test_admin_changes_are_refused_below_admin(ws):
    store, ids = ws
    store.set_meta("role", "member")
    for call in (lambda: store.create_board("X", RecordType.DEAL), lambda: store.add_stage(ids.deals_board, "X"),
                 lambda: store.delete_stage(ids.stages["Lost"], move_to=ids.stages["Won"]),
                 lambda: store.rename_custom_field(ids.fields["source"], "Y"),
                 lambda: store.set_automation_enabled("x", False)):
        with pytest.raises(NotAllowed, match="You are a member in this workspace: .* you need to be an admin or owner"):
            call()


# -- removing options records hold: their values moved or cleared -------------------------

def deal_customs(store) -> dict[str, dict]:
    with store.reading() as conn:
        return {r[0]: json.loads(r[1] or "{}") for r in conn.execute("SELECT name, custom_fields FROM deals")}


def audit_rows(store, table):
    with store.reading() as conn:
        return [(r[0], r[1], json.loads(r[2] or "null"), json.loads(r[3] or "null")) for r in conn.execute(
            "SELECT record_id, action, old_data, new_data FROM audit_log WHERE table_name = ? ORDER BY rowid", (table,))]


def test_a_removed_select_option_moves_its_records_to_the_chosen_one(standalone_ws):
    store, ids = standalone_ws
    source = ids.fields["source"]
    before, queued = deal_customs(store), len(outbox_ops(store, "deals"))
    held = sorted(name for name, custom in before.items() if custom.get("source") == "referral")
    assert held == ["Initech migration", "Tokyo pilot"]
    options = [{"value": "web", "label": "Website"}, "event"]
    moved = store.change_custom_field(source, config={"required": True, "options": options},
                                      reassign={"referral": "event"})
    assert moved == 2
    after = deal_customs(store)
    for name in before:  # the two holders moved; every other record and key untouched
        expected = {**before[name], "source": "event"} if name in held else before[name]
        assert after[name] == expected, name
    assert next(d for d in store.custom_field_defs(RecordType.DEAL) if d.id == source).config["options"] == options
    assert store.custom_field_option_usage(source).get("referral") is None
    # audited (a standalone cache writes the log), in the outbox, and on each record's timeline
    deal_audit = audit_rows(store, "deals")
    assert sorted(r[0] for r in deal_audit) == sorted(ids.deals[n] for n in held)
    assert all(r[1] == "update" and r[2]["custom_fields"]["source"] == "referral"
               and r[3]["custom_fields"]["source"] == "event" for r in deal_audit)
    assert [r[1] for r in audit_rows(store, "custom_fields")] == ["update"]
    updates = [patch for op, patch in outbox_ops(store, "deals")[queued:] if op == "update"]
    assert len(updates) == 2 and all(p["custom_fields"]["source"] == "event" for p in updates)
    edits = [e for e in store.timeline(ids.deals["Tokyo pilot"]) if e.entry_type is EntryType.FIELD_EDIT]
    assert edits[0].payload["old"] == "referral" and edits[0].payload["new"] == "event"
    # one undo step takes back the definition and every record
    store.undo()
    assert deal_customs(store) == before
    assert "referral" in json.dumps(next(d.config for d in store.custom_field_defs(RecordType.DEAL) if d.id == source))


def test_a_removed_multi_select_option_is_replaced_without_duplicates_or_cleared(ws):
    store, ids = ws
    products = ids.fields["products"]
    osaka, tokyo = ids.deals["Osaka trial"], ids.deals["Tokyo pilot"]
    store.update_record(RecordType.DEAL, osaka, custom={"products": ["crm", "billing"]})
    store.update_record(RecordType.DEAL, tokyo, custom={"products": ["support"]})
    assert store.change_custom_field(products, config={"options": ["billing", "support"], "max_selected": 2},
                                     reassign={"crm": "billing"}) == 2
    customs = deal_customs(store)
    assert customs["Acme renewal"]["products"] == ["billing"]
    assert customs["Osaka trial"]["products"] == ["billing"]  # crm became billing: listed once
    assert customs["Tokyo pilot"]["products"] == ["support"]  # did not hold crm: untouched
    assert customs["Acme renewal"]["source"] == "web" and customs["Acme renewal"]["seats"] == 40
    assert store.change_custom_field(products, config={"options": ["support"]}, reassign={"billing": None}) == 2
    customs = deal_customs(store)
    assert "products" not in customs["Acme renewal"] and "products" not in customs["Osaka trial"]  # none left
    assert customs["Tokyo pilot"]["products"] == ["support"]
    assert store.custom_field_usage(products)[0] == 1


def test_moving_values_is_refused_when_it_makes_no_sense_and_nothing_changes(ws):
    store, ids = ws
    source = ids.fields["source"]
    before, queued = deal_customs(store), outbox_ops(store, "deals")
    web = {"value": "web", "label": "Website"}
    with pytest.raises(InvalidInput, match="'referral' cannot move to 'partner': it is not an option"):
        store.change_custom_field(source, config={"options": [web, "event"]}, reassign={"referral": "partner"})
    with pytest.raises(InvalidInput, match="'event' is still an option"):
        store.change_custom_field(source, config={"options": [web, "event", "referral"]}, reassign={"event": "web"})
    with pytest.raises(InvalidInput, match="a text field has no options"):
        store.change_custom_field(source, type="text", config={}, reassign={"referral": None})
    with pytest.raises(InvalidInput, match=r"2 records hold values .* a value is required .*nothing was changed"):
        store.change_custom_field(source, config={"required": True, "options": [web, "event"]},
                                  reassign={"referral": None})
    with pytest.raises(InvalidInput, match="would not accept"):  # a removed value nobody moves
        store.change_custom_field(source, config={"options": [web]}, reassign={"referral": "web"})
    assert deal_customs(store) == before
    assert next(d for d in store.custom_field_defs(RecordType.DEAL) if d.id == source).config["options"][2] == "event"
    assert outbox_ops(store, "deals") == queued

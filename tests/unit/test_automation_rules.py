"""The automation rule models (models/automation_rules.py) and the rule in words
(models/automation_words.py): every trigger, condition and action of PRODUCT.md is read and
described; a malformed stored part is represented as such and never raises."""

from __future__ import annotations

import pytest

from track_tui.models import Automation
from track_tui.models import automation_rules as r
from track_tui.models.automation_words import RuleNames, action_words, condition_words, rule_words, trigger_words
from track_tui.models.enums import RecordType

NAMES = RuleNames(
    me="u-me", people={"u-ana": "Ana Ruiz", "u-bo": "Bo Lin", "u-cy": "Cy Ott"},
    boards={"b-sales": "Sales"}, board_types={"b-sales": RecordType.DEAL},
    stages={"s-prop": "Proposal", "s-lost": "Lost"}, stage_boards={"s-prop": "b-sales", "s-lost": "b-sales"},
    custom_labels={"lead_source": "Lead source"},
)

TRIGGERS = [
    ({"type": "record_created", "record_type": "deal"}, "a deal is created"),
    ({"type": "record_created"}, "a record is created"),
    ({"type": "field_updated", "field": "close_date", "record_type": "deal"}, "a deal's Close date changes"),
    ({"type": "stage_changed", "to_stage_id": "s-prop"}, "a deal's stage changes to Proposal"),
    ({"type": "stage_changed", "board_id": "b-sales", "to_stage_type": "won"}, "a deal's stage changes to a won stage on Sales"),
    ({"type": "field_matches", "field": "value_cents", "op": "gte", "value": 10_000_000}, "a record's Value is at least 100,000.00"),
    ({"type": "days_in_stage", "stage_id": "s-prop", "days": 14}, "a deal has been in Proposal for 14 days"),
    ({"type": "due_date_approaching", "field": "close_date", "days_before": 7}, "a record's Close date is 7 days away"),
]

CONDITIONS = [
    ({"type": "on_board", "board_id": "b-sales"}, "it is on Sales"),
    ({"type": "field_equals", "field": "custom_fields.lead_source", "value": "inbound"}, "Lead source is 'inbound'"),
    ({"type": "field_equals", "field": "name", "value": "x", "negate": True}, "Name is not 'x'"),
    ({"type": "field_contains", "field": "name", "value": "Integration"}, "Name contains 'Integration'"),
    ({"type": "field_is_empty", "field": "custom_fields.po_number", "negate": True}, "po_number is not empty"),
    ({"type": "field_is_empty", "field": "close_date"}, "Close date is empty"),
    ({"type": "owner_is", "user_id": "u-me"}, "the owner is me"),
    ({"type": "owner_is_not", "user_id": "u-ana"}, "the owner is not Ana Ruiz"),
    ({"type": "owner_is", "user_id": None}, "it has no owner"),
    ({"type": "tag_applied", "tag": "at-risk"}, "it is tagged 'at-risk'"),
    ({"type": "tag_not_applied", "tag": "enterprise"}, "it is not tagged 'enterprise'"),
    ({"type": "created_within_days", "days": 30}, "it was created in the last 30 days"),
]

ACTIONS = [
    ({"type": "assign_owner", "mode": "direct", "user_id": "u-ana"}, "assign it to Ana Ruiz"),
    ({"type": "assign_owner", "mode": "round_robin", "user_ids": ["u-ana", "u-bo", "u-cy"]},
     "assign it in turn to Ana Ruiz, Bo Lin and Cy Ott"),
    ({"type": "move_stage", "stage_id": "s-lost"}, "move it to Lost"),
    ({"type": "add_tag", "tag": "inbound"}, "tag it 'inbound'"),
    ({"type": "remove_tag", "tag": "at-risk"}, "remove the tag 'at-risk'"),
    ({"type": "create_task", "title": "Send proposal", "due_in_days": 2}, "create task 'Send proposal' due in 2 days"),
    ({"type": "create_task", "title": "Call", "assign_to": "u-bo", "due_in_days": 0}, "create task 'Call' for Bo Lin due today"),
    ({"type": "notify", "user": "owner", "message": "Closes soon"}, "notify the owner: 'Closes soon'"),
    ({"type": "set_field", "field": "custom_fields.lead_source", "value": "partner"}, "set Lead source to 'partner'"),
    ({"type": "send_webhook", "url": "https://hooks.example/won", "method": "POST"}, "send a webhook (POST https://hooks.example/won)"),
]


@pytest.mark.parametrize(("raw", "words"), TRIGGERS)
def test_every_trigger_is_read_and_described(raw, words):
    part = r.parse_part("trigger", raw)
    assert not isinstance(part, r.Malformed), part
    assert trigger_words(part, NAMES) == words


@pytest.mark.parametrize(("raw", "words"), CONDITIONS)
def test_every_condition_is_read_and_described(raw, words):
    part = r.parse_part("condition", raw)
    assert not isinstance(part, r.Malformed), part
    assert condition_words(part, NAMES) == words


@pytest.mark.parametrize(("raw", "words"), ACTIONS)
def test_every_action_is_read_and_described(raw, words):
    part = r.parse_part("action", raw)
    assert not isinstance(part, r.Malformed), part
    assert action_words(part, NAMES) == words


def test_the_product_covers_every_kind():
    assert {raw["type"] for raw, _ in TRIGGERS} == set(r.TRIGGER_MODELS)
    assert {raw["type"] for raw, _ in CONDITIONS} == set(r.CONDITION_MODELS)
    assert {raw["type"] for raw, _ in ACTIONS} == set(r.ACTION_MODELS)
    assert len(r.TRIGGER_MODELS) == 6 and len(r.ACTION_MODELS) == 8


def test_the_whole_rule_in_words():
    rule = r.Rule.read(
        {"type": "stage_changed", "to_stage_id": "s-prop"},
        [{"type": "owner_is", "user_id": "u-me"}],
        [{"type": "create_task", "title": "Send proposal", "due_in_days": 2}],
    )
    assert rule.usable
    assert rule_words(rule, NAMES) == (
        "WHEN a deal's stage changes to Proposal IF the owner is me THEN create task 'Send proposal' due in 2 days")


def test_several_conditions_and_actions_are_joined():
    rule = r.Rule.read({"type": "record_created"}, [CONDITIONS[0][0], CONDITIONS[9][0]], [ACTIONS[3][0], ACTIONS[4][0]])
    assert rule_words(rule, NAMES) == (
        "WHEN a record is created IF it is on Sales and it is tagged 'at-risk' "
        "THEN tag it 'inbound', then remove the tag 'at-risk'")


def test_unknown_ids_never_show_as_raw_ids():
    rule = r.Rule.read({"type": "days_in_stage", "stage_id": "gone", "days": 1}, [{"type": "owner_is", "user_id": "nobody-id"}],
                       [{"type": "move_stage", "stage_id": "gone"}])
    words = rule_words(rule, NAMES)
    assert "gone" not in words and "nobody-id" not in words
    assert words == ("WHEN a record has been in an unknown stage for 1 day IF the owner is an unknown person "
                     "THEN move it to an unknown stage")


@pytest.mark.parametrize(("kind", "raw", "problem"), [
    ("trigger", {"type": "when_it_rains"}, "unknown type 'when_it_rains'"),
    ("trigger", {}, "no type given"),
    ("trigger", "record_created", "a trigger must be an object, not str"),
    ("trigger", {"type": "days_in_stage", "stage_id": "s", "days": "soon"}, "For how long: must be a whole number"),
    ("trigger", {"type": "days_in_stage", "stage_id": "s", "days": 0}, "For how long: must be at least 1"),
    ("condition", 42, "a condition must be an object, not int"),
    ("condition", {"type": "tag_applied"}, "Tag: required (it is empty)"),
    ("action", {"type": "create_task"}, "Title: required (it is empty)"),
    ("action", {"type": "assign_owner", "mode": "direct"}, "Person: required to assign one person"),
    ("action", {"type": "assign_owner", "mode": "round_robin", "user_ids": []},
     "People (in turn): name at least one person"),
    ("action", {"type": "add_tag", "tag": ""}, "Tag: must not be empty"),
    ("action", {"type": "assign_owner", "mode": "round_robin", "user_ids": [7]}, "People (in turn), item 1: must be text"),
    ("trigger", {"type": "record_created", "record_type": "lead"}, "Record type: must be 'contact', 'company' or 'deal'"),
    ("action", {"type": "send_webhook", "url": "https://x", "method": "BREW"}, "Method: must be 'POST', 'PUT', 'PATCH' or 'GET'"),
])
def test_a_malformed_part_is_represented_never_raised(kind, raw, problem):
    part = r.parse_part(kind, raw)
    assert isinstance(part, r.Malformed)
    assert part.kind == kind and part.raw == raw
    assert problem in part.problem
    assert part.stored() == raw  # saved back exactly as it was


def test_a_malformed_rule_reads_and_renders():
    rule = r.Rule.read({"type": "nope"}, "not a list", [{"type": "add_tag"}, {"type": "add_tag", "tag": "ok"}])
    assert not rule.usable
    assert [m.kind for m in rule.malformed] == ["trigger", "action"]
    words = rule_words(rule, NAMES)
    assert words.startswith("WHEN ⚠ malformed trigger (unknown type 'nope')")
    assert "⚠ malformed action (add tag — Tag: required (it is empty)), then tag it 'ok'" in words
    assert "conditions must be a list, not str" in words


def test_a_rule_without_actions_is_not_usable():
    rule = r.Rule.read({"type": "record_created"}, [], [])
    assert not rule.usable
    assert rule_words(rule, NAMES) == "WHEN a record is created THEN nothing (no actions)"


def test_the_references_params_spelling_is_read_too():
    part = r.parse_part("trigger", {"type": "days_in_stage", "params": {"stage_id": "s-prop", "days": 3}})
    assert isinstance(part, r.DaysInStage) and part.days == 3


def test_unknown_keys_are_kept_when_saved_back():
    raw = {"type": "add_tag", "tag": "vip", "colour": "gold"}
    part = r.parse_part("action", raw)
    assert part.stored() == raw


def test_build_part_names_the_rule_broken():
    with pytest.raises(ValueError, match="For how long: must be at least 1"):
        r.build_part("trigger", {"type": "days_in_stage", "stage_id": "s", "days": -1})
    assert isinstance(r.build_part("action", {"type": "add_tag", "tag": "x"}), r.AddTag)


def test_an_automation_row_with_malformed_json_still_reads():
    from track_tui.models.stored import read_stored

    automation = read_stored(Automation, {"id": "a", "workspace_id": "w", "name": "Odd", "trigger": "x",
                                          "conditions": {"a": 1}, "actions": None, "is_enabled": True,
                                          "created_at": "2026-01-01T00:00:00+00:00"})
    assert not automation.rule.usable
    assert "malformed trigger" in rule_words(automation.rule, NAMES)


def test_every_demo_automation_is_well_formed(demo_store):
    with demo_store.reading() as conn:
        rows = conn.execute('SELECT name, "trigger", conditions, actions FROM automations').fetchall()
    assert len(rows) >= 6
    import json
    for name, trigger, conditions, actions in rows:
        rule = r.Rule.read(json.loads(trigger), json.loads(conditions), json.loads(actions))
        assert rule.usable, (name, rule.malformed)


TWO_DEAL_BOARDS = RuleNames(
    boards={"b-sales": "Sales", "b-partners": "Partners", "b-outreach": "Outreach"},
    board_types={"b-sales": RecordType.DEAL, "b-partners": RecordType.DEAL, "b-outreach": RecordType.CONTACT},
    stages={"s-prop": "Proposal", "s-intro": "Intro", "s-contacted": "Contacted"},
    stage_boards={"s-prop": "b-sales", "s-intro": "b-partners", "s-contacted": "b-outreach"},
)


def test_a_move_names_the_board_when_its_record_type_has_more_than_one():
    names = TWO_DEAL_BOARDS
    # two deal boards: "Proposal" alone does not say which; the one contacts board needs no name
    assert action_words(r.MoveStage(type="move_stage", stage_id="s-prop"), names) == "move it to Proposal (Sales)"
    assert action_words(r.MoveStage(type="move_stage", stage_id="s-contacted"), names) == "move it to Contacted"
    assert action_words(r.MoveStage(type="move_stage", stage_id="s-prop"), NAMES) == "move it to Proposal"
    assert action_words(r.MoveStage(type="move_stage", stage_id="gone"), names) == "move it to an unknown stage"


@pytest.mark.parametrize(("trigger", "expected"), [
    ({"type": "record_created", "record_type": "contact"}, RecordType.CONTACT),
    ({"type": "field_updated", "field": "email", "record_type": "deal"}, RecordType.DEAL),
    ({"type": "stage_changed", "to_stage_id": "s-contacted"}, RecordType.CONTACT),
    ({"type": "stage_changed", "board_id": "b-partners"}, RecordType.DEAL),
    ({"type": "days_in_stage", "stage_id": "s-intro", "days": 3}, RecordType.DEAL),
    ({"type": "record_created"}, None),
    ({"type": "field_matches", "field": "name", "op": "eq", "value": "x"}, None),
    ({"type": "days_in_stage", "stage_id": "gone", "days": 3}, None),
    ({"type": "teleport"}, None),
])
def test_the_record_type_a_rule_acts_on_is_read_from_its_trigger(trigger, expected):
    assert TWO_DEAL_BOARDS.trigger_record_type(r.parse_part("trigger", trigger)) == expected


def test_a_move_to_another_record_types_board_is_a_problem_naming_the_board():
    names, move = TWO_DEAL_BOARDS, r.MoveStage(type="move_stage", stage_id="s-contacted")
    assert names.move_problem(move, RecordType.DEAL) == \
        "Stage: Contacted is on Outreach, a board of contacts; this rule runs on deals"
    assert names.move_problem(move, RecordType.CONTACT) is None
    assert names.move_problem(move, None) is None  # any record: the run says which had no card
    assert names.move_problem(r.MoveStage(type="move_stage", stage_id="gone"), RecordType.DEAL) is None
    assert names.move_problem(r.AddTag(type="add_tag", tag="x"), RecordType.DEAL) is None

"""The custom-field settings form's model: a stored config read into the form and built back is
the same config (keys the form does not edit included), edits build what the store accepts, and
each bad value is refused naming the setting and the rule."""

from __future__ import annotations

import pytest

from track_tui.models.custom_field_config import config_problem
from track_tui.models.enums import CustomFieldType as T
from track_tui.models.field_config_form import build_config, draft_from_config, retype

STORED = [
    (T.SELECT, {"options": ["gold", "silver"]}),
    (T.SELECT, {"options": [{"value": "g", "label": "Gold", "color": "yellow"}, {"value": "s"}], "required": True}),
    (T.MULTI_SELECT, {"options": ["crm", "billing", "ops"], "max_selected": 2}),
    (T.NUMBER, {"min": 0, "max": 100, "integer": True}),
    (T.NUMBER, {"min": -2.5, "max": 0.125, "integer": False}),
    (T.NUMBER, {}),
    (T.CURRENCY, {"currency": "EUR", "min": 0, "max": 100000}),
    (T.LINK, {"target": "company", "required": True}),
    (T.TEXT, {"min_length": 2, "max_length": 40, "pattern": "^[A-Z]+$", "pattern_hint": "capitals"}),
    (T.DATE, {"min": "2026-01-01", "max": "2026-12-31"}),
    (T.URL, {"schemes": ["https"]}),
    (T.BOOLEAN, {"web_app_hint": "shown on the card"}),
]


@pytest.mark.parametrize(("kind", "config"), STORED, ids=[f"{k.value}-{i}" for i, (k, _) in enumerate(STORED)])
def test_a_stored_config_comes_back_unchanged(kind, config):
    built = build_config(draft_from_config(kind, config))
    assert built == config
    assert [type(v) for v in built.values()] == [type(config[k]) for k in built]  # 0 stays 0, True stays True


def test_options_are_added_renamed_moved_and_removed():
    draft = draft_from_config(T.SELECT, {"options": ["gold", "silver"]})
    assert draft.add_option("  Bronze ") is None
    assert draft.rename_option(0, "platinum") is None  # no record holds it: the value itself changes
    assert draft.move_option(2, -1) == 1
    assert draft.remove_option(2) is None
    assert build_config(draft) == {"options": ["platinum", "Bronze"]}


def test_duplicate_and_empty_options_are_refused_with_the_rule():
    draft = draft_from_config(T.SELECT, {"options": ["Gold"]})
    assert draft.add_option("gold") == "Option: 'Gold' is already an option"
    assert draft.add_option("   ") == "Option: an option needs a name"
    assert draft.add_option("x" * 101) == "Option: an option's name is at most 100 characters"
    draft.add_option("Silver")
    assert draft.rename_option(1, "GOLD") == "Option: 'Gold' is already an option"
    assert draft.rename_option(1, "silver ") is None  # its own name again, other case: fine
    assert [o.text for o in draft.options] == ["Gold", "silver"]


def test_renaming_an_option_records_hold_keeps_its_stored_value():
    draft = draft_from_config(T.SELECT, {"options": ["gold", "silver"]})
    assert draft.rename_option(0, "Gold tier", held=3) is None
    config = build_config(draft)
    assert config == {"options": [{"value": "gold", "label": "Gold tier"}, {"value": "silver", "label": "silver"}]}
    assert config_problem(T.SELECT, config) is None
    # the old value cannot come back as a new option beside it
    assert draft.add_option("gold") == "Option: 'Gold tier' is already an option"


def test_an_object_option_renamed_changes_only_its_label():
    draft = draft_from_config(T.SELECT, {"options": [{"value": "g", "label": "Gold", "color": "yellow"}]})
    draft.rename_option(0, "Golden")
    draft.add_option("Silver")
    assert build_config(draft) == {"options": [{"value": "g", "label": "Golden", "color": "yellow"},
                                               {"value": "Silver", "label": "Silver"}]}


def test_removing_an_option_records_hold_is_refused_with_count_and_examples():
    draft = draft_from_config(T.SELECT, {"options": ["gold", "silver"]})
    problem = draft.remove_option(0, held=2, examples=["Ada", "Bo"])
    assert problem == "Options: 2 records hold 'gold' (e.g. Ada, Bo): give them another value before removing it"
    assert len(draft.options) == 2
    draft.add_option("new")
    assert draft.remove_option(2, held=5) is None  # just added: nothing can hold it


@pytest.mark.parametrize(("kind", "changes", "message"), [
    (T.SELECT, {"options": []}, "Options: a select field needs at least one option (type one and press Enter)"),
    (T.NUMBER, {"low": "ten"}, "Lowest: 'ten' is not a number"),
    (T.NUMBER, {"low": "10", "high": "5"}, "Lowest (10) is more than highest (5)"),
    (T.NUMBER, {"high": "1,250"}, "Highest: "),
    (T.DATE, {"low": "2026-13-01"}, "Earliest: '2026-13-01' is not a date written YYYY-MM-DD"),
    (T.DATE, {"low": "2026-12-01", "high": "2026-01-01"}, "Earliest (2026-12-01) is more than latest (2026-01-01)"),
    (T.TEXT, {"high": "-1"}, "Longest: must be a whole number, 0 or more"),
    (T.CURRENCY, {"currency": "EURO"}, "Currency: 'EURO' is not an ISO 4217 code"),
    (T.CURRENCY, {"currency": "zzz"}, "Currency: 'zzz' is not an ISO 4217 code"),
    (T.LINK, {"target": None}, "Links to: choose the record type it points to"),
    (T.MULTI_SELECT, {"max_selected": "0"}, "At most: must be a whole number, 1 or more"),
    (T.MULTI_SELECT, {"max_selected": "5"}, "At most: 5 is more than the 1 options"),
])
def test_bad_settings_name_the_setting_and_the_rule(kind, changes, message):
    draft = draft_from_config(kind, {"options": ["a"]} if kind in (T.SELECT, T.MULTI_SELECT) else {})
    for name, value in changes.items():
        setattr(draft, name, value)
    with pytest.raises(ValueError) as raised:
        build_config(draft)
    assert str(raised.value).startswith(message)


def test_settings_are_built_as_the_store_wants_them():
    number = draft_from_config(T.NUMBER, {})
    number.low, number.high, number.integer = "0", "12,5", True
    assert build_config(number) == {"min": 0, "max": 12.5, "integer": True}
    currency = draft_from_config(T.CURRENCY, {})
    currency.currency = " jpy "
    assert build_config(currency) == {"currency": "JPY"}
    link = draft_from_config(T.LINK, {})
    link.target = "deal"
    assert build_config(link) == {"target": "deal"}
    emptied = draft_from_config(T.NUMBER, {"min": 1, "max": 2})
    emptied.low = emptied.high = ""
    assert build_config(emptied) == {}


def test_a_malformed_stored_setting_is_shown_as_stored_and_named():
    draft = draft_from_config(T.NUMBER, {"min": "abc", "integer": "yes"})
    assert draft.low == "abc"
    with pytest.raises(ValueError, match="Lowest: 'abc' is not a number"):
        build_config(draft)
    draft.low = ""
    with pytest.raises(ValueError, match="integer must be true or false"):
        build_config(draft)


def test_a_type_change_keeps_only_what_the_new_type_means():
    stored = {"options": ["a", "b"], "required": True, "web_app_hint": "x"}
    draft = draft_from_config(T.SELECT, stored)
    multi = retype(draft, stored, T.SELECT, T.MULTI_SELECT)
    assert build_config(multi) == stored  # a select's options carry to a multi-select
    number = retype(multi, stored, T.SELECT, T.NUMBER)
    assert build_config(number) == {"required": True, "web_app_hint": "x"}
    back = retype(number, stored, T.SELECT, T.SELECT)
    assert build_config(back) == stored  # the stored settings again
    money = draft_from_config(T.NUMBER, {"min": 5})
    assert build_config(retype(money, {"min": 5}, T.NUMBER, T.CURRENCY)) == {}  # a number's min is not minor units


@pytest.mark.parametrize(("kind", "config", "words"), [
    (T.SELECT, {"options": [{"value": "g", "label": "Gold"}, "silver"]}, "options: Gold, silver"),
    (T.MULTI_SELECT, {"options": list("abcdefg"), "max_selected": 2},
     "options: a, b, c, d, e, … (7 in all) · at most 2 chosen"),
    (T.NUMBER, {"min": 1, "max": 60, "integer": True}, "from 1 to 60 · whole numbers"),
    (T.DATE, {"max": "2026-12-31"}, "on or before 2026-12-31"),
    (T.TEXT, {"max_length": 60, "pattern": r"PO-\d{6}", "pattern_hint": "PO-123456"},
     "at most 60 characters · matching PO-123456"),
    (T.URL, {"schemes": ["https"]}, "https only"),
    (T.CURRENCY, {"currency": "eur", "required": True}, "in EUR · required"),
    (T.CURRENCY, {}, "any currency"),
    (T.LINK, {"target": "contact"}, "links to a contact"),
    (T.BOOLEAN, {}, "no settings"),
    (T.NUMBER, {"min": "low"}, "at least low"),  # malformed: shown as stored, never a crash
    (T.SELECT, {"options": "gold"}, "no options"),
])
def test_settings_are_described_in_words(kind, config, words):
    from track_tui.models.field_config_form import describe_config

    assert describe_config(kind, config) == words


def test_an_option_records_hold_is_removed_with_where_their_values_go():
    draft = draft_from_config("select", {"options": ["gold", "silver", "bronze"]})
    usage = {"gold": (2, ["Ada", "Bo"]), "silver": (1, ["Cy"])}
    draft.remove_held_option(0, move_to=1)  # gold's records go to silver
    assert [o.text for o in draft.options] == ["silver", "bronze"]
    assert draft.reassignments() == {"gold": "silver"}
    assert draft.held(0, usage) == (3, ["Cy", "Ada", "Bo"])  # its own and those moving to it
    draft.rename_option(0, "Silver tier", held=1)  # a rename keeps where they go (the stored value)
    assert draft.reassignments() == {"gold": "silver"}
    draft.remove_held_option(0, move_to=None)  # silver goes too, cleared: gold's records with it
    assert draft.reassignments() == {"gold": None, "silver": None}
    draft.add_option("gold")  # gold is an option again: its records keep it
    assert draft.reassignments() == {"silver": None}
    assert build_config(draft) == {"options": ["bronze", "gold"]}
    with pytest.raises(ValueError, match="another option than the one removed"):
        draft.remove_held_option(0, move_to=0)


def test_values_moving_to_a_new_option_follow_its_name_at_save():
    draft = draft_from_config("multi_select", {"options": ["crm", "ops"]})
    draft.add_option("billing")
    draft.remove_held_option(0, move_to=2)
    draft.rename_option(1, "Billing")  # a new option: its stored value is its name as saved
    assert draft.reassignments() == {"crm": "Billing"}
    started = retype(draft, {"options": ["crm", "ops"]}, "multi_select", "select")
    assert started.reassignments() == {"crm": "Billing"}  # carried to a select with the options
    assert retype(started, {"options": ["crm", "ops"]}, "multi_select", "multi_select").reassignments() == {}  # as stored

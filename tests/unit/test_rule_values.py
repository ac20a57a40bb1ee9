"""The rule form's values as typed and read: days, amounts, dates, people, stages, tags, custom fields
by their own type and config, and links to records."""

from __future__ import annotations

from datetime import date

import pytest

from track_tui.models import CustomField
from track_tui.models.automation_words import RuleNames, value_words
from track_tui.models.enums import RecordType
from track_tui.models.rule_values import days_text, link_id, link_target, parse_days, parse_value, value_hint, value_text

NAMES = RuleNames(me="u1", people={"u1": "Maya Chen", "u2": "Priya Raman", "u3": "Priya Shah"},
                  stages={"s1": "Proposal", "s2": "Won", "s3": "Proposal review"})


@pytest.mark.parametrize("typed,days", [
    ("2", 2), ("2 days", 2), ("2d", 2), (" 1 DAY ", 1), ("1 week", 7), ("3w", 21), ("today", 0), ("tomorrow", 1),
    ("", None), ("3650", 3650),
])
def test_days_are_read_as_people_write_them(typed, days):
    assert parse_days(typed) == days


@pytest.mark.parametrize("typed,problem", [
    ("soon", "'soon' is not a number of days: write 2, 2 days or 1 week"),
    ("-1", "'-1' is not a number of days"),
    ("2 months", "'2 months' is not a number of days"),
    ("3651", "'3651': must be at most 3650 days"),
    ("٣", "'٣' is not a number of days"),  # digits of another script are not taken as a number
])
def test_what_is_not_a_number_of_days_is_named(typed, problem):
    with pytest.raises(ValueError, match="^" + problem.replace("(", r"\(").replace(")", r"\)")):
        parse_days(typed)


def test_days_read_back_as_typed():
    assert [days_text(d) for d in (None, 0, 1, 2, 7, 14, 15)] == ["", "0 days", "1 day", "2 days", "1 week",
                                                                 "2 weeks", "15 days"]
    assert all(parse_days(days_text(d)) == d for d in range(0, 60))


def test_a_value_is_read_as_its_field_takes_it():
    assert parse_value("value_cents", "10,000.50", NAMES) == 1_000_050
    assert value_text("value_cents", 1_000_050, NAMES) == "10,000.50"
    assert parse_value("probability", "55%", NAMES) == 55
    assert parse_value("close_date", "2026-12-01", NAMES) == "2026-12-01"
    assert parse_value("tags", "vip, , hot", NAMES) == ["vip", "hot"]
    assert value_text("tags", ["vip", "hot"], NAMES) == "vip, hot"
    assert parse_value("owner_id", "maya chen", NAMES) == "u1"
    assert parse_value("owner_id", "Maya (me)", NAMES) == "u1"
    assert parse_value("owner_id", "nobody", NAMES) is None
    assert value_text("owner_id", "u2", NAMES) == "Priya Raman"
    assert parse_value("stage_id", "Proposal", NAMES) == "s1"  # the exact name, though another starts with it
    assert parse_value("stage_id", "Sales pipeline › Won", NAMES) == "s2"
    assert parse_value("custom_fields.tier", "42", NAMES) == 42
    assert parse_value("custom_fields.tier", "yes", NAMES) is True
    assert parse_value("custom_fields.tier", '"42"', NAMES) == "42"
    assert parse_value("custom_fields.tier", "gold", NAMES) == "gold"
    assert parse_value("name", "", NAMES) is None
    assert value_hint("value_cents").startswith("an amount")


@pytest.mark.parametrize("field,typed,problem", [
    ("value_cents", "lots", "'lots' is not an amount"),
    ("value_cents", "1.234", "'1.234': an amount is 0 or more, with at most 2 decimals"),
    ("value_cents", "-5", "'-5': an amount is 0 or more"),
    ("probability", "150", "'150': a probability is from 0 to 100"),
    ("close_date", "next week", "'next week' is not a date: write it as YYYY-MM-DD"),
    ("owner_id", "Priya", "'Priya' matches 2 people: type more of the name"),
    ("owner_id", "Zed", "'Zed' matches no person"),
    ("stage_id", "Lost", "'Lost' matches no stage"),
    ("custom_fields.x", "[1,", "'[1,' is not JSON"),
])
def test_a_value_that_does_not_fit_its_field_is_named(field, typed, problem):
    with pytest.raises(ValueError) as caught:
        parse_value(field, typed, NAMES)
    assert str(caught.value).startswith(problem)


# -- custom fields by their own type and config, and links -------------------------------


TODAY = date(2026, 12, 1)


def _field(key: str, kind: str, config: dict) -> CustomField:
    return CustomField(workspace_id="w", record_type="deal", name=key.replace("_", " ").title(), key=key, type=kind,
                       config=config)


CUSTOM = RuleNames(
    custom_fields={f.key: f for f in (
        _field("source", "select", {"options": [{"value": "in", "label": "Inbound"}, "outbound", "partner",
                                                "partner program"]}),
        _field("products", "multi_select", {"options": ["Core", "Analytics", "Support"], "max_selected": 2}),
        _field("months", "number", {"integer": True, "min": 1, "max": 60}),
        _field("fee", "currency", {"currency": "EUR"}),
        _field("renewal", "date", {}),
        _field("review", "boolean", {}),
        _field("referred_by", "link", {"target": "contact"}),
        _field("anything", "link", {}),
    )},
    records={"c1": "Ada Lovelace", "co1": "Acme"},
)


@pytest.mark.parametrize("field,typed,stored", [
    ("source", "Inbound", "in"), ("source", "in", "in"), ("source", "OUT", "outbound"), ("source", "partner", "partner"),
    ("products", "core, analytics", ["Core", "Analytics"]), ("products", "Support,Core", ["Core", "Support"]),
    ("months", "12", 12), ("months", "60", 60),
    ("fee", "1,250.50", {"minor": 125050, "currency": "EUR"}), ("fee", "EUR 10", {"minor": 1000, "currency": "EUR"}),
    ("renewal", "2027-01-31", "2027-01-31"), ("renewal", "tomorrow", "2026-12-02"),
    ("review", "yes", True), ("review", "no", False),
    ("months", "", None),
])
def test_a_custom_value_is_read_by_its_fields_type_and_config(field, typed, stored):
    assert parse_value(f"custom_fields.{field}", typed, CUSTOM, TODAY) == stored


@pytest.mark.parametrize("field,typed,problem", [
    ("source", "inb0und", "'inb0und' is not an option (one of: Inbound, outbound, partner, partner program)"),
    ("source", "part", "'part' starts 2 options: type more of it"),
    ("products", "Core, Mobile", "'Mobile' is not an option (one of: Core, Analytics, Support)"),
    ("products", "Core, Analytics, Support", "allows at most 2 choices"),
    ("months", "0", "must be at least 1"), ("months", "61", "must be at most 60"), ("months", "2.5", "whole number"),
    ("months", "many", "many"),
    ("fee", "USD 10", "must be in EUR"), ("fee", "ten", "ten"),
    ("renewal", "someday", "someday"),
    ("review", "maybe", "must be yes or no"),
    ("referred_by", "Ada", "a link is picked, not typed"),
])
def test_a_custom_value_that_breaks_its_fields_rules_is_refused_saying_which(field, typed, problem):
    with pytest.raises(ValueError) as caught:
        parse_value(f"custom_fields.{field}", typed, CUSTOM, TODAY)
    assert problem in str(caught.value)
    assert not str(caught.value).startswith(CUSTOM.custom_fields[field].name)  # the form says "Value: " itself


def test_a_custom_value_reads_back_as_it_is_typed():
    for field, stored in [("source", "in"), ("products", ["Core", "Support"]), ("months", 12),
                          ("fee", {"minor": 125050, "currency": "EUR"}), ("renewal", "2027-01-31"), ("review", False)]:
        text = value_text(f"custom_fields.{field}", stored, CUSTOM)
        assert parse_value(f"custom_fields.{field}", text, CUSTOM, TODAY) == stored, (field, text)
    assert value_text("custom_fields.source", "in", CUSTOM) == "Inbound"
    assert value_hint("custom_fields.source", CUSTOM) == "one of: Inbound, outbound, partner, partner program"
    assert value_hint("custom_fields.months", CUSTOM) == "a whole number from 1 to 60"
    assert value_hint("custom_fields.fee", CUSTOM) == "an amount in EUR, e.g. 1,250.00"
    assert value_hint("custom_fields.unknown", CUSTOM) == "text or a number (empty: no value)"


def test_link_fields_name_the_records_they_point_to():
    assert link_target("company_id", CUSTOM) == ([RecordType.COMPANY], False)
    assert link_target("primary_contact_id", CUSTOM) == ([RecordType.CONTACT], False)
    assert link_target("custom_fields.referred_by", CUSTOM) == ([RecordType.CONTACT], True)
    assert link_target("custom_fields.anything", CUSTOM) == (list(RecordType), True)
    assert link_target("custom_fields.source", CUSTOM) is None and link_target("name", CUSTOM) is None
    assert link_id({"type": "contact", "id": "c1"}) == "c1" and link_id("co1") == "co1" and link_id(None) is None
    # the rule in words names the record, never its id
    assert value_words("company_id", "co1", CUSTOM) == "Acme"
    assert value_words("custom_fields.referred_by", {"type": "contact", "id": "c1"}, CUSTOM) == "Ada Lovelace"
    assert value_words("company_id", "gone", CUSTOM) == "an unknown record"
    assert value_words("custom_fields.source", "in", CUSTOM) == "'Inbound'"
    assert value_words("custom_fields.fee", {"minor": 125050, "currency": "EUR"}, CUSTOM) == "€1,250.50"
    assert value_words("owner_id", "u2", NAMES) == "Priya Raman"

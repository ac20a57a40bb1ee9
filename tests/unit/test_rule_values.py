"""The rule form's values as typed and read: days, amounts, dates, people, stages, tags."""

from __future__ import annotations

import pytest

from track_tui.models.automation_words import RuleNames
from track_tui.models.rule_values import days_text, parse_days, parse_value, value_hint, value_text

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

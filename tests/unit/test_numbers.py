"""The one rule for typed numbers: grouping, the decimal comma, ambiguity, and what is no number."""

from __future__ import annotations

from decimal import Decimal

import pytest

from track_tui.models.numbers import AmbiguousNumber, NotANumber, parse_decimal


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("12", "12"),
        ("12.5", "12.5"),
        ("12,5", "12.5"),  # a decimal comma
        ("12,50", "12.50"),
        ("0,125", "0.125"),  # a leading zero is never a thousands group
        (",5", "0.5"),
        ("5.", "5"),
        ("1234,567", "1234.567"),  # four digits before the separator: not a group
        ("1,2345", "1.2345"),  # four digits after it: not a group
        ("1,250.50", "1250.50"),  # both: the last one is the decimal mark
        ("1.250,50", "1250.50"),
        ("1,500,000", "1500000"),  # repeated: thousands groups
        ("1.500.000", "1500000"),
        ("12,345,678.9", "12345678.9"),
        ("1 250", "1250"),  # spaces, no-break spaces and underscores group digits
        ("1\u00a0250,75", "1250.75"),
        ("1_000", "1000"),
        ("-1,5", "-1.5"),
        ("+3", "3"),
        ("  7 ", "7"),
    ],
)
def test_parse_decimal_reads_commas_and_dots_by_one_rule(typed: str, value: str) -> None:
    assert parse_decimal(typed) == Decimal(value)


@pytest.mark.parametrize(
    ("typed", "thousands", "decimal"),
    [("1,250", "1250", "1.25"), ("12.500", "12500", "12.5"), ("999,999", "999999", "999.9990"),
     ("2,125", "2125", "2.1250"), ("1.000", "1000", "1 if")],
)
def test_a_lone_group_of_three_digits_is_refused_as_ambiguous_offering_both_readings(
    typed: str, thousands: str, decimal: str
) -> None:
    with pytest.raises(AmbiguousNumber) as caught:
        parse_decimal(typed)
    message = str(caught.value)
    assert f"{typed!r} is ambiguous" in message
    assert f"type {thousands} if" in message and f"or {decimal}" in message
    # Both suggestions read back without ambiguity.
    assert parse_decimal(thousands) == Decimal(thousands)


def test_with_fewer_than_three_decimals_a_lone_group_of_three_is_thousands() -> None:
    """An amount in USD (two decimals) cannot mean 1.250: `1,250` is one thousand two hundred fifty."""
    assert parse_decimal("1,250", max_decimals=2) == 1250
    assert parse_decimal("1.250", max_decimals=0) == 1250
    assert parse_decimal("12,5", max_decimals=2) == Decimal("12.5")  # still a decimal comma
    with pytest.raises(AmbiguousNumber):
        parse_decimal("1,250", max_decimals=3)  # KWD: 1.250 is a real amount
    with pytest.raises(AmbiguousNumber, match="more than the 2 decimals USD has"):
        parse_decimal("10.123", max_decimals=2, point_is_decimal=True, unit="USD")
    assert parse_decimal("10,123", max_decimals=2, point_is_decimal=True) == 10123


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("", ""), ("abc", ""), ("nan", ""), ("NaN", ""), ("inf", ""), ("-Infinity", ""), ("1e5", ""),
        ("0x10", ""), ("١٢", ""), ("１２", ""), ("12%", ""), (".", ""), ("--1", ""),
        ("1,25,0", "grouped in threes"), ("1.2.3", "grouped in threes"), ("1,000,5", "grouped in threes"),
        ("1.5,25", "grouped in threes"), ("1,234.5,6", "only once"), ("9" * 41, "more than 40 digits"),
    ],
)
def test_what_is_not_a_number_is_refused_saying_why(typed: str, reason: str) -> None:
    with pytest.raises(NotANumber) as caught:
        parse_decimal(typed)
    assert f"{typed.strip()!r} is not a number" in str(caught.value)
    assert reason in str(caught.value)


def test_long_numbers_are_read_exactly_not_rounded() -> None:
    """Decimal's default context keeps 28 digits; a 40-digit number must not be rounded."""
    typed = "1234567890123456789012345678901234567.891"
    assert str(parse_decimal(typed)) == typed

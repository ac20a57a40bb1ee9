"""Money: ISO 4217 exponents, formatting, parsing what people type, per-currency totals."""

from __future__ import annotations

from decimal import Decimal

import pytest

from track_tui.models import Money, MoneyTotals, UnknownCurrency
from track_tui.models.money import CURRENCY_EXPONENTS, exponent, parse_amount


@pytest.mark.parametrize(
    ("code", "digits"),
    [("USD", 2), ("EUR", 2), ("JPY", 0), ("KRW", 0), ("KWD", 3), ("BHD", 3), ("CLF", 4), ("usd", 2)],
)
def test_exponents_are_the_iso_4217_minor_units(code: str, digits: int) -> None:
    assert exponent(code) == digits


def test_unknown_currency_is_refused_by_name() -> None:
    with pytest.raises(UnknownCurrency, match="'XYZ' is not an ISO 4217"):
        exponent("XYZ")
    with pytest.raises(ValueError, match="'XYZ' is not an ISO 4217"):
        parse_amount("12", "XYZ")
    with pytest.raises(ValueError, match="set the currency first"):
        parse_amount("12", None)
    assert "XXX" not in CURRENCY_EXPONENTS  # "no currency" is not a currency


def test_a_stored_amount_in_any_currency_can_be_shown() -> None:
    """Input refuses unknown codes; what the web app stored is shown as stored (2 decimals)."""
    assert Money(minor=1250, currency="xyz").format() == "XYZ 12.50"
    assert Money(minor=1250, currency=None).format() == "12.50"  # a deal whose currency is NULL
    assert Money(minor=-1250, currency="USD").format_compact() == "$-12.50"  # a negative value too


def test_money_amount_uses_the_exponent() -> None:
    assert Money(minor=123_456, currency="USD").amount == Decimal("1234.56")
    assert Money(minor=123_456, currency="JPY").amount == Decimal("123456")
    assert Money(minor=123_456, currency="KWD").amount == Decimal("123.456")
    assert Money(minor=5, currency="usd").currency == "USD"


@pytest.mark.parametrize(
    ("minor", "code", "text"),
    [
        (123_456_789, "USD", "$1,234,567.89"),
        (50, "USD", "$0.50"),
        (0, "USD", "$0.00"),
        (1_500_000, "JPY", "¥1,500,000"),
        (2_500_750, "KWD", "KWD 2,500.750"),
        (1, "KWD", "KWD 0.001"),
        (100_000, "CHF", "CHF 1,000.00"),
        (99, "EUR", "€0.99"),
    ],
)
def test_format_groups_digits_with_the_currency_decimals(minor: int, code: str, text: str) -> None:
    assert Money(minor=minor, currency=code).format() == text


@pytest.mark.parametrize(
    ("minor", "code", "text"),
    [
        (1_250_000, "USD", "$12.5k"),
        (4_000_000, "USD", "$40k"),
        (99_995, "USD", "$999.95"),
        (50_000, "USD", "$500"),
        (1_500_000, "JPY", "¥1.5m"),
        (900, "JPY", "¥900"),
        (2_500_750, "KWD", "KWD 2.5k"),
        (1_234_567_890_000, "KWD", "KWD 1.2b"),
        (300_000_000_000, "USD", "$3b"),
        (99_999_999, "USD", "$1m"),  # rounds up into the next unit, not '$1000k'
        (999_999_999, "JPY", "¥1b"),
        (99_949_999, "USD", "$999.5k"),
    ],
)
def test_format_compact(minor: int, code: str, text: str) -> None:
    assert Money(minor=minor, currency=code).format_compact() == text


@pytest.mark.parametrize(
    ("text", "code", "minor"),
    [
        ("1,250.50", "USD", 125_050),
        ("1250.5", "USD", 125_050),
        ("12k", "USD", 1_200_000),
        ("12K", "USD", 1_200_000),
        ("3.5m", "USD", 350_000_000),
        ("$99", "USD", 9_900),
        ("USD 1,200", "USD", 120_000),
        ("  7 ", "USD", 700),
        ("1_000", "USD", 100_000),
        ("10", "JPY", 10),
        ("1,500,000", "JPY", 1_500_000),
        ("2.5k", "JPY", 2_500),
        ("2,500.750", "KWD", 2_500_750),
        ("0.001", "KWD", 1),
        ("1.5", "kwd", 1_500),
    ],
)
def test_parse_amount(text: str, code: str, minor: int) -> None:
    assert parse_amount(text, code) == minor


def test_parse_amount_refuses_more_decimals_than_the_currency_has() -> None:
    with pytest.raises(ValueError) as caught:
        parse_amount("10.5", "JPY")
    message = str(caught.value)
    assert "JPY" in message and "0 decimal places" in message and "10.5" in message
    with pytest.raises(ValueError, match="USD has 2 decimal places"):
        parse_amount("1.0051", "USD")
    with pytest.raises(ValueError, match="KWD has 3 decimal places"):
        parse_amount("1.0005", "KWD")


def test_parse_amount_trailing_zeros_are_not_extra_decimals() -> None:
    assert parse_amount("10.00", "JPY") == 10


def test_parse_amount_refuses_negative_amounts() -> None:
    with pytest.raises(ValueError, match="cannot be negative"):
        parse_amount("-5", "USD")
    with pytest.raises(ValueError, match="cannot be negative"):
        parse_amount("-1k", "USD")


@pytest.mark.parametrize("text", ["", "abc", "12x", "1.2.3", "k", "nan", "inf", "-inf", "Infinity"])
def test_parse_amount_refuses_what_is_not_an_amount(text: str) -> None:
    with pytest.raises(ValueError, match="not an amount"):
        parse_amount(text, "USD")


def test_parse_amount_unknown_currency() -> None:
    with pytest.raises(UnknownCurrency, match="XYZ"):
        parse_amount("12", "XYZ")


def test_parse_amount_refuses_another_currencys_symbol() -> None:
    """'€100' typed into a USD amount must not silently become 100 dollars."""
    with pytest.raises(ValueError):
        parse_amount("€100", "USD")
    assert parse_amount("€100", "EUR") == 10_000
    assert parse_amount("¥100", "JPY") == 100


def test_totals_keep_one_sum_per_currency() -> None:
    totals = MoneyTotals([
        Money(minor=100, currency="USD"), Money(minor=250, currency="USD"),
        Money(minor=1_000, currency="JPY"), Money(minor=1_500, currency="KWD"),
    ])
    totals.add_minor(5, "JPY")
    assert [(m.currency, m.minor) for m in totals.items()] == [("JPY", 1_005), ("KWD", 1_500), ("USD", 350)]
    assert totals.format_compact() == "¥1k · KWD 1.50 · $3.50"
    assert totals.format_compact(separator=" / ").count(" / ") == 2


def test_totals_never_mix_currencies_even_with_equal_minor_units() -> None:
    usd_only = MoneyTotals([Money(minor=200, currency="USD")])
    mixed = MoneyTotals([Money(minor=100, currency="USD"), Money(minor=100, currency="EUR")])
    assert usd_only != mixed
    assert len(mixed.items()) == 2
    assert {m.currency for m in mixed.items()} == {"USD", "EUR"}


def test_empty_totals() -> None:
    totals = MoneyTotals()
    assert not totals
    assert totals.items() == []
    assert totals.format_compact() == "—"
    totals.add(Money(minor=0, currency="USD"))
    assert totals  # a zero amount is still an amount of that currency
    assert totals == MoneyTotals([Money(minor=0, currency="USD")])


def test_money_is_immutable() -> None:
    money = Money(minor=1, currency="USD")
    with pytest.raises(Exception):
        money.minor = 2  # type: ignore[misc]


# -- the decimal comma and the server's range ---------------------------------------------


@pytest.mark.parametrize(
    ("text", "code", "minor"),
    [
        ("12,5", "USD", 1_250),  # was read as 125.00
        ("12,50", "EUR", 1_250),
        ("1.250,50", "EUR", 125_050),
        ("€1.250,50", "EUR", 125_050),
        ("1,250", "USD", 125_000),  # USD has two decimals: three digits after a comma are thousands
        ("1.250", "EUR", 125_000),
        ("1,500", "JPY", 1_500),
        ("12,5k", "USD", 1_250_000),
        ("0,250", "KWD", 250),  # a leading zero: a decimal in any currency
        ("usd 1,200.00", "USD", 120_000),
        ("1 250,75", "EUR", 125_075),
    ],
)
def test_parse_amount_understands_a_decimal_comma(text: str, code: str, minor: int) -> None:
    assert parse_amount(text, code) == minor


@pytest.mark.parametrize(("text", "code", "offers"), [
    ("10.123", "USD", "type 10123 if the point groups thousands, or 10.12 (rounded)"),
    ("1.250", "GBP", "type 1250 if the point groups thousands, or 1.25 (rounded)"),
    ("1.500", "JPY", "type 1500 if the point groups thousands, or 1 (rounded)"),
])
def test_a_point_with_three_digits_is_a_decimal_point_where_the_currency_writes_one(text, code, offers) -> None:
    """`USD 10.123` was read as 10123 dollars: in USD the point is the decimal point, and three
    decimals are more than USD has, so it is refused offering both readings (never guessed)."""
    with pytest.raises(ValueError, match="decimal point") as refused:
        parse_amount(text, code)
    assert str(refused.value).endswith(offers) and f"{code} has" in str(refused.value)
    assert parse_amount("10.123", "EUR") == 1_012_300  # EUR groups with a point
    assert parse_amount("10,123", "USD") == 1_012_300  # a comma groups, as the app writes amounts
    assert parse_amount("10.12", "USD") == 1_012


def test_parse_amount_refuses_an_ambiguous_group_in_a_three_decimal_currency() -> None:
    """KWD 1,250 may be 1250 dinars or 1.250 (one dinar 250 fils): asked, never guessed."""
    with pytest.raises(ValueError, match=r"'1,250' is ambiguous: type 1250 .* or 1.25"):
        parse_amount("1,250", "KWD")
    with pytest.raises(ValueError, match="ambiguous"):
        parse_amount("KWD 2.500", "KWD")
    assert parse_amount("1,25", "KWD") == 1_250  # two digits: a decimal comma
    assert parse_amount("1250", "KWD") == 1_250_000


def test_parse_amount_keeps_within_the_servers_bigint() -> None:
    largest = 2**63 - 1
    assert parse_amount("92233720368547758.07", "USD") == largest
    assert parse_amount("9223372036854775807", "JPY") == largest
    for text, code, most in (("92233720368547758.08", "USD", "$92,233,720,368,547,758.07"),
                             ("99999999999999999999", "USD", "$92,233,720,368,547,758.07"),
                             ("99999999999999999999m", "USD", "$92,233,720,368,547,758.07"),
                             ("9223372036854775808", "JPY", "¥9,223,372,036,854,775,807")):
        with pytest.raises(ValueError) as caught:
            parse_amount(text, code)
        assert str(caught.value) == f"{text!r} is too large: the most an amount can be is {most}"


def test_parse_amount_refuses_exponents_and_other_digits() -> None:
    for text in ("1e5", "1E3", "٣", "0x10", "12.5.5"):
        with pytest.raises(ValueError, match="not an amount"):
            parse_amount(text, "USD")

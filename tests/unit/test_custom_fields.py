"""Custom fields: validation of all nine types against their config rules, and typed input."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from tests.factories import TODAY, deal_fields, fixed_id
from track_tui.models import CustomField, CustomFieldError, RecordType
from track_tui.models.enums import CustomFieldType

WS = fixed_id("workspace")
FIELDS = {f.key: f for f in deal_fields(WS)}
COMPANY_ID = fixed_id("company:Acme")


def field(key: str) -> CustomField:
    return FIELDS[key]


def make(kind: CustomFieldType, config: dict[str, Any] | None = None, name: str = "Thing") -> CustomField:
    return CustomField(workspace_id=WS, record_type=RecordType.DEAL, name=name, key="thing",
                       type=kind, config=config or {})


def refuses(definition: CustomField, value: Any, *words: str) -> str:
    """Assert `value` is refused; the message names the field and contains `words`."""
    with pytest.raises(CustomFieldError) as caught:
        definition.validate_value(value)
    message = str(caught.value)
    assert message.startswith(f"{definition.name}: "), message
    assert caught.value.field_name == definition.name
    for word in words:
        assert word in caught.value.rule, (word, message)
    return message


def test_the_fixture_defines_all_nine_types() -> None:
    assert {f.type for f in FIELDS.values()} == set(CustomFieldType)


def test_key_must_be_snake_case() -> None:
    with pytest.raises(ValueError):
        CustomField(workspace_id=WS, record_type=RecordType.DEAL, name="X", key="Bad Key", type="text")


# -- empty values and required -------------------------------------------------------------


@pytest.mark.parametrize("empty", [None, "", []])
def test_empty_is_none_when_optional(empty: Any) -> None:
    assert field("code_name").validate_value(empty) is None


@pytest.mark.parametrize("empty", [None, "", []])
def test_required_refuses_empty(empty: Any) -> None:
    message = refuses(field("source"), empty, "required")
    assert message == "Source: a value is required"


def test_false_and_zero_are_values_not_empty() -> None:
    assert make(CustomFieldType.BOOLEAN, {"required": True}).validate_value(False) is False
    assert make(CustomFieldType.NUMBER, {"required": True}).validate_value(0) == 0


# -- text ----------------------------------------------------------------------------------


def test_text_rules() -> None:
    code = field("code_name")
    assert code.validate_value("ROADRUNNER") == "ROADRUNNER"
    refuses(code, "A", "at least 2 characters")
    refuses(code, "ABCDEFGHIJK", "at most 10 characters")
    refuses(code, "road", "must match capital letters")
    refuses(code, 12, "must be text")
    # The pattern must match the whole value, not a part of it.
    refuses(code, "AB1", "must match")


def test_text_pattern_without_hint_names_the_pattern() -> None:
    plain = make(CustomFieldType.TEXT, {"pattern": r"\d{3}"})
    assert plain.validate_value("123") == "123"
    refuses(plain, "12a", r"the pattern \d{3}")


# -- number --------------------------------------------------------------------------------


def test_number_rules() -> None:
    seats = field("seats")
    assert seats.validate_value(40) == 40
    assert seats.validate_value(40.0) == 40 and isinstance(seats.validate_value(40.0), int)
    refuses(seats, 0, "at least 1")
    refuses(seats, 501, "at most 500")
    refuses(seats, 2.5, "whole number")
    refuses(seats, "40", "must be a number")
    refuses(seats, True, "must be a number")  # bool is an int subclass; not a number here


def test_number_without_integer_keeps_fractions() -> None:
    ratio = make(CustomFieldType.NUMBER, {"min": 0.5})
    assert ratio.validate_value(0.75) == 0.75
    refuses(ratio, 0.25, "at least 0.5")


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_number_refuses_non_finite(value: float) -> None:
    refuses(make(CustomFieldType.NUMBER, {"integer": True}), value, "must be a number")
    refuses(make(CustomFieldType.NUMBER), value, "must be a number")


# -- date ----------------------------------------------------------------------------------


def test_date_rules() -> None:
    renewal = field("renewal")
    assert renewal.validate_value("2027-02-28") == "2027-02-28"
    refuses(renewal, "2025-12-31", "on or after 2026-01-01")
    refuses(renewal, "2031-01-01", "on or before 2030-12-31")
    refuses(renewal, "2027-02-30", "must be a date like 2026-12-01")
    refuses(renewal, "next year", "must be a date")
    refuses(renewal, 20270101, "must be a date")


# -- select / multi-select -----------------------------------------------------------------


def test_select_rules() -> None:
    source = field("source")
    assert source.options() == [("web", "Website"), ("referral", "referral"), ("event", "event")]
    assert source.validate_value("web") == "web"
    message = refuses(source, "Website", "must be one of: web, referral, event")
    assert message.startswith("Source:")
    refuses(source, ["web"], "must be one of")


def test_multi_select_rules() -> None:
    products = field("products")
    # Normalised to option order, duplicates dropped.
    assert products.validate_value(["support", "crm"]) == ["crm", "support"]
    assert products.validate_value(["crm", "crm"]) == ["crm"]
    refuses(products, ["crm", "billing", "support"], "at most 2 choices")
    refuses(products, ["crm", "hardware"], "hardware not among the options: crm, billing, support")
    refuses(products, "crm", "list of options")
    refuses(products, ["crm", 3], "list of options")


# -- boolean -------------------------------------------------------------------------------


def test_boolean_rules() -> None:
    nda = field("nda")
    assert nda.validate_value(True) is True
    assert nda.validate_value(False) is False
    refuses(nda, "yes", "yes or no")
    refuses(nda, 1, "yes or no")


# -- url -----------------------------------------------------------------------------------


def test_url_rules() -> None:
    website = field("website")  # https only
    assert website.validate_value("https://acme.example/about") == "https://acme.example/about"
    refuses(website, "http://acme.example", "https://")
    refuses(website, "https://", "names no host")
    refuses(website, "acme.example", "must start with https://")
    refuses(website, 5, "must be a web address")
    refuses(website, "https://acme .example", "spaces")
    refuses(website, "https://javascript:alert(1)", "invalid port")
    default = make(CustomFieldType.URL)
    assert default.validate_value("http://a.example") == "http://a.example"
    refuses(default, "ftp://a.example", "http:// or https://")


# -- currency ------------------------------------------------------------------------------


def test_currency_rules() -> None:
    budget = field("budget")  # EUR only, 0 .. 100,000.00
    assert budget.validate_value({"minor": 120_000, "currency": "eur"}) == {"minor": 120_000, "currency": "EUR"}
    refuses(budget, {"minor": 100, "currency": "USD"}, "must be in EUR")
    refuses(budget, {"minor": 10_000_001, "currency": "EUR"}, "at most €100,000.00")
    refuses(budget, {"minor": -1, "currency": "EUR"}, "at least €0.00")
    refuses(budget, {"minor": 100, "currency": "XYZ"}, "'XYZ' is not an ISO 4217 currency")
    refuses(budget, {"minor": 1.5, "currency": "EUR"}, "amount with a currency")
    refuses(budget, {"minor": True, "currency": "EUR"}, "amount with a currency")
    refuses(budget, 100, "amount with a currency")


def test_currency_without_fixed_code_accepts_any_iso_code() -> None:
    free = make(CustomFieldType.CURRENCY)
    assert free.validate_value({"minor": 5, "currency": "JPY"}) == {"minor": 5, "currency": "JPY"}
    refuses(free, {"minor": 5}, "not an ISO 4217 currency")


# -- link ----------------------------------------------------------------------------------


def test_link_rules() -> None:
    partner = field("partner")  # companies only
    assert partner.validate_value({"type": "company", "id": COMPANY_ID}) == {"type": "company", "id": COMPANY_ID}
    refuses(partner, {"type": "contact", "id": COMPANY_ID}, "must link to a company")
    refuses(partner, {"type": "company", "id": "not-a-uuid"}, "record id")
    refuses(partner, {"type": "planet", "id": COMPANY_ID}, "contact, company or deal")
    refuses(partner, {"type": "company"}, "must link to a record")
    refuses(partner, COMPANY_ID, "must link to a record")
    anything = make(CustomFieldType.LINK)
    assert anything.validate_value({"type": "deal", "id": COMPANY_ID})["type"] == "deal"


# -- typed input ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "typed", "stored"),
    [
        ("code_name", "  ROADRUNNER ", "ROADRUNNER"),
        ("seats", "40", 40),
        ("seats", "4_0", 40),  # underscores and spaces group digits
        ("seats", "12,0", 12),  # a decimal comma
        ("renewal", "tomorrow", date(2026, 3, 17).isoformat()),
        ("renewal", "+3d", "2026-03-19"),
        ("renewal", "+1m", "2026-04-16"),
        ("renewal", "2027-01-05", "2027-01-05"),
        ("source", "referral", "referral"),
        ("products", "support, crm", ["crm", "support"]),
        ("products", "crm,, ", ["crm"]),
        ("nda", "yes", True),
        ("nda", "No", False),
        ("nda", "true", True),
        ("nda", "0", False),
        ("website", "acme.example", "https://acme.example"),
        ("website", "https://acme.example/x", "https://acme.example/x"),
        ("budget", "1,200", {"minor": 120_000, "currency": "EUR"}),  # EUR has 2 decimals: a group
        ("budget", "1.200,50", {"minor": 120_050, "currency": "EUR"}),
        ("budget", "12,5", {"minor": 1_250, "currency": "EUR"}),
        ("budget", "EUR 1,200", {"minor": 120_000, "currency": "EUR"}),
        ("budget", "eur 2.5k", {"minor": 250_000, "currency": "EUR"}),
        ("code_name", "", None),
    ],
)
def test_parse_input(key: str, typed: str, stored: Any) -> None:
    assert field(key).parse_input(typed, TODAY) == stored


def test_parse_input_number_fraction_and_errors() -> None:
    free = make(CustomFieldType.NUMBER)
    assert free.parse_input("2.50", TODAY) == 2.5
    assert free.parse_input("3", TODAY) == 3 and isinstance(free.parse_input("3", TODAY), int)
    for typed in ("many", "nan", "inf"):
        with pytest.raises(CustomFieldError, match="Thing: "):
            free.parse_input(typed, TODAY)


@pytest.mark.parametrize(
    ("key", "typed", "words"),
    [
        ("renewal", "someday", "is not a date"),
        ("renewal", "+20y", "is not a date"),
        ("renewal", "2025-06-01", "on or after 2026-01-01"),
        ("nda", "maybe", "yes or no"),
        ("budget", "USD 5", "must be in EUR"),
        ("budget", "1.0051", "EUR has 2 decimal places"),
        ("seats", "1,5", "whole number"),
        ("budget", "1,2,3", "not an amount"),
        ("budget", "XYZ 5", "XYZ"),
        ("budget", "-5", "cannot be negative"),
        ("products", "crm, billing, support", "at most 2 choices"),
        ("source", "", "a value is required"),
        ("website", "http://acme.example", "https://"),
    ],
)
def test_parse_input_refusals_name_field_and_rule(key: str, typed: str, words: str) -> None:
    definition = field(key)
    with pytest.raises(CustomFieldError) as caught:
        definition.parse_input(typed, TODAY)
    assert str(caught.value).startswith(f"{definition.name}: ")
    assert words in str(caught.value)


def test_parse_input_currency_defaults_to_usd_and_respects_exponent() -> None:
    free = make(CustomFieldType.CURRENCY)
    assert free.parse_input("12.5", TODAY) == {"minor": 1_250, "currency": "USD"}
    assert free.parse_input("JPY 1,500", TODAY) == {"minor": 1_500, "currency": "JPY"}
    with pytest.raises(CustomFieldError, match="JPY has 0 decimal places"):
        free.parse_input("JPY 10.5", TODAY)


# -- display -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "value", "shown"),
    [
        ("nda", True, "yes"),
        ("nda", False, "no"),
        ("source", "web", "Website"),
        ("products", ["crm", "support"], "crm, support"),
        ("budget", {"minor": 120_000, "currency": "EUR"}, "€1,200.00"),
        ("seats", 1200, "1,200"),
        ("code_name", None, "—"),
        ("products", [], "—"),
        ("partner", {"type": "company", "id": COMPANY_ID}, f"company {COMPANY_ID[:8]}"),
    ],
)
def test_format_value(key: str, value: Any, shown: str) -> None:
    assert field(key).format_value(value) == shown


# -- ranges, malformed definitions, typed numbers and URLs --------------------------------


def test_numbers_stay_where_json_readers_keep_them_exact() -> None:
    free = make(CustomFieldType.NUMBER)
    largest = 2**53 - 1
    assert free.validate_value(largest) == largest
    refuses(free, largest + 1, "between -9,007,199,254,740,991 and 9,007,199,254,740,991")
    refuses(free, -1e300, "between")
    with pytest.raises(CustomFieldError, match="between"):
        free.parse_input("99999999999999999999", TODAY)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("12,5", 12.5), ("1.250,5", 1250.5), ("1,500,000", 1_500_000), ("-3", -3), ("2,0", 2), ("0,125", 0.125)],
)
def test_typed_numbers_follow_the_comma_rule(typed: str, stored: float) -> None:
    value = make(CustomFieldType.NUMBER).parse_input(typed, TODAY)
    assert value == stored and type(value) is type(stored)


@pytest.mark.parametrize(("typed", "words"), [("1,250", "ambiguous"), ("nan", "not a number"),
                                              ("inf", "not a number"), ("1e9", "not a number")])
def test_typed_numbers_that_read_two_ways_or_none_are_refused(typed: str, words: str) -> None:
    with pytest.raises(CustomFieldError) as caught:
        make(CustomFieldType.NUMBER).parse_input(typed, TODAY)
    assert str(caught.value).startswith("Thing: ") and words in str(caught.value)


@pytest.mark.parametrize(
    ("kind", "config", "value", "words"),
    [
        (CustomFieldType.NUMBER, {"min": "abc"}, 5, "invalid min ('abc')"),
        (CustomFieldType.NUMBER, {"max": True}, 5, "invalid max (True)"),
        (CustomFieldType.TEXT, {"max_length": "ten"}, "x", "invalid max_length"),
        (CustomFieldType.TEXT, {"pattern": "([a-z"}, "x", "invalid pattern"),
        (CustomFieldType.DATE, {"min": "someday"}, "2026-01-01", "invalid min ('someday')"),
        (CustomFieldType.MULTI_SELECT, {"options": ["a"], "max_selected": "two"}, ["a"], "invalid max_selected"),
        (CustomFieldType.CURRENCY, {"max": 1.5}, {"minor": 1, "currency": "USD"}, "invalid max (1.5)"),
        (CustomFieldType.CURRENCY, {"currency": 7}, {"minor": 1, "currency": "USD"}, "invalid currency"),
        (CustomFieldType.URL, {"schemes": "https"}, "https://a.example", "invalid schemes"),
    ],
)
def test_a_malformed_definition_is_reported_never_a_crash(kind, config, value, words) -> None:
    """`config` is written by the web app; a rule of the wrong kind must not raise TypeError."""
    refuses(make(kind, config), value, "the field's definition has", words)


def test_options_without_a_value_are_skipped() -> None:
    select = make(CustomFieldType.SELECT, {"options": [{"label": "No value"}, {"value": "b"}, "c"]})
    assert select.options() == [("b", "b"), ("c", "c")]
    assert make(CustomFieldType.SELECT, {"options": "abc"}).options() == []


def test_currency_amounts_stay_within_bigint() -> None:
    free = make(CustomFieldType.CURRENCY)
    largest = 2**63 - 1
    assert free.validate_value({"minor": largest, "currency": "USD"})["minor"] == largest
    refuses(free, {"minor": largest + 1, "currency": "USD"}, "from 0 to $92,233,720,368,547,758.07")
    with pytest.raises(CustomFieldError, match="too large"):
        free.parse_input("99999999999999999999", TODAY)


@pytest.mark.parametrize(
    ("typed", "words"),
    [("not a url", "spaces"), ("javascript:alert(1)", "javascript: addresses are not allowed"),
     ("https://exa mple.com", "spaces"), ("https://javascript:alert(1)", "invalid port"),
     ("ftp://files.example", "ftp: addresses are not allowed")],
)
def test_typed_urls_are_parsed_not_prefixed(typed: str, words: str) -> None:
    """These were saved as https://not a url, https://javascript:alert(1)."""
    default = make(CustomFieldType.URL, name="Site")
    with pytest.raises(CustomFieldError) as caught:
        default.parse_input(typed, TODAY)
    assert str(caught.value).startswith("Site: ") and words in str(caught.value)
    assert default.parse_input("example.com/docs", TODAY) == "https://example.com/docs"

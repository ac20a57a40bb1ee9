"""Numbers a person types, and the ranges the server's columns can hold.

Every numeric input of the app (amounts, probabilities, custom numbers, durations) is read by
:func:`parse_decimal`, so one rule decides what a comma or a dot means:

- Digits may be grouped with spaces or underscores (`1 250`, `1_250`).
- With both a comma and a dot, the last one is the decimal separator and the other groups
  thousands: `1,250.50` and `1.250,50` are both one thousand two hundred fifty and a half.
- The same separator used more than once groups thousands: `1,500,000`, `1.500.000`.
- One separator followed by one, two, or four or more digits is a decimal separator:
  `12,5` is twelve and a half, like `12.5`.
- One separator followed by exactly three digits after one to three leading digits (`1,250`,
  `12.500`) reads two ways: English sees a thousands group, most of Europe a decimal. For an
  amount in a currency with fewer than three decimals (USD, EUR, JPY…) a comma there is a
  group, as the app itself writes amounts (`€1,200.00`): `USD 1,250` is 1250. A point is a group
  only where the currency's home convention groups with points (`EUR 1.250` is 1250); in USD,
  GBP, JPY… it is the decimal point, with more digits than the currency has — `USD 10.123` is
  neither ten thousand nor ten dollars — so it is refused, offering both readings (`point_is_decimal`).
  Anywhere else (a plain number, a probability, KWD with its three decimals) it is
  refused as ambiguous, with a message that offers both readings: `1250` or `1.25`.
- Group sizes are checked (`1,25,0` is refused), as are exponents (`1e5`), `nan`, `inf` and digits
  other than 0-9: none is a number a person means in a CRM.

Errors are ValueErrors (:class:`NotANumber`, :class:`AmbiguousNumber`) whose message quotes the
input; callers add the field name.
"""

from __future__ import annotations

import re
from decimal import Decimal, localcontext

# Column ranges of the server (PostgreSQL): `bigint` (deals.value_cents, row versions) and
# `int` (positions, durations in ms). JSON numbers read by the web app are JavaScript doubles,
# exact for whole numbers only up to 2^53 - 1 (Number.MAX_SAFE_INTEGER).
BIGINT_MAX = 2**63 - 1
INT_MIN, INT_MAX = -(2**31), 2**31 - 1
JSON_SAFE_INT = 2**53 - 1

# A number longer than this is no amount anyone types; refusing it early keeps Decimal from
# rounding (its default precision is 28 digits).
_MAX_DIGITS = 40
_NUMBER = re.compile(r"^([-+]?)([0-9.,]*)$")
_GROUPING = str.maketrans("", "", " _\u00a0\u202f\u2009")


class NotANumber(ValueError):
    """Text that is not a number; `reason` (possibly empty) says what is wrong with it."""

    def __init__(self, text: str, reason: str = "") -> None:
        self.text = text
        self.reason = reason
        super().__init__(f"{text!r} is not a number" + (f": {reason}" if reason else ""))


class AmbiguousNumber(ValueError):
    """`1,250`: a thousands group or a decimal comma? The message offers both readings."""


def parse_decimal(text: str, *, max_decimals: int | None = None, point_is_decimal: bool = False,
                  unit: str = "the currency") -> Decimal:
    """What a person typed as a number (see the module docstring for the separator rule).

    `max_decimals` is the most fraction digits the value can have (a currency's exponent);
    below three, a lone group of three digits is thousands — unless it follows a point and
    `point_is_decimal` (the currency writes a decimal point: USD), then it is refused. `unit`
    names the currency in that message.
    """
    raw = text.strip()
    match = _NUMBER.match(raw.translate(_GROUPING))
    if not match or not any(ch.isdigit() for ch in match.group(2)):
        raise NotANumber(raw)
    sign, body = match.groups()
    if sum(ch.isdigit() for ch in body) > _MAX_DIGITS:
        raise NotANumber(raw, f"more than {_MAX_DIGITS} digits")
    whole, fraction = _split(body, raw, max_decimals, point_is_decimal, unit)
    with localcontext() as context:
        context.prec = _MAX_DIGITS + 10
        value = Decimal(f"{sign}{whole or '0'}.{fraction or '0'}")
    return value


def _split(body: str, raw: str, max_decimals: int | None, point_is_decimal: bool = False,
           unit: str = "the currency") -> tuple[str, str]:
    """The whole digits and the fraction digits of `body` (digits, commas and dots only)."""
    commas, dots = body.count(","), body.count(".")
    if commas and dots:
        decimal_mark = "," if body.rfind(",") > body.rfind(".") else "."
        group_mark = "." if decimal_mark == "," else ","
        if body.count(decimal_mark) > 1 or body.rfind(group_mark) > body.find(decimal_mark):
            raise NotANumber(raw, "the decimal mark (the last of , and .) can appear only once")
        whole, fraction = body.split(decimal_mark)
        return _ungroup(whole, group_mark, raw), fraction
    if not commas and not dots:
        return body, ""
    mark = "," if commas else "."
    if commas + dots > 1:  # one separator, repeated: thousands groups
        return _ungroup(body, mark, raw), ""
    whole, fraction = body.split(mark)
    if len(fraction) == 3 and 1 <= len(whole) <= 3 and not whole.startswith("0"):
        if max_decimals is not None and max_decimals < 3:
            if mark == "," or not point_is_decimal:  # a group, as the app writes amounts
                return whole + fraction, ""
            rounded = f"{whole}.{fraction[:max_decimals]}" if max_decimals else whole
            raise AmbiguousNumber(
                f"{raw!r} has three digits after the decimal point, more than the {max_decimals} "
                f"decimals {unit} has: type {whole}{fraction} if the point groups thousands, "
                f"or {rounded} (rounded)"
            )
        decimal_reading = f"{whole}.{fraction}".rstrip("0").rstrip(".")
        if decimal_reading.endswith(fraction):  # '2.125' would be ambiguous again: '2.1250' is not
            decimal_reading += "0"
        name = "comma" if mark == "," else "point"
        raise AmbiguousNumber(
            f"{raw!r} is ambiguous: type {whole}{fraction} if the {mark} groups thousands, "
            f"or {decimal_reading} if it is a decimal {name}"
        )
    return whole, fraction


def _ungroup(whole: str, mark: str, raw: str) -> str:
    groups = whole.split(mark)
    if not 1 <= len(groups[0]) <= 3 or any(len(g) != 3 for g in groups[1:]):
        raise NotANumber(raw, "thousands are grouped in threes, like 1,250,000")
    return "".join(groups)

"""Money: an amount in minor units plus an ISO 4217 currency.

Deals store `value_cents` (minor units, despite the column's name) and `currency`. The number of
minor-unit digits is the currency's ISO 4217 exponent: 2 for USD, 0 for JPY, 3 for KWD. Amounts
of different currencies are never added together: :class:`MoneyTotals` keeps one sum per code.
"""

from __future__ import annotations

from decimal import Decimal, localcontext
from typing import Iterable

from pydantic import BaseModel, ConfigDict, field_validator

from .numbers import BIGINT_MAX, NotANumber, parse_decimal

# ISO 4217 active codes whose exponent is not 2 (the list-one "minor unit" column).
_EXPONENT_NOT_TWO = {
    **dict.fromkeys(
        "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF".split(), 0
    ),
    **dict.fromkeys("BHD IQD JOD KWD LYD OMR TND".split(), 3),
    **dict.fromkeys("CLF UYW".split(), 4),
}
# Every other active ISO 4217 code (exponent 2).
_EXPONENT_TWO = set(
    """AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD BTN BWP
    BYN BZD CAD CDF CHE CHF CHW CNY COP COU CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP
    GBP GEL GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK
    LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK
    NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP
    STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD USN UYU UZS VED VES WST XCD XCG YER
    ZAR ZMW ZWG""".split()
)
CURRENCY_EXPONENTS: dict[str, int] = {**dict.fromkeys(_EXPONENT_TWO, 2), **_EXPONENT_NOT_TWO}

# The largest amount in minor units: the server keeps deals.value_cents as a PostgreSQL `bigint`.
MAX_MINOR = BIGINT_MAX

# Symbols short enough for a card; other codes print as the code itself.
_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "INR": "₹", "KRW": "₩"}


class UnknownCurrency(ValueError):
    """A currency code that is not an active ISO 4217 code."""


def exponent(currency: str) -> int:
    """The ISO 4217 exponent (minor-unit digits) of `currency`."""
    try:
        return CURRENCY_EXPONENTS[currency.upper()]
    except KeyError:
        raise UnknownCurrency(f"{currency!r} is not an ISO 4217 currency code") from None


# Currencies whose home convention writes a decimal comma and groups with a point: `1.250` there
# is 1250. Everywhere else the point is the decimal point (`USD 10.123` is refused, not 10123).
_DECIMAL_COMMA = frozenset({
    "EUR", "BRL", "ARS", "CLP", "COP", "PYG", "UYU", "BOB", "VES", "IDR", "VND", "TRY", "RUB", "UAH",
    "DKK", "NOK", "SEK", "ISK", "PLN", "CZK", "HUF", "RON", "BGN", "RSD", "MKD", "BAM", "ALL", "GEL",
    "AZN", "KZT",
})


def point_is_decimal(currency: str) -> bool:
    """In `currency`'s home convention the point is the decimal mark (USD, GBP, JPY…; not EUR)."""
    return currency.upper() not in _DECIMAL_COMMA


def parse_amount(text: str, currency: str | None) -> int:
    """Parse a human amount ('1,250.50', '12,5', '12k', '3.5m') into minor units of `currency`.

    Commas and dots follow the one rule of :mod:`.numbers`: `12,5` is 12.50; `1,250` is 1250 in
    USD but ambiguous, so refused, in KWD (three decimals); `10.123` in USD is a decimal point
    with a digit too many, refused (never read as 10123), while `10.123` in EUR is 10123.
    Refuses more decimals than the currency has (JPY '10.5' is an error, not a rounding) and
    amounts beyond the server's `bigint` column.
    """
    if not currency:
        raise ValueError("there is no currency to read the amount in; set the currency first")
    code = currency.upper()
    digits = exponent(code)
    cleaned = text.strip()
    # Only this currency's own symbol: '€100' typed as a USD amount is refused below, not
    # silently read as 100 dollars.
    own_symbol = _SYMBOLS.get(code)
    if own_symbol:
        cleaned = cleaned.removeprefix(own_symbol)
    if cleaned[:3].upper() == code:
        cleaned = cleaned[3:]
    cleaned = cleaned.strip()
    multiplier = 1
    if cleaned[-1:].lower() in ("k", "m"):
        multiplier = 1_000 if cleaned[-1].lower() == "k" else 1_000_000
        cleaned = cleaned[:-1]
    try:
        number = parse_decimal(cleaned, max_decimals=digits, point_is_decimal=point_is_decimal(code), unit=code)
    except NotANumber as exc:
        raise ValueError(f"{text.strip()!r} is not an amount" + (f": {exc.reason}" if exc.reason else "")) from None
    if number < 0:
        raise ValueError("an amount cannot be negative")
    with localcontext() as context:
        context.prec = 80  # exact: no rounding of long inputs before the checks below
        minor = (number * multiplier).scaleb(digits)
    if minor != minor.to_integral_value():
        raise ValueError(f"{code} has {digits} decimal places; {text.strip()!r} has more")
    if minor > MAX_MINOR:
        largest = Money(minor=MAX_MINOR, currency=code).format()
        raise ValueError(f"{text.strip()!r} is too large: the most an amount can be is {largest}")
    return int(minor)


def display_exponent(currency: str) -> int:
    """The decimals to show for `currency`: its ISO 4217 exponent, or 2 for a code that is not
    one (the web app may store any text; input checks use :func:`exponent`, which refuses)."""
    return CURRENCY_EXPONENTS.get(currency.upper(), 2)


class Money(BaseModel):
    """An amount in minor units of one currency.

    Any currency text is accepted, so a stored amount can always be shown: an active ISO 4217
    code prints with its own decimals (and symbol), anything else with two decimals after the
    code as stored, and no code (a deal whose currency is NULL) as the bare number. Whether a
    code is valid is decided where a person enters it (:func:`exponent`, :func:`parse_amount`).
    """

    model_config = ConfigDict(frozen=True, defer_build=True)

    minor: int
    currency: str = ""

    @field_validator("currency", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        if value is None:
            return ""
        return value.strip().upper() if isinstance(value, str) else value

    @property
    def amount(self) -> Decimal:
        return Decimal(self.minor).scaleb(-display_exponent(self.currency))

    def _with_code(self, number: str) -> str:
        if self.currency in _SYMBOLS:
            return f"{_SYMBOLS[self.currency]}{number}"
        return f"{self.currency} {number}" if self.currency else number

    def format(self) -> str:
        """Full amount with grouped digits and the currency's own decimals: 'USD 1,234.50'."""
        digits = display_exponent(self.currency)
        return self._with_code(f"{self.amount:,.{digits}f}")

    def format_compact(self) -> str:
        """Short form for narrow places (cards, column headers): '$12.5k', 'KWD 1.2m'."""
        value = float(self.amount)
        units = ((1e9, "b"), (1e6, "m"), (1e3, "k"))
        for index, (limit, suffix) in enumerate(units):
            if abs(value) >= limit:
                scaled = value / limit
                if index > 0 and abs(round(scaled, 1)) >= 1000:  # 999,999.99 is '1m', not '1000k'
                    limit, suffix = units[index - 1]
                    scaled = value / limit
                number = f"{scaled:.1f}".rstrip("0").rstrip(".") + suffix
                break
        else:
            number = f"{value:,.0f}" if value == int(value) else f"{value:,.{min(2, display_exponent(self.currency))}f}"
        return self._with_code(number)


class MoneyTotals:
    """Sums kept per currency: never adds amounts of different currencies."""

    __slots__ = ("_sums",)

    def __init__(self, items: Iterable[Money] = ()) -> None:
        self._sums: dict[str, int] = {}
        for item in items:
            self.add(item)

    def add(self, money: Money) -> None:
        self._sums[money.currency] = self._sums.get(money.currency, 0) + money.minor

    def add_minor(self, minor: int, currency: str) -> None:
        self._sums[currency] = self._sums.get(currency, 0) + minor

    def items(self) -> list[Money]:
        """One Money per currency, ordered by currency code."""
        return [Money(minor=v, currency=c) for c, v in sorted(self._sums.items())]

    def __bool__(self) -> bool:
        return bool(self._sums)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, MoneyTotals) and self._sums == other._sums

    def format_compact(self, separator: str = " · ") -> str:
        return separator.join(m.format_compact() for m in self.items()) or "—"

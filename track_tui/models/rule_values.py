"""The values of a rule's parts as a person types and reads them in the rule form.

A rule stores numbers of days, amounts in cents, ids of people and stages; the part form shows
"2 days", "10,000.00", "Priya Raman", "Proposal" instead, and reads them back. These functions
are the two directions, pure (no store, no Textual): `*_text` turns a stored value into what the
form's line starts with, `parse_*` turns what is typed into the stored value or raises
ValueError with a message that says what was typed and what would have been understood (the
form puts the parameter's name in front of it).

A field's value (`field_equals`, `set_field`, `field_matches`) is read by what the field is:
the value of a deal as an amount, the probability as a percentage, the close date as a date,
tags as a comma-separated list, the owner as a person's name, the stage as a stage's name.
Other fields (custom fields among them) take a number when the text is one, yes/no as true or
false, text otherwise — and JSON when it starts with `[`, `{` or `"`, for what needs it.
"""

from __future__ import annotations

import json
import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from .automation_words import RuleNames

MAX_DAYS = 3650

_DAYS = re.compile(r"^(\d{1,5})\s*(d|day|days|w|wk|week|weeks)?$")


def days_text(days: int | None) -> str:
    """14 → '14 days', 1 → '1 day', 21 → '3 weeks' (whole weeks read as weeks)."""
    if days is None:
        return ""
    if days and days % 7 == 0:
        weeks = days // 7
        return f"{weeks} week" if weeks == 1 else f"{weeks} weeks"
    return f"{days} day" if days == 1 else f"{days} days"


def parse_days(text: str, *, minimum: int = 0) -> int | None:
    """'2', '2 days', '2d', '1 week', '3w', 'today' (0), 'tomorrow' (1) → days; '' → None."""
    raw = " ".join(text.strip().lower().split())
    if not raw:
        return None
    if raw in ("today", "now", "same day"):
        days = 0
    elif raw == "tomorrow":
        days = 1
    else:
        match = _DAYS.match(raw)
        if match is None or not match.group(1).isascii():
            raise ValueError(f"{text.strip()!r} is not a number of days: write 2, 2 days or 1 week")
        days = int(match.group(1)) * (7 if (match.group(2) or "d").startswith("w") else 1)
    if days < minimum:
        raise ValueError(f"{text.strip()!r}: must be at least {days_text(minimum) if minimum else 'today'}")
    if days > MAX_DAYS:
        raise ValueError(f"{text.strip()!r}: must be at most {MAX_DAYS} days")
    return days


# -- a field's value -----------------------------------------------------------------------


def value_hint(field: str) -> str:
    """What the value line expects for this field (its placeholder)."""
    return {
        "value_cents": "an amount, e.g. 10,000.00",
        "probability": "a percentage, 0 to 100",
        "close_date": "a date, YYYY-MM-DD",
        "tags": "tags, comma-separated",
        "owner_id": "a person's name (empty: nobody)",
        "stage_id": "a stage's name",
    }.get(field, "text or a number (empty: no value)")


def value_text(field: str, value: Any, names: RuleNames) -> str:
    """A stored value as the value line shows it."""
    if value is None:
        return ""
    if field == "value_cents" and isinstance(value, int) and not isinstance(value, bool):
        return f"{Decimal(value) / 100:,.2f}"
    if field == "tags" and isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if field == "owner_id" and isinstance(value, str):
        return names.people.get(value, value)
    if field == "stage_id" and isinstance(value, str):
        return names.stages.get(value, value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def _unique(typed: str, found: list[str], what: str) -> str:
    if len(found) == 1:
        return found[0]
    if not found:
        raise ValueError(f"{typed!r} matches no {what}")
    many = "people" if what == "person" else f"{what}s"
    raise ValueError(f"{typed!r} matches {len(found)} {many}: type more of the name")


def _by_name(typed: str, named: dict[str, str], what: str) -> str:
    lowered = typed.lower()
    exact = [key for key, name in named.items() if name.lower() == lowered]
    if exact:
        return _unique(typed, exact, what)
    if typed in named:  # an id, as the JSON holds it
        return typed
    return _unique(typed, [key for key, name in named.items() if name.lower().startswith(lowered)], what)


def parse_value(field: str, text: str, names: RuleNames) -> Any:
    """What is typed in the value line as the value the rule stores for `field`."""
    raw = text.strip()
    if not raw:
        return None
    if field == "value_cents":
        try:
            amount = Decimal(raw.replace(",", "").replace(" ", ""))
        except InvalidOperation:
            raise ValueError(f"{raw!r} is not an amount: write 10000 or 10,000.00") from None
        if not amount.is_finite() or amount < 0 or amount.as_tuple().exponent < -2:  # type: ignore[operator]
            raise ValueError(f"{raw!r}: an amount is 0 or more, with at most 2 decimals")
        if amount >= Decimal(10) ** 13:
            raise ValueError(f"{raw!r}: too large an amount")
        return int(amount * 100)
    if field == "probability":
        try:
            number = float(raw.removesuffix("%"))
        except ValueError:
            raise ValueError(f"{raw!r} is not a percentage: write a number from 0 to 100") from None
        if not 0 <= number <= 100:
            raise ValueError(f"{raw!r}: a probability is from 0 to 100")
        return int(number) if number.is_integer() else number
    if field == "close_date":
        try:
            return date.fromisoformat(raw).isoformat()
        except ValueError:
            raise ValueError(f"{raw!r} is not a date: write it as YYYY-MM-DD") from None
    if field == "tags":
        tags = [t.strip() for t in raw.split(",") if t.strip()]
        return tags or None
    if field == "owner_id":
        if raw.lower() in ("nobody", "none", "no one"):
            return None
        return _by_name(raw.removesuffix(" (me)"), names.people, "person")
    if field == "stage_id":
        return _by_name(raw.split("›")[-1].strip(), names.stages, "stage")
    if raw[0] in "[{\"":
        try:
            return json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{raw!r} is not JSON ({exc.msg}); without [, {{ or \" it is read as text") from None
    if raw.lower() in ("yes", "true"):
        return True
    if raw.lower() in ("no", "false"):
        return False
    if re.fullmatch(r"-?\d{1,15}", raw):
        return int(raw)
    if re.fullmatch(r"-?\d{1,15}\.\d{1,6}", raw):
        return float(raw)
    return raw

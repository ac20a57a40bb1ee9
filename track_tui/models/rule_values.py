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
A custom field's value is read as the record editors read it, by that field's own type and
config (`CustomField.parse_input`): a select as one of its options (by label or value), a
multi-select as options separated by commas, a number within its limits, a currency amount in
its code, a date, yes/no. A link (a company, a contact, a custom link field) is picked with the
record picker, never typed: :func:`link_target` says which records it points to. Other fields
take a number when the text is one, yes/no as true or false, text otherwise — and JSON when it
starts with `[`, `{` or `"`, for what needs it.
"""

from __future__ import annotations

import json
import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from .automation_words import RuleNames
from .custom_fields import CustomField, CustomFieldError
from .enums import CustomFieldType, RecordType
from .money import Money

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

# Built-in fields whose value is the id of another record: the record type they point to.
LINK_FIELDS = {"company_id": RecordType.COMPANY, "primary_contact_id": RecordType.CONTACT}


def custom_field(field: str, names: RuleNames) -> CustomField | None:
    """The definition of `custom_fields.<key>` (None: a built-in field, or a key not defined)."""
    if not field.startswith("custom_fields."):
        return None
    return names.custom_fields.get(field.removeprefix("custom_fields."))


def link_target(field: str, names: RuleNames) -> tuple[list[RecordType], bool] | None:
    """For a field that links to a record: the record types it may point to, and whether its
    value is stored as `{"type", "id"}` (a custom link) rather than the bare id. None: no link."""
    if field in LINK_FIELDS:
        return [LINK_FIELDS[field]], False
    definition = custom_field(field, names)
    if definition is None or definition.type is not CustomFieldType.LINK:
        return None
    target = definition.config.get("target")
    types = [RecordType(target)] if target in {t.value for t in RecordType} else list(RecordType)
    return types, True


def link_id(value: Any) -> str | None:
    """The record id a link value holds (a bare id, or a custom link's `{"type", "id"}`)."""
    if isinstance(value, dict):
        value = value.get("id")
    return value if isinstance(value, str) and value else None


def _custom_hint(definition: CustomField) -> str:
    kind = definition.type
    if kind is CustomFieldType.SELECT:
        return "one of: " + ", ".join(label for _, label in definition.options())
    if kind is CustomFieldType.MULTI_SELECT:
        return "options, comma-separated: " + ", ".join(label for _, label in definition.options())
    if kind is CustomFieldType.NUMBER:
        low, high = definition.config.get("min"), definition.config.get("max")
        whole = "a whole number" if definition.config.get("integer") else "a number"
        if low is not None and high is not None:
            return f"{whole} from {low} to {high}"
        return whole + (f", at least {low}" if low is not None else f", at most {high}" if high is not None else "")
    if kind is CustomFieldType.CURRENCY:
        code = definition.config.get("currency")
        return f"an amount in {code}, e.g. 1,250.00" if isinstance(code, str) else "an amount, e.g. EUR 1,250.00"
    return {
        CustomFieldType.DATE: "a date: 2026-12-01, tomorrow, +2w",
        CustomFieldType.BOOLEAN: "yes or no",
        CustomFieldType.URL: "a web address, e.g. example.com",
        CustomFieldType.LINK: "pick a record",
    }.get(kind, "text (empty: no value)")


def value_hint(field: str, names: RuleNames | None = None) -> str:
    """What the value line expects for this field (its placeholder)."""
    definition = custom_field(field, names) if names is not None else None
    if definition is not None:
        return _custom_hint(definition)
    return {
        "value_cents": "an amount, e.g. 10,000.00",
        "probability": "a percentage, 0 to 100",
        "close_date": "a date, YYYY-MM-DD",
        "tags": "tags, comma-separated",
        "owner_id": "a person's name (empty: nobody)",
        "stage_id": "a stage's name",
    }.get(field, "text or a number (empty: no value)")


def _custom_text(definition: CustomField, value: Any) -> str | None:
    """A custom field's stored value as it is typed back (None: not of the field's shape)."""
    kind = definition.type
    labels = dict(definition.options())
    if kind is CustomFieldType.SELECT and isinstance(value, str):
        return labels.get(value, value)
    if kind is CustomFieldType.MULTI_SELECT and isinstance(value, list):
        return ", ".join(labels.get(v, v) if isinstance(v, str) else str(v) for v in value)
    if kind is CustomFieldType.CURRENCY and isinstance(value, dict):
        try:
            return Money(minor=value["minor"], currency=value["currency"]).format()
        except (KeyError, TypeError, ValueError):
            return None
    if kind is CustomFieldType.NUMBER and isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return None


def value_text(field: str, value: Any, names: RuleNames) -> str:
    """A stored value as the value line shows it."""
    if value is None:
        return ""
    definition = custom_field(field, names)
    if definition is not None:
        text = _custom_text(definition, value)
        if text is not None:
            return text
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


def _option(typed: str, options: list[tuple[str, str]]) -> str:
    """The option value a typed label (or value) names: exact first, then a unique start."""
    lowered = typed.casefold()
    for value, label in options:
        if lowered in (label.casefold(), value.casefold()):
            return value
    starts = [value for value, label in options if label.casefold().startswith(lowered)]
    if len(starts) == 1:
        return starts[0]
    listed = ", ".join(label for _, label in options)
    if starts:
        raise ValueError(f"{typed!r} starts {len(starts)} options: type more of it (one of: {listed})")
    raise ValueError(f"{typed!r} is not an option (one of: {listed})")


def parse_custom(definition: CustomField, raw: str, today: date) -> Any:
    """What is typed for a custom field's value, read by its type and config as the record
    editors read it. A ValueError says the rule it breaks (without the field's name: the form
    says "Value" in front of it)."""
    kind = definition.type
    try:
        if kind is CustomFieldType.SELECT:
            return definition.validate_value(_option(raw, definition.options()))
        if kind is CustomFieldType.MULTI_SELECT:
            typed = [t.strip() for t in raw.split(",") if t.strip()]
            return definition.validate_value([_option(t, definition.options()) for t in typed]) if typed else None
        if kind is CustomFieldType.LINK:
            raise ValueError("a link is picked, not typed: press Enter to pick a record")
        return definition.parse_input(raw, today)
    except CustomFieldError as exc:
        raise ValueError(exc.rule) from None


def parse_value(field: str, text: str, names: RuleNames, today: date | None = None) -> Any:
    """What is typed in the value line as the value the rule stores for `field`."""
    raw = text.strip()
    if not raw:
        return None
    definition = custom_field(field, names)
    if definition is not None:
        return parse_custom(definition, raw, today or date.today())
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

"""Custom fields: their definitions and the validation of their values.

Values live in a record's `custom_fields` JSON under the field's `key`; the database does not
check them, so this module does, for all nine types. `config` carries the rules:

| type         | stored value                        | config keys                              |
|--------------|-------------------------------------|------------------------------------------|
| text         | str                                 | required, min_length, max_length, pattern |
| number       | int or float                        | required, min, max, integer              |
| date         | 'YYYY-MM-DD'                        | required, min, max                       |
| select       | one option value                    | required, options                        |
| multi_select | list of option values               | required, options, max_selected          |
| boolean      | bool                                | —                                        |
| url          | 'https://…'                         | required, schemes                        |
| currency     | {"minor": int, "currency": "EUR"}   | required, currency (default), min, max   |
| link         | {"type": "company", "id": uuid}     | required, target (contact/company/deal)  |

`options` is a list of strings or of {"value", "label"} objects. Every failure raises
:class:`CustomFieldError`, whose message names the field and the rule it breaks — also when the
rule itself is malformed (the web app writes `config`; a `min` that is not a number is reported,
never a crash).

Ranges beyond `config`: numbers stay within ±(2^53 - 1), the whole numbers a JSON reader such
as the web app keeps exactly; currency amounts within 0 and the `bigint` maximum, like a deal's
value. Typed numbers follow the comma/dot rule of :mod:`.numbers` (`12,5` is 12.5, `1,250` is
ambiguous). URLs are parsed by :func:`.web.parse_web_address`: `example.com` is stored as
`https://example.com`, `javascript:…` and `not a url` are refused.
"""

from __future__ import annotations

import math
import re
import uuid
from datetime import date
from typing import Any, ClassVar

from pydantic import Field

from .base import WorkspaceRow
from .dates import parse_human_date
from .enums import CustomFieldType, RecordType
from .money import MAX_MINOR, Money, UnknownCurrency, exponent, parse_amount
from .numbers import INT_MAX, INT_MIN, JSON_SAFE_INT, parse_decimal
from .web import parse_web_address


class CustomFieldError(ValueError):
    """A value a custom field refuses; `str()` names the field and the rule."""

    def __init__(self, field: "CustomField", rule: str) -> None:
        self.field_name = field.name
        self.rule = rule
        super().__init__(f"{field.name}: {rule}")


class CustomField(WorkspaceRow):
    TABLE: ClassVar[str] = "custom_fields"

    record_type: RecordType
    name: str
    key: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    type: CustomFieldType
    config: dict[str, Any] = Field(default_factory=dict)
    searchable: bool = False
    position: int = Field(default=0, ge=INT_MIN, le=INT_MAX)

    @property
    def required(self) -> bool:
        return bool(self.config.get("required"))

    def options(self) -> list[tuple[str, str]]:
        """(value, label) pairs of a select or multi-select field."""
        result = []
        options = self.config.get("options", [])
        for option in options if isinstance(options, list) else []:
            if isinstance(option, dict):
                if "value" in option:  # an option without a value cannot be chosen: skipped
                    result.append((str(option["value"]), str(option.get("label", option["value"]))))
            else:
                result.append((str(option), str(option)))
        return result

    def _limit(self, key: str, kind: type = float) -> Any:
        """A rule from `config` (None when absent). The web app writes `config`; a rule it holds
        that is not of the right kind is reported as a fault of the definition, not a crash."""
        raw = self.config.get(key)
        if raw is None:
            return None
        if kind is date:
            try:
                return date.fromisoformat(raw) if isinstance(raw, str) else None
            except ValueError:
                pass
        elif kind is str:
            if isinstance(raw, str):
                return raw
        elif isinstance(raw, (int, float)) and not isinstance(raw, bool) and math.isfinite(raw):
            if kind is int and raw == int(raw):
                return int(raw)
            if kind is float:
                return raw
        raise CustomFieldError(self, f"the field's definition has an invalid {key} ({raw!r}); fix it in the web app")

    # -- validation of stored values -------------------------------------------------------

    def validate_value(self, value: Any) -> Any:
        """Check a value (as stored in JSON) against type and config; return it normalised.

        None means "no value" and is refused only when the field is required.
        """
        if value is None or value == "" or value == []:
            if self.required:
                raise CustomFieldError(self, "a value is required")
            return None
        checker = getattr(self, f"_check_{self.type.value}")
        return checker(value)

    def _check_text(self, value: Any) -> str:
        if not isinstance(value, str):
            raise CustomFieldError(self, "must be text")
        limit_min, limit_max = self._limit("min_length", int), self._limit("max_length", int)
        if limit_min is not None and len(value) < limit_min:
            raise CustomFieldError(self, f"must be at least {limit_min} characters")
        if limit_max is not None and len(value) > limit_max:
            raise CustomFieldError(self, f"must be at most {limit_max} characters")
        pattern = self._limit("pattern", str)
        if pattern:
            try:
                matched = re.fullmatch(pattern, value)
            except re.error:
                raise CustomFieldError(self, f"the field's definition has an invalid pattern ({pattern!r}); fix it in the web app") from None
            if not matched:
                hint = self.config.get("pattern_hint", f"the pattern {pattern}")
                raise CustomFieldError(self, f"must match {hint}")
        return value

    def _check_number(self, value: Any) -> int | float:
        # bool is an int subclass; NaN and infinity are floats but not numbers a person means
        # (and JSON cannot carry them).
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise CustomFieldError(self, "must be a number")
        # JSON numbers are read as doubles by the web app: beyond 2^53 whole numbers change.
        if abs(value) > JSON_SAFE_INT:
            raise CustomFieldError(self, f"must be between -{JSON_SAFE_INT:,} and {JSON_SAFE_INT:,}")
        if self.config.get("integer") and value != int(value):
            raise CustomFieldError(self, "must be a whole number")
        low, high = self._limit("min"), self._limit("max")
        if low is not None and value < low:
            raise CustomFieldError(self, f"must be at least {low:,}")
        if high is not None and value > high:
            raise CustomFieldError(self, f"must be at most {high:,}")
        return int(value) if self.config.get("integer") else value

    def _check_date(self, value: Any) -> str:
        try:
            parsed = date.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            parsed = None
        if parsed is None:
            raise CustomFieldError(self, "must be a date like 2026-12-01")
        low, high = self._limit("min", date), self._limit("max", date)
        if low and parsed < low:
            raise CustomFieldError(self, f"must be on or after {low.isoformat()}")
        if high and parsed > high:
            raise CustomFieldError(self, f"must be on or before {high.isoformat()}")
        return parsed.isoformat()

    def _check_select(self, value: Any) -> str:
        allowed = [v for v, _ in self.options()]
        if not isinstance(value, str) or value not in allowed:
            raise CustomFieldError(self, f"must be one of: {', '.join(allowed)}")
        return value

    def _check_multi_select(self, value: Any) -> list[str]:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise CustomFieldError(self, "must be a list of options")
        allowed = [v for v, _ in self.options()]
        unknown = [v for v in value if v not in allowed]
        if unknown:
            raise CustomFieldError(
                self, f"{', '.join(unknown)} not among the options: {', '.join(allowed)}"
            )
        limit = self._limit("max_selected", int)
        if limit is not None and len(value) > limit:
            raise CustomFieldError(self, f"allows at most {limit} choices")
        return [v for v in allowed if v in value]  # option order, no duplicates

    def _check_boolean(self, value: Any) -> bool:
        if not isinstance(value, bool):
            raise CustomFieldError(self, "must be yes or no")
        return value

    def _schemes(self) -> list[str]:
        schemes = self.config.get("schemes", ["http", "https"])
        if not isinstance(schemes, list) or not schemes or not all(isinstance(x, str) for x in schemes):
            raise CustomFieldError(self, f"the field's definition has invalid schemes ({schemes!r}); fix it in the web app")
        return [x.lower() for x in schemes]

    def _check_url(self, value: Any) -> str:
        schemes = self._schemes()
        if not isinstance(value, str):
            raise CustomFieldError(self, f"must be a web address starting with {' or '.join(x + '://' for x in schemes)}")
        if "://" not in value:  # a stored value carries its scheme; typed text gets one in parse_input
            raise CustomFieldError(self, f"{value!r} must start with {' or '.join(x + '://' for x in schemes)}")
        try:
            return parse_web_address(value, schemes)
        except ValueError as exc:
            raise CustomFieldError(self, str(exc)) from None

    def _check_currency(self, value: Any) -> dict[str, Any]:
        if not isinstance(value, dict) or not isinstance(value.get("minor"), int) or isinstance(value.get("minor"), bool):
            raise CustomFieldError(self, "must be an amount with a currency")
        try:
            exponent(str(value.get("currency", "")))  # Money itself holds any code (stored values)
            money = Money(minor=value["minor"], currency=str(value.get("currency", "")))
        except (UnknownCurrency, ValueError):
            raise CustomFieldError(self, f"{value.get('currency')!r} is not an ISO 4217 currency") from None
        fixed = self._limit("currency", str)
        if fixed and money.currency != fixed.upper():
            raise CustomFieldError(self, f"must be in {fixed.upper()}")
        for key, word, compare in (("min", "at least", lambda a, b: a < b), ("max", "at most", lambda a, b: a > b)):
            limit = self._limit(key, int)
            if limit is not None and compare(money.minor, limit):
                bound = Money(minor=limit, currency=money.currency).format()
                raise CustomFieldError(self, f"must be {word} {bound}")
        if not 0 <= money.minor <= MAX_MINOR:  # the range of a deal's value (`bigint`)
            raise CustomFieldError(
                self, f"must be from 0 to {Money(minor=MAX_MINOR, currency=money.currency).format()}"
            )
        return {"minor": money.minor, "currency": money.currency}

    def _check_link(self, value: Any) -> dict[str, str]:
        if not isinstance(value, dict) or not value.get("id"):
            raise CustomFieldError(self, "must link to a record")
        target = self.config.get("target")
        kind = value.get("type")
        if kind not in {t.value for t in RecordType}:
            raise CustomFieldError(self, "must link to a contact, company or deal")
        if target and kind != target:
            raise CustomFieldError(self, f"must link to a {target}")
        try:
            uuid.UUID(str(value["id"]))
        except ValueError:
            raise CustomFieldError(self, "must link to a record id") from None
        return {"type": kind, "id": str(value["id"])}

    # -- what a person types ---------------------------------------------------------------

    def parse_input(self, text: str, today: date) -> Any:
        """Turn what a person typed into a stored value, then validate it.

        Select/multi-select/link/boolean values normally come from pickers; typed forms are
        accepted too ('a, b' for multi-select; yes/no/true/false for boolean).
        """
        raw = text.strip()
        if not raw:
            return self.validate_value(None)
        kind = self.type
        value: Any = raw
        if kind == CustomFieldType.NUMBER:
            value = self._parse_number(raw)
        elif kind == CustomFieldType.DATE:
            try:
                value = parse_human_date(raw, today).isoformat()
            except ValueError as exc:
                raise CustomFieldError(self, str(exc)) from None
        elif kind == CustomFieldType.MULTI_SELECT:
            value = [part.strip() for part in raw.split(",") if part.strip()]
        elif kind == CustomFieldType.BOOLEAN:
            lowered = raw.lower()
            if lowered not in ("yes", "no", "true", "false", "y", "n", "1", "0"):
                raise CustomFieldError(self, "must be yes or no")
            value = lowered in ("yes", "true", "y", "1")
        elif kind == CustomFieldType.CURRENCY:
            code = (self._limit("currency", str) or "USD").upper()
            parts = raw.split()
            if len(parts) == 2 and parts[0].isalpha():
                code, raw = parts[0].upper(), parts[1]
            try:
                exponent(code)
                value = {"minor": parse_amount(raw, code), "currency": code}
            except ValueError as exc:
                raise CustomFieldError(self, str(exc)) from None
        elif kind == CustomFieldType.URL:
            try:
                value = parse_web_address(raw, self._schemes())
            except ValueError as exc:
                raise CustomFieldError(self, str(exc)) from None
        return self.validate_value(value)

    def _parse_number(self, raw: str) -> int | float:
        """Typed text → a JSON number: whole when it has no fraction, within JSON's exact range."""
        try:
            number = parse_decimal(raw)
        except ValueError as exc:
            raise CustomFieldError(self, str(exc)) from None
        if abs(number) > JSON_SAFE_INT:
            raise CustomFieldError(self, f"must be between -{JSON_SAFE_INT:,} and {JSON_SAFE_INT:,}")
        if number == number.to_integral_value():
            return int(number)
        return float(number)

    def format_value(self, value: Any) -> str:
        """A stored value as a person reads it (links show the id; screens resolve names)."""
        if value is None or value == [] or value == "":
            return "—"
        kind = self.type
        if kind == CustomFieldType.BOOLEAN:
            return "yes" if value else "no"
        if kind in (CustomFieldType.SELECT, CustomFieldType.MULTI_SELECT):
            # Stored values may be of any JSON type (the web app's): unknown ones show as they are.
            labels = dict(self.options())
            values = value if isinstance(value, list) else [value]
            return ", ".join(labels.get(v, v) if isinstance(v, str) else str(v) for v in values)
        if kind == CustomFieldType.CURRENCY and isinstance(value, dict):
            try:
                return Money(minor=value["minor"], currency=value["currency"]).format()
            except (KeyError, ValueError):
                return str(value)
        if kind == CustomFieldType.NUMBER and isinstance(value, (int, float)):
            return f"{value:,}"
        if kind == CustomFieldType.LINK and isinstance(value, dict):
            return f"{value.get('type')} {str(value.get('id'))[:8]}"
        return str(value)

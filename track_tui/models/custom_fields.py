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
:class:`CustomFieldError`, whose message names the field and the rule it breaks.
"""

from __future__ import annotations

import math
import re
import uuid
from datetime import date
from typing import Any, ClassVar
from urllib.parse import urlparse

from pydantic import Field

from .base import WorkspaceRow
from .dates import parse_human_date
from .enums import CustomFieldType, RecordType
from .money import Money, UnknownCurrency, exponent, parse_amount


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
    position: int = 0

    @property
    def required(self) -> bool:
        return bool(self.config.get("required"))

    def options(self) -> list[tuple[str, str]]:
        """(value, label) pairs of a select or multi-select field."""
        result = []
        for option in self.config.get("options", []):
            if isinstance(option, dict):
                result.append((str(option["value"]), str(option.get("label", option["value"]))))
            else:
                result.append((str(option), str(option)))
        return result

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
        limit_min, limit_max = self.config.get("min_length"), self.config.get("max_length")
        if limit_min is not None and len(value) < limit_min:
            raise CustomFieldError(self, f"must be at least {limit_min} characters")
        if limit_max is not None and len(value) > limit_max:
            raise CustomFieldError(self, f"must be at most {limit_max} characters")
        pattern = self.config.get("pattern")
        if pattern and not re.fullmatch(pattern, value):
            hint = self.config.get("pattern_hint", f"the pattern {pattern}")
            raise CustomFieldError(self, f"must match {hint}")
        return value

    def _check_number(self, value: Any) -> int | float:
        # bool is an int subclass; NaN and infinity are floats but not numbers a person means
        # (and JSON cannot carry them).
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise CustomFieldError(self, "must be a number")
        if self.config.get("integer") and value != int(value):
            raise CustomFieldError(self, "must be a whole number")
        low, high = self.config.get("min"), self.config.get("max")
        if low is not None and value < low:
            raise CustomFieldError(self, f"must be at least {low}")
        if high is not None and value > high:
            raise CustomFieldError(self, f"must be at most {high}")
        return int(value) if self.config.get("integer") else value

    def _check_date(self, value: Any) -> str:
        try:
            parsed = date.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            parsed = None
        if parsed is None:
            raise CustomFieldError(self, "must be a date like 2026-12-01")
        low, high = self.config.get("min"), self.config.get("max")
        if low and parsed < date.fromisoformat(low):
            raise CustomFieldError(self, f"must be on or after {low}")
        if high and parsed > date.fromisoformat(high):
            raise CustomFieldError(self, f"must be on or before {high}")
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
        limit = self.config.get("max_selected")
        if limit is not None and len(value) > limit:
            raise CustomFieldError(self, f"allows at most {limit} choices")
        return [v for v in allowed if v in value]  # option order, no duplicates

    def _check_boolean(self, value: Any) -> bool:
        if not isinstance(value, bool):
            raise CustomFieldError(self, "must be yes or no")
        return value

    def _check_url(self, value: Any) -> str:
        schemes = self.config.get("schemes", ["http", "https"])
        parsed = urlparse(value) if isinstance(value, str) else None
        if parsed is None or parsed.scheme not in schemes or not parsed.netloc:
            raise CustomFieldError(self, f"must be a URL starting with {' or '.join(s + '://' for s in schemes)}")
        return value

    def _check_currency(self, value: Any) -> dict[str, Any]:
        if not isinstance(value, dict) or not isinstance(value.get("minor"), int) or isinstance(value.get("minor"), bool):
            raise CustomFieldError(self, "must be an amount with a currency")
        try:
            money = Money(minor=value["minor"], currency=str(value.get("currency", "")))
        except (UnknownCurrency, ValueError):
            raise CustomFieldError(self, f"{value.get('currency')!r} is not an ISO 4217 currency") from None
        fixed = self.config.get("currency")
        if fixed and money.currency != fixed.upper():
            raise CustomFieldError(self, f"must be in {fixed.upper()}")
        for key, word, compare in (("min", "at least", lambda a, b: a < b), ("max", "at most", lambda a, b: a > b)):
            limit = self.config.get(key)
            if limit is not None and compare(money.minor, limit):
                bound = Money(minor=limit, currency=money.currency).format()
                raise CustomFieldError(self, f"must be {word} {bound}")
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
            try:
                value = float(raw.replace(",", ""))
                if not math.isfinite(value):
                    raise ValueError(raw)
                if value == int(value) and "." not in raw:
                    value = int(value)
            except ValueError:
                raise CustomFieldError(self, f"{raw!r} is not a number") from None
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
            code = (self.config.get("currency") or "USD").upper()
            parts = raw.split()
            if len(parts) == 2 and parts[0].isalpha():
                code, raw = parts[0].upper(), parts[1]
            try:
                exponent(code)
                value = {"minor": parse_amount(raw, code), "currency": code}
            except ValueError as exc:
                raise CustomFieldError(self, str(exc)) from None
        elif kind == CustomFieldType.URL and "://" not in raw:
            value = f"https://{raw}"
        return self.validate_value(value)

    def format_value(self, value: Any) -> str:
        """A stored value as a person reads it (links show the id; screens resolve names)."""
        if value is None or value == [] or value == "":
            return "—"
        kind = self.type
        if kind == CustomFieldType.BOOLEAN:
            return "yes" if value else "no"
        if kind in (CustomFieldType.SELECT, CustomFieldType.MULTI_SELECT):
            labels = dict(self.options())
            values = value if isinstance(value, list) else [value]
            return ", ".join(labels.get(v, v) for v in values)
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

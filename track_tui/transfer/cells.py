"""What one cell of an exported or imported file holds, both ways.

Export writes, and import reads back:

- money in major units with the currency's own decimals (`1250.50`, JPY `1250`), its code in a
  separate column; dates as ISO 8601 (`2026-12-01`), timestamps as ISO 8601 UTC;
- tags and multi-select values as one cell, comma-separated;
- select options by their label (what a person reads), read back by label or stored value;
- custom currency amounts as `EUR 1250.00`; yes/no for booleans; links by the linked record's
  name.

Reading goes through the custom field's own `parse_input` (the editors' parser and validator),
so an imported value is exactly what the field would accept when typed.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from datetime import date
from decimal import Decimal
from typing import Any, Callable

from ..models import CustomField, CustomFieldError
from ..models.enums import CustomFieldType
from ..models.money import MAX_MINOR, display_exponent, exponent, parse_amount

LIST_SEPARATOR = ", "


@lru_cache(maxsize=65_536)  # an import folds the same owner, company and option names again and again
def folded(text: str) -> str:
    """Text compared the way people mean it: case, accents and spacing ignored."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(bare.casefold().split())


def money_cell(minor: int | None, currency: str | None) -> str:
    if minor is None:
        return ""
    digits = display_exponent(currency or "")
    return f"{Decimal(minor).scaleb(-digits):.{digits}f}"


def read_amount(text: str, currency: str) -> int:
    """An amount cell in minor units of `currency`. A plain number with exactly the currency's
    decimals after a dot (what export writes: `400.000` KWD) is read as such; anything else
    as typed (`1,250.50`, `12k`), with the editors' rules for commas and dots."""
    raw = text.strip()
    digits = exponent(currency)
    if digits and re.fullmatch(rf"[0-9]{{1,20}}\.[0-9]{{{digits}}}", raw):
        return _exact(raw, currency)
    return parse_amount(raw, currency)


def _exact(raw: str, currency: str) -> int:
    whole, _, fraction = raw.partition(".")
    minor = int(whole + fraction)
    if minor > MAX_MINOR:
        return parse_amount(raw, currency)  # its message says what the largest amount is
    return minor


def list_cell(values: Any) -> str:
    if not isinstance(values, list):
        return "" if values is None else str(values)
    return LIST_SEPARATOR.join(str(v) for v in values)


def split_list(text: str) -> list[str]:
    """`a, b; c` → ['a', 'b', 'c'] (commas or semicolons: both are common in other CRMs' files)."""
    return [part.strip() for part in text.replace(";", ",").split(",") if part.strip()]


def custom_cell(definition: CustomField, value: Any, link_names: dict[str, str]) -> str:
    """A stored custom value as a cell."""
    if value is None or value == "" or value == []:
        return ""
    kind = definition.type
    labels = dict(definition.options())
    if kind == CustomFieldType.SELECT:
        return labels.get(value, str(value)) if isinstance(value, str) else str(value)
    if kind == CustomFieldType.MULTI_SELECT:
        values = value if isinstance(value, list) else [value]
        return LIST_SEPARATOR.join(labels.get(v, str(v)) if isinstance(v, str) else str(v) for v in values)
    if kind == CustomFieldType.BOOLEAN:
        return "yes" if value is True else "no" if value is False else str(value)
    if kind == CustomFieldType.CURRENCY and isinstance(value, dict):
        code = str(value.get("currency") or "")
        minor = value.get("minor")
        return f"{code} {money_cell(minor, code)}".strip() if isinstance(minor, int) else str(value)
    if kind == CustomFieldType.LINK and isinstance(value, dict):
        return link_names.get(str(value.get("id")), str(value.get("id", "")))
    return str(value)


def option_lookup(definition: CustomField) -> dict[str, str]:
    """Every way a cell may name an option — its label or its value, any case or accents —
    to the option's stored value (built once per field for a whole file)."""
    lookup: dict[str, str] = {}
    for value, label in definition.options():
        lookup.setdefault(folded(label), value)
    for value, _ in definition.options():
        lookup[folded(value)] = value  # a value wins over another option's label
    return lookup


def custom_from_cell(
    definition: CustomField, text: str, today: date, find_link: Callable[[str, str], str | None],
    options: dict[str, str] | None = None,
) -> Any:
    """A cell as the field's stored value; raises CustomFieldError naming the rule it breaks.

    `find_link(record_type, name)` gives the id of the record a link names (None: no such
    record); `options` is :func:`option_lookup` of the field, when the caller keeps it.
    """
    raw = text.strip()
    kind = definition.type
    if raw and kind in (CustomFieldType.SELECT, CustomFieldType.MULTI_SELECT):
        lookup = options if options is not None else option_lookup(definition)
        if kind == CustomFieldType.SELECT:
            raw = lookup.get(folded(raw), raw)
        else:
            raw = ", ".join(lookup.get(folded(part), part) for part in split_list(raw))
    elif raw and kind == CustomFieldType.CURRENCY:
        parts = raw.split()
        code = parts[0].upper() if len(parts) == 2 and parts[0].isalpha() else None
        if code is not None:
            try:
                return definition.validate_value({"minor": read_amount(parts[1], code), "currency": code})
            except ValueError as exc:
                if isinstance(exc, CustomFieldError):
                    raise
                raise CustomFieldError(definition, str(exc)) from None
    elif raw and kind == CustomFieldType.LINK:
        target = str(definition.config.get("target") or "contact")
        found = find_link(target, raw)
        if found is None:
            raise CustomFieldError(definition, f"no {target} named {raw!r}")
        return definition.validate_value({"type": target, "id": found})
    return definition.parse_input(raw, today)

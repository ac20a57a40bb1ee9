"""Checking a custom field's definition (its `config`) when an admin creates or changes one.

:mod:`.custom_fields` validates *values* against a definition and reports a broken definition
the web app stored as the definition's fault. Here the other side: a definition an admin types
is refused with the rule it breaks before it is saved — options for select and multi-select
(at least one, no value twice), limits for number (min ≤ max), a known currency code, the record
type a link points to, sane text lengths and a pattern that compiles, date limits that are
dates. Each returns the first problem in words, or None.
"""

from __future__ import annotations

import math
import re
from datetime import date
from typing import Any

from .enums import CustomFieldType, RecordType
from .money import UnknownCurrency, exponent

KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
KEY_RULE = "a key is lowercase letters, digits and _, starting with a letter (e.g. lead_source)"


def key_problem(key: str) -> str | None:
    if not key:
        return "a field needs a key"
    if len(key) > 60:
        return "a key is at most 60 characters"
    if not KEY_PATTERN.match(key):
        return KEY_RULE
    return None


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _range(config: dict[str, Any], low: str, high: str, *, kind: str = "number") -> str | None:
    lo, hi = config.get(low), config.get(high)
    for name, value in ((low, lo), (high, hi)):
        if value is None:
            continue
        if kind == "count" and not (isinstance(value, int) and not isinstance(value, bool) and value >= 0):
            return f"{name} must be a whole number, 0 or more"
        if kind == "number" and not _number(value):
            return f"{name} must be a number"
        if kind == "date":
            try:
                date.fromisoformat(value) if isinstance(value, str) else date.fromisoformat("")
            except ValueError:
                return f"{name} must be a date written YYYY-MM-DD"
    if lo is not None and hi is not None and lo > hi:
        return f"{low} ({lo}) is more than {high} ({hi})"
    return None


def option_values(config: dict[str, Any]) -> list[str]:
    """The option values a select's config holds (strings, or {value, label} objects)."""
    options = config.get("options")
    values = []
    for option in options if isinstance(options, list) else []:
        if isinstance(option, dict):
            if "value" in option:
                values.append(str(option["value"]))
        else:
            values.append(str(option))
    return values


def config_problem(kind: CustomFieldType | str, config: Any) -> str | None:
    """The first rule `config` breaks for a field of `kind` (None: fine)."""
    try:
        kind = CustomFieldType(kind)
    except ValueError:
        return f"unknown type {kind!r} (one of: {', '.join(t.value for t in CustomFieldType)})"
    if not isinstance(config, dict):
        return "the config must be an object"
    if "required" in config and not isinstance(config["required"], bool):
        return "required must be true or false"
    if kind in (CustomFieldType.SELECT, CustomFieldType.MULTI_SELECT):
        options = config.get("options")
        if not isinstance(options, list) or not options:
            return "a select field needs at least one option"
        for option in options:
            if isinstance(option, dict):
                if not str(option.get("value", "")).strip():
                    return "every option needs a value"
            elif not isinstance(option, str) or not option.strip():
                return "every option needs a value"
        values = option_values(config)
        twice = sorted({v for v in values if values.count(v) > 1})
        if twice:
            return f"the option {twice[0]!r} is listed twice"
        if kind is CustomFieldType.MULTI_SELECT and config.get("max_selected") is not None:
            most = config["max_selected"]
            if not (isinstance(most, int) and not isinstance(most, bool) and 1 <= most):
                return "max_selected must be a whole number, 1 or more"
    elif kind is CustomFieldType.NUMBER:
        if "integer" in config and not isinstance(config["integer"], bool):
            return "integer must be true or false"
        return _range(config, "min", "max")
    elif kind is CustomFieldType.CURRENCY:
        code = config.get("currency")
        if code is not None:
            if not isinstance(code, str):
                return "currency must be an ISO 4217 code such as EUR"
            try:
                exponent(code.upper())
            except UnknownCurrency:
                return f"{code!r} is not an ISO 4217 currency code (e.g. EUR, USD, JPY)"
        problem = _range(config, "min", "max", kind="count")
        if problem:
            return problem.replace("whole number", "whole number of minor units")
    elif kind is CustomFieldType.LINK:
        target = config.get("target")
        if target not in {t.value for t in RecordType}:
            return "a link needs the record type it points to: contact, company or deal"
    elif kind is CustomFieldType.TEXT:
        problem = _range(config, "min_length", "max_length", kind="count")
        if problem:
            return problem
        pattern = config.get("pattern")
        if pattern is not None:
            if not isinstance(pattern, str):
                return "pattern must be text (a regular expression)"
            try:
                re.compile(pattern)
            except re.error as exc:
                return f"the pattern is not a regular expression ({exc})"
    elif kind is CustomFieldType.DATE:
        return _range(config, "min", "max", kind="date")
    elif kind is CustomFieldType.URL:
        schemes = config.get("schemes")
        if schemes is not None and (not isinstance(schemes, list) or not all(isinstance(s, str) and s for s in schemes)):
            return "schemes must be a list such as [\"https\"]"
    return None

"""A pydantic validation failure as a person reads it: the field's label and the rule broken.

Models raise `ValidationError`s listing every failure with pydantic's wording; screens and the
store show one line instead, `Label: reason` (the `InvalidInput` / `CustomFieldError` pattern).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError

from .records import FIELD_LABELS


def first_problem(exc: ValidationError) -> tuple[str, str]:
    """(label of the first failing field, why it failed)."""
    error = exc.errors()[0]
    # Row-level text checks name their field in the error's context (see models/base.py).
    field = (error.get("ctx") or {}).get("field") or ".".join(str(part) for part in error["loc"]) or "value"
    return FIELD_LABELS.get(field, field), error["msg"].removeprefix("Value error, ")


def describe(exc: ValidationError) -> str:
    label, reason = first_problem(exc)
    return f"{label}: {reason}"


def field_problem(model: type[BaseModel], name: str, value: Any) -> str | None:
    """Why `model` would refuse `value` for its field `name` — its own rules, nothing else — or
    None. Lets a dialog refuse a value before it closes, with what was typed still in it."""
    probe = model.model_construct()
    try:
        setattr(probe, name, value)  # row models validate assignments
    except ValidationError as exc:
        return first_problem(exc)[1]
    return None

"""Reading models back from the cache: what is stored is shown, even where a form would refuse it.

The models' validators are rules for what a person types: an email address must be one, a name
must not be empty, a currency must be an ISO 4217 code, a stage's probability at most 100. Rows
that arrive from the server were written by the web app, an import or an automation, which may
not share those rules; the cache holds them as the server does (store/server_apply.py). Reading
such a row must never fail, so every read of a stored row goes through :func:`read_stored`:

1. the strict model first (the common case: the row passes, at the cost of one validation);
2. when that fails, each field is taken by its bare type — the annotation without its
   constraints and validators (`str`, `Decimal | None`, an enum) — so an invalid email stays the
   text it is, a probability of 150 stays 150, tags keep their case; a value that does not even
   have the field's type (an unknown enum value, a NULL in a text field) takes the field's
   default; a required field without one makes the row unreadable (:class:`UnreadableRow`),
   which list queries skip and single-row reads report as not found.

`checked` names the fields that must pass the strict model anyway — the ones a person is
changing right now (an edit of a contact's name validates the name, not the email the web app
stored); a failure in one of them raises the strict ValidationError as always.
"""

from __future__ import annotations

import logging
from enum import Enum
from functools import lru_cache
from typing import Any, Iterable, Mapping, TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError
from pydantic_core import PydanticUndefined

log = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)


class UnreadableRow(ValueError):
    """A stored row lacks a value its model cannot do without (e.g. a board of an unknown
    record type): it cannot be shown at all."""


def read_stored(model: type[M], data: Mapping[str, Any], *, checked: Iterable[str] = ()) -> M:
    """`model` from stored `data`: strict when it can be, else as stored (see the module)."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        failed = failed_fields(exc)
        strict = set(checked)
        if failed is None or failed & strict:
            raise
        if not strict:
            return _as_stored(model, data)
        return _checked_with_stored(model, data, failed, strict)


def _checked_with_stored(model: type[M], data: Mapping[str, Any], failed: set[str], strict: set[str]) -> M:
    """The strict model of `data` without the stored values that fail it (each left out for its
    default, or replaced by a stand-in that passes), then those values put back as stored: the
    fields a person is changing are validated and normalised exactly as always. (One failure
    can hide another — the text check runs first — so this repeats until the rest passes.)"""
    probe = dict(data)
    for _ in range(len(model.model_fields) + 1):
        for name in failed:
            info = model.model_fields.get(name)
            if info is None or info.default is not PydanticUndefined or info.default_factory is not None:
                probe.pop(name, None)
                continue
            stand_in = _stand_in(info.annotation)
            if stand_in is None:
                raise UnreadableRow(f"{model.__name__}.{name} holds {data.get(name)!r}, which it cannot show")
            probe[name] = stand_in
        try:
            result = model.model_validate(probe)
            break
        except ValidationError as exc:
            more = failed_fields(exc)
            if more is None or more & strict or more <= failed:
                raise  # about a field the person is changing (or not about a field)
            failed = failed | more
    else:  # pragma: no cover - each round adds a field, so the loop ends before this
        raise UnreadableRow(f"{model.__name__}: the stored row cannot be read")
    stored = _as_stored(model, data)
    for name in failed:
        if name in model.model_fields:
            result.__dict__[name] = getattr(stored, name)
    return result


def _stand_in(annotation: Any) -> Any:
    """A value of a required field's type that its rules accept, or None."""
    if annotation is str:
        return "x"
    if annotation is int:
        return 0
    members = list(annotation) if isinstance(annotation, type) and issubclass(annotation, Enum) else []
    return members[0] if members else None


def failed_fields(exc: ValidationError) -> set[str] | None:
    """The top-level fields a validation error is about (None when one is not about a field)."""
    names: set[str] = set()
    for error in exc.errors():
        location = error.get("loc") or ()
        if location:
            names.add(str(location[0]))
            continue
        field = (error.get("ctx") or {}).get("field")  # a model-level check names its field
        if field is None:
            return None
        names.add(str(field))
    return names


def _as_stored(model: type[M], data: Mapping[str, Any]) -> M:
    values: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        key = info.alias or name
        if key not in data:
            continue  # the default applies
        raw = data[key]
        try:
            values[name] = _bare(model, name).validate_python(raw)
        except ValidationError:
            if info.default is PydanticUndefined and info.default_factory is None:
                raise UnreadableRow(f"{model.__name__}.{name} holds {raw!r}, which it cannot show") from None
            log.debug("%s.%s: stored value %r read as the default", model.__name__, name, raw)
    for name, info in model.model_fields.items():
        if name not in values and info.default is PydanticUndefined and info.default_factory is None:
            raise UnreadableRow(f"{model.__name__}.{name} is missing")
    return model.model_construct(**values)


@lru_cache(maxsize=None)
def _bare(model: type[BaseModel], name: str) -> TypeAdapter:
    """The field's type without its constraints or validators."""
    return TypeAdapter(model.model_fields[name].annotation)

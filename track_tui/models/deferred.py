"""The validators start-up leaves unbuilt, and building them once the first screen is up.

Every pydantic model of Track is declared with `defer_build`: pydantic then builds a model's
validator the first time it is used instead of when its class is made. Start-up imports the
models of every feature (the store's mixins need them) but uses few of them; building them all
at import cost tens of milliseconds before the first frame. Once the board is drawn the app
builds the rest (:func:`build_deferred`, in a worker thread), so a first key pays nothing.

A screen may use a model while the worker builds it. That is safe because pydantic (2.14 and
newer, the floor in pyproject.toml) serialises ``model_rebuild`` behind one lock and re-checks
completeness inside it; older releases could hand the other thread the parent's validator.
"""

from __future__ import annotations

from pydantic import BaseModel

PACKAGE = "track_tui"


def _subclasses(base: type[BaseModel]) -> list[type[BaseModel]]:
    found, stack = [], [base]
    while stack:
        for sub in stack.pop().__subclasses__():
            if sub not in found:
                found.append(sub)
                stack.append(sub)
    return found


def unbuilt_models() -> list[type[BaseModel]]:
    """Track's model classes imported so far whose validator is not built yet."""
    return [
        model for model in _subclasses(BaseModel)
        if model.__module__.split(".")[0] == PACKAGE and not model.__pydantic_complete__
    ]


def build_deferred() -> int:
    """Build every validator that was deferred (models and the automation rule parsers).
    Returns how many models were built."""
    from .automation_rules import build_parsers

    models = unbuilt_models()
    for model in models:
        model.model_rebuild()
    build_parsers()
    return len(models)

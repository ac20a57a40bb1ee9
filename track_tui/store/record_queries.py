"""Queries and actions of the record pages (fields, relations, timeline)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .store import Store


class RecordQueries:
    """Mixed into :class:`Store`; `self` is the store."""

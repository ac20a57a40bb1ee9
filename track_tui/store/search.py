"""Local full-text search over the search documents (word index, then trigram fallback)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .store import Store


class SearchQueries:
    """Mixed into :class:`Store`; `self` is the store."""

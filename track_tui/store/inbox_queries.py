"""Queries and actions of the task inbox (My Work)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .store import Store


class InboxQueries:
    """Mixed into :class:`Store`; `self` is the store."""

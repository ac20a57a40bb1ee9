"""Messages the app posts to its screens."""

from __future__ import annotations

from textual.message import Message

from .store.changes import ChangeSet


class StoreChanged(Message):
    """The store committed a transaction; `changes` says which rows of which tables."""

    def __init__(self, changes: ChangeSet) -> None:
        super().__init__()
        self.changes = changes

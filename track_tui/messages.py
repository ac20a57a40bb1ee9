"""Messages the app posts to itself and to its screens.

Neither bubbles: the app hands each screen its own copy, and a screen's copy must not come
back up to the app (which would hand it out again).
"""

from __future__ import annotations

from textual.message import Message

from .store import WriteEvent
from .store.changes import ChangeSet
from .sync.status import SyncStatus


class StoreChanged(Message, bubble=False):
    """The store committed a transaction; `changes` says which rows of which tables, and whose."""

    def __init__(self, changes: ChangeSet) -> None:
        super().__init__()
        self.changes = changes


class WriteStatus(Message, bubble=False):
    """News of writes that waited for another process: waiting, saved or failed."""

    def __init__(self, event: WriteEvent) -> None:
        super().__init__()
        self.event = event


class SyncStatusChanged(Message, bubble=False):
    """The sync engine has news (posted from its thread through the wiring): the app's one
    status follows it, and every status line with it."""

    def __init__(self, status: SyncStatus) -> None:
        super().__init__()
        self.status = status

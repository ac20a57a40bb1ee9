"""The local SQLite cache: schema, the single write path, screen queries and search.

Never imports Textual (checked by a test).
"""

from .background import WriteEvent
from .changes import ChangeSet, Origin
from .database import CacheCorrupt, CacheError, CacheInaccessible, CacheTooNew, NotACache, ReadOnlyCache, move_aside
from .errors import CacheBusy, ChangedElsewhere, InvalidInput, NotFound
from .permissions import Action, NotAllowed
from .store import Store, system_clock

__all__ = [
    "Action", "CacheBusy", "CacheCorrupt", "CacheError", "CacheInaccessible", "CacheTooNew", "ChangeSet",
    "ChangedElsewhere", "InvalidInput", "NotACache", "NotAllowed", "NotFound", "Origin", "ReadOnlyCache", "Store",
    "WriteEvent", "move_aside", "system_clock",
]

"""The local SQLite cache: schema, the single write path, screen queries and search.

Never imports Textual (checked by a test).
"""

from .changes import ChangeSet
from .database import CacheCorrupt, CacheError, CacheInaccessible, CacheTooNew, NotACache, ReadOnlyCache, move_aside
from .mutations import InvalidInput
from .permissions import Action, NotAllowed
from .store import Store, system_clock
from .writes import NotFound

__all__ = [
    "Action", "CacheCorrupt", "CacheError", "CacheInaccessible", "CacheTooNew", "ChangeSet", "InvalidInput",
    "NotACache", "NotAllowed", "NotFound", "ReadOnlyCache", "Store", "move_aside", "system_clock",
]

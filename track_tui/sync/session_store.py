"""The signed-in session, kept in one file per project that only its owner can read.

supabase-py's auth client persists its session through an ``AsyncSupportedStorage``
(``get_item``/``set_item``/``remove_item`` of string values; the session is the JSON of
``Session`` under ``"supabase.auth.token"``). :class:`SessionFile` implements those methods over
a JSON file ``{"version": 1, "items": {key: value}}`` (``client.FileSessionStorage`` adds the
library's base class, so this module and start-up never import supabase-py):

* mode 0600 in a 0700 directory under the platform's *state* directory (``paths.session_file``),
  never in the config file (people share config files; a refresh token is a password), written
  atomically (:mod:`.private_file`);
* re-read on every ``get_item``: the TUI and a ``track sync --watch`` in another terminal share
  the file, and whichever refreshes first rotates the refresh token; the other then reads the
  new session instead of spending the old token a second time. Two writers of the same key
  simply leave the later session (both are valid: Supabase Auth hands the same child token to
  a parent used twice within its reuse interval);
* unreadable or malformed content counts as "no session" (sign in again), never as a crash, and
  the library's ``remove_item`` then clears the bad file away.

The values are never printed or logged: ``repr`` shows only the path.
"""

from __future__ import annotations

import threading
from pathlib import Path

from . import private_file

SESSION_KEY = "supabase.auth.token"  # supabase_auth.constants.STORAGE_KEY


def read_items(path: Path) -> dict[str, str]:
    data = private_file.read_json(path)
    items = data.get("items") if isinstance(data, dict) else None
    if not isinstance(items, dict):
        return {}
    return {k: v for k, v in items.items() if isinstance(k, str) and isinstance(v, str)}


def write_items(path: Path, items: dict[str, str]) -> None:
    if items:
        private_file.write_json(path, {"version": 1, "items": items})
    else:
        private_file.delete(path)


class SessionFile:
    """The project's session file, with supabase-py's storage methods (see the module doc)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()  # one read-modify-write at a time inside this process

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self.path)!r})"

    async def get_item(self, key: str) -> str | None:
        return read_items(self.path).get(key)

    async def set_item(self, key: str, value: str) -> None:
        with self._lock:
            items = read_items(self.path)
            items[key] = value
            write_items(self.path, items)

    async def remove_item(self, key: str) -> None:
        with self._lock:
            items = read_items(self.path)
            items.pop(key, None)
            write_items(self.path, items)  # also clears away a file that could not be read

    # -- without an event loop (status, offline start-up) ---------------------------------------

    def session_json(self) -> str | None:
        return read_items(self.path).get(SESSION_KEY)

    def delete(self) -> bool:
        with self._lock:
            return private_file.delete(self.path)

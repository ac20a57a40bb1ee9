"""The theme a person picked in the command palette, remembered for the next start.

Why a state file and not the config file: the config file is the person's own text (comments,
order); the app never rewrites it for a passing choice. The pick goes to ``theme.json`` in the
platform's state directory (:func:`track_tui.paths.theme_file`), with the configured theme it
replaced. At start the pick is used only while the configured theme (config file or
``TRACK_THEME``) is still the one it replaced: a theme set in the config *after* the pick is
the newer wish and wins.

Reading tolerates anything: a missing, unreadable or malformed file, or a theme this Textual
does not have, reads as "no pick" and the configured theme is used. Nothing here imports
Textual: the caller passes the names of the themes it has.
"""

from __future__ import annotations

from pathlib import Path
from typing import Collection

from .sync import private_file


def starting_theme(path: Path | None, configured: str, available: Collection[str]) -> str:
    """The theme to start with: the remembered pick if it still applies, else `configured`."""
    if path is None:
        return configured
    stored = private_file.read_json(path)
    if not isinstance(stored, dict):
        return configured
    picked, replaced = stored.get("theme"), stored.get("configured")
    if isinstance(picked, str) and picked in available and replaced == configured:
        return picked
    return configured


def remember(path: Path, picked: str, configured: str) -> None:
    """Keep `picked` for the next start (it replaces `configured`). Raises
    :class:`~track_tui.sync.private_file.PrivateFileError` with the path when it cannot be
    written (a read-only or full disk)."""
    if picked == configured:
        private_file.delete(path)  # back to the configured theme: nothing to remember
    else:
        private_file.write_json(path, {"theme": picked, "configured": configured})

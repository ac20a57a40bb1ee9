"""Writing the ``[supabase]`` table into the config file without disturbing the rest of it.

tomlkit edits the document in place, so the person's comments, ordering and other settings stay
as they wrote them; only ``supabase.url`` and ``supabase.anon_key`` are set. The new text is
checked by parsing it back, then replaces the file atomically (same directory, ``os.replace``),
keeping the file's permissions. The anon key is a public key (it is shipped inside every web
app of the project), so it may live in the config file; the session never does.
"""

from __future__ import annotations

import os
import stat
import tempfile
import tomllib
from pathlib import Path


class ConfigWriteError(Exception):
    """The config file could not be updated; the message names the file and why."""


def save_project(path: Path, url: str, anon_key: str) -> None:
    import tomlkit
    from tomlkit.exceptions import TOMLKitError

    try:
        text = path.read_text(encoding="utf-8") if path.exists() else ""
    except OSError as exc:
        raise ConfigWriteError(f"{path}: cannot be read ({exc.strerror})") from None
    try:
        document = tomlkit.parse(text)
    except TOMLKitError as exc:
        raise ConfigWriteError(f"{path}: not valid TOML, left unchanged — {exc}") from None
    table = document.get("supabase")
    if table is None:
        table = tomlkit.table()
        document["supabase"] = table
    elif not isinstance(table, dict):
        raise ConfigWriteError(f"{path}: 'supabase' is not a table; left unchanged")
    table["url"] = url
    table["anon_key"] = anon_key
    new_text = tomlkit.dumps(document)
    tomllib.loads(new_text)  # never write a file we could not read back
    try:
        mode = stat.S_IMODE(path.stat().st_mode) if path.exists() else 0o600
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".config-", suffix=".toml", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                os.fchmod(handle.fileno(), mode)
                handle.write(new_text)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, path)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
    except OSError as exc:
        raise ConfigWriteError(f"{path}: cannot be written ({exc.strerror}); left unchanged") from None

"""Small private JSON files (the session, the remembered workspace): mode 0600 in a 0700
directory, replaced atomically (temporary file in the same directory, fsync, ``os.replace``) so
a crash or a second process never sees half a file. Reading tolerates anything: a missing,
unreadable or malformed file reads as None, and looser permissions are tightened."""

from __future__ import annotations

import json
import os
import stat
import tempfile
from pathlib import Path
from typing import Any

FILE_MODE = 0o600
DIR_MODE = 0o700
MAX_BYTES = 1_000_000


class PrivateFileError(OSError):
    """The file cannot be written or deleted (read-only or full disk); the message says where."""


def ensure_private_dir(folder: Path) -> None:
    folder.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    try:
        if stat.S_IMODE(folder.stat().st_mode) & 0o077:
            folder.chmod(DIR_MODE)
    except OSError:
        pass


def read_json(path: Path) -> Any:
    """The file's JSON value, or None when it is missing, unreadable or malformed."""
    try:
        with open(path, "rb") as handle:
            mode = stat.S_IMODE(os.fstat(handle.fileno()).st_mode)
            raw = handle.read(MAX_BYTES)
        if mode & 0o077:
            os.chmod(path, FILE_MODE)
    except OSError:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return None


def write_json(path: Path, value: Any) -> None:
    """Replace `path` atomically with `value` as JSON, readable by its owner only."""
    try:
        ensure_private_dir(path.parent)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}-", suffix=".tmp", dir=path.parent)  # 0600
    except OSError as exc:
        raise PrivateFileError(exc.errno, f"cannot write {path}: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            os.fchmod(handle.fileno(), FILE_MODE)
            json.dump(value, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise PrivateFileError(exc.errno, f"cannot write {path}: {exc.strerror}") from None


def delete(path: Path) -> bool:
    """Delete the file; True when there was one."""
    try:
        path.unlink()
        return True
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise PrivateFileError(exc.errno, f"cannot delete {path}: {exc.strerror}") from None

"""Drafts: what someone typed in a dialog and has not saved yet, kept in a file of its own.

A note written for ten minutes must not vanish because the dialog closed (a stray Esc, the
terminal window shut, the app stopped by a signal, a crash). Every dialog with a draft slot
writes what it holds here shortly after each change and once more when it closes without saving;
the next time the same dialog opens for the same record and field it starts from the draft and
says so. Saving, or confirming a discard, removes the draft.

The file is `drafts.json` in the state directory (platformdirs, `$TRACK_STATE_DIR` overrides),
mode 0600 (notes are private), written whole to a temporary file and renamed, so a crash
mid-write leaves the previous version. It lives outside the SQLite cache on purpose: a draft must
be kept even while another process holds the cache's write lock, and it never syncs.
A damaged or unreadable file is set aside (never a crash) and drafting carries on with a new one.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from . import paths

MAX_DRAFTS = 200  # the oldest go first; a draft is a safety net, not an archive


@dataclass(frozen=True)
class Draft:
    values: dict[str, str]  # field id → text, as the dialog held it
    saved_at: datetime


def drafts_file() -> Path:
    return paths.state_dir() / "drafts.json"


def draft_key(*parts: object) -> str:
    """One key per record and field, e.g. draft_key("deal", deal_id, "note")."""
    return ":".join(str(getattr(part, "value", part)) for part in parts)


class Drafts:
    """The drafts file. Every method is safe to call at any time: a file that cannot be read
    or written costs the draft, never the dialog (the error is kept in `problem`)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path if path is not None else drafts_file()
        self.problem: str | None = None

    def _load(self) -> dict[str, dict]:
        try:
            raw = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        except OSError as exc:
            self.problem = f"drafts cannot be read: {exc.strerror or exc}"
            return {}
        try:
            data = json.loads(raw)
            if not isinstance(data, dict):
                raise ValueError("not an object")
            return {k: v for k, v in data.items() if isinstance(v, dict) and isinstance(v.get("values"), dict)}
        except ValueError:
            try:  # keep the damaged file for a person to look at; start a new one
                self.path.replace(self.path.with_suffix(".damaged.json"))
            except OSError:
                pass
            return {}

    def _write(self, data: dict[str, dict]) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            handle, temporary = tempfile.mkstemp(prefix=".drafts-", dir=self.path.parent)
            try:
                with os.fdopen(handle, "w", encoding="ascii") as out:
                    json.dump(data, out)  # ASCII escapes: any text (even a lone surrogate) round-trips
                os.chmod(temporary, 0o600)
                os.replace(temporary, self.path)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
            self.problem = None
        except OSError as exc:
            self.problem = f"the draft could not be kept: {exc.strerror or exc}"

    def get(self, key: str) -> Draft | None:
        entry = self._load().get(key)
        if entry is None:
            return None
        values = {str(k): v for k, v in entry["values"].items() if isinstance(v, str)}
        try:
            saved_at = datetime.fromisoformat(str(entry.get("saved_at")))
        except ValueError:
            saved_at = datetime.now(timezone.utc)
        return Draft(values, saved_at) if values else None

    def put(self, key: str, values: dict[str, str], now: datetime | None = None) -> None:
        data = self._load()
        data.pop(key, None)
        data[key] = {"values": values, "saved_at": (now or datetime.now(timezone.utc)).isoformat()}
        while len(data) > MAX_DRAFTS:
            data.pop(next(iter(data)))
        self._write(data)

    def drop(self, key: str) -> None:
        data = self._load()
        if data.pop(key, None) is not None:
            self._write(data)

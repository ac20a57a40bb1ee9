"""`track status` prints names from the server (the workspace's, the account's email) and the
server's words: in text each is one safe line; `--json` escapes every control character (it is
read back as data, so it keeps them, as JSON escapes, and writes none)."""

from __future__ import annotations

import argparse
import json

from tests.support.poisoned_workspace import PAYLOADS
from track_tui import account_cli
from track_tui.safe_text import is_safe

HOSTILE = "".join(PAYLOADS) + "\nforged line"


def _report() -> dict:
    return {"project_url": "https://example.invalid", "signed_in": True, "email": HOSTILE, "user_id": "u1",
            "session_expires_at": "2026-12-01T15:00:00+00:00", "server": "error",
            "workspace": {"id": "w1", "name": HOSTILE, "role": "member"}, "cache_file": "/tmp/w1.sqlite3"}


def test_status_text_prints_only_safe_lines(capsys) -> None:
    account_cli._print_status(argparse.Namespace(json=False), _report(), note=HOSTILE)
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert all(is_safe(line) for line in lines), out
    assert not any(line.startswith("forged line") for line in lines)
    assert any(line.startswith("Workspace: ␛]52;c;SGVsbG8=␇") for line in lines)
    assert any(line.startswith("Server:    ␛]52;c;SGVsbG8=␇") for line in lines)


def test_status_json_writes_no_control_character_and_keeps_the_text(capsys) -> None:
    account_cli._print_status(argparse.Namespace(json=True), _report(), note=HOSTILE)
    out = capsys.readouterr().out
    assert out.isascii() and is_safe(out.rstrip("\n"))
    report = json.loads(out)
    assert report["workspace"]["name"] == HOSTILE and report["note"] == HOSTILE

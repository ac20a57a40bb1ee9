"""Two first starts at the same moment (two terminals opened together) both end up on the same,
complete demo workspace; today both crashed."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.support.terminal import BOARD_DRAWN, Terminal, quiet_environment, track_command


def test_two_first_starts_at_once_share_one_demo_workspace(tmp_path: Path) -> None:
    # Big enough that the two builds overlap (each takes a second or more).
    env = quiet_environment(tmp_path, TRACK_DEMO_DEALS="3000")
    first = Terminal(track_command(), env=env, cwd=tmp_path)
    second = Terminal(track_command(), env=env, cwd=tmp_path)
    with first, second:
        for term in (first, second):
            assert term.wait_for_text(BOARD_DRAWN, timeout=60), term.text()[-2000:]
        for term in (first, second):
            term.send(b"q")
        assert first.exit_status() == 0 and second.exit_status() == 0
    for term in (first, second):
        assert "Traceback" not in term.text() and "locked" not in term.text()
    folder = tmp_path / "data" / "track-tui"
    assert sorted(p.name for p in folder.iterdir()) == ["demo.sqlite3"]  # nothing half-built left
    conn = sqlite3.connect(folder / "demo.sqlite3")
    try:
        assert conn.execute("SELECT count(*) FROM workspaces").fetchone()[0] == 1
        assert conn.execute("SELECT count(*) FROM deals").fetchone()[0] == 3000
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()

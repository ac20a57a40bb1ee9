"""Signals in a real terminal: the app leaves the terminal as it found it, closes the cache
and removes the throwaway demo, and exits with the status a shell expects."""

from __future__ import annotations

import os
import signal
import sqlite3
import time
from pathlib import Path

import pytest

from tests.support.terminal import (
    ALT_SCREEN_ON, BOARD_DRAWN, Terminal, left_terminal_clean, quiet_environment, track_command,
)


def stopped(pid: int) -> bool:
    """The process is stopped (state T in /proc), as job control sees it."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    return stat[stat.rindex(")") + 2] == "T"


def throwaway_folders(home: Path) -> list[Path]:
    return sorted((home / "tmp").glob("track-demo-*"))


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGINT],
                         ids=lambda s: signal.Signals(s).name)
def test_a_signal_restores_the_terminal_and_removes_the_throwaway_demo(tmp_path: Path, signum: int) -> None:
    with Terminal(track_command("--demo"), env=quiet_environment(tmp_path), cwd=tmp_path) as term:
        assert term.wait_for_text(BOARD_DRAWN), term.text()[-2000:]
        [folder] = throwaway_folders(tmp_path)
        assert (folder / "demo.sqlite3").exists()
        drawn = len(term.output)
        term.signal(signum)
        status = term.exit_status()
    assert status == 128 + signum
    assert left_terminal_clean(bytes(term.output)), term.since(drawn)[-400:]
    assert ALT_SCREEN_ON in bytes(term.output[:drawn])  # it had been in the alternate screen
    assert throwaway_folders(tmp_path) == []
    assert "Traceback" not in term.text()


def test_a_dropped_connection_ends_the_app_and_cleans_up(tmp_path: Path) -> None:
    """An SSH link dropping: the terminal itself goes away (the kernel sends SIGHUP), so
    restoring it fails; the app must still exit promptly and remove its files."""
    term = Terminal(track_command("--demo"), env=quiet_environment(tmp_path), cwd=tmp_path)
    try:
        assert term.wait_for_text(BOARD_DRAWN), term.text()[-2000:]
        assert len(throwaway_folders(tmp_path)) == 1
        os.close(term.master)
        status = term.process.wait(15)
    finally:
        if term.process.poll() is None:
            term.process.kill()
    assert status == 128 + signal.SIGHUP
    assert throwaway_folders(tmp_path) == []


def test_a_signal_during_start_up_cleans_up_too(tmp_path: Path) -> None:
    """While the demo is still being built (before the app runs), a signal unwinds through the
    same clean-up: no half-built file, no throwaway folder."""
    env = quiet_environment(tmp_path, TRACK_DEMO_DEALS="30000")
    with Terminal(track_command("--demo"), env=env, cwd=tmp_path) as term:
        assert term.wait_for(lambda: any(f.glob(".demo.sqlite3.*.building") for f in throwaway_folders(tmp_path)),
                             timeout=20), term.text()[-2000:]
        term.signal(signal.SIGTERM)
        status = term.exit_status()
    assert status == 128 + signal.SIGTERM
    assert throwaway_folders(tmp_path) == []
    assert "Traceback" not in term.text()


def test_a_signal_right_after_a_write_leaves_a_sound_cache(tmp_path: Path) -> None:
    """The write in flight finishes (or never starts) as a whole: SQLite's transaction is atomic
    and the process leaves through the path that closes the store."""
    cache = tmp_path / "work.sqlite3"
    env = quiet_environment(tmp_path)
    with Terminal(track_command("--cache", str(cache)), env=env, cwd=tmp_path) as term:
        assert term.wait_for_text(BOARD_DRAWN), term.text()[-2000:]
        term.send(b"L")
        time.sleep(0.05)
        term.signal(signal.SIGTERM)
        assert term.exit_status() == 128 + signal.SIGTERM
    assert not Path(f"{cache}-wal").exists()  # closed cleanly: the WAL folded back in
    conn = sqlite3.connect(cache)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        # A move writes the card, its timeline entry and their outbox rows in one transaction:
        # all of them or none, never some.
        cards = conn.execute("SELECT count(*) FROM outbox WHERE table_name = 'board_cards'").fetchone()[0]
        entries = conn.execute(
            "SELECT count(*) FROM outbox o JOIN timeline_entries t ON t.id = o.row_id "
            "WHERE o.table_name = 'timeline_entries' AND t.entry_type = 'stage_change'").fetchone()[0]
        assert cards == entries <= 1
    finally:
        conn.close()


def test_suspend_and_resume_still_work(tmp_path: Path) -> None:
    """SIGCONT resumes the app only after a SIGTSTP suspended it (the hang-up fix in
    track_tui/textual_fixes.py must not break ctrl+z / fg)."""
    with Terminal(track_command("--demo"), env=quiet_environment(tmp_path), cwd=tmp_path) as term:
        assert term.wait_for_text(BOARD_DRAWN), term.text()[-2000:]
        mark = len(term.output)
        term.signal(signal.SIGTSTP)
        assert term.wait_for(lambda: b"\x1b[?1049l" in term.since(mark), timeout=10)  # left for the shell
        assert term.wait_for(lambda: stopped(term.process.pid), timeout=10)  # as a shell's `fg` would wait
        resumed = len(term.output)
        term.signal(signal.SIGCONT)
        assert term.wait_for(lambda: ALT_SCREEN_ON in term.since(resumed), timeout=10)  # and back
        term.send(b"q")
        assert term.exit_status() == 0
    assert throwaway_folders(tmp_path) == []

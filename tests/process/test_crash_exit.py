"""A real crash, in a real process: the terminal is restored, one line names the log, and the
exit status says it failed (it was 0)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.support.terminal import ALT_SCREEN_OFF, Terminal, left_terminal_clean, quiet_environment

pytestmark = pytest.mark.app_errors


def crash_on_start(cache: str) -> int:
    """In the child: the board cannot be built; then the real command line runs."""
    from track_tui import cli
    from track_tui.screens.board import BoardScreen

    def broken_compose(self):
        raise RuntimeError("the board fell over")

    BoardScreen.compose = broken_compose  # type: ignore[method-assign]
    return cli.main(["--cache", cache])


def test_a_crash_exits_70_with_one_line_pointing_at_the_log(tmp_path: Path) -> None:
    env = quiet_environment(tmp_path)
    cache = tmp_path / "cache.sqlite3"
    with Terminal.forked(lambda: crash_on_start(str(cache)), env=env) as term:
        status = term.exit_status(timeout=30)
    assert status == 70
    output = bytes(term.output)
    assert left_terminal_clean(output)
    after = output[output.rfind(ALT_SCREEN_OFF):].decode("utf-8", "replace")
    after = re.sub(r"\x1b\[[0-?]*[ -/]*[@-~]", "", after).replace("\r", "")
    lines = [line for line in after.splitlines() if line.strip()]
    log = tmp_path / "state" / "track-tui" / "log" / "track.log"
    assert lines == [f"track: crashed (RuntimeError: the board fell over); details are in {log}"]
    text = log.read_text(encoding="utf-8")
    assert "Traceback (most recent call last)" in text and "in broken_compose" in text

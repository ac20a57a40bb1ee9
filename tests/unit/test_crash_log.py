"""The error log: where it is, what it holds, that it stays small, and that failing to write it
never becomes a second failure (nor a line on the terminal)."""

from __future__ import annotations

from pathlib import Path

import pytest

from track_tui import crash_log, paths

pytestmark = pytest.mark.app_errors  # these write the log on purpose


@pytest.fixture
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    return tmp_path / "state"


def boom() -> ValueError:
    try:
        raise ValueError("bad \x1b[2J value")
    except ValueError as error:
        return error


def test_the_log_is_in_the_platform_log_folder(state: Path) -> None:
    assert paths.log_dir() == state / "track-tui" / "log"
    assert paths.log_file() == state / "track-tui" / "log" / "track.log"
    assert not paths.log_dir().exists()  # asking does not create it


def test_an_error_is_written_with_its_traceback_escaped_and_private(state: Path, capsys) -> None:
    written = crash_log.record("Saving failed", boom())
    assert written == paths.log_file()
    text = written.read_text(encoding="utf-8")
    assert "ERROR Saving failed" in text and "Traceback (most recent call last)" in text and "in boom" in text
    assert "ValueError: bad \\x1b[2J value" in text and "\x1b" not in text
    assert written.stat().st_mode & 0o777 == 0o600
    assert written.parent.stat().st_mode & 0o077 == 0
    assert capsys.readouterr() == ("", "")  # nothing reaches the terminal


def test_the_log_rotates_and_never_grows_past_its_limit(state: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(crash_log, "MAX_BYTES", 4000)
    for i in range(200):
        crash_log.record(f"failure {i} " + "x" * 100, boom())
    logs = sorted(paths.log_dir().iterdir())
    assert [p.name for p in logs] == ["track.log", "track.log.1", "track.log.2", "track.log.3"]
    assert all(p.stat().st_size <= 4000 + 2000 for p in logs)  # one entry may cross the mark
    assert "failure 199" in paths.log_file().read_text(encoding="utf-8")


def test_an_unwritable_log_folder_is_no_second_failure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    (tmp_path / "state").write_text("a file where the folder should be")
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    assert crash_log.record("Saving failed", boom()) is None
    assert capsys.readouterr() == ("", "")


def test_one_line_is_short_and_safe() -> None:
    line = crash_log.one_line("first\nsecond\t\x1b]0;title\x07 \u202eevil " + "y" * 400)
    assert "\n" not in line and "\x1b" not in line and "\x07" not in line and "\u202e" not in line
    assert line.startswith("first second \ufffd]0;title\ufffd \ufffdevil")
    assert len(line) == 300 and line.endswith("…")
    assert crash_log.describe(KeyError("k")) == "KeyError: 'k'"
    assert crash_log.describe(RuntimeError()) == "RuntimeError"

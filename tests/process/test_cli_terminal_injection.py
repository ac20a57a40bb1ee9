"""`track export` and `track import` over a poisoned workspace and file (issue 9, part 1).

The rule (README, "Exporting and importing"): what goes to a file or a pipe is data and stays
exact, control characters and all — a CSV read back, a JSON document parsed, must hold what the
workspace holds. What goes to a terminal is drawn, not stored: there every control character is
shown as a visible symbol (`safe_block`, newlines kept). Messages and import reports are always
drawn (`safe_line`), wherever they go, since nothing reads them back as data.

Each command runs for real with its standard output and error on a pseudo-terminal, and every
byte it writes is read.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.poisoned_workspace import (
    PAYLOADS, POISONED_CSV_NAME, build_poisoned_workspace, visible_forms, write_poisoned_csv,
)
from tests.support.terminal_session import TerminalSession, terminal_violations, visible_text

ROOT = Path(__file__).resolve().parents[2]
CONTROLS = [payload for payload in PAYLOADS if not payload.isprintable()]
# What Rich's progress bar writes on a terminal (standard error, while an import checks rows):
# back to the line's start and erase it, or one line up and erase it.
_PROGRESS = re.compile(r"\r(?:\x1b\[1A)?\x1b\[2K")


def _violations(output: str) -> list[str]:
    return terminal_violations(_PROGRESS.sub("", output))


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("poisoned-cli")
    cache = folder / "poisoned.sqlite3"
    build_poisoned_workspace(cache, deals=6)
    return cache


def _environment(home: Path) -> dict[str, str]:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home), "TERM": "xterm-256color",
           "LANG": "C.UTF-8", "TZ": "UTC", "PYTHONPATH": str(ROOT)}
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        env[name] = str(home / name.lower())
    return env


def _on_terminal(home: Path, *args: str) -> tuple[int, str]:
    """Run `track ARGS` with stdout and stderr on a pty; its exit code and every byte written."""
    session = TerminalSession([sys.executable, "-m", "track_tui.cli", *args], _environment(home))
    session.start()
    try:
        code = session.stop(b"", timeout=60)
    finally:
        session.kill()
    return code, session.output


def _piped(home: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "track_tui.cli", *args], env=_environment(home),
                          capture_output=True, timeout=60, check=False)


@pytest.mark.parametrize("kind", ["deals", "contacts", "companies", "tasks"])
@pytest.mark.parametrize("fmt", ["markdown", "csv", "json"])
def test_export_to_a_terminal_writes_no_control_code(workspace: Path, tmp_path: Path, kind: str, fmt: str) -> None:
    code, output = _on_terminal(tmp_path, "--cache", str(workspace), "export", kind, "--format", fmt)
    assert code == 0, output[-2000:]
    assert not _violations(output)
    drawn = visible_text(output)
    assert any(symbol in drawn for symbol in ("␛", "␇", "␈", "␍", "\ufffd")), "the poisoned text was exported"


def test_export_markdown_to_a_terminal_shows_every_payload_as_symbols(workspace: Path, tmp_path: Path) -> None:
    outputs = [_on_terminal(tmp_path, "--cache", str(workspace), "export", kind, "--format", "markdown")[1]
               for kind in ("deals", "contacts", "companies")]
    drawn = visible_text("".join(outputs))
    # (a Markdown cell is one line: CR is white space there and becomes a space, as a newline does)
    missing = [shown for payload, shown in visible_forms() if payload not in ("\r", *filter(str.isprintable, PAYLOADS))
               and shown not in drawn]
    assert not missing


def test_export_to_a_pipe_or_file_keeps_the_data_exact(workspace: Path, tmp_path: Path) -> None:
    piped = _piped(tmp_path, "--cache", str(workspace), "export", "deals", "--format", "csv")
    assert piped.returncode == 0, piped.stderr
    rows = list(csv.reader(io.StringIO(piped.stdout.decode("utf-8"), newline="")))
    cells = "".join(cell for row in rows for cell in row)
    assert [payload for payload in CONTROLS if payload not in cells] == []  # every one, as stored
    target = tmp_path / "deals.json"
    written = _piped(tmp_path, "--cache", str(workspace), "export", "deals", "-o", str(target))
    assert written.returncode == 0, written.stderr
    strings = "".join(_strings(json.loads(target.read_text(encoding="utf-8"))))
    assert [payload for payload in CONTROLS if payload not in strings] == []


def _strings(value: object):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def test_import_report_on_a_terminal_names_hostile_cells_as_symbols(workspace: Path, tmp_path: Path) -> None:
    file = write_poisoned_csv(tmp_path, POISONED_CSV_NAME)
    code, output = _on_terminal(tmp_path, "--cache", str(workspace), "import", "contacts", str(file), "--dry-run")
    assert code == 1, output[-2000:]  # bad rows: nothing imported, status 1
    assert not _violations(output)
    drawn = visible_text(output)
    assert "bad row" in drawn and "line 2" in drawn
    assert "poisoned␛]0;file␇.csv" in drawn  # the file's name, drawn
    assert "␛]52;c;SGVsbG8=␇␛]0;pwned␇DealNotes" in drawn  # a header no field matches, named


def test_import_refusals_on_a_terminal_are_drawn_safely(workspace: Path, tmp_path: Path) -> None:
    missing = tmp_path / "gone\x1b[2J\x07.csv"
    code, output = _on_terminal(tmp_path, "--cache", str(workspace), "import", "contacts", str(missing))
    assert code != 0
    assert not _violations(output)
    assert "gone␛[2J␇.csv" in visible_text(output)
    code, output = _on_terminal(tmp_path, "--cache", str(tmp_path / "no\x1b]0;t\x07.sqlite3"), "export", "deals")
    assert code != 0
    assert not _violations(output)
    assert "no␛]0;t␇.sqlite3" in visible_text(output)

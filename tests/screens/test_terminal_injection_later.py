"""Nothing from the data reaches the terminal as a control code: the screens that came after the
first walk (issue 9, part 1; `test_terminal_injection.py` walks the board, record, inbox and search).

The real `track` command runs on a pseudo-terminal over the poisoned workspace, with more poison:
outbox entries the server refused with hostile reasons (the failed-changes screen), saved views
with hostile names (the picker and the palette), and a CSV file with hostile headers and cells
(the import path prompt, the mapping screen, its field picker and the report of bad rows). The
walk visits the board's list view (and its export to a file) and swimlanes, the saved-view
picker, the palette's view and import lines, the failed-changes screen (opening a record, the
offline discard and retry notices), the import screen, the automations (list, run log, form), the
audit log and the workspace settings.

Two things are read: every byte the app wrote (nothing but Textual's own sequences, every
payload drawn as visible symbols), and the terminal guard's witness (`guard_witness.py`): the
lines the last line of defence had to repair, i.e. text a screen drew without `safe_line`. Both
must be empty. Each step waits for its screen's own words with a generous deadline (a loaded
machine draws slowly; nothing here is timed).
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest

from tests.support.poisoned_workspace import (
    PAYLOADS, add_failed_changes, build_poisoned_workspace, write_poisoned_csv, write_poisoned_views,
)
from tests.support.terminal_session import (
    TerminalSession, terminal_violations, visible_text, without_textual_writes,
)

ROOT = Path(__file__).resolve().parents[2]
ESC = "\x1b[27u"  # Escape as the kitty keyboard protocol sends it
CTRL_P = "\x10"
CTRL_U = "\x15"  # clears the prompt line, whether its text is selected or not
ENTER = "\r"
TAB = "\t"
CTRL_L = "\x0c"
BACK = "palette"  # in the key hints of every screen, in no dialog


def _environment(home: Path) -> dict[str, str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home), "TERM": "xterm-256color",
        "COLORTERM": "truecolor", "LANG": "C.UTF-8", "TZ": "UTC", "PYTHONPATH": str(ROOT),
        "TRACK_VIEWS_DIR": str(home / "views"),
    }
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        env[name] = str(home / name.lower())
    return env


def _walk_later_screens(session: TerminalSession, csv_file: Path) -> None:
    step = session.step
    step("board", "", expect=BACK)
    step("list view", "v", expect="Sort")
    step("list view: lanes", "g", expect="▼ ")  # an open lane's header
    step("list view: export prompt", "e", expect="picks the format")
    step("list view: exported", ENTER, expect="Exported")
    step("list view closed", "v", expect="Stage ▶")
    step("swimlanes", "S", expect="▼ ")  # an open lane's header
    step("swimlanes: cursor", "j")
    step("swimlanes closed", ESC, expect="Stage ▶")
    step("saved views", "'", expect="Enter opens")
    step("saved views closed", ESC, expect=BACK)
    step("palette: views", CTRL_P + "view", expect="saved views")
    step("palette: views closed", ESC, expect=BACK)
    step("failed changes", "!", expect="the server refused")
    step("failed changes: cursor", "j")
    step("failed changes: discard offline", "d", expect="Discard this change")
    step("failed changes: discard answered no", "n", expect="Retry all")
    step("failed changes: retry notification", "r", expect="back in the queue")
    step("failed changes: opens a record", ENTER, expect="Relations")
    step("failed changes: back", ESC, expect="Retry all")
    step("failed changes closed", ESC, expect="Stage ▶")
    step("palette: import", CTRL_P + "Import: contacts", expect="Map its columns")
    step("import: file prompt", ENTER, expect="Enter reads it")
    step("import: mapping", CTRL_U + str(csv_file) + ENTER, expect="bad row")
    step("import: field picker", ENTER, expect="fills")
    step("import: field picker closed", ESC, expect="I imports")
    step("import: refused with bad rows", "i", expect="fix the file")
    step("import: good rows", "I", expect="Imported")
    _walk_admin_screens(session)


def _walk_admin_screens(session: TerminalSession) -> None:
    step = session.step
    step("automations", "A", expect="On/off")
    step("automations: run log", ENTER, expect="newest first")
    step("automations: run log closed", ESC, expect="On/off")
    step("automations: form", "e", expect="Esc")
    step("automations: form closed", ESC, expect="On/off")
    step("automations closed", ESC, expect="Stage ▶")
    step("audit log", CTRL_L, expect="Filter")
    step("audit log: cursor", "jj")
    step("audit log closed", ESC, expect="Stage ▶")
    step("workspace admin", "W", expect="searchable")
    step("workspace admin: next list", TAB)
    step("workspace admin: rename", "r", expect="Esc")
    step("workspace admin: rename closed", ESC, expect="searchable")
    step("workspace admin closed", ESC, expect="Stage ▶")


@dataclass
class Walk:
    session: TerminalSession
    failure: AssertionError | None
    exit_code: int
    repaired: list[str]


@pytest.fixture(scope="module")
def walk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Walk]:
    home = tmp_path_factory.mktemp("poisoned-later")
    cache = home / "poisoned.sqlite3"
    build_poisoned_workspace(cache)
    add_failed_changes(cache)
    write_poisoned_views(home / "views", cache)
    csv_file = write_poisoned_csv(home)
    witness = home / "repaired.txt"
    argv = [sys.executable, "-m", "tests.support.guard_witness", str(witness), "--cache", str(cache)]
    session = TerminalSession(argv, _environment(home))
    session.start()
    try:
        try:
            _walk_later_screens(session, csv_file)
        except AssertionError as exc:
            code = session.stop(b"\x03")
            yield Walk(session, exc, code, _read(witness))
        else:
            code = session.stop(b"q")
            yield Walk(session, None, code, _read(witness))
    finally:
        session.kill()


def _read(witness: Path) -> list[str]:
    return witness.read_text(encoding="utf-8").splitlines() if witness.exists() else []


@pytest.fixture
def session(walk: Walk) -> TerminalSession:
    return walk.session


def test_the_app_survives_the_later_screens_of_a_poisoned_workspace(walk):
    drawn = " ".join(visible_text(walk.session.output).split())
    assert walk.failure is None, f"{walk.failure}\n\nlast drawn: {drawn[-1500:]!r}"
    assert walk.exit_code == 0


def test_no_screen_left_data_text_for_the_guard_to_repair(walk):
    assert not walk.repaired, "\n".join(walk.repaired[:20])


def test_nothing_but_textuals_own_sequences_reaches_the_terminal(session):
    found = {name: problems[:3] for name, output in session.steps.items() if (problems := terminal_violations(output))}
    assert not found, "\n".join(f"{name}: {problems}" for name, problems in found.items())


def test_an_export_from_the_tui_keeps_the_data_exact(walk):
    """A file is data, not drawing: the list view's export holds the payloads as stored."""
    home = Path(walk.session.env["HOME"])
    exported = "".join(path.read_text(encoding="utf-8") for path in home.glob("*.csv") if path.name != "poisoned.csv")
    assert "\x1b]52;c;SGVsbG8=\x07\x1b]0;pwned\x07Deal" in exported


def test_no_payload_is_written_as_it_is_stored(session):
    output = without_textual_writes(session.output)
    assert not [payload for payload in PAYLOADS if not payload.isprintable() and payload in output]


@pytest.mark.parametrize("screen", [
    "list view", "list view: lanes", "swimlanes", "saved views", "palette: views", "failed changes",
    "failed changes: opens a record", "import: mapping", "import: field picker",
    "automations", "audit log", "workspace admin",
])
def test_each_screen_drew_poisoned_text(session, screen):
    """The checks above only mean something if the poisoned text was on screen: it was, as symbols."""
    drawn = visible_text(session.steps.get(screen, ""))
    assert any(symbol in drawn for symbol in ("␛", "␇", "␈", "␍", "\ufffd", "[/]", "[@click=app.quit]"))

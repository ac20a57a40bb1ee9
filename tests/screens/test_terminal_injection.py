"""Nothing from the data reaches the terminal as a control code (issue 9, part 1).

The real `track` command runs on a pseudo-terminal over a workspace whose every text field holds
a terminal attack (clipboard write, retitle, clear screen, a query the terminal answers, DCS, C1
CSI, BEL, BS, CR, a bidi override, Textual markup). The test walks every screen — board, card
moves and the won dialog, notifications, board picker, quick add, help, the command palette,
the record page with its timeline and dialogs, the inbox and its dialogs, search — and reads
every byte the app wrote: nothing may be there that Textual itself does not write, and every
payload must have been drawn as visible symbols instead. The app runs under the terminal guard's
witness (`tests/support/guard_witness.py`): a line the guard had to repair is text a screen drew
without `safe_line`, and none may be left. The later screens (list view, swimlanes, saved views,
failed changes, import) have their own walk in `test_terminal_injection_later.py`, so the two
run side by side under `-n 2`.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest

from tests.support.poisoned_workspace import PAYLOADS, build_poisoned_workspace, visible_forms
from tests.support.terminal_session import (
    TerminalSession, terminal_violations, visible_text, without_textual_writes,
)

ROOT = Path(__file__).resolve().parents[2]
ESC = "\x1b[27u"  # Escape as the kitty keyboard protocol sends it: no wait to tell it from a sequence
CTRL_P = "\x10"
CTRL_F = "\x06"
TAB = "\t"
ENTER = "\r"
BACK = "palette"  # in the key hints of every screen, in no dialog: drawn again when a dialog closes


def _environment(home: Path) -> dict[str, str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home), "TERM": "xterm-256color",
        "COLORTERM": "truecolor", "LANG": "C.UTF-8", "TZ": "UTC", "PYTHONPATH": str(ROOT),
    }
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        env[name] = str(home / name.lower())
    return env


def _walk_every_screen(session: TerminalSession) -> None:
    """Keys a reviewer would press, screen by screen; each step waits for its screen."""
    step = session.step
    step("board", "", expect="palette")
    step("board: cursor", "j")
    step("board: move card", "k" + "L")
    for _ in range(2):
        step("board: move card", "L")
    step("board: won dialog", "L", expect="Enter confirms")
    step("board: won dialog closed", ESC, expect=BACK)
    step("board: delete notification", "D", expect="Deleted")
    step("board: undo notification", "u", expect="Undone")
    step("board picker", "b", expect="Switch board")
    step("board picker closed", ESC, expect=BACK)
    step("quick add", "n", expect="Tab next field")
    step("quick add closed", ESC, expect=BACK)
    step("help", "?", expect="Keys on")
    step("help closed", ESC, expect=BACK)
    step("board palette", CTRL_P, expect="switch board")
    step("board palette closed", ESC, expect=BACK)
    step("record", ENTER, expect="Relations")
    step("record: field editor", "e", expect="Enter saves")
    step("record: field editor closed", ESC, expect=BACK)
    step("record: stage picker", "s", expect="Enter chooses")
    step("record: stage picker closed", ESC, expect=BACK)
    step("record: task dialog", "t", expect="Assignee")
    step("record: task dialog closed", ESC, expect=BACK)
    step("record: call dialog", "c", expect="Outcome")
    step("record: call dialog closed", ESC, expect=BACK)
    step("record: contact picker", "C", expect="type a name")
    step("record: contact picker closed", ESC, expect=BACK)
    step("record: timeline", TAB + TAB + "jj")
    step("record palette", CTRL_P, expect="Edit: Name")
    step("record palette closed", ESC, expect=BACK)
    step("inbox", "i", expect="My work  —")
    step("inbox: everyone", "m", expect="Everyone's work")
    step("inbox: snooze dialog", "z", expect="Snooze:")
    step("inbox: snooze dialog closed", ESC, expect=BACK)
    step("inbox: assign dialog", "a", expect="Assign:")
    step("inbox: assign dialog closed", ESC, expect=BACK)
    step("inbox: edit dialog", "e", expect="Edit task")
    step("inbox: edit dialog closed", ESC, expect=BACK)
    step("inbox: status notification", " ", expect="progress")
    step("search", CTRL_F, expect="Search names")
    step("search: results", "deal", expect="result")
    step("search: opens a record", ENTER, expect="Relations")
    step("search: back", ESC, expect="Esc closes")
    step("search closed", ESC, expect=BACK)


@dataclass
class Walk:
    session: TerminalSession
    failure: AssertionError | None
    exit_code: int
    repaired: list[str]  # lines the terminal guard had to repair (guard_witness.py): text drawn unsafe


@pytest.fixture(scope="module")
def walk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Walk]:
    home = tmp_path_factory.mktemp("poisoned")
    cache = home / "poisoned.sqlite3"
    build_poisoned_workspace(cache)
    witness = home / "repaired.txt"
    argv = [sys.executable, "-m", "tests.support.guard_witness", str(witness), "--cache", str(cache)]
    session = TerminalSession(argv, _environment(home))
    session.start()
    try:
        try:
            _walk_every_screen(session)
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


def test_the_app_survives_every_screen_of_a_poisoned_workspace(walk):
    assert walk.failure is None, f"{walk.failure}\n\nlast drawn: {visible_text(walk.session.output)[-1500:]!r}"
    assert walk.exit_code == 0


def test_no_screen_left_data_text_for_the_guard_to_repair(walk):
    """The guard keeps the bytes clean even where a screen forgot `safe_line`; the forgotten
    spot is still a defect (its width was measured on the raw text), so none may be left."""
    assert not walk.repaired, "\n".join(walk.repaired[:20])


def test_nothing_but_textuals_own_sequences_reaches_the_terminal(session):
    found = {name: problems[:3] for name, output in session.steps.items() if (problems := terminal_violations(output))}
    assert not found, "\n".join(f"{name}: {problems}" for name, problems in found.items())


def test_no_payload_is_written_as_it_is_stored(session):
    output = without_textual_writes(session.output)
    raw = [payload for payload in PAYLOADS if not payload.isprintable() and payload in output]
    assert not raw


def test_every_payload_is_drawn_as_visible_symbols(session):
    drawn = visible_text(session.output)
    missing = [shown for _, shown in visible_forms() if shown not in drawn]
    assert not missing


@pytest.mark.parametrize("screen", [
    "board", "board: won dialog", "board: delete notification", "board picker", "record", "record: field editor",
    "record: stage picker", "record palette", "inbox", "inbox: assign dialog", "inbox: edit dialog", "search: results",
])
def test_each_screen_drew_poisoned_text(session, screen):
    """The checks above only mean something if the poisoned text was on screen: it was, as symbols."""
    drawn = visible_text(session.steps.get(screen, ""))
    assert any(symbol in drawn for symbol in ("␛", "␇", "␈", "␍", "\ufffd", "[/]", "[@click=app.quit]"))

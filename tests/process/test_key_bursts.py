"""Keys typed faster than the app draws (every key over a slow SSH link) arrive in one terminal
read; each must land where it would have landed if typed slowly. Here each burst is written to
a real pty in ONE write and the screen is read back (tests/support/screen_reader.py)."""

from __future__ import annotations

import sys
import time
from typing import Callable, Iterator

import pytest

from tests.support.screen_reader import ScreenReader
from tests.support.terminal import quiet_environment
from tests.support.terminal_session import TerminalSession

ESC = "\x1b[27u"  # Escape as the kitty keyboard protocol sends it (no wait to tell it from a sequence)
CTRL_F = "\x06"
CTRL_U = "\x15"
ENTER = "\r"
COLUMNS, ROWS = 120, 40


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TerminalSession]:
    home = tmp_path_factory.mktemp("bursts")
    env = quiet_environment(home, TRACK_DEMO_DEALS="300")
    session = TerminalSession([sys.executable, "-m", "track_tui.cli", "--demo"], env, COLUMNS, ROWS)
    session.start()
    try:
        session.step("board", "", expect="palette")
        yield session
        session.stop(b"\x03")
    finally:
        session.kill()


def screen(session: TerminalSession) -> ScreenReader:
    return ScreenReader(COLUMNS, ROWS).feed(session.output)


def shown(session: TerminalSession, keys: str, condition: Callable[[ScreenReader], bool],
          timeout: float = 15.0) -> ScreenReader:
    """Write `keys` in one write; the screen once `condition` holds on it (or fail, showing it)."""
    session.step("burst", keys, quiet=0.05)
    deadline = time.monotonic() + timeout
    while True:
        drawn = screen(session)
        if condition(drawn):
            return drawn
        if time.monotonic() > deadline or not session.running:
            pytest.fail(f"after {keys!r} the screen shows:\n{drawn.text()}")
        time.sleep(0.05)


def back_on_the_board(session: TerminalSession) -> None:
    """Escape back to the board; a dialog holding typed text asks first ("Esc again discards")."""
    def on_board(s: ScreenReader) -> bool:
        return (s.line_with("Enter saves") is None and s.line_with("results") is None
                and s.line_with("Enter applies") is None and "/ Filter" in s.text())

    drawn = shown(session, ESC, lambda s: on_board(s) or s.line_with("Esc again discards") is not None)
    if not on_board(drawn):
        shown(session, ESC, on_board)


def input_line(drawn: ScreenReader, text: str) -> str | None:
    """The line of an input box (drawn between ▊ … ▎) that holds `text`."""
    return next((line for line in drawn.lines() if text in line and "▊" in line), None)


def test_slash_then_a_filter_types_into_the_filter(session: TerminalSession) -> None:
    # The empty filter's placeholder starts "owner:me tag:vip …": wait for the typed text.
    drawn = shown(session, "/owner:me", lambda s: input_line(s, "owner:me") is not None
                  and input_line(s, "tag:vip") is None)
    assert drawn.line_with("Enter saves") is None  # the `n` of "owner" opened no quick-add
    back_on_the_board(session)


def test_n_then_a_name_fills_quick_add(session: TerminalSession) -> None:
    drawn = shown(session, "nTypeahead", lambda s: s.line_with("Enter saves") is not None
                  and input_line(s, "Typeahead") is not None)
    assert input_line(drawn, "Typeahead").count("Typeahead") == 1
    back_on_the_board(session)


def test_ctrl_f_then_words_is_the_search(session: TerminalSession) -> None:
    shown(session, CTRL_F + "goldencrest", lambda s: input_line(s, "goldencrest") is not None)
    back_on_the_board(session)


def test_retyping_the_filter_in_one_burst_replaces_it(session: TerminalSession) -> None:
    shown(session, "/stage:lead" + ENTER, lambda s: s.line_with("filter stage:lead") is not None)
    drawn = shown(session, "/" + CTRL_U + "owner:me" + ENTER,
                  lambda s: s.line_with("filter owner:me") is not None)
    assert drawn.line_with("stage:lead") is None
    shown(session, ESC, lambda s: s.line_with("filter owner:me") is None)

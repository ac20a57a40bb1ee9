"""The $EDITOR round trip: a real editor process, and what comes back from its file."""

from __future__ import annotations

import contextlib
import stat
from pathlib import Path

import pytest

from track_tui.external_editor import EditorFailed, editor_name, read_edited, run_editor


class _App:
    """What `run_editor` needs of the app: suspending it (a no-op outside a terminal)."""

    def suspend(self):
        return contextlib.nullcontext()


def _editor(tmp_path: Path, body: str) -> str:
    """A stand-in editor: a script that writes `body` (bytes as escapes) into the file it is given."""
    script = tmp_path / "fake editor.sh"
    script.write_text(f"#!/bin/sh\nprintf '{body}' > \"$1\"\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return f"'{script}'"


def test_clean_text_comes_back_as_written():
    assert read_edited(b"A note\n\twith a tab\n").text == "A note\n\twith a tab\n"
    assert read_edited(b"A note").problem is None


def test_windows_line_endings_are_read_as_newlines_without_a_word():
    edited = read_edited(b"one\r\ntwo\rthree")
    assert edited.text == "one\ntwo\nthree" and edited.problem is None


def test_controls_are_taken_out_and_named():
    edited = read_edited("Pricing \x1b]52;c;SGVsbG8=\x07call\x9b31m".encode())
    assert edited.text == "Pricing ]52;c;SGVsbG8=call31m"
    assert edited.problem == "3 control characters (ESC, BEL, U+009B) from the editor were taken out"


def test_a_file_that_is_not_utf8_is_read_and_said_so():
    edited = read_edited("café".encode("latin-1"))
    assert edited.text == "caf\ufffd"
    assert edited.problem.startswith("The file was not UTF-8")


def test_a_real_editor_round_trip(tmp_path, monkeypatch):
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", _editor(tmp_path, r"Met the team\r\n\033[2Jnext: demo\007\n"))
    edited = run_editor(_App(), "draft")
    assert edited is not None
    assert edited.text == "Met the team\n[2Jnext: demo\n"
    assert "2 control characters (ESC, BEL)" in edited.problem


def test_no_editor_set_is_none(monkeypatch):
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.delenv("EDITOR", raising=False)
    assert run_editor(_App(), "") is None
    assert editor_name() is None


@pytest.mark.parametrize("editor, message", [
    ("/nonexistent/editor", "Could not run /nonexistent/editor"),
    ("false", "false exited with status 1; nothing was kept"),
    ("vim 'unclosed", "is not a command line"),
])
def test_an_editor_that_cannot_run_is_a_message(monkeypatch, editor, message):
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", editor)
    with pytest.raises(EditorFailed, match=message):
        run_editor(_App(), "")


def test_the_hint_names_the_editor_or_nothing(monkeypatch):
    monkeypatch.setenv("VISUAL", "/usr/bin/nvim -u NONE")
    assert editor_name() == "nvim"
    monkeypatch.setenv("VISUAL", "vim 'unclosed")
    assert editor_name() is None

"""Writing text in the person's own editor ($VISUAL or $EDITOR), with the app suspended.

What comes back is outside text: a file any program may have written, holding anything the
person pasted into it. Newlines and tabs are kept (CRLF and CR read as newlines); every other
control character (ESC, BEL, C1 controls, bidi overrides…) is taken out, and the result says
what was taken out, so the caller can show the note for a look before anything is stored —
nothing hostile is saved from there by accident, and nothing is dropped without a word. A file
that is not UTF-8 is read with the undecodable bytes shown as �, and said so.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile
from dataclasses import dataclass

from textual.app import App, SuspendNotSupported

from .safe_text import clean_typed_text, describe_removed


class EditorFailed(Exception):
    """The editor could not be run, or gave up; the message says which and why."""


@dataclass(frozen=True)
class EditedText:
    """The text to use, and what had to be changed in what the editor wrote, as a sentence
    without its full stop ("2 control characters (ESC, BEL) … were taken out"; None: nothing)."""

    text: str
    problem: str | None = None


def editor_command() -> list[str] | None:
    """$VISUAL or $EDITOR as a command (None when neither is set)."""
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR")
    if not editor or not editor.strip():
        return None
    try:
        return shlex.split(editor)
    except ValueError as exc:
        raise EditorFailed(f"$EDITOR {editor!r} is not a command line ({exc})") from None


def editor_name() -> str | None:
    """The editor's program name for a hint ('vim'); None when none is set or it is unusable."""
    try:
        command = editor_command()
    except EditorFailed:
        return None
    return os.path.basename(command[0]) if command else None


def read_edited(raw: bytes) -> EditedText:
    """The editor's file as text to keep: see the module's docs for what is changed."""
    notes: list[str] = []
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("utf-8", errors="replace")
        notes.append("The file was not UTF-8 (what could not be read shows as �)")
    clean, removed = clean_typed_text(text)
    if removed:
        notes.append(f"{describe_removed(removed)} from the editor {'was' if sum(removed.values()) == 1 else 'were'} taken out")
    problem = "; ".join(notes)
    return EditedText(clean, problem[:1].upper() + problem[1:] if problem else None)


def run_editor(app: App, text: str) -> EditedText | None:
    """Edit `text` in the person's editor; None when no editor is set.

    Raises EditorFailed when it cannot be started or exits with an error (the text is then
    unchanged)."""
    command = editor_command()
    if command is None:
        return None
    with tempfile.NamedTemporaryFile("w", suffix=".md", delete=False, encoding="utf-8") as handle:
        handle.write(text)
        path = handle.name
    try:
        try:
            with app.suspend():
                result = subprocess.run([*command, path], check=False)
        except (OSError, SuspendNotSupported) as exc:
            raise EditorFailed(f"Could not run {command[0]}: {exc}") from None
        if result.returncode != 0:
            raise EditorFailed(f"{os.path.basename(command[0])} exited with status {result.returncode}; nothing was kept")
        with open(path, "rb") as handle:
            return read_edited(handle.read())
    finally:
        os.unlink(path)

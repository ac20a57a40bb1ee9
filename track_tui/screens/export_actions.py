"""Exporting what a screen shows: to a file (the name's ending picks CSV, JSON or Markdown) or
to the clipboard as CSV (Textual's `copy_to_clipboard`: OSC 52, so over SSH it is the local
terminal's clipboard). Shared by the board, the list view, the inbox and the search panel."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from textual.screen import Screen

from ..transfer.table import Table, render
from .view_dialogs import TextPromptScreen, export_path_problem, format_for


def export_to_file(screen: Screen, make_table: Callable[[], Table], what: str, stem: str) -> None:
    """Ask for a file name, then write the table `make_table` gives at that moment."""
    default = str(Path("~").expanduser() / f"{_file_stem(stem)}.csv")

    def chosen(text: str | None) -> None:
        if text:
            write_file(screen, make_table(), Path(text).expanduser(), what)

    screen.app.push_screen(TextPromptScreen(
        f"Export {what}", default, "The name's ending picks the format: .csv .json .md · Enter writes · Esc cancels",
        export_path_problem), chosen)


def write_file(screen: Screen, table: Table, path: Path, what: str) -> None:
    try:
        with open(path, "w", encoding="utf-8", newline="") as handle:
            handle.write(render(table, format_for(path)))
    except OSError as exc:
        screen.notify(f"Could not write {path}: {exc.strerror}", severity="error")
        return
    screen.notify(f"Exported {len(table):,} {what} to {path}", timeout=4)


def copy_table(screen: Screen, table: Table, what: str) -> None:
    screen.app.copy_to_clipboard(render(table, "csv"))
    screen.notify(f"Copied {len(table):,} {what} as CSV to the clipboard", timeout=3)


def _file_stem(name: str) -> str:
    stem = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in name.lower()).strip("-")
    return stem or "export"

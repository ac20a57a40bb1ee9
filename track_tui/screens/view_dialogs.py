"""Dialogs of the list view: export to a file, save the view under a name, pick a saved view.

Each checks what was typed before it closes and says why inline when it refuses (a folder that
is not there, a name too long), with the text left as typed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList
from textual.widgets.option_list import Option

from ..saved_views import SavedView
from ..widgets.plain_text import PlainLabel, PlainStatic, plain
from ..widgets.safe_input import SafeInput


class TextPromptScreen(ModalScreen[str | None]):
    """One line of text; `check(text)` returns why it cannot be used (None: it can, and the
    dialog closes with it)."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel", id="dialog.cancel")]

    def __init__(self, title: str, value: str, hint: str, check: Callable[[str], str | None]) -> None:
        super().__init__()
        self.title_text, self.value, self.hint, self.check = title, value, hint, check

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield PlainStatic(self.title_text, classes="dialog-title")
            yield SafeInput(value=self.value, id="prompt")
            yield PlainLabel("", id="prompt-error", classes="dialog-error")
            yield PlainStatic(self.hint, classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one("#prompt-error").display = False
        self.query_one("#prompt", Input).focus()

    @on(Input.Submitted, "#prompt")
    def submitted(self, event: Input.Submitted) -> None:
        problem = self.check(event.value)
        if problem:
            error = self.query_one("#prompt-error", PlainLabel)
            error.update(problem)
            error.display = True
            return
        self.dismiss(event.value.strip())


def export_path_problem(text: str) -> str | None:
    """Why a typed export path cannot be written to (None: it can)."""
    if not text.strip():
        return "Give a file name, e.g. ~/pipeline.csv"
    path = Path(text.strip()).expanduser()
    if path.is_dir():
        return f"{path} is a folder; add a file name"
    if not path.parent.is_dir():
        return f"the folder {path.parent} does not exist"
    if path.suffix.lower() not in (".csv", ".json", ".md", ".markdown"):
        return "end the name in .csv, .json or .md (that picks the format)"
    return None


def format_for(path: Path) -> str:
    return {".json": "json", ".md": "markdown", ".markdown": "markdown"}.get(path.suffix.lower(), "csv")


class SavedViewsScreen(ModalScreen[SavedView | None]):
    """The saved-view picker: Enter opens, d deletes, Esc closes."""

    BINDINGS = [
        Binding("escape", "dismiss(None)", "Cancel", id="dialog.cancel"),
        Binding("d,delete", "delete", "Delete", id="views.delete"),
    ]

    def __init__(self, views: list[SavedView], delete: Callable[[SavedView], list[SavedView]] | None = None,
                 problem: str | None = None) -> None:
        super().__init__()
        self.views, self._delete, self.problem = views, delete, problem

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield PlainStatic("Saved views", classes="dialog-title")
            yield OptionList(*self._options(), id="views")
            yield PlainLabel(self.problem or "", id="views-error", classes="dialog-error")
            yield PlainStatic("Enter opens · d deletes · Esc cancels", classes="dialog-hint")

    def _options(self) -> list[Option]:
        if not self.views:
            return [Option(plain("No saved views yet: ctrl+s on the list view saves one"), id="", disabled=True)]
        return [Option(plain(self._describe(v)), id=str(i)) for i, v in enumerate(self.views)]

    @staticmethod
    def _describe(view: SavedView) -> str:
        parts = [view.board or "board", view.view]
        if view.filter:
            parts.append(view.filter)
        if view.lanes:
            parts.append(f"lanes: {view.lanes.removeprefix('field:')}")
        return f"{view.name}  ({' · '.join(parts)})"

    def on_mount(self) -> None:
        self.query_one("#views-error").display = bool(self.problem)
        self.query_one(OptionList).focus()

    @on(OptionList.OptionSelected)
    def chosen(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            self.dismiss(self.views[int(event.option.id)])

    def action_delete(self) -> None:
        options = self.query_one(OptionList)
        if self._delete is None or not self.views or options.highlighted is None:
            return
        self.views = self._delete(self.views[options.highlighted])
        options.clear_options()
        options.add_options(self._options())

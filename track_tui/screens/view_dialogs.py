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
from textual.widgets import Input, OptionList
from textual.widgets.option_list import Option

from ..saved_views import SavedView
from ..widgets.plain_text import plain
from ..widgets.safe_input import SafeInput
from .dialog_base import Dialog


class TextPromptScreen(Dialog[str | None]):
    """One line of text; `check(text)` returns why it cannot be used (None: it can, and the
    dialog closes with it)."""

    CONFIRM_DISCARD = False  # a file name or a view's name: nothing worth asking about

    def __init__(self, title: str, value: str, hint: str, check: Callable[[str], str | None]) -> None:
        super().__init__(title, hint=hint)
        self.initial_value, self.check = value, check

    def compose_body(self) -> ComposeResult:
        yield SafeInput(value=self.initial_value, id="prompt")

    def submit(self) -> None:
        text = self.query_one("#prompt", Input).value
        problem = self.check(text)
        if problem:
            self.show_error(problem)
            return
        self.finish(text.strip())


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


class SavedViewsScreen(Dialog[SavedView | None]):
    """The saved-view picker: Enter opens, d deletes, Esc closes."""

    BINDINGS = [Binding("d,delete", "delete", "Delete", id="views.delete")]
    CONFIRM_DISCARD = False

    def __init__(self, views: list[SavedView], delete: Callable[[SavedView], list[SavedView]] | None = None,
                 problem: str | None = None) -> None:
        super().__init__("Saved views", hint="Enter opens · d deletes · Esc cancels")
        self.views, self._delete, self.problem = views, delete, problem

    def compose_body(self) -> ComposeResult:
        yield OptionList(*self._options(), id="views")

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
        if self.problem:  # after the base's on_mount, which Textual runs next and which hides the error line
            self.call_after_refresh(self.show_error, self.problem)

    @on(OptionList.OptionSelected)
    def chosen(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            self.finish(self.views[int(event.option.id)])

    def submit(self) -> None:
        options = self.query_one(OptionList)
        if self.views and options.highlighted is not None:
            self.finish(self.views[options.highlighted])

    def action_delete(self) -> None:
        options = self.query_one(OptionList)
        if self._delete is None or not self.views or options.highlighted is None:
            return
        self.views = self._delete(self.views[options.highlighted])
        options.clear_options()
        options.add_options(self._options())

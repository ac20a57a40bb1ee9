"""Dialog.on_mount runs once per dialog: Textual already calls the `on_mount` of every class in
the MRO, so a dialog that also called `super().on_mount()` ran the base's twice (or three
times, two levels down) — a draft restored twice, an error its own on_mount showed hidden again."""

from __future__ import annotations

import importlib
import pkgutil
from datetime import date, datetime, timezone

import pytest

import track_tui.screens
from track_tui.models import Board, BoardStage, Profile, RecordType
from track_tui.models.custom_fields import CustomFieldType
from track_tui.saved_views import SavedView
from track_tui.screens.dialog_base import Dialog
from track_tui.screens.dialogs import BoardPickerScreen, OutcomeScreen
from track_tui.screens.field_dialogs import ConfigScreen, FieldFormScreen
from track_tui.screens.inbox_dialogs import AssigneeScreen, SnoozeScreen
from track_tui.screens.record_dialogs import (
    CallScreen, ChoiceScreen, EmailScreen, NoteScreen, RecordPickerScreen, TaskScreen,
)
from track_tui.screens.view_dialogs import SavedViewsScreen

from .test_dialog_base_screens import HostApp

TODAY = date(2026, 3, 2)
WHEN = datetime(2026, 3, 2, 9, tzinfo=timezone.utc)


def _save(_value):
    return None


BOARD = Board(id="b1", workspace_id="w", name="Pipeline", record_type=RecordType.DEAL, created_at=WHEN)
STAGE = BoardStage(id="s1", board_id="b1", name="Won", position=0, stage_type="won")
DIALOGS = {
    "config": lambda: ConfigScreen("Options", CustomFieldType.SELECT, {"options": ["a", "b"]}, save=_save),
    "field form": lambda: FieldFormScreen(RecordType.DEAL, save=_save),
    "saved views": lambda: SavedViewsScreen([SavedView(name="Mine", board_id="b1")], problem="views.json is damaged"),
    "choice": lambda: ChoiceScreen("Owner", [("p1", "Mia"), ("p2", "Omar")], current="p2", save=_save),
    "record picker": lambda: RecordPickerScreen("Company", lambda query: [], save=_save),
    "note": lambda: NoteScreen("Note", _save, notice="saved elsewhere meanwhile"),
    "call": lambda: CallScreen("Call", ["Connected", "No answer"], _save),
    "email": lambda: EmailScreen("Email", _save),
    "task": lambda: TaskScreen("New task", "", [("p1", "Mia")], "p1", TODAY, _save),
    "snooze": lambda: SnoozeScreen("Snooze", TODAY),
    "assignee": lambda: AssigneeScreen("Assign", {"p1": Profile(id="p1", full_name="Mia")}, "p1", "p1"),
    "outcome": lambda: OutcomeScreen("Acme renewal", STAGE, TODAY),
    "board picker": lambda: BoardPickerScreen([BOARD], "b1"),
}


@pytest.mark.parametrize("name", list(DIALOGS))
async def test_the_base_on_mount_runs_once(monkeypatch, name):
    calls: list[int] = []
    base = Dialog.on_mount

    def counted(self) -> None:
        calls.append(id(self))
        base(self)

    monkeypatch.setattr(Dialog, "on_mount", counted)
    dialog = DIALOGS[name]()
    app = HostApp(dialog)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert app.screen is dialog
        assert calls == [id(dialog)]


async def test_an_error_a_dialog_shows_on_mount_stays_shown():
    """The saved views' problem was shown by its on_mount, then hidden by the base's second run."""
    dialog = SavedViewsScreen([SavedView(name="Mine", board_id="b1")], problem="views.json is damaged")
    app = HostApp(dialog)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        error = dialog.query_one("#error")
        assert error.display and "views.json is damaged" in str(error.render())


def _all_dialog_classes() -> set[type]:
    for info in pkgutil.walk_packages(track_tui.screens.__path__, "track_tui.screens."):
        importlib.import_module(info.name)
    found, todo = set(), [Dialog]
    while todo:
        for sub in todo.pop().__subclasses__():
            if sub not in found:
                found.add(sub)
                todo.append(sub)
    return found


def test_no_dialog_calls_the_base_on_mount_itself():
    """Every dialog, those above and any added later: its own on_mount leaves the base's to Textual."""
    offenders = sorted(
        cls.__qualname__ for cls in _all_dialog_classes()
        if "on_mount" in cls.__dict__ and "super" in cls.__dict__["on_mount"].__code__.co_names
    )
    assert offenders == []

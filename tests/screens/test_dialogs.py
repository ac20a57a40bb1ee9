"""Every dialog on the one `Dialog` base: Esc, ctrl+s, the error and hint lines visible at 80x24,
focus that reads without colour, the first field focused, and what was typed never lost (Esc
asks first, ctrl+c does not quit, a draft comes back after the dialog closed by accident)."""

from __future__ import annotations

import inspect

import pytest
from textual.widgets import Input, TextArea

from track_tui.app import TrackApp
from track_tui.config import Settings
from track_tui.drafts import Drafts, draft_key
from track_tui.models import RecordType
from track_tui.screens import (admin_dialogs, audit, dialogs, failed_changes, help, import_screen, inbox_dialogs, notice,
                               record_dialogs, sign_in, view_dialogs, workspace_picker)
from track_tui.screens.dialog_base import DISCARD_QUESTION, FOCUS_MARK, Dialog
from track_tui.screens.dialogs import QuickAddScreen
from track_tui.screens.record_dialogs import CallScreen, MeetingScreen, NoteScreen

from .test_record import a_deal, entries, open_page, settle

SMALL = (80, 24)
MODULES = (dialogs, record_dialogs, inbox_dialogs, view_dialogs, import_screen, admin_dialogs, workspace_picker, sign_in,
           help, notice, audit, failed_changes)


def all_dialogs() -> list[type[Dialog]]:
    found = []
    for module in MODULES:
        found += [c for _, c in inspect.getmembers(module, inspect.isclass)
                  if issubclass(c, Dialog) and c is not Dialog and c.__module__ == module.__name__]
    return found


def test_every_dialog_is_on_the_base_and_none_binds_escape_itself():
    classes = all_dialogs()
    assert len(classes) >= 22, [c.__name__ for c in classes]
    for cls in classes:
        assert cls.submit is not Dialog.submit, f"{cls.__name__} says nothing about submitting"
        assert cls.compose_body is not Dialog.compose_body, cls.__name__
        own = cls.__dict__.get("BINDINGS", [])
        assert not [b for b in own if "escape" in b.key.split(",")], f"{cls.__name__} binds Escape again"
    # No other modal in these modules bypasses the base.
    from textual.screen import ModalScreen
    for module in MODULES:
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, ModalScreen) and cls.__module__ == module.__name__:
                assert issubclass(cls, Dialog), cls.__name__


def inside(widget, screen_size) -> bool:
    region = widget.region
    return region.height > 0 and region.y >= 0 and region.bottom <= screen_size[1] and region.right <= screen_size[0]


async def test_quick_add_at_80x24_shows_every_field_its_error_and_hint(demo_app):
    async with demo_app.run_test(size=SMALL) as pilot:
        await settle(demo_app, pilot)
        await pilot.press("n")
        await pilot.pause()
        dialog = demo_app.screen
        assert isinstance(dialog, QuickAddScreen)
        assert demo_app.focused is dialog.query_one("#name", Input)  # opens on its first field
        dialog.query_one("#name", Input).value = "Renewal"
        dialog.query_one("#value", Input).value = "twelve thousand apples and a very long tail of words " * 2
        await pilot.press("enter")
        await pilot.pause()
        await pilot.pause()
        error = dialog.query_one("#error")
        assert dialog.error_text.startswith("Value: ")
        assert inside(error, SMALL) and inside(dialog.query_one("#dialog-hint"), SMALL)
        assert error.region.height >= 2  # the long reason wraps, it is not cut at the edge
        assert error.region.right <= dialog.query_one("#dialog-box").region.right
        for field_id in ("name", "value", "currency", "company", "close"):  # every field can be reached
            field = dialog.query_one(f"#{field_id}", Input)
            field.focus()
            await pilot.pause()
            assert inside(field, SMALL), field_id
            assert inside(dialog.query_one("#dialog-hint"), SMALL)


@pytest.mark.parametrize("key, kind", [("c", CallScreen), ("m", MeetingScreen), ("a", NoteScreen)])
async def test_record_dialogs_at_80x24_keep_the_save_hint_and_error_visible(demo_app, demo_store, key, kind):
    async with demo_app.run_test(size=SMALL) as pilot:
        await open_page(demo_app, pilot, RecordType.DEAL, a_deal(demo_store))
        await pilot.press(key)
        await pilot.pause()
        dialog = demo_app.screen
        assert isinstance(dialog, kind)
        first = demo_app.focused
        assert first is dialog._first_field()
        if kind is CallScreen:
            dialog.query_one("#duration", Input).value = "soon"
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.pause()
        assert dialog.error_text, "ctrl+s said nothing"
        assert inside(dialog.query_one("#error"), SMALL)
        hint = dialog.query_one("#dialog-hint")
        assert inside(hint, SMALL) and "ctrl+s" in str(hint.render())


async def test_focus_is_marked_in_the_label_not_only_by_colour(demo_app, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    app = TrackApp(demo_app.store, Settings())
    async with app.run_test(size=SMALL) as pilot:
        await settle(app, pilot)
        await pilot.press("n")
        await pilot.pause()
        dialog = app.screen
        name, value = dialog.query_one("#name", Input), dialog.query_one("#value", Input)
        assert name.border_title.startswith(FOCUS_MARK) and not value.border_title.startswith(FOCUS_MARK)
        await pilot.press("tab")
        await pilot.pause()
        assert value.border_title == f"{FOCUS_MARK} Value" and name.border_title == "Name"


async def test_escape_asks_before_discarding_what_was_typed(demo_app, demo_store):
    async with demo_app.run_test(size=SMALL) as pilot:
        page = await open_page(demo_app, pilot, RecordType.DEAL, a_deal(demo_store))
        await pilot.press("a")
        await pilot.pause()
        await pilot.press("escape")  # nothing typed: closes at once
        await pilot.pause()
        assert demo_app.screen is page
        await pilot.press("a")
        await pilot.pause()
        dialog = demo_app.screen
        dialog.query_one(TextArea).load_text("line one\nline two\nthree\nfour\nfive")
        await pilot.press("escape")
        await pilot.pause()
        assert demo_app.screen is dialog and dialog.error_text == DISCARD_QUESTION
        await pilot.press("x")  # typing again: the next Esc asks again
        await pilot.press("escape")
        await pilot.pause()
        assert demo_app.screen is dialog
        await pilot.press("escape")
        await pilot.pause()
        assert demo_app.screen is page


async def test_ctrl_c_while_writing_does_not_quit(demo_app, demo_store):
    async with demo_app.run_test(size=SMALL) as pilot:
        await open_page(demo_app, pilot, RecordType.DEAL, a_deal(demo_store))
        await pilot.press("c")
        await pilot.pause()
        dialog = demo_app.screen
        await pilot.press("ctrl+c")  # on the outcome list: not a field
        await pilot.pause()
        assert demo_app.is_running and demo_app.screen is dialog
        assert "does not quit" in dialog.error_text
        await pilot.press("tab", *"12", "ctrl+c")  # in a field: copies
        await pilot.pause()
        assert demo_app.is_running and demo_app.screen is dialog
        assert dialog.query_one("#duration", Input).value == "12"


async def test_a_note_closed_by_accident_comes_back_as_a_draft_and_saving_drops_it(demo_app, demo_store):
    deal = a_deal(demo_store)
    key = draft_key(RecordType.DEAL, deal, "note")
    async with demo_app.run_test(size=SMALL) as pilot:
        page = await open_page(demo_app, pilot, RecordType.DEAL, deal)
        await pilot.press("a")
        await pilot.pause()
        demo_app.screen.query_one(TextArea).load_text("Pricing call\n- budget approved")
        await pilot.pause()
        demo_app.pop_screen()  # the dialog goes without Esc or ctrl+s (e.g. the app was told to leave)
        await pilot.pause()
        assert demo_app.screen is page
        assert Drafts().get(key).values["body"] == "Pricing call\n- budget approved"
        await pilot.press("a")
        await pilot.pause()
        dialog = demo_app.screen
        assert dialog.query_one(TextArea).text == "Pricing call\n- budget approved"
        assert "unsaved draft" in dialog.error_text
        await pilot.press("ctrl+s")
        await settle(demo_app, pilot)
        assert demo_app.screen is page
        assert entries(demo_store, deal, "note")[0]["body"] == "Pricing call\n- budget approved"
        assert Drafts().get(key) is None


async def test_a_draft_outlives_the_app(demo_store):
    deal = a_deal(demo_store)
    first = TrackApp(demo_store, Settings())
    async with first.run_test(size=SMALL) as pilot:
        await open_page(first, pilot, RecordType.DEAL, deal)
        await pilot.press("a", *"half a thought")
        await pilot.pause()
    # the app ended with the editor open
    second = TrackApp(demo_store, Settings())
    async with second.run_test(size=SMALL) as pilot:
        await open_page(second, pilot, RecordType.DEAL, deal)
        await pilot.press("a")
        await pilot.pause()
        assert second.screen.query_one(TextArea).text == "half a thought"
        await pilot.press("escape", "escape")  # a confirmed discard drops it
        await pilot.pause()
    assert Drafts().get(draft_key(RecordType.DEAL, deal, "note")) is None

"""The crash boundary: a handler that raises is logged and shown, the app goes on, nothing typed
is lost; a real crash ends the app with its report."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import TextArea
from textual.worker import WorkerFailed

from track_tui import paths
from track_tui.app import TrackApp
from track_tui.screens.board import BoardScreen
from track_tui.screens.dialogs import QuickAddScreen
from track_tui.screens.record import RecordScreen
from track_tui.screens.record_dialogs import NoteScreen
from track_tui.store import InvalidInput

pytestmark = pytest.mark.app_errors  # these tests make the app report errors on purpose
SIZE = (120, 40)
HOSTILE = "the move broke \x1b]0;pwned\x07 [b]not markup[/b]\nsecond line"


@pytest.fixture
def log_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    return paths.log_file()


async def settle(app, pilot) -> None:
    await app.workers.wait_for_complete()
    await pilot.pause()


def error_notes(app: TrackApp) -> list:
    return [n for n in app._notifications if n.severity == "error"]


async def test_a_key_handler_that_raises_is_logged_and_shown_and_the_app_goes_on(demo_app, log_file, monkeypatch):
    def broken(self, delta: int) -> None:
        raise RuntimeError(HOSTILE)

    monkeypatch.setattr(BoardScreen, "action_move_card", broken)
    async with demo_app.run_test(size=SIZE) as pilot:
        await settle(demo_app, pilot)
        await pilot.press("L")
        await pilot.pause()
        assert demo_app.is_running and demo_app.crash is None
        [note] = error_notes(demo_app)
        # What failed (the binding's own description), the error, and where the details are.
        move = next(b for b in BoardScreen.BINDINGS if b.id == "board.card_next_stage")
        assert f"“{move.description}”" in note.message and "RuntimeError: the move broke" in note.message
        assert str(log_file) in note.message
        assert note.markup is False and "\x1b" not in note.message and "\n" not in note.message
        board = demo_app.screen
        assert isinstance(board, BoardScreen)
        await pilot.press("l")  # the app still answers keys
        assert board.col == 1
    assert demo_app.return_code in (None, 0)
    log = log_file.read_text(encoding="utf-8")
    assert "Traceback (most recent call last)" in log and "in broken" in log
    assert "RuntimeError: the move broke \\x1b]0;pwned\\x07" in log and "\x1b" not in log  # data escaped
    assert log_file.stat().st_mode & 0o077 == 0  # tracebacks quote data: owner only


async def test_a_dialog_whose_save_raises_stays_open_with_what_was_typed(demo_app, demo_store, log_file):
    deal = demo_store.conn.execute("SELECT id FROM deals WHERE deleted_at IS NULL ORDER BY name LIMIT 1").fetchone()[0]
    real_log_entry = demo_store.log_entry
    failures = []

    def flaky_log_entry(*args, **kwargs):
        if not failures:
            failures.append(1)
            raise ZeroDivisionError("disk gremlins")
        return real_log_entry(*args, **kwargs)

    demo_store.log_entry = flaky_log_entry  # type: ignore[method-assign]
    async with demo_app.run_test(size=SIZE) as pilot:
        await settle(demo_app, pilot)
        demo_app.open_record("deal", deal)
        await settle(demo_app, pilot)
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(demo_app.screen, NoteScreen)
        await pilot.press(*"Keep me")
        await pilot.press("ctrl+s")
        await pilot.pause()
        # The save raised: the dialog is still there, with the text, and the person was told.
        assert isinstance(demo_app.screen, NoteScreen)
        assert demo_app.screen.query_one(TextArea).text == "Keep me"
        [note] = error_notes(demo_app)
        assert "ZeroDivisionError: disk gremlins" in note.message and "“Save”" in note.message
        # Trying again saves it.
        await pilot.press("ctrl+s")
        await settle(demo_app, pilot)
        assert isinstance(demo_app.screen, RecordScreen)
    bodies = [r[0] for r in demo_store.conn.execute(
        "SELECT body FROM timeline_entries WHERE record_id = ? AND entry_type = 'note'", (deal,))]
    assert bodies.count("Keep me") == 1
    assert "ZeroDivisionError: disk gremlins" in log_file.read_text(encoding="utf-8")


async def test_quick_add_whose_save_raises_stays_open_with_what_was_typed(demo_app, demo_store, log_file, monkeypatch):
    from textual.widgets import Input

    def broken_create(*args, **kwargs):
        raise OverflowError("Python int too large to convert to SQLite INTEGER")

    monkeypatch.setattr(demo_store, "quick_add", broken_create)  # what the board calls to save
    async with demo_app.run_test(size=SIZE) as pilot:
        await settle(demo_app, pilot)
        await pilot.press("n")
        await pilot.pause()
        dialog = demo_app.screen
        assert isinstance(dialog, QuickAddScreen)
        await pilot.press(*"Big one", "enter")
        await settle(demo_app, pilot)
        assert demo_app.is_running and demo_app.crash is None
        assert demo_app.screen is dialog and dialog.query_one("#name", Input).value == "Big one"
        [note] = error_notes(demo_app)
        assert "OverflowError" in note.message
    assert "OverflowError" in log_file.read_text(encoding="utf-8")


async def test_a_result_callback_that_raises_is_reported(demo_app, demo_store, log_file, monkeypatch):
    """A dialog's result callback runs as the requester's "call next" (here: the board picker's
    choice), outside any message handler."""
    def broken_board(board_id: str):
        raise LookupError(f"board {board_id} vanished")

    async with demo_app.run_test(size=SIZE) as pilot:
        await settle(demo_app, pilot)
        monkeypatch.setattr(demo_store, "board", broken_board)
        await pilot.press("b")
        await pilot.pause()
        await pilot.press("down", "enter")
        await settle(demo_app, pilot)
        assert demo_app.is_running and demo_app.crash is None
        assert isinstance(demo_app.screen, BoardScreen)
        [note] = error_notes(demo_app)
        assert note.message.startswith("Finishing an action failed: LookupError") and "vanished" in note.message
        await pilot.press("l")  # still answering
        assert demo_app.screen.col == 1
    assert "LookupError" in log_file.read_text(encoding="utf-8")


async def test_a_failed_background_task_is_reported_not_fatal(demo_app, demo_store, log_file, monkeypatch):
    def broken_check() -> str | None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(demo_store, "integrity_problem", broken_check)
    async with demo_app.run_test(size=SIZE) as pilot:
        await settle(demo_app, pilot)
        worker = demo_app.check_cache()
        with pytest.raises(WorkerFailed):
            await worker.wait()
        await pilot.pause()
        assert demo_app.is_running and demo_app.crash is None
        [note] = error_notes(demo_app)
        assert note.message.startswith("A background task failed: OSError")
        await pilot.press("l")
        assert demo_app.screen.col == 1


async def test_a_refusal_the_store_explains_is_shown_as_its_message_only(demo_app, log_file, monkeypatch):
    def refused(self, delta: int) -> None:
        raise InvalidInput("Cache", "this cache is read-only")

    monkeypatch.setattr(BoardScreen, "action_move_card", refused)
    async with demo_app.run_test(size=SIZE) as pilot:
        await settle(demo_app, pilot)
        await pilot.press("L")
        await pilot.pause()
        assert demo_app.is_running
        messages = [(n.severity, n.message) for n in demo_app._notifications]
        assert ("warning", "Cache: this cache is read-only") in messages
    assert not log_file.exists()  # not a fault: nothing to send anyone


async def test_the_same_failure_repeated_is_notified_once_but_logged_each_time(demo_app, log_file, monkeypatch):
    def broken(self, delta: int) -> None:
        raise RuntimeError("always")

    monkeypatch.setattr(BoardScreen, "action_move_card", broken)
    async with demo_app.run_test(size=SIZE) as pilot:
        await settle(demo_app, pilot)
        await pilot.press("L", "L", "L")
        await pilot.pause()
        assert demo_app.is_running
        assert len(error_notes(demo_app)) == 1
    assert log_file.read_text(encoding="utf-8").count(" ERROR ") == 3


async def test_a_screen_that_cannot_be_built_is_a_real_crash_with_a_report(demo_app, log_file, monkeypatch):
    def broken_compose(self):
        raise RuntimeError("no board today")

    monkeypatch.setattr(BoardScreen, "compose", broken_compose)
    with pytest.raises(RuntimeError, match="no board today"):  # Pilot re-raises what ended the app
        async with demo_app.run_test(size=SIZE) as pilot:
            await pilot.pause()
    assert demo_app.return_code == 1
    assert demo_app.crash is not None
    line = demo_app.crash.line()
    assert line == f"track: crashed (RuntimeError: no board today); details are in {log_file}"
    assert "RuntimeError: no board today" in log_file.read_text(encoding="utf-8")


async def test_a_message_handler_that_raises_keeps_its_dialog_and_value(demo_app, demo_store, log_file, monkeypatch):
    """Enter in a field dialog arrives as Input.Submitted: a message handler, not an action."""
    from track_tui.screens.record_dialogs import TextFieldScreen
    from textual.widgets import Input

    deal = demo_store.conn.execute("SELECT id FROM deals WHERE deleted_at IS NULL ORDER BY name LIMIT 1").fetchone()[0]

    def broken_update(*args, **kwargs):
        raise KeyError("custom_fields")

    monkeypatch.setattr(demo_store, "update_record", broken_update)
    async with demo_app.run_test(size=SIZE) as pilot:
        await settle(demo_app, pilot)
        demo_app.open_record("deal", deal)
        await settle(demo_app, pilot)
        await pilot.press("e")
        await pilot.pause()
        dialog = demo_app.screen
        assert isinstance(dialog, TextFieldScreen)
        field = dialog.query_one(Input)
        field.value = "Renamed by hand"
        await pilot.press("enter")
        await pilot.pause()
        assert demo_app.screen is dialog and field.value == "Renamed by hand"
        [note] = error_notes(demo_app)
        assert "Handling Submitted (TextFieldScreen) failed: KeyError" in note.message
    assert "KeyError: 'custom_fields'" in log_file.read_text(encoding="utf-8")


async def test_a_widget_that_fails_to_draw_is_a_crash_not_a_loop(demo_app, log_file, monkeypatch):
    from track_tui.widgets.status_line import StatusLine

    def broken_render(self):
        raise ValueError("cannot draw")

    monkeypatch.setattr(StatusLine, "render", broken_render)
    with pytest.raises(ValueError, match="cannot draw"):
        async with demo_app.run_test(size=SIZE) as pilot:
            await pilot.pause(0.5)
    assert demo_app.return_code == 1 and demo_app.crash is not None

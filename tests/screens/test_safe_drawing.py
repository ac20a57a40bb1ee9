"""Drawing data safely without changing it: editors keep stored values, markup stays text,
notifications and the palette show names as they are, the $EDITOR round trip asks first."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.content import Content

from track_tui.external_editor import EditedText
from track_tui.models import RecordType
from track_tui.models.enums import EntryType
from track_tui.screens.record_dialogs import NoteScreen, TextFieldScreen
from track_tui.widgets.plain_text import PlainLabel, PlainStatic, plain
from track_tui.widgets.safe_input import SafeInput
from track_tui.widgets.timeline import markdown_lines

from .test_record import SIZE, a_deal, entries, focus_field, open_page, settle

HOSTILE = "\x1b]0;pwned\x07[/]Deal"
SHOWN = "␛]0;pwned␇[/]Deal"


def _line_text(widget, y: int = 0) -> str:
    return "".join(segment.text for segment in widget.render_line(y))


class _InputApp(App[None]):
    def compose(self) -> ComposeResult:
        yield SafeInput(value="Ab\x1b[2Jc", id="field")
        yield SafeInput(placeholder="PO-\x07123456", id="empty")


async def test_safe_input_draws_symbols_and_keeps_its_value():
    app = _InputApp()
    async with app.run_test() as pilot:
        field = app.query_one(SafeInput)
        field.focus()
        await pilot.pause()
        assert "Ab␛[2Jc" in _line_text(field)
        assert field.value == "Ab\x1b[2Jc"
        field.cursor_position = len(field.value)
        assert field._cursor_offset == len("Ab␛[2Jc") + 1  # the cursor sits after what is drawn
        await pilot.press("x")
        assert field.value == "Ab\x1b[2Jcx"
        assert "PO-␇123456" in _line_text(app.query_one("#empty", SafeInput))


async def test_plain_widgets_never_read_markup_and_show_controls():
    class _Labels(App[None]):
        def compose(self) -> ComposeResult:
            yield PlainStatic("[@click=app.quit]x\x07", id="static")
            yield PlainLabel("", id="label")

    app = _Labels()
    async with app.run_test() as pilot:
        app.query_one("#label", PlainLabel).update("Value: '[/]' is not an amount")
        await pilot.pause()
        static = app.query_one("#static", PlainStatic).visual
        label = app.query_one("#label", PlainLabel).visual
        assert isinstance(static, Content) and static.plain == "[@click=app.quit]x␇" and not static.spans
        assert isinstance(label, Content) and label.plain == "Value: '[/]' is not an amount"
    assert plain("[b]\x1b").plain == "[b]␛"


async def test_a_notification_with_a_hostile_name_is_shown_as_text(demo_app):
    async with demo_app.run_test(size=SIZE) as pilot:
        await settle(demo_app, pilot)
        demo_app.screen.notify(f"Deleted {HOSTILE}", title="\x9b31m")
        await pilot.pause()
        notification = list(demo_app._notifications)[-1]
        assert notification.message == f"Deleted {SHOWN}"
        assert notification.title == "�31m"
        assert notification.markup is False
        assert demo_app.is_running  # "[/]" read as markup would have ended the app


async def test_palette_titles_hold_names_escaped(demo_app, demo_store):
    demo_store.conn.execute("UPDATE boards SET name = ? || name", (HOSTILE,))
    async with demo_app.run_test(size=SIZE) as pilot:
        await settle(demo_app, pilot)
        titles = [command.title for command in demo_app.get_system_commands(demo_app.screen)]
        shown = [Content.from_markup(title).plain for title in titles]
        assert any(title.startswith(f"Board: open {SHOWN}") for title in shown)
        assert not any("\x1b" in title for title in titles)


async def test_editing_a_field_without_changing_it_keeps_the_stored_value(demo_app, demo_store):
    deal_id = a_deal(demo_store)
    demo_store.conn.execute("UPDATE deals SET name = ? WHERE id = ?", (HOSTILE, deal_id))
    async with demo_app.run_test(size=SIZE) as pilot:
        page = await open_page(demo_app, pilot, RecordType.DEAL, deal_id)
        await focus_field(pilot, page, "field:name")
        await pilot.press("e")
        await pilot.pause()
        dialog = demo_app.screen
        assert isinstance(dialog, TextFieldScreen)
        field = dialog.query_one(SafeInput)
        assert field.value == HOSTILE and SHOWN in _line_text(field)
        await pilot.press("enter")
        await settle(demo_app, pilot)
    stored = demo_store.conn.execute("SELECT name FROM deals WHERE id = ?", (deal_id,)).fetchone()[0]
    assert stored == HOSTILE  # drawn safely, stored as it was: no symbols written back


def test_markdown_cannot_turn_character_references_into_controls():
    lines = markdown_lines("Line &#13;&#12; `\x1b[2J` and **\x1b]0;t\x07**\n\n    code\x1b[6n", 60)
    text = "\n".join("".join(segment.text for segment in line) for line in lines)
    assert not [c for c in text if ord(c) < 0x20 and c != "\n" or 0x7F <= ord(c) < 0xA0]
    assert "␛[2J" in text and "␛]0;t␇" in text and "␛[6n" in text


async def test_a_note_from_the_editor_with_controls_opens_for_review_first(demo_app, demo_store, monkeypatch):
    deal_id = a_deal(demo_store)
    edited = EditedText("Call notes [2J\nnext steps", "1 control character (ESC) from the editor was taken out")
    monkeypatch.setattr("track_tui.screens.record.run_editor", lambda app, text: edited)
    async with demo_app.run_test(size=SIZE) as pilot:
        await open_page(demo_app, pilot, RecordType.DEAL, deal_id)
        notes_before = len(entries(demo_store, deal_id, EntryType.NOTE.value))
        await pilot.press("A")
        await settle(demo_app, pilot)
        await pilot.pause()
        dialog = demo_app.screen
        assert isinstance(dialog, NoteScreen)
        assert len(entries(demo_store, deal_id, "note")) == notes_before  # nothing stored yet
        error = dialog.query_one("#error", PlainLabel)
        assert error.display and "1 control character (ESC)" in str(error.visual)
        await pilot.press("ctrl+s")
        await settle(demo_app, pilot)
    assert entries(demo_store, deal_id, "note")[0]["body"] == "Call notes [2J\nnext steps"

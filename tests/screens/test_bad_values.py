"""Bad values typed into the real dialogs: each is refused with the field and the rule, the dialog
stays open with what was typed, and nothing is written. Good values that used to be misread (a
decimal comma, an empty Value, a meeting's time) are stored as meant."""

from __future__ import annotations

import os
from datetime import datetime, time, timedelta, timezone

from textual.widgets import Input, Label, TextArea

from track_tui.external_editor import EditedText
from track_tui.models import RecordType
from track_tui.models.text import LINE_MAX, LONG_TEXT_MAX
from track_tui.screens.board import BoardScreen
from track_tui.screens.dialogs import QuickAddScreen
from track_tui.screens.inbox_dialogs import SnoozeScreen, TaskEditScreen
from track_tui.screens.record_dialogs import CallScreen, MeetingScreen, NoteScreen, TextFieldScreen

from .test_inbox import open_inbox
from .test_record import SIZE, a_deal, entries, focus_field, open_page, outbox, settle, type_into

HUGE = "99999999999999999999"


def error_of(dialog) -> str:
    label = dialog.query_one("#error", Label)
    return str(label.render()) if label.display else ""


async def edit_field(app, pilot, page, key: str, text: str):
    """Open the field's editor, type `text`, press Enter; return the dialog (open or not)."""
    await focus_field(pilot, page, key)
    await pilot.press("enter")
    await pilot.pause()
    dialog = app.screen
    assert isinstance(dialog, TextFieldScreen)
    field = dialog.query_one(Input)
    if text and all(ch.isprintable() for ch in text) and len(text) < 100:
        await type_into(pilot, field, text)
    else:  # what a key press cannot type: a NUL, a paste of a thousand characters
        field.value = text
    await pilot.press("enter")
    await settle(app, pilot)
    return dialog


async def test_value_and_probability_refuse_overflow_and_nan_and_read_a_decimal_comma(demo_app, demo_store):
    deal_id = a_deal(demo_store, "currency = 'USD' AND value_cents > 0")
    async with demo_app.run_test(size=SIZE) as pilot:
        page = await open_page(demo_app, pilot, RecordType.DEAL, deal_id)
        before = len(outbox(demo_store))
        value = demo_store.record(RecordType.DEAL, deal_id).value_cents
        for typed, words in ((HUGE, "too large: the most an amount can be is $92,233,720,368,547,758.07"),
                             ("1e400", "is not an amount"), ("nan", "is not an amount")):
            dialog = await edit_field(demo_app, pilot, page, "field:value_cents", typed)
            assert demo_app.screen is dialog, typed
            assert error_of(dialog).startswith("Value: ") and words in error_of(dialog)
            assert dialog.query_one(Input).value == typed  # what was typed is still there
            await pilot.press("escape", "escape")  # typed text: the first Esc asks, the second discards
            await pilot.pause()
        for typed, words in (("nan", "'nan' is not a number"), ("inf", "is not a number"),
                             ("150", "outside 0 to 100"), ("1,250", "ambiguous")):
            dialog = await edit_field(demo_app, pilot, page, "field:probability", typed)
            assert demo_app.screen is dialog and error_of(dialog).startswith("Probability: ")
            assert words in error_of(dialog), error_of(dialog)
            await pilot.press("escape", "escape")  # typed text: the first Esc asks, the second discards
            await pilot.pause()
        assert len(outbox(demo_store)) == before
        assert demo_store.record(RecordType.DEAL, deal_id).value_cents == value

        # A decimal comma is understood; an empty Value is no value, not $0.00.
        await edit_field(demo_app, pilot, page, "field:value_cents", "12,5")
        assert demo_app.screen is page
        assert demo_store.record(RecordType.DEAL, deal_id).value_cents == 1_250
        await edit_field(demo_app, pilot, page, "field:probability", "12,5")
        assert float(demo_store.record(RecordType.DEAL, deal_id).probability) == 12.5
        await edit_field(demo_app, pilot, page, "field:value_cents", "")
        assert demo_app.screen is page
        assert demo_store.conn.execute("SELECT value_cents FROM deals WHERE id = ?", (deal_id,)).fetchone()[0] is None
        card_id = demo_store.conn.execute("SELECT id FROM board_cards WHERE record_id = ?", (deal_id,)).fetchone()[0]
        assert demo_store.card_summaries([card_id])[card_id].value is None
        await pilot.pause()
        assert "no value" in str(page.query_one("#record-header").render())


async def test_urls_domains_and_text_the_database_cannot_hold_are_refused(demo_app, demo_store):
    deal_id = a_deal(demo_store)
    company_id = demo_store.conn.execute(
        "SELECT id FROM companies WHERE deleted_at IS NULL ORDER BY name LIMIT 1").fetchone()[0]
    async with demo_app.run_test(size=SIZE) as pilot:
        page = await open_page(demo_app, pilot, RecordType.DEAL, deal_id)
        before = len(outbox(demo_store))
        for typed, words in (("javascript:alert(1)", "javascript: addresses are not allowed"),
                             ("not a url", "spaces"), ("https://exa mple.com", "spaces"),
                             ("http://docs.example.com", "use https://")):
            dialog = await edit_field(demo_app, pilot, page, "custom:proposal_url", typed)
            assert demo_app.screen is dialog and error_of(dialog).startswith("Proposal: "), typed
            assert words in error_of(dialog) and dialog.query_one(Input).value == typed
            await pilot.press("escape", "escape")  # typed text: the first Esc asks, the second discards
            await pilot.pause()
        for typed, words in (("Acme\x00Deal", "NUL character"), ("x" * (LINE_MAX + 1), "too long: 1,001 characters")):
            dialog = await edit_field(demo_app, pilot, page, "field:name", typed)
            assert demo_app.screen is dialog and error_of(dialog) == f"Name: {error_of(dialog)[6:]}"
            assert words in error_of(dialog) and dialog.query_one(Input).value == typed
            await pilot.press("escape", "escape")  # typed text: the first Esc asks, the second discards
            await pilot.pause()
        assert len(outbox(demo_store)) == before
        await edit_field(demo_app, pilot, page, "custom:proposal_url", "docs.example.com/p/7")
        assert demo_store.record(RecordType.DEAL, deal_id).custom_fields["proposal_url"] == "https://docs.example.com/p/7"

        await pilot.press("escape")
        await settle(demo_app, pilot)
        page = await open_page(demo_app, pilot, RecordType.COMPANY, company_id)
        dialog = await edit_field(demo_app, pilot, page, "field:domain", "exa mple.com")
        assert demo_app.screen is dialog and error_of(dialog).startswith("Domain: 'exa mple.com' is not a domain name")
        await pilot.press("escape", "escape")  # typed text: the first Esc asks, the second discards
        await pilot.pause()
        await edit_field(demo_app, pilot, page, "field:domain", "https://Northwind.example/about")
        assert demo_store.record(RecordType.COMPANY, company_id).domain == "northwind.example"


async def test_quick_add_refuses_overflow_and_long_names_keeping_the_dialog(demo_app, demo_store):
    async with demo_app.run_test(size=SIZE) as pilot:
        await settle(demo_app, pilot)
        board = demo_app.screen
        assert isinstance(board, BoardScreen)
        deals = demo_store.conn.execute("SELECT count(*) FROM deals").fetchone()[0]
        companies = demo_store.conn.execute("SELECT count(*) FROM companies").fetchone()[0]
        await pilot.press("n")
        await pilot.pause()
        dialog = demo_app.screen
        assert isinstance(dialog, QuickAddScreen)
        await pilot.press(*"Orbit", "tab", *HUGE, "enter")
        await pilot.pause()
        assert demo_app.screen is dialog and error_of_label(dialog).startswith("Value: ")
        assert "too large" in error_of_label(dialog) and dialog.query_one("#value", Input).value == HUGE
        # A name the model refuses is caught before anything is written — the new company too.
        dialog.query_one("#name", Input).value = "x" * (LINE_MAX + 1)
        dialog.query_one("#value", Input).value = "12,5"
        dialog.query_one("#company", Input).value = "Brand New Orbit Co"
        await pilot.press("enter")
        await settle(demo_app, pilot)
        assert demo_app.screen is dialog and error_of_label(dialog) == "Name: too long: 1,001 characters (the most is 1,000)"
        assert dialog.query_one("#name", Input).value == "x" * (LINE_MAX + 1)
        assert demo_store.conn.execute("SELECT count(*) FROM deals").fetchone()[0] == deals
        assert demo_store.conn.execute("SELECT count(*) FROM companies").fetchone()[0] == companies
        dialog.query_one("#name", Input).value = "Orbit"
        await pilot.press("enter")
        await settle(demo_app, pilot)
        assert demo_app.screen is board
        row = demo_store.conn.execute("SELECT * FROM deals WHERE name = 'Orbit'").fetchone()
        assert row["value_cents"] == 1_250  # 12,5 is twelve and a half, not 125
        # An empty value is no value: NULL, and the card says so.
        await pilot.press("n")
        await pilot.pause()
        await pilot.press(*"Unpriced", "enter")
        await settle(demo_app, pilot)
        row = demo_store.conn.execute("SELECT * FROM deals WHERE name = 'Unpriced'").fetchone()
        assert row["value_cents"] is None
        cards = board.column.cards
        assert cards.summary(cards.current_id).name == "Unpriced"
        assert "no value" in cards.render_line(1).text


def error_of_label(dialog) -> str:
    return str(dialog.query_one("#error", Label).render())


async def test_snooze_to_a_past_date_is_refused_in_the_dialog(demo_app):
    async with demo_app.run_test(size=(120, 40)) as pilot:
        inbox = await open_inbox(demo_app, pilot)
        task = inbox.task_list.current
        due = demo_app.store.inbox_task(task.id).due_date
        await pilot.press("z", "down", "down", "enter", *"yesterday", "enter")
        await pilot.pause()
        dialog = demo_app.screen
        assert isinstance(dialog, SnoozeScreen)
        assert "is in the past; snooze to today or later" in error_of_label(dialog)
        assert error_of_label(dialog).startswith("Date: ")
        assert dialog.query_one("#snooze-date", Input).value == "yesterday"
        await pilot.press("escape")
        await settle(demo_app, pilot)
        assert demo_app.store.inbox_task(task.id).due_date == due


async def test_a_new_task_with_a_title_too_long_stays_in_its_dialog(demo_app):
    async with demo_app.run_test(size=(120, 40)) as pilot:
        await open_inbox(demo_app, pilot)
        tasks = demo_app.store.conn.execute("SELECT count(*) FROM tasks").fetchone()[0]
        await pilot.press("n")
        await pilot.pause()
        dialog = demo_app.screen
        assert isinstance(dialog, TaskEditScreen)
        title = "t" * (LINE_MAX + 1)
        dialog.query_one("#task-title", Input).value = title
        dialog.query_one("#task-description", Input).value = "nul\x00here"
        dialog.query_one("#task-title", Input).focus()
        await pilot.press("enter")
        await pilot.pause()
        assert demo_app.screen is dialog and error_of_label(dialog).startswith("Title: too long")
        dialog.query_one("#task-title", Input).value = "A fine title"
        await pilot.press("enter")
        await pilot.pause()
        assert demo_app.screen is dialog and "Description: contains a NUL character" in error_of_label(dialog)
        assert demo_app.store.conn.execute("SELECT count(*) FROM tasks").fetchone()[0] == tasks


async def test_a_meeting_keeps_its_time_and_a_huge_duration_is_refused(demo_app, demo_store):
    deal_id = a_deal(demo_store)
    async with demo_app.run_test(size=SIZE) as pilot:
        await open_page(demo_app, pilot, RecordType.DEAL, deal_id)
        await pilot.press("m")
        await pilot.pause()
        meeting = demo_app.screen
        assert isinstance(meeting, MeetingScreen)
        meeting.query_one("#title", Input).value = "Security review"
        meeting.query_one("#when", Input).value = "yesterday 14:00"
        meeting.query_one("#duration", Input).value = HUGE
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert demo_app.screen is meeting and error_of_label(meeting) == f"Duration: {HUGE!r} is longer than 24 hours"
        meeting.query_one("#duration", Input).value = "45"
        await pilot.press("ctrl+s")
        await settle(demo_app, pilot)
        row = entries(demo_store, deal_id, "meeting")[0]
        when = datetime.combine(demo_store.today() - timedelta(days=1), time(14, 0), tzinfo=timezone.utc)
        assert datetime.fromisoformat(row["created_at"]) == when  # not the moment it was logged
        await pilot.press("c")
        await pilot.pause()
        call = demo_app.screen
        assert isinstance(call, CallScreen)
        call.query_one("#duration", Input).value = "1:75"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert demo_app.screen is call and "minutes after the colon go up to 59" in error_of_label(call)


async def test_a_note_too_long_or_with_a_nul_stays_in_the_editor(demo_app, demo_store, monkeypatch):
    deal_id = a_deal(demo_store)
    notes = len(entries(demo_store, deal_id, "note"))
    async with demo_app.run_test(size=SIZE) as pilot:
        await open_page(demo_app, pilot, RecordType.DEAL, deal_id)
        await pilot.press("a")
        await pilot.pause()
        dialog = demo_app.screen
        assert isinstance(dialog, NoteScreen)
        area = dialog.query_one(TextArea)
        area.load_text("x" * (LONG_TEXT_MAX + 1))
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert demo_app.screen is dialog
        assert error_of_label(dialog) == "Text: too long: 200,001 characters (the most is 200,000)"
        assert len(area.text) == LONG_TEXT_MAX + 1
        area.load_text("before\x00after")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert demo_app.screen is dialog and "NUL character" in error_of_label(dialog)
        # ctrl+e: a text over the limit from $EDITOR is not loaded into the editor; it is kept.
        huge = "y" * (LONG_TEXT_MAX + 5)
        monkeypatch.setattr("track_tui.screens.record_dialogs.run_editor", lambda app, text: EditedText(huge))
        await pilot.press("ctrl+e")
        await pilot.pause()
        assert area.text == "before\x00after"
        message = error_of_label(dialog)
        assert message.startswith("Text: too long: 200,005 characters") and "it was not loaded" in message
        kept = message.rsplit("kept in ", 1)[1]
        with open(kept, encoding="utf-8") as handle:
            assert handle.read() == huge
        os.unlink(kept)
        await pilot.press("escape", "escape")  # typed text: the first Esc asks, the second discards
        await pilot.pause()
        assert len(entries(demo_store, deal_id, "note")) == notes

        # Written in $EDITOR and refused: kept in a file the message names.
        long_text = "word " * (LONG_TEXT_MAX // 4)
        monkeypatch.setattr("track_tui.screens.record.run_editor", lambda app, text: EditedText(long_text))
        shown: list[str] = []
        monkeypatch.setattr(demo_app.screen, "notify", lambda message, **kw: shown.append(message))
        await pilot.press("A")
        await settle(demo_app, pilot)
        assert shown and shown[0].startswith("Note not saved — Text: too long")
        kept = shown[0].rsplit("kept in ", 1)[1]
        try:
            with open(kept, encoding="utf-8") as handle:
                assert handle.read() == long_text
            assert os.stat(kept).st_mode & 0o077 == 0  # only its owner can read it
        finally:
            os.unlink(kept)
        assert len(entries(demo_store, deal_id, "note")) == notes

"""Pilot tests of the record page: every action asserts the rows, timeline entries and outbox."""

from __future__ import annotations

import json
from datetime import date, timedelta

from textual.widgets import Input, Label, OptionList, SelectionList, TextArea

from track_tui.external_editor import EditedText
from track_tui.models import RecordType, TimelineEntry
from track_tui.models.enums import EntryType
from track_tui.screens.board import BoardScreen
from track_tui.screens.dialogs import OutcomeScreen
from track_tui.screens.record import RecordScreen
from track_tui.screens.record_dialogs import (
    CallScreen, ChoiceScreen, EmailScreen, MeetingScreen, MultiChoiceScreen, NoteScreen, RecordPickerScreen,
    TaskScreen, TextFieldScreen,
)
from track_tui.store import Origin
from track_tui.widgets.timeline import PAGE

SIZE = (120, 40)


async def settle(app, pilot) -> None:
    await app.workers.wait_for_complete()
    await pilot.pause()


def outbox(store) -> list[dict]:
    return [dict(r) for r in store.conn.execute("SELECT * FROM outbox ORDER BY seq")]


def entries(store, record_id: str, kind: str) -> list[dict]:
    return [dict(r) for r in store.conn.execute(
        "SELECT * FROM timeline_entries WHERE record_id = ? AND entry_type = ? ORDER BY created_at DESC, id DESC",
        (record_id, kind),
    )]


def a_deal(store, where: str = "1 = 1") -> str:
    return store.conn.execute(
        f"SELECT id FROM deals WHERE deleted_at IS NULL AND {where} ORDER BY created_at, id LIMIT 1"
    ).fetchone()[0]


async def open_page(app, pilot, kind: RecordType, record_id: str) -> RecordScreen:
    await settle(app, pilot)
    app.open_record(kind, record_id)
    await settle(app, pilot)
    screen = app.screen
    assert isinstance(screen, RecordScreen)
    return screen


async def focus_field(pilot, screen: RecordScreen, key: str) -> None:
    fields = screen.fields_list
    fields.focus()
    ids = [fields.get_option_at_index(i).id for i in range(fields.option_count)]
    fields.highlighted = ids.index(key)
    await pilot.pause()


async def type_into(pilot, widget, text: str) -> None:
    widget.focus()
    await pilot.pause()
    if isinstance(widget, Input):
        widget.value = ""
    await pilot.press(*text) if text else None
    await pilot.pause()


# -- opening and reading ---------------------------------------------------------------------


async def test_enter_on_the_board_opens_the_deal_and_escape_returns_to_the_same_card(demo_app, demo_store):
    async with demo_app.run_test(size=SIZE) as pilot:
        await settle(demo_app, pilot)
        board = demo_app.screen
        assert isinstance(board, BoardScreen)
        board.action_cursor(2)
        card_id = board.column.cards.current_id
        summary = board.column.cards.summary(card_id)
        await pilot.press("enter")
        await settle(demo_app, pilot)
        page = demo_app.screen
        assert isinstance(page, RecordScreen)
        assert page.record_id == summary.record_id
        assert demo_app.focused is page.fields_list
        assert page.timeline_total == demo_store.record_timeline_count(summary.record_id)
        await pilot.press("escape")
        await settle(demo_app, pilot)
        assert demo_app.screen is board
        assert board.column.cards.current_id == card_id


async def test_fields_show_labels_and_formatted_values(demo_app, demo_store):
    deal_id = a_deal(demo_store, "close_date IS NOT NULL AND currency = 'USD' AND value_cents > 0")
    deal = demo_store.record(RecordType.DEAL, deal_id)
    async with demo_app.run_test(size=SIZE) as pilot:
        page = await open_page(demo_app, pilot, RecordType.DEAL, deal_id)
        fields = page.fields_list
        texts = {fields.get_option_at_index(i).id: str(_plain(fields.get_option_at_index(i).prompt))
                 for i in range(fields.option_count)}
        assert "Value" in texts["field:value_cents"] and deal.value.format() in texts["field:value_cents"]
        assert "Close date" in texts["field:close_date"]
        assert f"{deal.close_date.day} {deal.close_date:%b %Y}" in texts["field:close_date"]
        keys = [d.key for d in demo_store.custom_field_defs(RecordType.DEAL)]
        custom_ids = [i for i in texts if i.startswith("custom:")]
        assert custom_ids == [f"custom:{k}" for k in keys]  # the workspace's order


def _plain(prompt) -> str:
    from rich.console import Console

    console = Console(width=60, record=True, color_system=None)
    console.print(prompt)
    return console.export_text()


async def test_relations_of_a_deal_open_the_company_and_escape_comes_back(demo_app, demo_store):
    deal_id = a_deal(demo_store, "company_id IS NOT NULL")
    company_id = demo_store.record(RecordType.DEAL, deal_id).company_id
    async with demo_app.run_test(size=SIZE) as pilot:
        page = await open_page(demo_app, pilot, RecordType.DEAL, deal_id)
        groups = [r.group for r in page.relations]
        assert groups[0] == "Company" and "Contacts" in groups
        linked = {r.record_id for r in page.relations if r.link_id}
        on_deal = {r[0] for r in demo_store.conn.execute("SELECT contact_id FROM deal_contacts WHERE deal_id = ?", (deal_id,))}
        assert linked == on_deal
        await pilot.press("tab")
        assert demo_app.focused is page.relations_list
        page.relations_list.highlighted = 1  # the company (after its heading)
        await pilot.press("enter")
        await settle(demo_app, pilot)
        company_page = demo_app.screen
        assert isinstance(company_page, RecordScreen) and company_page.record_id == company_id
        assert any(r.record_id == deal_id for r in company_page.relations if r.group == "Deals")
        await pilot.press("backspace")
        await settle(demo_app, pilot)
        assert demo_app.screen is page
        assert demo_app.focused is page.relations_list
        assert page.relations_list.highlighted == 1


async def test_contact_page_shows_its_company_and_deals(demo_app, demo_store):
    contact_id = demo_store.conn.execute(
        "SELECT contact_id FROM deal_contacts dc JOIN contacts c ON c.id = dc.contact_id WHERE c.company_id IS NOT NULL LIMIT 1"
    ).fetchone()[0]
    async with demo_app.run_test(size=SIZE) as pilot:
        page = await open_page(demo_app, pilot, RecordType.CONTACT, contact_id)
        groups = {r.group for r in page.relations}
        assert {"Company", "Deals"} <= groups
        spec_names = [s.name for s in page.specs if s.custom is None]
        assert spec_names[:4] == ["name", "email", "phone", "title"]


# -- editing fields --------------------------------------------------------------------------


async def test_editing_close_date_writes_the_record_a_field_edit_and_an_outbox_entry(demo_app, demo_store):
    deal_id = a_deal(demo_store)
    async with demo_app.run_test(size=SIZE) as pilot:
        page = await open_page(demo_app, pilot, RecordType.DEAL, deal_id)
        before = len(outbox(demo_store))
        await focus_field(pilot, page, "field:close_date")
        await pilot.press("e")
        await pilot.pause()
        dialog = demo_app.screen
        assert isinstance(dialog, TextFieldScreen)
        await type_into(pilot, dialog.query_one(Input), "+3d")
        await pilot.press("enter")
        await settle(demo_app, pilot)
        assert demo_app.screen is page
        expected = demo_store.today() + timedelta(days=3)
        assert demo_store.record(RecordType.DEAL, deal_id).close_date == expected
        edit = entries(demo_store, deal_id, "field_edit")[0]
        assert json.loads(edit["payload"])["new"] == expected.isoformat()
        rows = outbox(demo_store)[before:]
        assert {(r["table_name"], r["op"]) for r in rows} == {("deals", "update"), ("timeline_entries", "insert")}
        # the new entry is on top of the timeline, as a sentence
        assert page.timeline.entries[0].entry_type == EntryType.FIELD_EDIT


async def test_invalid_value_is_refused_inline_and_nothing_is_written(demo_app, demo_store):
    deal_id = a_deal(demo_store, "currency = 'JPY'") if demo_store.conn.execute(
        "SELECT 1 FROM deals WHERE currency = 'JPY'").fetchone() else None
    deal_id = deal_id or a_deal(demo_store)
    async with demo_app.run_test(size=SIZE) as pilot:
        page = await open_page(demo_app, pilot, RecordType.DEAL, deal_id)
        before = len(outbox(demo_store))
        await focus_field(pilot, page, "field:value_cents")
        await pilot.press("enter")
        await pilot.pause()
        dialog = demo_app.screen
        assert isinstance(dialog, TextFieldScreen)
        await type_into(pilot, dialog.query_one(Input), "12 apples")
        await pilot.press("enter")
        await pilot.pause()
        assert demo_app.screen is dialog
        error = dialog.query_one("#error", Label)
        assert error.display and "is not an amount" in str(error.render())
        assert len(outbox(demo_store)) == before
        await pilot.press("escape", "escape")  # typed text: the first Esc asks, the second discards
        await pilot.pause()
        assert demo_app.screen is page


async def test_custom_fields_use_a_control_that_fits_their_type(demo_app, demo_store):
    deal_id = a_deal(demo_store)
    async with demo_app.run_test(size=SIZE) as pilot:
        page = await open_page(demo_app, pilot, RecordType.DEAL, deal_id)
        # select: a picker of config.options
        await focus_field(pilot, page, "custom:lead_source")
        await pilot.press("enter")
        await pilot.pause()
        picker = demo_app.screen
        assert isinstance(picker, ChoiceScreen)
        options = picker.query_one(OptionList)
        ids = [options.get_option_at_index(i).id for i in range(options.option_count)]
        options.highlighted = ids.index("referral")
        await pilot.press("enter")
        await settle(demo_app, pilot)
        assert demo_store.record(RecordType.DEAL, deal_id).custom_fields["lead_source"] == "referral"
        # multi-select: toggles, max_selected is enforced inline
        await focus_field(pilot, page, "custom:products")
        await pilot.press("enter")
        await pilot.pause()
        multi = demo_app.screen
        assert isinstance(multi, MultiChoiceScreen)
        selection = multi.query_one(SelectionList)
        selection.select_all()
        await pilot.press("enter")
        await pilot.pause()
        assert demo_app.screen is multi and "at most 4" in str(multi.query_one("#error", Label).render())
        selection.deselect_all()
        selection.select("API")
        selection.select("Core")
        await pilot.press("enter")
        await settle(demo_app, pilot)
        assert demo_store.record(RecordType.DEAL, deal_id).custom_fields["products"] == ["Core", "API"]
        # boolean: toggles at once
        before = demo_store.record(RecordType.DEAL, deal_id).custom_fields.get("procurement")
        await focus_field(pilot, page, "custom:procurement")
        await pilot.press("enter")
        await settle(demo_app, pilot)
        assert demo_store.record(RecordType.DEAL, deal_id).custom_fields["procurement"] is (not before)
        # number with validation
        await focus_field(pilot, page, "custom:contract_months")
        await pilot.press("enter")
        await pilot.pause()
        number = demo_app.screen
        await type_into(pilot, number.query_one(Input), "99")
        await pilot.press("enter")
        await pilot.pause()
        assert demo_app.screen is number and "at most 60" in str(number.query_one("#error", Label).render())
        await type_into(pilot, number.query_one(Input), "24")
        await pilot.press("enter")
        await settle(demo_app, pilot)
        assert demo_store.record(RecordType.DEAL, deal_id).custom_fields["contract_months"] == 24
        # date accepts human input
        await focus_field(pilot, page, "custom:renewal_date")
        await pilot.press("enter")
        await pilot.pause()
        await type_into(pilot, demo_app.screen.query_one(Input), "tomorrow")
        await pilot.press("enter")
        await settle(demo_app, pilot)
        tomorrow = (demo_store.today() + timedelta(days=1)).isoformat()
        assert demo_store.record(RecordType.DEAL, deal_id).custom_fields["renewal_date"] == tomorrow
        # link: searches contacts by name
        contact = demo_store.conn.execute("SELECT id, name FROM contacts WHERE deleted_at IS NULL ORDER BY name LIMIT 1").fetchone()
        await focus_field(pilot, page, "custom:referred_by")
        await pilot.press("enter")
        await pilot.pause()
        link = demo_app.screen
        assert isinstance(link, RecordPickerScreen)
        await pilot.press(*contact["name"])
        await pilot.pause()
        assert link.items and link.items[0].record_id == contact["id"]
        await pilot.press("enter")
        await settle(demo_app, pilot)
        assert demo_store.record(RecordType.DEAL, deal_id).custom_fields["referred_by"] == {
            "type": "contact", "id": contact["id"]}
        edits = [json.loads(e["payload"])["field"] for e in entries(demo_store, deal_id, "field_edit")]
        for key in ("lead_source", "products", "procurement", "contract_months", "renewal_date", "referred_by"):
            assert f"custom_fields.{key}" in edits


async def test_owner_and_company_are_edited_with_pickers(demo_app, demo_store):
    contact_id = demo_store.conn.execute("SELECT id FROM contacts WHERE deleted_at IS NULL ORDER BY id LIMIT 1").fetchone()[0]
    company = demo_store.conn.execute("SELECT id, name FROM companies WHERE deleted_at IS NULL ORDER BY name DESC LIMIT 1").fetchone()
    async with demo_app.run_test(size=SIZE) as pilot:
        page = await open_page(demo_app, pilot, RecordType.CONTACT, contact_id)
        await focus_field(pilot, page, "field:company_id")
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press(*company["name"])
        await pilot.press("enter")
        await settle(demo_app, pilot)
        assert demo_store.record(RecordType.CONTACT, contact_id).company_id == company["id"]
        await focus_field(pilot, page, "field:owner_id")
        await pilot.press("enter")
        await pilot.pause()
        picker = demo_app.screen
        options = picker.query_one(OptionList)
        ids = [options.get_option_at_index(i).id for i in range(options.option_count)]
        options.highlighted = ids.index("")  # nobody
        await pilot.press("enter")
        await settle(demo_app, pilot)
        assert demo_store.record(RecordType.CONTACT, contact_id).owner_id is None
        assert any(r.group == "Company" and r.record_id == company["id"] for r in page.relations)


# -- the timeline ----------------------------------------------------------------------------


async def test_add_note_saves_markdown_to_the_timeline_and_outbox(demo_app, demo_store):
    deal_id = a_deal(demo_store)
    async with demo_app.run_test(size=SIZE) as pilot:
        page = await open_page(demo_app, pilot, RecordType.DEAL, deal_id)
        before = len(outbox(demo_store))
        await pilot.press("a")
        await pilot.pause()
        editor = demo_app.screen
        assert isinstance(editor, NoteScreen)
        await pilot.press("ctrl+s")  # empty: refused
        await pilot.pause()
        assert demo_app.screen is editor
        editor.query_one(TextArea).load_text("## Call recap\n\n- budget **approved**\n- next: legal")
        await pilot.press("ctrl+s")
        await settle(demo_app, pilot)
        assert demo_app.screen is page
        note = entries(demo_store, deal_id, "note")[0]
        assert note["body"].startswith("## Call recap") and note["author_id"] == demo_store.user_id
        assert [(r["table_name"], r["op"]) for r in outbox(demo_store)[before:]] == [("timeline_entries", "insert")]
        assert page.timeline.entries[0].id == note["id"]
        assert page.timeline.cursor == 0


async def test_escape_in_the_note_editor_cancels_without_saving(demo_app, demo_store):
    deal_id = a_deal(demo_store)
    async with demo_app.run_test(size=SIZE) as pilot:
        page = await open_page(demo_app, pilot, RecordType.DEAL, deal_id)
        notes_before = len(entries(demo_store, deal_id, "note"))
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(demo_app.screen, NoteScreen)
        await pilot.press(*"half a thought")
        await pilot.press("escape")  # the editor's own Escape must not swallow it
        await pilot.pause()
        dialog = demo_app.screen
        assert isinstance(dialog, NoteScreen) and "Esc again discards" in dialog.error_text  # it asks first
        await pilot.press("escape")
        await settle(demo_app, pilot)
        assert demo_app.screen is page
        assert len(entries(demo_store, deal_id, "note")) == notes_before
        assert outbox(demo_store) == []


async def test_note_in_editor_uses_the_editor_hook(demo_app, demo_store, monkeypatch):
    deal_id = a_deal(demo_store)
    monkeypatch.setattr("track_tui.screens.record.run_editor", lambda app, text: EditedText("Written in vim\n"))
    async with demo_app.run_test(size=SIZE) as pilot:
        await open_page(demo_app, pilot, RecordType.DEAL, deal_id)
        await pilot.press("A")
        await settle(demo_app, pilot)
        assert entries(demo_store, deal_id, "note")[0]["body"] == "Written in vim"


async def test_log_a_call_with_the_workspace_dispositions(demo_app, demo_store):
    demo_store.set_meta("call_dispositions", json.dumps(["reached", "left message", "wrong number"]))
    deal_id = a_deal(demo_store)
    async with demo_app.run_test(size=SIZE) as pilot:
        await open_page(demo_app, pilot, RecordType.DEAL, deal_id)
        await pilot.press("c")
        await pilot.pause()
        dialog = demo_app.screen
        assert isinstance(dialog, CallScreen)
        options = dialog.query_one(OptionList)
        assert [options.get_option_at_index(i).id for i in range(options.option_count)] == [
            "reached", "left message", "wrong number"]
        await pilot.press("down", "enter")  # left message; focus moves to duration
        await pilot.press(*"1h 5m")
        await pilot.press("enter")  # to the summary
        await pilot.press(*"Asked for a callback")
        await pilot.press("ctrl+s")
        await settle(demo_app, pilot)
        call = entries(demo_store, deal_id, "call")[0]
        assert json.loads(call["payload"]) == {"disposition": "left message", "duration_seconds": 3900}
        assert call["body"] == "Asked for a callback"


async def test_default_dispositions_and_a_bad_duration(demo_app, demo_store):
    deal_id = a_deal(demo_store)
    async with demo_app.run_test(size=SIZE) as pilot:
        await open_page(demo_app, pilot, RecordType.DEAL, deal_id)
        await pilot.press("c")
        await pilot.pause()
        dialog = demo_app.screen
        options = dialog.query_one(OptionList)
        assert [options.get_option_at_index(i).id for i in range(options.option_count)] == [
            "connected", "voicemail", "no-answer", "bad-number"]
        dialog.query_one("#duration", Input).value = "forever"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert demo_app.screen is dialog
        assert "not a duration" in str(dialog.query_one("#error", Label).render())
        assert not entries(demo_store, deal_id, "call") or entries(demo_store, deal_id, "call")[0]["created_at"] < demo_store.now().isoformat()


async def test_log_an_email_and_a_meeting(demo_app, demo_store):
    deal_id = a_deal(demo_store)
    async with demo_app.run_test(size=SIZE) as pilot:
        await open_page(demo_app, pilot, RecordType.DEAL, deal_id)
        await pilot.press("E")
        await pilot.pause()
        dialog = demo_app.screen
        assert isinstance(dialog, EmailScreen)
        dialog.query_one("#subject", Input).value = "Re: pricing"
        dialog.query_one("#body", TextArea).load_text("Hi,\n\nthe revised quote is attached.")
        dialog.query_one(OptionList).highlighted = 1  # received
        await pilot.press("ctrl+s")
        await settle(demo_app, pilot)
        email = entries(demo_store, deal_id, "email")[0]
        assert json.loads(email["payload"]) == {"subject": "Re: pricing", "direction": "inbound"}
        assert "revised quote" in email["body"]
        await pilot.press("m")
        await pilot.pause()
        meeting = demo_app.screen
        assert isinstance(meeting, MeetingScreen)
        meeting.query_one("#title", Input).value = "Security review"
        meeting.query_one("#when", Input).value = "yesterday 14:00"
        meeting.query_one("#duration", Input).value = "45"
        await pilot.press("ctrl+s")
        await settle(demo_app, pilot)
        row = entries(demo_store, deal_id, "meeting")[0]
        payload = json.loads(row["payload"])
        assert payload["title"] == "Security review" and payload["duration_minutes"] == 45
        assert payload["starts_at"].startswith((demo_store.today() - timedelta(days=1)).isoformat() + "T14:00")


async def test_turn_an_entry_into_a_task_links_back_to_it(demo_app, demo_store):
    deal_id = a_deal(demo_store)
    async with demo_app.run_test(size=SIZE) as pilot:
        page = await open_page(demo_app, pilot, RecordType.DEAL, deal_id)
        await pilot.press("tab", "tab")
        assert demo_app.focused is page.timeline
        await pilot.press("j")
        entry = page.timeline.current
        assert entry is not None and page.timeline.cursor == 1
        before = len(outbox(demo_store))
        await pilot.press("t")
        await pilot.pause()
        dialog = demo_app.screen
        assert isinstance(dialog, TaskScreen)
        assert dialog.query_one("#title", Input).value.startswith("Follow up:")
        dialog.query_one("#title", Input).value = "Send the revised quote"
        dialog.query_one("#due", Input).value = "fri"
        await pilot.press("ctrl+s")
        await settle(demo_app, pilot)
        task = dict(demo_store.conn.execute("SELECT * FROM tasks WHERE source_entry_id = ?", (entry.id,)).fetchone())
        assert task["title"] == "Send the revised quote" and task["record_id"] == deal_id
        assert task["assigned_to"] == demo_store.user_id
        assert date.fromisoformat(task["due_date"]).weekday() == 4
        assert entries(demo_store, deal_id, "task")[0]["body"] == "Send the revised quote"
        tables = [r["table_name"] for r in outbox(demo_store)[before:]]
        assert tables == ["tasks", "timeline_entries"]


async def test_filter_the_timeline_by_entry_type(demo_app, demo_store):
    deal_id = demo_store.conn.execute(
        "SELECT record_id FROM timeline_entries WHERE record_type = 'deal' GROUP BY record_id ORDER BY count(*) DESC LIMIT 1"
    ).fetchone()[0]
    async with demo_app.run_test(size=SIZE) as pilot:
        page = await open_page(demo_app, pilot, RecordType.DEAL, deal_id)
        await pilot.press("f")
        await pilot.pause()
        dialog = demo_app.screen
        assert isinstance(dialog, MultiChoiceScreen)
        selection = dialog.query_one(SelectionList)
        selection.deselect_all()
        selection.select("note")
        selection.select("call")
        await pilot.press("enter")
        await settle(demo_app, pilot)
        kinds = {e.entry_type for e in page.timeline.entries}
        assert kinds <= {EntryType.NOTE, EntryType.CALL}
        assert page.timeline_total == demo_store.timeline_count(deal_id, [EntryType.NOTE, EntryType.CALL])
        assert "note" in page.query_one("#record-timeline").border_title


# -- stages and deal contacts ----------------------------------------------------------------


async def test_moving_the_stage_from_the_page_is_the_board_move(demo_app, demo_store):
    async with demo_app.run_test(size=SIZE) as pilot:
        await settle(demo_app, pilot)
        board = demo_app.screen
        card_id = board.column.cards.current_id
        record_id = board.column.cards.summary(card_id).record_id
        await pilot.press("enter")
        await settle(demo_app, pilot)
        page = demo_app.screen
        card = page.cards[0]
        ids = [s.id for s in card.stages]
        target = card.stages[ids.index(card.stage_id) + 1]
        await pilot.press("L")
        await settle(demo_app, pilot)
        assert demo_store.record(RecordType.DEAL, record_id).stage_id == target.id
        change = json.loads(entries(demo_store, record_id, "stage_change")[0]["payload"])
        assert change["to_stage"] == target.name
        assert page.timeline.entries[0].entry_type == EntryType.STAGE_CHANGE
        # s opens the picker; a lost stage asks what the reviewer records
        await pilot.press("s")
        await pilot.pause()
        picker = demo_app.screen
        assert isinstance(picker, ChoiceScreen)
        lost = next(s for s in card.stages if s.stage_type == "lost")
        options = picker.query_one(OptionList)
        option_ids = [options.get_option_at_index(i).id for i in range(options.option_count)]
        options.highlighted = option_ids.index(f"{card.card_id}|{lost.id}")
        await pilot.press("enter")
        await settle(demo_app, pilot)
        assert isinstance(demo_app.screen, OutcomeScreen)
        await pilot.press("enter")  # first reason
        await pilot.press("enter")  # note (empty) → close date prefilled
        await settle(demo_app, pilot)
        assert demo_store.record(RecordType.DEAL, record_id).stage_id == lost.id
        await pilot.press("escape")
        await settle(demo_app, pilot)
        assert demo_app.screen is board
        assert board.column.cards.current_id == card_id
        assert board.stages[board.col].id == lost.id


async def test_deal_contacts_add_with_role_make_primary_and_remove(demo_app, demo_store):
    deal_id = a_deal(demo_store)
    contact = demo_store.conn.execute(
        "SELECT id, name FROM contacts WHERE deleted_at IS NULL AND id NOT IN (SELECT contact_id FROM deal_contacts WHERE deal_id = ?) ORDER BY name LIMIT 1",
        (deal_id,),
    ).fetchone()
    async with demo_app.run_test(size=SIZE) as pilot:
        page = await open_page(demo_app, pilot, RecordType.DEAL, deal_id)
        await pilot.press("C")
        await pilot.pause()
        assert isinstance(demo_app.screen, RecordPickerScreen)
        await pilot.press(*contact["name"])
        await pilot.press("enter")
        await pilot.pause()
        role = demo_app.screen
        assert isinstance(role, TextFieldScreen)
        await pilot.press(*"economic buyer")
        await pilot.press("enter")
        await settle(demo_app, pilot)
        link = demo_store.conn.execute(
            "SELECT id, role FROM deal_contacts WHERE deal_id = ? AND contact_id = ?", (deal_id, contact["id"])
        ).fetchone()
        assert link["role"] == "economic buyer"
        relation = next(r for r in page.relations if r.link_id == link["id"])
        page.relations_list.focus()
        option_ids = [page.relations_list.get_option_at_index(i).id for i in range(page.relations_list.option_count)]
        page.relations_list.highlighted = option_ids.index(page.option_of(relation))
        await pilot.press("P")
        await settle(demo_app, pilot)
        assert demo_store.record(RecordType.DEAL, deal_id).primary_contact_id == contact["id"]
        assert entries(demo_store, deal_id, "field_edit")[0]["payload"].find("primary_contact_id") > 0
        relation = next(r for r in page.relations if r.link_id == link["id"])
        option_ids = [page.relations_list.get_option_at_index(i).id for i in range(page.relations_list.option_count)]
        page.relations_list.highlighted = option_ids.index(page.option_of(relation))
        await pilot.press("x")
        await settle(demo_app, pilot)
        assert demo_store.conn.execute("SELECT count(*) FROM deal_contacts WHERE id = ?", (link["id"],)).fetchone()[0] == 0
        assert ("deal_contacts", "delete") in {(r["table_name"], r["op"]) for r in outbox(demo_store)}


# -- long timelines --------------------------------------------------------------------------


def _bulk_entries(store, record_id: str, count: int) -> None:
    base = store.now()
    with store.transaction(origin=Origin.SERVER) as tx:
        for n in range(count):
            kind = [EntryType.NOTE, EntryType.CALL, EntryType.EMAIL][n % 3]
            tx.insert(TimelineEntry(
                workspace_id=store.workspace_id, record_type=RecordType.DEAL, record_id=record_id,
                entry_type=kind, author_id=store.user_id, body=f"Entry number {n}\n\n- point *{n}*",
                payload={"disposition": "connected", "duration_seconds": 60} if kind == EntryType.CALL else {},
                created_at=base - timedelta(minutes=n + 1),
            ))


async def test_five_thousand_entries_load_a_page_at_a_time(demo_app, demo_store):
    deal_id = a_deal(demo_store)
    _bulk_entries(demo_store, deal_id, 5000)
    async with demo_app.run_test(size=SIZE) as pilot:
        page = await open_page(demo_app, pilot, RecordType.DEAL, deal_id)
        timeline = page.timeline
        assert timeline.total >= 5000
        assert len(timeline.entries) == PAGE
        assert len(timeline._rendered) < PAGE  # only what fills the view is rendered
        await pilot.press("tab", "tab")
        assert demo_app.focused is timeline
        for _ in range(3):
            await pilot.press("pagedown")
        await pilot.press("G")
        assert len(timeline.entries) > PAGE  # more were read as the cursor went down
        assert timeline.cursor == PAGE - 1
        await pilot.press("G")  # G walks on to the oldest entry read so far
        assert timeline.cursor == 2 * PAGE - 1 and len(timeline.entries) > timeline.cursor
        assert len(timeline._rendered) < len(timeline.entries) + 1
        assert timeline.entries[timeline.cursor].created_at < timeline.entries[0].created_at


async def test_narrow_page_shows_details_or_timeline_as_tabs(demo_app, demo_store):
    deal_id = a_deal(demo_store)
    async with demo_app.run_test(size=(80, 24)) as pilot:
        page = await open_page(demo_app, pilot, RecordType.DEAL, deal_id)
        assert page.has_class("-narrow")
        assert page.query_one("#record-side").display is True
        await pilot.press("tab", "tab")
        assert demo_app.focused is page.timeline
        assert page.has_class("-timeline")
        await pilot.pause()
        assert page.query_one("#record-side").region.width == 0
        assert page.query_one("#record-timeline").region.width == 80


async def test_page_opened_wide_shows_tabs_once_narrowed(demo_app, demo_store):
    """The tabs line is only mounted below 100 columns: a page opened wide mounts it when the
    terminal narrows, with the pane in focus marked, and follows Tab from then on."""
    deal_id = a_deal(demo_store)
    async with demo_app.run_test(size=SIZE) as pilot:
        page = await open_page(demo_app, pilot, RecordType.DEAL, deal_id)
        assert not page.has_class("-narrow")
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert page.has_class("-narrow")
        tabs = page.query_one("#record-tabs")
        assert tabs.region.height == 1 and tabs.region.width == 80
        shown = str(tabs.render())
        assert "Details" in shown and f"Timeline ({page.timeline_total})" in shown
        await pilot.press("tab", "tab")
        await pilot.pause()
        assert demo_app.focused is page.timeline
        assert page.query_one("#record-timeline").region.width == 80
        assert len(page.query("#record-tabs")) == 1  # one tabs line, not one per resize


async def test_palette_offers_page_actions(demo_app, demo_store):
    deal_id = a_deal(demo_store)
    async with demo_app.run_test(size=SIZE) as pilot:
        page = await open_page(demo_app, pilot, RecordType.DEAL, deal_id)
        titles = [title for title, _, _ in page.palette_commands()]
        assert "Record: add a note" in titles and "Edit: Close date" in titles
        assert any(t.startswith("Move to: ") for t in titles)
        assert not any(t.startswith("Board:") for t in titles)


def test_bindings_have_ids_and_descriptions():
    for binding in RecordScreen.BINDINGS:
        assert binding.id and binding.id.startswith("record.") and binding.description

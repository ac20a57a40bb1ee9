"""Smaller record-page details: a closed deal's probability is settled, not the one it had in
its last open stage; a task made from an entry says which entry it came from; after P the
cursor follows the contact; meeting notes are Markdown."""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal

import pytest

from tests.support.screen_text import screen_lines
from track_tui.models import RecordType, TimelineEntry
from track_tui.models.dates import short_date
from track_tui.models.enums import EntryType
from track_tui.widgets.timeline import TimelineContext, source_words

from .test_record import SIZE, open_page, settle


def _deal_in(store, stage_type: str) -> str:
    return store.conn.execute(
        """SELECT d.id FROM deals d JOIN board_cards c ON c.record_id = d.id JOIN board_stages s ON s.id = c.stage_id
           WHERE s.stage_type = ? AND d.deleted_at IS NULL ORDER BY d.name LIMIT 1""", (stage_type,),
    ).fetchone()[0]


@pytest.mark.parametrize(("stage_type", "shown"), [("lost", "0% (lost)"), ("won", "100% (won)")])
async def test_a_closed_deal_shows_its_settled_probability(demo_app, demo_store, stage_type, shown):
    deal_id = _deal_in(demo_store, stage_type)
    demo_store.update_record(RecordType.DEAL, deal_id, {"probability": Decimal(10)})  # typed while it was open
    async with demo_app.run_test(size=SIZE) as pilot:
        await open_page(demo_app, pilot, RecordType.DEAL, deal_id)
        line = next(line for line in screen_lines(demo_app) if "│ Probability   " in line)
        field = line.split("│")[1]  # the Fields pane, not the timeline beside it
        assert shown in field and "10%" not in field, line
    assert demo_store.record(RecordType.DEAL, deal_id).probability == Decimal(10)  # the stored value is kept


async def test_an_open_deal_shows_its_own_probability(demo_app, demo_store):
    deal_id = _deal_in(demo_store, "open")
    demo_store.update_record(RecordType.DEAL, deal_id, {"probability": Decimal(35)})
    async with demo_app.run_test(size=SIZE) as pilot:
        await open_page(demo_app, pilot, RecordType.DEAL, deal_id)
        line = next(line for line in screen_lines(demo_app) if "│ Probability   " in line)
        assert "35%" in line.split("│")[1], line


async def test_a_task_made_from_an_entry_names_that_entry_on_the_timeline(demo_app, demo_store):
    meeting = demo_store.conn.execute(
        "SELECT id, record_id, created_at FROM timeline_entries WHERE entry_type = 'meeting' AND record_type = 'deal' "
        "ORDER BY created_at DESC LIMIT 1").fetchone()
    async with demo_app.run_test(size=SIZE) as pilot:
        page = await open_page(demo_app, pilot, RecordType.DEAL, meeting["record_id"])
        await pilot.press("tab", "tab")
        assert demo_app.focused is page.timeline
        page.timeline.cursor = [e.id for e in page.timeline.entries].index(meeting["id"])
        await pilot.press("t")
        await pilot.pause()
        await pilot.press("ctrl+s")
        await settle(demo_app, pilot)
        newest = page.timeline.entries[0]
        assert newest.entry_type == EntryType.TASK and newest.payload["source_entry_id"] == meeting["id"]
        when = short_date(datetime.fromisoformat(meeting["created_at"]).astimezone().date(), demo_store.today())
        assert any(f"from the meeting of {when}" in line for line in screen_lines(demo_app)), when


def test_the_source_phrase_survives_odd_stored_payloads() -> None:
    ctx = TimelineContext(now=datetime(2026, 11, 25, 9, 30, tzinfo=timezone.utc), today=date(2026, 11, 25))
    assert source_words({"source_entry_id": "x", "source_type": "call", "source_at": "2026-11-20T10:00:00+00:00"},
                        ctx) == "from the call of 20 Nov"
    assert source_words({"source_entry_id": "x"}, ctx) == "from an entry"  # the web app's tasks
    assert source_words({"source_entry_id": "x", "source_type": 7, "source_at": "nonsense"}, ctx) == "from an entry"
    assert source_words({"source_entry_id": "x", "source_type": "email", "source_at": None}, ctx) == "from an email"
    assert source_words({"source_entry_id": "x", "source_type": "note", "source_at": ""}, ctx) == "from a note"


async def test_after_p_the_cursor_follows_the_contact_to_its_new_place(demo_app, demo_store):
    """The primary contact is listed first: the contact made primary moves up, and the cursor
    goes with it instead of staying on the row (now another contact)."""
    deal_id = demo_store.conn.execute(
        """SELECT deal_id FROM deal_contacts GROUP BY deal_id HAVING count(*) >= 3 ORDER BY deal_id LIMIT 1""").fetchone()[0]
    async with demo_app.run_test(size=SIZE) as pilot:
        page = await open_page(demo_app, pilot, RecordType.DEAL, deal_id)
        contacts = [r for r in page.relations if r.record_type == RecordType.CONTACT and r.link_id and not r.primary]
        target = contacts[-1]  # the last listed: making it primary moves it
        page.relations_list.focus()
        ids = [page.relations_list.get_option_at_index(i).id for i in range(page.relations_list.option_count)]
        page.relations_list.highlighted = ids.index(page.option_of(target))
        before = page.relations_list.highlighted
        await pilot.press("P")
        await settle(demo_app, pilot)
        assert demo_store.record(RecordType.DEAL, deal_id).primary_contact_id == target.record_id
        now = page.relations_list.highlighted
        current = page._focused_relation()
        assert current is not None and current.record_id == target.record_id and current.primary
        assert now != before  # it moved, and the cursor with it


async def test_meeting_notes_are_drawn_as_markdown_and_safely(demo_app, demo_store):
    deal_id = _deal_in(demo_store, "open")
    demo_store.add_entry(TimelineEntry(
        workspace_id=demo_store.workspace_id, record_type=RecordType.DEAL, record_id=deal_id,
        entry_type=EntryType.MEETING, author_id=demo_store.user_id,
        body="Agreed **next steps** \x1b[2J\x1b]0;owned\x07:\n\n- send the quote",
        payload={"title": "Kick-off", "duration_minutes": 30}, created_at=demo_store.now(),
    ))
    async with demo_app.run_test(size=SIZE) as pilot:
        page = await open_page(demo_app, pilot, RecordType.DEAL, deal_id)
        await pilot.pause()
        lines = screen_lines(demo_app)
        text = "\n".join(lines)
        assert "Agreed next steps" in text and "**next steps**" not in text, text
        assert "\x1b" not in text and "\x07" not in text
        strips = [strip for index in range(len(page.timeline.entries)) for strip in page.timeline._rendered[index]] \
            if page.timeline._rendered else []
        assert all("\x1b" not in segment.text for strip in strips for segment in strip)

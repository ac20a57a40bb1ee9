"""The timeline's sentences and the record page's field formatting/parsing, without an app."""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal

import pytest

from track_tui.models import CustomField, Deal, Profile, TimelineEntry
from track_tui.models.enums import CustomFieldType, EntryType, RecordType
from track_tui.widgets import field_editors as fe
from rich.console import Console
from rich.markdown import Markdown

from track_tui.widgets.timeline import TimelineContext, _markdown, describe_entry, markdown_lines

NOW = datetime(2026, 11, 25, 9, 30, tzinfo=timezone.utc)
WS = "00000000-0000-0000-0000-000000000001"


def ctx(**extra) -> TimelineContext:
    return TimelineContext(now=NOW, today=NOW.date(), profiles={
        "u1": Profile(id="u1", full_name="Maya Chen", email="maya@example.com"),
    }, **extra)


def entry(kind: EntryType, payload: dict, body: str | None = None) -> TimelineEntry:
    return TimelineEntry(workspace_id=WS, record_type=RecordType.DEAL, record_id="d1", entry_type=kind,
                         payload=payload, body=body, author_id="u1", created_at=NOW)


@pytest.mark.parametrize("kind,payload,expected", [
    (EntryType.STAGE_CHANGE, {"from_stage": "Proposal", "to_stage": "Negotiation"}, "Stage: Proposal → Negotiation"),
    (EntryType.FIELD_EDIT, {"field": "close_date", "label": "Close date", "old": "2026-12-01", "new": "2026-12-15"},
     "Close date: 1 Dec → 15 Dec"),
    (EntryType.FIELD_EDIT, {"field": "value_cents", "label": "Value", "old": 100000, "new": None}, "Value: $1,000.00 → —"),
    (EntryType.FIELD_EDIT, {"field": "owner_id", "label": "Owner", "old": None, "new": "u1"}, "Owner: — → Maya Chen"),
    (EntryType.FIELD_EDIT, {"field": "probability", "label": "Probability", "old": 40.0, "new": 55}, "Probability: 40% → 55%"),
    (EntryType.CALL, {"disposition": "voicemail", "duration_seconds": 720}, "Call · voicemail · 12 min"),
    (EntryType.EMAIL, {"subject": "Pricing", "direction": "inbound"}, "Email received · Pricing"),
    (EntryType.MEETING, {"title": "Demo", "duration_minutes": 30}, "Meeting · Demo · 30 min"),
    (EntryType.TASK, {"title": "Send quote", "action": "created", "due_date": "2026-11-27"}, "Task created: Send quote · due 27 Nov"),
])
def test_entries_read_as_sentences(kind, payload, expected):
    assert describe_entry(entry(kind, payload), ctx()) == expected


def test_yen_values_have_no_decimals():
    edit = entry(EntryType.FIELD_EDIT, {"field": "value_cents", "label": "Value", "old": 1000, "new": 250000})
    assert describe_entry(edit, ctx(currency="JPY")) == "Value: ¥1,000 → ¥250,000"


def test_custom_field_edits_use_the_field_format():
    tier = CustomField(workspace_id=WS, record_type=RecordType.DEAL, name="Tier", key="tier",
                       type=CustomFieldType.SELECT, config={"options": [{"value": "t1", "label": "Tier 1"}]})
    edit = entry(EntryType.FIELD_EDIT, {"field": "custom_fields.tier", "label": "Tier", "old": None, "new": "t1"})
    assert describe_entry(edit, ctx(custom_fields={"tier": tier})) == "Tier: — → Tier 1"


def test_markdown_is_rendered_without_colours():
    lines = markdown_lines("# Title\n\nSome **bold** and `code`\n\n- one\n- two", 40)
    text = ["".join(s.text for s in line).rstrip() for line in lines]
    assert any("Title" in t for t in text) and any("• one" in t for t in text)
    assert all(seg.style is None or (seg.style.color is None and seg.style.bgcolor is None) for line in lines for seg in line)


NOTES = [
    "# Title\n\nSome **bold**, *italic*, ~~struck~~ and `code`",
    "| Stage | Value |\n|---|---|\n| Proposal | 10k |\n| Won | 12k |",
    "1. first\n2. second\n   - nested\n\n> quoted [link](https://example.com)\n\n```\nplain code\n```",
    "",
]


@pytest.mark.parametrize("source", NOTES)
def test_the_shared_markdown_parser_draws_as_riches_own(source):
    """Notes are parsed by one parser kept for the process (rich makes one per document): a
    note draws line for line as rich's own Markdown draws it, tables and strikethrough too,
    and one document's parse never shows up in the next."""
    console = Console(width=60, force_terminal=True, color_system="truecolor", legacy_windows=False)

    def drawn(document) -> list[list]:
        return console.render_lines(document, console.options.update(width=60), pad=False, new_lines=False)

    _markdown("# Something else entirely\n\n- to parse first")
    assert drawn(_markdown(source)) == drawn(Markdown(source, hyperlinks=False))


def test_field_parsing_refuses_with_a_reason():
    deal = Deal(workspace_id=WS, name="Big deal", currency="JPY", value_cents=1000)
    specs = {s.name: s for s in fe.field_specs(RecordType.DEAL, [])}
    today = NOW.date()
    assert fe.parse_text(specs["value_cents"], "12k", deal, today) == ({"value_cents": 12000}, {})
    with pytest.raises(fe.FieldInputError, match="decimal places"):
        fe.parse_text(specs["value_cents"], "10.5", deal, today)
    assert fe.parse_text(specs["close_date"], "+3d", deal, today) == ({"close_date": date(2026, 11, 28)}, {})
    with pytest.raises(fe.FieldInputError, match="not a date"):
        fe.parse_text(specs["close_date"], "someday", deal, today)
    assert fe.parse_text(specs["probability"], "55%", deal, today) == ({"probability": Decimal("55")}, {})
    with pytest.raises(fe.FieldInputError):
        fe.parse_text(specs["probability"], "120", deal, today)
    with pytest.raises(fe.FieldInputError):
        fe.parse_text(specs["currency"], "XYZ", deal, today)
    assert fe.parse_text(specs["tags"], "VIP, renewal,", deal, today) == ({"tags": ["VIP", "renewal"]}, {})
    assert fe.initial_text(specs["value_cents"], deal) == "1000"

"""Domain models: enums for enumerated columns, input normalisation, validation, board filter."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from enum import StrEnum

import pytest
from pydantic import ValidationError

from tests.factories import fixed_id
from track_tui.models import (
    SYNCED_MODELS, AutomationRun, Board, BoardCard, BoardStage, Company, Contact, CustomField, Deal,
    Profile, RecordType, Task, TaskStatus, TimelineEntry, WorkspaceMember,
)
from track_tui.models.enums import CustomFieldType, EntryType, MemberRole, RunStatus, StageType
from track_tui.models.views import CardFilter, CardSummary
from track_tui.store import Store
from track_tui.store.schema import SYNCED_TABLES

WS = fixed_id("workspace")
NOW = datetime(2026, 3, 16, 12, 0, tzinfo=timezone.utc)

# Every enumerated column of the reference → its enum.
ENUM_COLUMNS = [
    (Board, "record_type", RecordType),
    (BoardStage, "stage_type", StageType),
    (BoardCard, "record_type", RecordType),
    (TimelineEntry, "record_type", RecordType),
    (TimelineEntry, "entry_type", EntryType),
    (Task, "record_type", RecordType),
    (Task, "status", TaskStatus),
    (CustomField, "record_type", RecordType),
    (CustomField, "type", CustomFieldType),
    (AutomationRun, "status", RunStatus),
    (WorkspaceMember, "role", MemberRole),
]


@pytest.mark.parametrize(("model", "column", "enum"), ENUM_COLUMNS)
def test_enumerated_columns_are_typed_by_their_enum(model: type, column: str, enum: type[StrEnum]) -> None:
    annotation = model.model_fields[column].annotation
    assert annotation is enum or enum in getattr(annotation, "__args__", ())


def test_the_cache_holds_enumerated_values_the_models_refuse() -> None:
    """The models refuse unknown values when a person types them; the cache does not check them
    (a project whose tables the web app created has no CHECK there, and sync must store its rows:
    schema migration 7)."""
    store = Store(":memory:")
    conn = store.conn
    conn.execute("INSERT INTO workspaces (id, name, created_at) VALUES ('w', 'W', 'x')")
    conn.execute("INSERT INTO boards (id, workspace_id, name, record_type, created_at) VALUES ('b', 'w', 'B', 'ticket', 'x')")
    conn.execute("INSERT INTO board_stages (id, board_id, name, position, stage_type, probability) "
                 "VALUES ('s', 'b', 'S', 0, 'maybe', 150)")
    conn.execute("INSERT INTO tasks (id, workspace_id, title, status, created_at) VALUES ('t', 'w', 'T', 'blocked', 'x')")
    assert conn.execute("SELECT probability FROM board_stages").fetchone()[0] == 150
    store.close()


def test_enum_values_are_the_web_apps_text() -> None:
    assert [e.value for e in CustomFieldType] == [
        "text", "number", "date", "select", "multi_select", "boolean", "url", "currency", "link"]
    assert [e.value for e in EntryType] == [
        "note", "call", "email", "meeting", "stage_change", "field_edit", "task"]
    assert {e.value for e in MemberRole} == {"owner", "admin", "member", "viewer"}
    assert TaskStatus("in_progress") == "in_progress"  # StrEnum compares as the stored text
    assert RecordType.DEAL.table == "deals" and RecordType.COMPANY.table == "companies"
    assert RecordType.CONTACT.label == "Contact"


def test_enumerated_columns_refuse_unknown_values() -> None:
    with pytest.raises(ValidationError):
        BoardStage(board_id="b", name="X", position=0, stage_type="maybe")
    with pytest.raises(ValidationError):
        Task(workspace_id=WS, title="t", status="blocked")
    with pytest.raises(ValidationError):
        TimelineEntry(workspace_id=WS, record_type="deal", record_id="r", entry_type="sms")


def test_every_synced_model_has_its_table() -> None:
    assert tuple(sorted(m.TABLE for m in SYNCED_MODELS)) == tuple(sorted(SYNCED_TABLES))


def test_task_status_next_cycles() -> None:
    assert TaskStatus.OPEN.next() is TaskStatus.IN_PROGRESS
    assert TaskStatus.IN_PROGRESS.next() is TaskStatus.DONE
    assert TaskStatus.DONE.next() is TaskStatus.OPEN


# -- records -------------------------------------------------------------------------------


def test_names_are_stripped_and_required() -> None:
    assert Company(workspace_id=WS, name="  Acme  ").name == "Acme"
    for blank in ("", "   ", "\t"):
        with pytest.raises(ValidationError):
            Contact(workspace_id=WS, name=blank)


def test_names_are_stripped_on_assignment_too() -> None:
    deal = Deal(workspace_id=WS, name="Deal")
    deal.name = "  Renamed "
    assert deal.name == "Renamed"
    with pytest.raises(ValidationError):
        deal.name = " "


def test_tags_are_lowercased_trimmed_and_deduplicated_in_order() -> None:
    deal = Deal(workspace_id=WS, name="D", tags=[" VIP", "vip", "Renewal ", "", "  ", "q3"])
    assert deal.tags == ["vip", "renewal", "q3"]


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("Acme.COM", "acme.com"), ("https://acme.com/", "acme.com"), ("HTTP://Acme.com", "acme.com"),
     ("  sub.acme.co.uk ", "sub.acme.co.uk"), ("", None), ("   ", None), (None, None)],
)
def test_company_domains_are_normalised(typed: str | None, stored: str | None) -> None:
    assert Company(workspace_id=WS, name="Acme", domain=typed).domain == stored


@pytest.mark.parametrize("bad", ["acme", "acme com", "https://"])
def test_company_domain_must_look_like_one(bad: str) -> None:
    with pytest.raises(ValidationError, match="not a domain name"):
        Company(workspace_id=WS, name="Acme", domain=bad)


def test_contact_email_is_validated_and_blank_is_none() -> None:
    assert Contact(workspace_id=WS, name="Ada", email="ada@acme.example").email == "ada@acme.example"
    assert Contact(workspace_id=WS, name="Ada", email="  ").email is None
    assert Contact(workspace_id=WS, name="Ada", phone="", title=" ").phone is None
    for bad in ("ada", "ada@", "@acme.example", "ada at acme.example"):
        with pytest.raises(ValidationError) as caught:
            Contact(workspace_id=WS, name="Ada", email=bad)
        assert caught.value.errors()[0]["loc"] == ("email",)


def test_deal_currency_is_an_iso_code() -> None:
    assert Deal(workspace_id=WS, name="D", currency=" jpy ").currency == "JPY"
    assert Deal(workspace_id=WS, name="D").currency == "USD"
    with pytest.raises(ValidationError, match="ISO 4217"):
        Deal(workspace_id=WS, name="D", currency="XYZ")


def test_deal_value_is_money_in_minor_units() -> None:
    deal = Deal(workspace_id=WS, name="D", value_cents=150_000, currency="JPY")
    assert deal.value.format() == "¥150,000"
    assert Deal(workspace_id=WS, name="D", value_cents=2_500_750, currency="KWD").value.amount == Decimal("2500.750")
    with pytest.raises(ValidationError):
        Deal(workspace_id=WS, name="D", value_cents=-1)
    with pytest.raises(ValidationError):
        Deal(workspace_id=WS, name="D", probability=Decimal("101"))


def test_a_deal_without_a_value_has_none_not_zero() -> None:
    """The server's value_cents is a nullable bigint: no value is None, distinct from 0."""
    deal = Deal(workspace_id=WS, name="D")
    assert deal.value_cents is None and deal.value is None
    zero = Deal(workspace_id=WS, name="D", value_cents=0)
    assert zero.value is not None and zero.value.format() == "$0.00"


def test_numeric_columns_stay_within_the_servers_ranges() -> None:
    largest = 2**63 - 1
    assert Deal(workspace_id=WS, name="D", value_cents=largest).value_cents == largest
    with pytest.raises(ValidationError, match="value_cents"):
        Deal(workspace_id=WS, name="D", value_cents=largest + 1)
    for bad in ("nan", "inf", Decimal("NaN"), float("nan")):
        with pytest.raises(ValidationError, match="finite number"):
            Deal(workspace_id=WS, name="D", probability=bad)
    with pytest.raises(ValidationError):
        BoardStage(board_id="b", name="S", position=2**31)  # the server's int
    assert BoardStage(board_id="b", name="S", position=-(2**31)).position == -(2**31)
    with pytest.raises(ValidationError):
        BoardCard(board_id="b", stage_id="s", record_type="deal", record_id="r", position=2**31)
    with pytest.raises(ValidationError):
        CustomField(workspace_id=WS, record_type="deal", name="N", key="n", type="text", position=2**40)
    with pytest.raises(ValidationError):
        AutomationRun(automation_id="a", status="success", duration_ms=2**31)
    with pytest.raises(ValidationError):
        Deal(workspace_id=WS, name="D", version=2**63)


def test_soft_delete_flag() -> None:
    assert not Deal(workspace_id=WS, name="D").is_deleted
    assert Deal(workspace_id=WS, name="D", deleted_at=NOW).is_deleted


def test_rows_ignore_unknown_server_columns_and_get_uuid_ids() -> None:
    profile = Profile.model_validate({"id": "u1", "full_name": "Mia Chen", "new_server_column": 1})
    assert profile.initials == "MC"
    assert Profile(id="u2").initials == "?"
    first, second = Company(workspace_id=WS, name="A"), Company(workspace_id=WS, name="B")
    assert first.id != second.id and len(first.id) == 36


def test_task_title_is_required_and_stripped() -> None:
    assert Task(workspace_id=WS, title="  Call Ada ").title == "Call Ada"
    with pytest.raises(ValidationError, match="a task needs a title"):
        Task(workspace_id=WS, title="   ")


def test_task_overdue() -> None:
    today = date(2026, 3, 16)
    task = Task(workspace_id=WS, title="t", due_date=date(2026, 3, 15))
    assert task.is_overdue(today)
    assert not task.model_copy(update={"due_date": today}).is_overdue(today)
    assert not task.model_copy(update={"status": TaskStatus.DONE}).is_overdue(today)
    assert not Task(workspace_id=WS, title="t").is_overdue(today)


# -- board filter --------------------------------------------------------------------------


def test_card_filter_parses_every_part() -> None:
    flt = CardFilter.parse("owner:me tag:vip >10k <50k stale:14 acme corp")
    assert flt.owner == "me"
    assert flt.tag == "vip"
    assert flt.min_value == Decimal("10000")
    assert flt.max_value == Decimal("50000")
    assert flt.stale_days == 14
    assert flt.text == "acme corp"
    assert not flt.is_empty


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", CardFilter()),
        ("   ", CardFilter()),
        ("TAG:VIP", CardFilter(tag="vip")),
        ("Owner:Omar", CardFilter(owner="Omar")),
        (">=2.5m", CardFilter(min_value=Decimal("2500000"))),
        ("<100", CardFilter(max_value=Decimal("100"))),
        (">1.5K", CardFilter(min_value=Decimal("1500"))),
        ("stale:30d", CardFilter(stale_days=30)),
        ('"big deal" acme', CardFilter(text="big deal acme")),
        ("o'brien", CardFilter(text="o'brien")),  # an unbalanced quote is just text
        ("https://x", CardFilter(text="https://x")),
    ],
)
def test_card_filter_forms(query: str, expected: CardFilter) -> None:
    assert CardFilter.parse(query) == expected


@pytest.mark.parametrize(
    ("query", "words"),
    [("stale:abc", "stale:abc"), ("stale:", "stale:"), ("stale:-3", "stale:-3"),
     ("tag:", "say which tag"), ("owner:", "say which owner"),
     ("stale:99999999999999999999", "at most 36,500 days"), ("stale:36501", "at most 36,500 days"),
     ("stale:²", "give a number of days")],
)
def test_card_filter_errors_name_the_part(query: str, words: str) -> None:
    with pytest.raises(ValueError) as caught:
        CardFilter.parse(query)
    assert words in str(caught.value)


def test_card_filter_describe_round_trips() -> None:
    query = "owner:me tag:vip >10000 <50000 stale:14 'acme corp'"
    flt = CardFilter.parse(query)
    assert CardFilter.parse(flt.describe()) == flt
    assert CardFilter().describe() == ""
    assert CardFilter().is_empty


# -- card summary --------------------------------------------------------------------------


def _summary(**overrides: object) -> CardSummary:
    data = dict(card_id="c", record_type=RecordType.DEAL, record_id="r", stage_id="s", position=0,
                name="Acme", stage_entered_at=datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc))
    data.update(overrides)
    return CardSummary(**data)  # type: ignore[arg-type]


def test_card_summary_markers_and_days() -> None:
    today = date(2026, 3, 16)
    assert _summary().task_marker(today) == "none"
    assert _summary(open_tasks=1, next_task_due=date(2026, 3, 15)).task_marker(today) == "overdue"
    assert _summary(open_tasks=1, next_task_due=today).task_marker(today) is None
    assert _summary(open_tasks=2).task_marker(today) is None  # planned, no due date
    assert _summary().days_in_stage(NOW) == 15
    assert _summary(stage_entered_at=NOW + timedelta(hours=5)).days_in_stage(NOW) == 0  # clock skew
    assert _summary(owner_name="Omar Haddad").owner_initials == "OH"
    assert _summary().owner_initials == "—"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (">10k EUR", CardFilter(min_value=Decimal("10000"), currency="EUR")),
        (">10keur", CardFilter(min_value=Decimal("10000"), currency="EUR")),
        ("<2.5m JPY >1m", CardFilter(min_value=Decimal("1000000"), max_value=Decimal("2500000"), currency="JPY")),
        ("currency:usd", CardFilter(currency="USD")),
        ("acme >10k IBM", CardFilter(min_value=Decimal("10000"), text="acme IBM")),  # not a currency: a word
        ("EUR deals", CardFilter(text="EUR deals")),  # a code only counts right after an amount
        ("stage:Neg owner:nobody", CardFilter(stage="Neg", owner="nobody")),
    ],
)
def test_card_filter_currency_and_stage_forms(query: str, expected: CardFilter) -> None:
    flt = CardFilter.parse(query)
    assert flt == expected
    assert CardFilter.parse(flt.describe()) == flt


@pytest.mark.parametrize(
    ("query", "words"),
    [(">abc", ">abc — give an amount, like >10k"), ("<", "give an amount"), (">10k,5", "give an amount"),
     (">10kXYZ", "XYZ is not an ISO 4217 currency code"), ("currency:euro", "EURO is not an ISO 4217"),
     (">10k EUR <20k USD", "one currency at a time (already EUR)"), ("stage:", "say which stage")],
)
def test_card_filter_value_and_currency_errors(query: str, words: str) -> None:
    with pytest.raises(ValueError) as caught:
        CardFilter.parse(query)
    assert words in str(caught.value)


def test_value_bounds_say_how_they_compare() -> None:
    assert CardFilter.parse(">1m").value_note == "in each deal's own currency"
    assert CardFilter.parse(">1m EUR").value_note is None  # the code says it
    assert CardFilter.parse("tag:vip").value_note is None
    assert CardFilter.parse(">2500000 <1500").describe() == ">2.5m <1.5k"

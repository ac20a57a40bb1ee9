"""`track import`: real-world files read, every value checked by the editors' rules, bad rows
reported by line, nothing written unless every row is good (or --skip-invalid), duplicates
found, and what is written goes through the write path (outbox, search)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import frozen_clock
from tests.unit.transfer_support import counts, empty_records
from track_tui.models import RecordType
from track_tui.store import Store
from track_tui.transfer.csv_file import CsvProblem, read_bytes
from track_tui.transfer.export import export_table
from track_tui.transfer.importing import ImportProblem, apply_import, plan_import
from track_tui.transfer.mapping import parse_overrides
from track_tui.transfer.table import render


@pytest.fixture
def empty_store(demo_template: Path, tmp_path: Path):
    """The demo workspace's people, boards and custom fields, without a single record."""
    path = tmp_path / "empty.sqlite3"
    shutil.copyfile(demo_template, path)
    store = Store(path, clock=frozen_clock)
    empty_records(store)
    yield store
    store.close()


def plan_text(store, kind: str, text: str, **kwargs):
    return plan_import(store, kind, read_bytes(text.encode("utf-8")), **kwargs)


def test_round_trip_export_the_demo_import_it_into_an_empty_workspace(demo_store, empty_store) -> None:
    # Contacts first (they name their companies, which are made then), then the companies
    # themselves (updating those, by name), then deals (which name both).
    for kind, update in (("contacts", False), ("companies", True), ("deals", False)):
        plan = plan_text(empty_store, kind, render(export_table(demo_store, kind)), update=update)
        assert plan.problems == [] and plan.duplicates == [], plan.problems[:3]
        assert apply_import(empty_store, plan).written
    for kind in ("companies", "contacts", "deals"):
        assert render(export_table(empty_store, kind)) == render(export_table(demo_store, kind)), kind
    # Every deal is on its board, in its stage.
    with empty_store.reading() as conn:
        assert conn.execute("SELECT count(*) FROM deals d JOIN board_cards c ON c.record_id = d.id "
                            "AND c.stage_id = d.stage_id").fetchone()[0] == len(export_table(demo_store, "deals"))


def test_imported_rows_reach_the_outbox_and_search(empty_store) -> None:
    before = counts(empty_store)
    plan = plan_text(empty_store, "contacts", "Name,Email,Company\nZelda Quortz,zelda@quortz.example,Quortz Ltd\n")
    apply_import(empty_store, plan)
    after = counts(empty_store)
    assert after["contacts"] == 1 and after["companies"] == 1
    assert after["outbox"] - before["outbox"] == 2  # the contact and the company it named
    hits = empty_store.search("quortz").hits
    assert {h.name for h in hits} == {"Zelda Quortz", "Quortz Ltd"}
    # The import is one action: one undo takes all of it back.
    empty_store.undo()
    assert counts(empty_store)["contacts"] == 0 and counts(empty_store)["companies"] == 0


def test_other_crms_headers_semicolons_and_latin_1(empty_store) -> None:
    text = "First Name;Last Name;E-mail Address;Company Name;Job Title;Notes\r\nJürgen;Müller;jm@example.de;Straße AG;CTO;x\r\n"
    data = read_bytes(text.encode("latin-1"))
    assert data.delimiter == ";" and "Latin-1" in data.encoding
    plan = plan_import(empty_store, "contacts", data)
    assert plan.mapping.ignored == ["Notes"] and plan.problems == []
    contact = plan.creates[0]
    assert contact.name == "Jürgen Müller" and contact.email == "jm@example.de" and contact.title == "CTO"
    assert [c.name for c in plan.new_companies] == ["Straße AG"]


def test_tabs_bom_and_a_quoted_newline(empty_store) -> None:
    data = read_bytes("\ufeffName\tE-MAIL\n\"Ada\nLovelace\"\tada@example.com\n\nBob\tbob@example.com\n".encode())
    assert data.delimiter == "\t" and data.encoding == "UTF-8 with BOM"
    assert [r.line for r in data.records] == [2, 5]  # the record after a two-line one, past a blank line
    plan = plan_import(empty_store, "contacts", data)
    assert [c.name for c in plan.creates] == ["Ada\nLovelace", "Bob"]


def test_deals_by_stage_name_amount_and_custom_fields(demo_store) -> None:
    text = ("Deal Name,Amount,Currency,Deal Stage,Lead source,Products,Contract length (months),Procurement review\n"
            "Big one,\"1,250.50\",eur,negotiation,Referral,\"core, api\",12,yes\n")
    plan = plan_text(demo_store, "deals", text)
    assert plan.problems == []
    deal = plan.creates[0]
    stages = {s.id: s.name for s in demo_store.stages(plan.board.id)}
    assert (deal.value_cents, deal.currency, stages[deal.stage_id]) == (125050, "EUR", "Negotiation")
    assert deal.custom_fields == {"lead_source": "referral", "products": ["Core", "API"], "contract_months": 12,
                                  "procurement": True}


def test_other_crms_stage_names_find_the_stage_they_contain(demo_store) -> None:
    plan = plan_text(demo_store, "deals", "Deal Name,Deal Stage\nA,Closed Won\nB,closed-lost\nC,Closed\n")
    stages = {s.id: s.name for s in demo_store.stages(plan.board.id)}
    assert [stages[d.stage_id] for d in plan.creates] == ["Won", "Lost"]
    assert [p.line for p in plan.problems] == [4]  # "Closed" names no one stage


BAD_FILES = [
    (b"\xff\xfeN\x00a\x00m\x00e\x00", "UTF-16"),
    (b"PK\x03\x04\x14\x00\x00\x00\x08\x00binary", "not a text file"),
    (b"", "the file is empty"),
    (b"\n\n  \n", "the file is empty"),
]


@pytest.mark.parametrize(("data", "says"), BAD_FILES)
def test_files_that_are_not_csv_are_refused_with_the_reason(data: bytes, says: str) -> None:
    with pytest.raises(CsvProblem, match=says):
        read_bytes(data)


BAD_ROWS = [
    ("deals", "Name,Stage\nA,Lead\nB,Nowhere\n", 3, "Stage: Sales pipeline has no stage 'Nowhere'; its stages: Lead"),
    ("deals", "Name,Value,Currency\nA,10,USD\nB,10.1234,USD\n", 3, "Value: USD has 2 decimal places"),
    # a point in USD is the decimal point: 10.123 is neither ten thousand nor ten dollars
    ("deals", "Name,Value,Currency\nA,10,USD\nB,10.123,USD\n", 3,
     "Value: '10.123' has three digits after the decimal point, more than the 2 decimals USD has: type 10123"),
    ("deals", "Name,Currency\nA,XYZ\n", 2, "Currency: 'XYZ' is not an ISO 4217 currency code"),
    ("deals", "Name,Lead source\nA,Carrier pigeon\n", 2, "Lead source: must be one of: inbound"),
    ("deals", "Name,Contract length (months)\nA,99\n", 2, "Contract length (months): must be at most 60"),
    ("deals", "Name,PO number\nA,12\n", 2, "PO number: must match PO-123456"),
    ("contacts", "Name,Email\nA,not-an-email\n", 2, "Email: 'not-an-email' is not an email address"),
    ("contacts", "Name,Email,Title\nA,a@example.com\n", 2, "has 2 cells where the header has 3"),
    ("contacts", "Name,Email\nA,a@example.com,extra\n", 2, "has 3 cells where the header has 2"),
    ("contacts", "Name,Owner\nA,Nobody Known\n", 2, "Owner: no one named 'Nobody Known'"),
    ("contacts", "Name,Email\nA,a@example.com\nB,A@example.com\n", 3, "same email A@example.com as line 2"),
    ("contacts", "Name,Email\n,a@example.com\n", 2, "has no name"),
    ("companies", "Name,Parent company\nA,Ghost Corp\n", 2, "Parent company: no company named 'Ghost Corp'"),
    ("companies", "Name,Customer since\nA,someday\n", 2, "Customer since:"),
]


@pytest.mark.parametrize(("kind", "text", "line", "says"), BAD_ROWS)
def test_a_bad_row_is_reported_by_line_and_nothing_is_written(demo_store, kind, text, line, says) -> None:
    before = counts(demo_store)
    plan = plan_text(demo_store, kind, text)
    assert [(p.line, p.reason[:len(says)]) for p in plan.problems] == [(line, says)]
    result = apply_import(demo_store, plan)
    assert not result.written and counts(demo_store) == before


def test_amounts_are_read_by_the_currency_and_the_shape(demo_store) -> None:
    """A comma groups thousands everywhere (as the app writes amounts); a single point with three
    digits groups only in a currency written with a decimal comma (EUR); KWD's three decimals
    after a point are its own (what export writes)."""
    text = ("Name,Value,Currency\nUS group,\"10,123\",USD\nUS cents,10.12,USD\nEuro group,10.123,EUR\n"
            "Euro comma,\"10,5\",EUR\nDinar fils,10.123,KWD\n")
    plan = plan_text(demo_store, "deals", text)
    assert not plan.problems, plan.problems
    result = apply_import(demo_store, plan)
    assert result.created == 5
    with demo_store.reading() as conn:
        stored = dict(conn.execute("SELECT name, value_cents FROM deals WHERE name IN "
                                   "('US group', 'US cents', 'Euro group', 'Euro comma', 'Dinar fils')").fetchall())
    assert stored == {"US group": 1_012_300, "US cents": 1_012, "Euro group": 1_012_300, "Euro comma": 1_050,
                      "Dinar fils": 10_123}


def test_skip_invalid_writes_the_good_rows(empty_store) -> None:
    plan = plan_text(empty_store, "contacts", "Name,Email\nGood,g@example.com\nBad,nope\nAlso good,\n")
    assert [p.line for p in plan.problems] == [3]
    assert apply_import(empty_store, plan, skip_invalid=True).created == 2
    assert counts(empty_store)["contacts"] == 2


def test_duplicates_are_skipped_or_with_update_updated(demo_store) -> None:
    with demo_store.reading() as conn:
        cid, email, name = conn.execute("SELECT id, email, name FROM contacts WHERE email IS NOT NULL LIMIT 1").fetchone()
        did, dname, company = conn.execute(
            "SELECT d.id, d.name, c.name FROM deals d JOIN companies c ON c.id = d.company_id LIMIT 1").fetchone()
    text = f"Name,Email,Title\n{name},{email.upper()},Chief Importer\nNew Person,new@example.com,\n"
    plan = plan_text(demo_store, "contacts", text)
    assert [(d.line, d.record_id) for d in plan.duplicates] == [(2, cid)] and len(plan.creates) == 1
    plan = plan_text(demo_store, "contacts", text, update=True)
    assert plan.duplicates == [] and [u.record_id for u in plan.updates] == [cid]
    apply_import(demo_store, plan)
    assert demo_store.record(RecordType.CONTACT, cid).title == "Chief Importer"
    # deal: name + company
    plan = plan_text(demo_store, "deals", f"Name,Company\n\"{dname}\",\"{company}\"\n\"{dname}\",\n")
    assert [d.record_id for d in plan.duplicates] == [did] and len(plan.creates) == 1


def test_map_overrides_and_mapping_problems(demo_store) -> None:
    text = "Full,Mail,Notes\nAda,ada@example.com,hi\n"
    with pytest.raises(ImportProblem, match="no column gives the contact's name"):
        plan_text(demo_store, "contacts", text)
    plan = plan_text(demo_store, "contacts", text, overrides=parse_overrides(["full=name", "MAIL=E-mail", "Notes=-"]))
    assert plan.creates[0].email == "ada@example.com" and plan.mapping.ignored == ["Notes"]
    with pytest.raises(ImportProblem, match="no such column"):
        plan_text(demo_store, "contacts", text, overrides=parse_overrides(["Missing=name"]))
    with pytest.raises(ImportProblem, match="have no field 'shoe size'"):
        plan_text(demo_store, "contacts", text, overrides=parse_overrides(["Full=shoe size"]))
    with pytest.raises(ImportProblem, match="both fill Email"):
        plan_text(demo_store, "contacts", "Name,Email,E-mail Address\nA,a@x.com,b@x.com\n")

"""`track export`'s tables: names not ids, custom fields as columns, money in major units,
ISO dates, quoting that spreadsheets read back, the board filter applied."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest

from track_tui.models import RecordType
from track_tui.models.views import CardFilter
from track_tui.transfer.export import ExportProblem, export_table, find_board
from track_tui.transfer.table import BOM, Table, render

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-")


def rows_of(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text.removeprefix(BOM), newline="")))


def test_deals_have_every_column_by_name_and_every_custom_field(demo_store) -> None:
    table = export_table(demo_store, "deals")
    labels = [d.name for d in demo_store.custom_field_defs(RecordType.DEAL)]
    assert table.headers[:6] == ["Name", "Value", "Currency", "Board", "Stage", "Close date"]
    assert table.headers[-1] == "Created" and table.headers[-1 - len(labels):-1] == labels
    with demo_store.reading() as conn:
        live = conn.execute("SELECT count(*) FROM deals WHERE deleted_at IS NULL").fetchone()[0]
    assert len(table) == live
    for row in rows_of(render(table)):
        for column in ("Company", "Owner", "Stage", "Primary contact", "Board"):
            assert not UUID.match(row[column]), (column, row[column])


def test_money_is_in_major_units_with_its_currency_and_dates_are_iso(demo_store) -> None:
    with demo_store.reading() as conn:
        name, cents, currency, close = conn.execute(
            "SELECT name, value_cents, currency, close_date FROM deals WHERE currency = 'JPY' "
            "AND value_cents IS NOT NULL AND close_date IS NOT NULL LIMIT 1").fetchone()
        usd = conn.execute("SELECT name, value_cents FROM deals WHERE currency = 'USD' AND value_cents % 100 != 0 "
                           "LIMIT 1").fetchone()
    rows = {r["Name"]: r for r in rows_of(render(export_table(demo_store, "deals")))}
    assert rows[name]["Value"] == str(cents) and rows[name]["Currency"] == "JPY"  # no decimals in yen
    assert rows[name]["Close date"] == close and re.fullmatch(r"\d{4}-\d\d-\d\d", close)
    if usd is not None:
        assert rows[usd[0]]["Value"] == f"{usd[1] // 100}.{usd[1] % 100:02d}"
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+\+00:00", r["Created"]) for r in rows.values())


def test_a_cell_with_commas_quotes_and_newlines_reads_back_whole(demo_store) -> None:
    deal_id = demo_store.conn.execute("SELECT id FROM deals LIMIT 1").fetchone()[0]
    tricky = 'Big, "bold"\ndeal'
    demo_store.update_record(RecordType.DEAL, deal_id, {"name": tricky})
    text = render(export_table(demo_store, "deals"))
    assert '"Big, ""bold""\r\ndeal"' in text or '"Big, ""bold""\ndeal"' in text
    assert tricky in [r["Name"] for r in rows_of(text)]


def test_bom_is_optional_and_only_for_csv() -> None:
    table = Table(["Name"], [["Zoë"]])
    assert render(table, bom=True).startswith(BOM + "Name\r\n")
    assert not render(table).startswith(BOM)
    assert not render(table, "json", bom=True).startswith(BOM)


def test_json_and_markdown(demo_store) -> None:
    table = Table(["Name", "Tags"], [["A | B", ""], ["line\nbreak", "x, y"]])
    assert json.loads(render(table, "json")) == [{"Name": "A | B", "Tags": None}, {"Name": "line\nbreak", "Tags": "x, y"}]
    lines = render(table, "markdown").splitlines()
    assert lines[0] == "| Name | Tags |" and lines[1] == "| --- | --- |"
    assert lines[2] == "| A \\| B |  |" and lines[3] == "| line break | x, y |"


def test_the_board_filter_narrows_to_the_same_cards_the_board_shows(demo_store) -> None:
    board = find_board(demo_store, "sales", RecordType.DEAL)
    flt = CardFilter.parse(">10k")
    expected = sum(len(demo_store.column_card_ids(board, s.id, flt)) for s in demo_store.stages(board.id))
    table = export_table(demo_store, "deals", board=board.name, filter_text=">10k")
    assert len(table) == expected and 0 < expected < len(export_table(demo_store, "deals"))
    stages = [s.name for s in demo_store.stages(board.id)]
    order = [stages.index(r["Stage"]) for r in rows_of(render(table))]
    assert order == sorted(order)  # board order: stage by stage


def test_contacts_companies_and_tasks(demo_store) -> None:
    contacts = rows_of(render(export_table(demo_store, "contacts")))
    assert {"Name", "Email", "Company", "Owner", "Tags"} <= set(contacts[0])
    companies = rows_of(render(export_table(demo_store, "companies")))
    assert {"Domain", "Parent company", "Tier"} <= set(companies[0])
    tasks = rows_of(render(export_table(demo_store, "tasks")))
    assert tasks and {"Title", "Status", "Due date", "Assignee", "Record"} <= set(tasks[0])
    assert all(not UUID.match(t["Record"]) for t in tasks)


@pytest.mark.parametrize(("kind", "kwargs", "says"), [
    ("deals", {"board": "No such board"}, "no board named 'No such board'; the boards:"),
    ("deals", {"filter_text": "stale:x"}, "the filter: stale:x"),
    ("tasks", {"board": "Sales"}, "tasks are not on a board"),
    ("notes", {}, "cannot export 'notes'"),
    ("deals", {"filter_text": "stage:nowhere"}, "has no such stage"),
])
def test_exports_that_cannot_be_made_say_why(demo_store, kind, kwargs, says) -> None:
    with pytest.raises(ExportProblem, match=re.escape(says)):
        export_table(demo_store, kind, **kwargs)

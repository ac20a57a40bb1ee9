"""The demo workspace generator: deterministic, complete, consistent and valid."""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections import Counter
from datetime import date, datetime, timezone

import pytest

from track_tui.demo import DEFAULT_DEALS, DemoSummary, build_demo
from track_tui.models import Contact, Company, CustomField, Deal, Task, TimelineEntry
from track_tui.models.enums import CustomFieldType, EntryType, StageType
from track_tui.store import Store
from track_tui.store.rows import row_to_dict

NOW = datetime(2026, 11, 25, 9, 30, tzinfo=timezone.utc)
TODAY = NOW.date()
DEALS = 60

# Tables the demo fills (the server-only search_index and the sync tables stay empty).
FILLED = (
    "meta", "profiles", "workspaces", "workspace_members", "boards", "board_stages", "companies",
    "contacts", "deals", "board_cards", "deal_contacts", "timeline_entries", "tasks",
    "custom_fields", "automations", "automation_runs", "audit_log", "search_docs",
)


def _build(seed: int = 7, deals: int = DEALS) -> tuple[Store, DemoSummary]:
    store = Store(":memory:")
    return store, build_demo(store, seed=seed, deals=deals, now=NOW)


def _dump(conn: sqlite3.Connection) -> dict[str, list[tuple]]:
    tables = [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'search_fts%' "
        "AND name NOT LIKE 'search_trigram%' AND name NOT LIKE 'search_types%' AND name NOT LIKE 'sqlite_%' ORDER BY name"
    )]
    return {t: [tuple(r) for r in conn.execute(f"SELECT * FROM {t} ORDER BY rowid")] for t in tables}


@pytest.fixture(scope="module")
def demo() -> tuple[Store, DemoSummary]:
    store, summary = _build()
    yield store, summary
    store.close()


@pytest.fixture(scope="module")
def conn(demo) -> sqlite3.Connection:
    return demo[0].conn


def test_same_seed_and_now_give_identical_tables(tmp_path):
    first = Store(tmp_path / "a.db")
    second = Store(tmp_path / "b.db")
    build_demo(first, seed=3, deals=DEALS, now=NOW)
    build_demo(second, seed=3, deals=DEALS, now=NOW)
    assert _dump(first.conn) == _dump(second.conn)
    # the build's speed settings are undone: WAL and the store's synchronous level are back
    assert first.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert first.conn.execute("PRAGMA synchronous").fetchone()[0] == 1


def test_other_seed_gives_other_data(conn):
    other, _ = _build(seed=8)
    assert _dump(other.conn)["deals"] != _dump(conn)["deals"]
    assert other.workspace_id != conn.execute("SELECT value FROM meta WHERE key = 'workspace_id'").fetchone()[0]


def test_ids_are_version_4_uuids(conn):
    for table in ("deals", "contacts", "companies", "timeline_entries", "tasks", "board_cards"):
        for (row_id,) in conn.execute(f"SELECT id FROM {table}"):
            assert uuid.UUID(row_id).version == 4
            assert str(uuid.UUID(row_id)) == row_id


def test_every_table_filled_and_outbox_empty(conn, demo):
    for table in FILLED:
        assert conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] > 0, table
    assert conn.execute("SELECT count(*) FROM outbox").fetchone()[0] == 0
    assert demo[0].pending_count() == 0
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_summary_counts_and_proportions(conn, demo):
    summary = demo[1]
    assert summary.deals == DEALS == conn.execute("SELECT count(*) FROM deals").fetchone()[0]
    assert summary.contacts == 40 and summary.companies == 15  # the minimums
    assert summary.timeline_entries == conn.execute("SELECT count(*) FROM timeline_entries").fetchone()[0]
    assert DEFAULT_DEALS == 300


def test_meta_identity(demo):
    store, summary = demo
    assert store.workspace_id == summary.workspace_id
    assert store.user_id == summary.user_id
    assert store.get_meta("workspace_name") == summary.workspace_name == store.workspace_name()
    assert summary.user_id in store.profiles()
    assert 4 <= len(store.profiles()) <= 6


def test_rows_load_into_the_models(conn):
    for model, table in ((Company, "companies"), (Contact, "contacts"), (Deal, "deals"),
                         (TimelineEntry, "timeline_entries"), (Task, "tasks")):
        for row in conn.execute(f"SELECT * FROM {table}"):
            model.model_validate(row_to_dict(row))


def test_companies_contacts_and_deals_look_real(conn):
    assert conn.execute("SELECT count(*) FROM companies WHERE parent_id IS NOT NULL").fetchone()[0] > 0
    assert conn.execute("SELECT count(DISTINCT industry) FROM companies").fetchone()[0] >= 5
    assert conn.execute("SELECT count(*) FROM companies WHERE domain IS NULL OR size IS NULL").fetchone()[0] == 0
    mismatched = conn.execute(
        """SELECT count(*) FROM contacts c JOIN companies co ON co.id = c.company_id
        WHERE c.email NOT LIKE '%@' || co.domain"""
    ).fetchone()[0]
    assert mismatched == 0
    assert conn.execute("SELECT count(DISTINCT email) FROM contacts").fetchone()[0] == \
        conn.execute("SELECT count(*) FROM contacts").fetchone()[0]
    currencies = {r[0] for r in conn.execute("SELECT DISTINCT currency FROM deals")}
    assert "USD" in currencies and len(currencies) >= 3
    assert conn.execute("SELECT count(*) FROM deals WHERE company_id IS NULL").fetchone()[0] == 0
    roles = {r[0] for r in conn.execute("SELECT DISTINCT role FROM deal_contacts")}
    assert len(roles) >= 3


def test_every_currency_at_scale():
    store, _ = _build(deals=400)
    rows = store.conn.execute("SELECT currency, count(*) FROM deals GROUP BY currency").fetchall()
    counts = dict(rows)
    assert set(counts) == {"USD", "EUR", "GBP", "JPY", "KWD"}
    assert counts["USD"] > sum(counts.values()) / 2
    # JPY has no minor units: whole yen amounts of realistic size
    assert store.conn.execute("SELECT min(value_cents) FROM deals WHERE currency = 'JPY' AND value_cents > 0").fetchone()[0] >= 50_000
    assert store.conn.execute("SELECT count(*) FROM deals WHERE currency = 'KWD' AND value_cents % 1000 != 0").fetchone()[0] > 0  # fils


def test_boards_and_stage_types(conn, demo):
    store = demo[0]
    boards = {b.name: b for b in store.boards()}
    assert {"Sales pipeline", "Partnerships", "Outreach", "Accounts"} <= set(boards)
    assert {b.record_type.value for b in boards.values()} == {"deal", "contact", "company"}
    sales = store.stages(boards["Sales pipeline"].id)
    assert [(s.name, float(s.probability), s.stage_type) for s in sales] == [
        ("Lead", 10, StageType.OPEN), ("Qualified", 25, StageType.OPEN), ("Proposal", 50, StageType.OPEN),
        ("Negotiation", 75, StageType.OPEN), ("Won", 100, StageType.WON), ("Lost", 0, StageType.LOST),
    ]
    types = {r[0] for r in conn.execute("SELECT DISTINCT stage_type FROM board_stages")}
    assert types == {"open", "won", "lost"}
    stats = store.column_stats(boards["Sales pipeline"])
    assert sum(c.count for c in stats.values()) > 0
    assert stats[sales[0].id].count >= stats[sales[3].id].count  # more in early stages
    assert any(c.totals for c in stats.values())
    store.column_stats(boards["Outreach"])
    store.column_stats(boards["Accounts"])


def test_each_deal_has_one_card_on_its_pipeline(conn):
    rows = conn.execute(
        """SELECT d.id, d.stage_id, count(c.id), min(c.stage_id), min(c.board_id), min(s.board_id)
        FROM deals d JOIN board_stages s ON s.id = d.stage_id
        LEFT JOIN board_cards c ON c.record_id = d.id GROUP BY d.id"""
    ).fetchall()
    assert len(rows) == DEALS
    for _, stage_id, cards, card_stage, card_board, stage_board in rows:
        assert cards == 1 and card_stage == stage_id and card_board == stage_board
    # positions order the cards within a stage without ties
    dupes = conn.execute(
        "SELECT count(*) FROM (SELECT stage_id, position FROM board_cards GROUP BY 1, 2 HAVING count(*) > 1)"
    ).fetchone()[0]
    assert dupes == 0


def test_latest_stage_change_lands_in_current_stage(conn):
    rows = conn.execute(
        """SELECT d.id, d.stage_id,
            (SELECT json_extract(t.payload, '$.to_stage_id') FROM timeline_entries t
             WHERE t.record_id = d.id AND t.entry_type = 'stage_change'
             ORDER BY t.created_at DESC LIMIT 1)
        FROM deals d"""
    ).fetchall()
    moved = [r for r in rows if r[2] is not None]
    assert moved
    assert all(to_stage == stage for _, stage, to_stage in moved)


def test_stale_deals_and_days_in_stage(demo):
    store = demo[0]
    board = next(b for b in store.boards() if b.name == "Sales pipeline")
    ids = [cid for s in store.stages(board.id) for cid in store.column_card_ids(board, s.id)]
    cards = store.card_summaries(ids).values()
    days = [c.days_in_stage(NOW) for c in cards]
    assert max(days) > 45 and min(days) < 14
    open_stage_ids = {s.id for s in store.stages(board.id) if s.stage_type == StageType.OPEN}
    markers = Counter(c.task_marker(TODAY) for c in cards if c.stage_id in open_stage_ids)
    assert markers["none"] > 0  # some deals have no next task
    assert markers[None] > 0


def test_every_entry_type_with_its_payload(conn):
    entries = [TimelineEntry.model_validate(row_to_dict(r)) for r in conn.execute("SELECT * FROM timeline_entries")]
    assert {e.entry_type for e in entries} == set(EntryType)
    keys = {
        EntryType.CALL: {"duration_seconds", "disposition"},
        EntryType.EMAIL: {"subject", "direction"},
        EntryType.MEETING: {"title", "starts_at", "duration_minutes"},
        EntryType.STAGE_CHANGE: {"board_id", "from_stage_id", "from_stage", "to_stage_id", "to_stage", "to_stage_type"},
        EntryType.FIELD_EDIT: {"field", "label", "old", "new"},
        EntryType.TASK: {"task_id", "title", "action"},
    }
    for entry in entries:
        assert entry.created_at <= NOW
        if entry.entry_type in keys:
            assert keys[entry.entry_type] <= set(entry.payload), entry
        if entry.entry_type == EntryType.NOTE:
            assert entry.body
    assert any("**" in (e.body or "") or "\n- " in (e.body or "") for e in entries if e.entry_type == EntryType.NOTE)


def test_tasks_around_today(conn, demo):
    store, summary = demo
    tasks = [Task.model_validate(row_to_dict(r)) for r in conn.execute("SELECT * FROM tasks")]
    mine = [t for t in tasks if t.assigned_to == summary.user_id]
    assert len(mine) > len(tasks) / 2 > 0
    assert any(t.assigned_to != summary.user_id for t in tasks)
    assert any(t.is_overdue(TODAY) for t in mine)
    assert any(t.due_date == TODAY for t in tasks)
    assert any(t.due_date is not None and t.due_date > TODAY for t in tasks)
    assert any(t.due_date is None for t in tasks)
    assert {t.status.value for t in tasks} == {"open", "in_progress", "done"}
    assert any(t.source_entry_id for t in tasks)
    assert any(t.record_id is None for t in tasks)
    for task in tasks:
        if task.source_entry_id:
            entry = conn.execute("SELECT record_id, created_at FROM timeline_entries WHERE id = ?",
                                 (task.source_entry_id,)).fetchone()
            assert entry["record_id"] == task.record_id
            assert datetime.fromisoformat(entry["created_at"]) <= task.created_at


def test_custom_fields_of_every_type_with_valid_values(conn, demo):
    store = demo[0]
    defs = {}
    for record_type in ("deal", "contact", "company"):
        fields = store.custom_field_defs(record_type)
        assert fields and [f.position for f in fields] == list(range(len(fields)))
        defs[record_type] = {f.key: f for f in fields}
    all_defs = [f for fields in defs.values() for f in fields.values()]
    assert {f.type for f in all_defs} == set(CustomFieldType)
    assert {f.type for f in defs["deal"].values()} == set(CustomFieldType)
    assert any(f.searchable for f in all_defs)
    seen_types = set()
    for record_type, table in (("deal", "deals"), ("contact", "contacts"), ("company", "companies")):
        for (raw,) in conn.execute(f"SELECT custom_fields FROM {table}"):
            for key, value in json.loads(raw).items():
                field: CustomField = defs[record_type][key]
                assert field.validate_value(value) == value, (key, value)
                seen_types.add(field.type)
                if field.type == CustomFieldType.LINK:
                    target = {"contact": "contacts", "company": "companies", "deal": "deals"}[value["type"]]
                    assert conn.execute(f"SELECT 1 FROM {target} WHERE id = ?", (value["id"],)).fetchone()
    assert seen_types == set(CustomFieldType)


def test_stored_values_use_the_store_format(conn):
    for (created, payload) in conn.execute("SELECT created_at, payload FROM timeline_entries LIMIT 200"):
        assert created.endswith("+00:00") and len(created) == len("2026-11-25T07:48:40.123456+00:00")
        assert payload == json.dumps(json.loads(payload), separators=(",", ":"), sort_keys=True)
    for (close,) in conn.execute("SELECT close_date FROM deals"):
        date.fromisoformat(close)


def test_automations_and_runs(conn):
    rows = conn.execute('SELECT "trigger", conditions, actions, is_enabled FROM automations').fetchall()
    assert len(rows) >= 4
    triggers = {json.loads(r[0])["type"] for r in rows}
    assert {"record_created", "stage_changed", "days_in_stage"} <= triggers
    assert {r[3] for r in rows} == {0, 1}
    assert all(json.loads(r[2]) for r in rows)
    statuses = dict(conn.execute("SELECT status, count(*) FROM automation_runs GROUP BY status").fetchall())
    assert statuses.get("success", 0) > statuses.get("failed", 0) > 0
    assert conn.execute(
        "SELECT count(*) FROM automation_runs WHERE status = 'failed' AND (error IS NULL OR error = '')"
    ).fetchone()[0] == 0


def test_search_documents_built(conn):
    records = sum(conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("deals", "contacts", "companies"))
    assert conn.execute("SELECT count(*) FROM search_docs WHERE entry_id = ''").fetchone()[0] == records
    company, domain = conn.execute("SELECT name, domain FROM companies ORDER BY name LIMIT 1").fetchone()
    word = company.split()[0]
    assert conn.execute("SELECT count(*) FROM search_fts WHERE search_fts MATCH ?", (f'"{word}"',)).fetchone()[0] > 0
    assert conn.execute("SELECT count(*) FROM search_trigram WHERE search_trigram MATCH ?",
                        (f'"{domain[1:6]}"',)).fetchone()[0] > 0
    assert conn.execute("SELECT count(*) FROM search_fts WHERE search_fts MATCH 'proposal'").fetchone()[0] > 0
    # the FTS indexes agree with their content table (filled in one pass, not by triggers)
    conn.execute("INSERT INTO search_fts (search_fts) VALUES ('integrity-check')")
    conn.execute("INSERT INTO search_trigram (search_trigram) VALUES ('integrity-check')")
    # and the write path's triggers are back
    triggers = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    assert {"search_docs_ai", "search_docs_ad", "search_docs_au"} <= triggers


def test_store_writes_work_after_the_build(demo):
    store = demo[0]
    board = next(b for b in store.boards() if b.name == "Sales pipeline")
    stages = store.stages(board.id)
    card_id = store.column_card_ids(board, stages[0].id)[0]
    store.move_card(card_id, stages[1].id)
    assert store.pending_count() > 0
    store.conn.execute("DELETE FROM outbox")


def test_refuses_a_store_with_a_workspace(demo):
    with pytest.raises(ValueError):
        build_demo(demo[0], deals=5, now=NOW)


@pytest.mark.parametrize("deals", [0, 1, 7])
def test_tiny_sizes(deals):
    store, summary = _build(deals=deals)
    assert summary.deals == deals
    assert store.conn.execute("PRAGMA foreign_key_check").fetchall() == []


def test_default_size():
    store, summary = _build(deals=DEFAULT_DEALS)
    assert summary.deals == 300 and summary.contacts == 150 and summary.companies == 38
    assert store.conn.execute("PRAGMA foreign_key_check").fetchall() == []


def test_the_sales_pipeline_is_the_board_opened_first() -> None:
    from track_tui.demo import build_demo
    from track_tui.store import Store

    store = Store(":memory:")
    build_demo(store, deals=20, now=NOW)
    assert store.boards()[0].name == "Sales pipeline"


def test_the_first_cards_of_each_open_column_show_stale_ones_too(demo):
    """What a reviewer sees first: the top cards of every open column are a spread of days in
    stage, and stale ones (the default 14 days) are among them, not only 0–3 days."""
    store = demo[0]
    board = next(b for b in store.boards() if b.name == "Sales pipeline")
    in_view = []
    for stage in store.stages(board.id):
        if stage.stage_type != StageType.OPEN:
            continue
        ids = store.column_card_ids(board, stage.id)[:5]
        days = [c.days_in_stage(NOW) for c in store.card_summaries(ids).values()]
        assert max(days) - min(days) >= 7, (stage.name, days)
        in_view += days
    assert sum(d >= 14 for d in in_view) >= len(in_view) // 5, in_view

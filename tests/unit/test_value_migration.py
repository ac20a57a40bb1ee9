"""A deal's value may be "no value" (NULL), as on the server: the cache migration that makes it
so keeps every row, and every read (card, record, column totals, filters) knows NULL."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.factories import make_store
from track_tui.models import RecordType
from track_tui.models.views import CardFilter
from track_tui.store import Store, database
from track_tui.store.schema import MIGRATIONS, SCHEMA_VERSION

CHILD_TABLES = ("deal_contacts", "board_cards", "timeline_entries", "tasks", "outbox", "search_docs")


def _rows(conn: sqlite3.Connection, table: str) -> list[tuple]:
    """The rows in the columns every later schema keeps (later migrations add `updated_by`)."""
    columns = [r[1] for r in conn.execute(f"PRAGMA table_info({table})") if r[1] != "updated_by"]
    names = ", ".join(f'"{c}"' for c in columns)
    return [tuple(r) for r in conn.execute(f"SELECT rowid, {names} FROM {table} ORDER BY rowid")]


def _deals(conn: sqlite3.Connection) -> list[dict]:
    return [{k: r[k] for k in r.keys() if k != "updated_by"}
            for r in conn.execute("SELECT rowid AS rid, * FROM deals ORDER BY rowid")]


@pytest.fixture
def old_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A cache written by the previous version (schema 4, value_cents NOT NULL), with deal
    contacts on several deals and a deal whose value is 0."""
    path = tmp_path / "old.sqlite3"
    monkeypatch.setattr(database, "MIGRATIONS", MIGRATIONS[:4])
    monkeypatch.setattr(database, "SCHEMA_VERSION", 4)
    store, ids = make_store(path)
    for deal, contact, role in [("Acme renewal", "Ada Lovelace", "champion"), ("Acme renewal", "Ken Sato", None),
                                ("Tokyo pilot", "Ken Sato", "buyer"), ("Globex expansion", "Grace Hopper", None)]:
        store.add_deal_contact(ids.deals[deal], ids.contacts[contact], role)
    store.update_record(RecordType.DEAL, ids.deals["Osaka trial"], {"value_cents": 0})
    assert store.conn.execute("SELECT max(version) FROM schema_version").fetchone()[0] == 4
    notnull = {r["name"]: r["notnull"] for r in store.conn.execute("PRAGMA table_info(deals)")}
    assert notnull["value_cents"] == 1
    store.close()
    monkeypatch.undo()
    return path


def test_the_migration_keeps_every_deal_contact_card_and_entry(old_cache: Path) -> None:
    before = sqlite3.connect(old_cache)
    deals_before = [dict(zip([c[0] for c in before.execute("SELECT rowid AS rid, * FROM deals").description], r))
                    for r in before.execute("SELECT rowid AS rid, * FROM deals ORDER BY rowid")]
    children_before = {t: _rows(before, t) for t in CHILD_TABLES}
    before.close()
    assert len(children_before["deal_contacts"]) == 4

    store = Store(old_cache)
    conn = store.conn
    conn.row_factory = sqlite3.Row
    assert conn.execute("SELECT max(version) FROM schema_version").fetchone()[0] == SCHEMA_VERSION
    assert _deals(conn) == deals_before  # same rows, same values (0 stays 0), same rowids
    for table, rows in children_before.items():
        assert _rows(conn, table) == rows, table
    columns = {r["name"]: r for r in conn.execute("PRAGMA table_info(deals)")}
    assert columns["value_cents"]["notnull"] == 0 and columns["value_cents"]["dflt_value"] is None
    assert list(columns)[:5] == ["id", "workspace_id", "name", "value_cents", "currency"]
    indexes = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'deals'")}
    assert {"deals_company", "deals_primary_contact", "deals_stage", "deals_board_cover"} <= indexes
    assert not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'deals_before_v5'").fetchone()
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    # deal_contacts still refer to the rebuilt table: a hard delete still cascades, an unknown
    # deal is still refused.
    acme = next(d["id"] for d in deals_before if d["name"] == "Acme renewal")
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute("INSERT INTO deal_contacts (id, deal_id, contact_id) VALUES ('x', 'no-such-deal', ?)",
                     (children_before["deal_contacts"][0][3],))
    conn.execute("DELETE FROM deals WHERE id = ?", (acme,))
    assert conn.execute("SELECT count(*) FROM deal_contacts WHERE deal_id = ?", (acme,)).fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM deal_contacts").fetchone()[0] == 2
    store.close()


def test_the_migration_is_safe_to_run_again(old_cache: Path) -> None:
    store = Store(old_cache)
    store.update_record(RecordType.DEAL, store.conn.execute(
        "SELECT id FROM deals WHERE name = 'Tokyo pilot'").fetchone()[0], {"value_cents": None})
    deals, links = _rows(store.conn, "deals"), _rows(store.conn, "deal_contacts")
    store.conn.execute("PRAGMA foreign_keys = OFF")
    store.conn.execute("BEGIN")
    for migration in MIGRATIONS[4:]:  # this one and those after it, in order
        for step in migration:
            database.run_step(store.conn, step)
    store.conn.execute("COMMIT")
    store.conn.execute("PRAGMA foreign_keys = ON")
    assert _rows(store.conn, "deals") == deals and _rows(store.conn, "deal_contacts") == links
    store.close()


def test_a_migration_that_would_break_a_reference_is_rolled_back(old_cache: Path, monkeypatch) -> None:
    """The runner's foreign_key_check: a faulty rebuild never commits, and the file is untouched."""
    faulty = [*MIGRATIONS[:4], [*MIGRATIONS[4], "DELETE FROM contacts"], *MIGRATIONS[5:]]
    monkeypatch.setattr(database, "MIGRATIONS", faulty)
    with pytest.raises(database.CacheCorrupt, match="broke a reference"):
        Store(old_cache)
    monkeypatch.undo()
    check = sqlite3.connect(old_cache)
    assert check.execute("SELECT max(version) FROM schema_version").fetchone()[0] == 4
    assert check.execute("SELECT count(*) FROM deal_contacts").fetchone()[0] == 4
    check.close()


def test_the_demo_build_can_checkpoint_after_migrating(tmp_path: Path) -> None:
    """The rebuild must not leave the connection unable to checkpoint (SQLite 3.40 does after a
    RENAME or a TEMP table once the journal mode is switched, as build_demo does)."""
    from track_tui.demo import build_demo

    store = Store(tmp_path / "demo.sqlite3")
    build_demo(store, deals=20)
    assert store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0] == 0
    store.close()


# -- NULL through every read ---------------------------------------------------------------


def test_no_value_is_null_on_the_record_card_totals_and_filters() -> None:
    store, ids = make_store()
    board = store.board(ids.deals_board)
    lead = ids.stages["Lead"]
    before = store.column_stats(board)[lead]
    acme = ids.deals["Acme renewal"]
    store.update_record(RecordType.DEAL, acme, {"value_cents": None})
    assert store.conn.execute("SELECT value_cents FROM deals WHERE id = ?", (acme,)).fetchone()[0] is None
    deal = store.record(RecordType.DEAL, acme)
    assert deal.value_cents is None and deal.value is None
    summary = store.card_summaries([ids.cards["Acme renewal"]])[ids.cards["Acme renewal"]]
    assert summary.value is None
    after = store.column_stats(board)[lead]
    assert after.count == before.count  # still a card of the column
    usd = {m.currency: m.minor for m in after.totals.items()}
    assert usd["USD"] == {m.currency: m.minor for m in before.totals.items()}["USD"] - 1_250_000
    # Neither above nor below any bound: it has no value.
    cards = store.column_card_ids(board, lead, CardFilter.parse("<1m"))
    assert ids.cards["Acme renewal"] not in cards
    assert ids.cards["Acme renewal"] not in store.column_card_ids(board, lead, CardFilter.parse(">0"))
    assert ids.cards["Acme renewal"] in store.column_card_ids(board, lead)
    edit = store.timeline(acme)[0]
    assert edit.payload["field"] == "value_cents" and edit.payload["old"] == 1_250_000 and edit.payload["new"] is None
    store.close()


def test_column_totals_of_bigint_sized_values_do_not_overflow() -> None:
    """Two deals at the bigint maximum: sum() would stop the query with 'integer overflow'."""
    store, ids = make_store()
    largest = 2**63 - 1
    for name in ("Acme renewal", "Globex expansion"):
        store.update_record(RecordType.DEAL, ids.deals[name], {"value_cents": largest})
    store.move_card(ids.cards["Globex expansion"], ids.stages["Lead"])
    stats = store.column_stats(store.board(ids.deals_board))
    lead = stats[ids.stages["Lead"]]
    assert {m.currency: m.minor for m in lead.totals.items()}["USD"] == 2 * largest  # exact, past bigint
    assert {m.currency: m.minor for m in lead.weighted.items()}["USD"] == round(2 * largest * 0.10)
    assert "$184467440.7b" in lead.totals.format_compact()
    store.close()

"""Search with a type filter and a short prefix (issue 13: p95 ≤ 10 ms at 100,000 deals).

`type:company t` used to walk the word index's newest name matches and drop every deal and
contact among them; companies are the oldest documents, so that was most of the index. It now
starts below the type's newest record document (cache migration 10 indexes search_docs by type)
and must find exactly the documents the plain walk found, so these tests compare the two, check
what a person sees, and check that an older cache gains the indexes.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.factories import make_store
from track_tui.models import Company, Contact, Deal, EntryType, RecordType, TimelineEntry
from track_tui.store import Store, database
from track_tui.store.schema import MIGRATIONS, SCHEMA_VERSION
from track_tui.store.search import FILTERED_RANK_ALL_UNDER, TIER_NAME_START, parse_query

NEW_INDEXES = {"search_docs_type_name", "board_cards_stage_type"}  # migration 10 (its third, dropped by 11)


def newest(store: Store, query: str, match: str, *, by_type: bool, limit: int = 80) -> list[int]:
    """Rowids of the newest documents `_search_newest` finds, through the type's index or not."""
    parsed = parse_query(query)
    with store.reading():
        where, params, kind = store._search_filter_sql(parsed)
        assert where is not None
        rows = store._search_newest("search_fts", match, where, params, limit, records_of=kind if by_type else None)
    return [row["rowid"] for row in rows]


@pytest.mark.parametrize("query, match", [
    ("type:company", '{name} : ("t"*)'),
    ("type:company", '{name} : ("a"*)'),
    ("type:contact", '{name} : ("m"*)'),
    ("type:deal", '{name} : ("e"*)'),
    ("type:company owner:me", '{name} : ("s"*)'),
    ("type:deal stage:prop", '{name} : ("p"*)'),
    ("stage:prop", '{name} : ("n"*)'),  # a deal stage: searched as type:deal too
    ("type:company", '{tags} : ("ent"*)'),
    ("type:contact", '{name} : ("zzzq"*)'),
])
def test_the_type_index_finds_exactly_the_documents_the_plain_walk_finds(demo_store, query, match):
    for limit in (1, 80, 100_000):
        assert newest(demo_store, query, match, by_type=True, limit=limit) == \
            newest(demo_store, query, match, by_type=False, limit=limit)


def test_the_newest_company_is_found_beneath_many_newer_deals(demo_store):
    """The shape of the slow keystroke: a rare type, one letter, many newer matches of others."""
    target = Company(workspace_id=demo_store.workspace_id, name="Tqvarn Holdings", owner_id=demo_store.user_id)
    demo_store.create_record(target)
    for i in range(30):  # newer than the company, and matching the same letter
        demo_store.create_record(Deal(workspace_id=demo_store.workspace_id, name=f"Tqvarn upsell {i}"))
        demo_store.create_record(Contact(workspace_id=demo_store.workspace_id, name=f"Tove Tqvarn {i}"))
    with demo_store.reading() as conn:
        matches = conn.execute(
            "SELECT count(*) FROM search_fts WHERE search_fts MATCH '\"t\"*'").fetchone()[0]
    assert matches >= FILTERED_RANK_ALL_UNDER  # so the newest-first path is the one measured

    results = demo_store.search("type:company t")
    assert results.hits and all(hit.record_type == RecordType.COMPANY for hit in results.hits)
    assert results.hits[0].record_id == target.id and results.hits[0].tier == TIER_NAME_START
    assert results.hits[0].name_spans == ((0, 1),)
    leading = [hit.tier == TIER_NAME_START for hit in results.hits]
    assert leading == sorted(leading, reverse=True)  # leading name matches first
    for typed in ("type:company tq", "type:company tqvarn", "type:comp tqv"):
        assert [hit.record_id for hit in demo_store.search(typed).hits] == [target.id], typed
    assert {hit.record_type for hit in demo_store.search("type:contact tqv").hits} == {RecordType.CONTACT}
    assert len(demo_store.search("type:deal tqvarn").hits) == 30


def stage_named(store: Store, name: str):
    return next(s for b in store.boards() for s in store.stages(b.id) if s.name == name)


def filters(store: Store, query: str) -> tuple:
    with store.reading():
        return store._search_filter_sql(parse_query(query))


def stages_of(store: Store, record_id: str) -> set[str]:
    return {r[0] for r in store.conn.execute("SELECT stage_id FROM board_cards WHERE record_id = ?", (record_id,))}


def test_a_stage_filter_searches_the_type_its_cards_hold(demo_store):
    """`stage:proposal n` is `type:deal stage:proposal n`: a deal stage's cards are deals."""
    proposal = stage_named(demo_store, "Proposal")
    assert filters(demo_store, "stage:proposal n")[2] == "deal"
    for text in ("n", "no", "nor", "north", ""):
        plain = demo_store.search(f"stage:proposal {text}")
        typed = demo_store.search(f"type:deal stage:proposal {text}")
        assert [h.record_id for h in plain.hits] == [h.record_id for h in typed.hits], text
        assert plain.hits and {h.record_type for h in plain.hits} == {RecordType.DEAL}, text
        assert all(proposal.id in stages_of(demo_store, h.record_id) for h in plain.hits), text

    replied = stage_named(demo_store, "Replied")  # a contact board's stage
    person = Contact(workspace_id=demo_store.workspace_id, name="Quillon Stagey", owner_id=demo_store.user_id)
    demo_store.create_record(person, stage_id=replied.id)
    assert filters(demo_store, "stage:repl q")[2] == "contact"
    assert [h.record_id for h in demo_store.search("stage:replied quillon").hits] == [person.id]
    assert [h.record_id for h in demo_store.search("stage:replied q").hits][:1] == [person.id]


def test_a_stage_with_no_cards_finds_nothing(demo_store):
    declined = stage_named(demo_store, "Declined")
    with demo_store.transaction() as tx:
        for (card_id,) in demo_store.conn.execute(
                "SELECT id FROM board_cards WHERE stage_id = ?", (declined.id,)).fetchall():
            tx.delete("board_cards", card_id)
    assert filters(demo_store, "stage:declined a")[0] is None
    assert len(demo_store.search("stage:declined")) == 0
    assert len(demo_store.search("stage:declined a")) == 0


def test_a_type_with_no_records_finds_nothing(tmp_path: Path):
    store, _ = make_store(tmp_path / "cache.sqlite3")
    for (company_id,) in store.conn.execute("SELECT id FROM companies").fetchall():
        store.soft_delete(RecordType.COMPANY, company_id)
    assert newest(store, "type:company", '{name} : ("a"*)', by_type=True) == []
    assert len(store.search("type:company a")) == 0
    assert store.search("a").hits  # other types are still found
    store.close()


# -- the migration -----------------------------------------------------------------------------

@pytest.fixture
def cache_v9(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A cache written by the previous version (schema 9: no per-type search indexes)."""
    path = tmp_path / "v9.sqlite3"
    monkeypatch.setattr(database, "MIGRATIONS", MIGRATIONS[:9])
    monkeypatch.setattr(database, "SCHEMA_VERSION", 9)
    store, _ = make_store(path)
    assert database.schema_version(store.conn) == 9
    assert not NEW_INDEXES & _indexes(store.conn)
    store.close()
    monkeypatch.undo()
    return path


def _tables(conn: sqlite3.Connection) -> set[str]:
    return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def _indexes(conn: sqlite3.Connection) -> set[str]:
    return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}


def test_an_older_cache_gains_the_type_indexes_and_searches_the_same(cache_v9: Path, tmp_path: Path):
    before = Store(cache_v9)  # migrates
    assert database.schema_version(before.conn) == SCHEMA_VERSION
    assert NEW_INDEXES <= _indexes(before.conn)
    assert "search_types" in _tables(before.conn)
    fresh, _ = make_store(tmp_path / "fresh.sqlite3")
    for query in ("type:company a", "type:contact a", "type:deal a", "type:company", "a", "type:deal acme"):
        assert [h.record_id for h in before.search(query).hits] == [h.record_id for h in fresh.search(query).hits]
    before.close()
    fresh.close()
    again = Store(cache_v9)  # opening again migrates nothing more
    assert database.schema_version(again.conn) == SCHEMA_VERSION
    again.close()


def test_the_filtered_queries_use_the_type_indexes(demo_store):
    """EXPLAIN QUERY PLAN of the statements a `type:company t` keystroke runs."""
    with demo_store.reading() as conn:
        def plan(sql: str, *params) -> str:
            return " ".join(r[3] for r in conn.execute("EXPLAIN QUERY PLAN " + sql, params))

        walk = plan("""SELECT d.* FROM search_types f JOIN search_docs d ON d.rowid = f.rowid
            WHERE search_types MATCH ? AND d.record_type = ? ORDER BY f.rowid DESC LIMIT 80""",
                    '{record_type} : "company" AND ({name} : "t"*)', "company")
        assert "VIRTUAL TABLE" in walk and "SEARCH d USING INTEGER PRIMARY KEY" in walk
        assert "TEMP B-TREE" not in walk  # the index gives rowids newest first: no sort
        names = plan("""SELECT d.* FROM search_docs d INDEXED BY search_docs_type_name
            WHERE d.name >= ? COLLATE NOCASE AND d.name < ? COLLATE NOCASE AND d.entry_id = ''
            AND d.record_type = ? ORDER BY d.name COLLATE NOCASE LIMIT 50""", "t", "t\U0010ffff", "company")
        assert "search_docs_type_name (record_type=? AND entry_id=? AND name>? AND name<?)" in names
        assert "TEMP B-TREE" not in names


# -- migration 11: the record type in a word index ---------------------------------------------

@pytest.fixture
def cache_v10(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A cache written by the previous version (schema 10: no search_types), with notes."""
    path = tmp_path / "v10.sqlite3"
    monkeypatch.setattr(database, "MIGRATIONS", MIGRATIONS[:10])
    monkeypatch.setattr(database, "SCHEMA_VERSION", 10)
    store, _ = make_store(path)
    _add_note(store)
    assert database.schema_version(store.conn) == 10
    assert "search_types" not in _tables(store.conn)
    store.close()
    monkeypatch.undo()
    return path


def _add_note(store: Store) -> None:
    first = store.conn.execute("SELECT id FROM contacts ORDER BY id LIMIT 1").fetchone()[0]
    store.add_entry(TimelineEntry(workspace_id=store.workspace_id, record_type=RecordType.CONTACT, record_id=first,
                                  entry_type=EntryType.NOTE, body="Quarrel about the Zephyrine pricing"))


def _everything(path: Path) -> dict[str, list[tuple]]:
    """Every row of every table that is not a full-text index's own storage."""
    conn = sqlite3.connect(path)
    try:
        names = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'search_fts%' "
            "AND name NOT LIKE 'search_trigram%' AND name NOT LIKE 'search_types%' AND name NOT LIKE 'sqlite_%' "
            "AND name <> 'schema_version'")]
        return {n: sorted(map(tuple, conn.execute(f"SELECT * FROM {n}")), key=repr) for n in names}
    finally:
        conn.close()


def _typed_walk(store: Store, kind: str, match: str) -> list[int]:
    with store.reading() as conn:
        return [r[0] for r in conn.execute(
            "SELECT rowid FROM search_types WHERE search_types MATCH ? ORDER BY rowid DESC",
            (f'{{record_type}} : "{kind}" AND ({match})',))]


def _plain_walk(store: Store, kind: str, match: str) -> list[int]:
    with store.reading() as conn:
        return [r[0] for r in conn.execute(
            """SELECT f.rowid FROM search_fts f JOIN search_docs d ON d.rowid = f.rowid
            WHERE search_fts MATCH ? AND d.record_type = ? ORDER BY f.rowid DESC""", (match, kind))]


def test_a_cache_from_version_10_gains_the_type_index_and_keeps_everything(cache_v10: Path, tmp_path: Path):
    before = _everything(cache_v10)
    store = Store(cache_v10)  # migrates
    assert database.schema_version(store.conn) == SCHEMA_VERSION
    assert "search_types" in _tables(store.conn) and "search_docs_type_newest" not in _indexes(store.conn)
    store.conn.execute("INSERT INTO search_types (search_types) VALUES ('integrity-check')")
    for kind in ("contact", "company", "deal"):
        for match in ('{name} : "a"*', '{name} : "n"*', '{tags} : "v"*'):
            assert _typed_walk(store, kind, match) == _plain_walk(store, kind, match), (kind, match)
    fresh, _ = make_store(tmp_path / "fresh.sqlite3")
    _add_note(fresh)
    for query in ("type:contact a", "type:company n", "type:deal a", "type:contact", "zephyrine", "a"):
        assert [h.record_id for h in store.search(query).hits] == [h.record_id for h in fresh.search(query).hits]
    assert [h.record_type for h in store.search("type:contact zephyrine").hits] == [RecordType.CONTACT]
    store.close()
    fresh.close()
    assert _everything(cache_v10) == before  # the records, notes and documents are as they were


def test_an_upgrade_that_fails_part_way_leaves_version_10_as_it_was(cache_v10: Path, monkeypatch: pytest.MonkeyPatch):
    """One transaction: a failure after the index was built and filled rolls all of it back."""
    before = _everything(cache_v10)

    def interrupted(conn: sqlite3.Connection) -> None:
        assert conn.execute("SELECT count(*) FROM search_types").fetchone()[0] > 0  # it was filled
        raise KeyboardInterrupt  # a ctrl+c mid-upgrade

    monkeypatch.setattr(database, "MIGRATIONS", [*MIGRATIONS[:10], [*MIGRATIONS[10], interrupted]])
    with pytest.raises(KeyboardInterrupt):
        Store(cache_v10)
    monkeypatch.undo()
    conn = sqlite3.connect(cache_v10)
    assert database.schema_version(conn) == 10
    assert "search_types" not in _tables(conn) and "search_docs_type_newest" in _indexes(conn)
    triggers = " ".join(r[0] for r in conn.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger'"))
    assert "search_types" not in triggers
    conn.close()
    assert _everything(cache_v10) == before
    store = Store(cache_v10)  # and the next start upgrades it
    assert database.schema_version(store.conn) == SCHEMA_VERSION
    assert store.search("type:contact zephyrine").hits
    store.close()


def _open_error(path: str) -> tuple[str, str]:
    from track_tui.store import CacheInaccessible

    try:
        Store(path).close()
    except CacheInaccessible as exc:
        return type(exc).__name__, str(exc)
    return "opened", ""


def test_a_read_only_version_10_cache_says_it_cannot_be_upgraded_and_is_left_unchanged(cache_v10: Path):
    from tests.support.unprivileged import as_plain_user

    before = cache_v10.read_bytes()
    cache_v10.chmod(0o444)
    kind, message = as_plain_user(_open_error, str(cache_v10))
    assert kind == "CacheInaccessible"
    assert f"cache schema 10; this version needs {SCHEMA_VERSION}" in message and "Nothing was changed" in message
    assert cache_v10.read_bytes() == before


def test_writes_keep_the_type_index_current(tmp_path: Path):
    store, _ = make_store(tmp_path / "cache.sqlite3")
    company = Company(workspace_id=store.workspace_id, name="Xylocarp Works", owner_id=store.user_id)
    store.create_record(company)
    assert _typed_walk(store, "company", '{name} : "xylo"*') == _plain_walk(store, "company", '{name} : "xylo"*') != []
    store.update_record(RecordType.COMPANY, company.id, {"name": "Yarrowfield Works"})
    assert _typed_walk(store, "company", '{name} : "xylo"*') == []
    assert len(_typed_walk(store, "company", '{name} : "yarrow"*')) == 1
    assert [h.record_id for h in store.search("type:company yarrow").hits] == [company.id]
    store.soft_delete(RecordType.COMPANY, company.id)
    assert store.search("type:company yarrow").hits == []
    store.conn.execute("INSERT INTO search_types (search_types) VALUES ('integrity-check')")
    store.close()

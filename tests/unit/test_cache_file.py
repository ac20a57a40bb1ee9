"""Opening the cache file: bad files are refused untouched; migrations; WAL and foreign keys."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest

from tests.factories import make_store
from track_tui.store import CacheCorrupt, CacheError, CacheTooNew, Store, move_aside
from track_tui.store.database import connect, run_step, schema_version
from track_tui.store.schema import MIGRATIONS, SCHEMA_VERSION

PAGE = 4096


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def build_cache(path: Path) -> Path:
    """A real cache with a few pages of rows, closed cleanly (its WAL folded back in)."""
    store, _ = make_store(path)
    for i in range(300):
        store.conn.execute("INSERT INTO profiles (id, full_name) VALUES (?, ?)", (f"p{i}", "x" * 200))
    store.close()
    assert not Path(f"{path}-wal").exists()
    return path


def assert_refused_untouched(path: Path, error: type[CacheError]) -> CacheError:
    before = digest(path)
    with pytest.raises(error) as caught:
        Store(path)
    assert digest(path) == before
    assert caught.value.path == path
    assert str(path) in str(caught.value)
    wal = Path(f"{path}-wal")
    assert not wal.exists() or wal.stat().st_size == 0
    return caught.value


def test_a_file_that_is_not_sqlite_is_refused_byte_for_byte_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    path.write_bytes(b"these are my notes, not a database\n" * 50)
    error = assert_refused_untouched(path, CacheCorrupt)
    assert "not a Track cache" in str(error) and "Nothing was changed" in str(error)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache.sqlite3"]


def test_a_short_non_sqlite_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    path.write_bytes(b"SQLite")
    assert_refused_untouched(path, CacheCorrupt)


def assert_damage_found_untouched(path: Path) -> str:
    """Page damage past the schema is found by the integrity check (run after start-up)."""
    before = digest(path)
    try:
        store = Store(path)
    except CacheCorrupt as exc:  # damage the schema read already tripped over
        problem = str(exc)
    else:
        problem = store.integrity_problem()
        store.close()
    assert problem
    assert digest(path) == before
    return problem


def test_garbage_in_the_middle_is_found_and_the_file_left_unchanged(tmp_path: Path) -> None:
    path = build_cache(tmp_path / "cache.sqlite3")
    data = bytearray(path.read_bytes())
    assert len(data) > 12 * PAGE
    data[4 * PAGE: 8 * PAGE] = bytes((i * 7 + 3) % 251 for i in range(4 * PAGE))
    path.write_bytes(bytes(data))
    assert_damage_found_untouched(path)


def test_a_truncated_file_is_found_and_left_unchanged(tmp_path: Path) -> None:
    path = build_cache(tmp_path / "cache.sqlite3")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    assert_damage_found_untouched(path)


def test_a_sound_cache_passes_the_integrity_check(tmp_path: Path) -> None:
    path = build_cache(tmp_path / "cache.sqlite3")
    store = Store(path)
    assert store.integrity_problem() is None
    store.close()


def test_a_damaged_first_page_is_refused_unchanged(tmp_path: Path) -> None:
    path = build_cache(tmp_path / "cache.sqlite3")
    data = bytearray(path.read_bytes())
    data[100:PAGE] = b"\xff" * (PAGE - 100)  # the schema's root page, after an intact header
    path.write_bytes(bytes(data))
    assert_refused_untouched(path, CacheCorrupt)


def test_a_cache_from_a_newer_version_is_refused_unchanged(tmp_path: Path) -> None:
    path = build_cache(tmp_path / "cache.sqlite3")
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO schema_version (version) VALUES (?)", (SCHEMA_VERSION + 5,))
    conn.commit()
    conn.close()
    error = assert_refused_untouched(path, CacheTooNew)
    assert isinstance(error, CacheTooNew) and error.found == SCHEMA_VERSION + 5
    assert "newer Track TUI" in str(error)


def test_move_aside_renames_the_file_and_its_companions(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    path.write_bytes(b"junk")
    Path(f"{path}-wal").write_bytes(b"wal")
    Path(f"{path}-shm").write_bytes(b"shm")
    moved = move_aside(path)
    assert moved.parent == tmp_path and moved.name.startswith("cache.sqlite3.bad-")
    assert moved.read_bytes() == b"junk"
    assert Path(f"{moved}-wal").read_bytes() == b"wal"
    assert Path(f"{moved}-shm").read_bytes() == b"shm"
    assert not path.exists() and not Path(f"{path}-wal").exists() and not Path(f"{path}-shm").exists()
    # A fresh cache can now be built in its place.
    store = Store(path)
    assert schema_version(store.conn) == SCHEMA_VERSION
    store.close()


def test_move_aside_without_companions(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    path.write_bytes(b"junk")
    moved = move_aside(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [moved.name]


def test_opening_again_keeps_the_version_and_the_data(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    store, ids = make_store(path)
    deals = store.conn.execute("SELECT count(*) FROM deals").fetchone()[0]
    store.close()
    for _ in range(2):
        store = Store(path)
        assert schema_version(store.conn) == SCHEMA_VERSION
        assert store.conn.execute("SELECT count(*) FROM schema_version").fetchone()[0] == SCHEMA_VERSION
        assert store.conn.execute("SELECT count(*) FROM deals").fetchone()[0] == deals
        assert store.workspace_id == ids.workspace
        store.close()


def test_migration_statements_are_safe_to_re_run(tmp_path: Path) -> None:
    conn = connect(tmp_path / "cache.sqlite3")
    tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
    for migration in MIGRATIONS:
        for step in migration:
            run_step(conn, step)
    assert conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == tables
    conn.close()


def test_an_empty_file_becomes_a_new_cache(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    path.touch()
    store = Store(path)
    assert schema_version(store.conn) == SCHEMA_VERSION
    store.close()


def test_wal_and_foreign_keys_are_on(tmp_path: Path) -> None:
    store = Store(tmp_path / "cache.sqlite3")
    assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
        store.conn.execute(
            "INSERT INTO boards (id, workspace_id, name, record_type, created_at) VALUES ('b', 'nope', 'B', 'deal', 'x')"
        )
    store.close()
    memory = Store(":memory:")
    assert memory.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert schema_version(memory.conn) == SCHEMA_VERSION
    memory.close()


def test_search_tables_use_the_documented_tokenizers(tmp_path: Path) -> None:
    store = Store(":memory:")
    sql = dict(store.conn.execute("SELECT name, sql FROM sqlite_master WHERE name LIKE 'search_%'").fetchall())
    assert "fts5" in sql["search_fts"] and "unicode61" in sql["search_fts"] and "prefix" in sql["search_fts"]
    assert "tokenize='trigram'" in sql["search_trigram"]
    store.close()



def test_someone_elses_sqlite_database_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    other = sqlite3.connect(path)
    other.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    other.execute("INSERT INTO notes (body) VALUES ('buy milk')")
    other.commit()
    other.close()
    error = assert_refused_untouched(path, CacheError)
    assert "not a Track cache" in str(error) and "notes" in str(error)
    check = sqlite3.connect(path)
    assert [r[0] for r in check.execute("SELECT name FROM sqlite_master WHERE type = 'table'")] == ["notes"]
    assert check.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    check.close()


# -- files that cannot be written or read: read-only, never "damaged", never a traceback ------

from tests.support.unprivileged import as_plain_user  # noqa: E402
from track_tui.store import CacheInaccessible, InvalidInput, NotACache, ReadOnlyCache  # noqa: E402


def first_card(store: Store) -> tuple[str, str]:
    """A card and a stage it is not in, on the first board."""
    card, stage = store.conn.execute(
        "SELECT c.id, s.id FROM board_cards c JOIN board_stages s ON s.board_id = c.board_id "
        "AND s.id <> c.stage_id ORDER BY c.id, s.position LIMIT 1").fetchone()
    return card, stage


def use_read_only(path: str) -> dict:
    """In the unprivileged child: open, read, try to write; report what happened."""
    store = Store(path)
    try:
        card, stage = first_card(store)
        report = {"read_only": store.read_only, "deals": len(store.conn.execute("SELECT id FROM deals").fetchall()),
                  "integrity": store.integrity_problem()}
        try:
            store.move_card(card, stage)
        except ReadOnlyCache as exc:
            report["refused"] = str(exc)
            report["is_invalid_input"] = isinstance(exc, InvalidInput)
        store.set_meta("last_board_id", "anything")  # a convenience: quietly not remembered
        return report
    finally:
        store.close()


def test_a_read_only_file_opens_read_only_and_refuses_writes(tmp_path: Path) -> None:
    path = build_cache(tmp_path / "cache.sqlite3")
    path.chmod(0o444)  # the folder stays writable
    before = digest(path)
    report = as_plain_user(use_read_only, str(path))
    assert report["read_only"] is True and report["deals"] > 0 and report["integrity"] is None
    assert report["refused"] == f"Read-only cache: changes cannot be saved to {path}"
    assert report["is_invalid_input"]
    assert digest(path) == before


def test_a_cache_in_a_read_only_folder_opens_read_only_not_damaged(tmp_path: Path) -> None:
    """WAL mode keeps -wal and -shm beside the cache: a read-only folder made SQLite fail with
    "attempt to write a readonly database", which the app called damage."""
    folder = tmp_path / "shelf"
    folder.mkdir()
    path = build_cache(folder / "cache.sqlite3")
    folder.chmod(0o555)  # the file could be written; its folder cannot
    try:
        before = digest(path)
        report = as_plain_user(use_read_only, str(path))
        assert report["read_only"] is True and report["deals"] > 0 and report["integrity"] is None
        assert "Read-only cache" in report["refused"]
        assert digest(path) == before
        assert sorted(p.name for p in folder.iterdir()) == ["cache.sqlite3"]
    finally:
        folder.chmod(0o755)


def open_error(path: str) -> tuple[str, str]:
    try:
        Store(path).close()
    except CacheInaccessible as exc:
        return type(exc).__name__, str(exc)
    return "opened", ""


def test_an_unreadable_cache_is_refused_with_a_reason_and_left_alone(tmp_path: Path) -> None:
    path = build_cache(tmp_path / "cache.sqlite3")
    path.chmod(0o000)
    kind, message = as_plain_user(open_error, str(path))
    assert kind == "CacheInaccessible"
    assert message.startswith(f"{path} cannot be read (Permission denied). Nothing was changed")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache.sqlite3"]


def test_a_read_only_cache_from_an_older_version_cannot_be_upgraded_and_says_so(tmp_path: Path) -> None:
    path = build_cache(tmp_path / "cache.sqlite3")
    conn = sqlite3.connect(path)
    conn.execute("DELETE FROM schema_version WHERE version = ?", (SCHEMA_VERSION,))
    conn.commit()
    conn.close()
    path.chmod(0o444)
    kind, message = as_plain_user(open_error, str(path))
    assert kind == "CacheInaccessible"
    assert "is read-only and was written by an older Track TUI" in message and "Nothing was changed" in message


def test_a_folder_is_not_a_cache(tmp_path: Path) -> None:
    with pytest.raises(CacheInaccessible, match="is a folder, not a cache file"):
        Store(tmp_path)


# -- a damaged schema_version: named as such, never a ValueError -------------------------------


@pytest.mark.parametrize("damage, detail", [
    ("UPDATE schema_version SET version = 'abc'", "it holds 'abc', not a version number"),
    ("UPDATE schema_version SET version = 2.5", "it holds 2.5, not a version number"),
    ("UPDATE schema_version SET version = -1", "it holds -1, not a version number"),
    ("DELETE FROM schema_version", "it has no rows"),
    ("ALTER TABLE schema_version RENAME COLUMN version TO v", "no such column: version"),
])
def test_a_damaged_schema_version_is_refused_as_damage(tmp_path: Path, damage: str, detail: str) -> None:
    path = build_cache(tmp_path / "cache.sqlite3")
    conn = sqlite3.connect(path)
    conn.execute(damage)
    conn.commit()
    conn.close()
    error = assert_refused_untouched(path, CacheCorrupt)
    assert f"has a damaged schema_version table ({detail})" in str(error)


def test_someone_elses_schema_version_table_does_not_make_it_ours(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    other = sqlite3.connect(path)
    other.execute("CREATE TABLE schema_version (version TEXT)")
    other.execute("INSERT INTO schema_version VALUES ('2024.1')")
    other.execute("CREATE TABLE invoices (id INTEGER)")
    other.commit()
    other.close()
    error = assert_refused_untouched(path, NotACache)
    assert "not a Track cache" in str(error)

"""The command line's cache handling: a bad cache file is explained, never overwritten unasked."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from track_tui import cli
from track_tui.config import Settings
from track_tui.store import Store

GARBAGE = b"my shopping list, not a database\n" * 40


def test_a_bad_cache_is_left_alone_without_consent(tmp_path: Path, monkeypatch, capsys) -> None:
    path = tmp_path / "demo.sqlite3"
    path.write_bytes(GARBAGE)
    monkeypatch.setattr("sys.stdin", io.StringIO(""))  # not a terminal: nobody to ask
    assert cli.open_store(path, Settings(demo_deals=10), rebuild=False) is None
    assert path.read_bytes() == GARBAGE
    err = capsys.readouterr().err
    assert "not a Track cache" in err and "--rebuild-cache" in err and "nothing was changed" in err


def test_rebuild_moves_the_bad_file_aside_and_builds_a_fresh_demo(tmp_path: Path, capsys) -> None:
    path = tmp_path / "demo.sqlite3"
    path.write_bytes(GARBAGE)
    store = cli.open_store(path, Settings(demo_deals=10), rebuild=True)
    assert store is not None
    try:
        assert store.get_meta("workspace_id") is not None
        assert store.boards()
    finally:
        store.close()
    moved = [p for p in tmp_path.iterdir() if p.name.startswith("demo.sqlite3.bad-")]
    assert len(moved) == 1 and moved[0].read_bytes() == GARBAGE
    assert str(moved[0]) in capsys.readouterr().err


def test_a_yes_at_the_prompt_rebuilds(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "demo.sqlite3"
    path.write_bytes(GARBAGE)

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr("sys.stdin", Terminal("y\n"))
    store = cli.open_store(path, Settings(demo_deals=10), rebuild=False)
    assert store is not None
    store.close()


def test_demo_command_builds_a_file_and_refuses_to_overwrite_it(tmp_path: Path, capsys) -> None:
    out = tmp_path / "big.sqlite3"
    assert cli.main(["demo", "--deals", "25", "--seed", "3", "-o", str(out)]) == 0
    store = Store(out)
    try:
        assert store.conn.execute("SELECT count(*) FROM deals").fetchone()[0] == 25
    finally:
        store.close()
    assert cli.main(["demo", "--deals", "25", "-o", str(out)]) == 1
    assert "--force" in capsys.readouterr().err
    assert cli.main(["demo", "--deals", "30", "-o", str(out), "--force"]) == 0


def test_someone_elses_database_is_never_moved_even_with_rebuild(tmp_path: Path, capsys) -> None:
    import sqlite3

    path = tmp_path / "crm-export.db"
    other = sqlite3.connect(path)
    other.execute("CREATE TABLE people (name TEXT)")
    other.commit()
    other.close()
    before = path.read_bytes()
    assert cli.open_store(path, Settings(demo_deals=10), rebuild=True) is None
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["crm-export.db"]
    assert "not a Track cache" in capsys.readouterr().err

"""The command line's cache handling: a bad cache file is explained, never overwritten unasked."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from track_tui import cli
from track_tui.config import Settings
from track_tui.store import Store

GARBAGE = b"my shopping list, not a database\n" * 40


pytestmark = pytest.mark.usefixtures("clean_environment")  # tests/unit/conftest.py


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
    said = capsys.readouterr().out.strip()
    assert said.startswith(f"built {out} in ") and ": " in said and "25 deals" in said and "(seed 3)" in said, said
    assert "=" not in said and "Summary" not in said and "datetime" not in said, said  # no Python repr
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


# -- one line naming the problem, never a traceback -------------------------------------------

from tests.support.unprivileged import as_plain_user, run_cli  # noqa: E402
from track_tui import paths  # noqa: E402


def one_line_error(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


def test_cache_naming_a_folder(tmp_path: Path, capsys) -> None:
    assert cli.main(["--cache", str(tmp_path)]) == 1
    assert one_line_error(capsys) == (
        f"track: --cache: {tmp_path} is a folder; name a cache file, e.g. {tmp_path / 'track.sqlite3'}")


def test_cache_under_a_file(tmp_path: Path, capsys) -> None:
    (tmp_path / "notes.txt").write_text("hello")
    assert cli.main(["--cache", str(tmp_path / "notes.txt" / "sub" / "cache.sqlite3")]) == 1
    line = one_line_error(capsys)
    assert line.startswith("track: --cache: cannot use ") and f"{tmp_path / 'notes.txt'} is a file, not a folder" in line
    assert (tmp_path / "notes.txt").read_text() == "hello"


def test_data_dir_set_to_a_file(tmp_path: Path, monkeypatch, capsys) -> None:
    (tmp_path / "data").write_text("not a folder")
    monkeypatch.setenv("TRACK_DATA_DIR", str(tmp_path / "data"))
    assert cli.main([]) == 1
    line = one_line_error(capsys)
    assert line.startswith(f"track: TRACK_DATA_DIR={tmp_path / 'data'}: cannot use ")
    assert "is a file, not a folder" in line


def test_data_dir_in_an_unwritable_place(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o555)  # nothing can be created in it
    data = locked / "track"
    status, err = as_plain_user(run_cli, [], env={"TRACK_DATA_DIR": str(data)})
    assert status == 1 and "Traceback" not in err
    assert err.strip() == f"track: TRACK_DATA_DIR={data}: cannot create the folder {data} (Permission denied)"
    locked.chmod(0o755)
    data.mkdir(mode=0o555)  # there, but not writable
    status, err = as_plain_user(run_cli, [], env={"TRACK_DATA_DIR": str(data)})
    assert status == 1
    assert err.strip() == (f"track: TRACK_DATA_DIR={data}: cannot create {data / 'demo.sqlite3'}: "
                           f"the folder {data} is not writable")


def test_an_unreadable_cache_is_one_line_and_untouched(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    path.write_bytes(b"secret")
    path.chmod(0o000)
    status, err = as_plain_user(run_cli, ["--cache", str(path)])
    assert status == 1 and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert err.startswith(f"track: {path} cannot be read (Permission denied)")
    path.chmod(0o600)
    assert path.read_bytes() == b"secret"


def test_a_damaged_schema_version_is_explained_not_a_traceback(tmp_path: Path, monkeypatch, capsys) -> None:
    import sqlite3

    path = tmp_path / "cache.sqlite3"
    Store(path).close()
    conn = sqlite3.connect(path)
    conn.execute("UPDATE schema_version SET version = 'x'")
    conn.commit()
    conn.close()
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert cli.main(["--cache", str(path)]) == 1
    err = capsys.readouterr().err
    assert "damaged schema_version table" in err and "--rebuild-cache" in err and "Traceback" not in err


@pytest.mark.parametrize("deals, problem", [
    ("-5", "-5 is out of range: give 1 to 1,000,000 deals"), ("0", "0 is out of range"),
    ("2000000", "2000000 is out of range"), ("lots", "'lots' is not a whole number"),
])
def test_demo_deals_out_of_range_is_one_line(tmp_path: Path, capsys, deals: str, problem: str) -> None:
    out = tmp_path / "d.sqlite3"
    with pytest.raises(SystemExit) as caught:
        cli.main(["demo", "--deals", deals, "-o", str(out)])
    assert caught.value.code == 2
    line = one_line_error(capsys)
    assert line.startswith("track demo: argument --deals: ") and problem in line
    assert not out.exists()


def test_demo_output_that_is_a_folder_is_refused(tmp_path: Path, capsys) -> None:
    assert cli.main(["demo", "--deals", "10", "-o", str(tmp_path), "--force"]) == 1
    assert "is a folder" in one_line_error(capsys)
    assert tmp_path.is_dir()


def test_demo_force_replaces_the_file_whole(tmp_path: Path) -> None:
    out = tmp_path / "d.sqlite3"
    assert cli.main(["demo", "--deals", "12", "-o", str(out)]) == 0
    assert cli.main(["demo", "--deals", "15", "-o", str(out), "--force"]) == 0
    store = Store(out)
    try:
        assert store.conn.execute("SELECT count(*) FROM deals").fetchone()[0] == 15
    finally:
        store.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.sqlite3"]  # no temporary file left


def test_a_read_only_cache_without_a_workspace_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "empty.sqlite3"
    Store(path).close()  # our schema, no workspace
    path.chmod(0o444)
    status, err = as_plain_user(run_cli, ["--cache", str(path)])
    assert status == 1
    assert err.strip() == f"track: {path} is read-only and holds no workspace yet; nothing was changed"


@pytest.mark.app_errors
def test_an_unexpected_error_exits_70_with_one_line_pointing_at_the_log(monkeypatch, capsys) -> None:
    def broken(*args, **kwargs):
        raise RuntimeError("the disk said no")

    monkeypatch.setattr(cli, "open_store", broken)
    assert cli.main([]) == cli.EXIT_CRASH == 70
    log = paths.log_file()
    assert one_line_error(capsys) == f"track: crashed (RuntimeError: the disk said no); details are in {log}"
    text = log.read_text(encoding="utf-8")
    assert "Traceback (most recent call last)" in text and "RuntimeError: the disk said no" in text


def test_first_start_builds_the_demo_in_one_step(tmp_path: Path) -> None:
    """The demo is built beside the cache and linked into place whole."""
    path = tmp_path / "data" / "demo.sqlite3"
    store = cli.open_store(path, Settings(demo_deals=10), rebuild=False)
    assert store is not None
    try:
        assert store.conn.execute("SELECT count(*) FROM deals").fetchone()[0] == 10
    finally:
        store.close()
    assert sorted(p.name for p in path.parent.iterdir()) == ["demo.sqlite3"]


def test_a_cache_in_a_folder_that_cannot_be_entered(tmp_path: Path) -> None:
    closed = tmp_path / "closed"
    closed.mkdir()
    Store(closed / "cache.sqlite3").close()
    closed.chmod(0o000)
    try:
        status, err = as_plain_user(run_cli, ["--cache", str(closed / "cache.sqlite3")])
    finally:
        closed.chmod(0o755)
    assert status == 1 and "Traceback" not in err
    assert err.strip() == f"track: --cache: {closed / 'cache.sqlite3'} cannot be reached (Permission denied)"

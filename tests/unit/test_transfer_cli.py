"""`track export` and `track import` from the command line: exit statuses and what they say."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest

from tests.unit.transfer_support import counts
from track_tui import cli
from track_tui.store import Store


pytestmark = pytest.mark.usefixtures("clean_environment")  # tests/unit/conftest.py


@pytest.fixture
def cache(demo_template: Path, tmp_path: Path) -> Path:
    path = tmp_path / "cache.sqlite3"
    shutil.copyfile(demo_template, path)
    return path


def test_export_to_standard_output_and_to_a_file(cache: Path, tmp_path: Path, capsys) -> None:
    assert cli.main(["--cache", str(cache), "export", "deals", "--filter", ">50k", "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert rows and all(float(r["Value"]) >= 50_000 for r in rows if r["Currency"] in ("USD", "EUR"))
    out = tmp_path / "contacts.csv"
    assert cli.main(["--cache", str(cache), "export", "contacts", "-o", str(out), "--bom"]) == 0
    assert out.read_bytes().startswith(b"\xef\xbb\xbfName,")
    assert "wrote 150 contacts to" in capsys.readouterr().err
    as_json = tmp_path / "companies.json"
    assert cli.main(["--cache", str(cache), "export", "companies", "-o", str(as_json)]) == 0
    assert as_json.read_text(encoding="utf-8").startswith("[\n  {\n    \"Name\":")


def test_export_problems_are_one_line_and_status_1(cache: Path, capsys) -> None:
    assert cli.main(["--cache", str(cache), "export", "deals", "--board", "Nope"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("track export: no board named 'Nope'")


def test_import_dry_run_changes_nothing_and_reports(cache: Path, tmp_path: Path, capsys) -> None:
    file = tmp_path / "people.csv"
    file.write_text("First Name,Last Name,E-mail Address,Shoe size\nAda,Lovelace,ada@example.org,38\n", encoding="utf-8")
    before = counts(Store(cache))
    assert cli.main(["--cache", str(cache), "import", "contacts", str(file), "--dry-run"]) == 0
    err = capsys.readouterr().err
    assert "read " in err and "1 rows, UTF-8, comma-separated" in err
    assert "ignored columns" in err and "Shoe size" in err
    assert "dry run, nothing written: the import would make 1 new contacts" in err
    assert counts(Store(cache)) == before
    assert cli.main(["--cache", str(cache), "import", "contacts", str(file)]) == 0
    assert "imported 1 new contacts" in capsys.readouterr().err
    assert counts(Store(cache))["contacts"] == before["contacts"] + 1


def test_import_with_bad_rows_writes_nothing_and_exits_1(cache: Path, tmp_path: Path, capsys) -> None:
    file = tmp_path / "deals.csv"
    file.write_text("Name,Stage\nFine,Lead\nLost cause,Atlantis\n", encoding="utf-8")
    before = counts(Store(cache))
    assert cli.main(["--cache", str(cache), "import", "deals", str(file)]) == 1
    err = capsys.readouterr().err
    assert "line 3: Stage: Sales pipeline has no stage 'Atlantis'" in err
    assert "nothing was imported" in err and "--skip-invalid" in err
    assert counts(Store(cache)) == before
    assert cli.main(["--cache", str(cache), "import", "deals", str(file), "--skip-invalid"]) == 0
    assert counts(Store(cache))["deals"] == before["deals"] + 1


@pytest.mark.parametrize(("content", "says"), [
    (b"", "the file is empty"),
    (b"Name,Email\n", "has a header row but no rows"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a text file"),
])
def test_unreadable_files_are_one_line(cache: Path, tmp_path: Path, capsys, content: bytes, says: str) -> None:
    file = tmp_path / "in.csv"
    file.write_bytes(content)
    assert cli.main(["--cache", str(cache), "import", "contacts", str(file)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and says in err[0] and "nothing was imported" in err[0]


def test_a_missing_file_and_a_bad_map(cache: Path, tmp_path: Path, capsys) -> None:
    assert cli.main(["--cache", str(cache), "import", "contacts", str(tmp_path / "gone.csv")]) == 1
    assert "no such file" in capsys.readouterr().err
    file = tmp_path / "in.csv"
    file.write_text("Name\nA\n")
    assert cli.main(["--cache", str(cache), "import", "contacts", str(file), "--map", "nonsense"]) == 2
    assert 'write it as "Column=field"' in capsys.readouterr().err


def test_report_text_from_the_file_is_drawn_safely(cache: Path, tmp_path: Path, capsys) -> None:
    file = tmp_path / "in.csv"
    file.write_text("Name,Owner\nA,\x1b]52;c;evil\x07\n", encoding="utf-8")
    assert cli.main(["--cache", str(cache), "import", "contacts", str(file)]) == 1
    err = capsys.readouterr().err
    assert "\x1b" not in err and "\x07" not in err and "line 2: Owner: no one named" in err


def test_a_viewer_cannot_import_and_is_told_in_one_line(cache: Path, tmp_path: Path, capsys) -> None:
    import sqlite3

    file = tmp_path / "in.csv"
    file.write_text("Name\nAda\n")
    with sqlite3.connect(cache) as conn:
        conn.execute("INSERT INTO meta (key, value) VALUES ('role', 'viewer') "
                     "ON CONFLICT (key) DO UPDATE SET value = excluded.value")
    before = counts(Store(cache))
    assert cli.main(["--cache", str(cache), "import", "contacts", str(file)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("track import:") and "nothing was imported" in err[-1]
    assert counts(Store(cache)) == before

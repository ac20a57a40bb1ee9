"""`make test` runs the linters: ruff (pyflakes and pycodestyle rules, see [tool.ruff] in
pyproject.toml) and import-linter's layer contracts ([tool.importlinter]: models, store and sync
never import Textual, the screens, the widgets or the app).

Both run as tools from this virtualenv, on the whole tree, so a mistake anywhere fails the suite
with the tool's own message. Each has a companion test showing it can fail, so a misconfigured
run (no files checked, no contracts read) cannot pass unnoticed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def run(*command: str | Path, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(part) for part in command], cwd=cwd, capture_output=True, text=True, timeout=120,
    )


def test_ruff_finds_nothing() -> None:
    result = run(BIN / "ruff", "check", "--no-cache", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_would_report_an_unused_import(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("import os\n")
    result = run(BIN / "ruff", "check", "--no-cache", "--config", ROOT / "pyproject.toml", sample)
    assert result.returncode == 1
    assert "F401" in result.stdout


def test_import_contracts_are_kept() -> None:
    result = run(BIN / "lint-imports", "--no-cache")
    assert result.returncode == 0, result.stdout + result.stderr
    # All three contracts were read and checked (a config that is not found checks nothing).
    assert "3 kept, 0 broken" in result.stdout, result.stdout


def test_the_contracts_would_notice_a_store_module_importing_textual(tmp_path: Path) -> None:
    """The same contracts against a copy of the package with one forbidden import added."""
    package = tmp_path / "track_tui"
    for source in (ROOT / "track_tui").rglob("*.py"):
        target = package / source.relative_to(ROOT / "track_tui")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(source.read_text())
    (package / "store" / "leak.py").write_text("from ..widgets import plain_text  # noqa: F401\n")
    (tmp_path / "pyproject.toml").write_text((ROOT / "pyproject.toml").read_text())
    result = run(BIN / "lint-imports", "--no-cache", cwd=tmp_path)
    assert result.returncode == 1, result.stdout
    assert "track_tui.store.leak -> track_tui.widgets.plain_text" in result.stdout, result.stdout

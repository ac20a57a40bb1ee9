"""What the app reads at run time ships inside the package (the full check, which builds and
installs the wheel, is `make check-wheel`; this one is quick enough for every test run)."""

from __future__ import annotations

import tomllib
from fnmatch import fnmatch
from pathlib import Path

import track_tui
from track_tui.app import TrackApp

PACKAGE = Path(track_tui.__file__).resolve().parent
PYPROJECT = PACKAGE.parent / "pyproject.toml"


def package_data_globs() -> list[str]:
    config = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))
    return config["tool"]["setuptools"]["package-data"]["track_tui"]


def test_every_stylesheet_is_inside_the_package_and_declared_as_package_data() -> None:
    globs = package_data_globs()
    sheets = [Path(p) for p in TrackApp.CSS_PATH]
    assert sheets
    for sheet in sheets:
        assert sheet.is_file(), sheet
        relative = sheet.resolve().relative_to(PACKAGE)  # raises when outside the package
        assert any(fnmatch(relative.as_posix(), pattern) for pattern in globs), (relative, globs)


def test_no_stylesheet_is_left_outside_the_package() -> None:
    assert not (PACKAGE.parent / "styles").exists()
    declared = {p.name for p in (PACKAGE / "styles").glob("*.tcss")}
    assert declared == {Path(p).name for p in TrackApp.CSS_PATH}

"""Who runs automations and writes the audit log: the store itself only when no server stands
behind the cache (the demo, a file without a project, and no project configured)."""

from __future__ import annotations

from pathlib import Path

import pytest

from track_tui import cli
from track_tui.config import Settings
from track_tui.store import Store


pytestmark = pytest.mark.usefixtures("clean_environment")  # tests/unit/conftest.py


def standalone_when_run(monkeypatch, path: Path, settings: Settings) -> bool:
    seen = {}

    def fake_run(app, *args, **kwargs):
        seen["standalone"] = app.store.standalone

    monkeypatch.setattr("track_tui.app.TrackApp.run", fake_run)
    cli._run(path, settings, rebuild=False)
    return seen["standalone"]


def test_the_demo_stands_alone(tmp_path: Path, monkeypatch) -> None:
    assert standalone_when_run(monkeypatch, tmp_path / "demo.sqlite3", Settings(demo_deals=10)) is True


def test_a_projects_cache_never_does(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "demo.sqlite3"
    cli.open_store(path, Settings(demo_deals=10), rebuild=False).close()
    store = Store(path)
    store.set_meta("project_url", "https://abcd1234.supabase.co")
    store.close()
    assert standalone_when_run(monkeypatch, path, Settings(demo_deals=10)) is False


def test_nor_does_any_cache_while_a_project_is_configured(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(Settings, "project", property(lambda self: object()))
    assert standalone_when_run(monkeypatch, tmp_path / "demo.sqlite3", Settings(demo_deals=10)) is False


def test_a_new_store_does_not_stand_alone_by_default(tmp_path: Path) -> None:
    store = Store(tmp_path / "plain.sqlite3")
    try:
        assert store.standalone is False
    finally:
        store.close()

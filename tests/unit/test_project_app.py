"""`track` with a project configured: a damaged cache of the remembered workspace is explained
and left alone unless --rebuild-cache says otherwise (before any screen or network)."""

from __future__ import annotations

import base64
import json

from track_tui import paths
from track_tui.config import load_settings
from track_tui.project_app import run_project_app
from track_tui.sync import workspace_cache as wc
from track_tui.sync.private_file import write_json

WORKSPACE = "11111111-1111-1111-1111-111111111111"
GARBAGE = b"my shopping list, not a database\n" * 40


def test_a_damaged_workspace_cache_is_explained_and_kept(tmp_path, monkeypatch, capsys) -> None:
    part = lambda d: base64.urlsafe_b64encode(json.dumps(d).encode()).decode().rstrip("=")  # noqa: E731
    monkeypatch.setenv("TRACK_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("TRACK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("TRACK_SUPABASE_URL", "https://abcd1234.supabase.co")
    monkeypatch.setenv("TRACK_SUPABASE_ANON_KEY", f"{part({'alg': 'HS256'})}.{part({'role': 'anon'})}.c2ln")
    monkeypatch.setenv("TRACK_CONFIG", str(tmp_path / "config.toml"))
    (tmp_path / "config.toml").write_text("")  # a named config file must exist
    settings = load_settings()
    project = settings.project
    session = {"access_token": "a", "refresh_token": "r", "expires_at": 2_000_000_000, "user": {"id": "u", "email": "e@x.io"}}
    write_json(paths.session_file(project.slug), {"version": 1, "items": {"supabase.auth.token": json.dumps(session)}})
    wc.remember_workspace(project, "u", WORKSPACE)
    cache = wc.cache_path(project, WORKSPACE)
    cache.parent.mkdir(parents=True)
    cache.write_bytes(GARBAGE)
    assert run_project_app(settings, rebuild=False) == 1
    assert cache.read_bytes() == GARBAGE
    err = capsys.readouterr().err
    assert str(cache) in err and "--rebuild-cache" in err

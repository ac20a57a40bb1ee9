"""A configured project's start-up path never imports supabase-py on the way to the first screen:
the network runtime imports it on its own thread when it first builds a client."""

from __future__ import annotations

from tests.unit.test_imports import loaded_after


def test_the_sign_in_start_up_path_does_not_import_supabase() -> None:
    loaded = loaded_after(
        "track_tui.account_flow", "track_tui.account_cli", "track_tui.project_app", "track_tui.sync.account", "track_tui.sync.runtime",
        "track_tui.sync.workspace_cache", "track_tui.screens.sign_in", "track_tui.screens.workspace_picker",
        "track_tui.sync.keys", "track_tui.sync.project", "track_tui.sync.session_store",
    )
    assert not [m for m in loaded if m.split(".")[0] in ("supabase", "httpx")], loaded


def test_the_probe_sees_supabase_when_the_client_module_is_imported() -> None:
    assert any(m.startswith("supabase") for m in loaded_after("track_tui.sync.client"))

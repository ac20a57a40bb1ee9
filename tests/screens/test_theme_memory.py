"""A theme picked while the app runs is the theme of the next start; ANSI themes mark the app."""

from __future__ import annotations

import json

from track_tui.app import TrackApp
from track_tui.config import Settings

from .test_board import SIZE, settle


async def test_the_picked_theme_is_remembered_at_restart(demo_store, tmp_path) -> None:
    theme_file = tmp_path / "state" / "theme.json"
    app = TrackApp(demo_store, Settings(), theme_file=theme_file)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert not theme_file.exists()  # starting up is not a pick
        app.theme = "textual-light"  # what the palette's Theme command does
        await pilot.pause()
    assert json.loads(theme_file.read_text())["theme"] == "textual-light"

    again = TrackApp(demo_store, Settings(), theme_file=theme_file)
    async with again.run_test(size=SIZE) as pilot:
        await settle(again, pilot)
        assert again.theme == "textual-light"


async def test_a_bad_stored_theme_starts_with_the_configured_one(demo_store, tmp_path) -> None:
    theme_file = tmp_path / "theme.json"
    theme_file.write_text('{"theme": "gone-theme", "configured": "textual-dark"}')
    app = TrackApp(demo_store, Settings(theme="ansi-dark"), theme_file=theme_file)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert app.theme == "ansi-dark"


async def test_a_theme_that_cannot_be_saved_is_used_and_said(demo_store, tmp_path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    app = TrackApp(demo_store, Settings(), theme_file=blocker / "theme.json")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        app.theme = "textual-light"
        await pilot.pause()
        assert app.theme == "textual-light"
        messages = [n.message for n in app._notifications]
        assert any("will not be remembered" in m and "not-a-folder" in m for m in messages), messages


async def test_ansi_themes_mark_the_app_for_their_cursor_rules(demo_app) -> None:
    async with demo_app.run_test(size=SIZE) as pilot:
        await settle(demo_app, pilot)
        assert not demo_app.has_class("-ansi-theme")
        demo_app.theme = "ansi-light"
        await pilot.pause()
        assert demo_app.has_class("-ansi-theme")
        demo_app.theme = "textual-light"
        await pilot.pause()
        assert not demo_app.has_class("-ansi-theme")

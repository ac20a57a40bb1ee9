"""The theme picked in the palette is kept for the next start; a bad stored value is ignored."""

from __future__ import annotations

import json

import pytest

from track_tui import theme_choice

THEMES = {"textual-dark", "textual-light", "ansi-dark"}


def test_nothing_stored_starts_with_the_configured_theme(tmp_path) -> None:
    assert theme_choice.starting_theme(tmp_path / "theme.json", "textual-dark", THEMES) == "textual-dark"
    assert theme_choice.starting_theme(None, "ansi-dark", THEMES) == "ansi-dark"


def test_a_pick_is_used_at_the_next_start(tmp_path) -> None:
    path = tmp_path / "state" / "theme.json"
    theme_choice.remember(path, "textual-light", "textual-dark")
    assert theme_choice.starting_theme(path, "textual-dark", THEMES) == "textual-light"
    assert path.stat().st_mode & 0o077 == 0


def test_a_theme_configured_after_the_pick_wins(tmp_path) -> None:
    """The config (or TRACK_THEME) changed since the pick: that is the newer wish."""
    path = tmp_path / "theme.json"
    theme_choice.remember(path, "textual-light", "textual-dark")
    assert theme_choice.starting_theme(path, "ansi-dark", THEMES) == "ansi-dark"


def test_picking_the_configured_theme_again_forgets_the_pick(tmp_path) -> None:
    path = tmp_path / "theme.json"
    theme_choice.remember(path, "textual-light", "textual-dark")
    theme_choice.remember(path, "textual-dark", "textual-dark")
    assert not path.exists()


@pytest.mark.parametrize("content", [
    "", "{not json", "[]", '"textual-light"', json.dumps({"theme": 7, "configured": "textual-dark"}),
    json.dumps({"theme": "no-such-theme", "configured": "textual-dark"}),
    json.dumps({"theme": "textual-light"}), "\x00\xff",
], ids=["empty", "malformed", "list", "string", "number", "unknown-theme", "no-configured", "binary"])
def test_a_bad_stored_value_falls_back_to_the_configured_theme(tmp_path, content) -> None:
    path = tmp_path / "theme.json"
    path.write_text(content, encoding="latin-1")
    assert theme_choice.starting_theme(path, "textual-dark", THEMES) == "textual-dark"


def test_a_directory_where_the_file_should_be_is_no_pick(tmp_path) -> None:
    path = tmp_path / "theme.json"
    path.mkdir()
    assert theme_choice.starting_theme(path, "textual-dark", THEMES) == "textual-dark"

"""Saved views in their TOML file: readable, replaced by name, and a broken file is a message."""

from __future__ import annotations

from pathlib import Path

import pytest
import tomlkit

from track_tui import saved_views as sv


def test_views_are_kept_as_readable_toml_and_replaced_by_name(tmp_path: Path) -> None:
    path = tmp_path / "views" / "ws.toml"
    sv.save(path, sv.SavedView(name="Big", board_id="b1", board="Sales", filter=">10k", view="list", lanes="owner"), "ws")
    sv.save(path, sv.SavedView(name="Mine", board_id="b1", filter="owner:me"), "ws")
    sv.save(path, sv.SavedView(name="big", board_id="b2", filter=">50k"), "ws")  # same name, any case
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# Track TUI saved views for workspace ws")
    assert 'filter = "owner:me"' in text and "[[view]]" in text
    views = sv.load(path)
    assert [(v.name, v.board_id, v.filter) for v in views] == [("Mine", "b1", "owner:me"), ("big", "b2", ">50k")]
    assert [v.name for v in sv.delete(path, "MINE", "ws")] == ["big"]


def test_a_hand_edit_with_a_comment_still_reads(tmp_path: Path) -> None:
    path = tmp_path / "ws.toml"
    path.write_text('# mine\n[[view]]\nname = "Hand made"  # typed\nboard_id = "b"\nview = "list"\n', encoding="utf-8")
    [view] = sv.load(path)
    assert (view.name, view.view, view.sort) == ("Hand made", "list", "stage")


@pytest.mark.parametrize(("text", "says"), [
    ("[[view]]\nname = \n", "is not valid TOML"),
    ("[[view]]\nboard_id = \"b\"\n", "view 1: Name: Field required"),
    ("[[view]]\nname = \"x\"\nboard_id = \"b\"\nview = \"kanban\"\n", "view 1: view: Input should be"),
    ("view = 3\n", "must be a list of [[view]] tables"),
])
def test_a_broken_file_is_reported_with_the_reason(tmp_path: Path, text: str, says: str) -> None:
    path = tmp_path / "ws.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(sv.ViewsProblem, match=says.replace("[", r"\[").replace("]", r"\]")):
        sv.load(path)


def test_no_file_is_no_views_and_the_folder_comes_from_the_environment(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("TRACK_VIEWS_DIR", str(tmp_path / "v"))
    path = sv.views_file("../../etc/passwd")
    assert path.parent == tmp_path / "v" and "/" not in path.name.removesuffix(".toml")
    assert sv.load(path) == []
    assert tomlkit.parse(tomlkit.dumps(tomlkit.document())) == {}

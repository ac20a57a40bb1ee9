"""Saved views: a named board + filter + view (board or list) + lanes + sort, kept per workspace.

One readable TOML file per workspace in the config directory (platformdirs), written with
tomlkit so a person can edit it by hand and keep comments:

    # Track TUI saved views for workspace <id>
    [[view]]
    name = "My big deals"
    board_id = "…"
    board = "Sales pipeline"      # for reading; the id is what opens it
    filter = "owner:me >10k"
    view = "list"
    lanes = "owner"               # "", "owner", "company" or "field:<custom key>"
    sort = "value"
    descending = true

A file that cannot be read (bad TOML, a view without a name) is reported with the reason and
left as it is; nothing here raises anything else. Never imports Textual.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

import tomlkit
from pydantic import BaseModel, Field, ValidationError
from platformdirs import user_config_path

from .models.problems import describe
from .paths import APP_NAME


class ViewsProblem(ValueError):
    """The saved-views file cannot be read or written; the message says which file and why."""


class SavedView(BaseModel):
    name: str = Field(min_length=1, max_length=80)
    board_id: str
    board: str = ""
    filter: str = ""
    view: Literal["board", "list"] = "board"
    lanes: str = ""
    sort: str = "stage"
    descending: bool = False


def views_file(workspace_id: str) -> Path:
    """Where a workspace's views are kept ($TRACK_VIEWS_DIR overrides the folder, for tests)."""
    folder = os.environ.get("TRACK_VIEWS_DIR")
    base = Path(folder).expanduser() if folder else user_config_path(APP_NAME) / "views"
    safe = "".join(ch for ch in workspace_id if ch.isalnum() or ch in "-_") or "workspace"
    return base / f"{safe}.toml"


def load(path: Path) -> list[SavedView]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError) as exc:
        raise ViewsProblem(f"{path} cannot be read ({getattr(exc, 'strerror', None) or exc})") from None
    try:
        document = tomlkit.parse(text)
    except Exception as exc:  # tomlkit's parse errors have no common base besides Exception
        raise ViewsProblem(f"{path} is not valid TOML: {exc}") from None
    views: list[SavedView] = []
    entries = document.get("view", [])
    if not isinstance(entries, list):
        raise ViewsProblem(f"{path}: `view` must be a list of [[view]] tables")
    for index, entry in enumerate(entries, 1):
        try:
            views.append(SavedView.model_validate(dict(entry)))
        except (ValidationError, TypeError, ValueError) as exc:
            detail = describe(exc) if isinstance(exc, ValidationError) else str(exc)
            raise ViewsProblem(f"{path}: view {index}: {detail}") from None
    return views


def save(path: Path, view: SavedView, workspace_id: str = "") -> list[SavedView]:
    """Add `view` (replacing a view of the same name, any case); returns the views now kept."""
    views = [v for v in load(path) if v.name.casefold() != view.name.casefold()]
    views.append(view)
    _write(path, views, workspace_id)
    return views


def delete(path: Path, name: str, workspace_id: str = "") -> list[SavedView]:
    views = [v for v in load(path) if v.name.casefold() != name.casefold()]
    _write(path, views, workspace_id)
    return views


def _write(path: Path, views: list[SavedView], workspace_id: str) -> None:
    document = tomlkit.document()
    document.add(tomlkit.comment(f"Track TUI saved views{' for workspace ' + workspace_id if workspace_id else ''}"))
    document.add(tomlkit.comment("Edit freely: one [[view]] per view; `board_id` is what opens the board."))
    tables = tomlkit.aot()
    for view in views:
        table = tomlkit.table()
        for key, value in view.model_dump().items():
            table.add(key, value)
        tables.append(table)
    document.add("view", tables)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".toml.tmp")
        temporary.write_text(tomlkit.dumps(document), encoding="utf-8")
        os.replace(temporary, path)
    except OSError as exc:
        raise ViewsProblem(f"cannot write {path} ({exc.strerror})") from None

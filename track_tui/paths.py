"""Where Track TUI keeps its files: all from platformdirs, computed when asked (never at import),
so tests and `--config`/`TRACK_*` overrides see the environment of the moment."""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_cache_path, user_config_path, user_data_path, user_log_path, user_state_path

APP_NAME = "track-tui"


def config_file() -> Path:
    """The config file: $TRACK_CONFIG, else config.toml in the platform's config directory."""
    override = os.environ.get("TRACK_CONFIG")
    return Path(override).expanduser() if override else user_config_path(APP_NAME) / "config.toml"


def data_dir() -> Path:
    """The platform's data directory for caches (created on demand by callers)."""
    override = os.environ.get("TRACK_DATA_DIR")
    return Path(override).expanduser() if override else user_data_path(APP_NAME)


def demo_cache_file() -> Path:
    return data_dir() / "demo.sqlite3"


def cache_dir() -> Path:
    """Files that can be rebuilt at any time (the throwaway demo's template): $TRACK_CACHE_DIR
    overrides the platform's cache directory."""
    override = os.environ.get("TRACK_CACHE_DIR")
    return Path(override).expanduser() if override else user_cache_path(APP_NAME)


# -- a Supabase project's files (issue 11) ----------------------------------------------------


def state_dir() -> Path:
    """The platform's state directory (sessions, remembered choices): $TRACK_STATE_DIR overrides."""
    override = os.environ.get("TRACK_STATE_DIR")
    return Path(override).expanduser() if override else user_state_path(APP_NAME)


def theme_file() -> Path:
    """The theme picked in the command palette, for the next start (track_tui/theme_choice.py)."""
    return state_dir() / "theme.json"


def project_state_dir(slug: str) -> Path:
    """Per-project state (the session file, the chosen workspace); created 0700 by its users."""
    return state_dir() / "projects" / slug


def session_file(slug: str) -> Path:
    """The signed-in session of one project: mode 0600, never in the config file."""
    return project_state_dir(slug) / "session.json"


def chosen_workspace_file(slug: str) -> Path:
    """Which workspace of the project was opened last (so the next start opens it again)."""
    return project_state_dir(slug) / "workspace.json"


def project_cache_dir(slug: str) -> Path:
    """The caches of one project, one file per workspace."""
    return data_dir() / "projects" / slug


def workspace_cache_file(slug: str, workspace_id: str) -> Path:
    """One cache per (project, workspace), so switching never mixes two workspaces' rows.
    The id comes from the server: only a UUID may become a file name."""
    import uuid

    return project_cache_dir(slug) / f"{uuid.UUID(str(workspace_id))}.sqlite3"


def log_dir() -> Path:
    """The platform's log directory (on Linux $XDG_STATE_HOME/track-tui/log), created on demand."""
    return user_log_path(APP_NAME)


def log_file() -> Path:
    """Where errors are written with their tracebacks (rotated; see track_tui.crash_log)."""
    return log_dir() / "track.log"

"""Where Track TUI keeps its files: all from platformdirs, computed when asked (never at import),
so tests and `--config`/`TRACK_*` overrides see the environment of the moment."""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_config_path, user_data_path

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

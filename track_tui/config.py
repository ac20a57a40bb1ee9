"""Settings: a TOML file (nearest wins: --config, $TRACK_CONFIG, the platform config dir) under
`TRACK_*` environment variables. A malformed or invalid file stops start-up with a message that
names the file, the key and what is wrong (:class:`ConfigError`).

Example config.toml::

    theme = "textual-ansi"        # follow the terminal's own palette
    stale_days = 21               # a card is stale after this many days in its stage

    [keymap]                      # binding id = keys (comma-separated alternatives)
    "board.card_next_stage" = "L,ctrl+right"
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from . import paths


class ConfigError(Exception):
    """The config file cannot be used; the message names the file, key and problem."""


class Settings(BaseSettings):
    """Every setting, with its documentation. Environment variables: TRACK_<NAME>."""

    model_config = SettingsConfigDict(env_prefix="TRACK_", extra="forbid", validate_default=True)

    theme: str = Field(
        default="textual-dark",
        description="Textual theme name; 'textual-ansi' uses the terminal's own colours.",
    )
    stale_days: int = Field(
        default=14, ge=1, le=3650,
        description="Days in one stage after which a card counts as stale (and shows it).",
    )
    demo_deals: int = Field(
        default=300, ge=10, le=1_000_000,
        description="Size of the demo workspace created on first run.",
    )
    keymap: dict[str, str] = Field(
        default_factory=dict,
        description="Binding id → keys, e.g. {'board.card_next_stage': 'L'}; see `?` for ids.",
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # init values hold the TOML file's content (see load_settings); env vars win over it.
        return (env_settings, init_settings)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read ({exc.strerror})") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML — {exc}") from None


def load_settings(config_path: Path | None = None) -> Settings:
    """Read the config file (explicit path, else $TRACK_CONFIG, else the platform default)."""
    path = config_path or paths.config_file()
    if config_path is not None and not path.exists():
        raise ConfigError(f"{path}: no such config file")
    data = _read_toml(path)
    try:
        return Settings(**data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            key = ".".join(str(part) for part in error["loc"]) or "(file)"
            message = error["msg"]
            if error["type"] == "extra_forbidden":
                known = ", ".join(sorted(Settings.model_fields))
                message = f"unknown setting (known settings: {known})"
            top = str(error["loc"][0]) if error["loc"] else ""
            # The environment wins over the file, so a bad value that is set in both is the
            # variable's (names are matched case-insensitively, as pydantic-settings does).
            env_name = f"TRACK_{top.upper()}"
            from_env = top in Settings.model_fields and any(k.upper() == env_name for k in os.environ)
            source = f"environment variable {env_name}" if from_env else str(path)
            problems.append(f"{source}: {key}: {message}")
        raise ConfigError("\n".join(problems)) from None

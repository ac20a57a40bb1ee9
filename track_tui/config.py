"""Settings: a TOML file (nearest wins: --config, $TRACK_CONFIG, the platform config dir) under
`TRACK_*` environment variables. A malformed or invalid file stops start-up with a message that
names the file, the key and what is wrong (:class:`ConfigError`).

Example config.toml::

    theme = "textual-ansi"        # follow the terminal's own palette
    stale_days = 21               # a card is stale after this many days in its stage

    [keymap]                      # binding id = keys (comma-separated alternatives)
    "board.card_next_stage" = "L,ctrl+right"

    [supabase]                    # your own project (or TRACK_SUPABASE_URL / _ANON_KEY);
    url = "https://<ref>.supabase.co"   # without it the app opens the local demo
    anon_key = "eyJ..."           # the anon/publishable key; a service-role key is refused
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from . import paths


class ConfigError(Exception):
    """The config file cannot be used; the message names the file, key and problem."""


class SupabaseSettings(BaseModel):
    """``[supabase]``: the project to sign in to. Both or neither (neither: the local demo)."""

    model_config = ConfigDict(extra="forbid")

    url: str | None = Field(default=None, description="Project URL, https://<ref>.supabase.co (http only for 127.0.0.1).")
    anon_key: str | None = Field(default=None, repr=False,  # never in a repr, log or traceback
                                 description="The anon or sb_publishable_ key; service-role keys are refused.")

    @field_validator("url")
    @classmethod
    def _check_url(cls, value: str | None) -> str | None:
        from .sync.project import normalise_url

        return None if value is None else normalise_url(value)

    @field_validator("anon_key")
    @classmethod
    def _check_key(cls, value: str | None) -> str | None:
        from .sync.keys import check_client_key

        return None if value is None else check_client_key(value).value

    @model_validator(mode="after")
    def _both_or_neither(self) -> "SupabaseSettings":
        if (self.url is None) != (self.anon_key is None):
            missing = "anon_key" if self.anon_key is None else "url"
            raise ValueError(f"{missing} is missing: set both url and anon_key (or neither, for the demo)")
        return self


class Settings(BaseSettings):
    """Every setting, with its documentation. Environment variables: TRACK_<NAME>."""

    # TRACK_SUPABASE_URL / TRACK_SUPABASE_ANON_KEY fill [supabase] (split once, after the prefix).
    model_config = SettingsConfigDict(env_prefix="TRACK_", extra="forbid", validate_default=True,
                                      env_nested_delimiter="_", env_nested_max_split=1)

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

    supabase: SupabaseSettings = Field(
        default_factory=SupabaseSettings,
        description="Your Supabase project: [supabase] url and anon_key (TRACK_SUPABASE_URL, TRACK_SUPABASE_ANON_KEY).",
    )

    @property
    def project(self):
        """The configured :class:`~track_tui.sync.project.Project`, or None (the demo)."""
        if self.supabase.url is None or self.supabase.anon_key is None:
            return None
        from .sync.project import Project

        return Project.model_construct(url=self.supabase.url, anon_key=self.supabase.anon_key)

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
            message = error["msg"].removeprefix("Value error, ")
            if error["type"] == "extra_forbidden":
                known = ", ".join(sorted(Settings.model_fields))
                message = f"unknown setting (known settings: {known})"
            top = str(error["loc"][0]) if error["loc"] else ""
            # The environment wins over the file, so a bad value that is set in both is the
            # variable's (names are matched case-insensitively, as pydantic-settings does).
            # A nested setting (supabase.url) has its own variable (TRACK_SUPABASE_URL).
            env_name = f"TRACK_{top.upper()}"
            if top == "supabase" and len(error["loc"]) > 1:
                env_name = f"TRACK_SUPABASE_{str(error['loc'][1]).upper()}"
            from_env = top in Settings.model_fields and any(k.upper() == env_name for k in os.environ)
            source = f"environment variable {env_name}" if from_env else str(path)
            problems.append(f"{source}: {key}: {message}")
        raise ConfigError("\n".join(problems)) from None

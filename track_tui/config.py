"""Settings: a TOML file (nearest wins: --config, $TRACK_CONFIG, the platform config dir) under
`TRACK_*` environment variables. A malformed or invalid file stops start-up with a message that
names the file (or variable), the key and what is wrong (:class:`ConfigError`), one line each.

Example config.toml::

    theme = "ansi-dark"           # follow the terminal's own palette
    stale_days = 21               # a card is stale after this many days in its stage

    [keymap]                      # binding id = keys (comma-separated alternatives)
    "board.card_next_stage" = "L,ctrl+right"

    [supabase]                    # your own project (or TRACK_SUPABASE_URL / _ANON_KEY);
    url = "https://<ref>.supabase.co"   # without it the app opens the local demo
    anon_key = "eyJ..."           # the anon/publishable key; a service-role key is refused

Values in the file are checked strictly: TOML has types, so `stale_days = true` or
`stale_days = "21"` is a mistake to point out, not a value to coerce (pydantic would read
true as 1). Environment variables are text by nature and are read as pydantic-settings reads
them ("21" is 21). Theme names are checked against Textual's themes, and the keymap against
every screen's bindings (track_tui/keymap.py), so a typo is reported at start-up rather than
silently ignored.
"""

from __future__ import annotations

import json
import os
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model, field_validator, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict, SettingsError

from . import paths

DEFAULT_THEME = "textual-dark"
# Names Textual has retired, kept working for configs written for older releases.
THEME_ALIASES = {"textual-ansi": "ansi-dark"}


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
        default=DEFAULT_THEME,
        description="Textual theme name; 'ansi-dark' / 'ansi-light' use the terminal's own colours "
        "('textual-ansi', their old name, means 'ansi-dark').",
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

    @field_validator("theme")
    @classmethod
    def _a_textual_theme(cls, name: str) -> str:
        name = THEME_ALIASES.get(name, name)
        if name == DEFAULT_THEME:
            return name  # no need to load Textual's theme table for the default
        from textual.theme import BUILTIN_THEMES  # every Textual app registers exactly these

        if name not in BUILTIN_THEMES:
            raise ValueError(f"unknown theme {name!r}; Textual's themes are {', '.join(sorted(BUILTIN_THEMES))}")
        return name

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


# The same fields, checked strictly: what the file says must already have the right type.
_FileSettings = create_model(  # type: ignore[call-overload]
    "FileSettings",
    __config__=ConfigDict(strict=True, extra="forbid"),
    **{name: (info.annotation, info) for name, info in Settings.model_fields.items()},
)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read ({exc.strerror})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ConfigError(
            f"{path}: not UTF-8 text (byte 0x{raw[exc.start]:02x} on line {line}); save it as UTF-8"
        ) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML — {exc}") from None


def _config_path(config_path: Path | None) -> tuple[Path, str | None]:
    """The file to read, and how it was named when it must exist (a flag or a variable)."""
    if config_path is not None:
        return config_path, str(config_path)
    override = os.environ.get("TRACK_CONFIG")
    if override:
        return paths.config_file(), f"TRACK_CONFIG={override}"
    return paths.config_file(), None


def load_settings(config_path: Path | None = None, *, must_exist: bool = True) -> Settings:
    """Read the config file (explicit path, else $TRACK_CONFIG, else the platform default).

    A file named by --config or TRACK_CONFIG must exist (a typo would otherwise start the app
    on defaults without a word), unless `must_exist` is False: `track login` may be pointed at
    the file it is about to write."""
    path, named_by = _config_path(config_path)
    if must_exist and named_by is not None and not path.exists():
        raise ConfigError(f"{named_by}: no such config file")
    if path.is_dir():
        raise ConfigError(f"{path}: is a folder, not a config file")
    data = _read_toml(path)
    try:
        _FileSettings.model_validate(data)
    except ValidationError as exc:
        raise ConfigError("\n".join(_problems(exc, path, from_file=True))) from None
    try:
        settings = Settings(**data)
    except SettingsError as exc:  # a variable holding a complex value that is not JSON
        raise ConfigError(_unparsable_variable(exc)) from None
    except ValidationError as exc:
        raise ConfigError("\n".join(_problems(exc, path, from_file=False))) from None
    if settings.keymap:
        from .keymap import keymap_problems

        source = "environment variable TRACK_KEYMAP" if _env_has("keymap") else str(path)
        problems = keymap_problems(settings.keymap)
        if problems:
            raise ConfigError("\n".join(f"{source}: keymap.{binding}: {problem}" for binding, problem in problems))
    return settings


def _problems(exc: ValidationError, path: Path, *, from_file: bool) -> list[str]:
    problems = []
    for error in exc.errors():
        key = ".".join(str(part) for part in error["loc"]) or "(file)"
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            known = ", ".join(sorted(Settings.model_fields))
            message = f"unknown setting (known settings: {known})"
        elif from_file and error["type"].endswith("_type"):
            message = f"{message} (the file has {_toml_value(error['input'])})"
        top = str(error["loc"][0]) if error["loc"] else ""
        # The environment wins over the file, so a bad value that is set in both is the
        # variable's (names are matched case-insensitively, as pydantic-settings does).
        # A nested setting (supabase.url) has its own variable (TRACK_SUPABASE_URL).
        name = f"{top}_{error['loc'][1]}" if top == "supabase" and len(error["loc"]) > 1 else top
        source = str(path)
        if not from_file and top in Settings.model_fields and _env_has(name):
            source = f"environment variable TRACK_{name.upper()}"
        problems.append(f"{source}: {key}: {message}")
    return problems


def _env_has(field: str) -> bool:
    name = f"TRACK_{field.upper()}"
    return any(key.upper() == name for key in os.environ)


def _unparsable_variable(exc: SettingsError) -> str:
    for field, info in Settings.model_fields.items():
        if f'"{field}"' in str(exc) and _env_has(field):
            example = json.dumps({"board.card_next_stage": "L,ctrl+right"}) if field == "keymap" else "{...}"
            return f"environment variable TRACK_{field.upper()}: not valid JSON (write an object such as {example})"
    return f"environment: {exc}"


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 60 else text[:59] + "…"

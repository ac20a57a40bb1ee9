"""Settings from a TOML file under TRACK_* variables; paths from platformdirs; the command line."""

from __future__ import annotations

from pathlib import Path

import pytest

from track_tui import paths
from track_tui.cli import build_parser, main
from track_tui.config import ConfigError, Settings, load_settings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No TRACK_* variable from the developer's shell; platform dirs under tmp_path."""
    import os

    for name in list(os.environ):
        if name.startswith("TRACK_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))


def write(tmp_path: Path, text: str, name: str = "config.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_a_file() -> None:
    settings = load_settings()
    assert (settings.theme, settings.stale_days, settings.demo_deals, settings.keymap) == (
        "textual-dark", 14, 300, {})


def test_a_valid_file_loads(tmp_path: Path) -> None:
    path = write(tmp_path, 'theme = "textual-ansi"\nstale_days = 21\n\n[keymap]\n"board.card_next_stage" = "L,ctrl+right"\n')
    settings = load_settings(path)
    assert settings.theme == "textual-ansi"
    assert settings.stale_days == 21
    assert settings.keymap == {"board.card_next_stage": "L,ctrl+right"}


def test_malformed_toml_names_the_file_and_the_problem(tmp_path: Path) -> None:
    path = write(tmp_path, 'theme = "textual-ansi\nstale_days = 21\n')
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    message = str(caught.value)
    assert str(path) in message and "not valid TOML" in message and "line 1" in message


def test_a_wrong_type_names_file_key_and_problem(tmp_path: Path) -> None:
    path = write(tmp_path, 'stale_days = "x"\n')
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: stale_days: ")
    assert "integer" in message


def test_an_out_of_range_value_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="stale_days: Input should be greater than or equal to 1"):
        load_settings(write(tmp_path, "stale_days = 0\n"))


def test_an_unknown_key_is_named(tmp_path: Path) -> None:
    path = write(tmp_path, 'stale_dayz = 3\n')
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    message = str(caught.value)
    assert f"{path}: stale_dayz: unknown setting" in message
    assert "stale_days" in message  # the known settings are listed


def test_every_problem_is_reported(tmp_path: Path) -> None:
    path = write(tmp_path, 'stale_days = "x"\ncolour = "red"\n')
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    assert len(str(caught.value).splitlines()) == 2


def test_an_explicit_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such config file"):
        load_settings(tmp_path / "absent.toml")


def test_environment_overrides_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, 'stale_days = 21\ntheme = "nord"\n')
    monkeypatch.setenv("TRACK_STALE_DAYS", "30")
    settings = load_settings(path)
    assert settings.stale_days == 30
    assert settings.theme == "nord"


def test_a_bad_environment_variable_is_blamed_not_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRACK_STALE_DAYS", "soon")
    with pytest.raises(ConfigError, match="^environment variable TRACK_STALE_DAYS: stale_days: "):
        load_settings()
    # Even when the file sets the same key, the bad value is the variable's.
    path = write(tmp_path, "stale_days = 21\n")
    with pytest.raises(ConfigError, match="^environment variable TRACK_STALE_DAYS: stale_days: "):
        load_settings(path)


def test_track_config_points_at_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, "stale_days = 9\n", name="elsewhere.toml")
    monkeypatch.setenv("TRACK_CONFIG", str(path))
    assert paths.config_file() == path
    assert load_settings().stale_days == 9  # and TRACK_CONFIG itself is not an unknown setting


def test_the_platform_config_file_is_read(tmp_path: Path) -> None:
    default = tmp_path / "xdg-config" / "track-tui" / "config.toml"
    assert paths.config_file() == default
    default.parent.mkdir(parents=True)
    default.write_text("demo_deals = 50\n")
    assert load_settings().demo_deals == 50


def test_paths_come_from_platformdirs_and_honour_overrides(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert paths.data_dir() == tmp_path / "xdg-data" / "track-tui"
    assert paths.demo_cache_file() == tmp_path / "xdg-data" / "track-tui" / "demo.sqlite3"
    monkeypatch.setenv("TRACK_DATA_DIR", str(tmp_path / "data"))
    assert paths.data_dir() == tmp_path / "data"
    assert paths.demo_cache_file() == tmp_path / "data" / "demo.sqlite3"
    # Computed when asked, so a later change is seen.
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "other"))
    assert paths.config_file() == tmp_path / "other" / "track-tui" / "config.toml"


def test_nothing_is_created_by_asking_for_paths(tmp_path: Path) -> None:
    paths.config_file(), paths.data_dir(), paths.demo_cache_file()
    assert not (tmp_path / "xdg-data").exists() and not (tmp_path / "xdg-config").exists()


# -- command line --------------------------------------------------------------------------


def test_help_lists_every_option(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["--help"])
    assert caught.value.code == 0
    out = capsys.readouterr().out
    for action in build_parser()._actions:
        for flag in action.option_strings:
            assert flag in out, flag
    for word in ("--version", "--config", "--demo", "--cache", "--rebuild-cache", "demo", "TRACK_CONFIG"):
        assert word in out


def test_demo_command_help_lists_its_options(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["demo", "--help"])
    out = capsys.readouterr().out
    for flag in ("--deals", "--seed", "--output", "--force"):
        assert flag in out


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["--version"])
    assert caught.value.code == 0
    assert capsys.readouterr().out.strip() == "track 0.1.0"


def test_a_bad_config_exits_2_with_the_message_on_stderr(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = write(tmp_path, "stale_days = [\n")
    assert main(["--config", str(bad)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "config error" in captured.err and str(bad) in captured.err and "not valid TOML" in captured.err


def test_a_missing_config_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--config", str(tmp_path / "absent.toml")]) == 2
    assert "no such config file" in capsys.readouterr().err


def test_a_bad_environment_variable_exits_2(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("TRACK_DEMO_DEALS", "lots")
    assert main([]) == 2
    assert "TRACK_DEMO_DEALS" in capsys.readouterr().err


def test_settings_document_themselves() -> None:
    for name, info in Settings.model_fields.items():
        assert info.description, name

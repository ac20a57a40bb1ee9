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
    assert settings.theme == "ansi-dark"  # Textual's current name for what was textual-ansi
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


# -- bad files and variables: one line each, naming the problem ------------------------------


def test_a_file_that_is_not_utf8_is_named_with_the_line(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(b'stale_days = 21\ntheme = "caf\xe9"\n')
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    assert str(caught.value) == f"{path}: not UTF-8 text (byte 0xe9 on line 2); save it as UTF-8"


def test_a_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes("\ufeffstale_days = 9\n".encode("utf-8"))
    assert load_settings(path).stale_days == 9


def test_a_config_path_that_is_a_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="is a folder, not a config file"):
        load_settings(tmp_path)


def test_track_config_naming_a_missing_file_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRACK_CONFIG", str(tmp_path / "absent.toml"))
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert str(caught.value) == f"TRACK_CONFIG={tmp_path / 'absent.toml'}: no such config file"


def test_track_keymap_that_is_not_json_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRACK_KEYMAP", "board.card_next_stage=L")
    with pytest.raises(ConfigError) as caught:
        load_settings()
    message = str(caught.value)
    assert message.startswith("environment variable TRACK_KEYMAP: not valid JSON")
    assert len(message.splitlines()) == 1


@pytest.mark.parametrize("text, shown", [
    ("stale_days = true", "true"), ('stale_days = "21"', '"21"'), ("demo_deals = 20.0", "20.0"),
    ('theme = 3', "3"), ('[keymap]\n"board.filter" = 5', "5"),
])
def test_file_values_are_not_coerced(tmp_path: Path, text: str, shown: str) -> None:
    """TOML is typed: a boolean or a string where a number belongs is a mistake, not a 1."""
    path = write(tmp_path, text + "\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: ") and f"(the file has {shown})" in message
    assert len(message.splitlines()) == 1


def test_environment_values_are_text_and_still_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRACK_STALE_DAYS", "21")
    monkeypatch.setenv("TRACK_KEYMAP", '{"board.filter": "f"}')
    settings = load_settings()
    assert settings.stale_days == 21 and settings.keymap == {"board.filter": "f"}
    monkeypatch.setenv("TRACK_STALE_DAYS", "true")
    with pytest.raises(ConfigError, match="^environment variable TRACK_STALE_DAYS: stale_days: "):
        load_settings()


# -- themes ------------------------------------------------------------------------------------


def test_theme_names_are_checked_against_textuals_themes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from textual.app import App
    from textual.theme import BUILTIN_THEMES

    assert set(BUILTIN_THEMES) == set(App().available_themes)  # what every app registers
    for name in BUILTIN_THEMES:
        assert load_settings(write(tmp_path, f'theme = "{name}"\n')).theme == name
    with pytest.raises(ConfigError) as caught:
        load_settings(write(tmp_path, 'theme = "solarised"\n'))
    assert f"{tmp_path / 'config.toml'}: theme: unknown theme 'solarised'; Textual's themes are " in str(caught.value)
    monkeypatch.setenv("TRACK_THEME", "neon")
    with pytest.raises(ConfigError, match="^environment variable TRACK_THEME: theme: unknown theme 'neon'"):
        load_settings()


def test_the_old_name_textual_ansi_means_ansi_dark(tmp_path: Path) -> None:
    assert load_settings(write(tmp_path, 'theme = "textual-ansi"\n')).theme == "ansi-dark"


def test_the_readme_example_config_is_accepted_as_written(tmp_path: Path) -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    example = readme.split("```toml\n", 1)[1].split("```", 1)[0]
    settings = load_settings(write(tmp_path, example))
    assert settings.keymap  # the example shows a keymap entry, and it passed the keymap check


# -- the keymap ----------------------------------------------------------------------------


def keymap_error(tmp_path: Path, entries: str) -> str:
    path = write(tmp_path, "[keymap]\n" + entries)
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    return str(caught.value)


def test_an_unknown_binding_id_is_named_with_a_suggestion(tmp_path: Path) -> None:
    message = keymap_error(tmp_path, '"board.card_nxt_stage" = "L"\n')
    assert message == (f"{tmp_path / 'config.toml'}: keymap.board.card_nxt_stage: no binding has this id; "
                       "did you mean 'board.card_next_stage'?")


@pytest.mark.parametrize("keys, problem", [
    ("", "no keys given"), (" , ", "has an empty key between its commas"), ("L,,ctrl+right", "empty key"),
    ("ctrl+foo", "'ctrl+foo' is not a key Textual knows"), ("Ctrl+s", "'Ctrl+s' is not a key"),
    ("ctrl+", "'ctrl+' is not a key"),
])
def test_unusable_keys_are_named(tmp_path: Path, keys: str, problem: str) -> None:
    message = keymap_error(tmp_path, f'"board.filter" = "{keys}"\n')
    assert message.startswith(f"{tmp_path / 'config.toml'}: keymap.board.filter: ") and problem in message


def test_a_key_another_binding_of_the_screen_has_is_refused(tmp_path: Path) -> None:
    message = keymap_error(tmp_path, '"board.card_next_stage" = "q"\n')
    assert message.endswith("keymap.board.card_next_stage: q is already app.quit (Quit) on the board screen")
    # "?" and its name are the same key.
    assert "question_mark is already app.help" in keymap_error(tmp_path, '"board.filter" = "?"\n')


def test_moving_both_bindings_is_no_clash(tmp_path: Path) -> None:
    path = write(tmp_path, '[keymap]\n"app.help" = "f1"\n"board.filter" = "question_mark"\n')
    assert load_settings(path).keymap == {"app.help": "f1", "board.filter": "question_mark"}


def test_every_keymap_problem_is_reported_and_a_variable_is_blamed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRACK_KEYMAP", '{"board.nope": "x", "board.filter": "", "board.new": "i"}')
    with pytest.raises(ConfigError) as caught:
        load_settings()
    lines = str(caught.value).splitlines()
    assert [line.split(": ")[1] for line in lines] == ["keymap.board.nope", "keymap.board.filter", "keymap.board.new"]
    assert all(line.startswith("environment variable TRACK_KEYMAP: ") for line in lines)


def test_a_widgets_key_is_checked_against_its_screen(tmp_path: Path) -> None:
    message = keymap_error(tmp_path, '"timeline.down" = "e"\n')
    assert "keymap.timeline.down: e is already record.edit (Edit) on the record screen" in message


def test_a_bad_keymap_stops_the_command_with_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, '[keymap]\n"board.card_next_stage" = "q"\n')
    assert main(["--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert "config error" in err and "q is already app.quit" in err and "Traceback" not in err


def test_the_account_commands_may_name_the_config_file_they_will_write(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "new" / "config.toml"
    monkeypatch.setenv("TRACK_CONFIG", str(target))
    assert load_settings(must_exist=False).stale_days == 14
    assert load_settings(target, must_exist=False).stale_days == 14
    with pytest.raises(ConfigError, match="no such config file"):
        load_settings()  # anything else: a typo must not start the app on defaults

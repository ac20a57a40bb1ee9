"""API keys, project URLs and the [supabase] settings: what is accepted, what is refused and why."""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path

import pytest

from track_tui.config import ConfigError, load_settings
from track_tui.sync.keys import KeyKind, KeyRefused, check_client_key
from track_tui.sync.project import InvalidProjectUrl, Project, normalise_url, project_from_input


def jwt(claims: dict) -> str:
    part = lambda d: base64.urlsafe_b64encode(json.dumps(d).encode()).decode().rstrip("=")  # noqa: E731
    return f"{part({'alg': 'HS256', 'typ': 'JWT'})}.{part(claims)}.c2lnbmF0dXJl"


ANON = jwt({"iss": "supabase", "ref": "abcd", "role": "anon", "exp": int(time.time()) + 10**8})
SERVICE = jwt({"iss": "supabase", "ref": "abcd", "role": "service_role", "exp": int(time.time()) + 10**8})
SECRET = "sb_secret_N7UND0UgjKTVK-Uodkm0Hg_xSvEMPvz"
PUBLISHABLE = "sb_publishable_ZaTTsx4Hn5Vd1u0Y7p2x3w_abcdEFGH"


def test_anon_and_publishable_keys_are_accepted() -> None:
    assert check_client_key(ANON).kind is KeyKind.ANON_JWT
    assert check_client_key(f"  {PUBLISHABLE}\n").value == PUBLISHABLE


@pytest.mark.parametrize("key", [SERVICE, SECRET], ids=["service_role JWT", "sb_secret"])
def test_both_service_key_formats_are_refused_with_the_reason(key: str) -> None:
    with pytest.raises(KeyRefused) as refused:
        check_client_key(key)
    message = str(refused.value)
    assert "bypasses Row-Level Security" in message and "Edge Functions" in message
    assert key not in message  # never repeated back


@pytest.mark.parametrize("key, why", [
    (jwt({"role": "authenticated", "sub": "u"}), "access token"),
    (jwt({"role": "anon", "exp": 1000}), "expired"),
    (jwt({"role": "dashboard_user"}), "not the project's anon key"),
    ("eyJhbGciOi.!!!.x", "not a Supabase API key"),
    ("eyJ.eyJub3QganNvbg.x", "cannot be read"),
    ("sb_publishable_", "not a complete publishable key"),
    ("hunter2", "not a Supabase API key"),
    ("", "empty"),
])
def test_other_keys_are_refused_with_a_specific_message(key: str, why: str) -> None:
    with pytest.raises(KeyRefused, match=why):
        check_client_key(key)


@pytest.mark.parametrize("url, expected", [
    ("https://abcd.supabase.co", "https://abcd.supabase.co"),
    ("HTTPS://ABCD.supabase.co/", "https://abcd.supabase.co"),
    ("https://abcd.supabase.co:443", "https://abcd.supabase.co"),
    ("http://127.0.0.1:54321", "http://127.0.0.1:54321"),
    ("http://localhost:8000/", "http://localhost:8000"),
    ("http://[::1]:54321", "http://[::1]:54321"),
])
def test_project_urls_are_normalised(url: str, expected: str) -> None:
    assert normalise_url(url) == expected


@pytest.mark.parametrize("url, why", [
    ("http://abcd.supabase.co", "must use https"),
    ("http://192.168.1.10:54321", "must use https"),
    ("https://supabase.com/dashboard/project/abcd", "dashboard"),
    ("https://abcd.supabase.co/rest/v1", "base address only"),
    ("https://user:pw@abcd.supabase.co", "user name or password"),
    ("abcd.supabase.co", "not a web address"),
    ("https://abcd.supabase.co:99999", "port"),
    ("https://abcd.supa\x1b[31mbase.co", "control characters"),
    ("", "empty"),
])
def test_bad_project_urls_say_what_is_wrong(url: str, why: str) -> None:
    with pytest.raises(InvalidProjectUrl, match=why):
        normalise_url(url)


def test_the_slug_is_stable_readable_and_distinct_per_url() -> None:
    a = project_from_input("https://abcd.supabase.co", ANON)
    again = Project(url="HTTPS://abcd.supabase.co/", anon_key=ANON)
    local = project_from_input("http://127.0.0.1:54321", ANON)
    other_port = project_from_input("http://127.0.0.1:54322", ANON)
    assert a.slug == again.slug and a.slug.startswith("abcd.supabase.co-")
    assert len({a.slug, local.slug, other_port.slug}) == 3
    assert all("/" not in s and ":" not in s for s in (a.slug, local.slug))
    assert ANON not in repr(a) and ANON not in str(a)


# -- the [supabase] settings: config file and environment ------------------------------------------


@pytest.fixture
def config(tmp_path: Path, monkeypatch) -> Path:
    for name in ("TRACK_SUPABASE_URL", "TRACK_SUPABASE_ANON_KEY"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path / "config.toml"


def test_no_project_configured_means_the_demo(config: Path) -> None:
    config.write_text('theme = "textual-dark"\n')
    assert load_settings(config).project is None


def test_a_project_in_the_config_file(config: Path) -> None:
    config.write_text(f'[supabase]\nurl = "https://abcd.supabase.co/"\nanon_key = "{ANON}"\n')
    project = load_settings(config).project
    assert project.url == "https://abcd.supabase.co" and project.anon_key == ANON


def test_a_project_from_the_environment_wins_over_the_file(config: Path, monkeypatch) -> None:
    config.write_text(f'[supabase]\nurl = "https://file.supabase.co"\nanon_key = "{ANON}"\n')
    monkeypatch.setenv("TRACK_SUPABASE_URL", "https://env.supabase.co")
    monkeypatch.setenv("TRACK_SUPABASE_ANON_KEY", PUBLISHABLE)
    project = load_settings(config).project
    assert (project.url, project.anon_key) == ("https://env.supabase.co", PUBLISHABLE)


@pytest.mark.parametrize("key", [SERVICE, SECRET], ids=["service_role JWT", "sb_secret"])
def test_a_service_key_in_the_config_file_stops_start_up(config: Path, key: str) -> None:
    config.write_text(f'[supabase]\nurl = "https://abcd.supabase.co"\nanon_key = "{key}"\n')
    with pytest.raises(ConfigError) as error:
        load_settings(config)
    message = str(error.value)
    assert str(config) in message and "supabase.anon_key" in message and "bypasses Row-Level Security" in message
    assert key not in message


@pytest.mark.parametrize("key", [SERVICE, SECRET], ids=["service_role JWT", "sb_secret"])
def test_a_service_key_in_the_environment_is_named_as_such(config: Path, monkeypatch, key: str) -> None:
    config.write_text('stale_days = 7\n')
    monkeypatch.setenv("TRACK_SUPABASE_URL", "https://abcd.supabase.co")
    monkeypatch.setenv("TRACK_SUPABASE_ANON_KEY", key)
    with pytest.raises(ConfigError) as error:
        load_settings(config)
    message = str(error.value)
    assert message.startswith("environment variable TRACK_SUPABASE_ANON_KEY: supabase.anon_key:")
    assert "Edge Functions" in message and key not in message


def test_a_malformed_url_names_the_setting(config: Path) -> None:
    config.write_text(f'[supabase]\nurl = "http://abcd.supabase.co"\nanon_key = "{ANON}"\n')
    with pytest.raises(ConfigError, match=r"supabase\.url: must use https"):
        load_settings(config)


def test_half_a_project_is_refused(config: Path) -> None:
    config.write_text('[supabase]\nurl = "https://abcd.supabase.co"\n')
    with pytest.raises(ConfigError, match="anon_key is missing"):
        load_settings(config)


def test_an_unknown_supabase_setting_is_refused(config: Path) -> None:
    config.write_text(f'[supabase]\nurl = "https://a.supabase.co"\nanon_key = "{ANON}"\nservice_role_key = "x"\n')
    with pytest.raises(ConfigError, match="supabase.service_role_key"):
        load_settings(config)


def test_the_settings_repr_never_shows_the_key(config: Path) -> None:
    config.write_text(f'[supabase]\nurl = "https://abcd.supabase.co"\nanon_key = "{ANON}"\n')
    settings = load_settings(config)
    assert ANON not in repr(settings) and ANON not in str(settings.supabase)

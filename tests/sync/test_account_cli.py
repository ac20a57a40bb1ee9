"""`track login`, `track logout` and `track status` as a person or a script runs them: real
subprocesses against the local Supabase double, with their exit codes and one-line errors."""

from __future__ import annotations

import io
import json
import os
import stat
import subprocess
import sys
import tomllib

import pytest

from track_tui import account_cli, paths
from track_tui.config import Settings
from track_tui.sync.project import project_from_input

from .conftest import PASSWORD

pytestmark = pytest.mark.sync


def track(*args: str, stdin: str = "", env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "track_tui.cli", *args], input=stdin, capture_output=True,
                          text=True, timeout=60, env={**os.environ, **(env or {})})


def login(backend, email: str, password: str = PASSWORD, *extra: str, **kw) -> subprocess.CompletedProcess:
    return track("login", "--url", backend.url, "--anon-key", backend.anon_key, "--email", email,
                 "--password-stdin", *extra, stdin=password + "\n", **kw)


def one_line(result: subprocess.CompletedProcess) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def configured(backend) -> dict:
    return {"TRACK_SUPABASE_URL": backend.url, "TRACK_SUPABASE_ANON_KEY": backend.anon_key}


def test_password_login_then_status_then_logout(backend, team, dirs) -> None:
    result = login(backend, team.bob.email)
    assert result.returncode == 0, result.stderr
    assert f"as {team.bob.email}; workspace A " in result.stdout and result.stdout.strip().endswith("(member).")
    project = project_from_input(backend.url, backend.anon_key)
    session = paths.session_file(project.slug)
    assert stat.S_IMODE(session.stat().st_mode) == 0o600
    cache = paths.workspace_cache_file(project.slug, team.a)
    assert cache.exists()

    status = track("status", "--json", env=configured(backend))
    assert status.returncode == 0, status.stderr
    report = json.loads(status.stdout)
    assert report["signed_in"] and report["email"] == team.bob.email and report["server"] == "reachable"
    assert report["workspace"] == {"id": team.a, "name": report["workspace"]["name"], "role": "member"}
    assert report["workspace"]["name"].startswith("A ") and report["cache_file"] == str(cache)
    assert report["session_expires_at"] and "refresh" not in status.stdout

    text = track("status", env=configured(backend)).stdout
    assert f"Signed in: {team.bob.email}" in text and f"Cache:     {cache}" in text

    out = track("logout", env=configured(backend))
    assert out.returncode == 0 and "the local cache is kept" in out.stdout
    assert not session.exists() and cache.exists()
    assert track("status", env=configured(backend)).returncode == 1


def test_logout_forget_deletes_the_caches(backend, team, dirs) -> None:
    assert login(backend, team.carol.email).returncode == 0
    project = project_from_input(backend.url, backend.anon_key)
    cache = paths.workspace_cache_file(project.slug, team.b)
    assert cache.exists()
    out = track("logout", "--forget", env=configured(backend))
    assert out.returncode == 0, out.stderr
    assert not cache.exists() and not paths.session_file(project.slug).exists()


def test_wrong_password_is_one_line_and_exit_3(backend, team, dirs) -> None:
    result = login(backend, team.alice.email, "wrong")
    assert result.returncode == 3
    assert one_line(result) == "track login: Wrong email or password."


def test_unconfirmed_email_exits_4(backend, unconfirmed, dirs) -> None:
    result = login(backend, unconfirmed.email)
    assert result.returncode == 4 and "not confirmed" in one_line(result)


def test_rate_limited_exits_5(backend, team, dirs) -> None:
    backend.require_fake().faults.fail_next(1, status=429, path_prefix="/auth/v1/token")
    result = login(backend, team.alice.email)
    assert result.returncode == 5 and "Too many attempts" in one_line(result)


def test_unreachable_exits_6(backend, dirs) -> None:
    from tests.fake_supabase.server import free_port

    result = track("login", "--url", f"http://127.0.0.1:{free_port()}", "--anon-key", backend.anon_key,
                   "--email", "a@example.test", "--password-stdin", stdin="x\n")
    assert result.returncode == 6 and "connection was refused" in one_line(result)


def test_code_login_in_two_steps(backend, team, dirs) -> None:
    env = configured(backend)
    sent = track("login", "--email", team.alice.email, "--send-code", env=env)
    assert sent.returncode == 0, sent.stderr
    assert "--code" in sent.stdout
    code = backend.require_fake().last_otp(team.alice.email)
    done = track("login", "--email", team.alice.email, "--code", code, env=env)
    assert done.returncode == 0, done.stderr
    assert "(owner)" in done.stdout
    bad = track("login", "--email", team.alice.email, "--code", "12", env=env)
    assert bad.returncode == 2 and "6-digit" in one_line(bad)


@pytest.mark.parametrize("which", ["service_role_jwt", "sb_secret"])
def test_a_service_key_is_refused_by_the_flags_and_never_used(backend, team, dirs, which) -> None:
    key = backend.service_role_key if which == "service_role_jwt" else "sb_secret_N7UND0UgjKTVK-Uodkm0Hg_xSvEMPvz"
    result = track("login", "--url", backend.url, "--anon-key", key, "--email", team.alice.email,
                   "--password-stdin", stdin=PASSWORD + "\n")
    assert result.returncode == 2
    line = one_line(result)
    assert line.startswith("track login: --anon-key: this is a service-role") and key not in line
    assert not paths.session_file(project_from_input(backend.url, backend.anon_key).slug).exists()
    assert not list(dirs.state.rglob("session.json"))


@pytest.mark.parametrize("which", ["service_role_jwt", "sb_secret"])
def test_a_service_key_is_refused_from_the_environment(backend, team, dirs, which) -> None:
    key = backend.service_role_key if which == "service_role_jwt" else "sb_secret_N7UND0UgjKTVK-Uodkm0Hg_xSvEMPvz"
    result = track("login", "--email", team.alice.email, "--password-stdin", stdin=PASSWORD + "\n",
                   env={"TRACK_SUPABASE_URL": backend.url, "TRACK_SUPABASE_ANON_KEY": key})
    assert result.returncode == 2
    assert "TRACK_SUPABASE_ANON_KEY" in result.stderr and "bypasses Row-Level Security" in result.stderr
    assert key not in result.stderr and not list(dirs.state.rglob("session.json"))


def test_a_service_key_in_the_config_file_is_refused(backend, team, dirs) -> None:
    dirs.config.parent.mkdir(parents=True)
    dirs.config.write_text(f'[supabase]\nurl = "{backend.url}"\nanon_key = "{backend.service_role_key}"\n')
    result = track("login", "--email", team.alice.email, "--password-stdin", stdin=PASSWORD + "\n")
    assert result.returncode == 2 and "supabase.anon_key" in result.stderr and "Edge Functions" in result.stderr
    assert not list(dirs.state.rglob("session.json"))


def test_no_project_and_no_terminal_says_what_to_give(dirs) -> None:
    result = track("login", "--email", "a@example.test", "--password-stdin", stdin="x\n")
    assert result.returncode == 2 and "--url and --anon-key" in one_line(result)


def test_save_config_keeps_the_rest_of_the_file(backend, team, dirs) -> None:
    dirs.config.parent.mkdir(parents=True)
    dirs.config.write_text('# my settings\ntheme = "textual-ansi"  # the terminal\'s colours\n\n[keymap]\n"app.help" = "f1"\n')
    result = login(backend, team.bob.email, PASSWORD, "--save-config")
    assert result.returncode == 0, result.stderr
    text = dirs.config.read_text()
    assert text.startswith('# my settings\ntheme = "textual-ansi"  # the terminal\'s colours\n')
    data = tomllib.loads(text)
    assert data["keymap"] == {"app.help": "f1"}
    assert data["supabase"] == {"url": backend.url, "anon_key": backend.anon_key}
    status = track("status", "--json")  # now configured by the file alone
    assert json.loads(status.stdout)["signed_in"] is True


def test_the_login_prompt_refuses_a_service_key_and_asks_again(backend, dirs, monkeypatch, capsys) -> None:
    """Interactive: the key typed at the prompt is checked before anything is stored or sent."""
    answers = iter([backend.url, backend.service_role_key, "sb_secret_abcdefghijklmnop", backend.anon_key])
    monkeypatch.setattr("builtins.input", lambda prompt="": next(answers))
    monkeypatch.setattr("sys.stdin", type("Tty", (io.StringIO,), {"isatty": lambda self: True})())
    args = account_cli_args()
    project, typed = account_cli._project_for_login(args, Settings())
    assert project.anon_key == backend.anon_key and typed
    refusals = [line for line in capsys.readouterr().err.splitlines() if "service-role" in line]
    assert len(refusals) == 2 and backend.service_role_key not in "".join(refusals)


def account_cli_args():
    import argparse

    return argparse.Namespace(url=None, anon_key=None)


def test_status_says_unreachable_when_the_server_is_down_though_the_token_is_valid(backend, team, dirs) -> None:
    """The access token is still valid, so supabase-py answers get_session() from the file; the
    status must still ask the server, or it reports a stopped project as reachable and live."""
    assert login(backend, team.bob.email).returncode == 0
    fake = backend.require_fake()
    fake.call(fake.server.stop())
    try:
        status = track("status", "--json", env=configured(backend))
    finally:
        fake.call(fake.server.start())
    report = json.loads(status.stdout)
    assert status.returncode == 0, status.stderr  # still signed in, as far as this computer knows
    assert report["signed_in"] and report["email"] == team.bob.email
    assert report["server"] == "unreachable" and report["state"] == "offline"
    assert report["note"]

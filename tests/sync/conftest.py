"""Fixtures for the sign-in tests: the local Supabase double (from the contract tests), private
state/data/config directories per test, and a network :class:`Runtime` with an :class:`Account`.

The contract tests' ``backend``/``team`` fixtures are reused as they are, against the local
double only: these tests read one-time codes and switch faults on, which a real project cannot.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.sync_contract.conftest import (  # noqa: F401 - fixtures reused from the contract suite
    PASSWORD, Backend, Team, TestUser, fake_supabase, fake_supabase_dsn, team,
)
from tests.support.fake_backend import _backend, backend  # noqa: F401 - the double-only backend


@dataclass
class Dirs:
    state: Path
    data: Path
    config: Path


@pytest.fixture
def dirs(tmp_path: Path, monkeypatch) -> Dirs:
    """Every file the app writes goes under this test's tmp_path."""
    d = Dirs(tmp_path / "state", tmp_path / "data", tmp_path / "config" / "config.toml")
    monkeypatch.setenv("TRACK_STATE_DIR", str(d.state))
    monkeypatch.setenv("TRACK_DATA_DIR", str(d.data))
    monkeypatch.setenv("TRACK_CONFIG", str(d.config))
    for name in ("TRACK_SUPABASE_URL", "TRACK_SUPABASE_ANON_KEY"):
        monkeypatch.delenv(name, raising=False)
    return d


@pytest.fixture
def project(backend, dirs):  # noqa: F811 - the fixture imported above
    from track_tui.sync.project import project_from_input

    return project_from_input(backend.url, backend.anon_key)


@pytest.fixture
def runtime():
    from track_tui.sync.runtime import Runtime

    rt = Runtime()
    yield rt
    rt.close()


@pytest.fixture
def account(project, runtime):
    from track_tui.sync.account import Account

    return Account(project, runtime)


async def on(runtime, coro):
    """Await a coroutine that runs on the runtime's loop (as the screens do)."""
    return await asyncio.wrap_future(runtime.submit(coro))


@pytest.fixture
async def unconfirmed(backend):  # noqa: F811 - the fixture imported above
    """A user whose email address was never confirmed."""
    email = f"new-{uuid.uuid4().hex[:8]}@example.test"
    await backend.require_fake().create_user(email, PASSWORD, confirmed=False)
    return TestUser(email, PASSWORD)

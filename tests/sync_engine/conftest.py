"""Fixtures for the sync engine's tests: the local Supabase double (the sync tests' `backend`
and `team`) and caches for the team's people; the helpers live in :mod:`.support`.

The engine runs on the test's event loop here (its client is made on that loop, as the
runtime's is on its own); everything a test does to the server goes through the double's
fault controls, `backend.sql(...)` (the web app writing directly) or another person's client.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.sync.conftest import (  # noqa: F401 - the sync tests' fixtures, reused
    _backend, backend, dirs, fake_supabase, fake_supabase_dsn, team,
)
from tests.sync_contract.conftest import Team, TestUser
from track_tui.store import Store

from .support import make_cache


@pytest.fixture
def caches(tmp_path: Path, team: Team):  # noqa: F811
    made: list[Store] = []

    def open_cache(user: TestUser, name: str | None = None, workspace_id: str | None = None, role: str = "owner") -> Store:
        store = make_cache(tmp_path / f"{name or user.email.split('@')[0]}.sqlite3", workspace_id or team.a, user, role)
        made.append(store)
        return store

    yield open_cache
    for store in made:
        store.close()

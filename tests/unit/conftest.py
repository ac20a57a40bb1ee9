"""Fixtures unit tests share: a clean environment for the command line, a standalone workspace."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No TRACK_* variable from the developer's shell; platform dirs (config, data, state,
    home) under tmp_path, so a CLI run reads and writes nothing of the person's own."""
    for name in list(os.environ):
        if name.startswith("TRACK_"):
            monkeypatch.delenv(name)
    for name, folder in (("XDG_CONFIG_HOME", "xdg-config"), ("XDG_DATA_HOME", "xdg-data"),
                         ("XDG_STATE_HOME", "xdg-state"), ("HOME", "home")):
        monkeypatch.setenv(name, str(tmp_path / folder))


@pytest.fixture
def standalone_ws():
    """(store, ids) of the factories' workspace on a cache with no server behind it: the store
    runs the automations and writes the audit log itself."""
    from ..factories import make_store

    store, ids = make_store()
    store.standalone = True
    yield store, ids
    store.close()

"""Shared fixtures: a frozen clock, a deterministic demo workspace, and the app over it.

The demo workspace is built once per test process into a template file and copied for each
test, so every screen test starts from the same data in milliseconds.
"""

from __future__ import annotations

import os
import shutil
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

# Screens show local dates ("today", "overdue"); fix the zone so results do not depend on the host.
os.environ["TZ"] = "UTC"
time.tzset()

FROZEN_NOW = datetime(2026, 11, 25, 9, 30, tzinfo=timezone.utc)
DEMO_SEED = 7
DEMO_DEALS = 300


def frozen_clock() -> datetime:
    return FROZEN_NOW


@pytest.fixture(autouse=True)
def no_unexpected_app_errors(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch):
    """The crash boundary keeps the app running when a handler raises; in a test that would
    hide the bug. Every error the boundary reports goes through `crash_log.record`: here it is
    collected instead of written to the developer's log, and fails the test, unless the test
    is marked `app_errors` (tests of the boundary itself, which point the log elsewhere)."""
    if request.node.get_closest_marker("app_errors"):
        yield
        return
    from track_tui import crash_log

    reported: list[str] = []
    monkeypatch.setattr(crash_log, "record", lambda summary, error=None: reported.append(summary))
    yield
    if reported:
        pytest.fail("the app reported errors:\n" + "\n".join(reported), pytrace=False)


@pytest.fixture(autouse=True)
def private_state_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """Dialogs keep drafts in the state directory: each test gets its own, never the developer's."""
    monkeypatch.setenv("TRACK_STATE_DIR", str(tmp_path_factory.mktemp("state")))


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from track_tui.demo import build_demo
    from track_tui.store import Store

    path = tmp_path_factory.mktemp("demo-template") / "demo.sqlite3"
    store = Store(path, clock=frozen_clock)
    build_demo(store, seed=DEMO_SEED, deals=DEMO_DEALS, now=FROZEN_NOW)
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    return path


@pytest.fixture
def demo_store(demo_template: Path, tmp_path: Path):
    """A fresh copy of the demo workspace with the clock frozen at FROZEN_NOW."""
    from track_tui.store import Store

    path = tmp_path / "demo.sqlite3"
    shutil.copyfile(demo_template, path)
    store = Store(path, clock=frozen_clock)
    yield store
    store.close()


@pytest.fixture
def demo_app(demo_store):
    """The app over the demo workspace (not yet running: use `async with app.run_test()`)."""
    from track_tui.app import TrackApp
    from track_tui.config import Settings

    return TrackApp(demo_store, Settings())

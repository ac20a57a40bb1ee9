"""Fixtures for the LiveFeed tests: the local Supabase double and a feed recording what it calls.

The contract suite's session server, database and ``team`` are reused; only the local double
is used (every test switches a Realtime fault on). After each test every fault and limit goes
back to its default (``fake.reset()``) and a stopped server is started again.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any, Callable

import pytest

from tests.sync_contract.conftest import (  # noqa: F401 - fixtures reused from the contract suite
    Backend, Team, TestUser, fake_supabase, fake_supabase_dsn, team,
)
from tests.support.fake_backend import _backend, backend  # noqa: F401 - the double-only backend
from track_tui.sync.live import LiveFeed

# Short backoffs so each fault test takes about a second; a generous batching gap, because a
# loaded machine spaces one transaction's events further apart than the 12 ms default.
FAST = {"initial_backoff": 0.05, "max_backoff": 0.5, "rate_limited_backoff": 0.3,
        "batch_window": 0.4, "batch_quiet": 0.06}


@dataclass
class Recorder:
    """Everything a LiveFeed called, with a way to wait for a condition (never a bare sleep)."""

    rows: list[tuple[str, list[dict]]] = field(default_factory=list)
    fetches: list[tuple[str, list[str]]] = field(default_factory=list)
    catch_ups: list[float] = field(default_factory=list)
    states: list[tuple[str, str | None, float]] = field(default_factory=list)
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    async def on_rows(self, table: str, records: list[dict]) -> None:
        self.rows.append((table, records))
        self.changed.set()

    async def on_fetch(self, table: str, ids: list[str]) -> None:
        self.fetches.append((table, ids))
        self.changed.set()

    async def on_subscribed(self) -> None:
        self.catch_ups.append(time.monotonic())
        self.changed.set()

    def on_state(self, state: str, problem: str | None) -> None:
        self.states.append((state, problem, time.monotonic()))
        self.changed.set()

    # -- reading it --------------------------------------------------------------------------
    def records(self, table: str | None = None) -> list[dict]:
        return [r for t, batch in self.rows if table in (None, t) for r in batch]

    def names(self, table: str = "contacts") -> list[str]:
        return [r.get("name") for r in self.records(table)]

    def fetched(self, table: str | None = None) -> list[str]:
        return [i for t, ids in self.fetches if table in (None, t) for i in ids]

    def state_names(self) -> list[str]:
        return [s for s, _, _ in self.states]

    def problems(self) -> list[str]:
        return [p for _, p, _ in self.states if p]

    async def wait(self, pred: Callable[[], Any], what: str, timeout: float = 10.0) -> Any:
        async def loop():
            while True:
                result = pred()
                if result:
                    return result
                self.changed.clear()
                await self.changed.wait()
        try:
            return await asyncio.wait_for(loop(), timeout)
        except asyncio.TimeoutError:
            raise AssertionError(f"timed out waiting for {what}; states {self.states}, rows {self.rows}, "
                                 f"fetches {self.fetches}, catch-ups {len(self.catch_ups)}") from None

    async def wait_live(self, count: int = 1, timeout: float = 10.0) -> None:
        await self.wait(lambda: self.state_names().count("live") >= count, f"live x{count}", timeout)


@dataclass
class Running:
    feed: LiveFeed
    rec: Recorder
    task: asyncio.Task

    async def stop(self) -> None:
        self.task.cancel()
        try:
            await asyncio.wait_for(self.task, 5)
        except asyncio.CancelledError:
            pass


@pytest.fixture
async def start_feed():
    """``await start_feed(client, workspace, tables, **options)`` -> Running (cancelled at the end)."""
    running: list[Running] = []

    async def start(client, workspace: str, tables=("contacts",), wait_live: bool = True, **options) -> Running:
        rec = Recorder()
        feed = LiveFeed(client, workspace, tables, on_rows=rec.on_rows, on_fetch=rec.on_fetch,
                        on_subscribed=rec.on_subscribed, on_state=rec.on_state, **{**FAST, **options})
        r = Running(feed, rec, asyncio.create_task(feed.run(), name="test-live-feed"))
        running.append(r)
        if wait_live:
            await rec.wait_live()
        return r

    yield start
    for r in running:
        await r.stop()

"""The engine's loop: first download then rounds when woken, pull-only polling, a live feed's
rows, fetch hints and catch-up pulls, backoff while the server is down, NO_ACCESS, stop."""

from __future__ import annotations

import asyncio
import random
import threading

import pytest

from track_tui.models import Contact
from track_tui.sync.engine import EngineSettings, backoff_delay
from track_tui.sync.pull import FIRST_DOWNLOAD_DONE
from track_tui.sync.status import SyncState

from .support import FAST, assert_same, make_engine, seed_board

async def until(predicate, timeout=10.0, what=""):
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {(what() if callable(what) else what) or predicate}")
        await asyncio.sleep(0.02)


class ScriptedFeed:
    """A stand-in for the Realtime feed: the test calls its callbacks."""

    instances: list["ScriptedFeed"] = []

    def __init__(self, client, workspace_id, tables, *, on_rows, on_fetch, on_subscribed, on_state):
        self.on_rows, self.on_fetch, self.on_subscribed, self.on_state = on_rows, on_fetch, on_subscribed, on_state
        self.tables = tables
        self.tokens: list[str] = []
        ScriptedFeed.instances.append(self)

    async def run(self):
        self.on_state("live", None)
        self.on_subscribed()
        await asyncio.Event().wait()

    def set_auth(self, token):
        self.tokens.append(token)


def test_backoff_grows_with_jitter_and_honours_retry_after():
    rng = random.Random(1)
    delays = [backoff_delay(n, 1.0, 60.0, rng=rng) for n in range(1, 9)]
    assert all(0.5 <= d <= 1.0 for d in delays[:1])
    assert delays[5] > delays[1] and max(delays) <= 60.0
    assert len({round(d, 6) for d in delays}) == len(delays)  # jittered
    assert backoff_delay(1, 1.0, 60.0, retry_after=30, rng=rng) >= 30


async def test_run_downloads_then_pushes_when_woken_and_pulls_when_asked(backend, team, caches):
    seed_board(backend, team.a, deals=4)
    store = caches(team.alice)
    statuses = []
    slow = EngineSettings(**{**FAST.model_dump(), "poll_interval": 60.0})  # only woken rounds run
    engine = make_engine(backend, team.alice, store, team.a, on_status=statuses.append, settings=slow)
    task = asyncio.create_task(engine.run())
    try:
        await until(lambda: store.get_meta(FIRST_DOWNLOAD_DONE) == "1", what="first download")
        assert any(s.state is SyncState.DOWNLOADING and s.download for s in statuses)
        contact = store.create_record(Contact(workspace_id=team.a, name="From the loop"))
        # The engine hears the write itself (no request_push needed) ...
        await until(lambda: backend.sql("select count(*) from contacts where id = %s", (contact.id,))[0][0] == 1,
                    what="the push")
        # ... and request_push from another thread wakes it too.
        other = store.create_record(Contact(workspace_id=team.a, name="Second"))
        threading.Thread(target=engine.request_push).start()
        await until(lambda: backend.sql("select count(*) from contacts where id = %s", (other.id,))[0][0] == 1)
        backend.sql("update contacts set name = 'Web edit' where id = %s", (contact.id,))
        engine.request_pull()
        await until(lambda: _name(store, contact.id) == "Web edit", what="the poll")
        await until(lambda: engine.status.state is SyncState.LIVE and engine.status.pending == 0)
    finally:
        engine.stop()
        with pytest.raises(asyncio.CancelledError):
            await task
        engine.close()
    assert_same(backend, store, team.a)


def _name(store, contact_id):
    with store.reading() as conn:
        row = conn.execute("SELECT name FROM contacts WHERE id = ?", (contact_id,)).fetchone()
    return row[0] if row else None


async def test_live_rows_apply_fetch_hints_read_rows_and_subscribe_pulls(backend, team, caches):
    seeded = seed_board(backend, team.a, deals=2)
    store = caches(team.alice)
    ScriptedFeed.instances.clear()
    live_batches = []
    slow = EngineSettings(**{**FAST.model_dump(), "safety_interval": 30.0})
    engine = make_engine(backend, team.alice, store, team.a, live_factory=ScriptedFeed, settings=slow,
                         on_live_rows=lambda table, applied: live_batches.append((table, applied.written)))
    task = asyncio.create_task(engine.run())
    try:
        feed = await until(lambda: ScriptedFeed.instances and ScriptedFeed.instances[-1], what="the feed")
        await until(lambda: engine.status.state is SyncState.LIVE)
        deal = seeded["deals"][0]
        backend.sql("update deals set name = 'Live' where id = %s", (deal,))
        (record,) = [r[0] for r in backend.sql("select to_jsonb(d) from deals d where id = %s", (deal,))]
        feed.on_rows("deals", [record])
        await until(lambda: live_batches, what="live rows applied")
        with store.reading() as conn:
            assert conn.execute("SELECT name FROM deals WHERE id = ?", (deal,)).fetchone()[0] == "Live"
        other = seeded["deals"][1]
        backend.sql("update deals set name = 'Fetched' where id = %s", (other,))
        feed.on_fetch("deals", [other])
        await until(lambda: _deal_name(store, other) == "Fetched", what="the fetch")
        backend.sql("update deals set name = 'Caught up' where id = %s", (deal,))
        feed.on_subscribed()  # a rejoin: the catch-up pull runs now, not in 30 s
        await until(lambda: _deal_name(store, deal) == "Caught up", timeout=5, what="catch-up pull")
    finally:
        engine.stop()
        with pytest.raises(asyncio.CancelledError):
            await task
        engine.close()


def _deal_name(store, deal_id):
    with store.reading() as conn:
        row = conn.execute("SELECT name FROM deals WHERE id = ?", (deal_id,)).fetchone()
    return row[0] if row else None


async def test_a_server_that_goes_away_makes_the_engine_offline_then_it_catches_up(backend, team, caches):
    fake = backend.require_fake()
    store = caches(team.alice)
    statuses = []
    engine = make_engine(backend, team.alice, store, team.a, on_status=statuses.append)
    assert (await engine.sync_once()).in_step
    task = asyncio.create_task(engine.run())
    try:
        await fake.stop()
        contact = store.create_record(Contact(workspace_id=team.a, name="Offline edit"))
        engine.request_push()
        await until(lambda: engine.status.state is SyncState.OFFLINE and engine.status.pending >= 1,
                    what="offline, the edit counted")
        assert engine.status.problem and engine.status.retry_at
        await fake.start()
        await until(lambda: engine.status.state is SyncState.LIVE and engine.status.pending == 0, timeout=15,
                    what="back in step")
        assert backend.sql("select count(*) from contacts where id = %s", (contact.id,)) == [(1,)]
    finally:
        engine.stop()
        with pytest.raises(asyncio.CancelledError):
            await task
        engine.close()


async def test_a_removed_member_is_no_access_and_nothing_is_pushed(backend, team, caches):
    store = caches(team.bob, role="member")
    engine = make_engine(backend, team.bob, store, team.a)
    assert (await engine.sync_once()).in_step
    backend.sql("delete from workspace_members where workspace_id = %s and user_id = %s", (team.a, team.bob.id))
    outcome = await engine.sync_once()
    assert outcome.state is SyncState.NO_ACCESS and not outcome.in_step
    assert engine.status.state is SyncState.NO_ACCESS and "member" in engine.status.problem


async def test_without_a_live_feed_the_engine_polls(backend, team, caches):
    seeded = seed_board(backend, team.a, deals=1)
    store = caches(team.alice)
    engine = make_engine(backend, team.alice, store, team.a)  # poll_interval 0.3 s
    task = asyncio.create_task(engine.run())
    try:
        await until(lambda: engine.status.state is SyncState.LIVE, what="in step")
        backend.sql("update deals set name = 'Polled' where id = %s", (seeded["deals"][0],))
        await until(lambda: _deal_name(store, seeded["deals"][0]) == "Polled", timeout=5, what="a poll")
    finally:
        engine.stop()
        with pytest.raises(asyncio.CancelledError):
            await task
        engine.close()


async def test_an_unreachable_project_at_the_first_client_is_offline_not_a_crash(team, caches, dirs):
    import httpx

    store = caches(team.alice)

    async def unreachable():
        raise httpx.ConnectError("[Errno 111] Connection refused")

    from track_tui.sync.engine import SyncEngine

    engine = SyncEngine(store, None, team.a, client=unreachable, settings=FAST)
    outcome = await engine.sync_once()
    assert outcome.state is SyncState.OFFLINE and "refused" in outcome.problem
    engine.close()


async def test_an_unexpected_error_in_a_round_is_reported_and_retried(backend, team, caches, monkeypatch):
    store = caches(team.alice)
    engine = make_engine(backend, team.alice, store, team.a)
    assert (await engine.sync_once()).in_step
    from track_tui.sync import push

    def broken(*_a, **_k):
        raise ValueError("boom")

    monkeypatch.setattr(push, "read_pending", broken)
    outcome = await engine.sync_once()
    assert outcome.state is SyncState.OFFLINE and "ValueError" in outcome.problem and outcome.retry_after
    assert outcome.server_error
    monkeypatch.undo()
    assert (await engine.sync_once()).in_step
    engine.close()


async def test_with_the_real_live_feed_a_web_edit_arrives_without_any_pull(backend, team, caches):
    from track_tui.sync.live import LiveFeed

    seeded = seed_board(backend, team.a, deals=2)
    store = caches(team.alice)
    quiet = EngineSettings(**{**FAST.model_dump(), "poll_interval": 60.0, "safety_interval": 60.0})
    batches = []
    engine = make_engine(backend, team.alice, store, team.a, live_factory=LiveFeed, settings=quiet,
                         on_applied=batches.append)
    task = asyncio.create_task(engine.run())
    try:
        await until(lambda: engine.status.state is SyncState.LIVE and engine._feed_live(), timeout=20, what="live")
        await asyncio.sleep(0.3)  # the catch-up pull after subscribing has finished
        batches.clear()
        backend.sql("update deals set name = 'Realtime' where id = %s", (seeded["deals"][0],))
        await until(lambda: _deal_name(store, seeded["deals"][0]) == "Realtime", timeout=10, what="the live row")
        await until(lambda: batches, timeout=5)
        assert {b.source for b in batches} == {"live"}  # no pull brought it
    finally:
        engine.stop()
        with pytest.raises(asyncio.CancelledError):
            await task
        engine.close()


async def test_with_the_real_live_feed_a_web_delete_arrives_without_any_pull(backend, team, caches):
    """Realtime's DELETE events are ignored, but the tombstone the delete writes is an INSERT on
    `sync_tombstones`: the feed hints it, so a teammate's delete leaves the cache at once."""
    from track_tui.sync.live import LiveFeed

    seeded = seed_board(backend, team.a, deals=2)
    store = caches(team.alice)
    quiet = EngineSettings(**{**FAST.model_dump(), "poll_interval": 60.0, "safety_interval": 60.0})
    batches = []
    engine = make_engine(backend, team.alice, store, team.a, live_factory=LiveFeed, settings=quiet,
                         on_applied=batches.append)
    task = asyncio.create_task(engine.run())
    gone = seeded["deals"][1]
    try:
        await until(lambda: engine.status.state is SyncState.LIVE and engine._feed_live(), timeout=20, what="live")
        await until(lambda: _deal_name(store, gone) is not None, timeout=10, what="the first download")
        await asyncio.sleep(0.3)  # the catch-up pull after subscribing has finished
        batches.clear()
        backend.sql("delete from deals where id = %s", (gone,))
        await until(lambda: _deal_name(store, gone) is None, timeout=10, what="the delete")
        await until(lambda: batches, timeout=5)
        assert {b.source for b in batches} == {"live"}  # no pull brought it
        assert _deal_name(store, seeded["deals"][0]) is not None  # only that deal went
    finally:
        engine.stop()
        with pytest.raises(asyncio.CancelledError):
            await task
        engine.close()


@pytest.mark.parametrize("failing", [False, True], ids=["idle", "backing-off"])
async def test_a_stop_that_lands_as_the_engine_is_woken_still_stops_it(backend, team, caches, failing):
    """The cancel of a quitting app can arrive in the same turn of the loop as a wake-up (a local
    write, a catch-up request). On Python 3.11 ``asyncio.wait_for`` then returns the wake-up and
    drops the cancel, and the engine synced on forever (the live state machine's teardown hung on
    it). Each hop count below puts the cancel at another step of that turn; every one must stop
    the engine, whether it waits idle or backs off from a server answering 503."""
    store = caches(team.alice)
    slow = EngineSettings(**{**FAST.model_dump(), "poll_interval": 60.0, "safety_interval": 60.0,
                             "backoff_base": 60.0, "backoff_max": 60.0})
    engine = make_engine(backend, team.alice, store, team.a, settings=slow)
    fake = backend.require_fake()
    loop = asyncio.get_running_loop()
    try:
        for hops in range(8):
            task = asyncio.create_task(engine.run())
            await until(lambda: store.get_meta(FIRST_DOWNLOAD_DONE) == "1", what="first download")
            if failing:
                fake.faults.fail_next(1000, status=503, path_prefix="/rest/v1")
                engine.request_pull()
                await until(lambda: engine.status.problem is not None, what=lambda: f"the outage seen ({hops}: {engine.status})")
            else:
                await until(lambda: engine.status.state is SyncState.LIVE, what="in step")
            await asyncio.sleep(0.1)  # in its wait for the next reason to run a round

            def cancel_after(n, task=task):
                if n:
                    loop.call_soon(cancel_after, n - 1)
                else:
                    task.cancel()
            engine.request_pull()  # on this loop: sets the wake-up now
            cancel_after(hops)
            done, _ = await asyncio.wait({task}, timeout=5)
            assert task in done, f"the engine went on after a cancel {hops} loop steps after a wake-up"
            assert task.cancelled()
            fake.faults.clear()
    finally:
        fake.faults.clear()
        if not task.done():
            task.cancel()
            await asyncio.wait({task}, timeout=5)
        engine.close()

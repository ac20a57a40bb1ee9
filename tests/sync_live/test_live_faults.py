"""Every Realtime fault of the double, survived by LiveFeed's supervisor.

After each fault a row written by SQL reaches the engine: as a row (on_rows), as an id to
fetch (on_fetch), or -- when Realtime lost it -- through the catch-up pull that on_subscribed
asks for. Backoffs are set small (tests/sync_live/conftest.py FAST) so each test takes about a
second; the half-open test checks the documented detection bound.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid

import pytest

from tests.sync_contract.test_realtime_faults import RawSocket

pytestmark = pytest.mark.sync


def insert_contact(backend, workspace: str, name: str) -> str:
    cid = str(uuid.uuid4())
    backend.sql("insert into public.contacts (id, workspace_id, name) values (%s, %s, %s)", (cid, workspace, name))
    return cid


async def survives(live, backend, workspace: str, name: str) -> None:
    """A row written now reaches on_rows (the feed is live again and delivering)."""
    insert_contact(backend, workspace, name)
    await live.rec.wait(lambda: name in live.rec.names(), f"{name!r} to arrive", timeout=10)


def catch_up_after(live, t: float) -> bool:
    return any(c >= t for c in live.rec.catch_ups)


# -- loss while connected: the channel never notices ----------------------------------------------
async def test_drop_next(backend, team, start_feed):
    fake = backend.require_fake()
    live = await start_feed(await backend.signed_in(team.alice), team.a)
    fake.realtime.faults.drop_next(1)
    insert_contact(backend, team.a, "dropped")
    await survives(live, backend, team.a, "next one")
    assert "dropped" not in live.rec.names()  # lost for good: the periodic safety pull finds it
    assert live.feed.sessions == 1


async def test_rate_limit_that_shuts_the_channel_restarts_and_catches_up(backend, team, start_feed):
    fake = backend.require_fake()
    live = await start_feed(await backend.signed_in(team.alice), team.a)
    fake.realtime.faults.rate_limit(3, close_channels=True, window_seconds=0.3)
    t = time.monotonic()
    backend.sql("insert into public.contacts (workspace_id, name) select %s, 'R' || g from generate_series(1, 6) g",
                (team.a,))
    await live.rec.wait(lambda: live.feed.sessions >= 2, "a new session after the shut channel")
    assert any("Too many messages per second" in p for p in live.rec.problems()), live.rec.states
    await live.rec.wait_live(count=2)
    assert catch_up_after(live, t)  # what the shut channel missed comes with the catch-up pull
    fake.realtime.faults.rate_limit(None)
    await survives(live, backend, team.a, "after the limit")


async def test_rate_limit_skipping_batches(backend, team, start_feed):
    fake = backend.require_fake()
    live = await start_feed(await backend.signed_in(team.alice), team.a)
    faults = fake.realtime.faults
    skipped_before = faults.stats.rate_limited  # counters outlive resets
    faults.rate_limit(2, close_channels=False, window_seconds=0.3)
    backend.sql("insert into public.contacts (workspace_id, name) select %s, 'S' || g from generate_series(1, 3) g",
                (team.a,))
    await live.rec.wait(lambda: len(live.rec.names()) >= 3, "the first batch")
    insert_contact(backend, team.a, "skipped")
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 5
    while faults.stats.rate_limited == skipped_before:
        assert loop.time() < deadline
        await asyncio.sleep(0.02)
    await asyncio.sleep(0.35)  # the window passes
    await survives(live, backend, team.a, "after the window")
    assert live.feed.sessions == 1 and "skipped" not in live.rec.names()


async def test_cdc_restart_re_announces_and_triggers_a_catch_up(backend, team, start_feed):
    fake = backend.require_fake()
    live = await start_feed(await backend.signed_in(team.alice), team.a)
    before = len(live.rec.catch_ups)
    t = time.monotonic()
    fake.realtime.faults.cdc_restart(0.3)
    insert_contact(backend, team.a, "lost in the gap")
    await live.rec.wait(lambda: catch_up_after(live, t + 0.25), "a catch-up after Subscribed to PostgreSQL again")
    assert len(live.rec.catch_ups) > before
    assert live.feed.sessions == 1  # the channel itself never noticed; only the system message tells
    await survives(live, backend, team.a, "after the restart")
    assert "lost in the gap" not in live.rec.names()


async def test_subscribe_delay_the_catch_up_follows_subscribed_to_postgresql(backend, team, start_feed):
    fake = backend.require_fake()
    fake.realtime.faults.set_subscribe_delay(0.5)
    t0 = time.monotonic()
    live = await start_feed(await backend.signed_in(team.alice), team.a, wait_live=False)
    await live.rec.wait(lambda: live.rec.catch_ups, "the first catch-up (after the join reply)")
    insert_contact(backend, team.a, "in the window")  # committed before the database subscription
    await live.rec.wait_live()
    live_at = [t for s, _, t in live.rec.states if s == "live"][0]
    assert live_at - t0 >= 0.45  # "live" only once Realtime subscribed to the database ...
    assert catch_up_after(live, live_at - 0.01)  # ... and a catch-up pull runs after that
    await survives(live, backend, team.a, "after the window")


# -- connections that die quietly, or are told to go ----------------------------------------------
async def test_half_open_socket_is_detected_within_the_bound(backend, team, start_feed):
    fake = backend.require_fake()
    silence = 0.8
    live = await start_feed(await backend.signed_in(team.alice), team.a, silence_timeout=silence)
    await asyncio.sleep(0.3)  # a pong or two have come back: healthy pings do not trip the watchdog
    assert live.feed.sessions == 1 and live.feed.half_open_detected == 0
    t = time.monotonic()
    assert fake.realtime.faults.freeze_websockets()["frozen"] >= 1
    insert_contact(backend, team.a, "while frozen")
    await live.rec.wait(lambda: live.feed.half_open_detected >= 1, "the silence to be noticed", timeout=5)
    offline_at = next(at for s, p, at in live.rec.states if s == "offline" and at >= t)
    assert offline_at - t <= silence * 1.25 + 0.2, offline_at - t  # the documented bound (+ scheduling)
    assert any("no answer from the server" in p for p in live.rec.problems())
    await live.rec.wait_live(count=2)
    assert catch_up_after(live, offline_at)  # what was committed while frozen comes with the catch-up
    await survives(live, backend, team.a, "after the freeze")
    assert not [s for s in fake.realtime.sockets if s.frozen]  # the frozen socket was cut, not left behind


@pytest.mark.parametrize("when", ["frozen", "joining"])
async def test_a_stop_while_the_server_is_silent_returns_within_seconds(backend, team, start_feed, when):
    """Quitting must not wait on a server that no longer answers: not on a half-open socket's
    close handshake (websockets would give it 10 s), nor on a join reply that never comes. The
    watchdog and the join timeout are set far beyond the bound, so only the stop path is tested."""
    from track_tui.sync.live import CLOSE_TIMEOUT

    fake = backend.require_fake()
    client = await backend.signed_in(team.alice)
    others = set(fake.realtime.sockets)
    if when == "frozen":
        live = await start_feed(client, team.a, silence_timeout=60.0)
        assert fake.realtime.faults.freeze_websockets()["frozen"] >= 1
    else:
        fake.faults.set_realtime_latency(60.0)  # the join reply, like every frame, never arrives in time
        live = await start_feed(client, team.a, wait_live=False, silence_timeout=60.0, join_timeout=60.0)
        await live.rec.wait(lambda: "connecting" in live.rec.state_names(), "the join under way")
    await asyncio.sleep(0.2)
    ws = client.realtime._ws_connection
    assert ws is not None
    t = time.monotonic()
    live.task.cancel()
    done, _ = await asyncio.wait({live.task}, timeout=CLOSE_TIMEOUT + 4)
    assert live.task in done, f"the stop still waits {time.monotonic() - t:.1f} s on a silent server"
    assert live.task.cancelled()
    assert client.realtime._ws_connection is None and ws.transport.is_closing()  # cut, not left half-open
    fake.faults.set_realtime_latency(0)
    if when == "frozen":
        deadline = time.monotonic() + 5
        while [s for s in set(fake.realtime.sockets) - others if s.frozen]:  # the server sees it go too
            assert time.monotonic() < deadline, "the frozen socket is still open on the server"
            await asyncio.sleep(0.02)


async def test_idle_timeout_close_restarts(backend, team, start_feed):
    fake = backend.require_fake()
    # Pings every silence_timeout / 4 keep a socket alive, so make them rarer than the idle timeout.
    live = await start_feed(await backend.signed_in(team.alice), team.a, silence_timeout=8)
    idle_before = fake.realtime.faults.stats.idle_closed  # counters outlive resets
    fake.realtime.faults.set_idle_timeout(0.4)
    await live.rec.wait(lambda: live.feed.sessions >= 2, "a restart after the idle close")
    fake.realtime.faults.set_idle_timeout(60)
    await live.rec.wait_live(count=2)
    await survives(live, backend, team.a, "after idle")
    assert fake.realtime.faults.stats.idle_closed > idle_before


async def test_watchdog_pings_keep_an_idle_socket_open(backend, team, start_feed):
    fake = backend.require_fake()
    live = await start_feed(await backend.signed_in(team.alice), team.a, silence_timeout=0.4)  # a ping per 0.1 s
    fake.realtime.faults.set_idle_timeout(0.5)
    closed = fake.realtime.faults.stats.idle_closed
    await asyncio.sleep(1.5)
    assert fake.realtime.faults.stats.idle_closed == closed and live.feed.sessions == 1


@pytest.mark.parametrize("code", [1001, 1012])
async def test_drain_restarts(backend, team, start_feed, code):
    fake = backend.require_fake()
    live = await start_feed(await backend.signed_in(team.alice), team.a)
    assert fake.realtime.faults.drain_websockets(code)["draining"] >= 1
    await live.rec.wait_live(count=2)
    assert live.feed.sessions >= 2
    await survives(live, backend, team.a, f"after drain {code}")


async def test_dropped_connection_and_a_server_down_for_a_while(backend, team, start_feed):
    """realtime-py alone gives up after max_retries; the supervisor keeps trying until it is back."""
    fake = backend.require_fake()
    live = await start_feed(await backend.signed_in(team.alice), team.a)
    assert await fake.drop_websockets() >= 1
    await live.rec.wait_live(count=2)
    await fake.stop()
    await live.rec.wait(lambda: live.feed.sessions >= 6, "attempts while the server is down")
    assert live.rec.state_names()[-1] in ("offline", "connecting")
    insert_contact(backend, team.a, "while down")
    await fake.start()
    await live.rec.wait_live(count=3)
    await live.rec.wait(lambda: len(live.rec.catch_ups) >= 3, "a catch-up after coming back")
    await survives(live, backend, team.a, "after the outage")


# -- quotas and refused joins: backoff with jitter ------------------------------------------------
async def test_transient_join_errors_back_off_then_join(backend, team, start_feed):
    fake = backend.require_fake()
    fake.realtime.faults.fail_next_join(2, "InitializingProjectConnection")
    live = await start_feed(await backend.signed_in(team.alice), team.a, wait_live=False)
    await live.rec.wait_live()
    assert live.feed.sessions == 3
    problems = live.rec.problems()
    assert len(problems) == 2 and all("InitializingProjectConnection" in p for p in problems)
    await survives(live, backend, team.a, "after the refusals")


async def test_channel_limit_refusal_waits_the_rate_limited_backoff(backend, team, start_feed):
    fake = backend.require_fake()
    alice = await backend.signed_in(team.alice)
    other = alice.channel("someone-else")  # a channel already on the client's socket
    other.on_postgres_changes("*", lambda p: None, table="deals")
    await other.subscribe()
    fake.realtime.faults.set_channel_limit(1)
    live = await start_feed(alice, team.a, wait_live=False, rate_limited_backoff=0.4)
    await live.rec.wait(lambda: any("ChannelRateLimitReached" in p for p in live.rec.problems()), "the refusal")
    refused_at = next(at for s, p, at in live.rec.states if p and "ChannelRateLimitReached" in p)
    await alice.remove_channel(other)  # make room: the next attempt gets in
    await live.rec.wait_live()
    live_at = next(at for s, _, at in live.rec.states if s == "live")
    assert live_at - refused_at >= 0.2  # at least half the rate-limited backoff (jitter draws [d/2, d])
    await survives(live, backend, team.a, "after the channel limit")


async def test_join_rate_limit_refusals_and_429_upgrades(backend, team, start_feed):
    fake = backend.require_fake()
    faults = fake.realtime.faults
    before = faults.stats.upgrades_refused + faults.stats.joins_refused  # counters outlive resets
    raw = await RawSocket.connect(backend)
    try:
        faults.set_join_rate_limit(1, window_seconds=1.0)
        await raw.join("realtime:first-join", backend.anon_key)  # uses up the tenant's joins/s
        t = time.monotonic()
        live = await start_feed(await backend.signed_in(team.alice), team.a, wait_live=False)
        await live.rec.wait_live(timeout=15)
    finally:
        await raw.close()
    refused = faults.stats.upgrades_refused + faults.stats.joins_refused - before
    assert refused >= 1 and live.feed.sessions >= 2
    assert any("429" in p or "ClientJoinRateLimitReached" in p for p in live.rec.problems()), live.rec.states
    assert time.monotonic() - t >= 0.15
    faults.set_join_rate_limit(None)
    await survives(live, backend, team.a, "after the join limit")


def test_backoff_doubles_with_jitter_and_honours_rate_limits():
    import random

    from track_tui.sync.live import LiveFeed
    from track_tui.sync.live_hints import SessionEnded

    async def nothing(*a):
        return None

    feed = LiveFeed(None, "W", ["contacts"], on_rows=nothing, on_fetch=nothing, on_subscribed=nothing,  # type: ignore
                    on_state=lambda s, p: None, initial_backoff=1.0, max_backoff=8.0, rate_limited_backoff=30.0,
                    rng=random.Random(7))
    plain, limited = SessionEnded("x"), SessionEnded("ChannelRateLimitReached", rate_limited=True)
    for failures, top in [(1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0), (9, 8.0)]:
        draws = [feed._backoff(failures, plain) for _ in range(200)]
        assert all(top / 2 <= d <= top for d in draws)
        assert len({round(d, 6) for d in draws}) > 150  # jittered, not in step
    assert all(15.0 <= feed._backoff(1, limited) <= 30.0 for _ in range(50))


def test_channel_end_reads_the_server_s_reason():
    from track_tui.sync.live_hints import channel_ended

    refused = channel_ended("CHANNEL_ERROR", Exception(json.dumps(
        {"reason": "ClientJoinRateLimitReached: Too many joins per second"})))
    assert refused.problem == "ClientJoinRateLimitReached: Too many joins per second" and refused.rate_limited
    shut = channel_ended("CHANNEL_ERROR", Exception(json.dumps(
        {"extension": "system", "status": "error", "message": "Too many messages per second", "channel": "x"})))
    assert shut.problem == "Too many messages per second" and not shut.rate_limited
    closed = channel_ended("CLOSED", None)
    assert closed.problem == "realtime channel closed" and not closed.rate_limited
    plain = channel_ended("CHANNEL_ERROR", ConnectionResetError("connection reset\nby peer"))
    assert plain.problem == "connection reset by peer"


# -- tokens, slow joins, an engine that falls behind ------------------------------------------------
async def test_a_channel_shut_for_an_expired_token_rejoins_with_a_fresh_one(backend, team, start_feed):
    fake = backend.require_fake()
    saved = fake.auth.jwt_expiry
    fake.auth.jwt_expiry = 3  # the server shuts the channel at `exp`
    try:
        alice = await backend.signed_in(team.alice)
        live = await start_feed(alice, team.a)
        first = (await alice.auth.get_session()).access_token
        await live.rec.wait(lambda: any("Token has expired" in p for p in live.rec.problems()),
                            "the channel shut at expiry", timeout=10)
        await live.rec.wait_live(count=2)
        topic = f"realtime:{live.feed.topic}"
        tokens = {s.channels[topic].token for s in list(fake.realtime.sockets) if topic in s.channels}
        assert tokens and first not in tokens  # rejoined with the refreshed token
    finally:
        fake.auth.jwt_expiry = saved
    await survives(live, backend, team.a, "after the expiry")


async def test_a_join_with_no_answer_is_given_up_after_join_timeout(backend, team, start_feed):
    fake = backend.require_fake()
    fake.faults.set_realtime_latency(1.5)  # every frame the server sends, the join reply included
    live = await start_feed(await backend.signed_in(team.alice), team.a, wait_live=False, join_timeout=0.5)
    await live.rec.wait(lambda: any("no answer to the realtime join" in p for p in live.rec.problems()),
                        "the join to be given up")
    fake.faults.set_realtime_latency(0)
    await live.rec.wait_live(timeout=15)
    await survives(live, backend, team.a, "after the slow joins")


async def test_an_engine_far_behind_gets_a_catch_up_instead_of_an_endless_queue(backend, team, start_feed):
    release = asyncio.Event()
    live = await start_feed(await backend.signed_in(team.alice), team.a, max_pending_hints=2)
    slow_rows = live.rec.on_rows

    async def blocked(table, records):
        await release.wait()
        await slow_rows(table, records)

    live.feed._on_rows = blocked
    catch_ups = len(live.rec.catch_ups)
    for i in range(6):  # separate transactions: the first blocks the engine, the rest pile up
        insert_contact(backend, team.a, f"pile {i}")
    await live.rec.wait(lambda: len(live.rec.catch_ups) > catch_ups, "a catch-up once the queue is full")
    release.set()
    await survives(live, backend, team.a, "after catching up")


def test_a_429_upgrade_counts_as_rate_limited():
    from track_tui.sync.live_hints import refused_for_rate

    class Response:
        status_code = 429

    class Refused(Exception):
        response = Response()

    assert refused_for_rate(Refused("server rejected WebSocket connection: HTTP 429"))
    assert not refused_for_rate(ConnectionRefusedError("connect call failed"))


def test_a_server_reason_with_terminal_escapes_is_made_safe():
    from track_tui.sync.live_hints import channel_ended

    hostile = channel_ended("CHANNEL_ERROR", Exception(json.dumps({"reason": "Bad\u001b[2J\u001b]0;pwned\u0007 news"})))
    assert "\u001b" not in hostile.problem and "\u0007" not in hostile.problem
    assert hostile.problem.startswith("Bad") and hostile.problem.endswith("news")


async def test_a_server_that_never_announces_the_database_subscription_goes_live_after_the_grace(
        backend, team, start_feed):
    fake = backend.require_fake()
    fake.realtime.faults.set_subscribe_delay(3.0)  # "Subscribed to PostgreSQL" only after 3 s
    t0 = time.monotonic()
    live = await start_feed(await backend.signed_in(team.alice), team.a, wait_live=False, subscribe_grace=0.4)
    await live.rec.wait_live()
    live_at = next(at for s, _, at in live.rec.states if s == "live")
    assert 0.35 <= live_at - t0 < 2.5  # after the grace, not after the announcement
    assert catch_up_after(live, live_at - 0.01)
    # When the announcement does come, the catch-up runs once more (changes before it were lost).
    await live.rec.wait(lambda: catch_up_after(live, t0 + 2.9), "the catch-up after the late announcement")
    await survives(live, backend, team.a, "after the late announcement")

"""Realtime's ways of losing events, its quotas and its disconnects, as the real clients see them.

Each test switches a control of ``fake.realtime.faults`` (:mod:`tests.fake_supabase.realtime_faults`)
and watches the supabase-py client (and, where the client hides the wire, a plain websockets
client speaking Phoenix v1). Limits and delays are set small so each test takes well under a
second, except the one that waits for realtime-py's own one-second rejoin.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid

import httpx
import pytest
import websockets
from websockets.protocol import State

from tests.fake_supabase.realtime_faults import JOIN_ERRORS, REALTIME_FAULTS, RealtimeFaults
from tests.sync_contract.test_realtime_contract import SUBSCRIBED_TO_PG, Sub, is_change

pytestmark = pytest.mark.sync

DISCONNECT = "Server requested disconnect"


async def until(pred, timeout: float = 10.0, what: str = "") -> None:
    """Wait for a condition on the server side (polled; the inbox has no event for it)."""
    deadline = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or pred}")
        await asyncio.sleep(0.01)


def names(sub: Sub) -> list[str]:
    return [i["data"]["record"].get("name") for i in sub.changes.items if i["data"].get("record")]


def subscribed_count(sub: Sub) -> int:
    return sum(i["message"] == SUBSCRIBED_TO_PG for i in sub.system.items)


class RawSocket:
    """A plain Phoenix v1 client: sees every frame the server sends (and every one it does not)."""

    def __init__(self, ws) -> None:
        self.ws = ws
        self.ref = 0

    @classmethod
    async def connect(cls, backend) -> "RawSocket":
        url = backend.url.replace("http://", "ws://") + f"/realtime/v1/websocket?apikey={backend.anon_key}&vsn=1.0.0"
        return cls(await websockets.connect(url, ping_interval=None, close_timeout=0.5))

    async def push(self, topic: str, event: str, payload: dict) -> str:
        self.ref += 1
        await self.ws.send(json.dumps({"topic": topic, "event": event, "payload": payload, "ref": str(self.ref),
                                       "join_ref": str(self.ref) if event == "phx_join" else None}))
        return str(self.ref)

    async def recv(self, timeout: float = 5.0) -> dict:
        return json.loads(await asyncio.wait_for(self.ws.recv(), timeout))

    async def join(self, topic: str, token: str, bindings: list[dict] | None = None) -> dict:
        ref = await self.push(topic, "phx_join", {"config": {"postgres_changes": bindings or []}, "access_token": token})
        while True:
            frame = await self.recv()
            if frame["event"] == "phx_reply" and frame["ref"] == ref:
                return frame

    async def close(self) -> None:
        await self.ws.close()


async def access_token(client) -> str:
    return (await client.auth.get_session()).access_token


async def insert_contacts(client, workspace: str, *names_: str) -> None:
    for n in names_:
        await client.table("contacts").insert({"workspace_id": workspace, "name": n}).execute()


# -- loss while connected -------------------------------------------------------------------------
async def test_drop_next_loses_exactly_that_many_events(backend, team, inbox_factory):
    fake = backend.require_fake()
    alice = await backend.signed_in(team.alice)
    bob = await backend.signed_in(team.bob)
    sub = await Sub(inbox_factory).open(alice, f"drop:{team.a}", [
        {"table": "contacts", "event": "INSERT", "filter": f"workspace_id=eq.{team.a}"}])
    dropped = fake.realtime.faults.stats.dropped
    assert fake.realtime.faults.drop_next(2) == {"pending_drops": 2}
    await insert_contacts(bob, team.a, "D0", "D1", "D2", "D3")
    await sub.wait(is_change("contacts", "INSERT", name="D3"), "the fourth insert")
    assert names(sub) == ["D2", "D3"]
    assert fake.realtime.faults.stats.dropped - dropped == 2
    assert "CHANNEL_ERROR" not in sub.changes.states  # nothing tells the client


async def test_events_per_second_limit_skips_whole_batches_then_recovers(backend, team, inbox_factory):
    fake = backend.require_fake()
    faults = fake.realtime.faults
    alice = await backend.signed_in(team.alice)
    sub = await Sub(inbox_factory).open(alice, f"rate:{team.a}", [
        {"table": "contacts", "event": "INSERT", "filter": f"workspace_id=eq.{team.a}"}])
    faults.rate_limit(3, close_channels=False, window_seconds=0.5)
    # One transaction, one poll: the limit is checked before a batch, so all four are sent ...
    backend.sql("insert into public.contacts (workspace_id, name) select %s, 'R' || g from generate_series(1, 4) g",
                (team.a,))
    await sub.changes.wait_for(lambda items: len(items) >= 4, what="the first batch")
    # ... and the next batch, polled while the rate is over the limit, is skipped, not queued.
    assert faults.events_limited()
    await insert_contacts(alice, team.a, "skipped")
    await until(lambda: faults.stats.rate_limited > 0, what="a skipped batch")
    await until(lambda: not faults.events_limited(), what="the window to pass")
    await insert_contacts(alice, team.a, "after the window")
    await sub.wait(is_change("contacts", "INSERT", name="after the window"), "the insert after the window")
    assert names(sub) == ["R1", "R2", "R3", "R4", "after the window"]  # commit order: "skipped" would be before
    assert "CHANNEL_ERROR" not in sub.changes.states


async def test_events_per_second_limit_can_shut_the_channel(backend, team, inbox_factory):
    fake = backend.require_fake()
    alice = await backend.signed_in(team.alice)
    errors: list[str] = []
    sub = Sub(inbox_factory)
    ch = alice.channel(f"rate-close:{team.a}")
    ch.on_postgres_changes("INSERT", sub.changes, table="contacts", filter=f"workspace_id=eq.{team.a}")
    ch.on_system(lambda p: sub.system(dict(p)))

    def on_state(state, err=None):
        sub.changes.on_state(state, err)
        if err is not None:
            errors.append(str(err))

    await ch.subscribe(on_state)
    await sub.system.wait_for(lambda items: subscribed_count(sub) >= 1, what="Subscribed to PostgreSQL")
    fake.realtime.faults.rate_limit(3, close_channels=True)  # 3 events within 1 s
    backend.sql("insert into public.contacts (workspace_id, name) select %s, 'C' || g from generate_series(1, 5) g",
                (team.a,))
    await sub.changes.wait_state("CLOSED")
    assert any(json.loads(e).get("message") == "Too many messages per second" for e in errors), errors
    assert sub.changes.states[-2:] == ["CHANNEL_ERROR", "CLOSED"]
    assert 1 <= len(sub.changes.items) < 5


async def test_change_capture_restart_loses_the_gap_and_resubscribes(backend, team, inbox_factory):
    fake = backend.require_fake()
    alice = await backend.signed_in(team.alice)
    bob = await backend.signed_in(team.bob)
    sub = await Sub(inbox_factory).open(alice, f"cdc:{team.a}", [
        {"table": "contacts", "event": "INSERT", "filter": f"workspace_id=eq.{team.a}"}])
    await insert_contacts(bob, team.a, "before")
    await sub.wait(is_change("contacts", "INSERT", name="before"), "insert before the restart")
    assert fake.realtime.faults.cdc_restart(0.3) == {"gap_seconds": 0.3}
    await insert_contacts(bob, team.a, "lost in the gap")
    await sub.system.wait_for(lambda items: subscribed_count(sub) >= 2, what="Subscribed to PostgreSQL again")
    await insert_contacts(bob, team.a, "after")
    await sub.wait(is_change("contacts", "INSERT", name="after"), "insert after the restart")
    assert names(sub) == ["before", "after"]
    assert sub.changes.states == ["SUBSCRIBED"]  # the channel itself never noticed


async def test_changes_before_subscribed_to_postgresql_are_lost(backend, team, inbox_factory):
    fake = backend.require_fake()
    fake.realtime.faults.set_subscribe_delay(0.4)
    alice = await backend.signed_in(team.alice)
    bob = await backend.signed_in(team.bob)
    sub = Sub(inbox_factory)
    ch = alice.channel(f"window:{team.a}")
    ch.on_postgres_changes("INSERT", sub.changes, table="contacts", filter=f"workspace_id=eq.{team.a}")
    ch.on_system(lambda p: sub.system(dict(p)))
    t0 = time.monotonic()
    await ch.subscribe(sub.changes.on_state)
    assert sub.changes.states == ["SUBSCRIBED"]  # the join is acknowledged at once ...
    joined = time.monotonic() - t0
    await insert_contacts(bob, team.a, "too early")
    assert not sub.system.items
    await sub.system.wait_for(lambda items: subscribed_count(sub) >= 1, what="Subscribed to PostgreSQL")
    assert time.monotonic() - t0 >= 0.35 > joined  # ... the database subscription only later
    await insert_contacts(bob, team.a, "in time")
    await sub.wait(is_change("contacts", "INSERT", name="in time"), "insert after Subscribed")
    assert names(sub) == ["in time"]


# -- connections that die quietly, or are told to go ----------------------------------------------
async def test_frozen_socket_is_silent_until_it_is_cut(backend, team, inbox_factory):
    fake = backend.require_fake()
    alice = await backend.signed_in(team.alice)
    bob = await backend.signed_in(team.bob)
    sub = await Sub(inbox_factory).open(alice, f"frozen:{team.a}", [
        {"table": "contacts", "event": "INSERT", "filter": f"workspace_id=eq.{team.a}"}])
    assert fake.realtime.faults.freeze_websockets()["frozen"] >= 1
    await insert_contacts(bob, team.a, "while frozen")
    ws = alice.realtime._ws_connection
    pong = await ws.ping()
    with pytest.raises(asyncio.TimeoutError):
        await asyncio.wait_for(asyncio.shield(pong), 0.5)  # no pong: only the keepalive timeout can tell
    assert ws.state is State.OPEN and sub.changes.states == ["SUBSCRIBED"] and not sub.changes.items
    # The way out is the client's (or its supervisor's): here the network finally cuts it.
    assert await fake.drop_websockets() >= 1
    await sub.changes.wait_state("SUBSCRIBED", count=2)
    await sub.system.wait_for(lambda items: subscribed_count(sub) >= 2, what="second Subscribed to PostgreSQL")
    await insert_contacts(bob, team.a, "after the cut")
    await sub.wait(is_change("contacts", "INSERT", name="after the cut"), "insert after reconnecting")
    assert names(sub) == ["after the cut"]


async def test_frozen_socket_answers_no_heartbeat_and_no_close(backend, team):
    fake = backend.require_fake()
    raw = await RawSocket.connect(backend)
    try:
        assert (await raw.join("realtime:raw-frozen", backend.anon_key))["payload"]["status"] == "ok"
        fake.realtime.faults.freeze_websockets()
        await raw.push("phoenix", "heartbeat", {})
        with pytest.raises(asyncio.TimeoutError):
            await raw.recv(timeout=0.3)
        await raw.close()  # the close handshake times out: no close frame ever comes back
        assert raw.ws.close_code == 1006
    finally:
        await fake.drop_websockets()


async def test_idle_socket_is_closed_by_the_server(backend, team, inbox_factory):
    fake = backend.require_fake()
    fake.realtime.faults.set_idle_timeout(0.5)
    t0 = time.monotonic()
    quiet, chatty = await RawSocket.connect(backend), await RawSocket.connect(backend)

    async def keep_talking() -> None:  # a client that keeps sending frames stays connected
        while True:
            await chatty.push("phoenix", "heartbeat", {})
            assert (await chatty.recv())["payload"]["status"] == "ok"
            await asyncio.sleep(0.05)

    talking = asyncio.create_task(keep_talking())
    try:
        await asyncio.wait_for(quiet.ws.wait_closed(), 5)
        assert time.monotonic() - t0 >= 0.45  # closed for its silence, not at once
        assert quiet.ws.close_code == 1000  # cowboy's idle timeout: a normal close
        await asyncio.sleep(0.6)  # longer than the idle timeout: only talking kept chatty open
        assert not talking.done(), talking
        assert chatty.ws.state is State.OPEN
    finally:
        talking.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await talking
        await quiet.close()
        await chatty.close()
    # realtime-py heartbeats every 15 s at the earliest, so it is closed too, and comes back.
    alice = await backend.signed_in(team.alice)
    sub = await Sub(inbox_factory).open(alice, f"idle:{team.a}", [{"table": "contacts", "event": "INSERT"}])
    await sub.changes.wait_state("SUBSCRIBED", count=2)
    fake.realtime.faults.set_idle_timeout(60)
    assert "CHANNEL_ERROR" in sub.changes.states


async def test_drain_sends_server_requested_disconnect_then_closes_1001(backend, team):
    fake = backend.require_fake()
    raw = await RawSocket.connect(backend)
    try:
        await raw.join("realtime:raw-a", backend.anon_key)
        await raw.join("realtime:raw-b", backend.anon_key)
        assert fake.realtime.faults.drain_websockets()["draining"] >= 1
        frames = [await raw.recv(), await raw.recv()]
        assert sorted(f["topic"] for f in frames) == ["realtime:raw-a", "realtime:raw-b"]
        for f in frames:
            assert f["event"] == "system" and f["ref"] is None
            assert f["payload"] == {"extension": "system", "status": "ok", "message": DISCONNECT}  # no "channel"
        await asyncio.wait_for(raw.ws.wait_closed(), 2)
        assert raw.ws.close_code == 1001
    finally:
        await raw.close()


@pytest.mark.parametrize("code", [1001, 1012])
async def test_client_rejoins_after_a_drain(backend, team, inbox_factory, code):
    fake = backend.require_fake()
    alice = await backend.signed_in(team.alice)
    bob = await backend.signed_in(team.bob)
    sub = await Sub(inbox_factory).open(alice, f"drain:{team.a}", [
        {"table": "contacts", "event": "INSERT", "filter": f"workspace_id=eq.{team.a}"}])
    fake.realtime.faults.drain_websockets(code)
    await sub.changes.wait_state("CHANNEL_ERROR")
    await sub.changes.wait_state("SUBSCRIBED", count=2)
    await sub.system.wait_for(lambda items: subscribed_count(sub) >= 2, what="second Subscribed to PostgreSQL")
    # realtime-py's message model needs a "channel" key, so the notice itself never reaches on_system.
    assert not [i for i in sub.system.items if i["message"] == DISCONNECT]
    await insert_contacts(bob, team.a, "after the drain")
    await sub.wait(is_change("contacts", "INSERT", name="after the drain"), "insert after the drain")


# -- quotas and transient join errors ---------------------------------------------------------------
async def test_channels_per_connection_limit(backend, team, inbox_factory):
    fake = backend.require_fake()
    fake.realtime.faults.set_channel_limit(2)
    alice = await backend.signed_in(team.alice)
    first = await Sub(inbox_factory).open(alice, "limit-1", [{"table": "contacts"}])
    await Sub(inbox_factory).open(alice, "limit-2", [{"table": "contacts"}])
    errors: list = []
    third = alice.channel("limit-3")
    third.on_postgres_changes("*", lambda p: None, table="contacts")
    await third.subscribe(lambda state, err=None: errors.append((str(state.value), str(err))))
    assert errors == [("CHANNEL_ERROR", json.dumps({"reason": "ChannelRateLimitReached: Too many channels"}))]
    # realtime-py retries that one only after 30 s; leaving a channel makes room at once.
    await first.channel.unsubscribe()
    await first.changes.wait_state("CLOSED")
    await Sub(inbox_factory).open(alice, "limit-4", [{"table": "contacts"}])


async def test_joins_per_second_limit_refuses_the_join_disconnects_and_refuses_upgrades(backend, team, inbox_factory):
    fake = backend.require_fake()
    faults = fake.realtime.faults
    alice = await backend.signed_in(team.alice, realtime={"initial_backoff": 0.05, "max_retries": 50})
    faults.set_join_rate_limit(1)  # one join within a second reaches the limit
    first = await Sub(inbox_factory).open(alice, f"joins-1:{team.a}", [{"table": "contacts"}])
    async with httpx.AsyncClient() as http:
        r = await http.get(f"{backend.url}/realtime/v1/websocket", params={"apikey": backend.anon_key, "vsn": "1.0.0"})
    assert (r.status_code, r.json()) == (429, {"error": "Too many joins per second"})
    refused_upgrades = faults.stats.upgrades_refused
    errors: list = []
    second = alice.channel(f"joins-2:{team.a}")
    second.on_postgres_changes("*", lambda p: None, table="contacts")
    await second.subscribe(lambda state, err=None: errors.append((str(state.value), str(err))))
    assert errors[0] == ("CHANNEL_ERROR", json.dumps({"reason": "ClientJoinRateLimitReached: Too many joins per second"}))
    await first.changes.wait_state("CHANNEL_ERROR")  # ... and the socket was closed under both channels
    await until(lambda: faults.stats.upgrades_refused > refused_upgrades, what="a refused reconnect")
    faults.set_join_rate_limit(None)
    await first.changes.wait_state("SUBSCRIBED", count=2)
    await until(lambda: second.is_joined, what="the refused channel to join on reconnect")


async def test_transient_join_error_then_realtime_py_rejoins(backend, team, inbox_factory):
    fake = backend.require_fake()
    fake.realtime.faults.fail_next_join(1, "RealtimeRestarting")
    alice = await backend.signed_in(team.alice)
    sub = Sub(inbox_factory)
    errors: list = []
    ch = alice.channel(f"restarting:{team.a}")
    ch.on_postgres_changes("INSERT", sub.changes, table="contacts", filter=f"workspace_id=eq.{team.a}")
    ch.on_system(lambda p: sub.system(dict(p)))
    await ch.subscribe(lambda state, err=None: (errors.append(str(err)), sub.changes.on_state(state, err)))
    assert sub.changes.states == ["CHANNEL_ERROR"]
    assert json.loads(errors[0]) == {"reason": "RealtimeRestarting: Realtime is restarting, please standby"}
    await sub.changes.wait_state("SUBSCRIBED", timeout=5)  # realtime-py's first rejoin comes after 1 s
    await sub.system.wait_for(lambda items: subscribed_count(sub) >= 1, what="Subscribed to PostgreSQL")
    await insert_contacts(alice, team.a, "after rejoin")
    await sub.wait(is_change("contacts", "INSERT", name="after rejoin"), "insert after the rejoin")


@pytest.mark.parametrize("code", ["InitializingProjectConnection", "UnableToConnectToProject", "TimeoutOnRpcCall"])
async def test_join_error_reasons_are_the_real_ones(backend, team, code):
    fake = backend.require_fake()
    fake.realtime.faults.fail_next_join(1, code)
    raw = await RawSocket.connect(backend)
    try:
        reply = await raw.join("realtime:reasons", backend.anon_key)
        assert reply["payload"] == {"status": "error", "response": {"reason": JOIN_ERRORS[code]}}
        assert JOIN_ERRORS[code].startswith(code + ": ")
        assert (await raw.join("realtime:reasons", backend.anon_key))["payload"]["status"] == "ok"
    finally:
        await raw.close()


# -- the controls themselves ---------------------------------------------------------------------
def test_registry_names_every_control_and_they_refuse_bad_arguments():
    faults = RealtimeFaults(service=None)  # type: ignore[arg-type]  (state-only controls need no service)
    assert set(REALTIME_FAULTS) == {"drop_next", "rate_limit", "cdc_restart", "subscribe_delay", "freeze_websockets",
                                    "idle_timeout", "drain_websockets", "channel_limit", "join_rate_limit",
                                    "fail_next_join", "max_record_bytes"}
    assert all(fn.__doc__ for fn in REALTIME_FAULTS.values())
    assert REALTIME_FAULTS["drop_next"](faults, n=3) == {"pending_drops": 3}
    assert REALTIME_FAULTS["fail_next_join"](faults, n=2, reason="InitializingProjectConnection") == {
        "pending_join_failures": 2}
    status = faults.status()
    assert json.loads(json.dumps(status)) == status and status["pending_drops"] == 3
    for name, kwargs in [("drop_next", {"n": 0}), ("drop_next", {"n": "2"}), ("drop_next", {"n": True}),
                         ("idle_timeout", {"seconds": -1}), ("idle_timeout", {"seconds": 0}),
                         ("subscribe_delay", {"seconds": float("nan")}), ("drain_websockets", {"code": 999}),
                         ("drain_websockets", {"code": 5000}), ("fail_next_join", {"n": 1, "reason": " "}),
                         ("rate_limit", {"events_per_second": 0}), ("rate_limit", {"events_per_second": 5,
                                                                                    "window_seconds": 0}),
                         ("channel_limit", {"channels_per_connection": 0}), ("cdc_restart", {"gap_seconds": -2})]:
        with pytest.raises(ValueError, match="must be"):
            REALTIME_FAULTS[name](faults, **kwargs)
    assert faults.clear() == {"cleared": True}
    assert faults.status()["pending_drops"] == 0 and faults.limits.idle_timeout == 60.0


def test_controls_register_with_a_fault_registry():
    class Registry:  # the interface of the server's control registry
        def __init__(self):
            self.faults, self.state, self.resets = {}, {}, []

        def register(self, name, fn):
            self.faults[name] = fn

        def add_state(self, name, describe):
            self.state[name] = describe

        def on_reset(self, undo):
            self.resets.append(undo)

    faults, registry = RealtimeFaults(service=None), Registry()  # type: ignore[arg-type]
    assert sorted(faults.register_with(registry)) == sorted(REALTIME_FAULTS) == sorted(registry.faults)
    registry.faults["idle_timeout"](seconds=0.5)
    assert registry.state["realtime"]()["limits"]["idle_timeout"] == 0.5
    registry.resets[0]()
    assert faults.limits.idle_timeout == 60.0


async def test_controls_work_from_the_server_s_own_event_loop(backend, team, inbox_factory):
    """As a control endpoint's request handler would call them (the other tests call from their own thread)."""
    fake = backend.require_fake()
    alice = await backend.signed_in(team.alice)
    sub = await Sub(inbox_factory).open(alice, f"loop:{team.a}", [
        {"table": "contacts", "event": "INSERT", "filter": f"workspace_id=eq.{team.a}"}])

    async def from_a_handler():
        return REALTIME_FAULTS["cdc_restart"](fake.realtime.faults, gap_seconds=0.05)

    assert await fake.acall(from_a_handler()) == {"gap_seconds": 0.05}
    await sub.system.wait_for(lambda items: subscribed_count(sub) >= 2, what="Subscribed to PostgreSQL again")
    cid = str(uuid.uuid4())
    await alice.table("contacts").insert({"id": cid, "workspace_id": team.a, "name": "from the loop"}).execute()
    await sub.wait(is_change("contacts", "INSERT", id=cid), "insert after a restart from the loop")


async def test_realtime_controls_are_on_the_control_endpoint_and_reset_with_the_rest(backend):
    fake = backend.require_fake()
    url = f"{backend.url}/__faults"
    async with httpx.AsyncClient() as http:
        listing = (await http.get(url)).json()
        assert set(REALTIME_FAULTS) <= set(listing["faults"])
        assert listing["faults"]["drop_next"]["doc"].startswith("Never send the next")
        r = await http.post(url, json={"fault": "drop_next", "args": {"n": 2}})
        assert (r.status_code, r.json()["result"]) == (200, {"pending_drops": 2})
        r = await http.post(url, json={"fault": "idle_timeout", "args": {"seconds": -1}})
        assert r.status_code == 400 and "seconds must be a number of seconds >= 0" in r.json()["error"]
        assert (await http.get(url)).json()["active"]["realtime"]["pending_drops"] == 2
        assert (await http.post(url, json={"fault": "reset"})).status_code == 200
    assert fake.realtime.faults.status()["pending_drops"] == 0


# -- keys ------------------------------------------------------------------------------------------
async def test_a_publishable_key_opens_realtime_and_a_key_never_issued_does_not(backend, team, inbox_factory):
    fake = backend.require_fake()
    client = await backend.client(fake.server.publishable_key)
    await client.auth.sign_in_with_password({"email": team.alice.email, "password": team.alice.password})
    sub = await Sub(inbox_factory).open(client, f"sb-key:{team.a}", [
        {"table": "contacts", "event": "INSERT", "filter": f"workspace_id=eq.{team.a}"}])
    await insert_contacts(client, team.a, "through sb key")
    await sub.wait(is_change("contacts", "INSERT", name="through sb key"), "insert seen with a publishable key")
    forged = fake.server.issuer.sign({"iss": "supabase", "role": "anon", "iat": int(time.time()),
                                      "exp": int(time.time()) + 3600})  # signed right, but never issued
    base = backend.url.replace("http://", "ws://") + "/realtime/v1/websocket?vsn=1.0.0&apikey="
    for key in (forged, "sb_publishable_" + "x" * 30):
        with pytest.raises(websockets.InvalidStatus) as refused:
            await websockets.connect(base + key)
        assert refused.value.response.status_code == 401

"""LiveFeed against the local double: hints become on_rows / on_fetch / on_subscribed calls.

Rows are written by plain SQL (the web app, another client) and by a second signed-in user;
the feed runs the real supabase-py realtime client over loopback.
"""

from __future__ import annotations

import asyncio
import base64
import os
import uuid

import pytest

from realtime.types import RealtimePostgresChangesListenEvent

from track_tui.sync.live import LiveFeed
from track_tui.sync.live_hints import HintBatch, classify

pytestmark = pytest.mark.sync


def _incompressible(n_bytes: int) -> str:
    return base64.b64encode(os.urandom(n_bytes)).decode()


def insert_contact(backend, workspace: str, name: str, **extra) -> str:
    cid = str(uuid.uuid4())
    cols = ["id", "workspace_id", "name", *extra]
    backend.sql(f"insert into public.contacts ({', '.join(cols)}) values ({', '.join(['%s'] * len(cols))})",
                (cid, workspace, name, *extra.values()))
    return cid


# -- classify: what one payload asks for (pure) ---------------------------------------------------
def _payload(kind: str, record: dict | None, columns: list[str], errors=None) -> dict:
    data = {"schema": "public", "table": "contacts", "type": RealtimePostgresChangesListenEvent(kind), "errors": errors,
            "columns": [{"name": c, "type": "text"} for c in columns]}
    if record is not None:
        data["record"] = record
    if kind == "DELETE":
        data["old_record"] = {"id": "x"}
    return {"ids": [1], "data": data}


def test_classify_complete_incomplete_truncated_and_delete():
    full = {"id": "r1", "name": "A", "notes": "n"}
    assert classify(_payload("INSERT", full, ["id", "name", "notes"])) == ("rows", "r1", full)
    assert classify(_payload("UPDATE", {"id": "r1", "name": "A"}, ["id", "name", "notes"])) == ("fetch", "r1", None)
    assert classify(_payload("UPDATE", {"id": "r1"}, ["id"], errors=["Error 413: Payload Too Large"])) == (
        "fetch", "r1", None)
    assert classify(_payload("DELETE", None, ["id"])) == ("ignore", None, None)
    assert classify(_payload("INSERT", {"name": "no id"}, ["name"])) == ("catch_up", None, None)
    assert classify({"data": "nonsense"}) == ("ignore", None, None)
    assert classify({}) == ("ignore", None, None)
    # A server that sends no column list: the record is taken as it is.
    no_columns = _payload("UPDATE", {"id": "r2", "name": "B"}, [])
    del no_columns["data"]["columns"]
    assert classify(no_columns) == ("rows", "r2", {"id": "r2", "name": "B"})


def test_a_batch_keeps_the_latest_hint_per_row():
    batch = HintBatch()
    batch.add("rows", "a", {"id": "a", "name": "first"})
    batch.add("rows", "b", {"id": "b"})
    batch.add("rows", "a", {"id": "a", "name": "second"})  # the later record replaces the earlier
    batch.add("fetch", "b", None)  # then incomplete: fetch it, do not apply the older record
    batch.add("fetch", "c", None)
    batch.add("rows", "c", {"id": "c"})  # a complete record after a fetch hint: apply it
    assert batch.rows == {"a": {"id": "a", "name": "second"}, "c": {"id": "c"}}
    assert list(batch.fetch) == ["b"]


def test_filters_scope_every_table_to_the_workspace():
    feed = LiveFeed(None, "W", ["contacts", "workspaces", "profiles"], on_rows=None, on_fetch=None,  # type: ignore
                    on_subscribed=None, on_state=None)  # type: ignore[arg-type]
    assert feed.filter_for("contacts") == "workspace_id=eq.W"
    assert feed.filter_for("workspaces") == "id=eq.W"
    assert feed.filter_for("profiles") is None  # no workspace column: RLS scopes it
    with pytest.raises(ValueError, match="silence_timeout"):
        LiveFeed(None, "W", [], on_rows=None, on_fetch=None, on_subscribed=None,  # type: ignore[arg-type]
                 on_state=None, silence_timeout=0)  # type: ignore[arg-type]


# -- against the double ---------------------------------------------------------------------------
async def test_sql_writes_arrive_as_complete_rows_batched_per_table(backend, team, start_feed):
    alice = await backend.signed_in(team.alice)
    live = await start_feed(alice, team.a, ["contacts", "companies"])
    assert live.rec.state_names()[:2] == ["connecting", "live"]
    assert live.rec.catch_ups, "a catch-up runs after subscribing"
    backend.sql("insert into public.contacts (workspace_id, name) select %s, 'Batch ' || g from generate_series(1, 5) g",
                (team.a,))
    await live.rec.wait(lambda: len(live.rec.records("contacts")) >= 5, "five inserts")
    assert sorted(live.rec.names()) == [f"Batch {i}" for i in range(1, 6)]
    assert len([t for t, _ in live.rec.rows if t == "contacts"]) == 1  # one call for one transaction
    record = live.rec.records("contacts")[0]
    assert {"id", "workspace_id", "name", "version", "updated_at"} <= set(record)
    # An UPDATE with a complete record, and another table in the same channel.
    cid = record["id"]
    backend.sql("update public.contacts set name = 'Renamed' where id = %s", (cid,))
    backend.sql("insert into public.companies (workspace_id, name) values (%s, 'Acme')", (team.a,))
    await live.rec.wait(lambda: "Renamed" in live.rec.names(), "the update")
    await live.rec.wait(lambda: live.rec.records("companies"), "the company insert")
    assert live.rec.records("companies")[0]["name"] == "Acme"
    assert not live.rec.fetches


async def test_another_workspace_s_rows_never_arrive(backend, team, start_feed):
    alice = await backend.signed_in(team.alice)
    live = await start_feed(alice, team.a)
    insert_contact(backend, team.b, "Carol's")
    insert_contact(backend, team.a, "Ours")
    await live.rec.wait(lambda: "Ours" in live.rec.names(), "our insert")
    assert live.rec.names() == ["Ours"]


async def test_delete_events_are_ignored(backend, team, start_feed):
    fake = backend.require_fake()
    alice = await backend.signed_in(team.alice)
    backend.sql("insert into public.profiles (id, full_name) values (%s, 'Bob') on conflict (id) do nothing",
                (team.bob.id,))
    # profiles are subscribed unfiltered, so their DELETE events do arrive (a filtered binding never
    # gets one); sync_tombstones rows (bigint ids) are ordinary rows.
    live = await start_feed(alice, team.a, ["contacts", "profiles", "sync_tombstones"])
    cid = insert_contact(backend, team.a, "Doomed")
    await live.rec.wait(lambda: "Doomed" in live.rec.names(), "the insert")
    catch_ups, delivered = len(live.rec.catch_ups), fake.realtime.delivered
    backend.sql("delete from public.contacts where id = %s", (cid,))
    await live.rec.wait(lambda: live.rec.records("sync_tombstones"), "the tombstone")
    tomb = live.rec.records("sync_tombstones")[0]
    assert tomb["row_id"] == cid and tomb["table_name"] == "contacts"
    backend.sql("delete from public.profiles where id = %s", (team.bob.id,))
    await _until(lambda: fake.realtime.delivered >= delivered + 2)  # the tombstone and the profile's DELETE
    insert_contact(backend, team.a, "After")
    await live.rec.wait(lambda: "After" in live.rec.names(), "the next insert")
    assert live.rec.names() == ["Doomed", "After"]
    assert not live.rec.fetches and not live.rec.records("profiles")
    assert len(live.rec.catch_ups) == catch_ups  # a DELETE is not even a reason to pull


async def test_update_without_its_toasted_column_is_fetched_not_applied(backend, team, start_feed):
    alice = await backend.signed_in(team.alice)
    avatar = "data:image/png;base64," + _incompressible(6000)
    await alice.table("profiles").upsert({"id": team.alice.id, "full_name": "Alice", "avatar_url": avatar}).execute()
    bob = await backend.signed_in(team.bob)
    live = await start_feed(bob, team.a, ["profiles"])
    await alice.table("profiles").update({"full_name": "Alice A."}).eq("id", team.alice.id).execute()
    await live.rec.wait(lambda: live.rec.fetched("profiles"), "a fetch request")
    assert live.rec.fetched("profiles") == [team.alice.id]
    assert not live.rec.records("profiles")  # never handed over as the whole row
    # A complete UPDATE of the same table is a row again.
    await alice.table("profiles").update({"avatar_url": "https://example.test/a.png"}).eq("id", team.alice.id).execute()
    await live.rec.wait(lambda: live.rec.records("profiles"), "the complete update")
    assert live.rec.records("profiles")[0]["avatar_url"] == "https://example.test/a.png"


async def test_truncated_record_is_fetched(backend, team, start_feed):
    fake = backend.require_fake()
    alice = await backend.signed_in(team.alice)
    live = await start_feed(alice, team.a)
    fake.realtime.faults.set_max_record_bytes(2000)
    big = insert_contact(backend, team.a, "Big " + "x" * 3000)
    small = insert_contact(backend, team.a, "Small")
    await live.rec.wait(lambda: "Small" in live.rec.names(), "the small insert")
    await live.rec.wait(lambda: big in live.rec.fetched("contacts"), "the truncated one to be fetched")
    assert [r["id"] for r in live.rec.records("contacts")] == [small]


async def test_a_refreshed_token_reaches_the_socket(backend, team, start_feed):
    fake = backend.require_fake()
    alice = await backend.signed_in(team.alice)
    live = await start_feed(alice, team.a)
    topic = f"realtime:{live.feed.topic}"

    def server_tokens() -> set[str]:
        return {s.channels[topic].token for s in list(fake.realtime.sockets) if topic in s.channels}

    old = (await alice.auth.get_session()).access_token
    assert server_tokens() == {old}
    refreshed = await alice.auth.refresh_session()  # supabase-py's auth emits TOKEN_REFRESHED
    new = refreshed.session.access_token
    assert new != old
    await live.rec.wait(lambda: server_tokens() == {new}, "the server to hold the new token", timeout=5)
    # The channel keeps delivering under the new token (the server re-ran the subscription).
    await live.rec.wait(lambda: len(live.rec.catch_ups) >= 2, "the re-announced subscription")
    insert_contact(backend, team.a, "After refresh")
    await live.rec.wait(lambda: "After refresh" in live.rec.names(), "an insert after the refresh")
    # set_auth is also callable directly (the engine refreshed a session itself).
    again = (await alice.auth.refresh_session()).session.access_token
    live.feed.set_auth(again)
    await live.rec.wait(lambda: server_tokens() == {again}, "the token passed by set_auth", timeout=5)


async def test_run_cancelled_cleanly_leaves_no_task_or_socket(backend, team, start_feed):
    fake = backend.require_fake()
    alice = await backend.signed_in(team.alice)
    before = {t for t in asyncio.all_tasks()}
    live = await start_feed(alice, team.a)
    rt = alice.realtime
    assert rt.auto_reconnect is False  # the supervisor owns reconnecting while it runs
    assert any(f"realtime:{live.feed.topic}" in s.channels for s in fake.realtime.sockets)
    await live.stop()
    assert live.task.cancelled()
    await asyncio.sleep(0)  # let cancelled callbacks settle
    left = {t for t in asyncio.all_tasks() if t not in before and not t.done()}
    assert left == set(), left
    assert rt._ws_connection is None and rt.channels == {} and rt.send_buffer == []
    assert rt.auto_reconnect is True  # as it was before run()
    await _until(lambda: not any(f"realtime:{live.feed.topic}" in s.channels for s in fake.realtime.sockets))
    # The same feed can run again.
    task = asyncio.create_task(live.feed.run())
    await live.rec.wait_live(count=2)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def _until(pred, timeout: float = 5.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not pred():
        assert loop.time() < deadline, "timed out"
        await asyncio.sleep(0.02)


def test_live_module_imports_neither_textual_nor_supabase():
    from tests.unit.test_imports import loaded_after

    loaded = loaded_after("track_tui.sync.live")
    assert not [m for m in loaded if m.split(".")[0] in ("textual", "supabase", "realtime")], loaded


async def test_every_synced_table_subscribes_and_plain_callbacks_work(backend, team):
    """The engine passes all synced tables (workspaces and profiles have no workspace_id) and
    may hand over plain functions that only queue work."""
    from track_tui.store.schema import SYNCED_TABLES

    alice = await backend.signed_in(team.alice)
    got: list[tuple[str, str, object]] = []
    states: list[str] = []
    live = asyncio.Event()

    def on_state(state, problem):
        states.append(state)
        if state == "live":
            live.set()

    feed = LiveFeed(alice, team.a, SYNCED_TABLES, on_rows=lambda t, rows: got.append(("rows", t, rows)),
                    on_fetch=lambda t, ids: got.append(("fetch", t, ids)),
                    on_subscribed=lambda: got.append(("catch-up", "", None)), on_state=on_state,
                    initial_backoff=0.05)
    task = asyncio.create_task(feed.run())
    try:
        await asyncio.wait_for(live.wait(), 10)
        assert feed.sessions == 1 and "offline" not in states  # no binding refused
        backend.sql("update public.workspaces set name = 'Renamed A' where id = %s", (team.a,))
        backend.sql("update public.workspaces set name = 'Renamed B' where id = %s", (team.b,))
        insert_contact(backend, team.a, "Plain")
        await _until(lambda: any(k == "rows" and t == "contacts" for k, t, _ in got))
        await _until(lambda: any(k == "rows" and t == "workspaces" for k, t, _ in got))
        names = [r["name"] for k, t, rows in got if k == "rows" and t == "workspaces" for r in rows]
        assert names == ["Renamed A"]  # the other workspace's rename is not ours
        assert any(k == "catch-up" for k, _, _ in got)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

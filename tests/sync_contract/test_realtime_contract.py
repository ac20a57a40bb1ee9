"""Realtime contract: ``postgres_changes`` through the realtime 2.x client, with per-subscriber RLS."""

from __future__ import annotations

import asyncio
import uuid

import pytest

pytestmark = pytest.mark.sync

SUBSCRIBED_TO_PG = "Subscribed to PostgreSQL"


class Sub:
    """One channel and what it received: changes, subscribe states and system messages."""

    def __init__(self, inbox_factory) -> None:
        self.changes = inbox_factory()
        self.system = inbox_factory()
        self.channel = None

    async def open(self, client, topic: str, bindings: list[dict]):
        ch = client.channel(topic)
        for b in bindings:
            ch.on_postgres_changes(b.get("event", "*"), self.changes, table=b["table"], filter=b.get("filter"))
        ch.on_system(lambda p: self.system(dict(p)))
        self.channel = ch
        await ch.subscribe(self.changes.on_state)
        await self.changes.wait_state("SUBSCRIBED")
        # Changes flow once Realtime has subscribed to the database (the "system" message).
        await self.system.wait_for(lambda items: any(i["message"] == SUBSCRIBED_TO_PG for i in items),
                                   what="Subscribed to PostgreSQL")
        return self

    async def wait(self, pred, what: str, timeout: float = 10.0):
        return await self.changes.wait_for(lambda items: [i for i in items if pred(i)], timeout, what)


def is_change(table: str, kind: str, **fields):
    def pred(item):
        d = item["data"]
        rec = d.get("record") or d.get("old_record") or {}
        return d["table"] == table and d["type"] == kind and all(rec.get(k) == v for k, v in fields.items())
    return pred


async def test_changes_from_another_user_and_plain_sql(backend, team, inbox_factory):
    alice = await backend.signed_in(team.alice)
    bob = await backend.signed_in(team.bob)
    sub = await Sub(inbox_factory).open(alice, f"workspace:{team.a}", [
        {"table": "contacts", "filter": f"workspace_id=eq.{team.a}"},
        {"table": "sync_tombstones", "event": "INSERT", "filter": f"workspace_id=eq.{team.a}"},
    ])
    cid = str(uuid.uuid4())
    await bob.table("contacts").insert({"id": cid, "workspace_id": team.a, "name": "Grace"}).execute()
    [ins] = await sub.wait(is_change("contacts", "INSERT", id=cid), "bob's insert")
    d = ins["data"]
    assert d["schema"] == "public" and d["record"]["name"] == "Grace" and d["record"]["version"] == 1
    assert d["commit_timestamp"].endswith("Z") and "T" in d["commit_timestamp"]
    assert {"name": "workspace_id", "type": "uuid"} in d["columns"]
    assert ins["ids"] and all(isinstance(i, int) for i in ins["ids"])
    assert "old_record" not in d

    await bob.table("contacts").update({"title": "Rear Admiral"}).eq("id", cid).execute()
    [upd] = await sub.wait(is_change("contacts", "UPDATE", id=cid), "bob's update")
    assert upd["data"]["record"]["title"] == "Rear Admiral" and upd["data"]["record"]["version"] == 2
    assert upd["data"]["old_record"]["id"] == cid

    if backend.fake is not None:
        backend.sql("update public.contacts set name = 'Grace Hopper' where id = %s", (cid,))
        [upd2] = await sub.wait(lambda i: is_change("contacts", "UPDATE", id=cid)(i)
                                and i["data"]["record"]["name"] == "Grace Hopper", "plain SQL update")
        assert upd2["data"]["record"]["version"] == 3

    # Hard delete by another user: the filtered binding gets no DELETE, the tombstone carries it.
    await bob.table("contacts").delete().eq("id", cid).execute()
    [tomb] = await sub.wait(is_change("sync_tombstones", "INSERT", row_id=cid), "tombstone")
    assert tomb["data"]["record"]["table_name"] == "contacts"
    assert not [i for i in sub.changes.items if i["data"]["type"] == "DELETE"]


async def test_changes_arrive_in_commit_order(backend, team, inbox_factory):
    alice = await backend.signed_in(team.alice)
    bob = await backend.signed_in(team.bob)
    sub = await Sub(inbox_factory).open(alice, f"order:{team.a}", [
        {"table": "contacts", "filter": f"workspace_id=eq.{team.a}"}])
    names = [f"N{i}" for i in range(8)]
    for n in names:
        await bob.table("contacts").insert({"workspace_id": team.a, "name": n}).execute()
    await sub.changes.wait_for(lambda items: len(items) >= 8, what="8 inserts")
    assert [i["data"]["record"]["name"] for i in sub.changes.items] == names


async def test_other_workspace_receives_nothing(backend, team, inbox_factory):
    alice = await backend.signed_in(team.alice)
    carol = await backend.signed_in(team.carol)
    # Carol listens to every contact change, unfiltered, and even to workspace A's filter.
    sub = await Sub(inbox_factory).open(carol, "nosy", [
        {"table": "contacts"}, {"table": "contacts", "filter": f"workspace_id=eq.{team.a}"}])
    await alice.table("contacts").insert({"workspace_id": team.a, "name": "Secret"}).execute()
    await alice.table("contacts").update({"title": "Classified"}).eq("name", "Secret").eq("workspace_id", team.a).execute()
    # Positive control, committed after Alice's changes: Carol's own insert does arrive ...
    await carol.table("contacts").insert({"workspace_id": team.b, "name": "Mine"}).execute()
    await sub.wait(is_change("contacts", "INSERT", name="Mine"), "carol's own insert")
    # ... and, changes being delivered in commit order, nothing of workspace A came before it.
    assert all(i["data"]["record"]["workspace_id"] == team.b for i in sub.changes.items)


async def test_delete_events_carry_only_the_primary_key(backend, team, inbox_factory):
    alice = await backend.signed_in(team.alice)
    unfiltered = await Sub(inbox_factory).open(alice, "deletes", [{"table": "contacts", "event": "DELETE"}])
    filtered = await Sub(inbox_factory).open(alice, "deletes-filtered", [
        {"table": "contacts", "event": "DELETE", "filter": f"workspace_id=eq.{team.a}"},
        {"table": "sync_tombstones", "event": "INSERT", "filter": f"workspace_id=eq.{team.a}"}])
    cid = str(uuid.uuid4())
    await alice.table("contacts").insert({"id": cid, "workspace_id": team.a, "name": "Doomed"}).execute()
    await alice.table("contacts").delete().eq("id", cid).execute()
    [gone] = await unfiltered.wait(is_change("contacts", "DELETE", id=cid), "DELETE")
    assert gone["data"]["old_record"] == {"id": cid}  # RLS on: primary key only
    assert "record" not in gone["data"]
    await filtered.wait(is_change("sync_tombstones", "INSERT", row_id=cid), "tombstone")
    assert not [i for i in filtered.changes.items if i["data"]["table"] == "contacts"]


async def test_rejoin_after_dropped_connection(backend, team, inbox_factory):
    fake = backend.require_fake()
    alice = await backend.signed_in(team.alice)
    bob = await backend.signed_in(team.bob)
    sub = await Sub(inbox_factory).open(alice, f"rejoin:{team.a}", [
        {"table": "contacts", "filter": f"workspace_id=eq.{team.a}"}])
    assert await fake.drop_websockets() >= 1
    await sub.changes.wait_state("CHANNEL_ERROR")
    await sub.changes.wait_state("SUBSCRIBED", count=2)
    await sub.system.wait_for(lambda items: sum(i["message"] == SUBSCRIBED_TO_PG for i in items) >= 2,
                              what="second Subscribed to PostgreSQL")
    await bob.table("contacts").insert({"workspace_id": team.a, "name": "After the storm"}).execute()
    await sub.wait(is_change("contacts", "INSERT", name="After the storm"), "insert after rejoin")


async def test_rejoin_after_server_restart(backend, team, inbox_factory):
    fake = backend.require_fake()
    alice = await backend.signed_in(team.alice)
    sub = await Sub(inbox_factory).open(alice, f"restart:{team.a}", [
        {"table": "contacts", "filter": f"workspace_id=eq.{team.a}"}])
    port = fake.port
    await fake.stop()
    await sub.changes.wait_state("CHANNEL_ERROR")
    await asyncio.wait_for(fake.start(), 10)
    assert fake.port == port
    await sub.changes.wait_state("SUBSCRIBED", count=2, timeout=20)
    await sub.system.wait_for(lambda items: sum(i["message"] == SUBSCRIBED_TO_PG for i in items) >= 2,
                              what="second Subscribed to PostgreSQL")
    await alice.table("contacts").insert({"workspace_id": team.a, "name": "Back again"}).execute()
    await sub.wait(is_change("contacts", "INSERT", name="Back again"), "insert after restart")


async def test_access_token_update_keeps_and_expired_token_ends_the_subscription(backend, team, inbox_factory):
    fake = backend.require_fake()
    alice = await backend.signed_in(team.alice)
    sub = await Sub(inbox_factory).open(alice, f"token:{team.a}", [
        {"table": "contacts", "filter": f"workspace_id=eq.{team.a}"}])
    # A refreshed session pushes its new access token to the joined channel.
    await alice.auth.refresh_session()
    await sub.system.wait_for(lambda items: sum(i["message"] == SUBSCRIBED_TO_PG for i in items) >= 2,
                              what="resubscribe after access_token")
    await alice.table("contacts").insert({"workspace_id": team.a, "name": "Fresh token"}).execute()
    await sub.wait(is_change("contacts", "INSERT", name="Fresh token"), "insert with new token")
    # An expired token shuts the channel down with a system error.
    expired = await fake.access_token_for(team.alice.id, expires_in=-5)
    await alice.realtime.set_auth(expired)
    # Realtime pushes a system error (the client reports CHANNEL_ERROR) and then phx_close.
    await sub.changes.wait_state("CHANNEL_ERROR")
    await sub.changes.wait_state("CLOSED")


async def test_join_with_expired_token_is_refused(backend, team, inbox_factory):
    fake = backend.require_fake()
    expired = await fake.access_token_for(team.alice.id, expires_in=-5)
    client = await backend.client(realtime={"max_retries": 1})
    await client.realtime.set_auth(expired)
    inbox = inbox_factory()
    ch = client.channel("expired")
    ch.on_postgres_changes("*", inbox, table="contacts")
    errors = []
    await ch.subscribe(lambda state, err: errors.append((str(state.value), str(err))))
    assert errors and errors[0][0] == "CHANNEL_ERROR"
    assert "InvalidJWTToken: Token has expired" in errors[0][1]

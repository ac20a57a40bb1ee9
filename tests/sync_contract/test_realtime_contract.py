"""Realtime contract: ``postgres_changes`` through the realtime 2.x client, with per-subscriber RLS."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import uuid

import psycopg
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


# -- what comes from the WAL ---------------------------------------------------------------------
def _incompressible(n_bytes: int) -> str:
    """Text PostgreSQL cannot compress, so it is stored out of line (TOASTed) once over ~2 KB."""
    return base64.b64encode(os.urandom(n_bytes)).decode()


async def test_one_commit_timestamp_per_transaction_in_commit_order(backend, team, inbox_factory):
    backend.require_fake()
    alice = await backend.signed_in(team.alice)
    sub = await Sub(inbox_factory).open(alice, f"tx:{team.a}", [
        {"table": "contacts", "event": "INSERT", "filter": f"workspace_id=eq.{team.a}"}])
    insert = "insert into public.contacts (workspace_id, name) values (%s, %s)"
    with psycopg.connect(backend.dsn) as early, psycopg.connect(backend.dsn) as late:
        early.execute(insert, (team.a, "began first, committed last"))
        late.execute(insert, (team.a, "B1"))
        late.execute(insert, (team.a, "B2"))
        late.commit()
        early.commit()
    await sub.changes.wait_for(lambda items: len(items) >= 3, what="3 inserts")
    got = [(i["data"]["record"]["name"], i["data"]["commit_timestamp"]) for i in sub.changes.items]
    assert [name for name, _ in got] == ["B1", "B2", "began first, committed last"]
    assert got[0][1] == got[1][1]  # one transaction, one commit time
    assert got[2][1] >= got[1][1]


async def test_a_statement_s_rows_come_before_the_rows_its_triggers_wrote(backend, team, inbox_factory):
    alice = await backend.signed_in(team.alice)
    sub = await Sub(inbox_factory).open(alice, f"wal-order:{team.a}", [
        {"table": "contacts", "event": "DELETE"},
        {"table": "sync_tombstones", "event": "INSERT", "filter": f"workspace_id=eq.{team.a}"}])
    ids = sorted(str(uuid.uuid4()) for _ in range(2))
    await alice.table("contacts").insert([{"id": i, "workspace_id": team.a, "name": "Twin"} for i in ids]).execute()
    await alice.table("contacts").delete().in_("id", ids).execute()  # one statement, two rows, two tombstones
    await sub.changes.wait_for(lambda items: len(items) >= 4, what="2 deletes and 2 tombstones")
    kinds = [(i["data"]["table"], i["data"]["type"]) for i in sub.changes.items]
    assert kinds == [("contacts", "DELETE"), ("contacts", "DELETE"),
                     ("sync_tombstones", "INSERT"), ("sync_tombstones", "INSERT")]
    stamps = {i["data"]["commit_timestamp"] for i in sub.changes.items}
    assert len(stamps) == 1


async def test_update_leaves_out_an_unchanged_toasted_column_unless_replica_identity_full(backend, team, inbox_factory):
    backend.require_fake()
    alice = await backend.signed_in(team.alice)
    bob = await backend.signed_in(team.bob)
    avatar = "data:image/png;base64," + _incompressible(6000)
    await alice.table("profiles").insert({"id": team.alice.id, "full_name": "Alice", "avatar_url": avatar}).execute()
    sub = await Sub(inbox_factory).open(bob, f"toast:{team.a}", [
        {"table": "profiles", "event": "UPDATE", "filter": f"id=eq.{team.alice.id}"}])
    await alice.table("profiles").update({"full_name": "Alice A."}).eq("id", team.alice.id).execute()
    [upd] = await sub.wait(lambda i: i["data"]["record"].get("full_name") == "Alice A.", "name update")
    record = upd["data"]["record"]
    assert "avatar_url" not in record  # left out, not null: never upsert this record as the whole row
    assert record["id"] == team.alice.id and record["version"] == 2
    assert {"name": "avatar_url", "type": "text"} in upd["data"]["columns"]
    assert upd["data"]["old_record"] == {"id": team.alice.id}
    await alice.table("profiles").update({"avatar_url": "https://example.test/a.png"}).eq("id", team.alice.id).execute()
    [changed] = await sub.wait(lambda i: i["data"]["record"].get("version") == 3, "avatar update")
    assert changed["data"]["record"]["avatar_url"] == "https://example.test/a.png"
    await sub.channel.unsubscribe()

    await alice.table("profiles").update({"avatar_url": avatar}).eq("id", team.alice.id).execute()
    backend.sql("alter table public.profiles replica identity full")
    try:
        full = await Sub(inbox_factory).open(bob, f"toast-full:{team.a}", [
            {"table": "profiles", "event": "UPDATE", "filter": f"id=eq.{team.alice.id}"}])
        await alice.table("profiles").update({"full_name": "Full identity"}).eq("id", team.alice.id).execute()
        [upd] = await full.wait(lambda i: i["data"]["record"].get("full_name") == "Full identity", "update under FULL")
        assert upd["data"]["record"]["avatar_url"] == avatar  # taken from the old row in the WAL
        assert upd["data"]["old_record"]["avatar_url"] == avatar and upd["data"]["old_record"]["version"] == 4
    finally:
        backend.sql("alter table public.profiles replica identity default")


async def test_a_before_trigger_that_reads_new_makes_updates_carry_big_columns(backend, team, inbox_factory):
    """What PostgreSQL writes, not a rule of Realtime: ``track_20_check_references`` reads
    ``to_jsonb(new)``, which detoasts the row, so an UPDATE of a contact carries its large
    ``custom_fields`` in full even when the update did not touch them."""
    backend.require_fake()
    alice = await backend.signed_in(team.alice)
    big = {"notes": _incompressible(6000)}
    cid = str(uuid.uuid4())
    await alice.table("contacts").insert({"id": cid, "workspace_id": team.a, "name": "Big", "custom_fields": big}).execute()
    sub = await Sub(inbox_factory).open(alice, f"toast-trigger:{team.a}", [
        {"table": "contacts", "event": "UPDATE", "filter": f"workspace_id=eq.{team.a}"}])
    await alice.table("contacts").update({"title": "Untouched fields"}).eq("id", cid).execute()
    [upd] = await sub.wait(lambda i: i["data"]["record"].get("title") == "Untouched fields", "title update")
    assert upd["data"]["record"]["custom_fields"] == big


async def test_a_record_over_one_mebibyte_arrives_truncated_and_the_socket_stays_up(backend, team, inbox_factory):
    backend.require_fake()
    alice = await backend.signed_in(team.alice)
    sub = await Sub(inbox_factory).open(alice, f"huge:{team.a}", [
        {"table": "contacts", "filter": f"workspace_id=eq.{team.a}"}])
    socket_before = alice.realtime._ws_connection
    cid = str(uuid.uuid4())
    huge = _incompressible(800_000)  # ~1.07 MB of text
    backend.sql("insert into public.contacts (id, workspace_id, name, title, custom_fields) values (%s, %s, %s, %s, %s)",
                (cid, team.a, "Huge", "t" * 80, json.dumps({"blob": huge})))
    [ins] = await sub.wait(is_change("contacts", "INSERT", id=cid), "the huge insert")
    data = ins["data"]
    assert data["errors"] == ["Error 413: Payload Too Large"]
    assert data["record"]["id"] == cid and data["record"]["name"] == "Huge" and data["record"]["version"] == 1
    assert "custom_fields" not in data["record"] and "title" not in data["record"]  # only values of <= 64 bytes
    assert {"name": "custom_fields", "type": "jsonb"} in data["columns"]
    await alice.table("contacts").insert({"workspace_id": team.a, "name": "Small after huge"}).execute()
    [small] = await sub.wait(is_change("contacts", "INSERT", name="Small after huge"), "the next insert")
    assert small["data"]["errors"] is None
    assert alice.realtime._ws_connection is socket_before
    assert "CHANNEL_ERROR" not in sub.changes.states


async def test_timestamps_are_utc_whatever_the_writer_s_time_zone(backend, team, inbox_factory):
    backend.require_fake()
    alice = await backend.signed_in(team.alice)
    sub = await Sub(inbox_factory).open(alice, f"tz:{team.a}", [
        {"table": "contacts", "event": "INSERT", "filter": f"workspace_id=eq.{team.a}"}])
    cid = str(uuid.uuid4())
    with psycopg.connect(backend.dsn, autocommit=True) as conn:
        conn.execute("set timezone to 'America/New_York'")
        conn.execute("insert into public.contacts (id, workspace_id, name) values (%s, %s, 'Zoned')", (cid, team.a))
    [ins] = await sub.wait(is_change("contacts", "INSERT", id=cid), "insert from a New York session")
    stamp = ins["data"]["record"]["updated_at"]
    assert stamp.endswith("+00:00")
    rest = (await alice.table("contacts").select("updated_at").eq("id", cid).execute()).data
    assert rest == [{"updated_at": stamp}]  # byte-identical: usable as a keyset cursor
    assert ins["data"]["commit_timestamp"].endswith("Z")

"""The test server's WAL change capture: test_decoding's output read back exactly, the slot's life.

The parser cases are test_decoding's own formats; the database cases write rows through
PostgreSQL and compare what the capture decoded with ``to_jsonb`` of the stored row, so any
quoting, NULL, array, jsonb or TOAST case the parser gets wrong shows up as a difference.
"""

from __future__ import annotations

import asyncio
import base64
import os
import shutil
import subprocess
import tempfile
from datetime import datetime, timezone

import psycopg
import pytest

from tests.fake_supabase.capture import (
    CaptureUnavailable,
    DecodeError,
    Field,
    WalCapture,
    parse_change,
    parse_commit_time,
    parse_stream,
)
from tests.support import postgres
from tests.support.postgres import fresh_database, logical_server, server, wal_level

pytestmark = pytest.mark.sync


# -- test_decoding's text format ---------------------------------------------------------------
def test_insert_with_quoting_nulls_arrays_and_bare_literals():
    line = ("table public.\"odd \"\"t\"\"\": INSERT: id[integer]:7 \"Sp ace\"[text]:'it''s '' new-tuple: x[int]:1'"
            " tags[text[]]:'{a,\"b c\"}' js[jsonb]:'{\"k\": \"v''\"}' n[numeric]:-1.50 f[double precision]:NaN"
            " ok[boolean]:true bits[bit varying]:B'101' gone[text]:null t[\"char\"]:'x'")
    c = parse_change(line)
    assert (c.schema, c.table, c.op, c.old_key, c.unchanged_toast) == ("public", 'odd "t"', "INSERT", None, ())
    assert c.new == [
        Field("id", "integer", "7"),
        Field("Sp ace", "text", "it's ' new-tuple: x[int]:1"),
        Field("tags", "text[]", '{a,"b c"}'),
        Field("js", "jsonb", '{"k": "v\'"}'),
        Field("n", "numeric", "-1.50"),
        Field("f", "double precision", "NaN"),
        Field("ok", "boolean", "true"),
        Field("bits", "bit varying", "101"),
        Field("gone", "text", None),
        Field("t", '"char"', "x"),
    ]


def test_update_with_old_key_and_an_unchanged_toast_value():
    c = parse_change("table s.t: UPDATE: old-key: id[uuid]:'a' new-tuple: id[uuid]:'b' big[text]:unchanged-toast-datum"
                     " name[text]:'n'")
    assert c.op == "UPDATE"
    assert c.old_key == [Field("id", "uuid", "a")]
    assert c.new == [Field("id", "uuid", "b"), Field("name", "text", "n")]
    assert c.unchanged_toast == ("big",)
    plain = parse_change("table s.t: UPDATE: id[uuid]:'b' name[text]:'n'")
    assert plain.old_key is None and [f.name for f in plain.new] == ["id", "name"]


def test_delete_and_truncate():
    assert parse_change("table public.t: DELETE: id[bigint]:3").old_key == [Field("id", "bigint", "3")]
    assert parse_change("table public.t: DELETE: (no-tuple-data)").old_key is None
    assert parse_change("table public.t: TRUNCATE: (no-flags)") is None


@pytest.mark.parametrize("line", [
    "table public.t INSERT: id[integer]:1",            # no ": " after the name
    "table public.t: INSERT: id[integer]:'unterminated",
    "table public.t: INSERT: id[integer:1",
    "table public.t: MERGE: id[integer]:1",
    'table "public.t: INSERT: id[integer]:1',
])
def test_malformed_lines_are_refused(line):
    with pytest.raises(DecodeError):
        parse_change(line)


def test_stream_groups_transactions_and_skips_unreadable_lines():
    rows = [
        ("0/1", 10, "BEGIN 10"),
        ("0/2", 10, "table public.t: INSERT: id[integer]:1"),
        ("0/3", 10, "table public.t: INSERT: id[integer]:'broken"),
        ("0/4", 10, "table public.t: INSERT: id[integer]:2"),
        ("0/5", 10, "COMMIT 10 (at 2026-03-04 05:06:07.891234+00)"),
        ("0/6", 11, "BEGIN 11"),
        ("0/7", 11, "message: transactional: 1 prefix: p, sz: 1 content:x"),
        ("0/8", 11, "table public.t: DELETE: id[integer]:1"),
        ("0/9", 11, "COMMIT 11 (at 2026-03-04 05:06:08+00)"),
    ]
    txs = parse_stream(rows)
    assert [t.xid for t in txs] == [10, 11]
    assert [[f.text for f in c.new] for c in txs[0].changes] == [["1"], ["2"]]
    assert txs[0].commit_time == datetime(2026, 3, 4, 5, 6, 7, 891234, tzinfo=timezone.utc)
    assert [c.op for c in txs[1].changes] == ["DELETE"]
    assert parse_commit_time("COMMIT 12") is None


# -- against PostgreSQL --------------------------------------------------------------------------
@pytest.fixture
def logical_dsn():
    with fresh_database("track_wal", pg=logical_server()) as dsn:
        yield dsn


@pytest.fixture
async def capture(logical_dsn):
    cap = WalCapture(logical_dsn)
    await cap.open()
    yield cap
    await cap.close()


def _sql(dsn: str, *statements: str, params: tuple = ()) -> None:
    with psycopg.connect(dsn) as conn:  # one transaction
        for i, stmt in enumerate(statements):
            conn.execute(stmt, params if i == len(statements) - 1 else ())


async def _poll_until(cap: WalCapture, n_changes: int, timeout: float = 10.0):
    txs = []
    async def loop():
        while sum(len(t.changes) for t in txs) < n_changes:
            txs.extend(await cap.poll())
            await asyncio.sleep(0.01)
    await asyncio.wait_for(loop(), timeout)
    return txs


TRICKY_TABLE = """
create table public."odd ""t"" name" (
    "Id" int primary key,
    "sp ace" text,
    arr text[],
    js jsonb,
    ts timestamptz,
    d date,
    n numeric(12, 2),
    f float8,
    b boolean,
    raw bytea,
    big text
)
"""
HOSTILE = "it's \"quoted\"\n\ttab ' new-tuple: x[int]:1 null \x1b[31m \u00e9\u4e2d\U0001f600 \\ back"


async def test_decoded_values_equal_to_jsonb_of_the_stored_row(logical_dsn, capture):
    _sql(logical_dsn, TRICKY_TABLE)
    _sql(logical_dsn,
         "set timezone to 'America/New_York'",
         'insert into public."odd ""t"" name" values (1, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s),'
         " (2, null, '{}', 'null', null, null, null, null, null, null, null)",
         params=(HOSTILE, ["a", "b c", None, HOSTILE], '{"k": [1, "x\'y"], "n": null}',
                 datetime(2026, 1, 2, 3, 4, 5, 678900, tzinfo=timezone.utc), "2026-02-03", "12345.60",
                 0.1, False, b"\x00\xff'", HOSTILE))
    txs = await _poll_until(capture, 2)
    changes = [c for t in txs for c in t.changes]
    assert all(c.table == 'odd "t" name' for c in changes) and len(changes) == 2
    await capture.decode(changes, {}, {})
    with psycopg.connect(logical_dsn) as conn:
        conn.execute("set timezone to 'UTC'")
        expected = [r[0] for r in conn.execute('select to_jsonb(t) from public."odd ""t"" name" t order by "Id"')]
    for change, row in zip(changes, expected):
        row["raw"] = row["raw"] if row["raw"] is None else row["raw"][2:]  # realtime.cast: bytea as hex text
        assert change.new_values == row
    assert changes[0].new_values["ts"] == "2026-01-02T03:04:05.6789+00:00"


async def test_one_transaction_one_commit_time_in_commit_order(logical_dsn, capture):
    _sql(logical_dsn, "create table public.t (id int primary key, v text)")
    early = psycopg.connect(logical_dsn)
    try:
        early.execute("insert into public.t values (1, 'begun first, committed last')")
        _sql(logical_dsn, "insert into public.t values (2, 'a')", "insert into public.t values (3, 'b')")
        early.commit()
    finally:
        early.close()
    txs = await _poll_until(capture, 3)
    ids = [[int(c.new[0].text) for c in t.changes] for t in txs]
    assert ids == [[2, 3], [1]]
    assert txs[0].commit_time <= txs[1].commit_time


async def test_unchanged_toast_is_left_out_unless_replica_identity_full(logical_dsn, capture):
    _sql(logical_dsn, "create table public.t (id int primary key, v text, big text)")
    big = base64.b64encode(os.urandom(6000)).decode()  # incompressible: stored out of line
    _sql(logical_dsn, "insert into public.t values (1, 'a', %s)", params=(big,))
    _sql(logical_dsn, "update public.t set v = 'b' where id = 1")
    _sql(logical_dsn, "alter table public.t replica identity full")
    _sql(logical_dsn, "update public.t set v = 'c' where id = 1")
    _sql(logical_dsn, "update public.t set big = 'small now' where id = 1")
    txs = await _poll_until(capture, 4)
    ins, upd, upd_full, upd_big = [c for t in txs for c in t.changes]
    await capture.decode([ins, upd, upd_full, upd_big], {("public", "t"): ["id", "v", "big"]}, {("public", "t"): ["id"]})
    assert ins.new_values["big"] == big
    assert upd.unchanged_toast == ("big",) and "big" not in upd.new_values
    assert upd.identity == {"id": 1}  # default identity, key unchanged: the new tuple's primary key
    assert upd_full.unchanged_toast == ("big",) and "big" not in upd_full.new_values
    assert upd_full.identity == {"id": 1, "v": "b", "big": big}  # REPLICA IDENTITY FULL: the whole old row
    assert upd_big.new_values == {"id": 1, "v": "c", "big": "small now"}


async def test_slot_is_temporary_drained_and_dropped(logical_dsn):
    cap = WalCapture(logical_dsn)
    await cap.open()
    probe = psycopg.connect(logical_dsn, autocommit=True)
    try:
        def slot():
            return probe.execute(
                "select temporary, active, pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)"
                " from pg_replication_slots where slot_name = %s", (cap.slot_name,)).fetchone()
        assert slot()[:2] == (True, True)
        _sql(logical_dsn, "create table public.t (id int primary key, v text)")
        for i in range(20):
            _sql(logical_dsn, "insert into public.t values (%s, repeat('x', 1000))", params=(i,))
        await _poll_until(cap, 20)
        await cap.poll()
        assert slot()[2] < 64 * 1024  # drained: it holds back (almost) no WAL
        # A restart: changes made while there is no slot are never seen.
        await cap.drop_slot()
        assert slot() is None
        _sql(logical_dsn, "insert into public.t values (100, 'during the gap')")
        await cap.create_slot()
        _sql(logical_dsn, "insert into public.t values (101, 'after')")
        txs = await _poll_until(cap, 1)
        assert [int(c.new[0].text) for t in txs for c in t.changes] == [101]
        await cap.close()
        assert slot() is None
        # Even when the capture's connection dies without a goodbye, PostgreSQL drops the slot.
        cap2 = WalCapture(logical_dsn)
        await cap2.open()
        probe.execute("select pg_terminate_backend(active_pid) from pg_replication_slots where slot_name = %s",
                      (cap2.slot_name,))
        for _ in range(100):
            if probe.execute("select 1 from pg_replication_slots where slot_name = %s", (cap2.slot_name,)).fetchone() is None:
                break
            await asyncio.sleep(0.02)
        else:
            raise AssertionError("temporary slot outlived its connection")
        await cap2.close()
    finally:
        probe.close()


async def test_a_server_without_logical_decoding_is_refused_with_a_clear_message():
    if wal_level(server()) == "logical":
        pytest.skip("the test PostgreSQL server already runs wal_level=logical")
    with fresh_database("track_wal") as dsn:
        cap = WalCapture(dsn)
        with pytest.raises(CaptureUnavailable, match="wal_level = logical"):
            await cap.open()
        await cap.close()



# -- the logical-decoding cluster ------------------------------------------------------------------
def test_a_named_logical_server_without_logical_decoding_is_refused(monkeypatch):
    pg = server()
    if wal_level(pg) == "logical":
        pytest.skip("the test PostgreSQL server already runs wal_level=logical")
    monkeypatch.setenv("TRACK_TEST_PG_LOGICAL", f"{pg.host}:{pg.port}")
    monkeypatch.setattr(postgres, "_logical", None)
    with pytest.raises(RuntimeError, match=r"wal_level = replica.*set `wal_level = logical`"):
        postgres.logical_server()


def test_clusters_whose_owner_died_are_removed_and_others_kept():
    dead_pid = subprocess.Popen(["true"])
    dead_pid.wait()
    orphan = tempfile.mkdtemp(prefix=postgres._CLUSTER_PREFIX)
    mine = tempfile.mkdtemp(prefix=postgres._CLUSTER_PREFIX)
    unmarked = tempfile.mkdtemp(prefix=postgres._CLUSTER_PREFIX)
    try:
        with open(os.path.join(orphan, postgres._OWNER_FILE), "w") as fh:
            fh.write(str(dead_pid.pid))
        with open(os.path.join(mine, postgres._OWNER_FILE), "w") as fh:
            fh.write(str(os.getpid()))
        postgres._remove_orphaned_clusters("pg_ctl")
        assert not os.path.exists(orphan)
        assert os.path.isdir(mine) and os.path.isdir(unmarked)
    finally:
        for d in (orphan, mine, unmarked):
            shutil.rmtree(d, ignore_errors=True)

"""Pull: the first download (bulk, resumable, row cap), incremental pulls with the overlap
window, tombstones, losing access — against the double with the real supabase-py client."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from track_tui.store import server_apply
from track_tui.sync.pull import FIRST_DOWNLOAD_DONE, NoAccess, Puller
from track_tui.sync import rest

from .support import assert_same, seed_board

async def _puller(backend, user, store, workspace_id, **kw):
    client = await backend.signed_in(user)
    return Puller(store, client, workspace_id, user.id, **kw)


async def test_first_download_brings_every_row_through_pages_of_the_row_cap(backend, team, caches):
    fake = backend.require_fake()
    seed_board(backend, team.a, deals=130)
    fake.set_max_rows(50)  # the server caps reads lower than we ask: pages must not stop early
    store = caches(team.alice)
    puller = await _puller(backend, team.alice, store, team.a)
    seen = []
    report = await puller.first_download(on_progress=lambda *a: seen.append(a))
    assert store.get_meta(FIRST_DOWNLOAD_DONE) == "1"
    assert report.tables["deals"] == 130
    assert report.pages >= 130 // 50 + 1
    assert seen[-1][0] == seen[-1][1]  # every table done
    assert max(s[2] for s in seen) >= 130 + 130  # deals and cards counted
    assert_same(backend, store, team.a)
    # Another workspace's rows never arrive.
    seed_board(backend, team.b, deals=2, prefix="Other")
    await puller.pull()
    with store.reading() as conn:
        assert conn.execute("SELECT count(*) FROM deals WHERE name LIKE 'Other%'").fetchone()[0] == 0


async def test_an_interrupted_first_download_resumes_after_the_last_committed_page(backend, team, caches):
    fake = backend.require_fake()
    seed_board(backend, team.a, deals=600)
    fake.set_max_rows(40)
    store = caches(team.alice)
    puller = await _puller(backend, team.alice, store, team.a, page_rows=40)
    pages = {"deals": 0}

    def progress(done, total, rows, table):
        if table == "deals":
            pages["deals"] += 1
            if pages["deals"] == 2:  # the first page of deals committed: the network goes
                fake.faults.fail_next(500, status=503, path_prefix="/rest/v1")

    with pytest.raises(rest.Transient):
        await puller.first_download(on_progress=progress)
    cursor = server_apply.read_cursor(store, "deals")
    assert cursor is not None
    with store.reading() as conn:
        held = conn.execute("SELECT count(*) FROM deals").fetchone()[0]
    assert 0 < held < 600 and held % 40 == 0  # whole pages, each with its cursor
    assert store.get_meta(FIRST_DOWNLOAD_DONE) is None
    fake.faults.clear()
    report = await puller.first_download()
    assert report.tables.get("deals", 0) == 600 - held  # only what was missing
    assert store.get_meta(FIRST_DOWNLOAD_DONE) == "1"
    assert_same(backend, store, team.a)


async def test_incremental_pull_applies_edits_and_tombstones_of_the_web_app(backend, team, caches):
    seeded = seed_board(backend, team.a, deals=5)
    store = caches(team.alice)
    puller = await _puller(backend, team.alice, store, team.a)
    await puller.first_download()
    backend.sql("update deals set name = 'Renamed' where id = %s", (seeded["deals"][0],))
    backend.sql("delete from board_cards where record_id = %s", (seeded["deals"][1],))
    backend.sql("delete from deals where id = %s", (seeded["deals"][1],))
    report = await puller.pull()
    assert report.tables["deals"] >= 1
    assert report.tables["sync_tombstones"] == 2
    with store.reading() as conn:
        assert conn.execute("SELECT name FROM deals WHERE id = ?", (seeded["deals"][0],)).fetchone()[0] == "Renamed"
        assert conn.execute("SELECT 1 FROM deals WHERE id = ?", (seeded["deals"][1],)).fetchone() is None
    assert_same(backend, store, team.a)
    again = await puller.pull()  # the overlap re-read: nothing new
    assert again.written == 0


async def test_a_late_committing_writer_is_caught_by_the_overlap_window(backend, team, caches):
    fake = backend.require_fake()
    seeded = seed_board(backend, team.a, deals=3)
    store = caches(team.alice)
    puller = await _puller(backend, team.alice, store, team.a, overlap=timedelta(seconds=30))
    await puller.first_download()
    late = seeded["deals"][0]
    async with fake.held_transaction() as tx:
        await tx.execute("update deals set name = 'Late' where id = %s", (late,))
        await asyncio.sleep(0.05)
        backend.sql("update deals set name = 'Early' where id = %s", (seeded["deals"][1],))
        await puller.pull()  # the cursor moves past the late row's updated_at
    await puller.pull()
    with store.reading() as conn:
        assert conn.execute("SELECT name FROM deals WHERE id = ?", (late,)).fetchone()[0] == "Late"
    assert_same(backend, store, team.a)


async def test_without_the_overlap_window_the_late_commit_is_missed(backend, team, caches):
    """The control for the test above: the window is what catches it."""
    fake = backend.require_fake()
    seeded = seed_board(backend, team.a, deals=3)
    store = caches(team.alice)
    puller = await _puller(backend, team.alice, store, team.a, overlap=timedelta(0))
    await puller.first_download()
    late = seeded["deals"][0]
    async with fake.held_transaction() as tx:
        await tx.execute("update deals set name = 'Late' where id = %s", (late,))
        await asyncio.sleep(0.05)
        backend.sql("update deals set name = 'Early' where id = %s", (seeded["deals"][1],))
        await puller.pull()
    await puller.pull()
    with store.reading() as conn:
        assert conn.execute("SELECT name FROM deals WHERE id = ?", (late,)).fetchone()[0] != "Late"


async def test_a_removed_member_gets_no_access(backend, team, caches):
    seed_board(backend, team.a, deals=1)
    store = caches(team.bob, role="member")
    puller = await _puller(backend, team.bob, store, team.a)
    await puller.first_download()
    backend.sql("delete from workspace_members where workspace_id = %s and user_id = %s", (team.a, team.bob.id))
    with pytest.raises(NoAccess):
        await puller.pull()
    with store.reading() as conn:  # the cache is kept (unsent work is not thrown away)
        assert conn.execute("SELECT count(*) FROM deals").fetchone()[0] == 1


async def test_fetch_rows_reads_by_id_and_names_the_missing(backend, team, caches):
    seeded = seed_board(backend, team.a, deals=2)
    store = caches(team.alice)
    puller = await _puller(backend, team.alice, store, team.a)
    applied, missing = await puller.fetch_rows("deals", [seeded["deals"][0], "00000000-0000-4000-8000-000000000000"])
    assert applied is not None and applied.written == 1
    assert missing == ["00000000-0000-4000-8000-000000000000"]

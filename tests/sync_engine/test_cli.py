"""`track sync`, `track sync --watch` and `track status --json` as real subprocesses against the
double: exit codes and one-line errors, kill -9 during a first download and during a push
(after a restart it converges, nothing lost or duplicated), a clean stop on SIGINT/SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from tests.sync.test_account_cli import configured, login, one_line, track
from track_tui import paths
from track_tui.models import Company, Contact
from track_tui.store import Store
from track_tui.sync.project import project_from_input

from .support import assert_same, seed_board

pytestmark = pytest.mark.sync


def _cache(backend, workspace_id):
    project = project_from_input(backend.url, backend.anon_key)
    return paths.workspace_cache_file(project.slug, workspace_id)


def _count(path, sql):
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=1)
        try:
            return conn.execute(sql).fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error:
        return 0


def _spawn(backend, *args):
    return subprocess.Popen([sys.executable, "-m", "track_tui.cli", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={**os.environ, **configured(backend)})


def _wait(predicate, timeout=30.0, what=""):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out: {what}")


def test_sync_then_status_json(backend, team, dirs):
    seed_board(backend, team.a, deals=5)
    assert login(backend, team.alice.email).returncode == 0
    result = track("sync", env=configured(backend))
    assert result.returncode == 0, result.stderr
    assert "In step" in result.stdout
    report = json.loads(track("status", "--json", env=configured(backend)).stdout)
    assert report["state"] == "live" and report["pending"] == 0 and report["failed"] == 0
    assert report["last_sync"] and "deals" in report["cursors"] and report["cursors"]["deals"]["at"]
    store = Store(_cache(backend, team.a))
    try:
        assert_same(backend, store, team.a)
    finally:
        store.close()


def test_sync_exit_codes_say_why_in_one_line(backend, team, dirs):
    fake = backend.require_fake()
    result = track("sync", env=configured(backend))
    assert result.returncode == 1 and "not signed in" in one_line(result)
    assert login(backend, team.bob.email).returncode == 0
    fake.faults.fail_next(20, status=503, path_prefix="/rest/v1")
    result = track("sync", env=configured(backend))
    assert result.returncode == 6 and "503" in one_line(result)
    fake.faults.clear()
    assert track("sync", env=configured(backend)).returncode == 0
    fake.faults.fail_next(1, status=400, path_prefix="/rest/v1")  # a read the server refuses
    result = track("sync", env=configured(backend))
    assert result.returncode == 7 and "400" in one_line(result)
    # A refused change: bob is made a viewer after editing.
    store = Store(_cache(backend, team.a))
    try:
        store.create_record(Contact(workspace_id=team.a, name="Refused"))
    finally:
        store.close()
    backend.sql("update workspace_members set role = 'viewer' where workspace_id = %s and user_id = %s",
                (team.a, team.bob.id))
    result = track("sync", env=configured(backend))
    assert result.returncode == 9 and "row-level security" in one_line(result)
    again = track("sync", env=configured(backend))  # parked by the run before: still says why
    assert again.returncode == 9 and "row-level security" in one_line(again)
    report = json.loads(track("status", "--json", env=configured(backend)).stdout)
    assert report["failed"] == 1 and "row-level security" in report["failed_changes"][0]["reason"]
    backend.sql("delete from workspace_members where workspace_id = %s and user_id = %s", (team.a, team.bob.id))
    result = track("sync", env=configured(backend))
    assert result.returncode == 10 and "member" in one_line(result)


def test_kill_9_during_the_first_download_then_it_resumes_and_converges(backend, team, dirs):
    fake = backend.require_fake()
    seed_board(backend, team.a, deals=2500)
    assert login(backend, team.alice.email).returncode == 0
    cache = _cache(backend, team.a)
    fake.faults.set_latency(0.15)
    proc = _spawn(backend, "sync")
    try:
        _wait(lambda: _count(cache, "SELECT count(*) FROM deals") >= 1000, what="a committed page of deals")
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    fake.faults.set_latency(0)
    partial = _count(cache, "SELECT count(*) FROM deals")
    assert 1000 <= partial < 2500
    result = track("sync", env=configured(backend))
    assert result.returncode == 0, result.stderr
    store = Store(cache)
    try:
        assert_same(backend, store, team.a)
        assert store.get_meta("sync_first_download_done") == "1"
    finally:
        store.close()


def test_kill_9_during_a_push_then_nothing_is_lost_or_duplicated(backend, team, dirs):
    fake = backend.require_fake()
    assert login(backend, team.alice.email).returncode == 0
    assert track("sync", env=configured(backend)).returncode == 0
    cache = _cache(backend, team.a)
    store = Store(cache)
    try:
        # a contact and a company in turn: consecutive inserts of one table go as one request
        # (push.INSERT_BATCH), so 40 contacts in a row would all land at once and the kill
        # could come after the whole push; taking turns makes 80 requests, each slowed below
        made = []
        for n in range(40):
            made.append(store.create_record(Contact(workspace_id=team.a, name=f"Pushed {n}")).id)
            store.create_record(Company(workspace_id=team.a, name=f"Pushed company {n}"))
    finally:
        store.close()
    fake.faults.set_latency(0.1)
    proc = _spawn(backend, "sync")
    try:
        _wait(lambda: backend.sql("select count(*) from contacts where id = any(%s::uuid[])", (made,))[0][0] >= 5,
              what="some contacts pushed")
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    fake.faults.set_latency(0)
    assert _count(cache, "SELECT count(*) FROM outbox") > 0
    result = track("sync", env=configured(backend))
    assert result.returncode == 0, result.stderr
    assert backend.sql("select count(*) from contacts where workspace_id = %s and name like 'Pushed %%'",
                       (team.a,)) == [(40,)]
    assert backend.sql("select count(*) from companies where workspace_id = %s and name like 'Pushed company %%'",
                       (team.a,)) == [(40,)]
    store = Store(cache)
    try:
        assert_same(backend, store, team.a)
        assert store.pending_count() == 0
    finally:
        store.close()


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
def test_watch_prints_applied_batches_and_stops_cleanly(backend, team, dirs, stop):
    seeded = seed_board(backend, team.a, deals=2)
    assert login(backend, team.alice.email).returncode == 0
    proc = _spawn(backend, "sync", "--watch")
    lines: list[str] = []
    try:
        import threading

        reader = threading.Thread(target=lambda: lines.extend(iter(proc.stdout.readline, "")), daemon=True)
        reader.start()
        _wait(lambda: any(" live;" in line for line in lines), what=f"live in {lines}")
        backend.sql("update deals set name = 'Watched' where id = %s", (seeded["deals"][0],))
        _wait(lambda: any("pull: 1 deals" in line or "live: 1 deals" in line for line in lines), timeout=30,
              what=f"a batch line in {lines}")
        proc.send_signal(stop)
        assert proc.wait(15) == 0
        reader.join(5)
        assert lines[-1].rstrip().endswith("stopped")
        assert proc.stderr.read() == ""
    finally:
        if proc.poll() is None:
            proc.kill()


def test_watch_says_offline_once_not_twice_per_attempt(capsys):
    """While the project is down each retry went "syncing" then "offline" again, two lines per
    attempt; now a line comes when the state really changes."""
    from track_tui.sync.status import SyncState, SyncStatus
    from track_tui.sync_cli import _Printer

    printer = _Printer(watch=True)
    down = "the network connection to the project failed"
    for state, problem in [(SyncState.LIVE, None), (SyncState.SYNCING, None), (SyncState.OFFLINE, down),
                           (SyncState.SYNCING, None), (SyncState.OFFLINE, down), (SyncState.SYNCING, None),
                           (SyncState.OFFLINE, down), (SyncState.SYNCING, None), (SyncState.LIVE, None)]:
        printer.status(SyncStatus(state=state, problem=problem, pending=2))
    lines = [line.split(" ", 1)[1] for line in capsys.readouterr().out.splitlines()]
    assert lines == ["live; 2 waiting, 0 refused", "syncing; 2 waiting, 0 refused",
                     f"offline ({down}); 2 waiting, 0 refused", "live; 2 waiting, 0 refused"]


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
def test_one_round_interrupted_while_a_request_hangs_says_so_and_exits_130(backend, team, dirs, stop):
    assert login(backend, team.alice.email).returncode == 0
    assert track("sync", env=configured(backend)).returncode == 0
    fake = backend.require_fake()
    fake.faults.timeout_next(20, path_prefix="/rest/v1", hang_for=120)
    try:
        proc = _spawn(backend, "sync")
        time.sleep(2.0)  # the round is waiting on the server
        proc.send_signal(stop)
        assert proc.wait(10) == 130
        assert one_line(subprocess.CompletedProcess(proc.args, 130, "", proc.stderr.read())) == \
            "track sync: interrupted; what was saved is kept, your changes stay queued"
    finally:
        fake.faults.clear()

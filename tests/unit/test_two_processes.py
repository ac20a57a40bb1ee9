"""Two real processes on one cache file: no edit lost, and a locked cache never loses one either.

Before the store read the row inside its write transaction, two processes editing one record
overwrote each other (4 of 4 trials lost a value). Each trial here starts two processes that
edit one deal as fast as they can, then checks the end state and the field-edit timeline: every
entry's "old" must be the previous entry's "new" — a lost update breaks that chain.
"""

from __future__ import annotations

import multiprocessing
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.factories import make_store
from track_tui.models import RecordType
from track_tui.store import Store, WriteEvent

TRIALS = 3
WRITES = 60
JOIN = 60.0


def _edit(path: str, deal_id: str, key: str, values: list, start) -> None:
    """One process: set custom field `key` of the deal to each of `values` in turn."""
    store = Store(path)
    try:
        start.wait(JOIN)
        for value in values:
            store.update_record(RecordType.DEAL, deal_id, custom={key: value})
    finally:
        store.close()


def _run_pair(path: Path, deal_id: str, jobs: list[tuple[str, list]]) -> None:
    context = multiprocessing.get_context("spawn")
    start = context.Event()
    processes = [context.Process(target=_edit, args=(str(path), deal_id, key, values, start)) for key, values in jobs]
    for process in processes:
        process.start()
    time.sleep(0.2)
    start.set()
    for process in processes:
        process.join(JOIN)
        assert not process.is_alive(), "a writer process hung"
        assert process.exitcode == 0


def _edits(store: Store, deal_id: str, key: str) -> list[dict]:
    entries = store.timeline(deal_id, types=["field_edit"], limit=10_000)
    return [e.payload for e in reversed(entries) if e.payload.get("field") == f"custom_fields.{key}"]


def _assert_chain(edits: list[dict], first_old) -> None:
    old = first_old
    for edit in edits:
        assert edit["old"] == old, "an edit was made from a stale copy of the record"
        old = edit["new"]


@pytest.fixture
def cache(tmp_path: Path):
    path = tmp_path / "shared.sqlite3"
    store, ids = make_store(path)
    store.close()
    return path, ids


@pytest.mark.parametrize("trial", range(TRIALS))
def test_two_processes_editing_different_fields_of_one_record_lose_nothing(cache, trial: int) -> None:
    path, ids = cache
    deal = ids.deals["Acme renewal"]
    seats = list(range(1, WRITES + 1))
    names = ["CODE" + chr(65 + i // 26) + chr(65 + i % 26) for i in range(WRITES)]
    _run_pair(path, deal, [("seats", seats), ("code_name", names)])
    store = Store(path)
    try:
        values = store.record(RecordType.DEAL, deal).custom_fields
        assert values["seats"] == seats[-1] and values["code_name"] == names[-1]
        # Each field's history is exactly its own process's writes, in order: an edit made from
        # a stale copy would also "change" the other field back, and show up here as a revert.
        assert [e["new"] for e in _edits(store, deal, "seats")] == seats
        assert [e["new"] for e in _edits(store, deal, "code_name")] == names
        _assert_chain(_edits(store, deal, "seats"), 40)
        _assert_chain(_edits(store, deal, "code_name"), "ROADRUNNER")
    finally:
        store.close()


@pytest.mark.parametrize("trial", range(TRIALS))
def test_two_processes_editing_the_same_field_keep_one_consistent_history(cache, trial: int) -> None:
    path, ids = cache
    deal = ids.deals["Acme renewal"]
    odd, even = list(range(1, 2 * WRITES, 2)), list(range(2, 2 * WRITES + 1, 2))
    _run_pair(path, deal, [("seats", odd), ("seats", even)])
    store = Store(path)
    try:
        edits = _edits(store, deal, "seats")
        _assert_chain(edits, 40)
        assert store.record(RecordType.DEAL, deal).custom_fields["seats"] == edits[-1]["new"]
        assert {e["new"] for e in edits} == set(odd) | set(even)  # every write landed, once
    finally:
        store.close()


_HOLD = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
conn.execute("ROLLBACK")
"""


def test_a_write_while_another_process_holds_the_cache_waits_then_completes(cache) -> None:
    path, ids = cache
    store = Store(path)
    store.set_interactive_thread()
    events: list[WriteEvent] = []
    store.subscribe_writes(events.append)
    holder = subprocess.Popen([sys.executable, "-c", _HOLD, str(path), "1.5"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        started = time.perf_counter()
        store.update_record(RecordType.DEAL, ids.deals["Tokyo pilot"], {"name": "Waited for the other process"})
        assert time.perf_counter() - started < 0.5  # the caller (a key handler) is not held up
        assert store.queued_writes == 1 and events[0].kind == "waiting"
        assert store.wait_for_queued_writes(JOIN)
        assert store.record(RecordType.DEAL, ids.deals["Tokyo pilot"]).name == "Waited for the other process"
        assert [e.kind for e in events][-1] == "saved"
    finally:
        holder.wait(JOIN)
        store.close()

"""The store under several writers in one process and across processes' connections:
reads beside writes, announcements with no lock held, the change log that tells one store
what another committed, and writes that find the cache locked."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest

from tests.factories import make_store
from track_tui.models import Company, Deal, RecordType
from track_tui.store import CacheBusy, ChangeSet, InvalidInput, Origin, Store, WriteEvent, change_log

WAIT = 10.0  # seconds before a test calls something stuck


@pytest.fixture
def pair(tmp_path: Path):
    """Two stores on one cache file, as two processes would have (each its own connections)."""
    path = tmp_path / "shared.sqlite3"
    first, ids = make_store(path)
    second = Store(path, clock=first.clock)
    yield first, second, ids
    second.close()
    first.close()


@pytest.fixture
def ws(tmp_path: Path):
    store, ids = make_store(tmp_path / "cache.sqlite3")
    yield store, ids
    store.close()


class Holder:
    """Another process's connection holding the cache's write lock (BEGIN IMMEDIATE)."""

    def __init__(self, path: Path) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.conn.execute("BEGIN IMMEDIATE")

    def release(self) -> None:
        self.conn.execute("ROLLBACK")
        self.conn.close()


def custom(store: Store, deal_id: str) -> dict:
    return store.record(RecordType.DEAL, deal_id).custom_fields


# -- reads and writes side by side ---------------------------------------------------------


def test_a_long_read_in_a_worker_does_not_hold_up_a_write(ws) -> None:
    store, ids = ws
    reading, done = threading.Event(), threading.Event()

    def long_read() -> None:
        with store.reading() as conn:
            conn.create_function("nap", 1, time.sleep)
            reading.set()
            conn.execute("SELECT count(*), nap(1.0) FROM deals").fetchone()
        done.set()

    worker = threading.Thread(target=long_read)
    worker.start()
    assert reading.wait(WAIT)
    started = time.perf_counter()
    store.update_record(RecordType.DEAL, ids.deals["Tokyo pilot"], {"name": "Written beside a read"})
    elapsed = time.perf_counter() - started
    assert not done.is_set(), "the write waited for the read to finish"
    assert elapsed < 0.5
    worker.join(WAIT)
    assert store.record(RecordType.DEAL, ids.deals["Tokyo pilot"]).name == "Written beside a read"


def test_a_read_inside_a_transaction_sees_its_own_rows(ws) -> None:
    store, ids = ws
    company = Company(workspace_id=ids.workspace, name="Not committed yet")
    with store.transaction() as tx:
        tx.insert(company)
        assert store.record(RecordType.COMPANY, company.id).name == "Not committed yet"
        seen_elsewhere: list[bool] = []
        other = threading.Thread(target=lambda: seen_elsewhere.append(
            store.record_name(RecordType.COMPANY, company.id) is not None))
        other.start()
        other.join(WAIT)
        assert seen_elsewhere == [False]  # another thread reads the committed state


def test_announcements_come_with_no_lock_held(ws) -> None:
    """The deadlock of old: a worker's mutation announced while holding the store's lock, and
    the listener waited for the UI thread, which waited for that lock."""
    store, ids = ws
    heard, ui_wrote = threading.Event(), threading.Event()
    outcome: list[str] = []

    def listener(changes: ChangeSet) -> None:
        if threading.current_thread() is threading.main_thread():
            return
        heard.set()
        outcome.append("ok" if ui_wrote.wait(WAIT) else "the UI thread could not write")

    store.subscribe(listener)
    worker = threading.Thread(target=store.update_record, args=(RecordType.DEAL, ids.deals["Osaka trial"], {"name": "A"}))
    worker.start()
    assert heard.wait(WAIT)
    store.update_record(RecordType.DEAL, ids.deals["Tokyo pilot"], {"name": "B"})  # the "UI thread"
    ui_wrote.set()
    worker.join(WAIT)
    assert outcome == ["ok"]


# -- other processes -----------------------------------------------------------------------


def test_another_stores_commits_are_announced_with_what_changed(pair) -> None:
    first, second, ids = pair
    deal = ids.deals["Acme renewal"]
    assert first.poll_other_writers() == []
    second.update_record(RecordType.DEAL, deal, {"close_date": "2026-12-24"}, custom={"seats": 41})
    first.update_record(RecordType.DEAL, ids.deals["Osaka trial"], {"name": "Mine"})  # its own: not news

    heard: list[ChangeSet] = []
    first.subscribe(heard.append)
    (changes,) = first.poll_other_writers()
    assert heard == [changes]
    assert changes.elsewhere and changes.origin is Origin.LOCAL and not changes.from_here
    assert changes.fields("deals", deal) == {"close_date", "custom_fields"}
    assert ids.deals["Osaka trial"] not in changes.ids("deals")
    assert changes.touches("timeline_entries", "outbox")
    assert first.poll_other_writers() == []  # nothing new since
    assert custom(first, deal)["seats"] == 41  # and the reads see it


def test_server_rows_written_by_another_process_are_news(pair) -> None:
    first, second, ids = pair
    first.poll_other_writers()
    with second.transaction(origin=Origin.SERVER) as tx:
        tx.update("deals", ids.deals["Tokyo pilot"], {"close_date": "2027-01-31", "version": 3})
    (changes,) = first.poll_other_writers()
    assert changes.is_news and changes.fields("deals", ids.deals["Tokyo pilot"]) == {"close_date"}


def test_a_reader_behind_the_pruned_log_hears_that_anything_may_have_changed(pair, monkeypatch) -> None:
    first, second, ids = pair
    first.poll_other_writers()
    monkeypatch.setattr(change_log, "KEEP", 3)
    for i in range(6):
        second.update_record(RecordType.DEAL, ids.deals["Tokyo pilot"], {"name": f"Name {i}"})
    assert second.conn.execute("SELECT count(*) FROM change_log").fetchone()[0] == 3
    (changes,) = first.poll_other_writers()
    assert changes.any_row("profiles") and changes.has_row("deals", "whatever") and changes.elsewhere


def test_a_big_change_is_logged_as_any_row_of_its_table(pair) -> None:
    first, second, ids = pair
    first.poll_other_writers()
    with second.transaction(origin=Origin.SERVER) as tx:
        for i in range(250):
            tx.insert(Company(workspace_id=ids.workspace, name=f"Bulk {i}"))
    (changes,) = first.poll_other_writers()
    assert changes.any_row("companies") and not changes.any_row("deals")
    size = second.conn.execute("SELECT max(length(changes)) FROM change_log").fetchone()[0]
    assert size < 2000


def test_the_watcher_announces_another_stores_write_within_a_second(pair) -> None:
    first, second, ids = pair
    heard: list[ChangeSet] = []
    arrived = threading.Event()
    first.subscribe(lambda changes: (heard.append(changes), arrived.set()))
    first.watch_other_writers()
    try:
        started = time.monotonic()
        second.update_record(RecordType.DEAL, ids.deals["Tokyo pilot"], {"name": "From the other terminal"})
        assert arrived.wait(2.0)
        assert time.monotonic() - started < 1.0
        assert heard[0].has_row("deals", ids.deals["Tokyo pilot"]) and heard[0].elsewhere
    finally:
        first.stop_watching()


def test_both_stores_edits_of_one_record_survive(pair) -> None:
    first, second, ids = pair
    deal = ids.deals["Acme renewal"]
    for i in range(1, 6):
        first.update_record(RecordType.DEAL, deal, custom={"seats": i})
        second.update_record(RecordType.DEAL, deal, custom={"code_name": "ABC" + "D" * i})
    assert custom(first, deal)["seats"] == 5 and custom(first, deal)["code_name"] == "ABCDDDDD"


# -- a locked cache ------------------------------------------------------------------------


@pytest.fixture
def ui(ws):
    """The store as the app uses it: this thread is the UI's; write news collected."""
    store, ids = ws
    store.set_interactive_thread()
    events: list[WriteEvent] = []
    store.subscribe_writes(events.append)
    heard: list[ChangeSet] = []
    store.subscribe(heard.append)
    return store, ids, events, heard


def test_a_ui_write_on_a_locked_cache_returns_at_once_and_completes_later(ui) -> None:
    store, ids, events, heard = ui
    deal = ids.deals["Tokyo pilot"]
    holder = Holder(Path(store.path))
    try:
        started = time.perf_counter()
        assert store.update_record(RecordType.DEAL, deal, {"name": "First"}) == []
        store.update_record(RecordType.DEAL, deal, {"name": "Second"})  # queued behind the first
        store.move_card(ids.cards["Tokyo pilot"], ids.stages["Proposal"])
        assert time.perf_counter() - started < 1.0
        assert store.queued_writes == 3
        assert events[0].kind == "waiting" and events[0].label == "the field edit"
        assert store.record(RecordType.DEAL, deal).name == "Tokyo pilot"  # nothing yet
    finally:
        holder.release()
    assert store.wait_for_queued_writes(WAIT)
    record = store.record(RecordType.DEAL, deal)
    assert record.name == "Second" and record.stage_id == ids.stages["Proposal"]  # in the order asked
    saved = [e for e in events if e.kind == "saved"]
    assert [e.label for e in saved] == ["the field edit", "the field edit", "the stage move"]
    assert saved[-1].queued == 0
    assert heard and all(c.background and not c.from_here for c in heard)
    names = [e.payload["new"] for e in store.timeline(deal, types=["field_edit"])]
    assert names[:2] == ["Second", "First"]


def test_a_bad_value_is_refused_at_once_even_when_the_cache_is_locked(ui) -> None:
    store, ids, events, _ = ui
    holder = Holder(Path(store.path))
    try:
        with pytest.raises(InvalidInput, match="Seats"):
            store.update_record(RecordType.DEAL, ids.deals["Acme renewal"], custom={"seats": 100_000})
        assert store.queued_writes == 0 and events == []
        store.update_record(RecordType.DEAL, ids.deals["Acme renewal"], custom={"seats": 12})  # queued
        with pytest.raises(InvalidInput, match="Seats"):  # refused at once behind a queued write too
            store.update_record(RecordType.DEAL, ids.deals["Acme renewal"], custom={"seats": 0})
        assert store.queued_writes == 1
    finally:
        holder.release()
    assert store.wait_for_queued_writes(WAIT)
    assert custom(store, ids.deals["Acme renewal"])["seats"] == 12


def test_a_deferred_company_and_the_deal_naming_it_are_saved_together(ui) -> None:
    store, ids, _, _ = ui
    holder = Holder(Path(store.path))
    try:
        company_id = store.find_or_create_company("Brand New Ltd")
        deal = Deal(workspace_id=ids.workspace, name="Brand new deal", company_id=company_id,
                    stage_id=ids.stages["Lead"], custom_fields={"source": "web"})
        assert store.create_record(deal) is deal
    finally:
        holder.release()
    assert store.wait_for_queued_writes(WAIT)
    assert store.record(RecordType.DEAL, deal.id).company_id == company_id
    assert store.record(RecordType.COMPANY, company_id).name == "Brand New Ltd"


def test_a_write_that_waits_too_long_fails_is_kept_and_can_be_retried(ui) -> None:
    store, ids, events, heard = ui
    store.write_patience = 0.4
    deal = ids.deals["Tokyo pilot"]
    holder = Holder(Path(store.path))
    try:
        store.update_record(RecordType.DEAL, deal, {"name": "Patient"})
        deadline = time.monotonic() + WAIT
        while not any(e.kind == "failed" for e in events) and time.monotonic() < deadline:
            time.sleep(0.05)
        failed = [e for e in events if e.kind == "failed"]
        assert len(failed) == 1 and failed[0].retryable
        assert "locked for over" in failed[0].reason
        assert store.unsaved_writes == ["the field edit"] and store.queued_writes == 0
        assert any(c.any_row("deals") for c in heard)  # screens re-read the truth
    finally:
        holder.release()
    assert store.retry_unsaved_writes() == 1
    assert store.wait_for_queued_writes(WAIT)
    assert store.record(RecordType.DEAL, deal).name == "Patient"
    assert store.unsaved_writes == []


def test_a_queued_write_refused_on_replay_says_why(ui) -> None:
    store, ids, events, _ = ui
    holder = Holder(Path(store.path))
    try:
        store.update_record(RecordType.DEAL, ids.deals["Tokyo pilot"], {"company_id": ids.companies["Acme"]})
        holder.conn.execute("UPDATE deals SET company_id = NULL")  # the other process…
        holder.conn.execute("DELETE FROM contacts WHERE company_id = ?", (ids.companies["Acme"],))
        holder.conn.execute("DELETE FROM companies WHERE id = ?", (ids.companies["Acme"],))  # …deletes it
        holder.conn.execute("COMMIT")
        holder.conn.execute("BEGIN")
    finally:
        holder.release()
    assert store.wait_for_queued_writes(WAIT)
    (failed,) = [e for e in events if e.kind == "failed"]
    assert "no company" in failed.reason and not failed.retryable
    assert store.unsaved_writes == []


def test_a_worker_thread_gets_cache_busy_after_its_patience(ws) -> None:
    store, ids = ws
    store.write_patience = 0.3
    holder = Holder(Path(store.path))
    try:
        started = time.perf_counter()
        with pytest.raises(CacheBusy, match="locked"):
            store.update_record(RecordType.DEAL, ids.deals["Tokyo pilot"], {"name": "Never"})
        assert 0.25 < time.perf_counter() - started < 2.0
    finally:
        holder.release()
    assert store.record(RecordType.DEAL, ids.deals["Tokyo pilot"]).name == "Tokyo pilot"


def test_a_worker_waiting_for_the_cache_does_not_make_the_ui_wait(ui) -> None:
    store, ids, _, _ = ui
    store.write_patience = 5.0
    holder = Holder(Path(store.path))
    worker = threading.Thread(
        target=store.update_record, args=(RecordType.DEAL, ids.deals["Osaka trial"], {"name": "From a worker"}),
    )
    try:
        worker.start()
        time.sleep(0.3)  # the worker is now waiting for the other process
        started = time.perf_counter()
        store.update_record(RecordType.DEAL, ids.deals["Tokyo pilot"], {"name": "From a key"})
        assert time.perf_counter() - started < 0.6
    finally:
        holder.release()
    worker.join(WAIT)
    assert store.wait_for_queued_writes(WAIT)
    assert store.record(RecordType.DEAL, ids.deals["Osaka trial"]).name == "From a worker"
    assert store.record(RecordType.DEAL, ids.deals["Tokyo pilot"]).name == "From a key"


# -- editing over someone else's change ----------------------------------------------------


def test_a_save_over_a_value_changed_elsewhere_is_refused_with_the_current_value(pair) -> None:
    from track_tui.store import ChangedElsewhere

    first, second, ids = pair
    deal = ids.deals["Acme renewal"]
    opened_with = first.record(RecordType.DEAL, deal).close_date
    second.update_record(RecordType.DEAL, deal, {"close_date": "2027-02-01"})
    with pytest.raises(ChangedElsewhere) as raised:
        first.update_record(RecordType.DEAL, deal, {"close_date": "2027-03-01"}, expect={"close_date": opened_with})
    assert raised.value.field == "Close date" and str(raised.value.current) == "2027-02-01"
    # Saving again from the value now stored replaces it.
    first.update_record(RecordType.DEAL, deal, {"close_date": "2027-03-01"}, expect={"close_date": raised.value.current})
    assert str(first.record(RecordType.DEAL, deal).close_date) == "2027-03-01"
    # Custom fields the same way; an unchanged value saves.
    seats = custom(first, deal)["seats"]
    second.update_record(RecordType.DEAL, deal, custom={"seats": seats + 1})
    with pytest.raises(ChangedElsewhere, match="Seats"):
        first.update_record(RecordType.DEAL, deal, custom={"seats": 7}, expect={"custom_fields.seats": seats})
    first.update_record(RecordType.DEAL, deal, custom={"seats": 7}, expect={"custom_fields.seats": seats + 1})
    assert custom(first, deal)["seats"] == 7


def test_only_the_ui_threads_own_writes_count_as_from_here(ui) -> None:
    store, ids, _, heard = ui
    store.update_record(RecordType.DEAL, ids.deals["Tokyo pilot"], {"name": "From a key"})
    assert heard[-1].from_here and not heard[-1].background
    worker = threading.Thread(target=store.update_record, args=(RecordType.DEAL, ids.deals["Osaka trial"], {"name": "From a worker"}))
    worker.start()
    worker.join(WAIT)
    assert heard[-1].background and not heard[-1].from_here  # screens must re-read, not assume

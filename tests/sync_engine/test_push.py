"""Push: the outbox drains in order, by the one write path's entries, against the double's
faults: 5xx, 429 with Retry-After, answers lost after commit, an expired token, RLS and
constraint refusals parked with the server's reason while other rows keep flowing."""

from __future__ import annotations

import pytest

from track_tui.models import Contact
from track_tui.sync.push import HELD
from track_tui.sync.status import SyncState

from .support import assert_same, make_engine, outbox, seed_board

async def _ready(backend, team, caches, user=None, role="owner", **kw):
    user = user or team.alice
    store = caches(user, role=role)
    engine = make_engine(backend, user, store, team.a, **kw)
    first = await engine.sync_once()
    assert first.in_step, first
    return store, engine


def _server_count(backend, sql, params):
    return backend.sql(sql, params)[0][0]


async def test_insert_update_delete_reach_the_server_and_come_back_as_acks(backend, team, caches):
    seeded = seed_board(backend, team.a, deals=2)
    store, engine = await _ready(backend, team, caches)
    contact = store.create_record(Contact(workspace_id=team.a, name="Ada"))
    store.update_record("contact", contact.id, {"title": "CTO"})
    store.update_record("deal", seeded["deals"][0], {"name": "Bigger deal"})
    assert len(outbox(store)) >= 3
    seen = []
    engine.on_status = seen.append
    outcome = await engine.sync_once()
    assert outcome.in_step and outcome.pushed >= 3 and outcome.pending == 0
    assert backend.sql("select name, title, version from contacts where id = %s", (contact.id,)) == [("Ada", "CTO", 1)]
    with store.reading() as conn:
        assert conn.execute("SELECT version FROM contacts WHERE id = ?", (contact.id,)).fetchone()[0] == 1
    assert any(s.state is SyncState.SYNCING for s in seen) and seen[-1].state is SyncState.LIVE
    assert seen[-1].last_success is not None
    assert_same(backend, store, team.a)


async def test_a_hard_delete_is_sent_and_its_tombstone_changes_nothing_more(backend, team, caches):
    store, engine = await _ready(backend, team, caches)
    contact = store.create_record(Contact(workspace_id=team.a, name="Short-lived"))
    assert (await engine.sync_once()).in_step
    from track_tui.models import Task
    task = store.create_task(Task(workspace_id=team.a, title="Call", record_type="contact", record_id=contact.id))
    assert (await engine.sync_once()).in_step
    store.delete_task(task.id)
    outcome = await engine.sync_once()
    assert outcome.in_step
    assert backend.sql("select count(*) from tasks where id = %s", (task.id,)) == [(0,)]
    assert_same(backend, store, team.a)


async def test_5xx_leaves_the_entry_pending_offline_and_the_retry_sends_it(backend, team, caches):
    fake = backend.require_fake()
    store, engine = await _ready(backend, team, caches)
    contact = store.create_record(Contact(workspace_id=team.a, name="Grace"))
    fake.faults.fail_next(1, status=503, path_prefix="/rest/v1/contacts")
    outcome = await engine.sync_once()
    assert outcome.state is SyncState.OFFLINE and not outcome.in_step
    assert "503" in outcome.problem or "database" in outcome.problem.lower()
    assert engine.status.retry_at is not None and engine.status.pending >= 1
    entry = next(e for e in outbox(store) if e["row_id"] == contact.id)
    assert entry["state"] == "pending" and entry["attempts"] == 1 and entry["last_error"]
    fake.faults.fail_next(1, status=520, path_prefix="/rest/v1/contacts")  # Cloudflare's HTML page
    outcome = await engine.sync_once()
    assert outcome.state is SyncState.OFFLINE and "520" in outcome.problem
    outcome = await engine.sync_once()
    assert outcome.in_step
    assert_same(backend, store, team.a)


async def test_429_backoff_honours_retry_after(backend, team, caches):
    fake = backend.require_fake()
    store, engine = await _ready(backend, team, caches)
    store.create_record(Contact(workspace_id=team.a, name="Limited"))
    fake.faults.fail_next(1, status=429, preset="auth_rate_limit", path_prefix="/rest/v1", retry_after=7)
    outcome = await engine.sync_once()
    assert outcome.state is SyncState.OFFLINE and "rate" in outcome.problem
    assert outcome.retry_after >= 7  # the server's wait, not our short backoff
    assert (await engine.sync_once()).in_step


@pytest.mark.parametrize("lost", [504, "reset"])
async def test_an_answer_lost_after_commit_never_duplicates_the_insert(backend, team, caches, lost):
    fake = backend.require_fake()
    store, engine = await _ready(backend, team, caches)
    contact = store.create_record(Contact(workspace_id=team.a, name=f"Once {lost}"))
    fake.faults.fail_after_commit_next(1, status=lost, path_prefix="/rest/v1/contacts", methods=["POST"])
    outcome = await engine.sync_once()
    assert outcome.state is SyncState.OFFLINE
    assert _server_count(backend, "select count(*) from contacts where id = %s", (contact.id,)) == 1
    assert (await engine.sync_once()).in_step
    assert _server_count(backend, "select count(*) from contacts where name = %s and workspace_id = %s",
                         (f"Once {lost}", team.a)) == 1
    assert outbox(store) == []
    assert_same(backend, store, team.a)


async def test_lost_answer_of_an_insert_whose_later_edits_merge_into_the_retry(backend, team, caches):
    fake = backend.require_fake()
    store, engine = await _ready(backend, team, caches)
    contact = store.create_record(Contact(workspace_id=team.a, name="First"))
    fake.faults.fail_after_commit_next(1, status=504, path_prefix="/rest/v1/contacts", methods=["POST"])
    assert (await engine.sync_once()).state is SyncState.OFFLINE
    store.update_record("contact", contact.id, {"name": "Second"})  # merged with the insert's retry
    assert (await engine.sync_once()).in_step
    assert backend.sql("select name from contacts where id = %s", (contact.id,)) == [("Second",)]
    assert_same(backend, store, team.a)


async def test_an_expired_token_is_refreshed_and_the_request_repeated(backend, team, caches):
    fake = backend.require_fake()
    store, engine = await _ready(backend, team, caches)
    client = await engine.client()
    expired = await fake.access_token_for(team.alice.id, expires_in=-300)
    client.postgrest.auth(expired)
    contact = store.create_record(Contact(workspace_id=team.a, name="After expiry"))
    outcome = await engine.sync_once()
    assert outcome.in_step, outcome
    assert _server_count(backend, "select count(*) from contacts where id = %s", (contact.id,)) == 1


async def test_rls_refusal_is_parked_with_its_reason_and_other_rows_keep_flowing(backend, team, caches):
    seeded = seed_board(backend, team.a, deals=1)
    store, engine = await _ready(backend, team, caches, user=team.bob, role="member")
    backend.sql("update workspace_members set role = 'viewer' where workspace_id = %s and user_id = %s",
                (team.a, team.bob.id))
    refused = store.create_record(Contact(workspace_id=team.a, name="Viewer's contact"))
    store.create_record(Contact(workspace_id=team.a, name="Another"))  # so the edit is not merged
    store.update_record("contact", refused.id, {"title": "held behind"})
    outcome = await engine.sync_once()
    assert not outcome.in_step and outcome.failed >= 3
    entries = {e["seq"]: e for e in outbox(store)}
    first = min(e["seq"] for e in entries.values() if e["row_id"] == refused.id)
    assert entries[first]["state"] == "failed" and "row-level security" in entries[first]["last_error"]
    later = [e for e in entries.values() if e["row_id"] == refused.id and e["seq"] > first]
    assert later and all(e["state"] == "failed" and e["last_error"] == HELD for e in later)
    assert _server_count(backend, "select count(*) from contacts where id = %s", (refused.id,)) == 0
    # Made a member again: a retry sends the refused entry and the ones held behind it, in order.
    backend.sql("update workspace_members set role = 'member' where workspace_id = %s and user_id = %s",
                (team.a, team.bob.id))
    assert store.get_meta("role") == "viewer"  # the pull told the cache what the server decided
    await engine.sync_once()
    assert store.get_meta("role") == "member"
    store.update_record("deal", seeded["deals"][0], {"name": "still flowing"})
    assert engine.status.failed >= 2
    await engine._retry([e["seq"] for e in outbox(store) if e["last_error"] != HELD])
    outcome = await engine.sync_once()
    assert outcome.in_step, outcome
    assert backend.sql("select title from contacts where id = %s", (refused.id,)) == [("held behind",)]
    assert backend.sql("select name from deals where id = %s", (seeded["deals"][0],)) == [("still flowing",)]
    assert_same(backend, store, team.a)


async def test_a_constraint_refusal_is_parked_and_discard_returns_the_row_to_the_server(backend, team, caches):
    seeded = seed_board(backend, team.a, deals=1)
    deal = seeded["deals"][0]
    contact = backend.sql("insert into contacts (workspace_id, name) values (%s, 'Linked') returning id", (team.a,))[0][0]
    store, engine = await _ready(backend, team, caches)
    link = store.add_deal_contact(deal, str(contact), "buyer")
    other = store.create_record(Contact(workspace_id=team.a, name="Unrelated"))
    # The web app links the same contact to the same deal first: (deal_id, contact_id) is unique.
    backend.sql("insert into deal_contacts (deal_id, contact_id, role) values (%s, %s, 'web')", (deal, contact))
    outcome = await engine.sync_once()
    assert not outcome.in_step and outcome.failed == 1
    (parked,) = [e for e in outbox(store) if e["state"] == "failed"]
    assert parked["row_id"] == link.id and "duplicate" in parked["last_error"]
    assert _server_count(backend, "select count(*) from contacts where id = %s", (other.id,)) == 1
    await engine._discard([parked["seq"]])
    with store.reading() as conn:
        assert conn.execute("SELECT 1 FROM deal_contacts WHERE id = ?", (link.id,)).fetchone() is None
        assert conn.execute("SELECT role FROM deal_contacts WHERE deal_id = ? AND contact_id = ?",
                            (deal, str(contact))).fetchone()[0] == "web"
    assert outbox(store) == []
    assert (await engine.sync_once()).in_step
    assert_same(backend, store, team.a)


async def test_discarding_a_refused_edit_brings_back_the_servers_value(backend, team, caches):
    seeded = seed_board(backend, team.a, deals=1)
    deal = seeded["deals"][0]
    store, engine = await _ready(backend, team, caches, user=team.bob, role="member")
    backend.sql("update workspace_members set role = 'viewer' where workspace_id = %s and user_id = %s",
                (team.a, team.bob.id))
    store.update_record("deal", deal, {"name": "Not allowed"})
    outcome = await engine.sync_once()
    assert outcome.failed >= 1
    seqs = [e["seq"] for e in outbox(store) if e["state"] == "failed"]
    await engine._discard(seqs)
    with store.reading() as conn:
        assert conn.execute("SELECT name FROM deals WHERE id = ?", (deal,)).fetchone()[0] == "Deal 1"
    assert engine.status.failed == 0
    assert_same(backend, store, team.a)


async def test_a_discard_while_offline_brings_the_server_value_back_in_the_next_round(backend, team, caches):
    fake = backend.require_fake()
    seeded = seed_board(backend, team.a, deals=1)
    deal = seeded["deals"][0]
    store, engine = await _ready(backend, team, caches, user=team.bob, role="member")
    backend.sql("update workspace_members set role = 'viewer' where workspace_id = %s and user_id = %s",
                (team.a, team.bob.id))
    store.update_record("deal", deal, {"name": "Refused offline"})
    assert (await engine.sync_once()).failed >= 1
    seqs = [e["seq"] for e in outbox(store) if e["state"] == "failed"]
    await fake.stop()
    try:
        await engine._discard(seqs)  # the server cannot be asked now
    finally:
        await fake.start()
    assert outbox(store) == []
    with store.reading() as conn:
        assert conn.execute("SELECT name FROM deals WHERE id = ?", (deal,)).fetchone()[0] == "Refused offline"
    await engine.sync_once()
    with store.reading() as conn:
        assert conn.execute("SELECT name FROM deals WHERE id = ?", (deal,)).fetchone()[0] == "Deal 1"
    assert_same(backend, store, team.a)


async def test_consecutive_inserts_go_as_one_request_and_a_lost_answer_duplicates_none(backend, team, caches):
    fake = backend.require_fake()
    store, engine = await _ready(backend, team, caches)
    made = [store.create_record(Contact(workspace_id=team.a, name=f"Batch {n}")).id for n in range(30)]
    fake.faults.fail_after_commit_next(1, status=504, path_prefix="/rest/v1/contacts", methods=["POST"])
    outcome = await engine.sync_once()
    assert outcome.state is SyncState.OFFLINE
    assert _server_count(backend, "select count(*) from contacts where id = any(%s::uuid[])", (made,)) == 30  # one request
    assert (await engine.sync_once()).in_step
    assert _server_count(backend, "select count(*) from contacts where workspace_id = %s and name like 'Batch %%'",
                         (team.a,)) == 30
    assert_same(backend, store, team.a)


async def test_a_refused_row_in_a_batch_parks_only_that_row(backend, team, caches):
    seeded = seed_board(backend, team.a, deals=1)
    deal = seeded["deals"][0]
    contacts = [str(r[0]) for r in backend.sql(
        "insert into contacts (workspace_id, name) select %s, 'P' || g from generate_series(1, 3) g returning id",
        (team.a,))]
    store, engine = await _ready(backend, team, caches)
    links = [store.add_deal_contact(deal, c, None) for c in contacts]
    backend.sql("insert into deal_contacts (deal_id, contact_id) values (%s, %s)", (deal, contacts[1]))
    outcome = await engine.sync_once()
    assert outcome.failed == 1
    (parked,) = [e for e in outbox(store) if e["state"] == "failed"]
    assert parked["row_id"] == links[1].id
    assert _server_count(backend, "select count(*) from deal_contacts where id = any(%s::uuid[])",
                         ([links[0].id, links[2].id],)) == 2


async def test_an_edit_of_a_row_deleted_meanwhile_is_parked_as_deleted(backend, team, caches):
    from track_tui.store.server_apply import DELETED_ON_SERVER

    store, engine = await _ready(backend, team, caches)
    contact = store.create_record(Contact(workspace_id=team.a, name="Doomed"))
    assert (await engine.sync_once()).in_step
    backend.sql("delete from contacts where id = %s", (contact.id,))  # the web app, before our pull
    store.update_record("contact", contact.id, {"title": "too late"})
    outcome = await engine.sync_once()
    reasons = {e["row_id"]: e["last_error"] for e in outbox(store) if e["state"] == "failed"}
    assert outcome.failed >= 1 and reasons[contact.id] == DELETED_ON_SERVER  # (its timeline entry is refused too)
    assert _server_count(backend, "select count(*) from contacts where id = %s", (contact.id,)) == 0
    # The refused timeline entry stays here until the person decides; discarding removes it.
    await engine._discard([e["seq"] for e in outbox(store) if e["state"] == "failed"])
    assert outbox(store) == []
    assert_same(backend, store, team.a)

"""Two people (two caches, two engines) and the web app writing directly to the database, on
the same and on different rows, online and offline: once every engine has synced, every cache
equals the server row by row, and field-level last writer wins by the server's receipt."""

from __future__ import annotations

from track_tui.models import Contact, Task
from track_tui.sync.status import SyncState

from .support import assert_same, make_engine, seed_board


async def _settle(backend, engines, team, stores):
    """Sync everyone until nobody has anything waiting (two passes carry each other's rows)."""
    for _ in range(3):
        outcomes = [await engine.sync_once() for engine in engines]
        if all(o.in_step for o in outcomes):
            break
    for store in stores:
        assert_same(backend, store, team.a)
    return outcomes


def _deal(backend, deal_id):
    return backend.sql("select name, value_cents, close_date::text from deals where id = %s", (deal_id,))[0]


async def test_two_people_and_the_web_app_converge_online(backend, team, caches):
    seeded = seed_board(backend, team.a, deals=4)
    a_store, b_store = caches(team.alice), caches(team.bob, role="member")
    alice = make_engine(backend, team.alice, a_store, team.a)
    bob = make_engine(backend, team.bob, b_store, team.a)
    await _settle(backend, [alice, bob], team, [a_store, b_store])
    d0, d1, d2 = seeded["deals"][:3]
    # The same row, different fields: both survive (field-level, not row-level).
    a_store.update_record("deal", d0, {"name": "Alice's name"})
    b_store.update_record("deal", d0, {"value_cents": 777})
    backend.sql("update deals set close_date = '2027-01-31' where id = %s", (d0,))
    # The same field: the server's order of receipt decides (bob pushes last).
    a_store.update_record("deal", d1, {"name": "from Alice"})
    b_store.update_record("deal", d1, {"name": "from Bob"})
    # Different rows, and new rows on both sides.
    a_contact = a_store.create_record(Contact(workspace_id=team.a, name="Alice's contact"))
    b_task = b_store.create_task(Task(workspace_id=team.a, title="Bob's task"))
    backend.sql("update deals set name = 'Web' where id = %s", (d2,))
    await alice.sync_once()
    await bob.sync_once()
    await _settle(backend, [alice, bob], team, [a_store, b_store])
    assert _deal(backend, d0) == ("Alice's name", 777, "2027-01-31")
    assert _deal(backend, d1)[0] == "from Bob"
    assert _deal(backend, d2)[0] == "Web"
    assert backend.sql("select count(*) from contacts where id = %s", (a_contact.id,)) == [(1,)]
    assert backend.sql("select count(*) from tasks where id = %s", (b_task.id,)) == [(1,)]


async def test_edits_made_offline_for_a_while_converge_when_back(backend, team, caches):
    fake = backend.require_fake()
    seeded = seed_board(backend, team.a, deals=3)
    a_store, b_store = caches(team.alice), caches(team.bob, role="member")
    alice = make_engine(backend, team.alice, a_store, team.a)
    bob = make_engine(backend, team.bob, b_store, team.a)
    await _settle(backend, [alice, bob], team, [a_store, b_store])
    d0, d1, _ = seeded["deals"]
    task = b_store.create_task(Task(workspace_id=team.a, title="to be deleted on the web"))
    await bob.sync_once()
    await fake.stop()  # everyone is offline; they keep working
    try:
        a_store.update_record("deal", d0, {"name": "offline Alice"})
        for n in range(5):
            a_store.create_record(Contact(workspace_id=team.a, name=f"offline {n}"))
        b_store.update_record("deal", d1, {"value_cents": 4242})
        b_store.update_task(task.id, {"title": "edited offline"})
        assert (await alice.sync_once()).state is SyncState.OFFLINE
        assert (await bob.sync_once()).state is SyncState.OFFLINE
        assert alice.status.pending >= 6
    finally:
        await fake.start()
    # Meanwhile the web app changed the same deal and deleted the task bob edited.
    backend.sql("update deals set value_cents = 1 where id = %s", (d0,))
    backend.sql("delete from tasks where id = %s", (task.id,))
    outcomes = await _settle(backend, [alice, bob], team, [a_store, b_store])
    assert outcomes[0].in_step
    assert _deal(backend, d0)[:2] == ("offline Alice", 1)
    assert _deal(backend, d1)[1] == 4242
    assert backend.sql("select count(*) from contacts where workspace_id = %s and name like 'offline %%'",
                       (team.a,)) == [(5,)]
    # Deletes win: bob's edit of the deleted task is parked with the reason, not re-created.
    assert backend.sql("select count(*) from tasks where id = %s", (task.id,)) == [(0,)]
    assert bob.status.failed == 1 and bob.status.pending == 0

"""A stateful property test of the whole engine against the double: two people editing,
creating and deleting offline and online, the web app writing directly, the server down for a
while, 5xx answers, answers lost after the server committed, expired tokens, late-committing
writers, Realtime hints applied between rounds and replayed late (dropped events are every
change no hint carries). After every example everyone syncs until quiet: every cache equals the server row by
row, every row a person created is on the server, nothing waits in an outbox, and the only
parked changes are edits of rows the web app deleted (deletes win: parked by the tombstone, or
by the server's empty answer when the edit is pushed before the tombstone is pulled).

The normal run does ``EXAMPLES`` × ``STEPS`` rounds (≥ 200); ``make soak`` sets TRACK_SOAK=1
for ≥ 1,000. The engines' rounds are driven by hand (``sync_once``) on a loop of this test's
own, so hypothesis decides when anyone syncs. A second machine (below) runs the engines on their
own loops with the real LiveFeed through Realtime's faults: dropped events, the subscribe window
and half-open sockets, ``LIVE_EXAMPLES`` × ``LIVE_STEPS`` more rounds (≥ 200 in the normal run,
≥ 1,000 in ``make soak``).
"""

from __future__ import annotations

import asyncio
import os
import uuid

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine, initialize, invariant, precondition, rule, run_state_machine_as_test,
)
from supabase import AsyncClientOptions, acreate_client

from track_tui.models import Contact, Task
from track_tui.store import Store, server_apply
from track_tui.store.server_apply import DELETED_ON_SERVER
from track_tui.sync.engine import SyncEngine
from track_tui.sync.push import HELD, NOT_ON_SERVER

from .support import FAST, differences, make_cache, seed_board

SOAK = bool(os.environ.get("TRACK_SOAK"))
EXAMPLES = 50 if SOAK else 10
STEPS = 25 if SOAK else 20
PEOPLE = ("alice", "bob")


def close_loop(loop: asyncio.AbstractEventLoop) -> None:
    """Close the test's loop as ``asyncio.run`` would: first end what still runs on it (realtime-py
    leaves a 10 s timeout task behind every push a frozen socket never answered)."""
    left = asyncio.all_tasks(loop)
    for task in left:
        task.cancel()

    async def ended():
        await asyncio.gather(*left, return_exceptions=True)
    loop.run_until_complete(ended())
    loop.close()


def machine_for(backend, team, tmp_path, loop):
    fake = backend.require_fake()

    class SyncMachine(RuleBasedStateMachine):
        @initialize()
        def start(self):
            self.tag = uuid.uuid4().hex[:6]
            self.seeded = seed_board(backend, team.a, deals=4, prefix=f"M{self.tag}")
            self.clients = []
            self.stores: dict[str, Store] = {}
            self.engines: dict[str, SyncEngine] = {}
            self.offline: set[str] = set()
            self.created: dict[str, list[str]] = {p: [] for p in PEOPLE}  # contacts made by each person
            self.tasks: dict[str, list[str]] = {p: [] for p in PEOPLE}
            self.web_deleted: set[str] = set()
            self.old_hints: list[tuple[str, dict]] = []
            for name in PEOPLE:
                user = getattr(team, name)
                store = make_cache(tmp_path / f"{name}-{self.tag}.sqlite3", team.a, user,
                                   "owner" if name == "alice" else "member")
                self.stores[name] = store

                async def client(user=user):
                    c = await acreate_client(backend.url, backend.anon_key, AsyncClientOptions(
                        auto_refresh_token=False, persist_session=False, postgrest_client_retry=False))
                    await c.auth.sign_in_with_password({"email": user.email, "password": user.password})
                    self.clients.append(c)
                    return c

                self.engines[name] = SyncEngine(store, None, team.a, client=client, settings=FAST)
                assert self.run(self.engines[name].sync_once()).in_step

        def run(self, coro):
            return loop.run_until_complete(coro)

        # -- local work ------------------------------------------------------------------

        @rule(who=st.sampled_from(PEOPLE), deal=st.integers(0, 3), name=st.text("abcxyz ", min_size=1, max_size=8))
        def rename_deal(self, who, deal, name):
            deal_id = self.seeded["deals"][deal]
            self.stores[who].update_record("deal", deal_id, {"name": name.strip() or "x"})

        @rule(who=st.sampled_from(PEOPLE), deal=st.integers(0, 3), cents=st.integers(0, 10**6))
        def price_deal(self, who, deal, cents):
            self.stores[who].update_record("deal", self.seeded["deals"][deal], {"value_cents": cents})

        @rule(who=st.sampled_from(PEOPLE))
        def create_contact(self, who):
            contact = self.stores[who].create_record(Contact(workspace_id=team.a, name=f"C{self.tag} {who}"))
            self.created[who].append(contact.id)

        @rule(who=st.sampled_from(PEOPLE))
        def create_task(self, who):
            task = self.stores[who].create_task(Task(workspace_id=team.a, title=f"T{self.tag}"))
            self.tasks[who].append(task.id)

        @rule(who=st.sampled_from(PEOPLE), data=st.data())
        def edit_or_delete_own_task(self, who, data):
            store = self.stores[who]
            with store.reading() as conn:
                held = [r[0] for r in conn.execute("SELECT id FROM tasks WHERE id IN (%s)" % ",".join(
                    "?" * len(self.tasks[who])), self.tasks[who])] if self.tasks[who] else []
            if not held:
                return
            task_id = data.draw(st.sampled_from(held))
            if data.draw(st.booleans()):
                store.update_task(task_id, {"title": data.draw(st.sampled_from(["a", "b", "c"]))})
            else:
                store.delete_task(task_id)
                self.tasks[who].remove(task_id)

        # -- the web app ----------------------------------------------------------------

        @rule(deal=st.integers(0, 3), cents=st.integers(0, 10**6))
        def web_edit(self, deal, cents):
            backend.sql("update deals set value_cents = %s where id = %s", (cents, self.seeded["deals"][deal]))

        @rule(data=st.data())
        def web_deletes_a_task(self, data):
            rows = backend.sql("select id from tasks where workspace_id = %s and title like %s", (team.a, f"T{self.tag}%"))
            if rows:
                task_id = str(data.draw(st.sampled_from(rows))[0])
                backend.sql("delete from tasks where id = %s", (task_id,))
                self.web_deleted.add(task_id)

        @rule(deal=st.integers(0, 3))
        def late_writer(self, deal):
            async def go():
                async with fake.held_transaction() as tx:
                    await tx.execute("update deals set name = name || '+' where id = %s", (self.seeded["deals"][deal],))
                    await self.engines["alice"].sync_once()  # pulls past the held row's time
            self.run(go())

        # -- Realtime hints (what the engine applies for the feed's on_rows) ---------------

        @rule(who=st.sampled_from(PEOPLE), deal=st.integers(0, 3), keep=st.booleans())
        def realtime_hint(self, who, deal, keep):
            (record,) = [r[0] for r in backend.sql("select to_jsonb(d) from deals d where id = %s",
                                                   (self.seeded["deals"][deal],))]
            server_apply.apply_rows(self.stores[who], "deals", [record])
            if keep:
                self.old_hints.append((who, record))

        @rule(data=st.data())
        def late_duplicate_hint(self, data):
            """An event delivered again, late: older than what the cache holds, never applied."""
            if self.old_hints:
                who, record = data.draw(st.sampled_from(self.old_hints))
                server_apply.apply_rows(self.stores[who], "deals", [record])

        # -- the network -----------------------------------------------------------------

        @rule(who=st.sampled_from(PEOPLE))
        def sync(self, who):
            if who not in self.offline:
                self.run(self.engines[who].sync_once())

        @rule(who=st.sampled_from(PEOPLE))
        def go_offline_or_back(self, who):
            self.offline ^= {who}

        @rule(who=st.sampled_from(PEOPLE), status=st.sampled_from([500, 503, 520]))
        def server_error(self, who, status):
            fake.faults.fail_next(1, status=status, path_prefix="/rest/v1")
            self.run(self.engines[who].sync_once())
            fake.faults.clear()

        @rule(who=st.sampled_from(PEOPLE), lost=st.sampled_from([504, "reset"]))
        def answer_lost_after_commit(self, who, lost):
            fake.faults.fail_after_commit_next(1, status=lost, path_prefix="/rest/v1")
            self.run(self.engines[who].sync_once())
            fake.faults.clear()

        @rule(who=st.sampled_from(PEOPLE))
        def server_down_for_a_round(self, who):
            self.run(fake.stop())
            try:
                self.run(self.engines[who].sync_once())
            finally:
                self.run(fake.start())

        @rule(who=st.sampled_from(PEOPLE))
        def token_expires(self, who):
            engine = self.engines[who]
            client = self.run(engine.client())
            user = getattr(team, who)
            client.postgrest.auth(self.run(fake.access_token_for(user.id, expires_in=-300)))
            self.run(engine.sync_once())

        @invariant()
        def outbox_never_loses_a_creation(self):
            if not hasattr(self, "stores"):
                return
            for who in PEOPLE:
                store = self.stores[who]
                with store.reading() as conn:
                    for contact_id in self.created[who][-3:]:
                        here = conn.execute("SELECT 1 FROM contacts WHERE id = ?", (contact_id,)).fetchone()
                        queued = conn.execute("SELECT 1 FROM outbox WHERE row_id = ?", (contact_id,)).fetchone()
                        assert here or queued, f"{who}'s contact {contact_id} vanished"

        def teardown(self):
            if not hasattr(self, "stores"):
                return
            try:
                fake.faults.clear()
                self.offline.clear()
                for _ in range(5):  # until a whole pass moves nothing: everyone has everyone's rows
                    outcomes = [self.run(self.engines[w].sync_once()) for w in PEOPLE]
                    if all(o.pending == 0 and o.problem is None and not o.pushed and not o.pulled for o in outcomes):
                        break
                for who in PEOPLE:
                    store = self.stores[who]
                    problems = differences(backend, store, team.a)
                    assert not problems, f"{who}: " + "\n".join(problems[:20])
                    assert store.pending_count() == 0
                    with store.reading() as conn:
                        parked = conn.execute("SELECT row_id, last_error FROM outbox WHERE state = 'failed'").fetchall()
                    for row_id, reason in parked:
                        assert reason in (DELETED_ON_SERVER, NOT_ON_SERVER, HELD) and row_id in self.web_deleted, (row_id, reason)
                    made = self.created[who]
                    if made:
                        on_server = backend.sql("select count(*) from contacts where id = any(%s::uuid[])", (made,))[0][0]
                        assert on_server == len(made), f"{who}: {len(made) - on_server} creations lost"
            finally:
                for engine in self.engines.values():
                    engine.close()
                for store in self.stores.values():
                    store.close()
                for client in self.clients:
                    for closer in (client.auth.close, client.postgrest.aclose):
                        try:
                            self.run(closer())
                        except Exception:
                            pass

    return SyncMachine


def _run_machine(make_machine, backend, team, tmp_path, examples: int, steps: int) -> None:
    """Run a state machine `examples` × `steps` rounds on its own event loop, closed after."""
    loop = asyncio.new_event_loop()
    try:
        machine = make_machine(backend, team, tmp_path, loop)
        run_state_machine_as_test(machine, settings=settings(
            max_examples=examples, stateful_step_count=steps, deadline=None, database=None,
            suppress_health_check=list(HealthCheck)))
    finally:
        close_loop(loop)


@pytest.mark.sync
def test_the_engine_converges_whatever_happens(backend, team, tmp_path):
    _run_machine(machine_for, backend, team, tmp_path, EXAMPLES, STEPS)


# -- the same engines running on their own, with the real LiveFeed ------------------------------------
#
# Here nobody calls ``sync_once``: each engine runs its own loop (``engine.run()``) with the real
# :class:`LiveFeed`, on this test's event loop, which turns only while a rule lets time pass. The
# faults are Realtime's own: events dropped on a connected channel, the subscribe window (a rejoin
# whose "Subscribed to PostgreSQL" comes late, with commits in between), half-open sockets (frozen:
# found by the feed's silence watchdog), plus 5xx, answers lost after commit, an outage, an expired
# token and a slow (held) transaction. Every timeout of the feed is the test's short one (silence
# noticed after 0.4 s, a join with no answer given up after 3 s, not 20), and a rule waiting for a
# fault to be used waits for that, at most a fraction of a second: a few hundred rounds fit in the
# normal run. The safety pull is set to a minute, so within an example only hints, catch-up pulls
# and pushes move rows; after the example what nothing else repairs -- an event dropped while the
# channel stayed up, and a web delete (whose tombstone's hint can be lost like any event) -- gets
# what the periodic safety pull would do (one requested pull), and only when one of those
# happened. Then the caches must equal the server row by row, with no write lost and nothing
# waiting, and each engine must stop within seconds of being cancelled.

LIVE_EXAMPLES = 25 if SOAK else 5
LIVE_STEPS = 40
LIVE_SETTLE = 30.0  # seconds for everyone to converge after an example (a loaded machine is slow)
LIVE_STOP = 10.0  # seconds an engine may take to stop once cancelled (it takes well under one)
# Freezes per example: enough for freezes back to back (a session frozen before its first pong),
# not the 40 in a row hypothesis sometimes draws, each costing a detection and a reconnect.
LIVE_FREEZES = 6


def live_machine_for(backend, team, tmp_path, loop):
    import functools

    from track_tui.sync.engine import EngineSettings
    from track_tui.sync.live import LiveFeed

    fake = backend.require_fake()
    quiet = EngineSettings(**{**FAST.model_dump(), "safety_interval": 60.0})
    feed = functools.partial(LiveFeed, silence_timeout=0.4, join_timeout=3.0, initial_backoff=0.05,
                             max_backoff=0.5, batch_window=0.4, batch_quiet=0.06)

    class LiveSyncMachine(RuleBasedStateMachine):
        @initialize()
        def start(self):
            self.tag = uuid.uuid4().hex[:6]
            self.seeded = seed_board(backend, team.a, deals=3, prefix=f"L{self.tag}")
            self.clients = []
            self.stores: dict[str, Store] = {}
            self.engines: dict[str, SyncEngine] = {}
            self.tasks: list[asyncio.Task] = []
            self.created: dict[str, list[str]] = {p: [] for p in PEOPLE}
            self.web_made: list[str] = []
            self.unhinted = False
            self.freezes = 0
            self.log: list[str] = []
            for name in PEOPLE:
                user = getattr(team, name)
                store = make_cache(tmp_path / f"live-{name}-{self.tag}.sqlite3", team.a, user,
                                   "owner" if name == "alice" else "member")
                self.stores[name] = store

                async def client(user=user):
                    c = await acreate_client(backend.url, backend.anon_key, AsyncClientOptions(
                        auto_refresh_token=False, persist_session=False, postgrest_client_retry=False))
                    await c.auth.sign_in_with_password({"email": user.email, "password": user.password})
                    self.clients.append(c)
                    return c

                engine = SyncEngine(store, None, team.a, client=client, settings=quiet, live_factory=feed)
                self.engines[name] = engine
                self.tasks.append(loop.create_task(engine.run(), name=f"engine-{name}"))
            self.wait_for(lambda: all(e._feed_live() for e in self.engines.values()), "both feeds live", 20)

        def run(self, coro):
            return loop.run_until_complete(coro)

        def wait_for(self, pred, what, timeout):
            async def go():
                deadline = loop.time() + timeout
                while not pred():
                    assert loop.time() < deadline, f"timed out waiting for {what() if callable(what) else what}; steps {self.log}"
                    await asyncio.sleep(0.05)
            self.run(go())

        def let_time_pass(self, seconds):
            self.run(asyncio.sleep(seconds))

        def until_or(self, pred, at_most):
            """Let time pass until ``pred()`` holds (a fault was used), at most ``at_most`` seconds."""
            async def go():
                deadline = loop.time() + at_most
                while not pred() and loop.time() < deadline:
                    await asyncio.sleep(0.02)
            self.run(go())

        def http_fault_used(self):
            return not fake.faults.describe()["pending"]

        def web_insert(self, name):
            cid = str(uuid.uuid4())
            backend.sql("insert into contacts (id, workspace_id, name) values (%s, %s, %s)", (cid, team.a, name))
            self.web_made.append(cid)

        # -- local and web work -----------------------------------------------------------------

        @rule(who=st.sampled_from(PEOPLE), deal=st.integers(0, 2), name=st.sampled_from(["a", "b", "c d"]))
        def rename_deal(self, who, deal, name):
            self.log.append(f"rename {who} {deal}")
            self.stores[who].update_record("deal", self.seeded["deals"][deal], {"name": name})

        @rule(who=st.sampled_from(PEOPLE))
        def create_contact(self, who):
            self.log.append(f"create {who}")
            contact = self.stores[who].create_record(Contact(workspace_id=team.a, name=f"L{self.tag} {who}"))
            self.created[who].append(contact.id)

        @rule(deal=st.integers(0, 2), cents=st.integers(0, 10**6))
        def web_edit(self, deal, cents):
            self.log.append(f"web edit {deal}")
            backend.sql("update deals set value_cents = %s where id = %s", (cents, self.seeded["deals"][deal]))

        @rule()
        def web_creates(self):
            self.log.append("web create")
            self.web_insert(f"W{self.tag}")

        @rule(data=st.data())
        def web_deletes(self, data):
            if self.web_made:
                cid = data.draw(st.sampled_from(self.web_made))
                self.log.append("web delete")
                backend.sql("delete from contacts where id = %s", (cid,))
                self.web_made.remove(cid)
                self.unhinted = True  # no Realtime hint carries a delete: its tombstone comes with a pull

        @rule(seconds=st.sampled_from([0.02, 0.1, 0.3]))
        def time_passes(self, seconds):
            self.log.append(f"sleep {seconds}")
            self.let_time_pass(seconds)

        # -- Realtime's faults ------------------------------------------------------------------

        @rule(n=st.integers(1, 3), deal=st.integers(0, 2))
        def events_dropped(self, n, deal):
            """Lost on a channel that stays up: nobody notices (the safety pull's job)."""
            self.log.append(f"drop {n}")
            self.unhinted = True
            fake.realtime.faults.drop_next(n)
            backend.sql("update deals set name = name || '!' where id = %s", (self.seeded["deals"][deal],))
            self.until_or(lambda: fake.realtime.faults.status()["pending_drops"] == 0, 0.3)
            fake.realtime.faults.clear()

        @rule(delay=st.sampled_from([0.15, 0.45]))
        def subscribe_window(self, delay):
            """Every socket told to go; the rejoin's database subscription comes late, and rows are
            committed in between (never sent: only the catch-up after "Subscribed" finds them)."""
            self.log.append(f"subscribe window {delay}")
            fake.realtime.faults.set_subscribe_delay(delay)
            fake.realtime.faults.drain_websockets(1001)
            for _ in range(3):
                self.let_time_pass(delay / 3)
                self.web_insert(f"window {self.tag}")
            self.wait_for(lambda: all(e._feed_live() for e in self.engines.values()), "live after the window", 20)
            fake.realtime.faults.clear()

        @precondition(lambda self: getattr(self, "freezes", 0) < LIVE_FREEZES)
        @rule()
        def half_open(self):
            """Every socket goes silent both ways; rows written meanwhile are never sent.

            A feed that was live has a socket the server froze, and must notice: its watchdog ends
            the session (or something else ends it first). A feed still connecting (after an
            outage, say) may connect after the freeze, on a socket nobody froze, or be frozen in
            its join (given up after ``join_timeout``): either way it must be live again after."""
            self.log.append("freeze")
            self.freezes += 1
            feeds = {w: e._feed for w, e in self.engines.items()}
            before = {w: (e._feed.half_open_detected, e._feed.sessions) for w, e in self.engines.items()}
            was_live = [w for w, e in self.engines.items() if e._feed_live()]
            frozen = fake.realtime.faults.freeze_websockets()["frozen"]
            self.web_insert(f"frozen {self.tag}")

            def noticed():
                return all(self.engines[w]._feed is not feeds[w] or self.engines[w]._feed.half_open_detected > before[w][0]
                           or self.engines[w]._feed.sessions > before[w][1] for w in was_live)
            def now():
                return {w: (e._feed.half_open_detected, e._feed.sessions, e._live_state) for w, e in self.engines.items()}
            self.wait_for(noticed, lambda: f"the silence to be noticed ({frozen} frozen; {was_live} were live; "
                                           f"before {before}, now {now()})", 20)
            self.wait_for(lambda: all(e._feed_live() for e in self.engines.values()), "live after the freeze", 20)

        # -- the network ------------------------------------------------------------------------

        @rule(who=st.sampled_from(PEOPLE), status=st.sampled_from([500, 503]))
        def server_error_on_a_push(self, who, status):
            self.log.append(f"5xx {who}")
            fake.faults.fail_next(1, status=status, path_prefix="/rest/v1")
            self.stores[who].update_record("deal", self.seeded["deals"][0], {"value_cents": 7})
            self.until_or(self.http_fault_used, 0.3)
            fake.faults.clear()

        @rule(who=st.sampled_from(PEOPLE), lost=st.sampled_from([504, "reset"]))
        def answer_lost_after_commit(self, who, lost):
            self.log.append(f"lost answer {who}")
            fake.faults.fail_after_commit_next(1, status=lost, path_prefix="/rest/v1")
            contact = self.stores[who].create_record(Contact(workspace_id=team.a, name=f"L{self.tag} lost"))
            self.created[who].append(contact.id)
            self.until_or(self.http_fault_used, 0.3)
            fake.faults.clear()

        @rule(who=st.sampled_from(PEOPLE), seconds=st.sampled_from([0.2, 0.6]))
        def offline_period(self, who, seconds):
            """The server is unreachable (REST and Realtime) while people and the web app work."""
            self.log.append(f"offline {seconds}")
            self.run(fake.stop())
            try:
                contact = self.stores[who].create_record(Contact(workspace_id=team.a, name=f"L{self.tag} off"))
                self.created[who].append(contact.id)
                self.let_time_pass(seconds)
            finally:
                self.run(fake.start())
            self.web_insert(f"after outage {self.tag}")

        @rule(who=st.sampled_from(PEOPLE))
        def token_expires(self, who):
            self.log.append(f"token {who}")
            client = self.run(self.engines[who].client())
            user = getattr(team, who)
            client.postgrest.auth(self.run(fake.access_token_for(user.id, expires_in=-300)))
            self.stores[who].update_record("deal", self.seeded["deals"][1], {"value_cents": 11})
            self.until_or(lambda: self.stores[who].pending_count() == 0, 0.3)  # pushed: 401, refresh, retry

        @rule(deal=st.integers(0, 2))
        def slow_transaction(self, deal):
            """The web app's transaction stays open while the engines pull, then commits."""
            self.log.append(f"slow tx {deal}")

            async def go():
                async with fake.held_transaction() as tx:
                    await tx.execute("update deals set name = name || '+' where id = %s", (self.seeded["deals"][deal],))
                    await asyncio.sleep(0.25)
            self.run(go())

        def teardown(self):
            if not hasattr(self, "stores"):
                return
            try:
                fake.faults.clear()
                fake.realtime.faults.clear()
                self.run(fake.start())
                self.wait_for(lambda: all(e._feed_live() for e in self.engines.values()), "live at the end", 20)
                if self.unhinted:
                    for engine in self.engines.values():
                        engine.request_pull()  # what the safety pull does for drops and deletes

                def settled():
                    return all(not differences(backend, s, team.a) and s.pending_count() == 0
                               for s in self.stores.values())
                try:
                    self.wait_for(settled, "the caches to equal the server", LIVE_SETTLE)
                except AssertionError:
                    for who in PEOPLE:
                        problems = differences(backend, self.stores[who], team.a)
                        assert not problems, f"{who} after {self.log}: " + "\n".join(problems[:20])
                        assert self.stores[who].pending_count() == 0, (who, self.log)
                    raise
                for who in PEOPLE:
                    with self.stores[who].reading() as conn:
                        parked = conn.execute("SELECT row_id, last_error FROM outbox WHERE state = 'failed'").fetchall()
                    assert not parked, (who, parked, self.log)
                    made = self.created[who]
                    if made:
                        on_server = backend.sql("select count(*) from contacts where id = any(%s::uuid[])", (made,))[0][0]
                        assert on_server == len(made), f"{who}: {len(made) - on_server} creations lost; {self.log}"
            finally:
                # A stop is bounded: an engine still running LIVE_STOP seconds after its cancel
                # fails the example (it used to hang the run: a cancel lost in a wake-up).
                for task in self.tasks:
                    task.cancel()
                self.run(asyncio.wait(self.tasks, timeout=LIVE_STOP))
                running = [t.get_name() for t in self.tasks if not t.done()]
                crashed = [(t.get_name(), t.exception()) for t in self.tasks
                           if t.done() and not t.cancelled() and t.exception() is not None]
                if not running:
                    for engine in self.engines.values():
                        engine.close()
                for store in self.stores.values():
                    store.close()
                for client in self.clients:
                    for closer in (client.realtime.close, client.auth.close, client.postgrest.aclose):
                        try:
                            self.run(asyncio.wait_for(closer(), 5))
                        except Exception:  # noqa: BLE001
                            pass
                assert not running, f"{running} still running {LIVE_STOP:g} s after being stopped; {self.log}"
                assert not crashed, crashed

    return LiveSyncMachine


@pytest.mark.sync
def test_engines_with_the_live_feed_converge_through_realtime_faults(backend, team, tmp_path):
    _run_machine(live_machine_for, backend, team, tmp_path, LIVE_EXAMPLES, LIVE_STEPS)

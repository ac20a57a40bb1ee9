"""Building the demo workspace into an empty cache: the plan, its rows, one bulk load.

Screens and sync write through the store's mutation API: one transaction per action,
auto-logged timeline entries, an outbox entry per row, search documents updated row by row.
That is right for a person's edits, but far too slow for 100,000 deals, and wrong for this data:
the demo is local content, not changes waiting to be uploaded. So :func:`build_demo` writes
every table with `executemany` inside ONE transaction (no outbox entries) through
:mod:`track_tui.store.bulk`: the secondary indexes dropped and re-created once at the end, the
search documents built once with the full-text triggers suspended, and the file switched to a
rollback journal without fsync for the build (nobody else has it open yet).
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from ..store import bulk
from ..store.rows import iso_utc
from ..store.store import Store
from .plan import _Plan
from .rows import _Writer
from .vocabulary import _FIELDS, DEFAULT_DEALS, WORKSPACE_NAME


class DemoSummary(BaseModel):
    """What `build_demo` wrote: identity and row counts."""

    model_config = ConfigDict(frozen=True)

    seed: int
    now: datetime
    workspace_id: str
    user_id: str
    workspace_name: str
    profiles: int
    companies: int
    contacts: int
    deals: int
    deal_contacts: int
    boards: int
    stages: int
    cards: int
    timeline_entries: int
    tasks: int
    custom_fields: int
    automations: int
    automation_runs: int
    audit_log: int

    def describe(self) -> str:
        """What `track demo` prints: a sentence a person reads, not the model's repr."""
        counts = ", ".join(f"{count:,} {noun}" for count, noun in (
            (self.deals, "deals"), (self.companies, "companies"), (self.contacts, "contacts"),
            (self.timeline_entries, "timeline entries"), (self.tasks, "tasks"),
        ))
        boards = f"{self.boards} board{'s' if self.boards != 1 else ''}"
        return f"{self.workspace_name}: {counts} on {boards} (seed {self.seed})"


def build_demo(store: Store, *, seed: int = 7, deals: int = DEFAULT_DEALS,
               now: datetime | None = None) -> DemoSummary:
    """Fill an empty store with the demo workspace; same seed and `now` → identical content.

    Writes every table in one transaction (no outbox entries), sets the meta keys
    `workspace_id`, `user_id` and `workspace_name`, and builds the search documents.
    """
    if deals < 0:
        raise ValueError("deals must be zero or more")
    if store.get_meta("workspace_id") is not None:
        raise ValueError("the store already holds a workspace; build the demo into a new file")
    moment = now if now is not None else store.now()
    plan = _Plan(seed, deals, moment)
    plan.build()
    searchable: dict[str, list[str]] = {}
    for spec in _FIELDS:
        if spec.searchable:
            searchable.setdefault(spec.record_type, []).append(spec.key)
    with store.lock:
        conn = store.conn
        store.close_idle_readers()  # the journal-mode switch below needs the file to itself
        writer = _Writer(plan, conn)
        restore = bulk.fast_pragmas(conn)
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                suspended = bulk.suspend_indexes(conn) + bulk.suspend_search_triggers(conn)
                writer.write_all()
                conn.executemany(  # inside the build's own transaction (not store.set_meta's)
                    "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    (("workspace_id", plan.workspace_id), ("user_id", plan.user_id), ("workspace_name", WORKSPACE_NAME)),
                )
                bulk.rebuild_search(conn, searchable, suspend_triggers=False)
                bulk.restore(conn, suspended)
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        finally:
            for statement in restore:
                conn.execute(statement)
        store.forget_searchable_fields()  # field definitions arrived without the write path
    counts = writer.counts
    return DemoSummary(
        seed=seed, now=moment, workspace_id=plan.workspace_id, user_id=plan.user_id,
        workspace_name=WORKSPACE_NAME, profiles=counts["profiles"], companies=counts["companies"],
        contacts=counts["contacts"], deals=counts["deals"], deal_contacts=counts["deal_contacts"],
        boards=counts["boards"], stages=counts["board_stages"], cards=counts["board_cards"],
        timeline_entries=counts["timeline_entries"], tasks=counts["tasks"],
        custom_fields=counts["custom_fields"], automations=counts["automations"],
        automation_runs=counts["automation_runs"], audit_log=counts["audit_log"],
    )

def fill_first_column(store: Store, count: int) -> str:
    """Add plain deals to the first stage of the first board until it holds `count` cards.

    For benchmarks and tests of very long columns; returns the stage's id.
    """
    board = store.boards()[0]
    stage = store.stages(board.id)[0]
    have = store.conn.execute("SELECT count(*) FROM board_cards WHERE stage_id = ?", (stage.id,)).fetchone()[0]
    now = iso_utc(store.now())
    deals, cards = [], []
    for i in range(max(0, count - have)):
        deal_id, card_id = f"00000000-0000-4000-8000-{i:012d}", f"00000000-0000-4000-9000-{i:012d}"
        deals.append((deal_id, store.workspace_id, f"Bulk deal {i}", 100_00 * (i % 50 + 1), "USD", stage.id, now))
        cards.append((card_id, board.id, stage.id, "deal", deal_id, 100_000 + i, store.workspace_id))
    with store.lock:
        store.conn.execute("BEGIN")
        store.conn.executemany(
            "INSERT INTO deals (id, workspace_id, name, value_cents, currency, stage_id, created_at) VALUES (?,?,?,?,?,?,?)",
            deals,
        )
        store.conn.executemany(
            "INSERT INTO board_cards (id, board_id, stage_id, record_type, record_id, position, workspace_id) VALUES (?,?,?,?,?,?,?)",
            cards,
        )
        store.conn.execute("COMMIT")
    return stage.id

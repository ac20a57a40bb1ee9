"""The record's timeline query reads automation runs beside the entries, by time, and the
timeline's sentences for a run: the rule, how it went, what it did or why it failed."""

from __future__ import annotations

from datetime import timedelta

from track_tui.models import Automation, AutomationRun
from track_tui.models.enums import EntryType, RunStatus
from track_tui.models.timeline import AutomationRunEntry
from track_tui.widgets.timeline import TimelineContext, describe_entry, entry_body, entry_icon, linked_ids


def a_deal_without_runs(store) -> str:
    return store.conn.execute(
        """SELECT d.id FROM deals d WHERE d.deleted_at IS NULL
        AND NOT EXISTS (SELECT 1 FROM automation_runs r WHERE r.record_id = d.id)
        AND EXISTS (SELECT 1 FROM timeline_entries e WHERE e.record_id = d.id) ORDER BY d.id LIMIT 1"""
    ).fetchone()[0]


def add_rule(store, name: str, actions) -> Automation:
    return store.save_automation(Automation(
        workspace_id=store.workspace_id, name=name, trigger={"type": "record_created"}, actions=actions))


def add_run(store, rule: Automation, record_id: str, status: RunStatus, at, error: str | None = None) -> AutomationRun:
    run = AutomationRun(automation_id=rule.id, record_id=record_id, status=status, error=error, run_at=at,
                        duration_ms=12, workspace_id=store.workspace_id)
    with store.transaction() as tx:
        tx.insert(run)
    return run


def test_runs_are_merged_with_the_entries_newest_first(demo_store):
    store = demo_store
    deal = a_deal_without_runs(store)
    before = store.timeline(deal, limit=1000)
    assert store.record_timeline(deal, limit=1000) == before  # no runs: the entries exactly
    rule = add_rule(store, "Tag it", [{"type": "add_tag", "tag": "hot"}, {"type": "create_task", "title": "Call",
                                                                           "due_in_days": 2}])
    newest, oldest = before[0].created_at, before[-1].created_at
    on_top = add_run(store, rule, deal, RunStatus.SUCCESS, newest + timedelta(minutes=5))
    tied = add_run(store, rule, deal, RunStatus.FAILED, newest, error="move stage: the stage no longer exists")
    last = add_run(store, rule, deal, RunStatus.SUCCESS, oldest - timedelta(days=1))
    merged = store.record_timeline(deal, limit=1000)
    assert store.record_timeline_count(deal) == len(before) + 3 == len(merged)
    assert [e.id for e in merged] == [on_top.id, tied.id, *[e.id for e in before], last.id]
    first = merged[0]
    assert isinstance(first, AutomationRunEntry) and first.automation_name == "Tag it"
    assert first.did == "tag it 'hot', then create task 'Call' due in 2 days"
    # pages are windows of the merged order
    assert [e.id for e in store.record_timeline(deal, limit=2, offset=1)] == [tied.id, before[0].id]
    # a filter by entry type shows entries only (a run is no entry type)
    notes = store.record_timeline(deal, types=[EntryType.NOTE, EntryType.CALL], limit=1000)
    assert all(not isinstance(e, AutomationRunEntry) for e in notes)
    assert store.record_timeline_count(deal, [EntryType.NOTE, EntryType.CALL]) == len(notes)
    assert store.runs_on_record(deal, [tied.id]) and not store.runs_on_record(deal, ["elsewhere"])


def test_a_rule_whose_actions_cannot_be_read_still_shows_its_run(demo_store):
    store = demo_store
    deal = a_deal_without_runs(store)
    rule = add_rule(store, "Odd", [{"type": "add_tag", "tag": "x"}])
    with store.transaction() as tx:
        tx.conn.execute("UPDATE automations SET actions = '{\"not\": \"a list\"}' WHERE id = ?", (rule.id,))
    run = add_run(store, rule, deal, RunStatus.FAILED, store.now(), error="the rule is malformed")
    [entry] = [e for e in store.record_timeline(deal) if e.id == run.id]
    assert entry.did == "nothing (the rule has no actions)" and entry.outcome == "failed"


def _run(status: RunStatus, error: str | None = None, name: str = "Nudge") -> AutomationRunEntry:
    from datetime import datetime, timezone

    return AutomationRunEntry(id="r1", automation_id="a1", automation_name=name, status=status, error=error,
                              created_at=datetime(2026, 11, 25, tzinfo=timezone.utc), did="tag it 'hot'")


def test_a_run_reads_as_the_rule_its_status_and_what_it_did():
    ctx = TimelineContext(now=_run(RunStatus.SUCCESS).created_at, today=_run(RunStatus.SUCCESS).created_at.date())
    ok = _run(RunStatus.SUCCESS)
    assert (describe_entry(ok, ctx), entry_body(ok), entry_icon(ok)) == ("Automation: Nudge · ok", "Did: tag it 'hot'", "⚙")
    skipped = _run(RunStatus.SUCCESS, "skipped: send a webhook (POST https://x) — webhooks are not sent without a server")
    assert describe_entry(skipped, ctx) == "Automation: Nudge · skipped"
    assert entry_body(skipped).splitlines()[1].startswith("Not done: skipped: send a webhook")
    failed = _run(RunStatus.FAILED, "move stage: the stage no longer exists")
    assert describe_entry(failed, ctx) == "Automation: Nudge · failed"
    assert entry_body(failed) == "Failed, nothing was changed: move stage: the stage no longer exists"
    assert linked_ids([ok], {}) == []  # no field edit to look names up for

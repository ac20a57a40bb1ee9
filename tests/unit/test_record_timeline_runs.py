"""The record's timeline query reads automation runs beside the entries, by time, and the
timeline's sentences for a run: the rule, how it went, what it did or why it failed."""

from __future__ import annotations

from datetime import timedelta

from track_tui.models import Automation, AutomationRun
from track_tui.models.enums import EntryType, RunStatus
from track_tui.models.timeline import TIMELINE_KINDS, AutomationRunEntry, RunKind
from track_tui.screens.record_dialogs import chosen_kinds, entry_type_options
from track_tui.widgets.check_list import CHECKED, UNCHECKED
from track_tui.store.record_queries import split_kinds
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
    # a filter by entry types that does not name runs shows those entries only
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


def test_the_filter_shows_runs_exactly_when_it_names_them(demo_store):
    store = demo_store
    deal = a_deal_without_runs(store)
    before = store.timeline(deal, limit=1000)
    rule = add_rule(store, "Tag it", [{"type": "add_tag", "tag": "hot"}])
    newest, oldest = before[0].created_at, before[-1].created_at
    top = add_run(store, rule, deal, RunStatus.SUCCESS, newest + timedelta(minutes=5))
    bottom = add_run(store, rule, deal, RunStatus.FAILED, oldest - timedelta(days=1), error="no")
    runs = [RunKind.AUTOMATION_RUN]
    only_runs = store.record_timeline(deal, types=runs, limit=1000)
    assert [e.id for e in only_runs] == [top.id, bottom.id]
    assert store.record_timeline_count(deal, runs) == 2
    kind = before[0].entry_type
    mixed = store.record_timeline(deal, types=[kind, *runs], limit=1000)
    of_kind = [e.id for e in before if e.entry_type == kind]
    assert [e.id for e in mixed] == [top.id, *of_kind, bottom.id]  # merged by time, one type kept
    assert store.record_timeline_count(deal, [kind, *runs]) == len(of_kind) + 2
    assert [e.id for e in store.record_timeline(deal, types=[kind, *runs], limit=1, offset=1)] == of_kind[:1]
    # every kind named is the whole timeline; naming nothing shows nothing
    assert len(store.record_timeline(deal, types=TIMELINE_KINDS, limit=1000)) == len(before) + 2
    assert store.record_timeline(deal, types=[], limit=1000) == [] and store.record_timeline_count(deal, []) == 0
    # a record no automation ran on: runs chosen alone show nothing, mixed reads as the entries
    other = a_deal_without_runs(store)
    assert store.record_timeline(other, types=runs) == [] and store.record_timeline_count(other, runs) == 0
    assert store.record_timeline(other, types=[kind, *runs]) == store.timeline(other, types=[kind])


def test_the_filter_dialog_offers_runs_and_reads_what_is_ticked():
    options = entry_type_options()
    assert options[-1] == ("automation_run", "⚙ Automation runs")
    # no icon in the list is a box like the tick boxes before them ("☑ ☐ Tasks" read as unticked)
    assert dict(options)["task"] == "⚑ Tasks"
    assert not any(mark in label for _, label in options for mark in (CHECKED, UNCHECKED, "▣", "✓"))
    assert [value for value, _ in options] == [k.value for k in TIMELINE_KINDS]
    assert chosen_kinds([]) is None and chosen_kinds([k.value for k in TIMELINE_KINDS]) is None
    assert chosen_kinds(["note", "automation_run"]) == {EntryType.NOTE, RunKind.AUTOMATION_RUN}
    assert chosen_kinds([e.value for e in EntryType]) == set(EntryType)  # every entry type, no runs: a filter
    assert split_kinds(None) == (None, True)
    assert split_kinds([EntryType.CALL]) == ({EntryType.CALL}, False)
    assert split_kinds([RunKind.AUTOMATION_RUN]) == (frozenset(), True)


def test_a_runs_words_name_the_record_an_action_links_to(demo_store):
    store = demo_store
    deal = a_deal_without_runs(store)
    company_id, company = store.conn.execute("SELECT id, name FROM companies ORDER BY name LIMIT 1").fetchone()
    rule = add_rule(store, "Move to the group", [{"type": "set_field", "field": "company_id", "value": company_id}])
    run = add_run(store, rule, deal, RunStatus.SUCCESS, store.now())
    [entry] = [e for e in store.record_timeline(deal) if e.id == run.id]
    assert entry.did == f"set Company to {company}" and company_id not in entry.did

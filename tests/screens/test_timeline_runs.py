"""Automation runs in the record page's timeline under Pilot: an ok and a failed run drawn as
entries (hostile rule names and errors as visible symbols), Enter opening the rule's run log at
the run, a run that arrives later drawn without reopening the page."""

from __future__ import annotations

from datetime import timedelta

from track_tui.models import Automation, AutomationRun, RecordType
from track_tui.models.enums import RunStatus
from textual.widgets import SelectionList

from track_tui.models.timeline import AutomationRunEntry, RunKind
from track_tui.screens.record_dialogs import MultiChoiceScreen, kind_words
from track_tui.widgets.status_line import StatusLine
from track_tui.safe_text import is_safe
from track_tui.screens.automations import RunLogScreen
from track_tui.screens.record import RecordScreen
from tests.support.pilot import settle

HOSTILE_NAME = "Evil\x1b]0;pwned\x07[bold red]rule[/]"
HOSTILE_ERROR = "boom\x1b[2J\r\nsecond line\x9b31m"


def a_deal(store) -> str:
    return store.conn.execute(
        """SELECT d.id FROM deals d WHERE d.deleted_at IS NULL
        AND NOT EXISTS (SELECT 1 FROM automation_runs r WHERE r.record_id = d.id) ORDER BY d.id LIMIT 1"""
    ).fetchone()[0]


def add_runs(store, deal: str) -> tuple[AutomationRun, AutomationRun]:
    rule = store.save_automation(Automation(
        workspace_id=store.workspace_id, name=HOSTILE_NAME, trigger={"type": "record_created"},
        actions=[{"type": "add_tag", "tag": "hot"}]))
    now = store.now()
    ok = AutomationRun(automation_id=rule.id, record_id=deal, status=RunStatus.SUCCESS, run_at=now + timedelta(hours=1),
                       duration_ms=3, workspace_id=store.workspace_id)
    failed = AutomationRun(automation_id=rule.id, record_id=deal, status=RunStatus.FAILED, error=HOSTILE_ERROR,
                           run_at=now + timedelta(minutes=30), duration_ms=4, workspace_id=store.workspace_id)
    with store.transaction() as tx:
        tx.insert(ok)
        tx.insert(failed)
    return ok, failed


def drawn(page: RecordScreen, index: int) -> list[str]:
    view = page.timeline
    view.set_cursor(index)
    return ["".join(segment.text for segment in strip) for strip in view._rendered[index]]


async def open_page(app, pilot, deal: str) -> RecordScreen:
    await settle(app, pilot)
    app.open_record(RecordType.DEAL, deal)
    await settle(app, pilot)
    assert isinstance(app.screen, RecordScreen)
    return app.screen


async def test_ok_and_failed_runs_are_timeline_entries_drawn_safely(demo_app, demo_store):
    deal = a_deal(demo_store)
    ok, failed = add_runs(demo_store, deal)
    async with demo_app.run_test(size=(120, 40)) as pilot:
        page = await open_page(demo_app, pilot, deal)
        entries = page.timeline.entries
        assert [e.id for e in entries[:2]] == [ok.id, failed.id]
        assert all(isinstance(e, AutomationRunEntry) for e in entries[:2])
        assert page.timeline_total == demo_store.timeline_count(deal) + 2
        first, second = drawn(page, 0), drawn(page, 1)
        assert first[0].startswith("⚙ Automation: Evil␛]0;pwned␇[bold red]rule[/] · ok")
        assert "Did: tag it 'hot'" in [line.strip() for line in first]
        assert second[0].startswith("⚙ Automation: Evil␛]0;pwned␇[bold red]rule[/] · failed")
        body = [line.strip() for line in second]
        at = body.index("Failed, nothing was changed: boom␛[2J")
        assert body[at + 1] == "second line�31m"  # the error whole, its lines as lines
        for text in first + second:
            assert is_safe(text), text


async def test_enter_on_a_run_opens_the_rules_run_log_at_it(demo_app, demo_store):
    deal = a_deal(demo_store)
    ok, failed = add_runs(demo_store, deal)
    async with demo_app.run_test(size=(80, 24)) as pilot:
        page = await open_page(demo_app, pilot, deal)
        page.timeline.focus()
        await pilot.press("j")  # the failed run
        assert page.timeline.current.id == failed.id
        assert page.timeline.current_entry is None  # no task is made from a run
        await pilot.press("enter")
        await settle(demo_app, pilot)
        log = demo_app.screen
        assert isinstance(log, RunLogScreen) and log.automation_id == failed.automation_id
        assert log.current.run.id == failed.id
        detail = str(log.query_one("#run-detail").render())
        assert "Error: boom␛[2J" in detail and "\x1b" not in detail
        await pilot.press("escape")
        await settle(demo_app, pilot)
        assert demo_app.screen is page
        await pilot.press("down")
        await pilot.press("enter")  # an entry, not a run: Enter folds / unfolds it, nothing opens
        await settle(demo_app, pilot)
        assert demo_app.screen is page


async def test_a_run_written_later_appears_without_reopening(demo_app, demo_store):
    deal = a_deal(demo_store)
    async with demo_app.run_test(size=(120, 40)) as pilot:
        page = await open_page(demo_app, pilot, deal)
        total = page.timeline_total
        ok, failed = add_runs(demo_store, deal)
        await settle(demo_app, pilot)
        assert page.timeline_total == total + 2
        assert page.timeline.entries[0].id == ok.id


async def test_the_timeline_filter_has_automation_runs_shown_only_when_ticked(demo_app, demo_store):
    deal = a_deal(demo_store)
    ok, failed = add_runs(demo_store, deal)
    kind = demo_store.timeline(deal, limit=1)[0].entry_type
    async with demo_app.run_test(size=(120, 40)) as pilot:
        page = await open_page(demo_app, pilot, deal)

        async def tick(*values: str) -> None:
            await pilot.press("f")
            await settle(demo_app, pilot)
            dialog = demo_app.screen
            assert isinstance(dialog, MultiChoiceScreen)
            assert dialog.options[-1] == ("automation_run", "⚙ Automation runs")
            selection = dialog.query_one(SelectionList)
            selection.deselect_all()
            for value in values:
                selection.select(value)
            await pilot.press("enter")
            await settle(demo_app, pilot)

        await tick(kind.value)  # an entry type alone: no runs
        assert page.timeline.entries and all(not isinstance(e, AutomationRunEntry) for e in page.timeline.entries)
        assert page.timeline_total == demo_store.timeline_count(deal, [kind])
        await tick("automation_run")  # runs alone
        assert [e.id for e in page.timeline.entries] == [ok.id, failed.id]
        assert page.timeline_total == 2
        assert page.timeline.border_title == "Timeline · 2 entries · automation runs"
        assert page.query_one(StatusLine).context.endswith(" · timeline: automation runs")  # words, not kind names
        await tick(kind.value, "automation_run")  # both, merged by time
        assert [e.id for e in page.timeline.entries[:2]] == [ok.id, failed.id]
        assert page.timeline_total == demo_store.timeline_count(deal, [kind]) + 2
        assert page.types == {kind, RunKind.AUTOMATION_RUN}
        assert page.query_one(StatusLine).context.endswith(f" · timeline: {kind_words(kind)}, automation runs")
        assert "_" not in page.timeline.border_title
        await tick()  # nothing ticked: everything
        assert page.types is None and page.timeline_total == demo_store.timeline_count(deal) + 2


def test_every_timeline_kind_is_worded_as_the_filter_offers_it():
    from track_tui.models.timeline import TIMELINE_KINDS
    from track_tui.screens.record_dialogs import entry_type_options, kinds_words

    offered = dict(entry_type_options())
    for kind in TIMELINE_KINDS:
        assert offered[kind.value].split(" ", 1)[1].lower() == kind_words(kind)  # the choice without its icon
    assert kinds_words([RunKind.AUTOMATION_RUN, *TIMELINE_KINDS[:2]]) == "notes, calls, automation runs"
    assert kind_words(TIMELINE_KINDS[4]) == "stage changes"


async def test_the_run_log_header_counts_one_run_in_the_singular(demo_app):
    store = demo_app.store
    deal = a_deal(store)
    ok, failed = add_runs(store, deal)
    with store.transaction() as tx:
        tx.delete("automation_runs", failed.id)
    async with demo_app.run_test(size=(120, 40)) as pilot:
        await settle(demo_app, pilot)
        demo_app.push_screen(RunLogScreen(store, record_id=deal, title="Acme"))
        await settle(demo_app, pilot)
        header = str(demo_app.screen.query_one("#runs-header").render())
        assert header == "Automation runs on Acme — 1 run, 0 failed, newest first"

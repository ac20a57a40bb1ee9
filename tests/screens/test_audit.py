"""The audit log screen, its filter dialog and a record's audit history under Pilot."""

from __future__ import annotations

import json
from datetime import timedelta

from track_tui.models import RecordType
from track_tui.screens.audit import AuditFilterScreen, AuditScreen
from track_tui.screens.automations import RunLogScreen
from track_tui.screens.record import RecordScreen

from track_tui.store.rows import iso_utc

from ..conftest import FROZEN_NOW


async def settle(app, pilot) -> None:
    await app.workers.wait_for_complete()
    await pilot.pause()


async def open_audit(app, pilot) -> AuditScreen:
    await settle(app, pilot)
    app.action_audit_log()
    await settle(app, pilot)
    assert isinstance(app.screen, AuditScreen)
    return app.screen


def add_entries(store, count, *, actor=None, table="deals", record_id=None, name="x", start=FROZEN_NOW):
    with store.transaction() as tx:
        for i in range(count):
            stamp = iso_utc(start - timedelta(minutes=i))  # the cache's one timestamp format
            tx.conn.execute(
                """INSERT INTO audit_log (id, workspace_id, actor_id, table_name, record_id, action, old_data,
                new_data, created_at) VALUES (?, ?, ?, ?, ?, 'update', ?, ?, ?)""",
                (f"bulk-{table}-{i}", store.workspace_id, actor, table, record_id, json.dumps({"name": "old"}),
                 json.dumps({"name": name}), stamp))


async def test_the_log_lists_newest_first_with_a_readable_diff(demo_app):
    async with demo_app.run_test(size=(120, 40)) as pilot:
        screen = await open_audit(demo_app, pilot)
        assert screen.items
        times = [i.entry.created_at for i in screen.items]
        assert times == sorted(times, reverse=True)
        detail = str(screen.query_one("#audit-detail").render())
        assert "→" in detail and screen.items[0].record in detail
        await pilot.press("j")
        assert screen.audit_list.cursor == 1


async def test_the_detail_names_the_assignee_and_record_of_a_task(demo_app, demo_store):
    """What the server's trigger logs for a new task holds ids: the detail names them."""
    deal_id, deal_name = demo_store.conn.execute("SELECT id, name FROM deals ORDER BY id LIMIT 1").fetchone()
    person, full_name = demo_store.conn.execute(
        "SELECT id, full_name FROM profiles WHERE full_name != '' ORDER BY id LIMIT 1").fetchone()
    new = {"title": "Chase the order form", "assigned_to": person, "record_type": "deal", "record_id": deal_id,
           "source_entry_id": None, "status": "open"}
    with demo_store.transaction() as tx:
        tx.conn.execute(
            """INSERT INTO audit_log (id, workspace_id, actor_id, table_name, record_id, action, old_data,
            new_data, created_at) VALUES ('task-entry', ?, NULL, 'tasks', 't1', 'insert', NULL, ?, ?)""",
            (demo_store.workspace_id, json.dumps(new), iso_utc(FROZEN_NOW + timedelta(days=1))))
    async with demo_app.run_test(size=(120, 40)) as pilot:
        screen = await open_audit(demo_app, pilot)
        assert screen.items[0].entry.id == "task-entry"
        detail = str(screen.query_one("#audit-detail").render())
        assert f"Assignee: {full_name}" in detail and f"Record: {deal_name}" in detail
        assert "Record type: deal" in detail and person not in detail and deal_id not in detail


async def test_the_filter_names_the_rule_a_field_breaks(demo_app):
    async with demo_app.run_test(size=(80, 24)) as pilot:
        screen = await open_audit(demo_app, pilot)
        await pilot.press("f")
        await settle(demo_app, pilot)
        dialog = demo_app.screen
        assert isinstance(dialog, AuditFilterScreen)
        error = dialog.query_one("#error")
        for field, value, message in [
            ("#audit-person", "Zebulon", "Person: nobody here is called 'Zebulon'"),
            ("#audit-table", "dealz", "Table: the log has no table 'dealz'"),
            ("#audit-since", "the day after never", "From: "),
        ]:
            dialog.query_one(field).value = value
            await pilot.pause()
            assert str(error.render()).startswith(message), str(error.render())
            await pilot.press("enter")
            await pilot.pause()
            assert demo_app.screen is dialog  # refused: still open
            dialog.query_one(field).value = ""
        dialog.query_one("#audit-since").value = "2026-11-20"
        dialog.query_one("#audit-until").value = "2026-11-10"
        await pilot.pause()
        assert str(error.render()).startswith("To: 2026-11-10 is before the from date 2026-11-20")
        dialog.query_one("#audit-since").value = ""
        dialog.query_one("#audit-until").value = ""
        dialog.query_one("#audit-table").value = "deals"
        dialog.query_one("#audit-person").value = "me"
        await pilot.pause()
        assert str(error.render()) == ""
        await pilot.press("enter")
        await settle(demo_app, pilot)
        assert demo_app.screen is screen
        me = demo_app.store.user_id
        assert screen.filter.actor_id == me and screen.filter.table == "deals"
        assert all(i.entry.actor_id == me and i.entry.table_name == "deals" for i in screen.items)
        await pilot.press("escape")  # clears the filter first
        assert screen.filter.actor_id is None and demo_app.screen is screen
        await pilot.press("escape")
        assert demo_app.screen is not screen


async def test_the_log_is_read_a_page_at_a_time(demo_app):
    add_entries(demo_app.store, 450, start=FROZEN_NOW + timedelta(days=1))
    async with demo_app.run_test(size=(80, 24)) as pilot:
        screen = await open_audit(demo_app, pilot)
        assert len(screen.items) == 200 and not screen.complete
        await pilot.press("G")
        await pilot.press("G")
        await pilot.press("G")
        await pilot.pause()
        with demo_app.store.reading() as conn:
            total = conn.execute("SELECT count(*) FROM audit_log").fetchone()[0]
        assert screen.complete and len(screen.items) == total
        assert len({i.seq for i in screen.items}) == total  # no entry twice


async def test_a_records_audit_history_and_runs_from_its_page(demo_app):
    store = demo_app.store
    with store.reading() as conn:
        deal_id = conn.execute("SELECT record_id FROM audit_log WHERE table_name = 'deals' LIMIT 1").fetchone()[0]
    async with demo_app.run_test(size=(120, 40)) as pilot:
        await settle(demo_app, pilot)
        demo_app.open_record(RecordType.DEAL, deal_id)
        await settle(demo_app, pilot)
        record = demo_app.screen
        assert isinstance(record, RecordScreen)
        commands = {title: cb for title, _, cb in record.palette_commands()}
        commands["Record: audit history"]()
        await settle(demo_app, pilot)
        history = demo_app.screen
        assert isinstance(history, AuditScreen) and history.items
        assert all(i.entry.record_id == deal_id for i in history.items)
        await pilot.press("enter")
        await settle(demo_app, pilot)
        assert isinstance(demo_app.screen, RecordScreen) and demo_app.screen.record_id == deal_id
        demo_app.screen.open_automation_runs()
        await settle(demo_app, pilot)
        runs = demo_app.screen
        assert isinstance(runs, RunLogScreen)
        assert all(line.run.record_id == deal_id for line in runs.lines)


async def test_data_in_an_entry_never_reaches_the_terminal_as_control_codes(demo_app):
    add_entries(demo_app.store, 1, name="evil\x1b[2J\x07[/]", start=FROZEN_NOW + timedelta(days=1))
    async with demo_app.run_test(size=(120, 40)) as pilot:
        screen = await open_audit(demo_app, pilot)
        detail = str(screen.query_one("#audit-detail").render())
        assert "\x1b" not in detail and "\x07" not in detail and "evil" in detail
        line = screen.audit_list.render_line(1)
        assert "\x1b" not in "".join(seg.text for seg in line)


async def test_the_record_page_shows_its_history_and_enter_opens_it(demo_app):
    store = demo_app.store
    with store.reading() as conn:
        deal_id = conn.execute(
            """SELECT r.record_id FROM automation_runs r JOIN audit_log a ON a.record_id = r.record_id
            GROUP BY r.record_id HAVING sum(r.status = 'failed') > 0 LIMIT 1""").fetchone()[0]
    runs, failed, audited = store.record_history_counts(deal_id)
    assert runs and failed and audited
    async with demo_app.run_test(size=(120, 40)) as pilot:
        await settle(demo_app, pilot)
        demo_app.open_record(RecordType.DEAL, deal_id)
        await settle(demo_app, pilot)
        record = demo_app.screen
        relations = record.relations_list
        prompts = {relations.get_option_at_index(i).id: str(relations.get_option_at_index(i).prompt)
                   for i in range(relations.option_count)}
        assert prompts["history:runs"].startswith(f"⚙ {runs} automation run") and f"{failed} failed" in prompts["history:runs"]
        assert prompts["history:audit"].startswith(f"✎ {audited} audit entr")
        record.open_relation("history:audit")
        await settle(demo_app, pilot)
        assert isinstance(demo_app.screen, AuditScreen) and len(demo_app.screen.items) == audited
        await pilot.press("escape")
        await settle(demo_app, pilot)
        record.open_relation("history:runs")
        await settle(demo_app, pilot)
        assert isinstance(demo_app.screen, RunLogScreen) and len(demo_app.screen.lines) == runs


async def test_an_automations_own_entries_name_it_and_the_status_line_keeps_no_dead_fields(demo_app):
    """What a local automation wrote says "automation 'X'", never "you"."""
    store = demo_app.store
    automation_id, name = store.conn.execute("SELECT id, name FROM automations ORDER BY id LIMIT 1").fetchone()
    add_entries(store, 1, actor=automation_id, name="by the rule", start=FROZEN_NOW + timedelta(days=1))
    async with demo_app.run_test(size=(120, 40)) as pilot:
        screen = await open_audit(demo_app, pilot)
        assert screen.items[0].actor == f"automation '{name}'"
        line = "".join(seg.text for seg in screen.audit_list.render_line(1))
        assert f"⚙ {name[:5]}" in line  # the narrow who column names the rule, not "automati…"
        assert f"automation '{name}'" in str(screen.query_one("#audit-detail").render())
        status = screen.query_one("#status")
        assert not {"pending", "workspace", "failed"} & set(vars(status))  # nothing reads such attributes

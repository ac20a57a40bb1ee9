"""The automations screen, its run log and the automation form under Pilot: what each key does
is checked in the store (outbox included), and bad input is refused inline, naming the rule."""

from __future__ import annotations

import json

from tests.support.pilot import open_with_key, settle
from track_tui.models import RecordType
from track_tui.screens.automation_form import AutomationFormScreen
from track_tui.screens.automations import AutomationsScreen, RunLogScreen
from track_tui.screens.record import RecordScreen


async def open_automations(app, pilot) -> AutomationsScreen:
    return await open_with_key(app, pilot, "A", AutomationsScreen)


def outbox(store, table):
    with store.reading() as conn:
        return [dict(r) for r in conn.execute("SELECT * FROM outbox WHERE table_name = ?", (table,))]


async def test_the_list_shows_every_rule_in_words_with_its_figures(demo_app):
    async with demo_app.run_test(size=(120, 40)) as pilot:
        screen = await open_automations(demo_app, pilot)
        store = demo_app.store
        assert len(screen.summaries) == len(store.automations()) >= 6
        assert screen.option_list.option_count == len(screen.summaries)
        first = screen.summaries[0]
        with store.reading() as conn:
            runs = conn.execute("SELECT count(*) FROM automation_runs WHERE automation_id = ? AND run_at >= ?",
                                (first.automation.id, "2026-11-18T09:30:00")).fetchone()[0]
        assert first.runs_7d == runs
        detail = str(screen.query_one("#automation-detail").render())
        assert detail.splitlines()[1].startswith("WHEN ")
        assert first.automation.name in detail


async def test_space_toggles_a_rule_through_the_write_path(demo_app):
    async with demo_app.run_test(size=(120, 40)) as pilot:
        screen = await open_automations(demo_app, pilot)
        store = demo_app.store
        target = screen.current.automation
        await pilot.press("space")
        await settle(demo_app, pilot)
        assert store.automation(target.id).is_enabled is (not target.is_enabled)
        assert any(json.loads(e["patch"]) == {"is_enabled": not target.is_enabled} for e in outbox(store, "automations"))
        assert screen.current.automation.id == target.id  # the cursor stays on it


async def test_non_admins_are_not_offered_the_admin_keys(demo_app):
    demo_app.store.set_meta("role", "member")
    async with demo_app.run_test(size=(120, 40)) as pilot:
        screen = await open_automations(demo_app, pilot)
        before = screen.current.automation.is_enabled
        for key in ("space", "n", "e"):
            await pilot.press(key)
            await settle(demo_app, pilot)
        assert isinstance(demo_app.screen, AutomationsScreen)  # no form opened
        assert demo_app.store.automation(screen.current.automation.id).is_enabled is before
        assert screen.check_action("toggle", ()) is False and screen.check_action("runs", ()) is True


async def test_a_malformed_stored_rule_shows_as_such(demo_app):
    store = demo_app.store
    with store.transaction() as tx:
        tx.conn.execute("""UPDATE automations SET "trigger" = '"soon"', actions = '[{"type": "teleport"}]'
                        WHERE name = 'Close date is near'""")
    async with demo_app.run_test(size=(80, 24)) as pilot:
        screen = await open_automations(demo_app, pilot)
        index = next(i for i, s in enumerate(screen.summaries) if s.automation.name == "Close date is near")
        screen.option_list.highlighted = index
        await pilot.pause()
        detail = str(screen.query_one("#automation-detail").render())
        assert "malformed trigger (a trigger must be an object, not str)" in detail
        assert "unknown type 'teleport'" in detail


async def test_the_run_log_shows_runs_newest_first_with_the_full_error_and_opens_the_record(demo_app):
    async with demo_app.run_test(size=(120, 40)) as pilot:
        screen = await open_automations(demo_app, pilot)
        store = demo_app.store
        index = next(i for i, s in enumerate(screen.summaries) if s.failures_7d)
        screen.option_list.highlighted = index
        automation = screen.summaries[index].automation
        log = await open_with_key(demo_app, pilot, "enter", RunLogScreen)
        times = [line.run.run_at for line in log.lines]
        assert times == sorted(times, reverse=True) and all(x.run.automation_id == automation.id for x in log.lines)
        failed = next(i for i, line in enumerate(log.lines) if line.run.status.value == "failed")
        log.option_list.highlighted = failed
        await pilot.pause()
        detail = str(log.query_one("#run-detail").render())
        assert f"Error: {log.lines[failed].run.error}" in detail
        line = log.lines[failed]
        assert line.record_type is RecordType.DEAL
        await pilot.press("enter")
        await settle(demo_app, pilot)
        assert isinstance(demo_app.screen, RecordScreen) and demo_app.screen.record_id == line.run.record_id
        assert store.automation_runs(automation.id)[0].run.run_at == times[0]


async def test_the_palette_offers_automations(demo_app):
    async with demo_app.run_test(size=(120, 40)) as pilot:
        await settle(demo_app, pilot)
        titles = [c.title for c in demo_app.get_system_commands(demo_app.screen)]
        assert "Workspace: automations" in titles and "Workspace: audit log" in titles


async def _open_form(app, pilot, key: str) -> AutomationFormScreen:
    await open_automations(app, pilot)
    await pilot.press(key)
    await settle(app, pilot)
    assert isinstance(app.screen, AutomationFormScreen)
    return app.screen


async def test_a_new_rule_is_validated_as_typed_and_saved(demo_app):
    async with demo_app.run_test(size=(120, 40)) as pilot:
        form = await _open_form(demo_app, pilot, "n")
        store = demo_app.store
        form.query_one("#rule-name").value = "Tag won deals"
        form.query_one("#rule-trigger").value = '{"type": "record_created", "record_type": "deal"}'
        form.query_one("#rule-actions").value = '[{"type": "add_tag"}]'
        await pilot.pause()
        assert str(form.query_one("#error").render()) == "Action 1 (add tag) — Tag: required (it is empty)"
        form.query_one("#rule-actions").value = '[{"type": "add_tag", "tag": "won"'
        await pilot.pause()
        assert str(form.query_one("#error").render()).startswith("Actions: not JSON")
        form.query_one("#rule-actions").value = '[{"type": "add_tag", "tag": "new"}]'
        await pilot.pause()
        assert str(form.query_one("#error").render()) == ""
        assert str(form.query_one("#rule-preview").render()) == "WHEN a deal is created THEN tag it 'new'"
        before = len(store.automations())
        await pilot.press("ctrl+s")
        await settle(demo_app, pilot)
        assert isinstance(demo_app.screen, AutomationsScreen)
        created = [s.automation for s in store.automations() if s.automation.name == "Tag won deals"]
        assert len(store.automations()) == before + 1 and created[0].actions == [{"type": "add_tag", "tag": "new"}]
        assert any(e["op"] == "insert" and e["row_id"] == created[0].id for e in outbox(store, "automations"))


async def test_a_new_rule_form_asks_for_a_trigger_in_words_before_any_error(demo_app):
    async with demo_app.run_test(size=(120, 40)) as pilot:
        form = await _open_form(demo_app, pilot, "n")
        # nothing done yet: a prompt, no error, and no "empty" anywhere
        assert str(form.query_one("#error").render()) == ""
        assert str(form.query_one("#rule-preview").render()) == "Trigger: choose what starts this rule — Enter on WHEN"
        form.query_one("#rule-name").value = "Greet"
        await pilot.pause()
        # something typed: the first rule still broken is said, in the same words
        assert str(form.query_one("#error").render()) == "Trigger: choose what starts this rule — Enter on WHEN"
        assert str(form.query_one("#rule-preview").render()) == ""
        form.query_one("#rule-name").value = ""
        await pilot.press("ctrl+s")  # back as opened, saved anyway: refused, saying why, nothing stored
        await pilot.pause()
        assert isinstance(demo_app.screen, AutomationFormScreen)
        assert str(form.query_one("#error").render()) == "Trigger: choose what starts this rule — Enter on WHEN"


async def test_bad_input_is_refused_and_nothing_saved(demo_app):
    async with demo_app.run_test(size=(80, 24)) as pilot:
        form = await _open_form(demo_app, pilot, "n")
        store = demo_app.store
        before = len(store.automations())
        for trigger, actions, problem in [
            ('{"type": "days_in_stage", "stage_id": "x", "days": 0}', '[{"type":"add_tag","tag":"a"}]',
             "Trigger (days in stage) — For how long: must be at least 1"),
            ('{"type": "record_created"}', '[]', "Actions: a rule needs at least one action"),
            ('[1]', '[]', "Trigger: must be a JSON object"),
            ('{"type": "record_created"}', '{"type": "add_tag"}', "Actions: must be a JSON list"),
        ]:
            form.query_one("#rule-name").value = "x"
            form.query_one("#rule-trigger").value = trigger
            form.query_one("#rule-actions").value = actions
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert isinstance(demo_app.screen, AutomationFormScreen)
            assert str(form.query_one("#error").render()).startswith(problem)
        form.query_one("#rule-name").value = "  "
        form.query_one("#rule-trigger").value = '{"type": "record_created"}'
        form.query_one("#rule-actions").value = '[{"type":"add_tag","tag":"a"}]'
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert str(form.query_one("#error").render()) == "Name: an automation needs a name"
        form.query_one("#rule-name").value = "🚀" + "x" * 200  # too long for a list's line: refused, kept
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert str(form.query_one("#error").render()) == "Name: an automation's name is at most 200 characters"
        assert form.query_one("#rule-name").value.startswith("🚀x")
        assert len(store.automations()) == before


def test_the_store_refuses_an_automation_name_too_long(demo_store):
    import pytest

    from track_tui.models import Automation
    from track_tui.store import InvalidInput

    with pytest.raises(InvalidInput, match="at most 200 characters"):
        demo_store.save_automation(Automation(workspace_id=demo_store.workspace_id, name="n" * 201,
                                              trigger={"type": "record_created"},
                                              actions=[{"type": "add_tag", "tag": "a"}]))
    saved = demo_store.save_automation(Automation(workspace_id=demo_store.workspace_id, name=" " + "n" * 200 + " ",
                                                  trigger={"type": "record_created"},
                                                  actions=[{"type": "add_tag", "tag": "a"}]))
    assert demo_store.automation(saved.id).name == "n" * 200


async def open_part(app, pilot, form: AutomationFormScreen, option_id: str, kind: str | None = None):
    """The part form of a line of the rule's list ("add:action", "condition:0", "trigger"), with
    its kind switched to `kind` when given."""
    from track_tui.screens.rule_part_form import RulePartScreen

    form.edit_part(option_id)
    await settle(app, pilot)
    part = app.screen
    assert isinstance(part, RulePartScreen)
    if kind is not None:
        part.query_one("#p-type").value = kind
        await settle(app, pilot)
        assert part.part_type == kind
    return part


async def test_editing_keeps_the_id_and_every_kind_has_a_form(demo_app):
    async with demo_app.run_test(size=(120, 40)) as pilot:
        form = await _open_form(demo_app, pilot, "e")
        target = form.automation
        for kind in ("condition", "action"):
            for key in form.templates[kind]:
                part_form = await open_part(demo_app, pilot, form, f"add:{kind}", key)
                assert str(part_form.query_one("#error").render()) == "", key
                await pilot.press("ctrl+s")
                await settle(demo_app, pilot)
                assert demo_app.screen is form
        await open_part(demo_app, pilot, form, "trigger", "days_in_stage")
        await pilot.press("ctrl+s")
        await settle(demo_app, pilot)
        assert str(form.query_one("#error").render()) == ""
        conditions = json.loads(form.query_one("#rule-conditions").value)
        assert [c["type"] for c in conditions[-9:]] == list(form.templates["condition"])
        assert [p for p in form.parts if p.startswith("condition:")] == [f"condition:{i}" for i in range(len(conditions))]
        await pilot.press("ctrl+s")
        await settle(demo_app, pilot)
        saved = demo_app.store.automation(target.id)
        assert saved.trigger["type"] == "days_in_stage"
        assert saved.rule.usable and len(saved.actions) == len(target.actions) + 8


async def test_a_part_form_picks_names_and_refuses_what_breaks_a_rule(demo_app):
    async with demo_app.run_test(size=(80, 24)) as pilot:
        form = await _open_form(demo_app, pilot, "n")
        store = demo_app.store
        part = await open_part(demo_app, pilot, form, "add:action", "create_task")
        part.query_one("#p-title").value = ""
        await pilot.pause()
        assert str(part.query_one("#error").render()) == "Title: required (it is empty)"
        part.query_one("#p-title").value = "Send proposal"
        part.query_one("#p-due_in_days").value = "soon"
        await pilot.pause()
        assert str(part.query_one("#error").render()) == (
            "Due in: 'soon' is not a number of days: write 2, 2 days or 1 week")
        part.query_one("#p-due_in_days").value = "2 days"
        other = next(u for u in store.profiles() if u != store.user_id)
        part.query_one("#p-assign_to").value = other
        await pilot.pause()
        name = store.profiles()[other].full_name
        assert str(part.query_one("#part-preview").render()) == f"create task 'Send proposal' for {name} due in 2 days"
        await pilot.press("ctrl+s")
        await settle(demo_app, pilot)
        actions = json.loads(form.query_one("#rule-actions").value)
        assert actions == [{"type": "create_task", "title": "Send proposal", "assign_to": other, "due_in_days": 2}]
        part = await open_part(demo_app, pilot, form, "add:action", "assign_owner")
        part.query_one("#p-mode").value = "round_robin"
        part.query_one("#p-user_ids").value = "Zebulon"
        await pilot.pause()
        assert str(part.query_one("#error").render()) == "People (in turn): 'Zebulon' matches nobody"
        await pilot.press("escape", "escape")  # typed into: the first Esc asks, the second discards
        await settle(demo_app, pilot)
        assert demo_app.screen is form and len(json.loads(form.query_one("#rule-actions").value)) == 1


async def test_a_standalone_app_runs_rules_and_shows_their_notifications(demo_app):
    from track_tui.models import Automation

    store = demo_app.store
    store.standalone = True
    with store.reading() as conn:
        for (automation_id,) in conn.execute("SELECT id FROM automations").fetchall():
            store.set_automation_enabled(automation_id, False)  # only the rule below
    board = store.boards()[0]
    second = store.stages(board.id)[1]
    rule = store.save_automation(Automation(
        workspace_id=store.workspace_id, name="Moved on", trigger={"type": "stage_changed", "to_stage_id": second.id},
        actions=[{"type": "notify", "user": store.user_id, "message": "It moved on"}]))
    async with demo_app.run_test(size=(120, 40)) as pilot:
        await settle(demo_app, pilot)
        await pilot.press("L")  # the first card of the first column moves to the second stage
        await settle(demo_app, pilot)
        [run] = store.automation_runs(rule.id)
        assert run.run.status.value == "success"
        assert "It moved on" in [n.message for n in demo_app._notifications]
        # the clock's triggers are swept by a worker, never on the UI thread
        demo_app.run_scheduled_automations()
        await settle(demo_app, pilot)


async def test_names_in_a_part_form_are_drawn_as_text(demo_app):
    from track_tui.screens.rule_part_form import RulePartScreen

    store = demo_app.store
    board = store.boards()[0]
    stage = store.stages(board.id)[0]
    with store.transaction() as tx:
        tx.update("board_stages", stage.id, {"name": "[/]\x1b[2J[@click=app.quit]x"})
    async with demo_app.run_test(size=(120, 40)) as pilot:
        form = await _open_form(demo_app, pilot, "n")
        part = await open_part(demo_app, pilot, form, "add:action", "move_stage")
        assert isinstance(part, RulePartScreen)
        part.query_one("#p-stage_id").value = stage.id
        await pilot.pause()
        preview = str(part.query_one("#part-preview").render())
        assert preview.startswith("move it to [/]") and "\x1b" not in preview
        await pilot.press("ctrl+s")
        await settle(demo_app, pilot)
        assert json.loads(form.query_one("#rule-actions").value) == [{"type": "move_stage", "stage_id": stage.id}]


async def test_many_notifications_of_one_rule_come_as_one(demo_app):
    from track_tui.models import RecordType
    from track_tui.store.automation_runner import Notice

    store = demo_app.store
    async with demo_app.run_test(size=(80, 24)) as pilot:
        await settle(demo_app, pilot)
        store._notices.extend([Notice(store.user_id, "Stale", RecordType.DEAL, f"d{i}", "Nudge") for i in range(4)]
                              + [Notice("someone-else", "Not for me", RecordType.DEAL, "x", "Nudge")])
        demo_app._show_notices()
        await pilot.pause()
        messages = [n.message for n in demo_app._notifications]
        assert messages.count("Stale (4 records)") == 1 and "Not for me" not in messages


async def test_the_footer_shows_what_enter_does_on_the_rule_list_and_the_run_log(demo_app):
    """A list's own Enter (select, unshown) won the key over the screen's 'Run log'."""
    from track_tui.widgets.key_hints import KeyHints

    async with demo_app.run_test(size=(120, 40)) as pilot:
        screen = await open_with_key(demo_app, pilot, "A", AutomationsScreen)
        assert demo_app.focused is screen.option_list
        hints = str(screen.query_one(KeyHints).render())
        assert hints.startswith("⏎ Run log") and hints.count("Run log") == 1
        await pilot.press("enter")  # and Enter does what it says
        await settle(demo_app, pilot)
        runs = demo_app.screen
        assert isinstance(runs, RunLogScreen)
        assert "⏎ Open record" in str(runs.query_one(KeyHints).render())

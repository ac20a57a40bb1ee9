"""Editing an automation's existing parts through their forms under Pilot: each part opens
filled with its stored value, a change is validated as it is typed, and what is saved goes
through the write path (outbox included) and reads back; malformed stored parts are shown as
such and replaced; parts are removed and moved; the JSON view agrees with the list."""

from __future__ import annotations

import json

from textual.widgets import Input, Select

from tests.support.pilot import open_with_key, settle
from track_tui.models import RecordType
from track_tui.screens.automation_form import AutomationFormScreen
from track_tui.screens.automations import AutomationsScreen
from track_tui.screens.record_dialogs import RecordPickerScreen
from track_tui.screens.rule_part_form import RulePartScreen
from track_tui.widgets.link_value import LinkValue


def rule_named(store, name: str):
    return next(s.automation for s in store.automations() if s.automation.name == name)


async def open_form_of(app, pilot, name: str) -> AutomationFormScreen:
    screen = await open_with_key(app, pilot, "A", AutomationsScreen)
    screen.option_list.highlighted = next(i for i, s in enumerate(screen.summaries) if s.automation.name == name)
    await pilot.pause()
    await pilot.press("e")
    await settle(app, pilot)
    assert isinstance(app.screen, AutomationFormScreen)
    return app.screen


async def enter_on(app, pilot, form: AutomationFormScreen, option_id: str) -> RulePartScreen:
    """Walk the list to a part with the keys and press Enter on it."""
    parts = form.query_one("#rule-parts")
    parts.focus()
    await pilot.press("home")
    for _ in range(form.parts.index(option_id)):
        await pilot.press("down")
    assert form.current_part == option_id
    await pilot.press("enter")
    await settle(app, pilot)
    assert isinstance(app.screen, RulePartScreen)
    return app.screen


def error(screen) -> str:
    return str(screen.query_one("#error").render())


def automation_updates(store, automation_id: str) -> list[dict]:
    with store.reading() as conn:
        return [json.loads(r[0]) for r in conn.execute(
            "SELECT patch FROM outbox WHERE table_name = 'automations' AND row_id = ? AND op = 'update'",
            (automation_id,))]


async def test_an_existing_condition_and_action_are_edited_prefilled_and_saved(demo_app):
    store = demo_app.store
    rule = rule_named(store, "Nudge stale proposals")
    boards = store.rule_names().boards
    other_board = next(b for b in boards if b != rule.conditions[0]["board_id"])
    async with demo_app.run_test(size=(80, 24)) as pilot:
        form = await open_form_of(demo_app, pilot, rule.name)
        assert form.parts == ["trigger", "condition:0", "add:condition", "action:0", "action:1", "add:action"]
        condition = await enter_on(demo_app, pilot, form, "condition:0")
        assert condition.query_one("#p-type").value == "on_board"
        assert condition.query_one("#p-board_id").value == rule.conditions[0]["board_id"]
        condition.query_one("#p-board_id").value = other_board
        await pilot.pause()
        assert str(condition.query_one("#part-preview").render()) == f"it is on {boards[other_board]}"
        await pilot.press("ctrl+s")
        await settle(demo_app, pilot)
        assert demo_app.screen is form and form.current_part == "condition:0"

        action = await enter_on(demo_app, pilot, form, "action:0")
        assert action.query_one("#p-type").value == "create_task"
        assert action.query_one("#p-title").value == "Follow up on the proposal"
        assert action.query_one("#p-due_in_days").value == "1 day"
        assert action.query_one("#p-assign_to").value == "owner"
        action.query_one("#p-due_in_days").value = "0"  # allowed: due the same day
        action.query_one("#p-due_in_days").value = "twelve"
        await pilot.pause()
        assert error(action) == "Due in: 'twelve' is not a number of days: write 2, 2 days or 1 week"
        await pilot.press("ctrl+s")
        await settle(demo_app, pilot)
        assert demo_app.screen is action  # refused: nothing put in the rule
        action.query_one("#p-due_in_days").value = "1 week"
        action.query_one("#p-title").value = "Chase the proposal"
        await pilot.pause()
        assert error(action) == ""
        await pilot.press("ctrl+s")
        await settle(demo_app, pilot)
        assert demo_app.screen is form
        assert str(form.query_one("#rule-preview").render()).startswith(
            f"WHEN a deal has been in Proposal for 14 days IF it is on {boards[other_board]} "
            "THEN create task 'Chase the proposal' due in 7 days, then notify")
        await pilot.press("ctrl+s")
        await settle(demo_app, pilot)
        assert isinstance(demo_app.screen, AutomationsScreen)
    saved = store.automation(rule.id)
    assert saved.conditions == [{"type": "on_board", "board_id": other_board}]
    assert saved.actions[0] == {"type": "create_task", "title": "Chase the proposal", "assign_to": "owner",
                                "due_in_days": 7}
    assert saved.actions[1] == rule.actions[1]  # untouched
    assert saved.trigger == rule.trigger
    patch = automation_updates(store, rule.id)[-1]
    assert patch["conditions"] == saved.conditions and patch["actions"] == saved.actions


async def test_a_trigger_value_is_typed_as_its_field_takes_it(demo_app):
    store = demo_app.store
    rule = rule_named(store, "Tag big deals as enterprise")
    async with demo_app.run_test(size=(120, 40)) as pilot:
        form = await open_form_of(demo_app, pilot, rule.name)
        trigger = await enter_on(demo_app, pilot, form, "trigger")
        assert trigger.query_one("#p-field").value == "value_cents"
        assert trigger.query_one("#p-op").value == "gte"
        assert trigger.query_one("#p-value").value == "100,000.00"  # cents shown as an amount
        trigger.query_one("#p-value").value = "lots"
        await pilot.pause()
        assert error(trigger) == "Value: 'lots' is not an amount: write 10000 or 10,000.00"
        trigger.query_one("#p-value").value = "250,000"
        await pilot.pause()
        assert str(trigger.query_one("#part-preview").render()) == "a record's Value is at least 250,000.00"
        await pilot.press("ctrl+s")
        await settle(demo_app, pilot)
        await pilot.press("ctrl+s")
        await settle(demo_app, pilot)
    assert store.automation(rule.id).trigger == {"type": "field_matches", "field": "value_cents", "op": "gte",
                                                 "value": 25_000_000}


async def test_bad_input_in_an_existing_part_names_the_rule_and_changes_nothing(demo_app):
    store = demo_app.store
    rule = rule_named(store, "Nudge stale proposals")
    async with demo_app.run_test(size=(80, 24)) as pilot:
        form = await open_form_of(demo_app, pilot, rule.name)
        trigger = await enter_on(demo_app, pilot, form, "trigger")
        assert trigger.query_one("#p-days").value == "2 weeks"
        for typed, problem in [("0", "For how long: must be at least 1"),
                               ("20000 days", "For how long: '20000 days': must be at most 3650 days"),
                               ("", "For how long: required (it is empty)")]:
            trigger.query_one("#p-days").value = typed
            await pilot.pause()
            assert error(trigger) == problem
            await pilot.press("ctrl+s")
            await settle(demo_app, pilot)
            assert demo_app.screen is trigger
        await pilot.press("escape")  # changed: asks first
        await settle(demo_app, pilot)
        assert demo_app.screen is trigger and error(trigger).startswith("Esc again discards what you changed")
        await pilot.press("escape")
        await settle(demo_app, pilot)
        assert demo_app.screen is form
        await pilot.press("escape")  # the rule form too (unchanged: closes at once): nothing saved
        await settle(demo_app, pilot)
        assert not isinstance(demo_app.screen, AutomationFormScreen)
    assert store.automation(rule.id).trigger == rule.trigger
    assert automation_updates(store, rule.id) == []


async def test_malformed_stored_parts_are_shown_and_replaced_keeping_unknown_keys(demo_app):
    store = demo_app.store
    rule = rule_named(store, "Tag big deals as enterprise")
    broken = [{"type": "add_tag", "tag": "", "colour": "red"}, {"type": "teleport", "to": "mars"}]
    with store.transaction() as tx:
        tx.conn.execute("UPDATE automations SET actions = ? WHERE id = ?", (json.dumps(broken), rule.id))
    async with demo_app.run_test(size=(120, 40)) as pilot:
        form = await open_form_of(demo_app, pilot, rule.name)
        lines = [str(form.query_one("#rule-parts").get_option_at_index(i).prompt) for i in range(len(form.parts))]
        assert "⚠ malformed action (add tag — Tag: must not be empty) — Enter replaces it" in lines[3]
        assert "⚠ malformed action (unknown type 'teleport') — Enter replaces it" in lines[4]
        assert error(form) == "Action 1 (add tag) — Tag: must not be empty"
        first = await enter_on(demo_app, pilot, form, "action:0")
        assert "Stored as malformed (Tag: must not be empty)" in str(
            first.query_one("#stored-problem").render())
        assert first.part_type == "add_tag" and error(first) == "Tag: required (it is empty)"
        first.query_one("#p-tag").value = "enterprise"
        await pilot.pause()
        await pilot.press("ctrl+s")
        await settle(demo_app, pilot)
        assert error(form) == "Action 2 — unknown type 'teleport'"
        second = await enter_on(demo_app, pilot, form, "action:1")
        assert "unknown type 'teleport'" in str(second.query_one("#stored-problem").render())
        second.query_one("#p-type").value = "notify"  # another kind: its own fields
        await settle(demo_app, pilot)
        assert second.query("#p-message") and not second.query("#p-tag")
        second.query_one("#p-message").value = "A big one"
        await pilot.pause()
        await pilot.press("ctrl+s")
        await settle(demo_app, pilot)
        assert error(form) == ""
        await pilot.press("ctrl+s")
        await settle(demo_app, pilot)
    assert store.automation(rule.id).actions == [
        {"type": "add_tag", "tag": "enterprise", "colour": "red"},  # the web app's key kept
        {"type": "notify", "user": "owner", "message": "A big one"},  # a new kind: nothing of teleport's
    ]


async def test_switching_kind_keeps_what_both_kinds_have(demo_app):
    store = demo_app.store
    rule = rule_named(store, "Lost deals: clear at-risk tag")
    async with demo_app.run_test(size=(80, 24)) as pilot:
        form = await open_form_of(demo_app, pilot, rule.name)
        action = await enter_on(demo_app, pilot, form, "action:0")
        assert action.query_one("#p-tag").value == "at-risk"
        action.query_one("#p-type").value = "add_tag"
        await settle(demo_app, pilot)
        assert action.query_one("#p-tag").value == "at-risk"
        assert str(action.query_one("#part-preview").render()) == "tag it 'at-risk'"


async def test_parts_are_removed_and_moved_and_the_json_view_agrees(demo_app):
    store = demo_app.store
    rule = rule_named(store, "Round-robin new inbound deals")
    async with demo_app.run_test(size=(80, 24)) as pilot:
        form = await open_form_of(demo_app, pilot, rule.name)
        form.query_one("#rule-parts").focus()
        await pilot.press("home", "down", "down", "down", "down", "down")
        assert form.current_part == "action:1"
        await pilot.press("shift+up")  # add_tag before assign_owner
        await settle(demo_app, pilot)
        assert [a["type"] for a in json.loads(form.query_one("#rule-actions").value)] == ["add_tag", "assign_owner"]
        assert form.current_part == "action:0"
        await pilot.press("home", "down")
        assert form.current_part == "condition:0"
        await pilot.press("d")
        await settle(demo_app, pilot)
        assert json.loads(form.query_one("#rule-conditions").value) == [rule.conditions[1]]
        await pilot.press("home", "d")  # the trigger cannot go
        await settle(demo_app, pilot)
        assert error(form) == "Trigger: a rule needs one; Enter replaces it"
        await pilot.press("ctrl+o")
        await settle(demo_app, pilot)
        assert form.query_one("#rule-json").display and not form.query_one("#rule-parts").display
        assert demo_app.focused is form.query_one("#rule-trigger")
        form.query_one("#rule-actions").value = '[{"type": "add_tag", "tag": "x"'  # not JSON (yet)
        await settle(demo_app, pilot)
        await pilot.press("ctrl+o")
        await settle(demo_app, pilot)
        assert "broken:action" in form.parts and error(form).startswith("Actions: not JSON")
        form.edit_part("broken:action")  # Enter on it: back to the JSON, where it can be fixed
        await settle(demo_app, pilot)
        assert form.query_one("#rule-json").display and isinstance(demo_app.screen, AutomationFormScreen)
        form.query_one("#rule-actions").value = '[{"type": "add_tag", "tag": "x"}]'
        await settle(demo_app, pilot)
        await pilot.press("ctrl+o")
        await settle(demo_app, pilot)
        assert [p for p in form.parts if p.startswith("action")] == ["action:0"]
        await pilot.press("ctrl+s")
        await settle(demo_app, pilot)
    saved = store.automation(rule.id)
    assert saved.conditions == [rule.conditions[1]] and saved.actions == [{"type": "add_tag", "tag": "x"}]


async def test_hostile_text_in_a_stored_rule_is_drawn_as_symbols(demo_app):
    store = demo_app.store
    rule = rule_named(store, "Tag big deals as enterprise")
    hostile = "[/]\x1b]52;c;cHduZWQ=\x07[@click=app.quit]x"
    actions = [{"type": "add_tag", "tag": hostile}, {"type": hostile}]
    with store.transaction() as tx:
        tx.conn.execute("UPDATE automations SET actions = ? WHERE id = ?", (json.dumps(actions), rule.id))
    async with demo_app.run_test(size=(80, 24)) as pilot:
        form = await open_form_of(demo_app, pilot, rule.name)
        parts = form.query_one("#rule-parts")
        lines = [str(parts.get_option_at_index(i).prompt) for i in range(len(form.parts))]
        assert "tag it '[/]␛]52;c;cHduZWQ=␇[@click=app.quit]x'" in lines[3]
        assert all("\x1b" not in line and "\x07" not in line for line in lines)
        part = await enter_on(demo_app, pilot, form, "action:1")  # the malformed one: its problem, safely
        problem = str(part.query_one("#stored-problem").render())
        assert "unknown type '[/]" in problem and "\x1b" not in problem
        await pilot.press("escape")
        await settle(demo_app, pilot)
        edit = await enter_on(demo_app, pilot, form, "action:0")
        assert "\x1b" not in str(edit.query_one("#part-preview").render())
        assert demo_app.screen is edit  # nothing the text holds was run as an action


async def test_a_custom_select_value_is_one_of_its_options_and_a_number_keeps_its_limits(demo_app):
    store = demo_app.store
    rule = rule_named(store, "Round-robin new inbound deals")
    async with demo_app.run_test(size=(120, 40)) as pilot:
        form = await open_form_of(demo_app, pilot, rule.name)
        condition = await enter_on(demo_app, pilot, form, "condition:0")
        value = condition.query_one("#p-value")
        assert isinstance(value, Select) and value.value == "inbound"  # the field's options, as a list
        options = [str(prompt) for prompt, _ in value._options]
        assert options == ["(no value)", "inbound", "outbound", "referral", "partner", "event"]
        value.value = "referral"
        await pilot.pause()
        assert str(condition.query_one("#part-preview").render()) == "Lead source is 'referral'"
        condition.query_one("#p-field").value = "custom_fields.contract_months"  # a number: a line again
        await settle(demo_app, pilot)
        line = condition.query_one("#p-value")
        assert isinstance(line, Input) and line.placeholder == "a whole number from 1 to 60"
        for typed, problem in [("0", "Value: must be at least 1"), ("61", "Value: must be at most 60"),
                               ("2.5", "Value: must be a whole number")]:
            line.value = typed
            await pilot.pause()
            assert error(condition) == problem
        line.value = "24"
        await pilot.pause()
        assert error(condition) == ""
        condition.query_one("#p-field").value = "custom_fields.procurement"  # yes / no
        await settle(demo_app, pilot)
        choice = condition.query_one("#p-value")
        assert isinstance(choice, Select)
        choice.value = "__yes__"
        await pilot.pause()
        await pilot.press("ctrl+s")
        await settle(demo_app, pilot)
        assert demo_app.screen is form
        await pilot.press("ctrl+s")
        await settle(demo_app, pilot)
    assert store.automation(rule.id).conditions[0] == {"type": "field_equals", "field": "custom_fields.procurement",
                                                       "value": True, "negate": False}


async def test_a_link_value_is_picked_by_name_and_stored_as_the_id(demo_app):
    store = demo_app.store
    rule = rule_named(store, "Tag big deals as enterprise")
    company_id, company = store.conn.execute(
        "SELECT id, name FROM companies WHERE deleted_at IS NULL ORDER BY name LIMIT 1").fetchone()
    contact_id, contact, at = store.conn.execute(
        """SELECT c.id, c.name, co.name FROM contacts c JOIN companies co ON co.id = c.company_id
        WHERE c.deleted_at IS NULL ORDER BY c.name LIMIT 1""").fetchone()
    async with demo_app.run_test(size=(120, 40)) as pilot:
        form = await open_form_of(demo_app, pilot, rule.name)
        condition = await enter_on(demo_app, pilot, form, "condition:0")
        condition.query_one("#p-type").value = "field_equals"
        await settle(demo_app, pilot)
        condition.query_one("#p-field").value = "company_id"
        await settle(demo_app, pilot)
        link = condition.query_one("#p-value")
        assert isinstance(link, LinkValue) and link.value is None
        assert "Enter picks a company" in str(link.render())
        link.focus()
        await pilot.press("enter")
        await settle(demo_app, pilot)
        picker = demo_app.screen
        assert isinstance(picker, RecordPickerScreen)
        await pilot.press(*company[:6])
        await settle(demo_app, pilot)
        assert picker.items and all(item.record_type.value == "company" for item in picker.items)
        picker.query_one("#results").highlighted = next(i for i, it in enumerate(picker.items)
                                                        if it.record_id == company_id)
        await pilot.press("enter")
        await settle(demo_app, pilot)
        assert demo_app.screen is condition and link.value == company_id
        assert str(link.render()).startswith(company)
        assert str(condition.query_one("#part-preview").render()) == f"Company is {company}"
        await pilot.press("ctrl+s")
        await settle(demo_app, pilot)
        assert demo_app.screen is form
        lines = [str(form.query_one("#rule-parts").get_option_at_index(i).prompt) for i in range(len(form.parts))]
        assert f"Company is {company}" in lines[1] and company_id not in lines[1]  # the name, never the id

        action = await enter_on(demo_app, pilot, form, "action:0")  # a custom link: {type, id}
        action.query_one("#p-type").value = "set_field"
        await settle(demo_app, pilot)
        action.query_one("#p-field").value = "custom_fields.referred_by"
        await settle(demo_app, pilot)
        action.query_one("#p-value").focus()
        await pilot.press("enter")
        await settle(demo_app, pilot)
        picker = demo_app.screen
        assert isinstance(picker, RecordPickerScreen)
        await pilot.press(*contact)
        await settle(demo_app, pilot)
        row = next(i for i, it in enumerate(picker.items) if it.record_id == contact_id)
        assert picker.items[row].detail.startswith(at)  # a contact shows its company
        picker.query_one("#results").highlighted = row
        await pilot.press("enter")
        await settle(demo_app, pilot)
        assert action.query_one("#p-value").value == {"type": "contact", "id": contact_id}
        await pilot.press("ctrl+s")
        await settle(demo_app, pilot)
        await pilot.press("ctrl+s")
        await settle(demo_app, pilot)
    saved = store.automation(rule.id)
    assert saved.conditions[0] == {"type": "field_equals", "field": "company_id", "value": company_id, "negate": False}
    assert saved.actions[0] == {"type": "set_field", "field": "custom_fields.referred_by",
                                "value": {"type": "contact", "id": contact_id}}
    # read again (a new screen): the rule names the records
    names = store.rule_names()
    assert names.records[company_id] == company and names.records[contact_id] == contact


async def test_a_picked_record_with_a_hostile_name_is_drawn_as_symbols_and_ctrl_d_clears_it(demo_app):
    store = demo_app.store
    hostile = "[/]\x1b]52;c;cHduZWQ=\x07[@click=app.quit]Evil Corp"
    company_id = store.conn.execute("SELECT id FROM companies WHERE deleted_at IS NULL ORDER BY name LIMIT 1").fetchone()[0]
    with store.transaction() as tx:
        tx.conn.execute("UPDATE companies SET name = ? WHERE id = ?", (hostile, company_id))
    rule = rule_named(store, "Tag big deals as enterprise")
    conditions = [{"type": "field_equals", "field": "company_id", "value": company_id}]
    with store.transaction() as tx:
        tx.conn.execute("UPDATE automations SET conditions = ? WHERE id = ?", (json.dumps(conditions), rule.id))
    async with demo_app.run_test(size=(80, 24)) as pilot:
        form = await open_form_of(demo_app, pilot, rule.name)
        lines = [str(form.query_one("#rule-parts").get_option_at_index(i).prompt) for i in range(len(form.parts))]
        assert "Company is [/]␛]52;c;cHduZWQ=␇[@click=app.quit]Evil Corp" in lines[1]
        condition = await enter_on(demo_app, pilot, form, "condition:0")
        link = condition.query_one("#p-value")
        drawn = str(link.render())
        assert drawn.startswith("[/]␛]52;c;cHduZWQ=␇[@click=app.quit]Evil Corp") and "\x1b" not in drawn
        link.focus()
        await pilot.press("ctrl+d")
        await pilot.pause()
        assert link.value is None and "Enter picks a company" in str(link.render())
        assert str(condition.query_one("#part-preview").render()) == "Company is empty"
        assert demo_app.screen is condition


async def test_hostile_option_labels_of_a_custom_select_are_drawn_as_symbols(demo_app):
    store = demo_app.store
    hostile = "[/]\x1b[2J[@click=app.quit]Evil"
    config = {"options": [{"value": "inbound", "label": hostile}, "outbound"]}
    with store.transaction() as tx:
        tx.conn.execute("UPDATE custom_fields SET config = ?, name = ? WHERE key = 'lead_source'",
                        (json.dumps(config), hostile + " source"))
    rule = rule_named(store, "Round-robin new inbound deals")
    async with demo_app.run_test(size=(80, 24)) as pilot:
        form = await open_form_of(demo_app, pilot, rule.name)
        lines = [str(form.query_one("#rule-parts").get_option_at_index(i).prompt) for i in range(len(form.parts))]
        assert "[/]␛[2J[@click=app.quit]Evil source is '[/]␛[2J[@click=app.quit]Evil'" in lines[1]
        condition = await enter_on(demo_app, pilot, form, "condition:0")
        value = condition.query_one("#p-value")
        assert isinstance(value, Select) and value.value == "inbound"
        labels = [str(prompt) for prompt, _ in value._options]
        assert labels[1] == "[/]␛[2J[@click=app.quit]Evil" and all("\x1b" not in label for label in labels)
        value.value = "outbound"
        await pilot.pause()
        await pilot.press("ctrl+s")
        await settle(demo_app, pilot)
        assert demo_app.screen is form  # nothing the labels hold was run
    assert store.rule_names().custom_fields["lead_source"].options()[1] == ("outbound", "outbound")


async def test_a_stored_value_that_is_not_an_option_is_kept_and_named_until_one_is_chosen(demo_app):
    store = demo_app.store
    rule = rule_named(store, "Round-robin new inbound deals")
    conditions = [{**rule.conditions[0], "value": "webinar"}, *rule.conditions[1:]]
    with store.transaction() as tx:
        tx.conn.execute("UPDATE automations SET conditions = ? WHERE id = ?", (json.dumps(conditions), rule.id))
    async with demo_app.run_test(size=(120, 40)) as pilot:
        form = await open_form_of(demo_app, pilot, rule.name)
        condition = await enter_on(demo_app, pilot, form, "condition:0")
        value = condition.query_one("#p-value")
        assert value.value == "webinar"
        assert str(value._options[-1][0]) == "webinar (not one of its options)"
        assert error(condition) == "Value: must be one of: inbound, outbound, referral, partner, event"
        await pilot.press("ctrl+s")
        await settle(demo_app, pilot)
        assert demo_app.screen is condition  # refused; nothing changed
        value.value = "event"
        await pilot.pause()
        assert error(condition) == ""


async def test_esc_asks_before_dropping_a_changed_rule_and_a_changed_part(demo_app):
    store = demo_app.store
    rule = rule_named(store, "Nudge stale proposals")
    async with demo_app.run_test(size=(120, 40)) as pilot:
        form = await open_form_of(demo_app, pilot, rule.name)
        part = await enter_on(demo_app, pilot, form, "trigger")
        await pilot.press("escape")  # nothing changed in the part: it closes at once
        await settle(demo_app, pilot)
        assert demo_app.screen is form
        part = await enter_on(demo_app, pilot, form, "trigger")
        part.query_one("#p-days").value = "3 weeks"
        await pilot.pause()
        await pilot.press("escape")
        await settle(demo_app, pilot)
        assert demo_app.screen is part
        assert error(part) == "Esc again discards what you changed · ctrl+s puts it in the rule"
        await pilot.press("ctrl+s")  # the question is no dead end: the part goes in the rule
        await settle(demo_app, pilot)
        assert demo_app.screen is form and json.loads(form.query_one("#rule-trigger").value)["days"] == 21
        await pilot.press("escape")  # the rule now differs from the stored one: asks
        await settle(demo_app, pilot)
        assert demo_app.screen is form and error(form) == "Esc again discards what you changed · ctrl+s saves it"
        form.query_one("#rule-name").value = "Nudge stale proposals sooner"  # a change re-arms the question
        await pilot.pause()
        await pilot.press("escape")
        await settle(demo_app, pilot)
        assert demo_app.screen is form and error(form).startswith("Esc again discards")
        await pilot.press("escape")
        await settle(demo_app, pilot)
        assert isinstance(demo_app.screen, AutomationsScreen)
    assert store.automation(rule.id).trigger == rule.trigger  # discarded: nothing saved
    assert automation_updates(store, rule.id) == []


async def test_ctrl_c_in_the_rule_form_and_a_part_form_does_not_quit_the_app(demo_app):
    rule = rule_named(demo_app.store, "Nudge stale proposals")
    async with demo_app.run_test(size=(80, 24)) as pilot:
        form = await open_form_of(demo_app, pilot, rule.name)
        form.query_one("#rule-name").value = "Half-built rule"
        form.query_one("#rule-parts").focus()
        await pilot.pause()
        await pilot.press("ctrl+c")
        await settle(demo_app, pilot)
        assert demo_app.is_running and demo_app.screen is form
        assert error(form) == "ctrl+c does not quit from a dialog: Esc closes it first"
        assert form.query_one("#rule-name").value == "Half-built rule"  # nothing lost
        part = await enter_on(demo_app, pilot, form, "trigger")
        await pilot.press("ctrl+c")
        await settle(demo_app, pilot)
        assert demo_app.is_running and demo_app.screen is part


def options_of(select: Select) -> list[str]:
    return [value for _, value in select._options]


async def test_a_deal_rule_moves_to_deal_stages_only_and_refuses_a_contacts_stage(demo_app):
    store = demo_app.store
    names = store.rule_names()
    deal_stages = {s for s in names.stages if names.stage_record_type(s) is RecordType.DEAL}
    contact_stage = next(s for s in names.stages if names.stage_record_type(s) is RecordType.CONTACT)
    async with demo_app.run_test(size=(120, 40)) as pilot:
        await open_with_key(demo_app, pilot, "A", AutomationsScreen)
        form = await open_with_key(demo_app, pilot, "n", AutomationFormScreen)
        form.query_one("#rule-trigger").value = '{"type": "record_created", "record_type": "deal"}'
        await settle(demo_app, pilot)
        part = await enter_on(demo_app, pilot, form, "add:action")
        part.query_one("#p-type", Select).value = "move_stage"
        await settle(demo_app, pilot)
        offered = options_of(part.query_one("#p-stage_id", Select))
        assert offered and set(offered) == deal_stages  # no stage of a contacts board
        # two deal boards in the demo: the action names the stage's board
        stage = offered[0]
        board = names.board(names.stage_boards[stage])
        assert str(part.query_one("#part-preview").render()) == f"move it to {names.stage(stage)} ({board})"
        await pilot.press("escape", "escape")
        await settle(demo_app, pilot)
        # a stored move to a contacts stage: kept as it is, and refused naming its board
        form.query_one("#rule-actions").value = json.dumps([{"type": "move_stage", "stage_id": contact_stage}])
        await settle(demo_app, pilot)
        part = await enter_on(demo_app, pilot, form, "action:0")
        assert part.query_one("#p-stage_id", Select).value == contact_stage
        contact_board = names.board(names.stage_boards[contact_stage])
        refused = f"Stage: {names.stage(contact_stage)} is on {contact_board}, a board of contacts; this rule runs on deals"
        assert error(part) == refused
        await pilot.press("ctrl+s")
        await settle(demo_app, pilot)
        assert demo_app.screen is part  # not put in the rule
        await pilot.press("escape")
        await settle(demo_app, pilot)
        # the rule itself is refused too (a trigger changed to deals after the action was made)
        form.query_one("#rule-name").value = "Move"
        await settle(demo_app, pilot)
        assert error(form) == f"Action 1 (move stage) — {refused}"
        before = len(store.automations())
        await pilot.press("ctrl+s")
        await settle(demo_app, pilot)
        assert demo_app.screen is form and len(store.automations()) == before


async def test_a_triggers_field_list_is_its_record_types(demo_app):
    async with demo_app.run_test(size=(120, 40)) as pilot:
        await open_with_key(demo_app, pilot, "A", AutomationsScreen)
        form = await open_with_key(demo_app, pilot, "n", AutomationFormScreen)
        form.query_one("#rule-trigger").value = '{"type": "field_updated", "field": "close_date", "record_type": "deal"}'
        await settle(demo_app, pilot)
        part = await enter_on(demo_app, pilot, form, "trigger")
        fields = options_of(part.query_one("#p-field", Select))
        assert "close_date" in fields and "value_cents" in fields
        assert "email" not in fields and "phone" not in fields and "domain" not in fields
        custom = {f.removeprefix("custom_fields.") for f in fields if f.startswith("custom_fields.")}
        assert custom and all(RecordType.DEAL in demo_app.store.rule_names().custom_types[k] for k in custom)
        part.query_one("#p-record_type", Select).value = "contact"  # another type: its fields
        await settle(demo_app, pilot)
        fields = options_of(part.query_one("#p-field", Select))
        assert "email" in fields and "phone" in fields and "value_cents" not in fields and "close_date" not in fields
        assert part.query_one("#p-field", Select).value in fields
        assert error(part) == ""
        part.query_one("#p-record_type", Select).value = "__none__"  # any record: every field
        await settle(demo_app, pilot)
        fields = options_of(part.query_one("#p-field", Select))
        assert "email" in fields and "value_cents" in fields

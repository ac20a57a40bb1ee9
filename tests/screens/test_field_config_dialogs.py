"""The custom-field settings as a form, under Pilot on the demo workspace: every config-bearing
type created from its own fields (no JSON typed), the options of a stored select edited, and bad
input for each refused on the error line with the rule named — nothing saved until it is right."""

from __future__ import annotations

from tests.support.pilot import open_with_key, settle
from track_tui.models import RecordType
from track_tui.screens.field_config_editor import ConfigEditor
from track_tui.screens.field_dialogs import ConfigScreen, FieldFormScreen
from track_tui.screens.record_dialogs import ChoiceScreen
from track_tui.screens.workspace_admin import WorkspaceAdminScreen


async def open_admin(app, pilot) -> WorkspaceAdminScreen:
    screen = await open_with_key(app, pilot, "W", WorkspaceAdminScreen)
    screen._list("fields").focus()
    await pilot.pause()
    return screen


async def new_field(app, pilot, label: str, kind: str, record_type: int = 0) -> FieldFormScreen:
    """The new-field form on the `record_type`-th type offered, with a label and a type."""
    await pilot.press("n")
    await settle(app, pilot)
    await pilot.press(*["down"] * record_type, "enter")
    await settle(app, pilot)
    form = app.screen
    assert isinstance(form, FieldFormScreen)
    form.query_one("#field-name").value = label
    form.query_one("#field-type").value = kind
    await pilot.pause()
    return form


async def type_into(pilot, form, field_id: str, text: str) -> None:
    widget = form.query_one(f"#{field_id}")
    widget.focus()
    widget.value = ""
    await pilot.pause()
    await pilot.press(*text)
    await pilot.pause()


def error_of(form) -> str:
    return form.error_text


def stored(store, record_type: RecordType, key: str):
    return next(f for f in store.custom_field_defs(record_type) if f.key == key)


async def test_a_select_is_made_from_an_options_list(demo_app):
    async with demo_app.run_test(size=(80, 24)) as pilot:
        screen = await open_admin(demo_app, pilot)
        form = await new_field(demo_app, pilot, "Renewal tier", "select")
        assert "select field needs at least one option" in error_of(form)
        await type_into(pilot, form, "config-option", "Gold")
        assert error_of(form) == "Option: press Enter to add 'Gold' (or clear the line)"
        await pilot.press("enter")  # adds the option: the form stays open
        await pilot.pause()
        assert demo_app.screen is form and error_of(form) == ""
        for name in ("Silver", "gold"):
            await pilot.press(*name)
            await pilot.press("enter")
            await pilot.pause()
        assert error_of(form) == "Option: 'Gold' is already an option"
        assert [o.text for o in form.query_one(ConfigEditor).draft.options] == ["Gold", "Silver"]
        form.query_one("#config-option").value = ""
        await pilot.press("enter")
        await pilot.pause()
        assert error_of(form) == "Option: an option needs a name"
        # reorder in the list: Silver first; then rename it
        form.query_one("#config-options").focus()
        await pilot.pause()
        form.query_one("#config-options").highlighted = 1
        await pilot.press("K")
        await pilot.pause()
        await pilot.press("enter")  # Enter on an option: rename it in the line below
        await pilot.pause()
        assert form.query_one("#config-option").value == "Silver"
        await pilot.press(*" plus", "enter")
        await pilot.pause()
        await pilot.press("ctrl+s")
        await settle(demo_app, pilot)
        assert demo_app.screen is screen
        made = stored(demo_app.store, RecordType.CONTACT, "renewal_tier")
        assert made.type.value == "select" and made.config == {"options": ["Silver plus", "Gold"]}


async def test_a_number_field_gets_checked_limits(demo_app):
    async with demo_app.run_test(size=(120, 40)) as pilot:
        await open_admin(demo_app, pilot)
        form = await new_field(demo_app, pilot, "Seats", "number")
        await type_into(pilot, form, "config-low", "ten")
        assert error_of(form) == "Lowest: 'ten' is not a number"
        await type_into(pilot, form, "config-low", "10")
        await type_into(pilot, form, "config-high", "5")
        assert error_of(form) == "Lowest (10) is more than highest (5)"
        await pilot.press("enter")  # refused: the form stays with everything typed
        await pilot.pause()
        assert isinstance(demo_app.screen, FieldFormScreen)
        await type_into(pilot, form, "config-high", "500")
        form.query_one("#config-integer").value = "yes"
        await pilot.pause()
        assert error_of(form) == ""
        await pilot.press("ctrl+s")
        await settle(demo_app, pilot)
        assert stored(demo_app.store, RecordType.CONTACT, "seats").config == {"min": 10, "max": 500, "integer": True}


async def test_a_currency_field_takes_an_iso_code_upper_cased(demo_app):
    async with demo_app.run_test(size=(80, 24)) as pilot:
        await open_admin(demo_app, pilot)
        form = await new_field(demo_app, pilot, "Budget", "currency", record_type=2)
        await type_into(pilot, form, "config-currency", "euro")
        assert error_of(form).startswith("Currency: 'euro' is not an ISO 4217 code")
        await type_into(pilot, form, "config-currency", "eur")
        assert error_of(form) == ""
        await pilot.press("enter")
        await settle(demo_app, pilot)
        assert stored(demo_app.store, RecordType.DEAL, "budget").config == {"currency": "EUR"}


async def test_a_link_field_needs_the_record_type_it_points_to(demo_app):
    async with demo_app.run_test(size=(80, 24)) as pilot:
        await open_admin(demo_app, pilot)
        form = await new_field(demo_app, pilot, "Parent account", "link", record_type=1)
        assert error_of(form).startswith("Links to: choose the record type")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert demo_app.screen is form
        form.query_one("#config-target").value = "company"
        await pilot.pause()
        assert error_of(form) == ""
        await pilot.press("ctrl+s")
        await settle(demo_app, pilot)
        assert stored(demo_app.store, RecordType.COMPANY, "parent_account").config == {"target": "company"}


async def test_types_without_settings_say_so(demo_app):
    async with demo_app.run_test(size=(80, 24)) as pilot:
        await open_admin(demo_app, pilot)
        form = await new_field(demo_app, pilot, "Champion", "boolean")
        assert "No settings" in str(form.query_one("#config-none").render())
        assert not form.query("#dialog-body Input#field-config, #config-low, #config-option")
        await pilot.press("ctrl+s")
        await settle(demo_app, pilot)
        assert stored(demo_app.store, RecordType.CONTACT, "champion").config == {}


async def test_options_records_hold_are_not_lost(demo_app):
    async with demo_app.run_test(size=(120, 40)) as pilot:
        screen = await open_admin(demo_app, pilot)
        store = demo_app.store
        field = next(f for f in screen.fields if f.key == "seniority")
        usage = store.custom_field_option_usage(field.id)
        held, names = usage["junior"]
        assert held > 0
        screen._list("fields").highlighted = [f.id for f in screen.fields].index(field.id)
        form = await open_with_key(demo_app, pilot, "e", ConfigScreen)
        assert error_of(form) == ""
        options = form.query_one("#config-options")
        options.focus()
        options.highlighted = 0  # junior
        await pilot.pause()
        await pilot.press("d")  # records hold it: asked where their value goes; Esc keeps it
        await settle(demo_app, pilot)
        choice = demo_app.screen
        assert isinstance(choice, ChoiceScreen)
        assert choice.title_text == f"{held} records hold 'junior' (e.g. {', '.join(names)}). Remove it and…"
        await pilot.press("escape")
        await settle(demo_app, pilot)
        assert demo_app.screen is form
        assert len(form.query_one(ConfigEditor).draft.options) == 6
        # renaming it keeps the value those records hold; only the label changes
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("ctrl+u", *"Junior")  # emptied and typed again: still renaming junior
        await pilot.pause()
        assert error_of(form) == "Option: press Enter to rename 'junior' to 'Junior' (or clear the line)"
        await pilot.press("enter")
        await pilot.pause()
        assert f"{held} records keep 'junior', now shown as 'Junior'" in str(form.query_one("#config-note").render())
        await pilot.press("ctrl+s")
        await settle(demo_app, pilot)
        assert demo_app.screen is screen
        changed = stored(store, RecordType.CONTACT, "seniority")
        assert changed.config["options"][0] == {"value": "junior", "label": "Junior"}
        assert changed.options()[1] == ("mid", "mid")
        assert store.custom_field_option_usage(field.id)["junior"][0] == held


async def test_a_type_change_that_stored_values_would_not_pass_is_refused(demo_app):
    async with demo_app.run_test(size=(80, 24)) as pilot:
        screen = await open_admin(demo_app, pilot)
        field = next(f for f in screen.fields if f.key == "seniority")
        screen._list("fields").highlighted = [f.id for f in screen.fields].index(field.id)
        form = await open_with_key(demo_app, pilot, "e", ConfigScreen)
        form.query_one("#field-type").value = "number"
        await pilot.pause()
        assert not form.query("#config-options") and form.query("#config-low")
        await pilot.press("ctrl+s")
        await settle(demo_app, pilot)
        assert demo_app.screen is form
        assert "would not accept" in error_of(form) and "nothing was changed" in error_of(form)
        form.query_one("#field-type").value = "select"  # back: the stored options again
        await pilot.pause()
        assert len(form.query_one(ConfigEditor).draft.options) == 6
        assert stored(demo_app.store, RecordType.CONTACT, "seniority").type.value == "select"


async def test_esc_asks_before_dropping_edited_options(demo_app):
    async with demo_app.run_test(size=(80, 24)) as pilot:
        screen = await open_admin(demo_app, pilot)
        field = next(f for f in screen.fields if f.key == "languages")
        screen._list("fields").highlighted = [f.id for f in screen.fields].index(field.id)
        form = await open_with_key(demo_app, pilot, "e", ConfigScreen)
        await type_into(pilot, form, "config-option", "Italian")
        await pilot.press("enter")
        await pilot.pause()
        assert form.query_one("#config-option").value == ""  # nothing typed is left, the list changed
        await pilot.press("escape")
        await pilot.pause()
        assert demo_app.screen is form and "Esc again discards" in error_of(form)
        await pilot.press("escape")
        await settle(demo_app, pilot)
        assert demo_app.screen is screen
        assert "Italian" not in [v for v, _ in stored(demo_app.store, RecordType.CONTACT, "languages").options()]


async def test_the_form_fits_80x24_with_its_error_and_keys_showing(demo_app):
    async with demo_app.run_test(size=(80, 24)) as pilot:
        await open_admin(demo_app, pilot)
        form = await new_field(demo_app, pilot, "Segments", "multi_select")
        for name in ("A", "B", "C", "D"):
            form.query_one("#config-option").focus()
            await pilot.press(name, "enter")
            await pilot.pause()
        await type_into(pilot, form, "config-max-selected", "9")
        assert error_of(form) == "At most: 9 is more than the 4 options"
        for part in ("#error", "#dialog-hint", "#dialog-title"):
            region = form.query_one(part).region
            assert region.height >= 1 and 0 <= region.y and region.bottom <= 24, part


HOSTILE = "\x1b]0;pwned\x07[/]Gold\x1b[2J"


def drawn_lines(screen) -> list[str]:
    """Every line every widget of `screen` draws (borders and their titles included)."""
    lines = []
    for widget in screen.query("*"):
        for y in range(widget.size.height):
            lines.append("".join(segment.text for segment in widget.render_line(y)))
    return lines


async def test_stored_settings_from_elsewhere_are_drawn_safely_and_kept(demo_app):
    from track_tui.models import CustomField
    from track_tui.safe_text import is_safe

    store = demo_app.store
    made = store.create_custom_field(CustomField(
        workspace_id=store.workspace_id, record_type=RecordType.DEAL, name="Poisoned", key="poisoned", type="select",
        config={"options": [{"value": "g", "label": HOSTILE, HOSTILE: 1}], HOSTILE: "kept"}))
    async with demo_app.run_test(size=(120, 40)) as pilot:
        screen = await open_admin(demo_app, pilot)
        screen._list("fields").highlighted = [f.id for f in screen.fields].index(made.id)
        form = await open_with_key(demo_app, pilot, "e", ConfigScreen)
        options = form.query_one("#config-options")
        options.focus()
        await pilot.press("enter")  # the hostile label in the rename line and its border title
        await pilot.pause()
        lines = drawn_lines(form)
        assert any("␛]0;pwned␇[/]Gold" in line for line in lines)
        assert all(is_safe(line) for line in lines)
        form.query_one("#config-option").value = ""
        form.query_one("#config-options").focus()
        await pilot.pause()
        await pilot.press("ctrl+s")
        await settle(demo_app, pilot)
        assert demo_app.screen is screen
        assert stored(store, RecordType.DEAL, "poisoned").config == made.config  # untouched: stored as it was


async def test_date_and_text_limits_are_checked_as_typed(demo_app):
    async with demo_app.run_test(size=(80, 24)) as pilot:
        screen = await open_admin(demo_app, pilot)
        form = await new_field(demo_app, pilot, "Renewal due", "date", record_type=2)
        await type_into(pilot, form, "config-low", "next year")
        assert error_of(form) == "Earliest: 'next year' is not a date written YYYY-MM-DD"
        await type_into(pilot, form, "config-low", "2027-01-01")
        assert error_of(form) == ""
        await pilot.press("ctrl+s")
        await settle(demo_app, pilot)
        assert stored(demo_app.store, RecordType.DEAL, "renewal_due").config == {"min": "2027-01-01"}
        assert demo_app.screen is screen
        form = await new_field(demo_app, pilot, "Code", "text", record_type=2)
        await type_into(pilot, form, "config-high", "2.5")
        assert error_of(form) == "Longest: must be a whole number, 0 or more"
        await type_into(pilot, form, "config-high", "12")
        await pilot.press("enter")
        await settle(demo_app, pilot)
        assert stored(demo_app.store, RecordType.DEAL, "code").config == {"max_length": 12}


def holders(store, field, value) -> set[str]:
    """The live records holding `value` in `field` (a select's value, or in a multi-select's list)."""
    import json

    with store.reading() as conn:
        rows = conn.execute(f"SELECT id, custom_fields FROM {field.record_type.table} WHERE deleted_at IS NULL").fetchall()
    found = set()
    for record_id, custom in rows:
        held = (json.loads(custom or "{}") or {}).get(field.key)
        if held == value or (isinstance(held, list) and value in held):
            found.add(record_id)
    return found


async def test_removing_a_held_option_moves_its_records_to_the_option_chosen(demo_app):
    async with demo_app.run_test(size=(80, 24)) as pilot:
        screen = await open_admin(demo_app, pilot)
        store = demo_app.store
        field = next(f for f in screen.fields if f.key == "seniority")
        juniors, mids = holders(store, field, "junior"), holders(store, field, "mid")
        assert juniors and mids
        screen._list("fields").highlighted = [f.id for f in screen.fields].index(field.id)
        form = await open_with_key(demo_app, pilot, "e", ConfigScreen)
        options = form.query_one("#config-options")
        options.focus()
        options.highlighted = 0  # junior
        await pilot.pause()
        choice = await open_with_key(demo_app, pilot, "d", ChoiceScreen)
        labels = [label for _, label in choice.options]
        assert labels[0] == "Move them to mid" and labels[-2:] == ["Clear junior on them (no value)", "Keep junior"]
        await pilot.press("enter")  # move them to mid
        await settle(demo_app, pilot)
        assert demo_app.screen is form
        editor = form.query_one(ConfigEditor)
        assert [o.text for o in editor.draft.options][0] == "mid"
        note = str(form.query_one("#config-note").render())
        assert note == f"Removed 'junior': on saving, its {len(juniors)} records move to 'mid'"
        assert f"({len(juniors)} moving here)" in str(options.get_option_at_index(0).prompt)
        assert holders(store, field, "junior") == juniors  # nothing written before ctrl+s
        await pilot.press("ctrl+s")
        await settle(demo_app, pilot)
        assert demo_app.screen is screen
        assert holders(store, field, "junior") == set()
        assert holders(store, field, "mid") == juniors | mids
        assert "junior" not in [v for v, _ in stored(store, RecordType.CONTACT, "seniority").options()]
        store.undo()  # one step: the option and every record back
        assert holders(store, field, "junior") == juniors and holders(store, field, "mid") == mids


async def test_removing_a_held_multi_select_option_can_clear_it(demo_app):
    async with demo_app.run_test(size=(120, 40)) as pilot:
        screen = await open_admin(demo_app, pilot)
        store = demo_app.store
        field = next(f for f in screen.fields if f.type.value == "multi_select" and store.custom_field_usage(f.id)[0])
        first = stored(store, field.record_type, field.key).options()[0][0]
        held = holders(store, field, first)
        assert held
        screen._list("fields").highlighted = [f.id for f in screen.fields].index(field.id)
        form = await open_with_key(demo_app, pilot, "e", ConfigScreen)
        options = form.query_one("#config-options")
        options.focus()
        options.highlighted = 0
        await pilot.pause()
        choice = await open_with_key(demo_app, pilot, "d", ChoiceScreen)
        await pilot.press(*["down"] * (len(choice.options) - 2), "enter")  # clear
        await settle(demo_app, pilot)
        assert demo_app.screen is form
        await pilot.press("escape")  # a removal is a change: Esc asks first
        await pilot.pause()
        assert demo_app.screen is form and "Esc again discards" in error_of(form)
        await pilot.press("ctrl+s")
        await settle(demo_app, pilot)
        assert demo_app.screen is screen
        assert holders(store, field, first) == set()


async def test_a_required_fields_held_option_can_only_move(demo_app):
    async with demo_app.run_test(size=(80, 24)) as pilot:
        await settle(demo_app, pilot)
        form = ConfigScreen("Type and settings of Tier (tier)", "select", {"required": True, "options": ["a", "b"]},
                            usage={"a": (2, ["Xu", "Yves"])})
        demo_app.push_screen(form)
        await settle(demo_app, pilot)
        form.query_one("#config-options").focus()
        await pilot.pause()
        choice = await open_with_key(demo_app, pilot, "d", ChoiceScreen)
        assert choice.title_text == "2 records hold 'a' (e.g. Xu, Yves). The field is required: move them to…"
        assert [label for _, label in choice.options] == ["Move them to b", "Keep a"]
        await pilot.press("down", "enter")  # keep
        await settle(demo_app, pilot)
        assert [o.text for o in form.query_one(ConfigEditor).draft.options] == ["a", "b"]

"""The workspace admin screen under Pilot: boards, stages and custom fields changed from the
keyboard, each checked in the store; bad input refused inline with the rule named."""

from __future__ import annotations

from textual.widgets import Input

from tests.support.pilot import open_with_key, settle
from tests.support.screen_text import screen_lines
from track_tui.models import RecordType
from track_tui.screens.admin_dialogs import NewBoardScreen, PromptScreen
from track_tui.screens.field_dialogs import FieldFormScreen
from track_tui.screens.record_dialogs import ChoiceScreen
from track_tui.screens.workspace_admin import WorkspaceAdminScreen


async def open_admin(app, pilot) -> WorkspaceAdminScreen:
    return await open_with_key(app, pilot, "W", WorkspaceAdminScreen)


def error_text(screen) -> str:
    return str(screen.query_one("#error").render())


async def test_a_board_is_created_with_its_stages_and_renamed_and_archived(demo_app):
    async with demo_app.run_test(size=(120, 40)) as pilot:
        screen = await open_admin(demo_app, pilot)
        store = demo_app.store
        form = await open_with_key(demo_app, pilot, "n", NewBoardScreen)
        form.query_one("#board-stages").value = "Due, , Signed"
        await pilot.pause()
        assert error_text(form) == "Name: a board needs a name"
        form.query_one("#board-name").value = "Renewals"
        await pilot.pause()
        assert error_text(form).startswith("Stages: a stage needs a name")
        form.query_one("#board-stages").value = "Due, Signed"
        await pilot.press("enter")
        await settle(demo_app, pilot)
        assert demo_app.screen is screen
        board = next(b for b in store.all_boards() if b.name == "Renewals")
        assert [s.name for s in store.stages(board.id)] == ["Due", "Signed"]
        assert screen._current("boards").id == board.id  # the new board highlighted, its stages shown
        assert [s.name for s in screen.stages] == ["Due", "Signed"]
        await pilot.press("a")
        await settle(demo_app, pilot)
        assert store.board(board.id).is_archived
        prompt = await open_with_key(demo_app, pilot, "r", PromptScreen)
        prompt.query_one("#value").value = "  "
        await pilot.pause()
        assert error_text(prompt) == "Name: a board needs a name"
        prompt.query_one("#value").value = "Renewals 2027"
        await pilot.press("enter")
        await settle(demo_app, pilot)
        assert store.board(board.id).name == "Renewals 2027"


async def test_stage_probability_is_validated_as_typed(demo_app):
    async with demo_app.run_test(size=(120, 40)) as pilot:
        screen = await open_admin(demo_app, pilot)
        store = demo_app.store
        await pilot.press("tab")
        await settle(demo_app, pilot)
        stage = screen._current("stages")
        await pilot.press("p")
        await settle(demo_app, pilot)
        prompt = demo_app.screen
        prompt.query_one("#value").value = "150"
        await pilot.pause()
        assert error_text(prompt) == "Probability: 150 is outside 0–100"
        await pilot.press("enter")
        await pilot.pause()
        assert demo_app.screen is prompt
        prompt.query_one("#value").value = "35"
        await pilot.press("enter")
        await settle(demo_app, pilot)
        assert next(s for s in store.stages(stage.board_id) if s.id == stage.id).probability == 35
        before = stage.stage_type
        await pilot.press("t")
        await settle(demo_app, pilot)
        assert next(s for s in store.stages(stage.board_id) if s.id == stage.id).stage_type != before
        await pilot.press("J")
        await settle(demo_app, pilot)
        assert [s.id for s in store.stages(stage.board_id)].index(stage.id) == 1


async def test_deleting_a_stage_with_cards_asks_where_they_go(demo_app):
    async with demo_app.run_test(size=(120, 40)) as pilot:
        screen = await open_admin(demo_app, pilot)
        store = demo_app.store
        await pilot.press("tab")
        await settle(demo_app, pilot)
        stage = screen._current("stages")
        cards = store.stage_card_count(stage.id)
        assert cards > 0
        choice = await open_with_key(demo_app, pilot, "d", ChoiceScreen)
        assert f"holds {cards} cards" in choice.title_text
        target = choice.options[0][0]
        await pilot.press("enter")
        await settle(demo_app, pilot)
        assert stage.id not in {s.id for s in store.stages(stage.board_id)}
        assert store.stage_card_count(target) >= cards


async def test_a_custom_field_is_created_with_a_checked_config_and_deleted_with_its_count(demo_app):
    async with demo_app.run_test(size=(120, 40)) as pilot:
        screen = await open_admin(demo_app, pilot)
        store = demo_app.store
        screen._list("fields").focus()
        await pilot.pause()
        await pilot.press("n")
        await settle(demo_app, pilot)
        await pilot.press("enter")  # the first record type offered (contacts)
        await settle(demo_app, pilot)
        form = demo_app.screen
        assert isinstance(form, FieldFormScreen)
        form.query_one("#field-name").value = "Renewal tier"
        await pilot.pause()
        assert form.query_one("#field-key").value == "renewal_tier"  # suggested from the label
        form.query_one("#field-type").value = "select"
        await pilot.pause()
        for option in ("gold", "silver"):
            form.query_one("#config-option").value = option
            form.query_one("#config-option").focus()
            await pilot.press("enter")  # adds the option (the options have their own editor)
            await pilot.pause()
        form.query_one("#field-key").value = "Renewal Tier"
        await pilot.pause()
        assert error_text(form).startswith("Key: a key is lowercase letters")
        form.query_one("#field-key").value = "renewal_tier"
        await pilot.pause()
        assert error_text(form) == ""
        form.query_one("#field-name").focus()
        await pilot.press("enter")
        await settle(demo_app, pilot)
        assert demo_app.screen is screen
        made = [f for kind in RecordType for f in store.custom_field_defs(kind) if f.key == "renewal_tier"]
        assert made and made[0].type.value == "select" and made[0].name == "Renewal tier"
        assert made[0].config == {"options": ["gold", "silver"]}
        assert screen._current("fields").id == made[0].id  # the cursor on what was just made
        assert demo_app.focused is screen._list("fields")
        # delete a field that holds values: the count is said before anything happens
        held = next(f for f in screen.fields if store.custom_field_usage(f.id)[0] > 0)
        screen._list("fields").highlighted = [f.id for f in screen.fields].index(held.id)
        await pilot.press("d")
        await settle(demo_app, pilot)
        confirm = demo_app.screen
        count = store.custom_field_usage(held.id)[0]
        assert f"{count} record" in confirm.title_text
        await pilot.press("down", "enter")
        await settle(demo_app, pilot)
        assert held.id not in {f.id for kind in RecordType for f in store.custom_field_defs(kind)}


async def test_a_type_change_that_would_invalidate_values_is_refused(demo_app):
    async with demo_app.run_test(size=(120, 40)) as pilot:
        screen = await open_admin(demo_app, pilot)
        store = demo_app.store
        held = next(f for f in screen.fields if store.custom_field_usage(f.id)[0] > 1 and f.type.value == "select")
        screen._list("fields").focus()
        screen._list("fields").highlighted = [f.id for f in screen.fields].index(held.id)
        await pilot.pause()
        await pilot.press("e")
        await settle(demo_app, pilot)
        form = demo_app.screen
        form.query_one("#field-type").value = "number"
        await pilot.pause()
        form.query_one("#config-low").focus()
        await pilot.press("enter")
        await settle(demo_app, pilot)
        assert demo_app.screen is form
        assert "would not accept" in error_text(form) and "nothing was changed" in error_text(form)
        assert next(f for f in store.custom_field_defs(held.record_type) if f.id == held.id).type.value == "select"


async def test_members_see_the_workspace_but_are_not_offered_changes(demo_app):
    demo_app.store.set_meta("role", "member")
    async with demo_app.run_test(size=(80, 24)) as pilot:
        screen = await open_admin(demo_app, pilot)
        before = len(demo_app.store.all_boards())
        for key in ("n", "r", "a"):
            await pilot.press(key)
            await settle(demo_app, pilot)
        assert demo_app.screen is screen and len(demo_app.store.all_boards()) == before
        assert screen.check_action("new", ()) is False and screen.check_action("back", ()) is True


async def test_board_and_stage_forms_ask_before_dropping_typed_text_and_save_with_ctrl_s(demo_app):
    async with demo_app.run_test(size=(80, 24)) as pilot:
        screen = await open_admin(demo_app, pilot)
        store = demo_app.store
        taken = screen.boards[1].name
        form = await open_with_key(demo_app, pilot, "n", NewBoardScreen)
        assert error_text(form) == ""  # nothing typed yet: the empty name is not wrong yet
        assert str(form.query_one("#board-name").border_title).startswith("▸ Name")  # the focus marker
        await pilot.press(*taken.upper())
        await pilot.pause()
        assert error_text(form) == f"Name: there is already a board called {taken.upper()!r}"
        await pilot.press("ctrl+s")
        await settle(demo_app, pilot)
        assert demo_app.screen is form and len(store.all_boards()) == len(screen.boards)
        await pilot.press("escape")
        await pilot.pause()
        assert demo_app.screen is form and "Esc again discards" in error_text(form)
        assert form.query_one("#board-name").value == taken.upper()  # nothing lost by the first Esc
        await pilot.press("escape")
        await settle(demo_app, pilot)
        assert demo_app.screen is screen
        form = await open_with_key(demo_app, pilot, "n", NewBoardScreen)
        await pilot.press(*"Renewals", "tab", "tab")
        form.query_one("#board-stages").value = "Due, due"
        await pilot.pause()
        assert error_text(form) == "Stages: 'due' is there twice (stage names differ on a board)"
        form.query_one("#board-stages").value = "Due, Signed"
        await pilot.press("ctrl+s")
        await settle(demo_app, pilot)
        assert demo_app.screen is screen
        assert "Renewals" in {b.name for b in store.all_boards()}
        # a stage named like another on its board: refused as typed, and by the store too
        await pilot.press("tab")
        await settle(demo_app, pilot)
        first = screen.stages[0]
        prompt = await open_with_key(demo_app, pilot, "n", PromptScreen)
        await pilot.press(*first.name.lower())
        await pilot.pause()
        assert error_text(prompt) == f"Name: there is already a stage called {first.name.lower()!r}"
        await pilot.press("enter")
        await settle(demo_app, pilot)
        assert demo_app.screen is prompt and len(store.stages(first.board_id)) == len(screen.stages)
        await pilot.press("escape", "escape")
        await settle(demo_app, pilot)
        assert demo_app.screen is screen


def test_the_store_refuses_a_board_or_stage_name_taken(demo_store):
    import pytest

    from track_tui.store import InvalidInput

    boards = demo_store.all_boards()
    with pytest.raises(InvalidInput, match="there is already a board called"):
        demo_store.create_board(boards[0].name.upper(), RecordType.DEAL)
    with pytest.raises(InvalidInput, match="there is already a board called"):
        demo_store.rename_board(boards[1].id, f" {boards[0].name} ")
    demo_store.rename_board(boards[0].id, boards[0].name.lower())  # its own name, recased: fine
    stages = demo_store.stages(boards[0].id)
    with pytest.raises(InvalidInput, match="there is already a stage called .* on this board"):
        demo_store.add_stage(boards[0].id, stages[1].name)
    with pytest.raises(InvalidInput, match="there is already a stage called .* on this board"):
        demo_store.update_stage(stages[0].id, name=stages[1].name.upper())
    with pytest.raises(InvalidInput, match="is there twice"):
        demo_store.create_board("Fresh", RecordType.DEAL, ["A", "a"])


async def test_the_key_hints_follow_the_focused_list(demo_app):
    """The footer line is redrawn when the keys that apply change (the boards list offers
    Archive, the stages list Type and Probability), though it skips the redraws after focus
    changes that keep the same keys: what is on screen is read, not what it would draw."""
    async with demo_app.run_test(size=(120, 40)) as pilot:
        await open_admin(demo_app, pilot)
        await settle(demo_app, pilot)
        footer = screen_lines(demo_app)[-1]
        assert "a Archive" in footer and "Probability" not in footer
        assert "Move up" not in footer  # boards keep their order: K/J are not offered there
        await pilot.press("tab")
        await settle(demo_app, pilot)
        footer = screen_lines(demo_app)[-1]
        assert "p Probability" in footer and "t Type" in footer and "Archive" not in footer
        assert "K/J Move" in footer  # stages are reordered with them
        await pilot.press("tab")
        await settle(demo_app, pilot)
        footer = screen_lines(demo_app)[-1]
        assert "K/J Move" in footer and "s Searchable" in footer
        await pilot.press("shift+tab", "shift+tab")
        await settle(demo_app, pilot)
        footer = screen_lines(demo_app)[-1]
        assert "a Archive" in footer and "Probability" not in footer


def test_the_store_refuses_a_field_label_taken_on_the_same_record_type(demo_store):
    import pytest

    from track_tui.models import CustomField
    from track_tui.store import InvalidInput

    kind = next(k for k in RecordType if demo_store.custom_field_defs(k))
    fields = demo_store.custom_field_defs(kind)
    other = next(k for k in RecordType if k != kind)

    def made(name: str, record_type: RecordType, key: str) -> CustomField:
        return CustomField(workspace_id=demo_store.workspace_id, record_type=record_type, name=name, key=key,
                           type="text", config={})

    with pytest.raises(InvalidInput, match=f"there is already a field called .* on {kind.value}s"):
        demo_store.create_custom_field(made(f" {fields[0].name.upper()} ", kind, "fresh_key"))
    demo_store.create_custom_field(made(fields[0].name, other, "fresh_key"))  # another type may use it
    if len(fields) > 1:
        with pytest.raises(InvalidInput, match="there is already a field called"):
            demo_store.rename_custom_field(fields[1].id, fields[0].name.lower())
    demo_store.rename_custom_field(fields[0].id, fields[0].name.swapcase())  # its own label, recased: fine
    assert demo_store.custom_field_defs(kind)[0].name == fields[0].name.swapcase()


async def test_a_field_label_taken_is_refused_as_typed_in_the_new_field_and_rename_forms(demo_app):
    async with demo_app.run_test(size=(120, 40)) as pilot:
        screen = await open_admin(demo_app, pilot)
        field = screen.fields[0]
        same = [f for f in screen.fields if f.record_type == field.record_type]
        screen._list("fields").focus()
        await pilot.pause()
        await pilot.press("n")
        await settle(demo_app, pilot)
        choice = demo_app.screen
        assert isinstance(choice, ChoiceScreen)
        await pilot.press(*["down"] * list(RecordType).index(field.record_type), "enter")
        await settle(demo_app, pilot)
        form = demo_app.screen
        assert isinstance(form, FieldFormScreen) and form.record_type == field.record_type
        form.query_one("#field-name").value = f"{field.name.upper()} "
        await pilot.pause()
        assert error_text(form) == f"Label: there is already a field called {field.name.upper()!r}"
        await pilot.press("ctrl+s")
        await settle(demo_app, pilot)
        assert demo_app.screen is form  # refused: nothing saved, the typing kept
        assert len(demo_app.store.custom_field_defs(field.record_type)) == len(same)
        form.query_one("#field-name").value = "A label nobody has"
        await pilot.pause()
        form.query_one("#field-key").focus()
        form.query_one("#field-key").value = field.key  # a key taken: refused as typed too
        await pilot.pause()
        assert error_text(form) == (f"Key: {field.key!r} is already the key of {field.name!r} on "
                                    f"{field.record_type.value}s")
        form.query_one("#field-name").value = ""
        await pilot.pause()
        await pilot.press("ctrl+s")  # an emptied form is not wrong until saved
        await settle(demo_app, pilot)
        assert error_text(form) == "Label: a field needs a label"
        form.dismiss(None)
        await settle(demo_app, pilot)
        if len(same) > 1:
            screen._list("fields").highlighted = [f.id for f in screen.fields].index(same[1].id)
            await pilot.press("r")
            await settle(demo_app, pilot)
            prompt = demo_app.screen
            assert isinstance(prompt, PromptScreen)
            prompt.query_one(Input).value = same[0].name.lower()
            await pilot.pause()
            assert error_text(prompt).startswith("Label: there is already a field called")


async def test_list_rows_start_with_the_name_in_bold_and_word_field_types_as_the_forms_do(demo_app):
    async with demo_app.run_test(size=(80, 24)) as pilot:
        screen = await open_admin(demo_app, pilot)
        fields = screen._list("fields")
        rows = [fields.get_option_at_index(i).prompt for i in range(fields.option_count)]
        multi = next(i for i, f in enumerate(screen.fields) if f.type.value == "multi_select")
        assert "multi-select" in rows[multi].plain and "multi_select" not in rows[multi].plain
        for row, field in zip(rows, screen.fields):
            assert row.plain.startswith(f"{field.name} · {field.record_type.value} · ")  # the name leads the row
            first = row.spans[0]
            assert (first.start, first.end, str(first.style)) == (0, len(field.name), "bold")
        boards = screen._list("boards")
        archived = next(i for i, b in enumerate(screen.boards) if b.is_archived)
        assert boards.get_option_at_index(archived).prompt.plain.endswith(" · archived")  # not '(archived) · …'
        screen._list("fields").focus()
        screen._list("fields").highlighted = multi
        await pilot.pause()
        assert "type multi-select:" in str(screen.query_one("#admin-detail").render())


async def test_the_move_keys_hint_names_the_keys_a_keymap_binds(demo_store):
    """K/J share one hint, built from the keys bound now: a keymap that moves one is shown so."""
    from track_tui.app import TrackApp
    from track_tui.config import Settings

    app = TrackApp(demo_store, Settings(keymap={"admin.move_down": "ctrl+j"}))
    async with app.run_test(size=(120, 40)) as pilot:
        await open_admin(app, pilot)
        await pilot.press("tab")
        await settle(app, pilot)
        footer = screen_lines(app)[-1]
        assert "K/^j Move" in footer and "J" not in footer.replace("^j", "") and footer.count("Move") == 1

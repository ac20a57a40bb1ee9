"""Pickers under Pilot: the contact picker tells namesakes apart and says when nothing matches;
every option list jumps to what is typed."""

from __future__ import annotations

from textual.widgets import Input, OptionList

from track_tui.models import RecordType
from track_tui.screens.record_dialogs import RecordPickerScreen

from .test_board import SIZE, settle
from .test_record import a_deal, open_page


def prompts(option_list: OptionList) -> list[str]:
    return [str(option_list.get_option_at_index(i).prompt) for i in range(option_list.option_count)]


async def test_the_contact_picker_shows_companies_forgives_typos_and_says_when_nothing_matches(demo_app, demo_store):
    deal = a_deal(demo_store)
    contact = demo_store.conn.execute(
        """SELECT c.name, co.name AS company FROM contacts c JOIN companies co ON co.id = c.company_id
        WHERE c.deleted_at IS NULL AND c.name LIKE '% _____%'
        AND c.id NOT IN (SELECT contact_id FROM deal_contacts WHERE deal_id = ?) ORDER BY c.name LIMIT 1""",
        (deal,),
    ).fetchone()
    async with demo_app.run_test(size=SIZE) as pilot:
        await open_page(demo_app, pilot, RecordType.DEAL, deal)
        await pilot.press("C")
        await pilot.pause()
        picker = demo_app.screen
        assert isinstance(picker, RecordPickerScreen)
        results = picker.query_one("#results", OptionList)
        name = contact["name"]
        first, last = name.rsplit(" ", 1)
        typo = f"{first} {last[:2]}{last[3:]}"  # one letter of the last name left out
        picker.query_one("#query", Input).value = typo
        await pilot.pause()
        assert any(p.startswith(f"{name}  · {contact['company']}") for p in prompts(results)), prompts(results)
        picker.query_one("#query", Input).value = contact["company"]  # by the company's name
        await pilot.pause()
        assert any(p.startswith(f"{name}  · {contact['company']}") for p in prompts(results))
        picker.query_one("#query", Input).value = "qqxqzz"
        await pilot.pause()
        assert prompts(results) == [
            "Nothing matches 'qqxqzz' — try part of a name, a company or an email"]
        await pilot.press("enter")
        await pilot.pause()
        assert demo_app.screen is picker  # nothing to pick: it stays, and says why
        assert "Nothing matches" in str(picker.query_one("#error").render())


async def test_letters_jump_in_a_dialogs_option_list(demo_app, demo_store, monkeypatch):
    from track_tui.screens.record_dialogs import ChoiceScreen
    from track_tui.widgets import type_to_jump

    clock = [100.0]
    monkeypatch.setattr(type_to_jump, "clock", lambda: clock[0])

    def pause() -> None:  # longer than a typing pause: the next letter starts a new prefix
        clock[0] += type_to_jump.PAUSE + 0.1

    options = [("a", "● Alpha"), ("b", "  Beta"), ("n1", "  Negotiation"), ("n2", "  No decision"),
               ("e", "  Émile"), ("x", "  Next steps")]
    async with demo_app.run_test(size=SIZE) as pilot:
        await settle(demo_app, pilot)
        chosen: list[str | None] = []
        demo_app.push_screen(ChoiceScreen("Pick", options, "a"), chosen.append)
        await pilot.pause()
        choices = demo_app.screen.query_one(OptionList)
        ids = [oid for oid, _ in options]
        await pilot.press("n")
        assert ids[choices.highlighted] == "n1"
        await pilot.press("n")  # the same letter again: the next one starting with it
        assert ids[choices.highlighted] == "n2"
        pause()
        await pilot.press("n", "e", "x")
        assert ids[choices.highlighted] == "x"
        pause()
        await pilot.press("n", "o", "space", "d")  # a space continues a prefix
        assert ids[choices.highlighted] == "n2"
        pause()
        await pilot.press("e")  # accents are ignored
        assert ids[choices.highlighted] == "e"
        pause()
        await pilot.press("a")  # the marker of the current option is not part of its text
        assert ids[choices.highlighted] == "a"
        pause()
        await pilot.press("z")  # nothing starts with z: the highlight stays
        assert ids[choices.highlighted] == "a"
        await pilot.press("enter")
        await pilot.pause()
        assert chosen == ["a"]


async def test_a_key_the_dialog_binds_keeps_its_meaning(demo_app, demo_store, monkeypatch):
    from track_tui.screens.dialogs import BoardPickerScreen
    from track_tui.widgets import type_to_jump

    monkeypatch.setattr(type_to_jump, "clock", lambda: 100.0)  # every key "at once": one prefix

    async with demo_app.run_test(size=SIZE) as pilot:
        await settle(demo_app, pilot)
        await pilot.press("b")
        await pilot.pause()
        assert isinstance(demo_app.screen, BoardPickerScreen)
        picker = demo_app.screen.query_one(OptionList)
        names = [b.name for b in demo_store.boards()]
        assert names[picker.highlighted] == "Sales pipeline"
        await pilot.press("o")
        assert names[picker.highlighted] == "Outreach"
        await pilot.press("p")  # "op" matches nothing: it stays
        assert names[picker.highlighted] == "Outreach"
        await pilot.press("b")  # the picker's own key: closes it, as before
        await pilot.pause()
        assert not isinstance(demo_app.screen, BoardPickerScreen)


async def test_lists_outside_dialogs_keep_their_letters_for_commands(demo_app, demo_store):
    deal = a_deal(demo_store)
    async with demo_app.run_test(size=SIZE) as pilot:
        page = await open_page(demo_app, pilot, RecordType.DEAL, deal)
        page.fields_list.focus()
        before = page.fields_list.highlighted
        await pilot.press("o")  # unbound on the record page: no jump in its field list
        assert page.fields_list.highlighted == before

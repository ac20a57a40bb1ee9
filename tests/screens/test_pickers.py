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

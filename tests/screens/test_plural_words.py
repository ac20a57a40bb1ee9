"""Several companies are "companies": in the board switcher, its palette commands, the inbox's
type filter and the store's messages (never "companys")."""

from __future__ import annotations

from tests.support.screen_text import screen_lines
from track_tui.models import RecordType
from track_tui.models.enums import plural

from .test_board import SIZE, settle


def test_plural_of_each_record_type_and_of_a_stored_odd_value() -> None:
    assert [plural(kind) for kind in RecordType] == ["contacts", "companies", "deals"]
    assert plural("company") == "companies"
    assert plural("widget") == "widgets"  # a value no type has: named as it is, never a crash


async def test_no_companys_on_the_switcher_the_palette_or_the_inbox(demo_app):
    async with demo_app.run_test(size=SIZE) as pilot:
        await settle(demo_app, pilot)
        titles = [f"{c.title} {c.help}" for c in demo_app.get_system_commands(demo_app.screen)]
        assert any("companies board" in t for t in titles) and not any("companys" in t for t in titles)
        await pilot.press("b")
        await pilot.pause()
        text = "\n".join(screen_lines(demo_app))
        assert "(companies)" in text and "companys" not in text
        await pilot.press("escape", "i")
        await settle(demo_app, pilot)
        for _ in range(3):  # all → deals → contacts → companies
            await pilot.press("f")
            await settle(demo_app, pilot)
        header = "\n".join(screen_lines(demo_app)[:3])
        assert "companies only" in header and "companys" not in header, header

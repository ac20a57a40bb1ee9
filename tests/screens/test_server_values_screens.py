"""The screens over rows the web app wrote that our forms would refuse (an invalid email, no
currency, a probability of 150, …; tests/support/server_values.py): the board, every record
page, the inbox and search open and draw, nothing reaches the terminal as a control code, and
the app reports no error (the conftest fails a test on any)."""

from __future__ import annotations

import html
import re

from track_tui.app import TrackApp
from track_tui.config import Settings
from track_tui.models import RecordType
from track_tui.screens.board import BoardScreen

from tests.support.server_values import build_server_values_store

from .test_inbox import open_inbox
from .test_record import SIZE, open_page, settle


def _drawn(app) -> str:
    """The screen's text as drawn (from Textual's own screenshot)."""
    svg = html.unescape(app.export_screenshot())
    return re.sub(r"<[^>]+>", "", svg).replace("\xa0", " ")


async def test_every_screen_opens_over_what_the_server_holds(tmp_path):
    store, ids, odd = build_server_values_store(tmp_path / "odd.sqlite3")
    app = TrackApp(store, Settings())
    try:
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            assert isinstance(app.screen, BoardScreen)
            for kind in RecordType:
                for (record_id,) in store.conn.execute(f"SELECT id FROM {kind.table} WHERE deleted_at IS NULL"):
                    page = await open_page(app, pilot, kind, record_id)
                    assert page.is_mounted
                    await pilot.press("escape")
                    await settle(app, pilot)
            await open_page(app, pilot, RecordType.CONTACT, odd["invalid email"][1])
            assert "not an email" in _drawn(app)  # shown as stored
            await pilot.press("escape")
            await settle(app, pilot)
            await open_page(app, pilot, RecordType.DEAL, odd["unknown currency"][1])
            assert "XYZ 90.00" in _drawn(app)
            await pilot.press("escape")
            await settle(app, pilot)
            await open_inbox(app, pilot)
            await pilot.press("escape")
            await settle(app, pilot)
            await pilot.press("ctrl+f")
            await settle(app, pilot)
            for key in "acme":
                await pilot.press(key)
            await settle(app, pilot)
    finally:
        store.close()

"""Snapshots of the record pages on the frozen demo workspace: deal, contact and company at 80x24
and 120x40, the note editor and a refused (invalid) value."""

from __future__ import annotations

import pytest
from textual.widgets import Input, TextArea

from track_tui.app import TrackApp
from track_tui.config import Settings
from track_tui.models import RecordType

SIZES = pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])


def first(store, sql: str) -> str:
    return store.conn.execute(sql).fetchone()[0]


def deal_id(store) -> str:
    """The board's first card (what Enter opens), so the snapshot matches the screenshots."""
    board = store.boards()[0]
    stage = store.stages(board.id)[0]
    card = store.column_card_ids(board, stage.id)[0]
    return first(store, f"SELECT record_id FROM board_cards WHERE id = '{card}'")


def opener(kind: RecordType, record_id: str, *keys: str, then=None):
    async def run_before(pilot) -> None:
        app = pilot.app
        await app.workers.wait_for_complete()
        await pilot.pause()
        app.open_record(kind, record_id)
        await pilot.pause()
        for key in keys:
            await pilot.press(key)
            await pilot.pause()
        if then is not None:
            await then(pilot)
        await app.workers.wait_for_complete()
        await pilot.pause()

    return run_before


@SIZES
def test_deal_page(snap_compare, demo_store, size):
    app = TrackApp(demo_store, Settings())
    assert snap_compare(app, terminal_size=size, run_before=opener(RecordType.DEAL, deal_id(demo_store)))


@SIZES
def test_contact_page(snap_compare, demo_store, size):
    contact = first(demo_store, """SELECT c.id FROM contacts c JOIN deal_contacts dc ON dc.contact_id = c.id
        WHERE c.deleted_at IS NULL AND c.company_id IS NOT NULL ORDER BY c.name LIMIT 1""")
    app = TrackApp(demo_store, Settings())
    assert snap_compare(app, terminal_size=size, run_before=opener(RecordType.CONTACT, contact))


@SIZES
def test_company_page(snap_compare, demo_store, size):
    company = first(demo_store, "SELECT company_id FROM deals WHERE company_id IS NOT NULL ORDER BY created_at, id LIMIT 1")
    app = TrackApp(demo_store, Settings())
    assert snap_compare(app, terminal_size=size, run_before=opener(RecordType.COMPANY, company))


def test_deal_timeline_tab_at_80x24(snap_compare, demo_store):
    app = TrackApp(demo_store, Settings())
    assert snap_compare(app, terminal_size=(80, 24),
                        run_before=opener(RecordType.DEAL, deal_id(demo_store), "tab", "tab", "j"))


def test_note_editor(snap_compare, demo_store):
    async def write(pilot) -> None:
        pilot.app.screen.query_one(TextArea).load_text("## Pricing call\n\n- budget **approved**\n- legal next week")

    app = TrackApp(demo_store, Settings())
    assert snap_compare(app, terminal_size=(120, 40),
                        run_before=opener(RecordType.DEAL, deal_id(demo_store), "a", then=write))


def test_validation_error(snap_compare, demo_store):
    async def bad_value(pilot) -> None:
        field = pilot.app.screen.query_one(Input)
        field.value = "12 apples"
        await pilot.press("enter")

    async def open_value(pilot) -> None:
        page = pilot.app.screen
        fields = page.fields_list
        ids = [fields.get_option_at_index(i).id for i in range(fields.option_count)]
        fields.highlighted = ids.index("field:value_cents")
        await pilot.press("enter")
        await pilot.pause()
        await bad_value(pilot)

    app = TrackApp(demo_store, Settings())
    assert snap_compare(app, terminal_size=(80, 24), run_before=opener(RecordType.DEAL, deal_id(demo_store), then=open_value))

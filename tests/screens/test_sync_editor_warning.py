"""An open editor whose field a teammate changed meanwhile: the dialog says who changed it and
to what, and saving asks before replacing their value (the second save replaces it)."""

from __future__ import annotations


from textual.widgets import Input

from track_tui.models import RecordType
from track_tui.screens.record import RecordScreen
from track_tui.screens.record_dialogs import NoteScreen, TextFieldScreen

from .sync_support import app_with_teammate, server_edit, syncing_app
from tests.support.pilot import settle, until

SIZE = (120, 40)


def error_line(app) -> str:
    label = app.screen.query_one("#error")
    return str(label.render()) if label.display else ""


def wraps_inside_the_dialog(app) -> bool:
    """The message is shown whole: as wide as the dialog at most, on as many lines as it needs
    (a one-line label wider than the dialog is clipped at its edge, mid-word)."""
    label = app.screen.query_one("#error")
    return label.outer_size.width <= label.parent.content_size.width and label.size.height >= 2


async def open_deal(app, pilot, store) -> RecordScreen:
    deal_id = store.conn.execute("SELECT id FROM deals WHERE deleted_at IS NULL ORDER BY id LIMIT 1").fetchone()[0]
    await settle(app, pilot)
    app.open_record(RecordType.DEAL, deal_id)
    await settle(app, pilot)
    assert isinstance(app.screen, RecordScreen)
    return app.screen


async def test_an_editor_on_a_field_changed_remotely_warns_and_asks_before_saving(demo_store):
    async with app_with_teammate(demo_store) as (app, pilot, _):
        page = await open_deal(app, pilot, demo_store)
        page.edit_field("field:name")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, TextFieldScreen)
        assert error_line(app) == ""
        server_edit(demo_store, "deals", page.record_id, name="Ana's name for it")
        assert await until(pilot, lambda: "Ana Reyes changed Name to Ana's name for it" in error_line(app))
        assert "Saving asks before replacing their value" in error_line(app)
        assert wraps_inside_the_dialog(app)
        # The first save does not overwrite: it says what is there now and keeps the dialog open.
        dialog.query_one(Input).value = "My name for it"
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is dialog
        assert "it is now Ana's name for it" in error_line(app) and "Save again to replace it" in error_line(app)
        assert wraps_inside_the_dialog(app)
        assert demo_store.record(RecordType.DEAL, page.record_id).name == "Ana's name for it"
        # The second save replaces it, knowingly.
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.screen is page
        assert demo_store.record(RecordType.DEAL, page.record_id).name == "My name for it"


async def test_a_change_to_another_field_leaves_the_editor_alone(demo_store):
    async with app_with_teammate(demo_store) as (app, pilot, _):
        page = await open_deal(app, pilot, demo_store)
        page.edit_field("field:name")
        await pilot.pause()
        server_edit(demo_store, "deals", page.record_id, close_date="2027-05-01")
        await settle(app, pilot)
        assert error_line(app) == ""
        app.screen.query_one(Input).value = "Renamed by me"
        await pilot.press("enter")
        await settle(app, pilot)
        assert demo_store.record(RecordType.DEAL, page.record_id).name == "Renamed by me"  # saved at once


async def test_a_note_being_written_is_told_and_kept(demo_store):
    async with app_with_teammate(demo_store) as (app, pilot, _):
        page = await open_deal(app, pilot, demo_store)
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, NoteScreen)
        server_edit(demo_store, "deals", page.record_id, close_date="2027-05-01")
        assert await until(pilot, lambda: "Ana Reyes changed the close date meanwhile; your note is kept" in error_line(app))


async def test_own_acks_do_not_warn(demo_store):
    from track_tui.store.server_apply import apply_ack

    app = syncing_app(demo_store)
    async with app.run_test(size=SIZE) as pilot:
        page = await open_deal(app, pilot, demo_store)
        demo_store.update_record(RecordType.DEAL, page.record_id, fields={"name": "Mine"})  # e.g. another pane
        page.edit_field("field:name")
        await pilot.pause()
        seqs = [r[0] for r in demo_store.conn.execute("SELECT seq FROM outbox")]
        version = demo_store.conn.execute("SELECT version FROM deals WHERE id = ?", (page.record_id,)).fetchone()[0]
        apply_ack(demo_store, "deals", {"id": page.record_id, "name": "Mine", "version": version + 1,
                                        "updated_by": demo_store.user_id}, seqs)
        await settle(app, pilot)
        assert error_line(app) == ""

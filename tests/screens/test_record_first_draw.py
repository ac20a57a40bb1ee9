"""Opening a record page draws each part once: the timeline is laid out at its real width
before the first frame, and lists keep what they drew across a resize that keeps their width
(the work that made a page with 5,000 entries several times slower than a bare screen)."""

from __future__ import annotations

from datetime import timedelta

from textual._compositor import Compositor
from textual.scrollbar import ScrollBar

from tests.support.screen_text import screen_lines
from track_tui.models import RecordType, TimelineEntry
from track_tui.models.enums import EntryType
from track_tui.screens.record import RecordScreen
from track_tui.screens.record_dialogs import NoteScreen
from track_tui.store import Origin
from track_tui.widgets.timeline import TimelineView

from .test_key_bursts import burst, delivered
from .test_record import a_deal, open_page, settle


def add_notes(store, deal_id: str, count: int) -> None:
    with store.transaction(origin=Origin.SERVER) as tx:
        for n in range(count):
            tx.insert(TimelineEntry(
                workspace_id=store.workspace_id, record_type=RecordType.DEAL, record_id=deal_id,
                entry_type=EntryType.NOTE, author_id=store.user_id, created_at=store.now() - timedelta(minutes=n + 1),
                body=f"## Review {n}\n\nA long enough sentence that it wraps at a narrow width, number {n}.",
            ))


async def test_a_long_timeline_is_laid_out_once_at_its_real_width(demo_app, demo_store, monkeypatch):
    deal = a_deal(demo_store)
    add_notes(demo_store, deal, 300)
    rendered: list[str] = []
    original = TimelineView._render_entry

    def counting(self, entry, under):
        rendered.append(entry.id)
        return original(self, entry, under)

    monkeypatch.setattr(TimelineView, "_render_entry", counting)
    async with demo_app.run_test(size=(120, 40)) as pilot:
        screen = await open_page(demo_app, pilot, RecordType.DEAL, deal)
        timeline = screen.timeline
        assert len(rendered) == len(set(rendered)), "an entry was rendered more than once"
        assert timeline._width == timeline._content_width()
        # only about what is on screen is rendered, not the whole loaded page
        assert len(timeline._rendered) < 40
        assert all(strip.cell_length == timeline._width for lines in timeline._rendered for strip in lines)
        # and it is complete: the newest entry is drawn at the top, the cursor on it
        top = "".join(segment.text for segment in timeline.render_line(0))
        assert "Note" in top and timeline.current is not None and timeline.cursor == 0
        # scrolling far down lays out the rest on demand
        await pilot.press("tab", "tab")
        for _ in range(3):
            await pilot.press("pagedown")
        await pilot.pause()
        assert timeline.cursor > 5 and len(timeline._rendered) > timeline.cursor


async def test_a_timeline_that_fits_has_no_scrollbar_and_uses_the_whole_width(demo_app, demo_store):
    async with demo_app.run_test(size=(120, 40)) as pilot:
        await settle(demo_app, pilot)
        deal = next(d for d in demo_store.conn.execute("SELECT id FROM deals WHERE deleted_at IS NULL")
                    if 0 < demo_store.timeline_count(d[0]) <= 4)[0]
        screen = await open_page(demo_app, pilot, RecordType.DEAL, deal)
        timeline = screen.timeline
        assert timeline._lines <= timeline.size.height
        assert not timeline.show_vertical_scrollbar
        assert timeline._width == timeline.size.width - 2


async def test_a_page_opened_at_a_narrow_width_redraws_its_lists_when_widened(demo_app, demo_store):
    async with demo_app.run_test(size=(120, 40)) as pilot:
        screen = await open_page(demo_app, pilot, RecordType.DEAL, a_deal(demo_store))
        fields = screen.fields_list
        assert fields.render_line(0).cell_length == fields.scrollable_content_region.width
        await pilot.resize_terminal(120, 30)  # a height change alone keeps the drawn options
        await pilot.pause()
        assert fields.render_line(0).cell_length == fields.scrollable_content_region.width
        await pilot.resize_terminal(160, 40)
        await pilot.pause()
        await pilot.pause()
        width = fields.scrollable_content_region.width
        assert width > 40
        assert fields.render_line(0).cell_length == width
        assert len(screen.timeline._rendered[0][0].text) == screen.timeline._content_width()


async def test_a_long_timeline_has_its_scrollbar_from_the_first_layout(demo_app, demo_store, monkeypatch):
    """The scrollbar a long timeline needs is placed by the page's first layout: the layout
    that follows (the push's own) finds nothing new to place, and the scrollbar is not drawn
    again (Textual shows a scroll view's scrollbars only after laying it out, so without the
    early one every long record drew its page twice)."""
    deal = a_deal(demo_store)
    add_notes(demo_store, deal, 300)
    shown: list[set[str]] = []
    original = Compositor.reflow

    def reflow(self, parent, size):
        result = original(self, parent, size)
        if isinstance(parent, RecordScreen):
            shown.append({type(widget).__name__ for widget in result[1]})
        return result

    monkeypatch.setattr(Compositor, "reflow", reflow)
    async with demo_app.run_test(size=(120, 40)) as pilot:
        await settle(demo_app, pilot)
        drawn: list[str] = []
        original_render = ScrollBar.render

        def render(self):
            drawn.append(self.name or "")
            return original_render(self)

        monkeypatch.setattr(ScrollBar, "render", render)
        screen = await open_page(demo_app, pilot, RecordType.DEAL, deal)
        assert screen.timeline.show_vertical_scrollbar
        assert "ScrollBar" in shown[0] and "TimelineView" in shown[0]
        assert all(not later for later in shown[1:]), shown
        assert drawn.count("vertical") == 1, drawn


async def test_a_page_resized_draws_as_a_page_opened_at_that_size(demo_app, demo_store):
    """Lists keep what they drew when only the height changes, and the timeline keeps its
    layout: what is on screen after a resize is what a page opened at the new size shows
    (but for the scrollbar's thumb: its length follows an estimate of the entries not laid
    out yet, and a page laid out at two heights has laid out more of them)."""
    deal = a_deal(demo_store)
    add_notes(demo_store, deal, 40)

    def drawn(screen: RecordScreen) -> list[str]:
        column = screen.timeline.vertical_scrollbar.region.x
        return [line[:column] + line[column + 1:] for line in screen_lines(demo_app)]

    async with demo_app.run_test(size=(120, 40)) as pilot:
        screen = await open_page(demo_app, pilot, RecordType.DEAL, deal)
        for size in ((120, 30), (120, 44), (100, 44)):
            await pilot.resize_terminal(*size)
            await settle(demo_app, pilot)
            resized = drawn(screen)
            demo_app.pop_screen()
            screen = await open_page(demo_app, pilot, RecordType.DEAL, deal)
            assert drawn(screen) == resized, size


def third_enabled(options) -> int:
    return [i for i in range(options.option_count) if not options.get_option_at_index(i).disabled][2]


async def test_keys_pressed_right_after_opening_a_page_act_on_it(demo_app):
    """The page takes its keys from its first moment: Enter on a card and j, j at once move
    the fields cursor two rows; Tab, Tab, j then walks the timeline; a opens the note dialog."""
    async with demo_app.run_test(size=(120, 40)) as pilot:
        await settle(demo_app, pilot)
        await pilot.press("enter", "j", "j")
        page = demo_app.screen
        assert isinstance(page, RecordScreen)
        assert page.focused is page.fields_list
        assert page.fields_list.highlighted == third_enabled(page.fields_list)
        await pilot.press("tab", "tab", "j")
        assert page.focused is page.timeline and page.timeline.cursor == 1
        await pilot.press("a")
        assert isinstance(demo_app.screen, NoteScreen)


async def test_a_burst_that_opens_a_page_moves_its_cursor(demo_app):
    """The same keys in one terminal read (the key gate on, as in a terminal): none is lost
    while the page mounts, and each acts where it would if typed slowly."""
    async with demo_app.run_test(size=(120, 40)) as pilot:
        await settle(demo_app, pilot)
        demo_app.key_gate.enabled = True
        burst(demo_app, "enter", "j", "j", "a")
        await delivered(demo_app, pilot)
        note = demo_app.screen
        assert isinstance(note, NoteScreen)
        page = demo_app.screen_stack[-2]
        assert isinstance(page, RecordScreen)
        assert page.fields_list.highlighted == third_enabled(page.fields_list)

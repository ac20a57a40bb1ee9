"""The kanban board: one column per stage, keyboard-driven pipeline review.

State (which board, the filter, the ordered card ids of each column, the focused column and
each column's cursor) lives here; columns only draw. Loading runs in a thread worker; a card
move updates the columns in memory at once and lets a background reload correct the figures.
A change made elsewhere (a teammate through sync, a thread, another process) to a few cards is
patched in: their places are read off the UI thread and only they move (`_queue_patch`).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterable

from pydantic import ValidationError
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Input, Label

from ..messages import StoreChanged
from ..status_words import context_name
from ..models import Board, BoardStage, Company, Contact, Deal, RecordType
from ..models.enums import StageType, plural
from ..models.problems import describe, first_problem
from ..models.views import CardFilter, ColumnStats
from ..store import InvalidInput, Store
from ..remote_news import Subject
from ..store.undo import UndoStep
from ..widgets.key_hints import KeyHints
from ..widgets.plain_text import PlainLabel
from ..widgets.safe_input import SafeInput
from ..widgets.stage_column import StageColumn
from ..widgets.status_line import StatusLine
from .board_actions import FILTER_PLACEHOLDER, apply_filter_text, move_to_stage, open_filter_line, store_move

if TYPE_CHECKING:  # the dialogs are imported when first opened: start-up does not need them
    from .dialogs import QuickAddResult


log = logging.getLogger(__name__)

MIN_COLUMN_WIDTH = 26  # cells: narrower and a card's name, value and date no longer fit


@dataclass
class _Pending:
    """Rows named by changes not yet patched into the board (see BoardScreen._queue_patch)."""

    cards: set[str] = field(default_factory=set)
    records: set[str] = field(default_factory=set)
    tasks: set[str] = field(default_factory=set)
    entries: set[str] = field(default_factory=set)

    def __len__(self) -> int:
        return len(self.cards) + len(self.records) + len(self.tasks) + len(self.entries)


class BoardColumns(Horizontal, can_focus=True):
    """The row of stage columns; holds the keyboard focus while the board is in use."""

    def on_resize(self) -> None:
        self.fit_columns()

    def fit_columns(self) -> None:
        """Share the width between the columns that fit whole, never narrower than a legible
        card: the cells left over widen the first ones, so no sliver of the next column shows
        (80 columns: 27 + 27 + 26, not 26 × 3 and 2 cells of a fourth). The widths repeat
        every `visible` columns, so any `visible` neighbours fill the width exactly and
        scrolling to the cursor's column always shows whole columns."""
        columns = list(self.query_children(StageColumn))
        if columns and self.size.width:
            visible = max(1, min(len(columns), self.size.width // MIN_COLUMN_WIDTH))
            width, extra = divmod(self.size.width, visible)
            for index, column in enumerate(columns):
                column.styles.width = width + (1 if index % visible < extra else 0)


class BoardScreen(Screen[None]):
    TITLE = "Board"
    AUTO_FOCUS = "#board-columns"

    class FirstDrawn(Message):
        """The board has been drawn with its cards for the first time (start-up is over)."""

    BINDINGS = [
        Binding("h,left", "focus_column(-1)", "Prev column", id="board.column_prev", show=False),
        Binding("l,right", "focus_column(1)", "Next column", id="board.column_next", show=False),
        Binding("k,up", "cursor(-1)", "Up", id="board.card_up", show=False),
        Binding("j,down", "cursor(1)", "Down", id="board.card_down", show=False),
        Binding("g,home", "cursor_to(0)", "First card", id="board.card_first", show=False),
        Binding("G,end", "cursor_to(-1)", "Last card", id="board.card_last", show=False),
        Binding("pageup", "page(-1)", "Page up", id="board.page_up", show=False),
        Binding("pagedown", "page(1)", "Page down", id="board.page_down", show=False),
        Binding("H", "move_card(-1)", "◀ Stage", id="board.card_prev_stage", tooltip="Move the card to the previous stage"),
        Binding("L", "move_card(1)", "Stage ▶", id="board.card_next_stage", tooltip="Move the card to the next stage"),
        Binding("K", "reorder(-1)", "Card up", id="board.card_raise", show=False, tooltip="Move the card up in its column"),
        Binding("J", "reorder(1)", "Card down", id="board.card_lower", show=False, tooltip="Move the card down in its column"),
        Binding("enter", "open_card", "Open", id="board.open"),
        Binding("n", "quick_add", "New", id="board.new"),
        Binding("slash", "filter", "Filter", id="board.filter"),
        Binding("escape", "clear_filter", "Clear filter", id="board.clear_filter", show=False),
        Binding("b", "switch_board", "Boards", id="board.switch"),
        Binding("v", "list_view", "List", id="board.list_view", show=False, tooltip="The board as a sortable list, with lanes"),
        Binding("apostrophe", "saved_views", "Views", id="board.saved_views", show=False),
        Binding("S", "swimlanes", "Swimlanes", id="board.swimlanes", show=False,
                tooltip="The columns in lanes by owner, company or a select field"),
        Binding("r", "reload", "Reload", id="board.reload", show=False),
        Binding("delete,D", "delete_card", "Delete", id="board.delete", show=False,
                tooltip="Delete the card's record (u undoes it, like every change)"),
    ]

    def __init__(self, store: Store, *, stale_days: int = 14, board_id: str | None = None) -> None:
        super().__init__()
        self.store = store
        self.stale_days = stale_days
        boards = store.boards()
        if not boards:
            raise LookupError("this workspace has no boards")
        wanted = board_id or store.get_meta("last_board_id")
        self.board: Board = next((b for b in boards if b.id == wanted), boards[0])
        self.stages: list[BoardStage] = []
        self.columns: list[StageColumn] = []
        self.stats: dict[str, ColumnStats] = {}
        self.col = 0
        self.flt = CardFilter()
        self.loaded = False
        self._stale = False  # changed while another screen was in front
        self._focus_wanted: str | None = None  # a record whose card gets the cursor after a reload
        self._pending = _Pending()  # rows changed elsewhere, waiting for the next patch
        self._patching = False  # a patch is being read
        self._loads_started = 0  # reloads that began reading (a patch read before one is moot)
        self._patched: list[tuple[int, set[str]]] = []  # (loads started when read, cards) applied
        self._shown_load = 0  # the newest reload shown

    # -- layout ----------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield BoardColumns(id="board-columns")
        yield PlainLabel("", id="filter-error")
        yield SafeInput(placeholder=FILTER_PLACEHOLDER, id="filter")
        yield StatusLine(id="status")
        yield KeyHints()

    def on_mount(self) -> None:
        self.query_one("#filter", Input).display = False
        self.query_one("#filter-error", Label).display = False
        self.show_context()
        self.reload(rebuild=True)

    @property
    def status(self) -> StatusLine:
        return self.query_one(StatusLine)

    def show_context(self) -> None:
        """The board's part of the status line (the app's status is the rest: status_keeper.py)."""
        status = self.status
        label = f"{context_name(self.board.name)}"
        if not self.flt.is_empty:
            label += f" · filter {self.flt.describe()}"
            if self.flt.value_note:
                label += f" ({self.flt.value_note})"
            if self.stats and not any(column.count for column in self.stats.values()):
                label += " — no cards match"  # an empty board says why it is empty
        status.context = label

    # -- loading ---------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="board-load")
    def reload(self, rebuild: bool = False) -> None:
        """Read stages, column figures and card ids off the UI thread, then show them."""
        board, flt = self.board, self.flt
        self._loads_started += 1  # a patch read before this point is shown by this load
        number = self._loads_started
        stages = self.store.stages(board.id)
        stats, ids = self.store.board_columns(board, flt)
        self.app.call_from_thread(self._show, board, flt, stages, stats, ids, rebuild, number)

    async def _show(
        self, board: Board, flt: CardFilter, stages: list[BoardStage], stats: dict[str, ColumnStats],
        ids: dict[str, list[str]], rebuild: bool, number: int = 0,
    ) -> None:
        if board.id != self.board.id or flt != self.flt:
            return  # a newer load is on its way
        # Cards patched from reads made after this load began reading may be older here than
        # on screen: they are patched again after it.
        again = set().union(*(cards for started, cards in self._patched if started >= number))
        self._patched = [(started, cards) for started, cards in self._patched if started > number]
        self._shown_load = max(self._shown_load, number)
        if rebuild or [s.id for s in stages] != [s.id for s in self.stages]:
            container = self.query_one(BoardColumns)
            await container.remove_children()
            self.columns = [
                StageColumn(stage, self.store.card_summaries, now=self.store.now, stale_days=self.stale_days)
                for stage in stages
            ]
            await container.mount_all(self.columns)
            container.fit_columns()
            self.col = min(self.col, max(0, len(stages) - 1))
        self.stages, self.stats = stages, stats
        for column, stage in zip(self.columns, stages):
            keep = column.cards.current_id
            column.cards.forget()
            column.cards.set_cards(ids.get(stage.id, []), keep=keep)
            column.show_stats(stats[stage.id], board.record_type)
        self._activate(self.col)
        if again:
            self._pending.cards |= again
            if not self._patching:
                self._start_patch()
        self._apply_focus_wanted()
        self._focus_wanted = None
        self.show_context()
        if not self.loaded:
            self.call_after_refresh(self.post_message, self.FirstDrawn())
        self.loaded = True

    def remote_subjects(self, changes) -> Iterable[Subject]:
        """The rows of a teammate's change that this board shows (see news_notifier.py): its
        cards, and the records they show — named from the cards on screen, so a card removed
        by the change is still named."""
        card_ids = changes.ids("board_cards")
        record_ids = changes.ids(self.board.record_type.table)
        if not card_ids and not record_ids:
            return
        for column in self.columns:
            shown = column.cards.card_ids
            for card_id in card_ids.intersection(shown) if len(card_ids) < len(shown) else (c for c in shown if c in card_ids):
                summary = column.cards.summary(card_id)
                yield Subject("board_cards", card_id, record_name=summary.name if summary else None)
        for record_id in record_ids:
            if self.store.card_for_record(self.board.id, record_id) is not None:
                yield Subject(self.board.record_type.table, record_id)

    BOARD_TABLES = ("board_cards", "board_stages", "deals", "contacts", "companies", "tasks", "timeline_entries", "profiles")
    RECORD_TABLES = ("deals", "contacts", "companies")
    PATCH_LIMIT = 200  # rows of one burst beyond which reading the columns again is cheaper
    FIGURES_WAIT = 0.25  # seconds a patch's figures wait at most for its cards' frame

    def on_store_changed(self, message: StoreChanged) -> None:
        """Keep the board current without redoing work a local action already did.

        A change made here and now while the board is in front came from a key pressed here,
        and the columns were already updated in memory: only the figures and card faces are
        refreshed. A change to known cards and records from anywhere else (a teammate, a
        thread, another process) is patched in: their places are read off the UI thread and
        only those cards move (see `_queue_patch`). Anything wider (stages, people, a whole
        table, a big burst) reloads the columns; while another screen is in front the reload
        waits until the board is shown again.
        """
        changes = message.changes
        if not changes.touches(*self.BOARD_TABLES):
            return
        if not self.is_active:
            self._stale = True
        elif not changes.from_here:
            if not self._queue_patch(changes):
                self._pending = _Pending()
                self.reload()
        else:  # this screen's own action: redraw just the cards it touched
            cards = changes.ids("board_cards")
            records = changes.ids("deals") | changes.ids("contacts") | changes.ids("companies")
            for column in self.columns:
                column.cards.forget(cards)
                column.cards.forget_records(records)
            if self._patching:  # a patch read before this change may put its cards back: re-read them
                self._pending.cards |= cards
                self._pending.records |= records
            self.reload_figures()

    # -- patching in other people's (and other threads') changes ---------------------------
    #
    # A change to a few cards must cost what those cards cost: re-reading a column of 9,000
    # ids and redrawing every column took most of a teammate's edit's 150 ms. The rows named
    # by a change set wait in `_pending`; one worker at a time reads where each of their cards
    # now is (store.card_places: a few indexed counts) and the column figures, and the UI
    # thread moves just those cards. Changes arriving meanwhile gather for the next round, so
    # a burst costs one read and one frame.

    def _queue_patch(self, changes) -> bool:
        """Add the rows of `changes` to the next patch. False when they cannot be patched
        (stages or people changed, rows known only by table, too many): reload instead."""
        if any(changes.any_row(table) for table in self.BOARD_TABLES):
            return False
        if changes.touches("board_stages", "profiles"):
            return False
        pending = self._pending
        pending.cards |= changes.ids("board_cards")
        for table in self.RECORD_TABLES:
            pending.records |= changes.ids(table)
        pending.tasks |= changes.ids("tasks")
        pending.entries |= changes.ids("timeline_entries")
        if len(pending) > self.PATCH_LIMIT:
            return False
        if not self._patching:
            self._start_patch()
        return True

    def _start_patch(self) -> None:
        pending, self._pending = self._pending, _Pending()
        self._patching = True
        self._read_patch(pending, self._loads_started)

    @work(thread=True, group="board-patch")
    def _read_patch(self, pending: "_Pending", started: int) -> None:
        board, flt, store = self.board, self.flt, self.store
        stats: dict[str, ColumnStats] | None = None  # None: reload instead
        try:
            records = set(pending.records)
            known = True
            for table, ids in (("tasks", pending.tasks), ("timeline_entries", pending.entries)):
                owners = store.records_of(table, ids) if ids else set()
                if owners is None:  # a row gone for good: whose card it showed is unknown
                    known = False
                    break
                records |= owners
            if known:
                cards = pending.cards | (store.cards_of_records(board.id, records) if records else set())
                places = store.card_places(board, cards, flt)
                # The cards are drawn first; their columns' figures are counted once that frame
                # is out (counting a column of 9,000 cards takes longer than placing them, and
                # on a busy machine the count competes with the frame for the CPU).
                drawn = threading.Event()
                touched = self.app.call_from_thread(self._apply_patch, board, flt, started, places, drawn)
                drawn.wait(self.FIGURES_WAIT)
                stats = store.column_stats(board, flt, touched) if touched else {}
        except Exception:  # never worth a crash: reading the columns again shows the change
            log.exception("patching changed cards into the board failed")
        try:
            self.app.call_from_thread(self._patch_done, board, flt, started, stats)
        except RuntimeError:  # the app is closing
            pass

    def _is_current(self, board: Board, flt: CardFilter, started: int) -> bool:
        """Still this board and filter, and no reload began reading after the patch did (that
        reload shows all of the patch, and more)."""
        return board.id == self.board.id and flt == self.flt and started == self._loads_started

    def _apply_patch(self, board: Board, flt: CardFilter, started: int,
                     places: dict[str, tuple[str, int] | None], drawn: threading.Event) -> set[str]:
        """Place the cards; the stages whose figures may have changed. `drawn` is set once
        the frame showing them has been drawn."""
        self.call_after_refresh(drawn.set)
        if not self._is_current(board, flt, started):
            return set()
        if self._shown_load < started:  # reload `started` is still to be shown: it may be older
            self._patched.append((started, set(places)))
        return self._place(places)

    def _patch_done(self, board: Board, flt: CardFilter, started: int,
                    stats: dict[str, ColumnStats] | None) -> None:
        self._patching = False
        if stats is None:  # the patch could not be read: the columns are read whole
            self._pending = _Pending()
            self.reload()
            return
        if stats and self._is_current(board, flt, started):
            self._show_changed_figures(board, {**self.stats, **stats})
        if self._pending:
            self._start_patch()

    def _place(self, places: dict[str, tuple[str, int] | None]) -> set[str]:
        """Move each card to its place (or off the board) in one pass per column touched;
        the stages of the columns touched."""
        by_stage = {column.stage_id: column for column in self.columns}
        removed: dict[StageColumn, set[str]] = {}
        inserted: dict[StageColumn, list[tuple[int, str]]] = {}
        for card_id, place in places.items():
            for column in self.columns:
                if card_id in column.cards.card_ids:
                    removed.setdefault(column, set()).add(card_id)
                    break
            target = by_stage.get(place[0]) if place is not None else None
            if target is not None:
                inserted.setdefault(target, []).append((place[1], card_id))
        changed = set(places)
        touched: set[str] = set()
        for column in self.columns:
            if column in removed or column in inserted:
                column.cards.patch(removed.get(column, ()), inserted.get(column, ()), changed)
                touched.add(column.stage_id)
        return touched

    def _show_changed_figures(self, board: Board, stats: dict[str, ColumnStats]) -> None:
        """Set the headers whose figures changed (a header set lays the board out)."""
        for column in self.columns:
            figures = stats.get(column.stage_id)
            if figures is not None and figures != self.stats.get(column.stage_id):
                column.show_stats(figures, board.record_type)
        self.stats = stats
        self.show_context()

    def on_screen_resume(self) -> None:
        if self._stale:
            self._stale = False
            self.reload()

    @work(thread=True, exclusive=True, group="board-figures")
    def reload_figures(self) -> None:
        board, flt = self.board, self.flt
        stats = self.store.column_stats(board, flt)
        self.app.call_from_thread(self._show_figures, board, flt, stats)

    def _show_figures(self, board: Board, flt: CardFilter, stats: dict[str, ColumnStats]) -> None:
        if board.id != self.board.id or flt != self.flt:
            return
        self._show_changed_figures(board, stats)

    # -- focus -----------------------------------------------------------------------------

    @property
    def column(self) -> StageColumn | None:
        return self.columns[self.col] if self.columns else None

    def _activate(self, index: int) -> None:
        if not self.columns:
            return
        self.col = max(0, min(index, len(self.columns) - 1))
        for i, column in enumerate(self.columns):
            column.set_active(i == self.col)
        self.query_one(BoardColumns).scroll_to_widget(self.columns[self.col], animate=False)

    def action_focus_column(self, delta: int) -> None:
        self._activate(self.col + delta)

    def action_cursor(self, delta: int) -> None:
        if self.column:
            self.column.cards.move_cursor(delta)

    def action_cursor_to(self, index: int) -> None:
        if self.column:
            cards = self.column.cards
            cards.set_cursor(index if index >= 0 else len(cards.card_ids) - 1)

    def action_page(self, direction: int) -> None:
        if self.column:
            cards = self.column.cards
            cards.move_cursor(direction * max(1, cards.size.height // 4))

    # -- card actions ----------------------------------------------------------------------

    def action_move_card(self, delta: int) -> None:
        """H/L: the previous/next stage. H on a won or lost card reopens it, in the open stage
        it was closed from (never from Lost into Won)."""
        column = self.column
        if column is None or column.cards.current_id is None:
            return
        card_id = column.cards.current_id
        summary = column.cards.summary(card_id)
        name = summary.name if summary else "card"
        if delta < 0 and self.stages and self.stages[self.col].stage_type != StageType.OPEN:
            reopen = self.store.reopen_stage(card_id)
            if reopen is not None and reopen.id in [s.id for s in self.stages]:
                if self._do_move(card_id, [s.id for s in self.stages].index(reopen.id)):
                    self.notify(f"Reopened {name} in {reopen.name}", timeout=3)
                return
        move_to_stage(self, self.stages, self.col, delta, name, summary.record_id if summary else None,
                      lambda target, note=None, close_date=None: self._do_move(card_id, target, note, close_date))

    def _do_move(self, card_id: str, target: int, note: str | None = None, close_date=None) -> bool:
        source_col = next((i for i, c in enumerate(self.columns) if card_id in c.cards.card_ids), self.col)
        if not store_move(self, card_id, self.stages[target].id, note, close_date):
            return False
        source = self.columns[source_col].cards
        destination = self.columns[target].cards
        source.patch(removed={card_id})
        destination.patch(inserted=[(0, card_id)], changed={card_id})
        destination.set_cursor(0)
        self._activate(target)
        return True

    def action_reorder(self, delta: int) -> None:
        column = self.column
        if column is None or column.cards.current_id is None:
            return
        cards = column.cards
        index = cards.cursor
        if not 0 <= index + delta < len(cards.card_ids):
            return
        if not self.store.reorder_card(cards.current_id, delta):
            return
        if self.flt.is_empty:
            ids = list(cards.card_ids)
            ids[index], ids[index + delta] = ids[index + delta], ids[index]
            cards.set_cards(ids)
            cards.set_cursor(index + delta)
        else:  # the neighbour in the store may be hidden by the filter: read the order again
            self.reload()

    def action_open_card(self) -> None:
        column = self.column
        if column is None or column.cards.current_id is None:
            return
        summary = column.cards.summary(column.cards.current_id)
        if summary is not None:
            self.app.open_record(summary.record_type, summary.record_id)

    def action_quick_add(self) -> None:
        if not self.stages:
            return
        stage = self.stages[self.col]
        from .dialogs import QuickAddScreen

        self.app.push_screen(QuickAddScreen(
            self.board.record_type, stage, self.store.today(), save=lambda result: self._create(result, stage),
        ))

    def _create(self, result: QuickAddResult, stage: BoardStage) -> str | None:
        """Create the record; None when done, else why not (the dialog shows it and stays open)."""
        store = self.store
        workspace_id = store.workspace_id
        try:
            # Every model is checked before anything is written, so a refused record does not
            # leave a new company behind.
            kind = self.board.record_type
            if kind == RecordType.DEAL:
                record: Deal | Contact | Company = Deal(
                    workspace_id=workspace_id, name=result.name, value_cents=result.value_cents,
                    currency=result.currency, close_date=result.close_date,
                    owner_id=store.user_id, stage_id=stage.id,
                )
            elif kind == RecordType.CONTACT:
                record = Contact(workspace_id=workspace_id, name=result.name, email=result.email,
                                 owner_id=store.user_id)
            else:
                record = Company(workspace_id=workspace_id, name=result.name, domain=result.domain,
                                 owner_id=store.user_id)
            company = result.company if kind != RecordType.COMPANY else None
            if company:
                try:
                    Company(workspace_id=workspace_id, name=company)  # a new company must be valid too
                except ValidationError as exc:
                    return f"Company: {first_problem(exc)[1]}"
            # One action (one undo step), the company found or created with the record.
            store.quick_add(record, stage_id=stage.id, company=company)
        except ValidationError as exc:
            return describe(exc)
        except (InvalidInput, ValueError) as exc:
            return str(exc)
        card_id = store.card_for_record(self.board.id, record.id)
        column = self.columns[self.col].cards
        if card_id:
            column.set_cards([card_id, *column.card_ids])
            column.set_cursor(0)
        self.notify(f"Created {record.name}", timeout=2)
        return None

    # -- filter and boards -----------------------------------------------------------------

    def action_filter(self) -> None:
        open_filter_line(self, self.flt)

    @on(Input.Submitted, "#filter")
    def apply_filter(self, event: Input.Submitted) -> None:
        """Apply what was typed (board_actions.apply_filter_text); the columns take the focus."""
        apply_filter_text(self, event.value, focus=self.query_one(BoardColumns))

    def action_clear_filter(self) -> None:
        """Esc, on the board or in the filter line (which says so): no filter."""
        field = self.query_one("#filter", Input)
        self.query_one("#filter-error", Label).display = False
        if field.display:
            field.display = False
            field.value = ""
            self.query_one(BoardColumns).focus()
        if not self.flt.is_empty:
            self.flt = CardFilter()
            self.show_context()
            self.reload()

    def action_switch_board(self) -> None:
        from .dialogs import BoardPickerScreen

        def chosen(board_id: str | None) -> None:
            if board_id and board_id != self.board.id:
                self.show_board(board_id)

        self.app.push_screen(BoardPickerScreen(self.store.boards(), self.board.id), chosen)

    def show_board(self, board_id: str) -> None:
        self.board = self.store.board(board_id)
        self.store.set_meta("last_board_id", board_id)  # the next start opens this board
        self.flt = CardFilter()
        self.col = 0
        self.stages = []
        self.show_context()
        self.reload(rebuild=True)

    def action_delete_card(self) -> None:
        """Soft-delete the focused card's record; `u` brings it back."""
        column = self.column
        if column is None or column.cards.current_id is None:
            return
        summary = column.cards.summary(column.cards.current_id)
        if summary is None:
            return
        self.store.soft_delete(summary.record_type, summary.record_id)
        column.cards.set_cards([c for c in column.cards.card_ids if c != summary.card_id])
        self.notify(f"Deleted {summary.name} — press u to undo", timeout=6)

    def show_undone(self, step: UndoStep) -> None:
        """After `u`/`U` (the app's): the cursor follows the record that came back or moved."""
        record = step.record
        if record is not None and record[0] == self.board.record_type:
            self._focus_wanted = record[1]  # the reload below puts the cursor on its card
        self.reload()

    def action_reload(self) -> None:
        self.reload()

    # -- list view, swimlanes, saved views (screens/board_list.py, screens/swimlanes.py) --

    def action_list_view(self) -> None:
        from .board_list import open_list

        open_list(self)

    def action_saved_views(self) -> None:
        from .board_list import pick_saved_view

        pick_saved_view(self)

    def action_swimlanes(self) -> None:
        from .swimlanes import open_swimlanes

        open_swimlanes(self)

    def focus_record(self, record_id: str) -> None:
        """Put the cursor on a record's card (after returning from its page).

        A reload may be on its way (the record changed while its page was open): the wish is
        kept and applied again when that reload has drawn the columns.
        """
        self._focus_wanted = record_id
        self._apply_focus_wanted()
        if not self._stale:  # no reload is coming: nothing to re-apply later
            self._focus_wanted = None

    def _apply_focus_wanted(self) -> None:
        if self._focus_wanted is None:
            return
        card_id = self.store.card_for_record(self.board.id, self._focus_wanted)
        for index, column in enumerate(self.columns):
            if card_id in column.cards.card_ids:
                column.cards.set_cursor(column.cards.card_ids.index(card_id))
                self._activate(index)
                return

    # -- command palette -------------------------------------------------------------------

    def palette_commands(self) -> Iterable[tuple[str, str, object]]:
        yield ("Board: switch board", "Open another pipeline or board", self.action_switch_board)
        for board in self.store.boards():
            if board.id != self.board.id:
                yield (f"Board: open {board.name}", f"{plural(board.record_type)} board", lambda b=board.id: self.show_board(b))
        yield ("Board: filter cards", "owner:, tag:, stage:, >value, <value (EUR…), stale:N, words", self.action_filter)
        yield ("Board: my cards", "Filter to cards I own", lambda: self._quick_filter("owner:me"))
        yield (f"Board: stale cards ({self.stale_days}+ days in stage)", "Cards that have not moved", lambda: self._quick_filter(f"stale:{self.stale_days}"))
        if not self.flt.is_empty:
            yield ("Board: clear filter", self.flt.describe(), self.action_clear_filter)
        yield ("Board: new card", "Quick-add in the focused column", self.action_quick_add)
        yield ("Board: list view", "The cards as a sortable list with lanes (v)", self.action_list_view)
        from .board_list import palette_entries

        yield from palette_entries(self)
        if self.column and self.column.cards.current_id:
            yield ("Card: move to next stage", "Same as L", lambda: self.action_move_card(1))
            yield ("Card: move to previous stage", "Same as H", lambda: self.action_move_card(-1))
            yield ("Card: open record", "Same as Enter", self.action_open_card)

    def _quick_filter(self, text: str) -> None:
        self.flt = CardFilter.parse(text)
        self.show_context()
        self.reload()

"""The board as a list (`v` on the board, `v` or Esc back), lanes, export, saved views.

The list shows the board's cards under the board's filter, one line each, sortable by any
column (`s` the next column, `S` reverses), grouped into lanes by owner, company or a select
custom field (`g` cycles; `z` or Enter on a lane folds it). `e` exports what is on screen —
the cards in the order shown — to a CSV, JSON or Markdown file; `y` copies it as CSV to the
clipboard (the local terminal's over SSH, via OSC 52). `ctrl+s` saves board + filter + view +
lanes + sort under a name; `'` opens the saved views (also from the board and the palette).

The board screen keeps only a small hook (its `v` and `'` keys and palette lines call
:func:`open_list`, :func:`pick_saved_view` and :func:`palette_entries`), so the list's code
lives here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Input

from ..status_words import context_name
from ..models import Board, RecordType
from ..models.board_rows import BoardRow
from ..models.enums import CustomFieldType
from ..models.views import CardFilter
from ..saved_views import SavedView, ViewsProblem, delete, load, save, views_file
from ..store import Store
from ..transfer.export import records_table
from ..widgets.board_list import BoardList, COLUMNS, GroupBy, group_by_company, group_by_field, group_by_owner
from ..widgets.key_hints import KeyHints
from ..widgets.plain_text import PlainStatic
from ..widgets.status_line import StatusLine
from .board_actions import (ReloadsOnCardChanges, apply_filter_text, apply_to_board, back_to_board,
                            board_screen_below, filter_line, open_card_or_fold, open_filter_line)
from .export_actions import copy_table, export_to_file
from .view_dialogs import SavedViewsScreen, TextPromptScreen

if TYPE_CHECKING:
    from .board import BoardScreen

SORTS = [c.key for c in COLUMNS]


def lane_choices(store: Store, board: Board) -> list[tuple[str, str, GroupBy | None, str]]:
    """(setting, label, grouping, lane of cards without one) for `g` to cycle through."""
    choices: list[tuple[str, str, GroupBy | None, str]] = [("", "no lanes", None, ""),
                                                          ("owner", "owner", group_by_owner, "No owner")]
    if board.record_type != RecordType.COMPANY:
        choices.append(("company", "company", group_by_company, "No company"))
    for definition in store.custom_field_defs(board.record_type):
        if definition.type == CustomFieldType.SELECT:
            choices.append((f"field:{definition.key}", definition.name, group_by_field(definition),
                            f"No {definition.name.lower()}"))
    return choices


class BoardListScreen(ReloadsOnCardChanges, Screen[None]):
    TITLE = "List"
    AUTO_FOCUS = ""  # nothing (None would mean the app's "*"): the screen owns the keys; only the filter line takes the focus, while open

    BINDINGS = [
        Binding("v,escape", "back", "Board", id="board_list.back"),
        Binding("k,up", "cursor(-1)", "Up", id="board_list.up", show=False),
        Binding("j,down", "cursor(1)", "Down", id="board_list.down", show=False),
        Binding("home", "cursor_to(0)", "First", id="board_list.first", show=False),
        Binding("end", "cursor_to(-1)", "Last", id="board_list.last", show=False),
        Binding("pageup", "page(-1)", "Page up", id="board_list.page_up", show=False),
        Binding("pagedown", "page(1)", "Page down", id="board_list.page_down", show=False),
        Binding("enter", "open", "Open", id="board_list.open"),
        Binding("s", "sort", "Sort", id="board_list.sort"),
        Binding("S", "reverse", "Reverse", id="board_list.reverse", show=False),
        Binding("g", "lanes", "Lanes", id="board_list.lanes"),
        Binding("z", "fold", "Fold", id="board_list.fold", show=False),
        Binding("slash", "filter", "Filter", id="board_list.filter"),
        Binding("e", "export", "Export", id="board_list.export"),
        Binding("y", "copy", "Copy", id="board_list.copy", show=False),
        Binding("ctrl+s", "save_view", "Save view", id="board_list.save_view", show=False),
        Binding("apostrophe", "saved_views", "Views", id="board_list.saved_views", show=False),
    ]

    def __init__(self, store: Store, board: Board, flt: CardFilter = CardFilter(), *, lanes: str = "",
                 sort: str = "stage", descending: bool = False) -> None:
        super().__init__()
        self.store, self.board, self.flt = store, board, flt
        self.lanes, self.sort, self.descending = lanes, sort if sort in SORTS else "stage", descending
        self.cards: list[BoardRow] = []
        self.loaded = False

    def compose(self) -> ComposeResult:
        yield PlainStatic("", id="board-list-header")
        yield BoardList(now=self.store.now, today=self.store.today, id="board-list")
        yield from filter_line()
        yield StatusLine(id="status")
        yield KeyHints()

    def on_mount(self) -> None:
        self.set_focus(None)
        listing = self.list
        listing.sort_column, listing.descending = self.sort, self.descending
        self._apply_lanes(self.lanes)
        self.show_context()
        self.reload()

    @property
    def list(self) -> BoardList:
        return self.query_one(BoardList)

    def on_resize(self) -> None:
        self._draw_header()

    def _draw_header(self) -> None:
        header = self.query_one("#board-list-header", PlainStatic)
        header.update(self.list.header_text(self.size.width or 80))

    def show_context(self) -> None:
        """This view's part of the status line (the app's status is the rest: status_keeper.py)."""
        status = self.query_one(StatusLine)
        label = f"{context_name(self.board.name)} · list · {len(self.cards):,} cards"
        if not self.flt.is_empty:
            label += f" · filter {self.flt.describe()}"
        choice = next((c for c in lane_choices(self.store, self.board) if c[0] == self.lanes), None)
        if choice and choice[2] is not None:
            label += f" · lanes by {choice[1]}"
        status.context = label

    # -- loading ---------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="board-list-load")
    def reload(self) -> None:
        board, flt = self.board, self.flt
        rows = self.store.board_rows(board, flt)
        self.app.call_from_thread(self._show, board, flt, rows)

    def _show(self, board: Board, flt: CardFilter, rows: list[BoardRow]) -> None:
        if board.id != self.board.id or flt != self.flt:
            return
        self.cards = rows
        self.list.set_cards(rows)
        self._draw_header()
        self.show_context()
        self.loaded = True

    # -- keys ------------------------------------------------------------------------------

    def action_back(self) -> None:
        back_to_board(self)

    def action_cursor(self, delta: int) -> None:
        self.list.move_cursor(delta)

    def action_cursor_to(self, index: int) -> None:
        self.list.set_cursor(index if index >= 0 else len(self.list.item_rows) - 1)

    def action_page(self, direction: int) -> None:
        self.list.page(direction)

    def action_open(self) -> None:
        open_card_or_fold(self, self.list.current_card, self.list.toggle_fold)

    def action_sort(self) -> None:
        index = (SORTS.index(self.list.sort_column) + 1) % len(SORTS)
        self.list.sort_by(SORTS[index], False)
        self.sort, self.descending = self.list.sort_column, self.list.descending
        self._draw_header()

    def action_reverse(self) -> None:
        self.list.sort_by(self.list.sort_column, not self.list.descending)
        self.sort, self.descending = self.list.sort_column, self.list.descending
        self._draw_header()

    def action_lanes(self) -> None:
        choices = lane_choices(self.store, self.board)
        settings = [c[0] for c in choices]
        current = settings.index(self.lanes) if self.lanes in settings else 0
        self._apply_lanes(settings[(current + 1) % len(settings)])
        self.show_context()  # the status line says which lanes

    def _apply_lanes(self, setting: str) -> None:
        choice = next((c for c in lane_choices(self.store, self.board) if c[0] == setting), None)
        if choice is None:  # a saved view naming a field that is gone: no lanes
            setting, choice = "", ("", "no lanes", None, "")
        self.lanes = setting
        self.list.group_with(choice[2], choice[3])

    def action_fold(self) -> None:
        self.list.toggle_fold()

    def action_filter(self) -> None:
        open_filter_line(self, self.flt)

    @on(Input.Submitted, "#filter")
    def apply_filter(self, event: Input.Submitted) -> None:
        apply_filter_text(self, event.value)

    # -- export ----------------------------------------------------------------------------

    def shown_table(self):
        """What is on screen, as a table: the cards in the order shown, every column."""
        return records_table(self.store, self.board.record_type, self.board,
                             card_ids=[c.card_id for c in self.list.ordered()])

    def action_export(self) -> None:
        export_to_file(self, self.shown_table, f"{len(self.list.ordered()):,} cards", self.board.name)

    def action_copy(self) -> None:
        copy_table(self, self.shown_table(), "cards")

    # -- saved views -----------------------------------------------------------------------

    def current_view(self, name: str) -> SavedView:
        return SavedView(name=name, board_id=self.board.id, board=self.board.name, filter=self.flt.describe(),
                         view="list", lanes=self.lanes, sort=self.list.sort_column, descending=self.list.descending)

    def action_save_view(self) -> None:
        ask_to_save(self, self.current_view)

    def action_saved_views(self) -> None:
        pick_saved_view(self)

    def palette_commands(self) -> Iterable[tuple[str, str, object]]:
        yield ("List: back to the board", "Same as v", self.action_back)
        yield ("List: export to a file", "CSV, JSON or Markdown of the cards shown (e)", self.action_export)
        yield ("List: copy to the clipboard", "The cards shown, as CSV (y)", self.action_copy)
        yield ("List: lanes", "No lanes, owner, company, a select field (g)", self.action_lanes)
        yield ("View: save this view", "Board, filter, list, lanes and sort under a name (ctrl+s)", self.action_save_view)
        yield from palette_entries(self)


def ask_to_save(screen: Screen, make_view) -> None:
    """Ask for a name, then keep `make_view(name)` in the workspace's saved views."""
    store: Store = screen.store  # type: ignore[attr-defined]

    def chosen(name: str | None) -> None:
        if not name:
            return
        try:
            save(views_file(store.workspace_id), make_view(name), store.workspace_id)
        except ViewsProblem as exc:
            screen.notify(str(exc), severity="error")
            return
        screen.notify(f"Saved the view {name!r}", timeout=3)

    screen.app.push_screen(TextPromptScreen(
        "Save this view", "", "A name for what is shown now · Enter saves (the same name replaces) · Esc cancels",
        lambda text: None if 0 < len(text.strip()) <= 80 else "Give a name of 1 to 80 characters"), chosen)


def open_list(board: "BoardScreen", *, lanes: str = "", sort: str = "stage", descending: bool = False) -> None:
    """The board's `v`: the list of the board's cards under its filter."""
    board.app.push_screen(BoardListScreen(board.store, board.board, board.flt, lanes=lanes, sort=sort,
                                          descending=descending))


def open_saved_view(screen: Screen, store: Store, view: SavedView) -> None:
    """Show a saved view: its board with its filter, as the board or as the list."""
    boards = {b.id: b for b in store.boards()}
    board_id = view.board_id if view.board_id in boards else next(
        (b.id for b in boards.values() if b.name == view.board), None)
    if board_id is None:
        screen.notify(f"The board of the view {view.name!r} is not in this workspace any more", severity="error")
        return
    try:
        flt = CardFilter.parse(view.filter)
    except ValueError as exc:
        screen.notify(f"The view {view.name!r} has a filter that cannot be read: {exc}", severity="error")
        return
    app = screen.app
    from .swimlanes import SwimlaneScreen

    if isinstance(screen, (BoardListScreen, SwimlaneScreen)):
        screen.dismiss()
    board = board_screen_below(screen)
    if board is None:
        return
    apply_to_board(board, board_id, flt)
    if view.view == "list":
        app.push_screen(BoardListScreen(store, boards[board_id], flt, lanes=view.lanes, sort=view.sort,
                                        descending=view.descending))
    elif view.lanes:  # the board cut into lanes
        from .swimlanes import SwimlaneScreen

        app.push_screen(SwimlaneScreen(store, boards[board_id], flt, lanes=view.lanes))


def pick_saved_view(screen: Screen) -> None:
    store: Store = screen.store  # type: ignore[attr-defined]
    path = views_file(store.workspace_id)
    problem = None
    try:
        views = load(path)
    except ViewsProblem as exc:
        views, problem = [], str(exc)

    def remove(view: SavedView) -> list[SavedView]:
        try:
            return delete(path, view.name, store.workspace_id)
        except ViewsProblem as exc:
            screen.notify(str(exc), severity="error")
            return views

    def chosen(view: SavedView | None) -> None:
        if view is not None:
            open_saved_view(screen, store, view)

    screen.app.push_screen(SavedViewsScreen(views, remove, problem), chosen)


def board_table(board: "BoardScreen"):
    """The board's cards under its filter, in board order (what the board shows)."""
    return records_table(board.store, board.board.record_type, board.board, board.flt)


def palette_entries(screen: Screen) -> Iterable[tuple[str, str, object]]:
    """Palette lines for the saved views (one per view) and the picker, and for importing."""
    from .import_screen import palette_entries as import_entries

    from .board import BoardScreen

    store: Store = screen.store  # type: ignore[attr-defined]
    if isinstance(screen, BoardScreen):
        yield ("Board: export to a file", "The cards shown (with the filter), CSV, JSON or Markdown",
               lambda: export_to_file(screen, lambda: board_table(screen), "cards", screen.board.name))
        yield ("Board: copy to the clipboard", "The cards shown (with the filter), as CSV",
               lambda: copy_table(screen, board_table(screen), "cards"))
        yield ("Board: swimlanes", "The columns in one lane per owner, company or select field (S)",
               screen.action_swimlanes)
        yield ("View: save this board and filter", "Under a name, for the saved views (')",
               lambda: ask_to_save(screen, lambda name: SavedView(
                   name=name, board_id=screen.board.id, board=screen.board.name, filter=screen.flt.describe())))
    yield from import_entries(screen)
    yield ("View: saved views", "Pick a saved board + filter + view (')", lambda: pick_saved_view(screen))
    try:
        views = load(views_file(store.workspace_id))
    except ViewsProblem:
        return
    for view in views:
        yield (f"View: {view.name}", f"{view.board} · {view.view}" + (f" · {view.filter}" if view.filter else ""),
               lambda v=view: open_saved_view(screen, store, v))

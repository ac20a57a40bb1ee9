"""Swimlanes of the board (`S` on the board, `S` or Esc back): the stage columns cut into one
lane per owner — or per company, or per option of a select custom field (`g` cycles) — each
lane with its card count and total per currency, and folding (`z` one lane, `Z` all).

The board's filter applies (and `/` changes it here too); Enter opens a card, or on a lane's
header folds it; `H`/`L` move a card to the previous/next stage within its lane. `ctrl+s` saves board + filter + lanes as a view, `'` opens the saved views,
`e`/`y` export the cards shown. The board screen keeps only its `S` key and a palette line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Input

from ..models import Board, BoardStage
from ..status_words import context_name
from ..models.board_rows import BoardRow
from ..models.views import CardFilter
from ..saved_views import SavedView
from ..store import Store
from ..transfer.export import records_table
from ..widgets.key_hints import KeyHints
from ..widgets.plain_text import PlainStatic
from ..widgets.status_line import StatusLine
from ..widgets.swimlane_grid import Lane, SwimlaneGrid
from .board_actions import (ReloadsOnCardChanges, apply_filter_text, back_to_board, filter_line, move_to_stage,
                            open_card_or_fold, open_filter_line, store_move)
from .board_list import ask_to_save, lane_choices, pick_saved_view
from .export_actions import copy_table, export_to_file

if TYPE_CHECKING:
    from .board import BoardScreen


def build_lanes(rows: list[BoardRow], group, no_lane: str) -> list[Lane]:
    """Cards into lanes (named lanes by name, the lane of cards without one last), each lane's
    cards per stage in board order."""
    lanes: dict[str, Lane] = {}
    for row in rows:
        key = group(row)
        lane = lanes.get(key)
        if lane is None:
            lane = lanes[key] = Lane(key=key, label=key or no_lane)
        lane.cards.setdefault(row.stage_id, []).append(row)
    return sorted(lanes.values(), key=lambda lane: (lane.key == "", lane.key.casefold()))


class SwimlaneScreen(ReloadsOnCardChanges, Screen[None]):
    TITLE = "Swimlanes"
    AUTO_FOCUS = ""  # the screen owns the keys; only the filter line takes the focus, while open

    BINDINGS = [
        Binding("S,escape", "back", "Board", id="swimlanes.back"),
        Binding("k,up", "cursor(-1)", "Up", id="swimlanes.up", show=False),
        Binding("j,down", "cursor(1)", "Down", id="swimlanes.down", show=False),
        Binding("h,left", "column(-1)", "Prev column", id="swimlanes.column_prev", show=False),
        Binding("l,right", "column(1)", "Next column", id="swimlanes.column_next", show=False),
        Binding("pageup", "page(-1)", "Page up", id="swimlanes.page_up", show=False),
        Binding("pagedown", "page(1)", "Page down", id="swimlanes.page_down", show=False),
        Binding("enter", "open", "Open", id="swimlanes.open"),
        Binding("H", "move_card(-1)", "◀ Stage", id="swimlanes.card_prev_stage", show=False,
                tooltip="Move the card to the previous stage (it stays in its lane)"),
        Binding("L", "move_card(1)", "Stage ▶", id="swimlanes.card_next_stage", show=False,
                tooltip="Move the card to the next stage (won and lost ask for the outcome)"),
        Binding("z", "fold", "Fold", id="swimlanes.fold"),
        Binding("Z", "fold_all", "Fold all", id="swimlanes.fold_all", show=False),
        Binding("g", "lanes", "Lanes by", id="swimlanes.lanes"),
        Binding("slash", "filter", "Filter", id="swimlanes.filter"),
        Binding("e", "export", "Export", id="swimlanes.export", show=False),
        Binding("y", "copy", "Copy", id="swimlanes.copy", show=False),
        Binding("ctrl+s", "save_view", "Save view", id="swimlanes.save_view", show=False),
        Binding("apostrophe", "saved_views", "Views", id="swimlanes.saved_views", show=False),
    ]

    def __init__(self, store: Store, board: Board, flt: CardFilter = CardFilter(), *, lanes: str = "owner") -> None:
        super().__init__()
        self.store, self.board, self.flt = store, board, flt
        self.lanes = lanes or "owner"
        self.stages: list[BoardStage] = []
        self.rows: list[BoardRow] = []
        self.loaded = False
        self._follow: str | None = None  # a card the cursor goes to after the next load

    def compose(self) -> ComposeResult:
        yield PlainStatic("", id="swimlanes-header")
        yield SwimlaneGrid(id="swimlanes")
        yield from filter_line()
        yield StatusLine(id="status")
        yield KeyHints()

    def on_mount(self) -> None:
        self.set_focus(None)
        self.show_context()
        self.reload()

    @property
    def grid(self) -> SwimlaneGrid:
        return self.query_one(SwimlaneGrid)

    def _choice(self):
        choices = [c for c in lane_choices(self.store, self.board) if c[2] is not None]
        return next((c for c in choices if c[0] == self.lanes), choices[0])

    def show_context(self) -> None:
        """This view's part of the status line (the app's status is the rest: status_keeper.py)."""
        status = self.query_one(StatusLine)
        label = f"{context_name(self.board.name)} · lanes by {self._choice()[1]} · {len(self.rows):,} cards"
        if not self.flt.is_empty:
            label += f" · filter {self.flt.describe()}"
        status.context = label

    def _draw_header(self) -> None:
        self.query_one("#swimlanes-header", PlainStatic).update(self.grid.header_text(self.size.width or 80))

    def on_resize(self) -> None:
        self._draw_header()

    # -- loading ---------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="swimlanes-load")
    def reload(self) -> None:
        board, flt = self.board, self.flt
        stages = self.store.stages(board.id)
        rows = self.store.board_rows(board, flt)
        self.app.call_from_thread(self._show, board, flt, stages, rows)

    def _show(self, board: Board, flt: CardFilter, stages: list[BoardStage], rows: list[BoardRow]) -> None:
        if board.id != self.board.id or flt != self.flt:
            return
        self.stages, self.rows = stages, rows
        setting, _, group, no_lane = self._choice()
        self.lanes = setting
        self.grid.show(stages, build_lanes(rows, group, no_lane), follow=self._follow)
        self._follow = None
        self._draw_header()
        self.show_context()
        self.loaded = True

    # -- keys ------------------------------------------------------------------------------

    def action_back(self) -> None:
        back_to_board(self)

    def action_cursor(self, delta: int) -> None:
        self.grid.move(delta)

    def action_column(self, delta: int) -> None:
        self.grid.move_column(delta)
        self._draw_header()

    def action_page(self, direction: int) -> None:
        self.grid.move(direction * max(1, self.grid.size.height - 2))

    def action_open(self) -> None:
        open_card_or_fold(self, self.grid.current_card, self.grid.toggle_fold)

    def action_move_card(self, delta: int) -> None:
        """H/L: the card to the previous/next stage, in its lane; won and lost ask for the
        outcome as on the board. The cursor follows the card."""
        card = self.grid.current_card
        if card is None:
            return
        move_to_stage(self, self.stages, self.grid.column, delta, card.name, card.record_id,
                      lambda target, note=None, close_date=None: self._move(card, target, note, close_date))

    def _move(self, card: BoardRow, target: int, note: str | None = None, close_date=None) -> None:
        if not store_move(self, card.card_id, self.stages[target].id, note, close_date):
            return
        self.grid.column = target
        self._follow = card.card_id  # the reload that the change brings puts the cursor on it

    def action_fold(self) -> None:
        self.grid.toggle_fold()

    def action_fold_all(self) -> None:
        lanes = self.grid.lanes
        self.grid.fold_all(not all(lane.folded for lane in lanes))

    def action_lanes(self) -> None:
        choices = [c for c in lane_choices(self.store, self.board) if c[2] is not None]
        settings = [c[0] for c in choices]
        index = settings.index(self.lanes) if self.lanes in settings else 0
        self.lanes = settings[(index + 1) % len(settings)]
        setting, _, group, no_lane = self._choice()
        self.grid.lanes = []  # a new grouping: no fold or cursor carries over
        self.grid.lane, self.grid.row = 0, -1
        self.grid.show(self.stages, build_lanes(self.rows, group, no_lane))
        self.show_context()

    def action_filter(self) -> None:
        open_filter_line(self, self.flt)

    @on(Input.Submitted, "#filter")
    def apply_filter(self, event: Input.Submitted) -> None:
        apply_filter_text(self, event.value)

    def shown_table(self):
        ordered = [card.card_id for lane in self.grid.lanes for stage in self.stages
                   for card in lane.cards.get(stage.id, [])]
        return records_table(self.store, self.board.record_type, self.board, card_ids=ordered)

    def action_export(self) -> None:
        export_to_file(self, self.shown_table, f"{len(self.rows):,} cards", self.board.name)

    def action_copy(self) -> None:
        copy_table(self, self.shown_table(), "cards")

    def action_save_view(self) -> None:
        ask_to_save(self, lambda name: SavedView(
            name=name, board_id=self.board.id, board=self.board.name, filter=self.flt.describe(),
            view="board", lanes=self.lanes))

    def action_saved_views(self) -> None:
        pick_saved_view(self)

    def palette_commands(self) -> Iterable[tuple[str, str, object]]:
        yield ("Swimlanes: back to the board", "Same as S", self.action_back)
        yield ("Swimlanes: lanes by the next grouping", "Owner, company, a select field (g)", self.action_lanes)
        yield ("Swimlanes: fold or open every lane", "Same as Z", self.action_fold_all)
        yield ("Swimlanes: export to a file", "The cards shown (e)", self.action_export)
        yield ("View: save this view", "Board, filter and lanes under a name (ctrl+s)", self.action_save_view)


def open_swimlanes(board: "BoardScreen", lanes: str = "owner") -> None:
    board.app.push_screen(SwimlaneScreen(board.store, board.board, board.flt, lanes=lanes))

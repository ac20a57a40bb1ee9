"""What the board, its list view and its swimlanes do alike: the filter line (`/`, Enter,
Esc), moving a card to another stage (`H`/`L`, won and lost asking for the outcome first),
going back to the board with the view's filter, opening the card under the cursor, and
reloading when the cards change (at once if the screen is shown, else when it comes back).

The three screens each hold `store`, `board` and `flt` and have `show_context()` and
`reload()`; the code here relies on nothing more, so one piece serves all three and a change
to how a filter is read or how a move is asked for reaches every view of the board.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Iterable, Protocol

from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Input, Label

from ..messages import StoreChanged
from ..models import Board, BoardStage, RecordType
from ..models.enums import StageType
from ..models.views import CardFilter
from ..store import InvalidInput, Store
from ..widgets.plain_text import PlainLabel
from ..widgets.safe_input import SafeInput

if TYPE_CHECKING:
    from .board import BoardScreen
    from .dialogs import OutcomeResult

# The tables whose changes can change what a view of the board shows.
LIST_TABLES = ("board_cards", "board_stages", "deals", "contacts", "companies", "tasks", "timeline_entries", "profiles")


class BoardView(Protocol):
    """What the helpers here need of a screen that shows a board's cards."""

    store: Store
    board: Board
    flt: CardFilter

    def show_context(self) -> None: ...
    def reload(self) -> object: ...


# -- the filter line -------------------------------------------------------------------------


FILTER_PLACEHOLDER = "owner:me tag:vip stage:won >10k EUR stale:14 · Enter applies · Esc clears"


def filter_line() -> Iterable[Widget]:
    """The filter's error line and the filter line, both hidden until `/` (never focused before)."""
    error = PlainLabel("", id="filter-error")
    field = SafeInput(placeholder=FILTER_PLACEHOLDER, id="filter")
    error.display = field.display = False
    yield error
    yield field


def open_filter_line(screen: Screen, flt: CardFilter) -> None:
    """`/`: show the filter line holding the filter in force, and type there."""
    field = screen.query_one("#filter", Input)
    field.display = True
    field.value = flt.describe()
    field.focus()


def close_filter_line(screen: Screen) -> bool:
    """Esc while the filter line is open: close it (and its error line); True if it was open."""
    field = screen.query_one("#filter", Input)
    if not field.display:
        return False
    field.display = False
    screen.query_one("#filter-error").display = False
    screen.set_focus(None)
    return True


def apply_filter_text(screen: Screen, text: str, focus: Widget | None = None) -> bool:
    """Enter in the filter line: apply `text` — unless a part of it cannot be read, or names an
    owner, a stage or a currency that is not there: then the error line says which, and the
    filter line stays open with the text as typed. On success the focus goes to `focus`."""
    view: BoardView = screen  # type: ignore[assignment]
    error = screen.query_one("#filter-error", Label)
    try:
        flt = CardFilter.parse(text)
        problems = view.store.filter_problems(view.board, flt)
    except ValueError as exc:
        flt, problems = view.flt, [str(exc)]
    if problems:
        error.update("Filter: " + " · ".join(problems))
        error.display = True
        return False
    error.display = False
    screen.query_one("#filter", Input).display = False
    screen.set_focus(focus)
    view.flt = flt
    view.show_context()
    view.reload()
    return True


# -- back to the board ----------------------------------------------------------------------


def board_screen_below(screen: Screen) -> "BoardScreen | None":
    """The board screen under `screen` in the app's stack (None if there is none)."""
    from .board import BoardScreen

    return next((s for s in reversed(screen.app.screen_stack) if isinstance(s, BoardScreen)), None)


def apply_to_board(board: "BoardScreen", board_id: str, flt: CardFilter) -> None:
    """Make the board screen show `board_id` under `flt` (reloading only what changed)."""
    if board.board.id != board_id:
        board.show_board(board_id)
    if board.flt != flt:
        board.flt = flt
        board.show_context()
        board.reload()


def back_to_board(screen: Screen) -> None:
    """Esc in a view of the board (list, swimlanes): an open filter line closes; else the view
    closes and the board beneath takes its board and filter."""
    view: BoardView = screen  # type: ignore[assignment]
    if close_filter_line(screen):
        return
    board = board_screen_below(screen)
    if board is not None:
        apply_to_board(board, view.board.id, view.flt)
    screen.dismiss()


def open_card_or_fold(screen: Screen, card, fold: Callable[[], object]) -> None:
    """Enter in a view of the board: the card under the cursor opens; on a lane's header (no
    card) the lane folds or opens."""
    if card is not None:
        screen.app.open_record(card.record_type, card.record_id)  # type: ignore[attr-defined]
    else:
        fold()


# -- moving a card ---------------------------------------------------------------------------

Move = Callable[..., object]  # move(target, note=None, close_date=None)


def move_to_stage(screen: Screen, stages: list[BoardStage], current: int, delta: int, name: str,
                  record_id: str | None, move: Move) -> None:
    """`H`/`L`: the stage `delta` away from `current`; won and lost ask for the outcome (the
    note, and for a deal the close date, kept from an earlier close), then `move(target, note,
    close_date)`. Past the first or last stage it says so and does nothing."""
    view: BoardView = screen  # type: ignore[assignment]
    target = current + delta
    if not 0 <= target < len(stages):
        screen.notify("No stage further that way", severity="warning", timeout=2)
        return
    stage = stages[target]
    if stage.stage_type not in (StageType.WON, StageType.LOST):
        move(target)
        return
    is_deal = view.board.record_type == RecordType.DEAL
    kept = view.store.earlier_close_date(record_id, stage.stage_type) if is_deal and record_id else None
    from .dialogs import OutcomeScreen  # not at import: start-up does not need the dialogs

    def after(result: OutcomeResult | None) -> None:
        if result is not None:
            move(target, result.note, result.close_date)

    screen.app.push_screen(OutcomeScreen(name, stage, view.store.today(), is_deal=is_deal, close_date=kept), after)


def store_move(screen: Screen, card_id: str, stage_id: str, note: str | None = None, close_date=None) -> bool:
    """The move through the store; a move it refuses is said in a notice. True if it was made."""
    view: BoardView = screen  # type: ignore[assignment]
    try:
        view.store.move_card(card_id, stage_id, note=note, close_date=close_date)
    except InvalidInput as exc:
        screen.notify(str(exc), severity="error")
        return False
    return True


# -- reloading -------------------------------------------------------------------------------


class ReloadsOnCardChanges:
    """For a view of the board's cards (list, swimlanes): a change to its tables reloads it at
    once if it is shown, else when it is shown again."""

    _stale = False

    def on_store_changed(self, message: StoreChanged) -> None:
        if not message.changes.touches(*LIST_TABLES):
            return
        if self.is_active:  # type: ignore[attr-defined]
            self.reload()  # type: ignore[attr-defined]
        else:
            self._stale = True

    def on_screen_resume(self) -> None:
        if self._stale:
            self._stale = False
            self.reload()  # type: ignore[attr-defined]

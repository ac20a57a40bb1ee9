"""The board's list view: one line per card, sortable columns, optional lanes — line API only.

The whole board (10,000+ cards) is held as plain :class:`BoardRow` values; only the lines on
screen are drawn (:class:`GroupedList`), so the list costs one screenful whatever its length.

Columns: name, value, stage, owner, company, close date, days in stage, next task. Narrow
terminals drop the columns of least use first (next task, company, close date), the name keeps
what is left. Lanes (swimlanes) group the cards by owner, company or a select custom field;
each lane's header line carries its count and its total per currency, and folds away with its
cards (the cursor walks lane headers too, so a folded lane can be opened again).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Callable

from rich.text import Text
from textual.strip import Strip

from ..models import CustomField
from ..models.board_rows import BoardRow, lane_totals, sort_key
from ..safe_text import safe_line
from .grouped_list import GroupedList
from .search_results import fit


@dataclass(frozen=True)
class Column:
    key: str  # a sort key of models.board_rows
    title: str
    width: int  # 0: takes the room left
    priority: int  # lower is dropped first when the width runs out


COLUMNS = (
    Column("name", "Name", 0, 9),
    Column("value", "Value", 10, 8),
    Column("stage", "Stage", 11, 7),
    Column("owner", "Owner", 14, 6),
    Column("days", "Days", 5, 5),
    Column("close_date", "Close", 10, 4),
    Column("company", "Company", 18, 3),
    Column("next_task", "Next task", 24, 2),
)
NAME_MIN = 20


def layout(width: int) -> list[tuple[Column, int]]:
    """The columns that fit in `width` cells, in display order, each with its width."""
    chosen = list(COLUMNS)
    while len(chosen) > 1:
        fixed = sum(c.width + 1 for c in chosen if c.width)
        if width - fixed - 2 >= NAME_MIN:
            break
        chosen.remove(min((c for c in chosen if c.width), key=lambda c: c.priority))
    fixed = sum(c.width + 1 for c in chosen if c.width)
    return [(c, c.width or max(8, width - fixed - 2)) for c in chosen]


@dataclass(frozen=True, slots=True)
class LaneHeader:
    key: str
    label: str
    count: int
    totals: str
    folded: bool


GroupBy = Callable[[BoardRow], str]


def group_by_owner(row: BoardRow) -> str:
    return row.owner_name or ""


def group_by_company(row: BoardRow) -> str:
    return row.company_name or ""


def group_by_field(definition: CustomField) -> GroupBy:
    labels = dict(definition.options())

    def lane(row: BoardRow) -> str:
        value = row.custom_fields.get(definition.key)
        return labels.get(value, str(value)) if isinstance(value, str) else ""
    return lane


class BoardList(GroupedList[object], can_focus=False):
    """The list view's rows (cards, and lane headers when grouped). Not focusable: the screen
    owns the keys (a focused ScrollView would take Home, End and the page keys for itself)."""

    COMPONENT_CLASSES = {
        "board-list--lane", "board-list--cursor", "board-list--muted", "board-list--overdue", "board-list--empty",
    }
    EMPTY_COMPONENT = "board-list--empty"
    CURSOR_COMPONENT = "board-list--cursor"
    CACHE_SIZE = 1024

    @staticmethod
    def _item(row: object) -> object:
        return row  # every line is an item: lane headers too, so a folded lane can be opened

    def __init__(self, *, now: Callable[[], datetime], today: Callable[[], date], id: str | None = None) -> None:
        super().__init__(empty_text="No cards match", id=id)
        self.now, self.today = now, today
        self.cards: list[BoardRow] = []
        self.sort_column = "stage"
        self.descending = False
        self.group: GroupBy | None = None
        self.no_lane = "No owner"
        self.folded: set[str] = set()

    # -- data ------------------------------------------------------------------------------

    def set_cards(self, cards: list[BoardRow]) -> None:
        self.cards = cards
        self._rebuild()

    def sort_by(self, column: str, descending: bool | None = None) -> None:
        if descending is None:
            descending = not self.descending if column == self.sort_column else False
        self.sort_column, self.descending = column, descending
        self._rebuild(top=True)  # a new order is read from its start

    def group_with(self, group: GroupBy | None, no_lane: str = "") -> None:
        """Lanes by `group` (None: no lanes), all open, the cursor back at the top."""
        self.group, self.no_lane = group, no_lane
        self.folded = set()
        self.cursor = 0
        self._rebuild(keep_lane="" if group is not None else None, top=True)

    def toggle_fold(self) -> None:
        """Fold or open the lane under the cursor (on a card: the card's lane)."""
        if self.group is None:
            return
        current = self.current
        key = current.key if isinstance(current, LaneHeader) else self.group(current) if isinstance(current, BoardRow) else None
        if key is None:
            return
        self.folded.symmetric_difference_update({key})
        self._rebuild(keep_lane=key)

    def ordered(self) -> list[BoardRow]:
        """The cards in the order shown (lanes in lane order, folded ones included)."""
        return [card for _, cards in self._lanes() for card in cards]

    @property
    def current_card(self) -> BoardRow | None:
        current = self.current
        return current if isinstance(current, BoardRow) else None

    def _sorted(self, cards: list[BoardRow]) -> list[BoardRow]:
        if self.descending:
            return _descending(cards, self.sort_column, self.now())
        return sorted(cards, key=sort_key(self.sort_column, self.now()))

    def _lanes(self) -> list[tuple[str, list[BoardRow]]]:
        cards = self._sorted(self.cards)
        if self.group is None:
            return [("", cards)]
        lanes: dict[str, list[BoardRow]] = {}
        for card in cards:
            lanes.setdefault(self.group(card), []).append(card)
        return sorted(lanes.items(), key=lambda item: (item[0] == "", item[0].casefold()))

    def _rebuild(self, keep_lane: str | None = None, top: bool = False) -> None:
        keep_card = self.current_card.card_id if self.current_card and not top else None
        rows: list[object] = []
        for key, cards in self._lanes():
            if self.group is not None:
                rows.append(LaneHeader(key, key or self.no_lane, len(cards), lane_totals(cards).format_compact(),
                                       key in self.folded))
                if key in self.folded:
                    continue
            rows.extend(cards)
        if not self.cards:
            rows = []

        def keep(row: object) -> bool:
            if keep_lane is not None:
                return isinstance(row, LaneHeader) and row.key == keep_lane
            return isinstance(row, BoardRow) and row.card_id == keep_card
        self.show_rows(rows, keep=None if top else keep if (keep_card or keep_lane is not None) else None)

    # -- drawing ---------------------------------------------------------------------------

    def header_text(self, width: int) -> Text:
        text = Text(no_wrap=True)
        text.append("  ")
        for column, cells in layout(width - 1):
            title = column.title + (("▼" if self.descending else "▲") if column.key == self.sort_column else "")
            text.append(title.ljust(cells)[:cells] + " ", style="bold")
        return text

    def _render_item(self, row: object, width: int, selected: bool) -> Strip:
        if isinstance(row, LaneHeader):
            text = Text(no_wrap=True, overflow="ellipsis")
            text.append(("▌" if selected else " ") + ("▶ " if row.folded else "▼ "))
            text.append(safe_line(row.label), style=self._fg("board-list--lane"))
            text.append(f"  {row.count:,} card{'s' if row.count != 1 else ''} · {row.totals}", style=self._fg("board-list--muted"))
            return self._strip(text, width, self._row_style(selected))
        assert isinstance(row, BoardRow)
        text = Text(no_wrap=True)
        text.append("▌ " if selected else "  ")
        muted = self._fg("board-list--muted")
        for column, cells in layout(width - 1):
            cell, style = self._cell(row, column.key)
            if style is None and column.key in ("company", "close_date"):
                style = muted
            if column.key in ("value", "days"):
                shown = Text(cell[:cells].rjust(cells), style=style or "")
            else:  # cut in the middle: the end tells similar names apart
                shown = fit(Text(cell, style=style or ""), cells)
            text.append_text(shown)
            text.append(" ")
        return self._strip(text, width, self._row_style(selected))

    def _cell(self, row: BoardRow, key: str) -> tuple[str, object]:
        if key == "name":
            return safe_line(row.name), None
        if key == "value":
            return (row.value.format_compact() if row.value else "—"), None
        if key == "stage":
            return safe_line(row.stage_name), None
        if key == "owner":
            return safe_line(row.owner_name or "—"), None
        if key == "company":
            return safe_line(row.company_name or "—"), None
        if key == "close_date":
            return (row.close_date.isoformat() if row.close_date else "—"), None
        if key == "days":
            return str(row.days_in_stage(self.now())), None
        if row.next_task_title is None:
            return "—", self._fg("board-list--muted")
        due = row.next_task_due
        label = safe_line(row.next_task_title) + (f" ({due.isoformat()})" if due else "")
        return label, self._fg("board-list--overdue") if due and due < self.today() else None


def _descending(cards: list[BoardRow], column: str, now: datetime) -> list[BoardRow]:
    """Reverse order with rows lacking a value still last."""
    key = sort_key(column, now)
    present = [c for c in cards if not key(c)[0]]
    missing = [c for c in cards if key(c)[0]]
    return sorted(present, key=key, reverse=True) + sorted(missing, key=key)



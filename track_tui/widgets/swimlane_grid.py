"""Swimlanes: the board's stage columns, cut into one horizontal lane per owner (or company, or
option of a select custom field). Drawn with Textual's line API.

Each lane starts with a header line — its name, its card count and its total per currency
(never added across currencies) — and then as many lines as its fullest stage has cards; every
line shows one card per stage column. A folded lane is just its header. Only the lines on
screen are drawn, so a board of thousands of cards costs one screenful.

The cursor sits in one stage column, on a lane's header or on one of that lane's cards in that
column; `j`/`k` walk down and up through the lanes, `h`/`l` change column (staying in the lane).
When the stages do not all fit, the columns scroll sideways to keep the cursor's in view.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rich.style import Style
from rich.text import Text
from textual.cache import LRUCache
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ..models import BoardStage
from ..models.board_rows import BoardRow, lane_totals
from ..safe_text import safe_line
from .search_results import fit

MIN_COLUMN = 22  # cells: a card's name and value still read


@dataclass
class Lane:
    key: str
    label: str
    cards: dict[str, list[BoardRow]] = field(default_factory=dict)  # stage id → cards, board order
    folded: bool = False

    @property
    def count(self) -> int:
        return sum(len(c) for c in self.cards.values())

    @property
    def depth(self) -> int:
        return max((len(c) for c in self.cards.values()), default=0)

    def summary(self) -> str:
        every = [card for cards in self.cards.values() for card in cards]
        return f"{self.count:,} card{'s' if self.count != 1 else ''} · {lane_totals(every).format_compact()}"


class SwimlaneGrid(ScrollView, can_focus=False):
    COMPONENT_CLASSES = {"swimlanes--lane", "swimlanes--cursor", "swimlanes--muted", "swimlanes--rule"}
    DEFAULT_CSS = "SwimlaneGrid { height: 1fr; scrollbar-size-vertical: 1; overflow-x: hidden; }"

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.stages: list[BoardStage] = []
        self.lanes: list[Lane] = []
        self.lines: list[tuple[int, int]] = []  # (lane index, row; -1 is the lane's header)
        self.lane: int = 0
        self.row: int = -1  # -1: on the lane's header
        self.column: int = 0
        self.first_column: int = 0
        self._strips: LRUCache[tuple, Strip] = LRUCache(maxsize=1024)

    # -- data ------------------------------------------------------------------------------

    def show(self, stages: list[BoardStage], lanes: list[Lane], follow: str | None = None) -> None:
        """Show `lanes`; the cursor stays on its card (or goes to card `follow`), folds stay."""
        keep = follow or (self.current_card.card_id if self.current_card else None)
        folded = {lane.key for lane in self.lanes if lane.folded}
        self.stages = stages
        self.lanes = lanes
        for lane in lanes:
            lane.folded = lane.key in folded
        self.column = min(self.column, max(0, len(stages) - 1))
        self._layout_lines()
        if keep is not None and not self._find(keep):
            self.lane, self.row = min(self.lane, max(0, len(lanes) - 1)), -1
        self._clamp()
        self._changed()

    def _find(self, card_id: str) -> bool:
        for li, lane in enumerate(self.lanes):
            for si, stage in enumerate(self.stages):
                for ri, card in enumerate(lane.cards.get(stage.id, [])):
                    if card.card_id == card_id:
                        self.lane, self.column, self.row = li, si, ri
                        return True
        return False

    def _layout_lines(self) -> None:
        self.lines = []
        for index, lane in enumerate(self.lanes):
            self.lines.append((index, -1))
            if not lane.folded:
                self.lines.extend((index, row) for row in range(lane.depth))

    @property
    def current_lane(self) -> Lane | None:
        return self.lanes[self.lane] if self.lanes else None

    @property
    def current_card(self) -> BoardRow | None:
        lane = self.current_lane
        if lane is None or self.row < 0 or not self.stages:
            return None
        cards = lane.cards.get(self.stages[self.column].id, [])
        return cards[self.row] if self.row < len(cards) else None

    # -- cursor ----------------------------------------------------------------------------

    def _cards_here(self, lane: int) -> int:
        if not self.stages or not self.lanes or self.lanes[lane].folded:
            return 0
        return len(self.lanes[lane].cards.get(self.stages[self.column].id, []))

    def move(self, delta: int) -> None:
        """Down (+1) or up (-1) through this column's cards, lane by lane, headers included."""
        if not self.lanes:
            return
        for _ in range(abs(delta)):
            if delta > 0:
                if self.row + 1 < self._cards_here(self.lane):
                    self.row += 1
                elif self.lane + 1 < len(self.lanes):
                    self.lane, self.row = self.lane + 1, -1
            else:
                if self.row >= 0:
                    self.row -= 1
                elif self.lane > 0:
                    self.lane -= 1
                    self.row = self._cards_here(self.lane) - 1
        self._changed()

    def move_column(self, delta: int) -> None:
        if not self.stages:
            return
        self.column = max(0, min(self.column + delta, len(self.stages) - 1))
        self._clamp()
        self._changed()

    def to_lane(self, index: int) -> None:
        if self.lanes:
            self.lane, self.row = max(0, min(index, len(self.lanes) - 1)), -1
            self._changed()

    def toggle_fold(self) -> None:
        lane = self.current_lane
        if lane is None:
            return
        lane.folded = not lane.folded
        self.row = -1
        self._layout_lines()
        self._changed()

    def fold_all(self, folded: bool) -> None:
        for lane in self.lanes:
            lane.folded = folded
        self.row = -1
        self._layout_lines()
        self._changed()

    def _clamp(self) -> None:
        if not self.lanes:
            self.lane, self.row = 0, -1
            return
        self.lane = max(0, min(self.lane, len(self.lanes) - 1))
        self.row = min(self.row, self._cards_here(self.lane) - 1)

    def _changed(self) -> None:
        self._strips.clear()
        self.virtual_size = Size(self.size.width, max(1, len(self.lines)))
        self._scroll_to_cursor()
        self.refresh()

    def _scroll_to_cursor(self) -> None:
        try:
            line = self.lines.index((self.lane, self.row))
        except ValueError:
            return
        height = self.scrollable_content_region.height or self.size.height or 1
        if line < self.scroll_y:
            self.scroll_to(y=max(0, line - (1 if self.row >= 0 else 0)), animate=False)
        elif line >= self.scroll_y + height:
            self.scroll_to(y=line - height + 1, animate=False)
        visible = self.visible_columns()
        if self.column < self.first_column:
            self.first_column = self.column
        elif self.column >= self.first_column + visible:
            self.first_column = self.column - visible + 1

    def on_resize(self) -> None:
        self._changed()

    # -- drawing ---------------------------------------------------------------------------

    def _width(self) -> int:
        return self.scrollable_content_region.width or self.size.width or 80

    def visible_columns(self, width: int | None = None) -> int:
        """As many stage columns as fit at MIN_COLUMN cells, all of them when they do."""
        width = width or self._width()
        return max(1, min(len(self.stages) or 1, width // MIN_COLUMN))

    def column_width(self, width: int | None = None) -> int:
        width = width or self._width()
        return width // self.visible_columns(width)  # the visible columns share the width

    def header_text(self, width: int) -> Text:
        """The stage names over their columns (drawn by the screen above the grid)."""
        text = Text(no_wrap=True)
        width -= 1  # the grid's scrollbar
        column = self.column_width(width)
        shown = self.stages[self.first_column:self.first_column + self.visible_columns(width)]
        hidden_left = self.first_column
        hidden_right = len(self.stages) - self.first_column - len(shown)
        for index, stage in enumerate(shown):
            name = safe_line(stage.name)
            if index == 0 and hidden_left:
                name = f"‹{hidden_left} {name}"  # stages off to the left (h brings them)
            if index == len(shown) - 1 and hidden_right:
                name = f"{name} +{hidden_right}›"  # and to the right (l)
            text.append_text(fit(Text(name, style="bold"), column - 1))
            text.append("▕")
        return text

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width or self.size.width
        line = int(self.scroll_y) + y
        if line >= len(self.lines):
            if not self.lines and y == 1:
                return self._strip(Text("  No cards match", style=self._fg("swimlanes--muted")), width)
            return Strip.blank(width, self.rich_style)
        key = (line, width, self.lane, self.row, self.column, self.first_column)
        cached = self._strips.get(key)
        if cached is None:
            cached = self._strips[key] = self._draw(line, width)
        return cached

    def _draw(self, line: int, width: int) -> Strip:
        lane_index, row = self.lines[line]
        lane = self.lanes[lane_index]
        on_lane = lane_index == self.lane
        if row < 0:
            selected = on_lane and self.row < 0
            text = Text(no_wrap=True, overflow="ellipsis")
            text.append(("▌" if selected else " ") + ("▶ " if lane.folded else "▼ "))
            text.append(safe_line(lane.label), style=self._fg("swimlanes--lane"))
            text.append("  " + lane.summary(), style=self._fg("swimlanes--muted"))
            base = self.rich_style + self.get_component_rich_style("swimlanes--cursor") if selected else self.rich_style
            return self._strip(text, width, base)
        column = self.column_width()
        segments = Text(no_wrap=True)
        cursor_style = self.get_component_rich_style("swimlanes--cursor")
        for index in range(self.first_column, min(len(self.stages), self.first_column + self.visible_columns())):
            cards = lane.cards.get(self.stages[index].id, [])
            cell = Text(no_wrap=True)
            if row < len(cards):
                card = cards[row]
                value = card.value.format_compact() if card.value else ""
                name_room = max(4, column - 3 - len(value))
                cell.append(" ")
                cell.append_text(fit(Text(safe_line(card.name)), name_room))
                cell.append(" " + value.rjust(len(value)), style=self._fg("swimlanes--muted"))
            cell.truncate(column - 1, overflow="ellipsis", pad=True)
            if on_lane and index == self.column and row == self.row:
                cell.stylize(cursor_style)
            segments.append_text(cell)
            segments.append("▕", style=self._fg("swimlanes--rule"))
        return self._strip(segments, width)

    def _fg(self, name: str) -> Style:
        full = self.get_component_rich_style(name)
        return Style(color=full.color, bold=full.bold, dim=full.dim, italic=full.italic)

    def _strip(self, text: Text, width: int, base: Style | None = None) -> Strip:
        text.truncate(width, overflow="ellipsis", pad=True)
        return Strip(list(text.render(self.app.console)), width).apply_style(base or self.rich_style)

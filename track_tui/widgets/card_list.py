"""A board column's cards, drawn with Textual's line API.

The widget holds only the ordered card ids of its column; it builds summaries for the cards on
screen (one query per newly visible window) and caches their rendered strips, so a column of
tens of thousands of cards costs what one screenful costs. It never has a child widget per card.
"""

from __future__ import annotations

import itertools
from datetime import date, datetime
from typing import Callable, Iterable

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual.cache import LRUCache
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ..models.dates import short_date
from ..models.enums import RecordType
from ..safe_text import safe_line
from ..models.views import CardSummary
from .part_styles import PartStyles

CARD_HEIGHT = 4  # three lines of card and one of space
OVERDUE_MARK = "⚠"
NO_TASK_MARK = "○"

SummaryLoader = Callable[[list[str]], dict[str, CardSummary]]


class CardList(ScrollView, can_focus=False):
    """The cards of one stage, virtual: only visible lines are ever rendered."""

    COMPONENT_CLASSES = {
        "card-list--card",
        "card-list--cursor",
        "card-list--cursor-active",
        "card-list--name",
        "card-list--muted",
        "card-list--value",
        "card-list--alert",
        "card-list--stale",
        "card-list--empty",
    }

    DEFAULT_CSS = """
    CardList { height: 1fr; scrollbar-size-vertical: 1; overflow-x: hidden; }
    """

    def __init__(
        self, loader: SummaryLoader, *, now: Callable[[], datetime], stale_days: int,
        is_open: bool = True, id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        # Cards in won/lost stages are finished: no overdue, stale or missing-task warnings.
        self.is_open = is_open
        self._loader = loader
        self._now = now
        self.stale_days = stale_days
        self.card_ids: list[str] = []
        self.cursor: int = 0
        self.active = False
        # Each summary is kept with the number of the load that read it; that number is part of
        # every cached strip's key, so a card read again is drawn again while cursor moves,
        # focus changes and resizes reuse strips and never clear the cache (a cleared cache means
        # thousands of new strips, and Textual's strips are cyclic garbage that the collector
        # then has to chase mid-keypress).
        self._summaries: LRUCache[str, tuple[int, CardSummary]] = LRUCache(maxsize=512)
        self._loads = itertools.count()
        self._strips: LRUCache[tuple, Strip] = LRUCache(maxsize=512)
        self._parts = PartStyles(self)

    # -- data ------------------------------------------------------------------------------

    def set_cards(self, card_ids: list[str], *, keep: str | None = None) -> None:
        """Replace the column's cards; keep the cursor on card `keep` when it is still here."""
        self.card_ids = card_ids
        if keep is not None and keep in card_ids:
            self.cursor = card_ids.index(keep)
        self.cursor = max(0, min(self.cursor, len(card_ids) - 1))
        self._update_virtual_size()
        self.refresh()

    def patch(self, removed: Iterable[str] = (), inserted: Iterable[tuple[int, str]] = (),
              changed: Iterable[str] = ()) -> None:
        """Take cards out, put cards in at their indexes (in the new order) and forget the
        summaries of `changed` cards, the cursor kept on its card. Costs what the cards touched
        cost, not what the column holds: only the lines from the first card that moved down to
        the bottom of the view are drawn again, and the board is not laid out anew unless the
        scrollbar appears or goes (a teammate's edit on a column of 9,000 cards)."""
        keep = self.current_id
        ids = list(self.card_ids)
        first: int | None = None
        for card_id in removed:
            try:
                index = ids.index(card_id)
            except ValueError:
                continue
            del ids[index]
            first = index if first is None else min(first, index)
        for index, card_id in sorted(inserted):
            index = max(0, min(index, len(ids)))
            ids.insert(index, card_id)
            first = index if first is None else min(first, index)
        for card_id in changed:
            self._summaries.discard(card_id)
        if ids == self.card_ids:  # nothing moved: only the changed faces are drawn again
            first = None
        self.card_ids = ids
        if keep is not None and keep in ids:
            self.cursor = ids.index(keep)
        self.cursor = max(0, min(self.cursor, len(ids) - 1))
        self._resize_without_layout()
        if not ids:
            self.refresh()
            return
        if first is not None:
            top = int(self.scroll_y) // CARD_HEIGHT
            start = max(first, top)
            self.refresh_lines(start * CARD_HEIGHT, max(0, (top + self.size.height // CARD_HEIGHT + 2 - start)) * CARD_HEIGHT)
        for card_id in changed:
            index = self._shown_index(card_id)
            if index is not None:
                self.refresh_lines(index * CARD_HEIGHT, CARD_HEIGHT)

    def _shown_index(self, card_id: str) -> int | None:
        """Where `card_id` is, if it is among the cards in view."""
        top = int(self.scroll_y) // CARD_HEIGHT
        window = self.card_ids[top:top + self.size.height // CARD_HEIGHT + 2]
        return top + window.index(card_id) if card_id in window else None

    def _resize_without_layout(self) -> None:
        """Set the virtual height for the cards held. Setting `virtual_size` lays the whole
        screen out and repaints every column; a line-API list needs that only when its
        scrollbar appears or goes (the width left for the cards changes). Otherwise the size is
        set without the layout and the scrollbar told, as Textual's own `_size_updated(layout=
        False)` does."""
        wanted = self._wanted_size()
        old = self.virtual_size
        if wanted == old:
            return
        height = self.container_size.height
        if not self.size or not height or (old.height > height) != (wanted.height > height):
            self.virtual_size = wanted
            return
        self.set_reactive(ScrollView.virtual_size, wanted)
        self._scroll_update(wanted)

    def forget(self, card_ids: set[str] | None = None) -> None:
        """Drop cached summaries (all, or of some cards) so they are read again. Only the
        lines of forgotten cards are drawn again: every column hears of every change, and the
        columns it does not touch send nothing to the terminal."""
        if card_ids is None:
            self._summaries.clear()
            self.refresh()
            return
        for card_id in card_ids:
            self._summaries.discard(card_id)
            index = self._index_on_screen(card_id)
            if index is not None:
                self._refresh_card(index)

    def _index_on_screen(self, card_id: str) -> int | None:
        """Where `card_id` is in the list, if it is among the cards in view (else None)."""
        first = int(self.scroll_y) // CARD_HEIGHT
        window = self.card_ids[first:first + self.size.height // CARD_HEIGHT + 2]
        try:
            return first + window.index(card_id)
        except ValueError:
            return None

    def forget_records(self, record_ids: set[str]) -> None:
        """Drop the cached summaries of cards showing these records."""
        if not record_ids:
            return
        stale = set()
        for card_id in list(self._summaries.keys()):
            entry = self._summaries.get(card_id)
            if entry is not None and entry[1].record_id in record_ids:
                stale.add(card_id)
        if stale:
            self.forget(stale)

    @property
    def current_id(self) -> str | None:
        return self.card_ids[self.cursor] if self.card_ids else None

    def summary(self, card_id: str) -> CardSummary | None:
        if card_id not in self._summaries:
            self._load([card_id])
        found = self._summaries.get(card_id)
        return found[1] if found is not None else None

    def _load(self, card_ids: list[str]) -> None:
        load = next(self._loads)
        for card_id, summary in self._loader(card_ids).items():
            self._summaries[card_id] = (load, summary)

    def move_cursor(self, delta: int) -> None:
        self.set_cursor(self.cursor + delta)

    def set_cursor(self, index: int) -> None:
        """Put the cursor on card `index`. When the list does not scroll, only the lines of
        the card it leaves and the card it lands on are drawn again: over SSH a cursor step
        then sends two cards' lines, not the whole column."""
        if not self.card_ids:
            return
        before, top = self.cursor, self.scroll_y
        self.cursor = max(0, min(index, len(self.card_ids) - 1))
        self.scroll_to_cursor()
        if self.scroll_y != top:
            self.refresh()
        elif self.cursor != before:
            self._refresh_card(before)
            self._refresh_card(self.cursor)

    def _refresh_card(self, index: int) -> None:
        """Draw again the lines of card `index` (in the list's own, scrolled, coordinates)."""
        self.refresh_lines(index * CARD_HEIGHT, CARD_HEIGHT)

    def set_active(self, active: bool) -> None:
        """Only the card under the cursor looks different in the active column."""
        if active != self.active:
            self.active = active
            if self.card_ids:
                self._refresh_card(self.cursor)
            else:
                self.refresh()

    def scroll_to_cursor(self) -> None:
        top = self.cursor * CARD_HEIGHT
        height = self.scrollable_content_region.height or self.size.height
        if top < self.scroll_y:
            self.scroll_to(y=top, animate=False)
        elif top + CARD_HEIGHT - 1 > self.scroll_y + height:
            self.scroll_to(y=top + CARD_HEIGHT - height, animate=False)

    def _wanted_size(self) -> Size:
        """The cards' virtual size: their height only. Cards fit the column's width, so the
        width is left at 0: a virtual size that followed the widget's width would change on the
        column's first layout and again when its scrollbar appears, laying the whole screen out
        (and repainting every column) twice more at start-up for nothing."""
        return Size(0, max(1, len(self.card_ids) * CARD_HEIGHT))

    def _update_virtual_size(self) -> None:
        self.virtual_size = self._wanted_size()

    def on_resize(self) -> None:
        self._update_virtual_size()

    def notify_style_update(self) -> None:
        """The theme or styles changed: strips drawn with the old ones must go."""
        super().notify_style_update()
        self._strips.clear()
        self._parts.clear()

    def _ensure_window(self) -> None:
        """Load summaries for every card on screen that is not cached, in one query."""
        first = int(self.scroll_y) // CARD_HEIGHT
        count = self.size.height // CARD_HEIGHT + 2
        missing = [cid for cid in self.card_ids[first:first + count] if cid not in self._summaries]
        if missing:
            self._load(missing)

    # -- drawing ---------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width or self.size.width
        if not self.card_ids:
            if y == 1:
                style = self.get_component_rich_style("card-list--empty")
                return Strip([Segment(set_cell_size("  no cards", width), style)], width)
            return Strip.blank(width, self.rich_style)
        line = int(self.scroll_y) + y
        index, row = divmod(line, CARD_HEIGHT)
        if index >= len(self.card_ids):
            return Strip.blank(width, self.rich_style)
        card_id = self.card_ids[index]
        if card_id not in self._summaries:
            self._ensure_window()
        entry = self._summaries.get(card_id)
        load, summary = entry if entry is not None else (-1, None)
        selected = index == self.cursor
        key = (card_id, load, row, width, selected, self.active)
        cached = self._strips.get(key)
        if cached is None:
            cached = self._render_card_line(summary, row, width, selected)
            self._strips[key] = cached
        return cached

    def _over(self, style: Style, name: str, selected: bool) -> Style:
        """Component `name` laid over the card's `style`, its colour resolved against the
        card's (or cursor's) background (widgets/part_styles.py)."""
        return self._parts.over(style, name, highlight=selected)

    def _render_card_line(self, card: CardSummary | None, row: int, width: int, selected: bool) -> Strip:
        base = self.rich_style
        if row == CARD_HEIGHT - 1 or card is None:
            return Strip.blank(width, base)
        style = self.get_component_rich_style("card-list--card")
        if selected:
            # The cursor's own background is blended by Textual, so take its full style.
            style = style + self.get_component_rich_style("card-list--cursor-active" if self.active else "card-list--cursor")
        muted = self._over(style, "card-list--muted", selected)
        now = self._now()
        today = now.astimezone().date()
        gutter = Segment("▌" if selected and self.active else " ", style)
        inner = width - 2
        if row == 0:
            marker = card.task_marker(today) if self.is_open else None
            mark = OVERDUE_MARK if marker == "overdue" else NO_TASK_MARK if marker == "none" else ""
            name_style = self._over(style, "card-list--name", selected)
            right = [(mark, self._over(style, "card-list--alert", selected))] if mark else []
            left = [(card.name, name_style)]
        elif row == 1:
            left, right = self._second_line(card, style, today, selected)
        else:
            days = card.days_in_stage(now)
            stale = self.is_open and days >= self.stale_days
            days_style = self._over(style, "card-list--stale", selected) if stale else muted
            left = [(card.subtitle or "", muted)]
            right = [(card.owner_initials, muted), (" · ", muted), (f"{days}d", days_style)]
        return Strip([gutter, *_fit(left, right, inner, style), Segment(" ", style)], width)

    def _second_line(self, card: CardSummary, style: Style, today: date, selected: bool) -> tuple[list, list]:
        muted = self._over(style, "card-list--muted", selected)
        value_style = self._over(style, "card-list--value", selected)
        if card.value is None and card.record_type == RecordType.DEAL:
            left = [("no value", muted)]
        elif card.value is None:
            left = [(card.detail or ", ".join(card.tags[:3]), muted)]
        else:
            left = [(card.value.format_compact(), value_style)]
        right = []
        if card.close_date is not None:
            overdue = self.is_open and card.close_date < today
            right = [(short_date(card.close_date, today), self._over(style, "card-list--alert", selected) if overdue else muted)]
        return left, right


def _fit(left: list[tuple[str, Style]], right: list[tuple[str, Style]], width: int, fill: Style) -> list[Segment]:
    """Left-aligned parts and right-aligned parts in `width` cells; the left side is truncated.

    Every part is data (names, initials, tags…): each is made safe here, before it is measured."""
    left = [(safe_line(text), style) for text, style in left]
    right = [(safe_line(text), style) for text, style in right]
    right_len = sum(cell_len(text) for text, _ in right)
    room = max(0, width - right_len - (1 if right_len else 0))
    segments: list[Segment] = []
    used = 0
    for text, style in left:
        if used >= room:
            break
        if used + cell_len(text) > room:
            text = set_cell_size(text, max(0, room - used - 1)) + "…"
        segments.append(Segment(text, style))
        used += cell_len(text)
    if right_len and right_len <= width:
        segments.append(Segment(" " * (width - used - right_len), fill))
        segments.extend(Segment(text, style) for text, style in right)
    else:
        segments.append(Segment(" " * max(0, width - used), fill))
    return segments

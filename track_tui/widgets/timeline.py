"""A record's timeline, drawn with Textual's line API: only what is on screen is rendered.

The widget holds a window of entries read from the store a page at a time (newest first). An
entry is rendered to strips once per width (notes through rich Markdown, other entries as
readable sentences) and those strips are kept, so scrolling costs nothing and a timeline of
thousands of entries costs what its first screenful costs. More entries are read when the view
or the cursor comes near the end of what is loaded. It never mounts a widget per entry.

Automation runs on the record (:class:`AutomationRunEntry`, read with the entries by the
record's timeline query) are entries of their own kind: the rule's name and how the run went
in the headline, what it did (or its error, whole) below; Enter on one asks the page to open
the rule's run log (`RunChosen`), where Enter on any other entry folds or unfolds it.

`describe_entry` (the sentence an entry reads as) is plain Python and tested on its own.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Callable, Iterable

from markdown_it import MarkdownIt
from rich.cells import cell_len, set_cell_size
from rich.console import Console
from rich.markdown import Markdown
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ..models import CustomField, Profile, TimelineEntry
from ..models.dates import relative_time, short_date
from ..models.enums import CustomFieldType, EntryType
from ..models.money import Money
from ..models.timeline import AutomationRunEntry
from ..textual_fixes import scrollbars_settled
from .part_styles import PartStyles, keep_readable
from ..safe_text import is_safe, safe_block, safe_line

PAGE = 60  # entries read per query
BODY_LINES = 10  # lines of a long body shown before it is expanded
ESTIMATED_HEIGHT = 3  # lines assumed per entry not yet rendered (scrollbar size only)

ICONS = {
    EntryType.NOTE: "✎", EntryType.CALL: "☎", EntryType.EMAIL: "✉", EntryType.MEETING: "◷",
    EntryType.STAGE_CHANGE: "➜", EntryType.FIELD_EDIT: "✱", EntryType.TASK: "☐",
}
TYPE_LABELS = {
    EntryType.NOTE: "Note", EntryType.CALL: "Call", EntryType.EMAIL: "Email", EntryType.MEETING: "Meeting",
    EntryType.STAGE_CHANGE: "Stage change", EntryType.FIELD_EDIT: "Field edit", EntryType.TASK: "Task",
}
# Entries whose body is Markdown (the note and meeting dialogs say so): drawn as Markdown, made
# safe before and after parsing (markdown_lines). Calls' and emails' bodies are plain text.
MARKDOWN_BODIES = frozenset({EntryType.NOTE, EntryType.MEETING})
TYPE_CLASS = {
    EntryType.NOTE: "timeline--note", EntryType.CALL: "timeline--call", EntryType.EMAIL: "timeline--email",
    EntryType.MEETING: "timeline--meeting", EntryType.STAGE_CHANGE: "timeline--stage",
    EntryType.FIELD_EDIT: "timeline--edit", EntryType.TASK: "timeline--task",
}
RUN_ICON = "⚙"
RUN_CLASS = {"ok": "timeline--automation", "skipped": "timeline--automation", "failed": "timeline--automation-failed"}
Entry = TimelineEntry | AutomationRunEntry


# -- what an entry says --------------------------------------------------------------------


@dataclass
class TimelineContext:
    """What turning ids and raw values into words needs; built by the page, cheap to keep."""

    now: datetime
    today: date
    profiles: dict[str, Profile] = field(default_factory=dict)
    currency: str = "USD"
    custom_fields: dict[str, CustomField] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)  # record id → name
    stage_names: dict[str, str] = field(default_factory=dict)

    def person(self, user_id: str | None) -> str:
        if not user_id:
            return "Track"
        profile = self.profiles.get(user_id)
        return profile.full_name if profile else "someone"


def _duration(seconds: Any) -> str:
    try:
        seconds = int(seconds)
    except (TypeError, ValueError):
        return ""
    if seconds < 60:
        return f"{seconds}s"
    minutes = round(seconds / 60)
    return f"{minutes} min" if minutes < 60 else f"{minutes // 60}h {minutes % 60:02d}m"


def format_edit_value(field_name: str, value: Any, ctx: TimelineContext) -> str:
    """An old or new value of a field edit, as a person reads it."""
    if value is None or value == "" or value == []:
        return "—"
    if field_name.startswith("custom_fields."):
        definition = ctx.custom_fields.get(field_name.removeprefix("custom_fields."))
        if definition is None:
            return str(value)
        if definition.type == CustomFieldType.LINK and isinstance(value, dict):
            return ctx.names.get(str(value.get("id")), definition.format_value(value))
        if definition.type == CustomFieldType.DATE:
            try:
                return short_date(date.fromisoformat(str(value)), ctx.today)
            except ValueError:
                return str(value)
        return definition.format_value(value)
    if field_name == "value_cents":
        try:
            return Money(minor=int(value), currency=ctx.currency).format()
        except (TypeError, ValueError):
            return str(value)
    if field_name in ("close_date", "due_date"):
        try:
            return short_date(date.fromisoformat(str(value)[:10]), ctx.today)
        except ValueError:
            return str(value)
    if field_name in ("owner_id", "assigned_to"):
        return ctx.person(str(value))
    if field_name in ("company_id", "parent_id", "primary_contact_id"):
        return ctx.names.get(str(value), "a deleted record")
    if field_name == "stage_id":
        return ctx.stage_names.get(str(value), str(value))
    if field_name == "probability":
        try:
            return f"{float(value):g}%"
        except (TypeError, ValueError):
            return str(value)
    if field_name == "tags" and isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def describe_entry(entry: Entry, ctx: TimelineContext) -> str:
    """The one-line headline of an entry: 'Stage: Proposal → Negotiation', 'Call · connected · 12 min'."""
    if isinstance(entry, AutomationRunEntry):
        return f"Automation: {entry.automation_name} · {entry.outcome}"
    payload = entry.payload or {}
    kind = entry.entry_type
    if kind == EntryType.STAGE_CHANGE:
        return f"Stage: {payload.get('from_stage', '?')} → {payload.get('to_stage', '?')}"
    if kind == EntryType.FIELD_EDIT:
        name = str(payload.get("field", ""))
        label = payload.get("label") or name
        old = format_edit_value(name, payload.get("old"), ctx)
        new = format_edit_value(name, payload.get("new"), ctx)
        return f"{label}: {old} → {new}"
    if kind == EntryType.CALL:
        parts = ["Call", str(payload.get("disposition") or "").strip(), _duration(payload.get("duration_seconds"))]
        return " · ".join(p for p in parts if p)
    if kind == EntryType.EMAIL:
        direction = payload.get("direction")
        arrow = "received" if direction == "inbound" else "sent" if direction == "outbound" else ""
        parts = [f"Email {arrow}".strip(), str(payload.get("subject") or "").strip()]
        return " · ".join(p for p in parts if p)
    if kind == EntryType.MEETING:
        minutes = payload.get("duration_minutes")
        parts = ["Meeting", str(payload.get("title") or "").strip(), f"{minutes} min" if minutes else ""]
        return " · ".join(p for p in parts if p)
    if kind == EntryType.TASK:
        action = payload.get("action", "created")
        title = payload.get("title") or entry.body or ""
        text = f"Task {action}: {title}"
        if action == "created" and payload.get("due_date"):
            try:
                text += f" · due {short_date(date.fromisoformat(payload['due_date']), ctx.today)}"
            except ValueError:
                pass
        if action == "created" and payload.get("source_entry_id"):
            text += f" · {source_words(payload, ctx)}"
        return text
    return "Note"


def source_words(payload: dict[str, Any], ctx: TimelineContext) -> str:
    """"from the meeting of 25 Nov": the entry a task was made from (`t`), as the task's
    "created" entry names it. Whatever is stored, a phrase, never an error."""
    kind = payload.get("source_type")
    label = TYPE_LABELS.get(kind, "entry").lower() if isinstance(kind, str) else "entry"
    try:
        when = datetime.fromisoformat(str(payload.get("source_at"))).astimezone()
    except ValueError:
        return f"from {'an' if label[0] in 'aeiou' else 'a'} {label}"
    return f"from the {label} of {short_date(when.date(), ctx.today)}"


def run_body(entry: AutomationRunEntry) -> str:
    """What a run did, in words; a failed run's error whole (nothing it did was kept)."""
    if entry.outcome == "failed":
        return f"Failed, nothing was changed: {entry.error or 'no reason given'}"
    text = f"Did: {entry.did}"
    if entry.error:
        text += f"\nNot done: {entry.error}"
    return text


def entry_body(entry: Entry) -> str | None:
    """The text shown under the headline (tasks and field edits have none)."""
    if isinstance(entry, AutomationRunEntry):
        return run_body(entry)
    if entry.entry_type in (EntryType.TASK, EntryType.FIELD_EDIT):
        return None
    body = (entry.body or "").strip()
    return body or None


def entry_icon(entry: Entry) -> str:
    if isinstance(entry, AutomationRunEntry):
        return RUN_ICON
    if entry.entry_type == EntryType.TASK and (entry.payload or {}).get("action") == "completed":
        return "☑"
    return ICONS.get(entry.entry_type, "•")


def linked_ids(entries: Iterable[TimelineEntry], custom_fields: dict[str, CustomField]) -> list[tuple[str, str]]:
    """(record type, id) pairs that field edits name, so the page can look their names up."""
    refs = []
    kinds = {"company_id": "company", "parent_id": "company", "primary_contact_id": "contact"}
    for entry in entries:
        if not isinstance(entry, TimelineEntry) or entry.entry_type != EntryType.FIELD_EDIT:
            continue
        payload = entry.payload or {}
        name = str(payload.get("field", ""))
        for value in (payload.get("old"), payload.get("new")):
            if value is None:
                continue
            if name in kinds:
                refs.append((kinds[name], str(value)))
            elif name.startswith("custom_fields.") and isinstance(value, dict) and value.get("type"):
                refs.append((str(value["type"]), str(value.get("id"))))
    return refs


# -- the widget ----------------------------------------------------------------------------

Loader = Callable[[int, int], list[Entry]]  # (offset, limit) → entries, newest first

_MARKDOWN_CONSOLE: Console | None = None


def _console() -> Console:
    global _MARKDOWN_CONSOLE
    if _MARKDOWN_CONSOLE is None:
        _MARKDOWN_CONSOLE = Console(width=80, force_terminal=True, color_system="truecolor", legacy_windows=False)
    return _MARKDOWN_CONSOLE


_MARKDOWN_TEMPLATE: Markdown | None = None
_MARKDOWN_PARSER: MarkdownIt | None = None


def _markdown(source: str) -> Markdown:
    """rich's Markdown document of `source`, parsed by one parser kept for the process.

    rich builds a new markdown-it parser, with all its rule chains, for every document: for a
    short note that was half the cost of drawing it, and a record page draws a screenful of
    notes as it opens. The document is rich's own (a copy of one made the usual way, so it has
    whatever settings rich gives one), with this source and its parse; the parser is set up as
    rich sets up its own (tests/screens/test_record_timeline.py compares the two)."""
    global _MARKDOWN_TEMPLATE, _MARKDOWN_PARSER
    if _MARKDOWN_TEMPLATE is None or _MARKDOWN_PARSER is None:
        _MARKDOWN_TEMPLATE = Markdown("", hyperlinks=False)
        _MARKDOWN_PARSER = MarkdownIt().enable("strikethrough").enable("table")
    document = copy.copy(_MARKDOWN_TEMPLATE)
    document.markup = source
    document.parsed = _MARKDOWN_PARSER.parse(source)
    return document


def _safe_segments(line: Iterable[Segment]) -> list[Segment]:
    return [segment if is_safe(segment.text) else Segment(safe_line(segment.text), segment.style)
            for segment in Segment.remove_color(line)]


def markdown_lines(text: str, width: int) -> list[list[Segment]]:
    """Markdown rendered to lines of `width` cells, colours removed (the theme colours the text).

    The source is made safe before it is parsed (so lines are measured as drawn), and so is
    what comes out: Markdown turns character references such as `&#13;` into the characters
    themselves, which must not be a way to smuggle a control past the source's cleaning."""
    console = _console()
    options = console.options.update(width=max(10, width), height=None, highlight=False)
    lines = console.render_lines(_markdown(safe_block(text)), options, pad=False, new_lines=False)
    result = [_safe_segments(line) for line in lines]
    while result and not "".join(s.text for s in result[-1]).strip():
        result.pop()
    while result and not "".join(s.text for s in result[0]).strip():
        result.pop(0)
    return result


class TimelineView(ScrollView, can_focus=True):
    """Reverse-chronological entries with a cursor; a window is loaded, the rest read on demand."""

    COMPONENT_CLASSES = {
        "timeline--cursor", "timeline--cursor-focus", "timeline--muted", "timeline--headline",
        "timeline--note", "timeline--call", "timeline--email", "timeline--meeting", "timeline--stage",
        "timeline--edit", "timeline--task", "timeline--empty", "timeline--body", "timeline--automation",
        "timeline--automation-failed",
    }
    BINDINGS = [
        Binding("k,up", "cursor(-1)", "Up", id="timeline.up", show=False),
        Binding("j,down", "cursor(1)", "Down", id="timeline.down", show=False),
        Binding("g,home", "cursor_to(0)", "Newest", id="timeline.first", show=False),
        Binding("G,end", "cursor_to(-1)", "Oldest loaded", id="timeline.last", show=False),
        Binding("pageup", "page(-1)", "Page up", id="timeline.page_up", show=False),
        Binding("pagedown", "page(1)", "Page down", id="timeline.page_down", show=False),
        Binding("enter", "choose", "Open", id="timeline.choose", show=False,
                tooltip="An automation run: open its rule's run log; any other entry: unfold or fold it"),
        Binding("space", "toggle_expand", "Expand", id="timeline.expand", show=False,
                tooltip="Show the whole body of a long entry (again to fold it)"),
    ]
    DEFAULT_CSS = """
    TimelineView { height: 1fr; scrollbar-size-vertical: 1; overflow-x: hidden; }
    """

    class CursorMoved(Message):
        def __init__(self, entry: Entry | None) -> None:
            super().__init__()
            self.entry = entry

    class RunChosen(Message):
        """Enter on an automation run: the page opens the rule's run log at it."""

        def __init__(self, run: AutomationRunEntry) -> None:
            super().__init__()
            self.run = run

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._loader: Loader | None = None
        self.context: TimelineContext | None = None
        self.total = 0
        self.entries: list[Entry] = []
        self.cursor = 0
        self.expanded: set[str] = set()
        self._width = 0
        self._rendered: list[list[Strip]] = []  # content lines of entries[0:len(_rendered)]
        self._starts: list[int] = []  # first line of each rendered entry
        self._lines = 0  # lines laid out so far
        # Entries loaded before the widget had its size are laid out on the first resize, so
        # they are rendered once at their real width (not at a guess, then again).
        self._layout_pending = False
        self._parts = PartStyles(self)
        self._frame_style: Style | None = None  # the view's style while a frame is drawn

    # -- data ------------------------------------------------------------------------------

    def load(self, loader: Loader, total: int, context: TimelineContext, *, keep: str | None = None,
             first_page: list[Entry] | None = None) -> None:
        """Show a (new) timeline: `total` entries readable through `loader`; keep the cursor on `keep`."""
        self._loader = loader
        self.context = context
        self.total = total
        self.entries = first_page if first_page is not None else (loader(0, PAGE) if total else [])
        self._reset_layout()
        self.cursor = 0
        if keep is not None:
            ids = [e.id for e in self.entries]
            if keep in ids:
                self.cursor = ids.index(keep)
        if self._has_real_size():
            self._layout_to(self._needed_lines())
            self._update_virtual_size()
            if keep is None:
                self.scroll_to(y=0, animate=False, immediate=True)
            else:
                self.scroll_to_cursor()
        else:  # not laid out yet: the first resize lays the entries out once, at the real width
            self._layout_pending = True
            self._update_virtual_size()
            self._expect_scrollbar()
        self.refresh()
        self.post_message(self.CursorMoved(self.current))

    def _expect_scrollbar(self) -> None:
        """Show the scrollbar before the first layout when the entries cannot fit anyway.

        Textual decides a scroll view's scrollbars after laying it out, so a scrollbar the
        first frame needs is placed by a second layout and repaint of the page (a fifth of
        opening a long record). Every entry takes two lines at least (its headline and the gap
        after it) and the view is never taller than the terminal, so more entries than that
        are sure to overflow; the usual check after the layout agrees and changes nothing."""
        if self._overflows_anyway():
            self.show_vertical_scrollbar = True

    def _overflows_anyway(self) -> bool:
        """More entries than the terminal has room for at two lines each (a headline and the
        gap after it, the least an entry takes): the view scrolls, whatever their heights."""
        return self.styles.overflow_y == "auto" and self.total * 2 > self.app.size.height

    def _has_real_size(self) -> bool:
        """Whether the widget has been given its place on screen (its width is the real one)."""
        return bool(self.is_mounted and self.size.width and self.size.height)

    def _reset_layout(self) -> None:
        self._rendered, self._starts, self._lines = [], [], 0
        self._width = self._content_width()

    @property
    def current(self) -> Entry | None:
        return self.entries[self.cursor] if 0 <= self.cursor < len(self.entries) else None

    @property
    def current_entry(self) -> TimelineEntry | None:
        """The entry under the cursor when it is a `timeline_entries` row (a task can be made
        from it), not an automation run."""
        current = self.current
        return current if isinstance(current, TimelineEntry) else None

    def _content_width(self) -> int:
        return max(20, (self.scrollable_content_region.width or self.size.width or 60) - 2)

    def _fetch_more(self) -> bool:
        if self._loader is None or len(self.entries) >= self.total:
            return False
        more = self._loader(len(self.entries), PAGE)
        if not more:
            self.total = len(self.entries)
            return False
        self.entries.extend(more)
        return True

    def _layout_to(self, lines: int, entry_index: int = -1) -> None:
        """Render entries until `lines` lines (and entry `entry_index`) are laid out."""
        if self._layout_pending:
            if not self._has_real_size():
                return
            self._layout_pending = False  # the size is known now: lay out at the real width
            self._width = self._content_width()
        under = None  # the view's own style, worked out once for the entries laid out now
        while self._lines < lines or len(self._rendered) <= entry_index:
            index = len(self._rendered)
            if index >= len(self.entries) and not self._fetch_more():
                break
            if under is None:
                under = self.rich_style
            strips = self._render_entry(self.entries[index], under)
            self._rendered.append(strips)
            self._starts.append(self._lines)
            self._lines += len(strips) + 1

    def _needed_lines(self) -> int:
        return int(self.scroll_y) + max(self.size.height, 24) * 2

    def _update_virtual_size(self) -> None:
        remaining = max(0, self.total - len(self._rendered))
        self.virtual_size = Size(self.size.width, max(1, self._lines + remaining * ESTIMATED_HEIGHT))

    def _entry_at_line(self, line: int) -> tuple[int, int] | None:
        if line >= self._lines:
            return None
        lo, hi = 0, len(self._starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self._starts[mid] <= line:
                lo = mid
            else:
                hi = mid - 1
        return lo, line - self._starts[lo]

    # -- cursor ----------------------------------------------------------------------------

    def action_cursor(self, delta: int) -> None:
        self.set_cursor(self.cursor + delta)

    def action_cursor_to(self, index: int) -> None:
        self.set_cursor(index if index >= 0 else len(self.entries) - 1)

    def action_page(self, direction: int) -> None:
        target_line = int(self.scroll_y) + direction * max(1, self.size.height - 2)
        target_line = max(0, target_line)
        self._layout_to(target_line + self.size.height)
        found = self._entry_at_line(target_line)
        index = found[0] if found else len(self._rendered) - 1
        if index == self.cursor:
            index += direction
        self.set_cursor(index)

    def set_cursor(self, index: int) -> None:
        if not self.entries:
            return
        if index >= len(self.entries) - 2:
            self._fetch_more()
        index = max(0, min(index, len(self.entries) - 1))
        self._layout_to(0, index + 1)
        self.cursor = index
        self._update_virtual_size()
        self.scroll_to_cursor()
        self.refresh()
        self.post_message(self.CursorMoved(self.current))

    def scroll_to_cursor(self) -> None:
        if not self._rendered or self.cursor >= len(self._starts):
            return
        top = self._starts[self.cursor]
        height = len(self._rendered[self.cursor]) + 1
        view = self.scrollable_content_region.height or self.size.height or 1
        if top < self.scroll_y:
            self.scroll_to(y=top, animate=False, immediate=True)
        elif top + height > self.scroll_y + view:
            self.scroll_to(y=max(top, top + height - view), animate=False, immediate=True)

    def action_choose(self) -> None:
        entry = self.current
        if isinstance(entry, AutomationRunEntry):
            self.post_message(self.RunChosen(entry))
        else:
            self.action_toggle_expand()

    def action_toggle_expand(self) -> None:
        entry = self.current
        if entry is None:
            return
        if entry.id in self.expanded:
            self.expanded.discard(entry.id)
        else:
            self.expanded.add(entry.id)
        self._relayout(keep_cursor=True)

    def _relayout(self, keep_cursor: bool = False) -> None:
        upto = max(len(self._rendered) - 1, self.cursor)
        self._reset_layout()
        self._layout_to(self._needed_lines(), upto)
        self._update_virtual_size()
        if keep_cursor:
            self.scroll_to_cursor()
        self.refresh()

    # -- events ----------------------------------------------------------------------------

    def _size_updated(self, size: Size, virtual_size: Size, container_size: Size, layout: bool = True) -> bool:
        """The compositor gave the view its size: entries waiting for it are laid out now,
        before the first frame draws them (not on the Resize event, which comes after that
        frame and would draw it twice)."""
        resized = super()._size_updated(size, virtual_size, container_size, layout)
        if self._layout_pending and self._has_real_size():
            # A view sure to scroll lays out what the first frame shows (scrolling lays out
            # ahead, as ever); one that may fit lays out all it might show (whether it needs a
            # scrollbar, and so its width, depends on every height).
            shown = int(self.scroll_y) + self.size.height
            self._layout_to(shown if self._overflows_anyway() else self._needed_lines(), self.cursor)
            self._settle_scrollbar()
            if self._content_width() != self._width:  # the real heights brought a scrollbar (or took it)
                self._relayout()
                self._settle_scrollbar()
            self.scroll_to_cursor()
            scrollbars_settled(self)
        return resized

    def _settle_scrollbar(self) -> None:
        self._update_virtual_size()
        self._scroll_update(self.virtual_size)

    def on_resize(self) -> None:
        if self._layout_pending:
            self._layout_to(self._needed_lines(), self.cursor)
            self._update_virtual_size()
            self.scroll_to_cursor()
            self.refresh()
        elif self._content_width() != self._width:
            self._relayout(keep_cursor=True)
        else:  # what a taller view shows now (scrolling lays out ahead, as ever)
            laid_out = self._lines
            self._layout_to(int(self.scroll_y) + self.size.height)
            if self._lines != laid_out:
                self._update_virtual_size()

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        if self.entries and self._lines < self._needed_lines() and len(self._rendered) < self.total:
            self._layout_to(self._needed_lines())
            self._update_virtual_size()
        super().watch_scroll_y(old_value, new_value)

    def _on_focus(self, event) -> None:  # redraw the cursor in its focused look
        self.refresh()

    def _on_blur(self, event) -> None:
        self.refresh()

    # -- drawing ---------------------------------------------------------------------------

    def render_lines(self, crop: Region) -> list[Strip]:
        """The lines of one frame, over the view's style worked out once for all of them
        (Textual derives it afresh from every ancestor on each read)."""
        self._frame_style = self.rich_style
        try:
            return super().render_lines(crop)
        finally:
            self._frame_style = None

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width or self.size.width
        base = self._frame_style or self.rich_style
        if not self.entries:
            if y == 1:
                text = "  nothing here yet — a adds a note, c logs a call" if self.total == 0 else ""
                return Strip([Segment(set_cell_size(text, width), base + self._partial("timeline--empty", base))], width)
            return Strip.blank(width, base)
        line = int(self.scroll_y) + y
        found = self._entry_at_line(line)
        if found is None and len(self._rendered) < len(self.entries) + (self.total - len(self.entries)):
            self._layout_to(line + self.size.height)
            self.call_after_refresh(self._update_virtual_size)
            found = self._entry_at_line(line)
        if found is None:
            return Strip.blank(width, base)
        index, row = found
        strips = self._rendered[index]
        selected = index == self.cursor
        if row >= len(strips):
            return Strip.blank(width, base)
        style = base
        content = strips[row]
        if selected:
            cursor = "timeline--cursor-focus" if self.has_focus else "timeline--cursor"
            style = self._parts.over(base, cursor)  # its tint blended over the background
            if self.app.current_theme.ansi and self.has_focus:  # the block cursor: its own text colour
                content = Strip(Segment.remove_color(content))
            else:
                content = Strip(keep_readable(content, style))
        gutter = Segment("▌ " if selected and self.has_focus else "▏ " if selected else "  ", style)
        content = content.apply_style(style)
        return Strip([gutter, *content], width).adjust_cell_length(width, style)

    def _partial(self, name: str, under: Style) -> Style:
        """A part's colour and text style, resolved against the timeline's background `under`
        (its `rich_style`; an unresolved "auto" colour would be white in the light theme:
        widgets/part_styles.py). The caller works `under` out once per pass: Textual derives a
        widget's style afresh from all its ancestors on every read."""
        return self._parts.fg(under, name)

    def notify_style_update(self) -> None:
        """The theme or styles changed: entries drawn in the old colours are drawn again."""
        super().notify_style_update()
        self._parts.clear()
        if self._rendered and self.is_mounted:
            self._relayout(keep_cursor=True)

    def _render_entry(self, entry: Entry, under: Style) -> list[Strip]:
        """An entry's lines (without the cursor gutter), `self._width` cells wide; `under` is
        the view's own style, which the parts' colours are resolved against."""
        ctx = self.context or TimelineContext(now=datetime.now().astimezone(), today=date.today())
        width = self._width
        base = Style()  # partial styles only: the line's own style goes under them when drawn
        muted = self._partial("timeline--muted", under)
        if isinstance(entry, AutomationRunEntry):
            kind_style = self._partial(RUN_CLASS[entry.outcome], under)
        else:
            kind_style = self._partial(TYPE_CLASS.get(entry.entry_type, "timeline--note"), under)
        headline_style = self._partial("timeline--headline", under)
        body_style = self._partial("timeline--body", under)
        when = relative_time(entry.created_at, ctx.now)
        stamp = entry.created_at.astimezone()
        absolute = f"{short_date(stamp.date(), ctx.today)} {stamp:%H:%M}"
        author = safe_line(ctx.person(entry.author_id))
        right = f"{author} · {when}"
        if width >= 60 and when != short_date(stamp.date(), ctx.today):
            right += f" · {absolute}"
        elif width >= 60:
            right = f"{author} · {absolute}"
        headline = safe_line(describe_entry(entry, ctx))  # names, subjects, field values: data
        icon = entry_icon(entry)
        lines: list[Strip] = []
        head = [Segment(icon + " ", kind_style)]
        room = width - 2
        if cell_len(headline) + 2 + cell_len(right) <= room:
            pad = room - cell_len(headline) - cell_len(right)
            head += [Segment(headline, headline_style + kind_style), Segment(" " * pad, base), Segment(right, muted)]
            lines.append(Strip(head))
        else:  # narrow: the headline wraps, author and time on a line of their own
            wrapped = Text(headline).wrap(_console(), room)
            for number, part in enumerate(wrapped):
                prefix = head if number == 0 else [Segment("  ", base)]
                lines.append(Strip([*prefix, Segment(part.plain, headline_style + kind_style)]))
            lines.append(Strip([Segment("  ", base), Segment(set_cell_size(right, room), muted)]))
        body = entry_body(entry)
        if body:
            if entry.entry_type in MARKDOWN_BODIES:
                body_lines = [Strip(Segment.apply_style(segments, body_style)) for segments in markdown_lines(body, room)]
            else:
                text_style = body_style + (muted if entry.entry_type in (EntryType.STAGE_CHANGE,) else Style())
                body_lines = [
                    Strip([Segment(part.plain, text_style)])
                    for paragraph in safe_block(body).split("\n") or [""]
                    for part in (Text(paragraph).wrap(_console(), room) or [Text("")])
                ]
            if len(body_lines) > BODY_LINES + 2 and entry.id not in self.expanded:
                hidden = len(body_lines) - BODY_LINES
                body_lines = body_lines[:BODY_LINES] + [
                    Strip([Segment(f"… {hidden} more lines (Enter shows all)", muted)])
                ]
            lines += [Strip([Segment("  ", base), *strip]) for strip in body_lines]
        return [strip.adjust_cell_length(width, base) for strip in lines]

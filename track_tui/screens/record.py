"""A record's page: fields, custom fields, relations and the timeline, all worked from the keyboard.

Three panes — Fields, Relations, Timeline — side by side from 100 columns, and at 80 columns
the details (fields over relations) and the timeline as two tabs; Tab and Shift+Tab walk the
panes, j/k move within one. Every edit goes through the store's write path (`update_record`,
`move_card`, `add_entry`, `create_task`, deal contacts), which validates first and writes the row,
its `field_edit`/`stage_change` entry and its outbox entry in one transaction; a dialog refuses
bad input inline with the reason and stays open, so nothing is saved half-way.

State lives here (the record, the field specs, the relations, the timeline filter); the
timeline widget draws entries a page at a time. Opening a page reads one record, its relations
and one page of entries — a few indexed queries — so it is done at mount, before the first
frame; later pages are read as the timeline scrolls. Escape/Backspace pops back to the screen
underneath with its focus as it was (the board puts its cursor on this record's card).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Callable, Iterable

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.style import Style
from textual.widget import Widget
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from ..drafts import draft_key
from ..messages import StoreChanged
from ..models import CustomFieldType, Record, RecordType, TimelineEntry
from ..models.dates import relative_days, short_date
from ..models.enums import EntryType, StageType
from ..models.timeline import TIMELINE_KINDS, RunKind
from ..remote_news import Subject, one_line, who_changed
from ..safe_text import safe_line
from ..store import ChangedElsewhere, ChangeSet, InvalidInput, Store
from ..store.record_queries import PickerItem, RecordCard, RelatedRecord, TimelineKind
from ..widgets import field_editors as fe
from ..widgets.key_hints import KeyHints
from ..widgets.status_line import StatusLine
from ..widgets.timeline import PAGE, TimelineContext, TimelineView, describe_entry, linked_ids
from .dialogs import OutcomeResult, OutcomeScreen
from .record_header import Fact, fit_facts
from .record_dialogs import (
    CallResult, CallScreen, ChoiceScreen, EmailResult, EmailScreen, MeetingResult, MeetingScreen,
    MultiChoiceScreen, NoteScreen, RecordPickerScreen, TaskResult, TaskScreen, TextFieldScreen,
    EditorFailed, chosen_kinds, entry_type_options, keep_refused_text, kind_words, kinds_words, run_editor,
)

NARROW = 100  # below this many columns the details and the timeline are tabs
LABEL_WIDTH = 17
KIND_ICONS = {RecordType.DEAL: "◆", RecordType.CONTACT: "●", RecordType.COMPANY: "■"}
# The rows of the fields and relations lists are built as Textual Content with these styles:
# a rich Text prompt is converted to Content on its first draw, which cost more than the row.
DIM, DIM_ITALIC, BOLD, STRIKE = Style(dim=True), Style(dim=True, italic=True), Style(bold=True), Style(strike=True)


class _Covered:
    """A container its panes cover edge to edge at every width (side + timeline across, fields +
    relations down): Textual still draws its own blank background under them on each frame,
    line by line through the styles cache (a millisecond of opening the page); `BLANK` draws
    that background as one reused blank line instead. Never seen either way."""

    BLANK = True


class _Row(_Covered, Horizontal):
    pass


class _Column(_Covered, Vertical):
    pass


class RecordScreen(Screen[None]):
    TITLE = "Record"
    AUTO_FOCUS = "#record-fields"

    BINDINGS = [
        Binding("escape,backspace", "back", "Back", id="record.back"),
        Binding("tab", "pane(1)", "Next pane", id="record.pane_next", show=False,
                tooltip="Next pane: fields → relations → timeline"),
        Binding("shift+tab", "pane(-1)", "Previous pane", id="record.pane_prev", show=False),
        Binding("j", "cursor(1)", "Down", id="record.down", show=False),
        Binding("k", "cursor(-1)", "Up", id="record.up", show=False),
        Binding("e", "edit", "Edit", id="record.edit", tooltip="Edit the focused field (Enter does too)"),
        Binding("a", "add_note", "Note", id="record.note", tooltip="Add a Markdown note"),
        Binding("A", "note_in_editor", "Note in $EDITOR", id="record.note_editor", show=False,
                tooltip="Write a note in $EDITOR"),
        Binding("c", "log_call", "Call", id="record.call", tooltip="Log a call"),
        Binding("E", "log_email", "Email", id="record.email", show=False, tooltip="Log an email (paste it)"),
        Binding("m", "log_meeting", "Meeting", id="record.meeting", show=False, tooltip="Log a meeting"),
        Binding("t", "make_task", "Task", id="record.task",
                tooltip="Make a task from the focused timeline entry (or for the record)"),
        Binding("f", "filter", "Filter", id="record.filter", tooltip="Filter the timeline by entry type"),
        Binding("s", "move_stage", "Stage", id="record.stage", tooltip="Move to another stage (picker)"),
        Binding("H", "step_stage(-1)", "◀ Stage", id="record.stage_prev", show=False,
                tooltip="Move to the previous stage"),
        Binding("L", "step_stage(1)", "Stage ▶", id="record.stage_next", show=False,
                tooltip="Move to the next stage"),
        Binding("C", "add_contact", "Add contact", id="record.contact_add", show=False,
                tooltip="Add a contact to this deal, with a role"),
        Binding("x", "remove_contact", "Remove contact", id="record.contact_remove", show=False,
                tooltip="Remove the focused contact from this deal"),
        Binding("P", "make_primary", "Make primary", id="record.contact_primary", show=False,
                tooltip="Make the focused contact the deal's primary contact"),
    ]

    def __init__(self, store: Store, record_type: RecordType, record_id: str) -> None:
        super().__init__()
        self.store = store
        self.record_type = RecordType(record_type)
        self.record_id = record_id
        self.record: Record = store.record(self.record_type, record_id)
        self.specs: list[fe.FieldSpec] = []
        self.relations: list[RelatedRecord] = []
        self._relation_by_option: dict[str, RelatedRecord] = {}  # option id → relation
        self.cards: list[RecordCard] = []
        self.types: frozenset[TimelineKind] | None = None  # timeline filter; None shows all
        self.timeline_total = 0
        self._names: dict[str, str] = {}
        self._stage_names: dict[str, str] = {}
        self._ctx: TimelineContext | None = None
        # The field an editor is open on and the value it started from: a save checks that
        # the stored value is still that one (another process or the server may have changed it).
        self._editing: tuple[str, Any] | None = None
        self._resumed_once = False
        self._tabs_shown: Text | None = None
        self._header_title = Text()
        self._header_facts: list[Fact] | None = None  # the fact line's parts, fitted again on resize
        # Decide the layout before the first style pass (a class change later restyles every widget).
        self.set_class(self.app.size.width < NARROW, "-narrow")

    # -- layout ----------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static(id="record-header")
        if self.has_class("-narrow"):  # wider, the panes sit side by side: no tabs to style and lay out
            yield Static(id="record-tabs")
        with _Row(id="record-main"):
            with _Column(id="record-side"):
                yield OptionList(id="record-fields")
                yield OptionList(id="record-relations")
            yield TimelineView(id="record-timeline")  # its own border: no container to mount and draw
        yield StatusLine(id="status")
        yield KeyHints()

    def _on_screen_resume(self, event: events.ScreenResume) -> None:
        """The resume that follows the push does not re-apply the stylesheet to the page.

        Textual's `push_screen` sends a new screen a ScreenResume asking for its styles to be
        refreshed; for a page mounted a moment ago (its styles worked out as each widget was
        mounted) that is a second style pass over every widget, and each one throws away what
        it drew and draws it again (the timeline lays its entries out again). Later resumes
        (back from a dialog or another screen, perhaps after a theme change) refresh as usual.
        Screen's own handler runs after this one and reads the flag."""
        if not self._resumed_once:
            self._resumed_once = True
            event.refresh_styles = False

    def on_mount(self) -> None:
        self.query_one("#record-fields").border_title = "Fields"
        self.query_one("#record-relations").border_title = "Relations"
        self._stage_names = self.store.stage_names()
        self.show_details()
        self.load_timeline()
        self._apply_width(self.app.size.width)

    def on_resize(self) -> None:
        self._apply_width(self.size.width)
        if self._header_facts is not None:
            self._show_header_line()

    def _show_header_line(self) -> None:
        """The title and the facts that fit the header's width (it has a cell of padding each side)."""
        width = (self.size.width or self.app.size.width) - 2
        line = Text(fit_facts(self._header_facts or [], width), no_wrap=True)
        self.query_one("#record-header", Static).update(Text("\n").join([self._header_title, line]))

    def _apply_width(self, width: int) -> None:
        if self.has_class("-narrow") != (width < NARROW):
            self.set_class(width < NARROW, "-narrow")
        self._show_tabs()

    # -- panes -----------------------------------------------------------------------------

    @property
    def fields_list(self) -> OptionList:
        return self.query_one("#record-fields", OptionList)

    @property
    def relations_list(self) -> OptionList:
        return self.query_one("#record-relations", OptionList)

    @property
    def timeline(self) -> TimelineView:
        return self.query_one(TimelineView)

    def _panes(self) -> list[Widget]:
        return [self.fields_list, self.relations_list, self.timeline]

    def action_pane(self, delta: int) -> None:
        panes = self._panes()
        focused = self.focused
        index = panes.index(focused) if focused in panes else 0
        target = panes[(index + delta) % len(panes)]
        if target is self.relations_list and self.relations_list.option_count == 0:
            target = panes[(index + 2 * delta) % len(panes)]
        self.focus_pane(target)

    def focus_pane(self, target: Widget) -> None:
        if self.has_class("-timeline") != (target is self.timeline):
            self.set_class(target is self.timeline, "-timeline")
            self._show_tabs()
        target.focus()

    def on_descendant_focus(self, event) -> None:
        if event.widget in self._panes() and self.has_class("-timeline") != (event.widget is self.timeline):
            self.set_class(event.widget is self.timeline, "-timeline")
            self._show_tabs()

    def _show_tabs(self) -> None:
        """The tabs line (below 100 columns): mounted only once the page is that narrow."""
        found = self.query("#record-tabs")
        if not found and not self.has_class("-narrow"):  # wide since it opened: nowhere to show them
            return
        on_timeline = self.has_class("-timeline")
        tabs = Text(no_wrap=True, overflow="ellipsis")
        tabs.append(" Details ", style="reverse bold" if not on_timeline else "")
        tabs.append(" │ ")
        tabs.append(f" Timeline ({self.timeline_total}) ", style="reverse bold" if on_timeline else "")
        tabs.append("   Tab switches", style="italic")  # not dim: 2.8:1 in the light theme
        if tabs == self._tabs_shown:  # unchanged (each resize asks): no new layout of the page
            return
        self._tabs_shown = tabs
        if found:
            found.first(Static).update(tabs)
        else:  # narrowed after opening wide
            self.mount(Static(tabs, id="record-tabs"), after="#record-header")

    def action_cursor(self, delta: int) -> None:
        focused = self.focused
        if isinstance(focused, OptionList):
            if delta > 0:
                focused.action_cursor_down()
            else:
                focused.action_cursor_up()

    # -- details ---------------------------------------------------------------------------

    def show_details(self) -> None:
        """(Re)read the record, its relations and its boards, and draw the fields and relations."""
        store = self.store
        self.record = store.record(self.record_type, self.record_id)
        defs = store.custom_field_defs(self.record_type)
        self.specs = fe.field_specs(self.record_type, defs)
        self.relations = store.record_relations(self.record_type, self.record_id)
        self.cards = store.record_cards(self.record_id)
        self.profiles = store.profiles()
        refs: list[tuple[str, str]] = []
        for name, kind in (("company_id", "company"), ("parent_id", "company"), ("primary_contact_id", "contact")):
            value = getattr(self.record, name, None)
            if value:
                refs.append((kind, value))
        for definition in defs:
            value = self.record.custom_fields.get(definition.key)
            if definition.type == CustomFieldType.LINK and isinstance(value, dict) and value.get("id"):
                refs.append((str(value.get("type")), str(value["id"])))
        self._names.update(store.names_of(refs))
        self._custom_defs = {d.key: d for d in defs}
        self._draw_header()
        self._draw_fields()
        self._draw_relations()
        self.show_context()

    def _field_context(self) -> fe.FieldContext:
        stage_label, probability, stage_type = None, None, None
        if self.cards:
            card = self.cards[0]
            stage = card.stage
            if stage is not None:
                stage_label = stage.name if len(self.cards) == 1 else f"{stage.name} ({card.board_name})"
                probability = stage.probability
                if len(self.cards) == 1:  # on two boards, one stage cannot settle the chance
                    stage_type = stage.stage_type
        return fe.FieldContext(
            today=self.store.today(), now=self.store.now(), profiles=self.profiles, names=self._names,
            stage_label=stage_label, stage_probability=probability, stage_type=stage_type,
        )

    def _draw_header(self) -> None:
        record = self.record
        kind = self.record_type
        title = Text(no_wrap=True, overflow="ellipsis")
        title.append(f"{KIND_ICONS[kind]} {kind.label}  ", style="bold")
        title.append(safe_line(record.name), style="bold underline")
        if record.deleted_at is not None:
            title.append("  (deleted)", style="reverse")
        today = self.store.today()
        facts: list[Fact] = []  # ranked by use: at 80 columns the least useful give way (record_header.py)
        if kind == RecordType.DEAL:
            value = record.value  # type: ignore[attr-defined]
            facts.append(Fact(value.format() if value is not None else "no value", 0))
        if self.cards and self.cards[0].stage is not None:
            stage = self.cards[0].stage
            marker = {StageType.WON: " ✓", StageType.LOST: " ✗"}.get(stage.stage_type, "")
            facts.append(Fact(safe_line(f"{stage.name}{marker}"), 1))
        close = getattr(record, "close_date", None)
        if close is not None:
            when = short_date(close, today)
            facts.append(Fact(f"closes {when} ({relative_days(close, today)})", 3, short=f"closes {when}"))
        company = getattr(record, "company_id", None)
        if company and kind != RecordType.COMPANY:
            facts.append(Fact(safe_line(self._names.get(company, "")), 4))
        if kind == RecordType.CONTACT:
            facts.extend(Fact(safe_line(v), rank) for v, rank in  # type: ignore[attr-defined]
                         ((record.title, 5), (record.email, 6)) if v)
        if kind == RecordType.COMPANY:
            facts.extend(Fact(safe_line(v), rank) for v, rank in  # type: ignore[attr-defined]
                         ((record.domain, 5), (record.industry, 6)) if v)
        owner = self.profiles.get(record.owner_id or "")
        if owner:
            name = safe_line(owner.full_name or "")
            facts.append(Fact(f"owner {name}", 2, short=f"owner {name.split(' ')[0]}" if " " in name else None))
        else:
            facts.append(Fact("no owner", 2))
        self._header_title, self._header_facts = title, facts
        self._show_header_line()
        self.sub_title = safe_line(record.name)

    def _draw_fields(self) -> None:
        ctx = self._field_context()
        options: list[Option] = []
        custom_started = False
        for spec in self.specs:
            if spec.custom is not None and not custom_started:
                custom_started = True
                options.append(Option(Text("Custom fields", style="bold"), id="heading:custom", disabled=True))
            value = safe_line(fe.display(spec, self.record, ctx))
            label = safe_line(spec.label)  # custom fields are named by the workspace
            label = label if len(label) < LABEL_WIDTH else label[:LABEL_WIDTH - 2] + "…"
            prompt = Content.assemble(
                (label.ljust(LABEL_WIDTH), DIM if spec.editable else DIM_ITALIC),
                (value, DIM) if value.startswith("—") else value,
            )
            options.append(Option(prompt, id=spec.key))
        self._refill(self.fields_list, options)

    def _draw_relations(self) -> None:
        options: list[Option] = []
        group = None
        # Ids name the related record, not its place: after P re-orders the contacts (the
        # primary first), the cursor stays on the contact it was on (`_refill` keeps the id).
        self._relation_by_option = {}
        for relation in self.relations:
            option_id = f"rel:{relation.group}|{relation.record_type.value}|{relation.record_id}"
            while option_id in self._relation_by_option:
                option_id += "+"
            self._relation_by_option[option_id] = relation
            if relation.group != group:
                group = relation.group
                options.append(Option(Text(safe_line(group), style="bold"), id=f"heading:{group}", disabled=True))
            parts: list[str | tuple[str, Style]] = [
                (f"{KIND_ICONS[relation.record_type]} ", DIM),
                (safe_line(relation.name), STRIKE) if relation.deleted else safe_line(relation.name),
            ]
            if relation.primary and relation.record_type == RecordType.CONTACT:
                parts.append((" ★ primary", BOLD))
            if relation.detail:
                parts.append((f" · {safe_line(relation.detail)}", DIM_ITALIC))
            options.append(Option(Content.assemble(*parts), id=option_id))
        if self.cards:
            options.append(Option(Text("Boards", style="bold"), id="heading:boards", disabled=True))
            for index, card in enumerate(self.cards):
                stage = card.stage
                prompt = Content.assemble(
                    ("▤ ", DIM), safe_line(card.board_name), (f"  {safe_line(stage.name) if stage else '?'}", DIM_ITALIC),
                )
                options.append(Option(prompt, id=f"card:{index}"))
        runs, failed, audited = self.store.record_history_counts(self.record_id)
        if runs or audited:  # what automations did here and who changed what (Enter opens either)
            options.append(Option(Text("History", style="bold"), id="heading:history", disabled=True))
            if runs:
                prompt = Text(f"⚙ {runs} automation run{'s' if runs != 1 else ''}")
                if failed:
                    prompt.append(f" · {failed} failed", style="bold")
                options.append(Option(prompt, id="history:runs"))
            if audited:
                options.append(Option(Text(f"✎ {audited} audit entr{'ies' if audited != 1 else 'y'}"),
                                      id="history:audit"))
        if not options:
            options.append(Option(Text("nothing linked yet", style="dim italic"), id="heading:none", disabled=True))
        self._refill(self.relations_list, options)

    @staticmethod
    def _refill(option_list: OptionList, options: list[Option]) -> None:
        keep = option_list.highlighted_option.id if option_list.highlighted_option is not None else None
        old_index = option_list.highlighted
        option_list.clear_options()
        option_list.add_options(options)
        ids = [o.id for o in options]
        if keep in ids:
            option_list.highlighted = ids.index(keep)
        else:
            enabled = [i for i, o in enumerate(options) if not o.disabled]
            if enabled:
                target = old_index if old_index is not None else 0
                option_list.highlighted = min(enabled, key=lambda i: (abs(i - target), i))

    def show_context(self) -> None:
        """The record's part of the status line (the app's status is the rest: status_keeper.py)."""
        status = self.query_one(StatusLine)
        label = f"{self.record_type.label}: {self.record.name}"
        if self.types is not None:
            label += " · timeline: " + kinds_words(self.types)
        status.context = label

    # -- the timeline ----------------------------------------------------------------------

    def _page(self, offset: int, limit: int) -> list:
        entries = self.store.record_timeline(self.record_id, types=self.types, limit=limit, offset=offset)
        missing = [ref for ref in linked_ids(entries, self._custom_defs) if ref[1] not in self._names]
        if missing:
            self._names.update(self.store.names_of(missing))
        return entries

    def load_timeline(self, keep: str | None = None) -> None:
        """Count the entries under the filter and show the first page (the rest load on scroll)."""
        store = self.store
        self.timeline_total = store.record_timeline_count(self.record_id, self.types)
        currency = getattr(self.record, "currency", "USD")
        self._ctx = TimelineContext(
            now=store.now(), today=store.today(), profiles=self.profiles, currency=currency,
            custom_fields=self._custom_defs, names=self._names, stage_names=self._stage_names,
        )
        first = self._page(0, PAGE) if self.timeline_total else []
        self.timeline.load(self._page, self.timeline_total, self._ctx, keep=keep, first_page=first)
        title = f"Timeline · {self.timeline_total} entr{'y' if self.timeline_total == 1 else 'ies'}"
        if self.types is not None:
            title += " · " + kinds_words(self.types)
        self.timeline.border_title = title
        self._show_tabs()

    # -- store announcements ---------------------------------------------------------------

    def on_store_changed(self, message: StoreChanged) -> None:
        changes = message.changes
        table = self.record_type.table
        try:
            mine = changes.has_row(table, self.record_id)
            if mine:
                self._tell_about(changes)
            if mine or changes.touches("deal_contacts", "contacts", "companies", "deals", "board_cards",
                                       "custom_fields", "profiles", "board_stages", "automation_runs", "audit_log"):
                if changes.touches("board_stages"):
                    self._stage_names = self.store.stage_names()
                self.show_details()
            if mine and changes.is_news:
                self._warn_open_editor(changes)
            entry_ids, run_ids = changes.ids("timeline_entries"), changes.ids("automation_runs")
            if (changes.any_row("timeline_entries") or changes.any_row("automation_runs")
                    or (entry_ids and self._touches_my_timeline(entry_ids))
                    or (run_ids and self.store.runs_on_record(self.record_id, run_ids))):
                keep = self.timeline.current.id if not changes.from_here and self.timeline.current else None
                self.load_timeline(keep=keep)
        except LookupError:  # the record is gone (hard delete from elsewhere)
            self.notify("This record no longer exists", severity="warning")

    def _tell_about(self, changes: ChangeSet) -> None:
        """Say so when this record changed in another Track window on this computer. Another
        person's change is the app's to tell, in one notification for what the screen in view
        shows (`remote_subjects`, news_notifier.py); this person's own edits and acks never are."""
        table = self.record_type.table
        if self.record_id not in changes.ids(table):
            return  # a coarse "anything may have changed": nothing specific to say
        fields = changes.fields(table, self.record_id)
        if fields is not None and not fields:
            return  # only sync bookkeeping moved
        what = self._describe_fields(fields)
        if changes.elsewhere and not changes.is_news:  # a teammate's: the app says it (remote_subjects)
            self.notify(f"{self.record.name}: {what} changed in another Track window", timeout=4)

    def _warn_open_editor(self, changes: ChangeSet) -> None:
        """Someone else changed this record while a dialog of this page is open: say so on its
        message line. An editor of the very field that changed says whose value is there now;
        its save then asks before replacing it (`_save`: the value it started from no longer
        holds). A note being written is only told which fields changed."""
        dialog = self.app.screen
        if dialog is self or not dialog.query("#error"):
            return
        table = self.record_type.table
        who = who_changed(self.store, changes, table, self.record_id)
        field_editor = isinstance(dialog, (TextFieldScreen, ChoiceScreen, MultiChoiceScreen, RecordPickerScreen))
        editing = self.spec(self._editing[0]) if self._editing is not None and field_editor else None
        if editing is not None:
            if fe.raw_value(editing, self.record) == self._editing[1]:
                return  # another field: this editor's value still holds
            theirs = one_line(fe.display(editing, self.record, self._field_context()))  # the data's: one safe line
            text = (f"{who} changed {one_line(editing.label)} to {theirs} while you were editing. "
                    "Saving asks before replacing their value.")
        elif isinstance(dialog, NoteScreen):
            text = f"{who} changed {self._describe_fields(changes.fields(table, self.record_id))} meanwhile; your note is kept."
        else:
            return
        label = dialog.query_one("#error")
        label.update(text)
        label.display = True

    def remote_subjects(self, changes: ChangeSet) -> Iterable[Subject]:
        """The rows of a teammate's change that this page shows (see news_notifier.py)."""
        table = self.record_type.table
        if self.record_id in changes.ids(table):
            yield Subject(table, self.record_id, name=self.record.name)
        for card in self.cards:
            if card.card_id in changes.ids("board_cards"):
                yield Subject("board_cards", card.card_id, record_name=self.record.name)
        entry_ids = sorted(changes.ids("timeline_entries"))[:50]
        for entry_id in entry_ids:
            if self.store.entries_on_record(self.record_id, [entry_id]):
                yield Subject("timeline_entries", entry_id, record_name=self.record.name)

    def _describe_fields(self, fields: frozenset[str] | None) -> str:
        if fields is None:
            return "this record"
        labels = {s.name: s.label for s in self.specs if s.custom is None}
        names = sorted(labels.get(f, f.replace("_", " ")) for f in fields if f != "updated_at")
        if not names:
            return "this record"
        text = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
        return "the " + text.lower()

    def _touches_my_timeline(self, entry_ids: set[str]) -> bool:
        return self.store.entries_on_record(self.record_id, entry_ids) or len(self.timeline.entries) != self.timeline_total

    # -- navigation ------------------------------------------------------------------------

    def action_back(self) -> None:
        stack = self.app.screen_stack
        below = stack[-2] if len(stack) > 1 else None
        if below is None:
            return
        self.app.pop_screen()
        focus_record = getattr(below, "focus_record", None)
        if not callable(focus_record) or isinstance(below, RecordScreen):
            return  # a record page underneath keeps its own focus and cursor
        focus_record(self.record_id)  # the board keeps it until any reload has drawn

    @on(OptionList.OptionSelected, "#record-relations")
    def _relation_chosen(self, event: OptionList.OptionSelected) -> None:
        self.open_relation(event.option.id or "")

    def open_relation(self, option_id: str) -> None:
        relation = self._relation_by_option.get(option_id)
        if relation is not None:
            self.app.push_screen(RecordScreen(self.store, relation.record_type, relation.record_id))
        elif option_id.startswith("card:"):
            self.action_move_stage(card_index=int(option_id[5:]))
        elif option_id == "history:runs":
            self.open_automation_runs()
        elif option_id == "history:audit":
            self.open_audit_history()

    def option_of(self, relation: RelatedRecord) -> str | None:
        """The Relations pane's option id of `relation` (tests and the cursor use it)."""
        return next((oid for oid, shown in self._relation_by_option.items() if shown == relation), None)

    def _focused_relation(self) -> RelatedRecord | None:
        if self.focused is not self.relations_list:
            return None
        option = self.relations_list.highlighted_option
        return self._relation_by_option.get(option.id or "") if option is not None else None

    # -- editing fields --------------------------------------------------------------------

    @on(OptionList.OptionSelected, "#record-fields")
    def _field_chosen(self, event: OptionList.OptionSelected) -> None:
        self.edit_field(event.option.id or "")

    def action_edit(self) -> None:
        focused = self.focused
        if focused is self.relations_list:
            option = self.relations_list.highlighted_option
            if option is not None:
                self.open_relation(option.id or "")
            return
        if focused is self.timeline:
            self.notify("Timeline entries are kept as written; t makes a task from one", timeout=3)
            return
        option = self.fields_list.highlighted_option
        if option is not None:
            self.edit_field(option.id or "")

    def spec(self, key: str) -> fe.FieldSpec | None:
        return next((s for s in self.specs if s.key == key), None)

    def edit_field(self, key: str) -> None:
        """Open the editor that fits the field (by key: 'field:close_date', 'custom:tier')."""
        spec = self.spec(key)
        if spec is None:
            return
        record = self.record
        self._editing = (spec.key, fe.raw_value(spec, record))
        kind = spec.kind
        title = f"{spec.label} — {record.name}"
        if kind == fe.READONLY:
            self.notify(f"{spec.label} is set by Track", timeout=2)
        elif kind == fe.STAGE:
            self.action_move_stage()
        elif kind == fe.OWNER:
            people = [(pid, p.full_name) for pid, p in sorted(self.profiles.items(), key=lambda kv: kv[1].full_name)]
            self.app.push_screen(ChoiceScreen(
                title, [*people, ("", "— nobody —")], record.owner_id or "",
                save=lambda pid: self._save(spec, {spec.name: pid or None}, {}),
            ))
        elif kind in (fe.COMPANY, fe.CONTACT):
            target = RecordType.COMPANY if kind == fe.COMPANY else RecordType.CONTACT
            exclude = [self.record_id]
            self.app.push_screen(RecordPickerScreen(
                title, lambda text: self.store.pick_records(text, [target], exclude=exclude),
                save=lambda item: self._save(spec, {spec.name: item.record_id if item else None}, {}),
                allow_clear=True,
            ))
        elif kind == fe.SELECT:
            assert spec.custom is not None
            options = spec.custom.options()
            if not spec.custom.required:
                options = [*options, ("", "— none —")]
            current = record.custom_fields.get(spec.name) or ""
            self.app.push_screen(ChoiceScreen(
                title, options, current, save=lambda value: self._save(spec, {}, {spec.name: value or None}),
            ))
        elif kind == fe.MULTI:
            assert spec.custom is not None
            limit = spec.custom.config.get("max_selected")
            hint = "Space toggles · Enter saves · Esc cancels" + (f" · at most {limit}" if limit else "")
            self.app.push_screen(MultiChoiceScreen(
                title, spec.custom.options(), record.custom_fields.get(spec.name) or [],
                save=lambda values: self._save(spec, {}, {spec.name: values}), hint=hint,
            ))
        elif kind == fe.BOOLEAN:
            current = record.custom_fields.get(spec.name)
            problem = self._save(spec, {}, {spec.name: not bool(current)}, in_editor=False)
            if problem:
                self.notify(problem, severity="error")
            else:
                self.notify(f"{spec.label}: {'yes' if not current else 'no'}", timeout=2)
        elif kind == fe.LINK:
            assert spec.custom is not None
            target = spec.custom.config.get("target")
            types = [RecordType(target)] if target else list(RecordType)
            self.app.push_screen(RecordPickerScreen(
                title, lambda text: self.store.pick_records(text, types, exclude=[self.record_id]),
                save=lambda item: self._save(spec, {}, {
                    spec.name: {"type": item.record_type.value, "id": item.record_id} if item else None,
                }),
                allow_clear=not spec.custom.required,
            ))
        else:
            self.app.push_screen(TextFieldScreen(
                title, fe.initial_text(spec, record), spec.hint, save=lambda text: self._save_text(spec, text),
                draft=self._draft(spec.key),
            ))

    def _save_text(self, spec: fe.FieldSpec, text: str) -> str | None:
        try:
            fields, custom = fe.parse_text(spec, text, self.record, self.store.today())
        except fe.FieldInputError as exc:
            return f"{spec.label}: {exc}"
        return self._save(spec, fields, custom)

    def _save(
        self, spec: fe.FieldSpec, fields: dict[str, Any], custom: dict[str, Any], *, in_editor: bool = True,
    ) -> str | None:
        """One write through the store; None when saved, else why not (nothing was written).

        The save only replaces the value the editor started from: if it was changed elsewhere
        meanwhile, the editor stays open and says so, and saving again replaces the new value.
        """
        expect = None
        if self._editing is not None and self._editing[0] == spec.key:
            expect = {(f"custom_fields.{spec.name}" if spec.custom else spec.name): self._editing[1]}
        try:
            self.store.update_record(
                self.record_type, self.record_id, fields=fields or None, custom=custom or None, expect=expect,
            )
        except ChangedElsewhere as exc:
            self._editing = (spec.key, exc.current)  # saving again replaces what is there now
            self.show_details()
            now, label = one_line(fe.display(spec, self.record, self._field_context())), one_line(spec.label)
            if not in_editor:
                return f"{label} was changed elsewhere; it is now {now}. Nothing was saved."
            return (f"{label} was changed elsewhere while you were editing; it is now {now}. "
                    "Save again to replace it, or Esc to keep it.")
        except InvalidInput as exc:
            return f"{exc.field}: {exc.reason}"
        self._editing = None
        return None

    # -- stages ----------------------------------------------------------------------------

    def action_move_stage(self, card_index: int | None = None) -> None:
        cards = self.cards if card_index is None else [self.cards[card_index]]
        if not cards:
            self.notify(f"This {self.record_type.value} is not on a board", severity="warning", timeout=3)
            return
        options: list[tuple[str, str]] = []
        current = None
        for card in cards:
            for stage in card.stages:
                label = stage.name if len(cards) == 1 else f"{card.board_name} › {stage.name}"
                if stage.stage_type != StageType.OPEN:
                    label += f"  ({stage.stage_type.value})"
                elif stage.probability is not None:
                    label += f"  {float(stage.probability):g}%"
                option_id = f"{card.card_id}|{stage.id}"
                if stage.id == card.stage_id:
                    current = option_id
                options.append((option_id, label))

        def chosen(value: str | None) -> None:
            if value:
                card_id, stage_id = value.split("|", 1)
                self.move_to(card_id, stage_id)

        self.app.push_screen(ChoiceScreen(f"Move {self.record.name} to…", options, current), chosen)

    def action_step_stage(self, delta: int) -> None:
        if not self.cards:
            self.notify(f"This {self.record_type.value} is not on a board", severity="warning", timeout=3)
            return
        card = self.cards[0]
        ids = [s.id for s in card.stages]
        if delta < 0 and card.stage is not None and card.stage.stage_type != StageType.OPEN:
            reopen = self.store.reopen_stage(card.card_id)  # as on the board: H reopens a closed deal
            if reopen is not None:
                self.move_to(card.card_id, reopen.id)
                return
        index = ids.index(card.stage_id) + delta if card.stage_id in ids else -1
        if not 0 <= index < len(ids):
            self.notify("No stage further that way", severity="warning", timeout=2)
            return
        self.move_to(card.card_id, ids[index])

    def move_to(self, card_id: str, stage_id: str) -> None:
        """The board's stage move: won/lost asks what a reviewer records, then `store.move_card`."""
        card = next(c for c in self.cards if c.card_id == card_id)
        stage = next(s for s in card.stages if s.id == stage_id)
        if stage.id == card.stage_id:
            return
        if stage.stage_type in (StageType.WON, StageType.LOST):
            def after(result: OutcomeResult | None) -> None:
                if result is not None:
                    self._do_move(card_id, stage_id, result.note, result.close_date)

            is_deal = self.record_type == RecordType.DEAL
            kept = self.store.earlier_close_date(self.record_id, stage.stage_type) if is_deal else None
            self.app.push_screen(
                OutcomeScreen(self.record.name, stage, self.store.today(), is_deal=is_deal, close_date=kept), after,
            )
            return
        self._do_move(card_id, stage_id)

    def _do_move(self, card_id: str, stage_id: str, note: str | None = None, close_date: date | None = None) -> None:
        try:
            self.store.move_card(card_id, stage_id, note=note, close_date=close_date)
        except InvalidInput as exc:
            self.notify(str(exc), severity="error")

    # -- logging entries -------------------------------------------------------------------

    def _log(self, entry_type: EntryType, body: str | None, payload: dict[str, Any] | None = None,
             when: datetime | None = None) -> str | None:
        try:
            self.store.log_entry(self.record_type, self.record_id, entry_type, body=body, payload=payload,
                                 created_at=when)
        except InvalidInput as exc:
            return str(exc)
        return None

    def _draft(self, *field: str) -> str:
        """The drafts-file key of a dialog that writes `field` of this record."""
        return draft_key(self.record_type, self.record_id, *field)

    def _after_log(self, label: str) -> Callable[[Any], None]:
        def done(result: Any) -> None:
            if result is not None:
                self.notify(f"{label} logged", timeout=2)
        return done

    def action_add_note(self) -> None:
        self.app.push_screen(
            NoteScreen(f"Note on {self.record.name}", save=lambda text: self._log(EntryType.NOTE, text),
                       draft=self._draft("note")),
            self._after_log("Note"),
        )

    def action_note_in_editor(self) -> None:
        try:
            edited = run_editor(self.app, "")
        except EditorFailed as exc:
            self.notify(str(exc), severity="error", timeout=4)
            return
        if edited is None:
            self.notify("Set $EDITOR (or $VISUAL) to write notes in your own editor; a opens the built-in one",
                        severity="warning", timeout=4)
            return
        text = edited.text.strip()
        fits = len(text) <= TimelineEntry.TEXT_LIMITS["body"]  # else refused below and kept in a file
        if edited.problem and text and fits:  # something was taken out: let the person look before it is stored
            notice = f"{edited.problem}: check the note, then ctrl+s saves"
            self.app.push_screen(
                NoteScreen(f"Note on {self.record.name}", save=lambda body: self._log(EntryType.NOTE, body),
                           initial=text, notice=notice),
                self._after_log("Note"),
            )
            return
        if text:
            problem = self._log(EntryType.NOTE, text)
            if problem:  # the editor's file is gone: keep the text where the person can find it
                self.notify(f"Note not saved — {problem}. Your text is kept in {keep_refused_text(edited.text)}",
                            severity="error", timeout=10)
            else:
                self.notify("Note logged", timeout=2)

    def action_log_call(self) -> None:
        def save(result: CallResult) -> str | None:
            payload: dict[str, Any] = {"disposition": result.disposition}
            if result.duration_seconds is not None:
                payload["duration_seconds"] = result.duration_seconds
            return self._log(EntryType.CALL, result.summary, payload)

        self.app.push_screen(
            CallScreen(f"Call with {self.record.name}", self.store.call_dispositions(), save, draft=self._draft("call")),
            self._after_log("Call"),
        )

    def action_log_email(self) -> None:
        def save(result: EmailResult) -> str | None:
            return self._log(EntryType.EMAIL, result.body, {"subject": result.subject, "direction": result.direction})

        self.app.push_screen(EmailScreen(f"Email — {self.record.name}", save, draft=self._draft("email")),
                             self._after_log("Email"))

    def action_log_meeting(self) -> None:
        def save(result: MeetingResult) -> str | None:
            payload: dict[str, Any] = {"title": result.title, "starts_at": result.starts_at.isoformat()}
            if result.duration_minutes is not None:
                payload["duration_minutes"] = result.duration_minutes
            # The entry is dated when the meeting was, not when it was logged.
            return self._log(EntryType.MEETING, result.notes, payload, when=result.starts_at)

        self.app.push_screen(MeetingScreen(f"Meeting — {self.record.name}", self.store.now(), save,
                                           draft=self._draft("meeting")),
                             self._after_log("Meeting"))

    # -- tasks -----------------------------------------------------------------------------

    def action_make_task(self) -> None:
        entry = self.timeline.current_entry if self.focused is self.timeline else None
        if entry is not None and self._ctx is not None:
            headline = describe_entry(entry, self._ctx)
            first_line = (entry.body or "").strip().splitlines()[0] if (entry.body or "").strip() else ""
            # A new title made from the data: what the dialog shows (controls as symbols) is what is saved.
            first_line, headline = safe_line(first_line), safe_line(headline)
            title = f"Follow up: {first_line or headline}"
            if len(title) > 80:
                title = title[:79] + "…"
            heading = f"Task from this {entry.entry_type.value.replace('_', ' ')}"
        else:
            title, heading = "", f"Task on {self.record.name}"
        people = [(pid, p.full_name + (" (me)" if pid == self.store.user_id else ""))
                  for pid, p in sorted(self.profiles.items(), key=lambda kv: kv[1].full_name)]
        entry_id = entry.id if entry is not None else None

        def save(result: TaskResult) -> str | None:
            try:
                self.store.task_from_entry(
                    entry_id, record_type=self.record_type, record_id=self.record_id, title=result.title,
                    assigned_to=result.assigned_to, due_date=result.due_date,
                )
            except (InvalidInput, ValueError) as exc:
                return str(exc)
            return None

        self.app.push_screen(
            TaskScreen(heading, title, people, self.store.user_id, self.store.today(), save,
                       draft=self._draft("task", entry_id or "")),
            lambda result: self.notify(f"Task created: {result.title}", timeout=2) if result else None,
        )

    # -- the timeline filter ---------------------------------------------------------------

    def action_filter(self) -> None:
        selected = [t.value for t in (self.types or TIMELINE_KINDS)]

        def chosen(values: list | None) -> None:
            if values is not None:
                self.set_filter(chosen_kinds(values))

        self.app.push_screen(MultiChoiceScreen(
            "Show these entries", entry_type_options(), selected,
            hint="Space toggles · Enter applies (none or all: everything) · Esc cancels",
        ), chosen)

    def set_filter(self, types: Iterable[EntryType] | None) -> None:
        self.types = frozenset(types) if types is not None else None
        self.load_timeline()
        self.show_context()

    # -- deal contacts ---------------------------------------------------------------------

    def _require_deal(self) -> bool:
        if self.record_type != RecordType.DEAL:
            self.notify("Contacts with roles belong to deals; open a deal", severity="warning", timeout=3)
            return False
        return True

    def action_add_contact(self) -> None:
        if not self._require_deal():
            return
        on_deal = [r.record_id for r in self.relations if r.record_type == RecordType.CONTACT and r.link_id]

        def picked(item: PickerItem | None) -> None:
            if item is None:
                return
            self.app.push_screen(TextFieldScreen(
                f"Role of {item.name} on this deal", "", "e.g. champion, economic buyer (empty: no role)",
                save=lambda role: self._add_contact(item.record_id, role),
            ))

        self.app.push_screen(RecordPickerScreen(
            "Add a contact to this deal", lambda text: self.store.pick_records(text, [RecordType.CONTACT], exclude=on_deal),
        ), picked)

    def _add_contact(self, contact_id: str, role: str) -> str | None:
        try:
            self.store.add_deal_contact(self.record_id, contact_id, role)
        except (InvalidInput, ValueError, LookupError) as exc:
            return str(exc)
        return None

    def action_remove_contact(self) -> None:
        if not self._require_deal():
            return
        relation = self._focused_relation()
        if relation is None or relation.link_id is None:
            self.notify("Put the cursor on a contact of this deal (Relations pane) first", severity="warning", timeout=3)
            return
        self.store.remove_deal_contact(relation.link_id)
        self.notify(f"Removed {relation.name} from this deal — u undoes it", timeout=3)

    def action_make_primary(self) -> None:
        if not self._require_deal():
            return
        relation = self._focused_relation()
        if relation is None or relation.record_type != RecordType.CONTACT:
            self.notify("Put the cursor on a contact of this deal (Relations pane) first", severity="warning", timeout=3)
            return
        try:
            self.store.set_primary_contact(self.record_id, relation.record_id)
        except InvalidInput as exc:
            self.notify(str(exc), severity="error")
            return
        self.notify(f"{relation.name} is the primary contact", timeout=2)

    # -- command palette -------------------------------------------------------------------

    def open_audit_history(self) -> None:
        from .audit import AuditScreen

        self.app.push_screen(AuditScreen(self.store, record_id=self.record_id, record_name=self.record.name))

    def open_automation_runs(self) -> None:
        from .automations import RunLogScreen

        self.app.push_screen(RunLogScreen(self.store, record_id=self.record_id, title=self.record.name))

    def on_timeline_view_run_chosen(self, message: TimelineView.RunChosen) -> None:
        """Enter on an automation run in the timeline: its rule's run log, at that run."""
        from .automations import RunLogScreen

        run = message.run
        self.app.push_screen(RunLogScreen(self.store, automation_id=run.automation_id, title=run.automation_name,
                                          keep=run.id))

    def palette_commands(self) -> Iterable[tuple[str, str, object]]:
        name = self.record.name
        yield ("Record: add a note", f"Markdown note on {name} (a)", self.action_add_note)
        yield ("Record: log a call", "Outcome, duration, summary (c)", self.action_log_call)
        yield ("Record: log an email", "Paste an email (E)", self.action_log_email)
        yield ("Record: log a meeting", "Title, time, notes (m)", self.action_log_meeting)
        yield ("Record: new task", f"A task on {name} (t)", self.action_make_task)
        if self.focused is self.timeline and self.timeline.current_entry is not None:
            yield ("Timeline: task from the focused entry", "Links back to the entry (t)", self.action_make_task)
        yield ("Timeline: filter by entry type", "Notes, calls, emails… (f)", self.action_filter)
        yield ("Record: audit history", f"Who changed {name}, when, from what to what", self.open_audit_history)
        yield ("Record: automation runs", f"The automations that ran on {name}", self.open_automation_runs)
        if self.types is not None:
            yield ("Timeline: show every entry", "Clear the filter", lambda: self.set_filter(None))
        for kind in (EntryType.NOTE, EntryType.CALL, EntryType.EMAIL, EntryType.MEETING, EntryType.STAGE_CHANGE,
                     RunKind.AUTOMATION_RUN):
            yield (f"Timeline: only {kind_words(kind)}", "Filter the timeline", lambda k=kind: self.set_filter({k}))
        for spec in self.specs:
            if spec.editable:
                yield (f"Edit: {spec.label}", f"Change {spec.label.lower()} of {name}", lambda s=spec.key: self.edit_field(s))
        for card in self.cards:
            for stage in card.stages:
                if stage.id != card.stage_id:
                    yield (f"Move to: {stage.name}", f"{card.board_name}", lambda c=card.card_id, s=stage.id: self.move_to(c, s))
        for relation in self.relations:
            yield (f"Open: {relation.name}", f"{relation.group} · {relation.record_type.value}",
                   lambda r=relation: self.app.push_screen(RecordScreen(self.store, r.record_type, r.record_id)))
        if self.record_type == RecordType.DEAL:
            yield ("Deal: add a contact", "With a role (C)", self.action_add_contact)
        yield ("Record: back", "Return to where you came from (Esc)", self.action_back)

"""The audit log: who changed what, when — for the whole workspace or one record.

Newest first, a header per day, drawn with the line API (`AuditList`): the log grows without
bound, so it is read a page at a time and the next page is fetched when the cursor nears the end
of what is loaded. `f` filters by person, table and dates (a dialog that checks each field as it
is typed); Escape clears a filter, then goes back. The highlighted entry's whole diff shows
below the list; Enter opens the record it is about (contacts, companies and deals).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Input

from ..messages import StoreChanged
from ..models import RecordType
from ..models.dates import parse_human_date
from ..store import Store
from ..store.audit import AUDITED_TABLES
from ..store.audit_queries import AUDIT_PAGE, AuditFilter, AuditLine
from ..widgets.audit_list import REFERENCES, TABLE_LABELS, AuditItem, AuditList, actor_cell, actor_label, diff_block
from ..widgets.key_hints import KeyHints
from ..widgets.plain_text import PlainStatic
from ..widgets.safe_input import SafeInput
from ..widgets.status_line import StatusLine
from .dialog_base import Dialog, labelled

RECORD_TABLES = {"deals": RecordType.DEAL, "contacts": RecordType.CONTACT, "companies": RecordType.COMPANY}
NAMED_TABLES = ("boards", "board_stages", "custom_fields", "automations")


class AuditScreen(Screen[None]):
    TITLE = "Audit log"
    AUTO_FOCUS = "AuditList"
    BINDINGS = [
        Binding("escape", "back", "Back", id="audit.back"),
        Binding("k,up", "cursor(-1)", "Up", id="audit.up", show=False),
        Binding("j,down", "cursor(1)", "Down", id="audit.down", show=False),
        Binding("g,home", "cursor_to(0)", "First", id="audit.first", show=False),
        Binding("G,end", "cursor_to(-1)", "Last", id="audit.last", show=False),
        Binding("pageup", "page(-1)", "Page up", id="audit.page_up", show=False),
        Binding("pagedown", "page(1)", "Page down", id="audit.page_down", show=False),
        Binding("f", "filter", "Filter", id="audit.filter"),
        Binding("enter", "open_record", "Open record", id="audit.open"),
    ]

    def __init__(self, store: Store, *, record_id: str | None = None, record_name: str | None = None) -> None:
        super().__init__()
        self.store = store
        self.base = AuditFilter(record_id=record_id)
        self.filter = self.base
        self.record_name = record_name
        self.items: list[AuditItem] = []
        self.complete = False
        self._people: dict[str, str] = {}
        self._automations: dict[str, str] = {}  # id → name: a local automation is an entry's actor

    def compose(self) -> ComposeResult:
        yield PlainStatic("", id="audit-header")
        yield AuditList(id="audit-list")
        yield PlainStatic("", id="audit-detail")
        yield StatusLine(id="status")
        yield KeyHints()

    def on_mount(self) -> None:
        self.reload()

    @property
    def audit_list(self) -> AuditList:
        return self.query_one(AuditList)

    # -- loading ---------------------------------------------------------------------------

    def reload(self) -> None:
        current = self.audit_list.current
        self._people = {pid: p.full_name or p.email or "someone" for pid, p in self.store.profiles().items()}
        self._automations = self.store.automation_names()
        lines = self.store.audit_entries(self.filter, limit=AUDIT_PAGE)
        self.items = self._items(lines)
        self.complete = len(lines) < AUDIT_PAGE
        self.audit_list.empty_text = "No entries" + (" match the filter (Esc clears it)" if self.filter != self.base else "")
        self.audit_list.set_items(self.items, keep=current.seq if current else None)
        self._show_header()
        self._show_detail()
        self.query_one(StatusLine).context = "Audit log"

    def _more(self) -> None:
        if self.complete or not self.items:
            return
        last = self.items[-1]
        lines = self.store.audit_entries(self.filter, limit=AUDIT_PAGE, after=AuditLine(last.entry, last.seq))
        self.complete = len(lines) < AUDIT_PAGE
        self.items.extend(self._items(lines))
        current = self.audit_list.current
        self.audit_list.set_items(self.items, keep=current.seq if current else None)
        self._show_header()

    def _items(self, lines: list[AuditLine]) -> list[AuditItem]:
        records = [(RECORD_TABLES[line.entry.table_name], line.entry.record_id) for line in lines
                   if line.entry.table_name in RECORD_TABLES and line.entry.record_id]
        names = self.store.names_of(records)
        currencies = self.store.deal_currencies([rid for kind, rid in records if kind is RecordType.DEAL])
        labels = {table: tuple((d.key, d.name) for d in self.store.custom_field_defs(kind))
                  for table, kind in RECORD_TABLES.items()}
        referenced = self._referenced_names(lines)
        items = []
        for line in lines:
            entry = line.entry
            data = entry.new_data or entry.old_data or {}
            name = names.get(entry.record_id or "") or data.get("name") or data.get("title")
            record = str(name) if name else (f"#{entry.record_id[:8]}" if entry.record_id else "")
            actor = actor_label(entry.actor_id, self.store.user_id, self._people, self._automations)
            data_ids = {v for d in (entry.old_data or {}, entry.new_data or {})
                        for k, v in d.items() if k in REFERENCES and isinstance(v, str)}
            items.append(AuditItem(entry, line.seq, actor, record, currencies.get(entry.record_id or ""),
                                   labels.get(entry.table_name, ()),
                                   tuple((i, referenced[i]) for i in data_ids if i in referenced),
                                   actor_cell(entry.actor_id, self._automations)))
        return items

    def _referenced_names(self, lines: list[AuditLine]) -> dict[str, str]:
        """Names of the people, records, stages and boards the entries' columns point at."""
        records: list[tuple[RecordType, str]] = []
        for line in lines:
            for data in (line.entry.old_data or {}, line.entry.new_data or {}):
                for key, value in data.items():
                    kind = REFERENCES.get(key)
                    if not isinstance(value, str) or kind is None:
                        continue
                    if kind == "record":
                        kind = str(data.get("record_type") or "")
                    if kind in ("contact", "company", "deal"):
                        records.append((RecordType(kind), value))
        names = dict(self._people)
        names.update(self.store.names_of(records))
        for board in self.store.boards():  # an archived board's stages keep a short id
            names[board.id] = board.name
            names.update({stage.id: stage.name for stage in self.store.stages(board.id)})
        return names

    def _show_header(self) -> None:
        what = f"Audit history of {self.record_name}" if self.record_name else "Audit log"
        parts = [f"{what} — {len(self.items)}{'' if self.complete else '+'} entries, newest first"]
        f = self.filter
        if f.actor_id:
            parts.append(f"by {self._people.get(f.actor_id, 'someone')}")
        if f.table:
            parts.append(f"table {f.table}")
        if f.since:
            parts.append(f"from {f.since.isoformat()}")
        if f.until:
            parts.append(f"to {f.until.isoformat()}")
        self.query_one("#audit-header", PlainStatic).update(" · ".join(parts))

    def _show_detail(self) -> None:
        item = self.audit_list.current
        detail = self.query_one("#audit-detail", PlainStatic)
        if item is None:
            detail.update("")
            return
        e = item.entry
        kind = TABLE_LABELS.get(e.table_name, e.table_name)
        verb = {"insert": "created", "update": "changed", "delete": "deleted"}.get(e.action, e.action)
        head = f"{item.actor} {verb} {kind} {item.record} · {e.created_at:%d %b %Y %H:%M:%S} UTC"
        detail.update(head + "\n" + diff_block(e, item.currency, dict(item.labels), dict(item.names)))

    def on_store_changed(self, message: StoreChanged) -> None:
        if message.changes.touches("audit_log", "profiles"):
            self.reload()

    # -- keys ------------------------------------------------------------------------------

    def _moved(self) -> None:
        if self.audit_list.cursor >= len(self.audit_list.item_rows) - 5:
            self._more()
        self._show_detail()

    def action_cursor(self, delta: int) -> None:
        self.audit_list.move_cursor(delta)
        self._moved()

    def action_cursor_to(self, index: int) -> None:
        lst = self.audit_list
        lst.set_cursor(index if index >= 0 else len(lst.item_rows) - 1)
        self._moved()

    def action_page(self, direction: int) -> None:
        self.audit_list.page(direction)
        self._moved()

    def action_back(self) -> None:
        if self.filter != self.base:
            self.filter = self.base
            self.reload()
            return
        self.dismiss()

    def action_open_record(self) -> None:
        item = self.audit_list.current
        if item is None:
            return
        kind = RECORD_TABLES.get(item.entry.table_name)
        if kind is None or not item.entry.record_id:
            self.notify(f"A {TABLE_LABELS.get(item.entry.table_name, item.entry.table_name)} has no page to open",
                        severity="warning", timeout=4)
            return
        if not self.store.names_of([(kind, item.entry.record_id)]):
            self.notify("That record is not in this cache (deleted for good?)", severity="warning", timeout=4)
            return
        self.app.open_record(kind, item.entry.record_id)

    def action_filter(self) -> None:
        def chosen(result: AuditFilter | None) -> None:
            if result is not None:
                self.filter = replace(result, record_id=self.base.record_id)
                self.reload()

        self.app.push_screen(AuditFilterScreen(self.store, self.filter), chosen)


class AuditFilterScreen(Dialog[AuditFilter | None]):
    """Person, table and dates; each field is checked as it is typed and names what is wrong.
    On the Dialog base: Esc, ctrl+s, labelled fields and the lines that stay visible at 80x24."""

    CONFIRM_DISCARD = False  # a filter, nothing worth asking about

    def __init__(self, store: Store, current: AuditFilter) -> None:
        super().__init__("Filter the audit log", hint="Enter filters · Tab next field · Esc cancels")
        self.store = store
        self.current = current
        self.people = store.profiles()
        self.tables = sorted(AUDITED_TABLES | set(store.audit_tables()))

    def compose_body(self) -> ComposeResult:
        c = self.current
        person = self.people[c.actor_id].full_name if c.actor_id in self.people else ""
        yield labelled(SafeInput(value=person, placeholder="name, or 'me'; empty: anyone", id="audit-person"), "Person")
        yield labelled(SafeInput(value=c.table or "", placeholder="e.g. deals; empty: every table", id="audit-table"),
                       "Table")
        yield labelled(Input(value=c.since.isoformat() if c.since else "", placeholder="e.g. 2026-11-01, -7d",
                             id="audit-since"), "From date")
        yield labelled(Input(value=c.until.isoformat() if c.until else "", placeholder="empty: today",
                             id="audit-until"), "To date")

    def read(self) -> AuditFilter:
        """The filter typed; raises ValueError naming the field and the rule."""
        today = self.store.today()
        person = self.value("audit-person")
        actor = None
        if person:
            found = self.store.resolve_owner(person)
            if not found:
                raise ValueError(f"Person: nobody here is called {person!r}")
            if len(found) > 1:
                names = ", ".join(self.people[p].full_name for p in found[:3] if p in self.people)
                raise ValueError(f"Person: {person!r} matches {len(found)} people ({names}); type more of the name")
            actor = found[0]
        table = self.value("audit-table").lower() or None
        if table is not None and table not in self.tables:
            raise ValueError(f"Table: the log has no table {table!r} (one of: {', '.join(self.tables)})")
        dates: list[date | None] = []
        for field_id, label in (("audit-since", "From"), ("audit-until", "To")):
            text = self.value(field_id)
            if not text:
                dates.append(None)
                continue
            try:
                dates.append(parse_human_date(text, today))
            except ValueError as exc:
                raise ValueError(f"{label}: {exc}") from None
        since, until = dates
        if since and until and since > until:
            raise ValueError(f"To: {until.isoformat()} is before the from date {since.isoformat()}")
        return AuditFilter(actor_id=actor, table=table, since=since, until=until)

    @on(Input.Changed)
    def check(self) -> None:
        if not self.is_mounted:
            return
        self.show_read_problem()

    def submit(self) -> None:
        self.finish_read()

"""A record's page: its fields, relations and timeline (read-only view for now)."""

from __future__ import annotations

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from ..messages import StoreChanged
from ..models import RecordType
from ..models.records import FIELD_LABELS
from ..store import Store
from ..widgets.status_line import StatusLine


class RecordScreen(Screen[None]):
    TITLE = "Record"
    BINDINGS = [Binding("escape,backspace", "app.pop_screen", "Back", id="record.back")]

    def __init__(self, store: Store, record_type: RecordType, record_id: str) -> None:
        super().__init__()
        self.store = store
        self.record_type = RecordType(record_type)
        self.record_id = record_id

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="record-body"):
            yield Static(id="record-fields")
        yield StatusLine(id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.show()

    def on_store_changed(self, message: StoreChanged) -> None:
        if self.record_id in message.changes.ids(self.record_type.table):
            self.show()

    def show(self) -> None:
        record = self.store.record(self.record_type, self.record_id)
        table = Table(box=None, show_header=False, pad_edge=False)
        table.add_column(style="bold", no_wrap=True)
        table.add_column()
        for name, value in record.model_dump(exclude={"id", "workspace_id", "updated_at", "version", "custom_fields"}).items():
            table.add_row(FIELD_LABELS.get(name, name), "—" if value in (None, [], "") else str(value))
        self.query_one("#record-fields", Static).update(table)
        self.sub_title = record.name
        status = self.query_one(StatusLine)
        status.workspace = self.store.workspace_name()
        status.pending = self.store.pending_count()
        status.context = f"{self.record_type.label}: {record.name}"

"""The changes the server refused: each with its record, what it tried and the server's reason.

Opened with `!` (the status line names the key while anything failed) and from the palette.
Actions, on the entry under the cursor:

- `r` retry (`R` all): through the running engine (`SyncControl.retry`) which puts the entry
  back in the queue and pushes; with no engine (offline, or a workspace that is never synced)
  the store puts it back as pending (:func:`~..store.failed_changes.retry_failed`), to go with
  the next sync.
- `d` discard, after a confirmation, connected or not: the entry goes at once and the row is
  remembered for refetching (:func:`~..sync.push.discard`), so it returns to the server's
  version as soon as the server answers. Through the engine when one runs, else in the store
  (the next sync fetches the row).
- `Enter` opens the entry's record.

The list is read through the store (:mod:`..store.failed_changes`) in a worker and read again
when a commit touches the outbox, keeping the cursor on the same entry (or the one after it).
"""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from ..messages import StoreChanged
from ..safe_text import safe_line
from ..store import ReadOnlyCache, Store
from ..store.failed_changes import FailedChange, failed_changes, retry_failed
from ..sync.status import SyncState
from ..widgets.key_hints import KeyHints
from ..widgets.plain_text import PlainStatic
from ..widgets.status_line import StatusLine
from .dialog_base import Dialog

CONNECTED = (SyncState.LIVE, SyncState.SYNCING, SyncState.CONNECTING, SyncState.DOWNLOADING)


class ConfirmDiscard(Dialog[bool]):
    """"Discard N changes?" — y discards, n or Esc keeps them (Esc through the Dialog base)."""

    BINDINGS = [
        Binding("y", "answer(True)", "Discard", id="failed.confirm_yes"),
        Binding("n", "answer(False)", "Keep", id="failed.confirm_no"),
    ]
    CONFIRM_DISCARD = False

    def __init__(self, question: str) -> None:
        super().__init__(question, hint="y discards · n or Esc keeps it")
        self.question = question

    def compose_body(self) -> ComposeResult:
        yield PlainStatic("The record goes back to what the server has; your change is gone "
                          "(u cannot bring it back).")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)

    def submit(self) -> None:
        """ctrl+s is not a yes: only y discards."""
        self.show_error("Press y to discard, or n (or Esc) to keep the change")


class FailedChangesScreen(Screen[None]):
    TITLE = "Failed changes"
    AUTO_FOCUS = "#failed-list"

    DEFAULT_CSS = """
    FailedChangesScreen #failed-list { height: 1fr; }  /* the status line and keys stay at the bottom */
    """

    BINDINGS = [
        Binding("escape,backspace", "back", "Back", id="failed.back"),
        Binding("r", "retry", "Retry", id="failed.retry", tooltip="Send the change again"),
        Binding("R", "retry_all", "Retry all", id="failed.retry_all"),
        Binding("d", "discard", "Discard", id="failed.discard",
                tooltip="Drop the change; the record returns to the server's version"),
        Binding("enter", "open", "Open record", id="failed.open"),
        Binding("j", "cursor(1)", "Down", id="failed.down", show=False),
        Binding("k", "cursor(-1)", "Up", id="failed.up", show=False),
    ]

    def __init__(self, store: Store) -> None:
        super().__init__()
        self.store = store
        self.changes: list[FailedChange] = []
        self.loaded = False
        # The entry the cursor was on when `r`/`R` was pressed, and where the list last put the
        # cursor: a retried entry leaves the list (the one after it takes its place under the
        # cursor) and, refused again, comes back — then the cursor goes back to it, unless the
        # person moved on in between.
        self._retried: int | None = None
        self._placed: int | None = None

    def compose(self) -> ComposeResult:
        yield Static("", id="failed-header")
        yield OptionList(id="failed-list")
        yield StatusLine(id="status")
        yield KeyHints()

    def on_mount(self) -> None:
        self.query_one(StatusLine).context = "Failed changes"
        self.reload()

    @property
    def option_list(self) -> OptionList:
        return self.query_one("#failed-list", OptionList)

    @property
    def current(self) -> FailedChange | None:
        index = self.option_list.highlighted
        return self.changes[index] if index is not None and 0 <= index < len(self.changes) else None

    # -- loading ---------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="failed-load")
    def reload(self) -> None:
        changes = failed_changes(self.store)
        self.app.call_from_thread(self._show, changes)

    def _show(self, changes: list[FailedChange]) -> None:
        current, index = self.current, self.option_list.highlighted
        self.changes = changes
        option_list = self.option_list
        option_list.clear_options()
        option_list.add_options([Option(_entry_text(c), id=str(c.seq)) for c in changes])
        if changes:
            seqs = [c.seq for c in changes]
            moved_on = current is not None and current.seq != self._placed
            if self._retried in seqs and not moved_on:
                option_list.highlighted = seqs.index(self._retried)
            elif current is not None and current.seq in seqs:
                option_list.highlighted = seqs.index(current.seq)
            else:  # the entry left the list: the cursor stays at its place
                option_list.highlighted = min(index or 0, len(changes) - 1)
            if moved_on:
                self._retried = None
            self._placed = seqs[option_list.highlighted]
        else:
            self._placed = None
        header = self.query_one("#failed-header", Static)
        if changes:
            count = len(changes)
            header.update(Text(
                f"{count} change{'s' if count != 1 else ''} the server refused. Each waits here, kept, "
                "until you retry or discard it.", style="bold"))
        else:
            header.update(Text("No failed changes: everything you changed was accepted or is on its way.",
                               style="bold"))
        self.loaded = True

    def on_store_changed(self, message: StoreChanged) -> None:
        if message.changes.touches("outbox"):
            self.reload()

    # -- actions ---------------------------------------------------------------------------

    def _connected(self) -> bool:
        status = getattr(self.app, "app_status", None)
        return status is not None and status.sync.state in CONNECTED

    def action_cursor(self, delta: int) -> None:
        if self.changes:
            index = self.option_list.highlighted or 0
            self.option_list.highlighted = max(0, min(len(self.changes) - 1, index + delta))

    def action_back(self) -> None:
        self.dismiss(None)

    def action_retry(self) -> None:
        if self.current is not None:
            self._retry([self.current])

    def action_retry_all(self) -> None:
        if self.changes:
            self._retry(self.changes)

    def _retry(self, changes: list[FailedChange]) -> None:
        seqs = [c.seq for c in changes]
        self._retried = self._placed = self.current.seq if self.current is not None else None
        what = f"{len(seqs)} change{'s' if len(seqs) != 1 else ''}"
        control = getattr(self.app, "sync_control", None)
        if control is not None:
            control.retry(seqs)  # returns at once; the engine re-queues and pushes
            self.notify(f"Retrying {what}", timeout=3)
            return
        try:
            retry_failed(self.store, seqs)
        except ReadOnlyCache as exc:
            self.notify(str(exc), severity="error", timeout=8)
            return
        self.notify(f"{what.capitalize()} back in the queue: sent at the next sync", timeout=4)

    def action_discard(self) -> None:
        change = self.current
        if change is None:
            return
        control = getattr(self.app, "sync_control", None)
        when = "" if self._connected() else " when the server answers"

        def answered(yes: bool | None) -> None:
            if not yes:
                return
            if control is not None:
                control.discard([change.seq])  # returns at once; works offline too
            else:
                from ..sync.push import discard  # the network stack only when it is needed

                try:
                    discard(self.store, [change.seq])
                except ReadOnlyCache as exc:
                    self.notify(str(exc), severity="error", timeout=8)
                    return
            self.notify(f"Discarded: {safe_line(change.name)} returns to the server's version{when}", timeout=4)

        # What it tried too: one save parks several entries of the same record (the card, the
        # deal's stage, the timeline entry), and the name alone does not tell them apart.
        question = f"Discard this change to {safe_line(change.name)} ({safe_line(change.tried)})?"
        self.app.push_screen(ConfirmDiscard(question), answered)

    def action_open(self) -> None:
        change = self.current
        if change is None:
            return
        if change.record_type is None or change.record_id is None:
            self.notify("This change belongs to no record that can be opened", severity="warning", timeout=4)
            return
        if self.store.record_name(change.record_type, change.record_id) is None:
            self.notify(f"The {change.record_type.value} is no longer here (deleted)", severity="warning", timeout=4)
            return
        self.app.open_record(change.record_type, change.record_id)

    @on(OptionList.OptionSelected, "#failed-list")
    def _chosen(self) -> None:
        self.action_open()

    def palette_commands(self):
        yield ("Failed changes: retry all", "Send every refused change again (R)", self.action_retry_all)


def _entry_text(change: FailedChange) -> Text:
    """Two lines: the record and what it tried; the server's reason. All of it data: made safe."""
    text = Text()
    text.append(f"{change.kind.capitalize()} ", style="dim")
    text.append(safe_line(change.name), style="bold")
    text.append(f" — {safe_line(change.tried)}")
    text.append("\n  refused: ", style="dim")
    text.append(safe_line(change.reason))
    if change.attempts > 1:
        text.append(f"  ({change.attempts} tries)", style="dim")
    return text

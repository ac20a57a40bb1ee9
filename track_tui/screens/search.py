"""The search panel: one box, results after every keystroke, Enter opens the record.

A modal over the screen it was opened from (`/` where the screen has no `/` of its own, `ctrl+f`
anywhere, or the palette's "Search records"). Each keystroke starts an exclusive thread worker;
the store's search is fast enough that no debounce is needed, and a result that arrives for text
the person has already changed is dropped. Opening a record pushes its page over the panel, so
Back returns to the same results with the cursor on the same hit; Escape closes the panel.
"""

from __future__ import annotations

import time
from typing import Iterable

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from ..messages import StoreChanged
from ..remote_news import Subject
from ..store import Store
from ..store.search import SearchResults
from ..widgets.plain_text import PlainLabel
from ..widgets.safe_input import SafeInput
from ..widgets.search_results import SearchResultsList

PLACEHOLDER = "Search names, emails, domains, tags, notes…"
HINT = "type:deal owner:me tag:vip stage:proposal · ↑↓ · Enter opens · Esc closes"


class SearchScreen(ModalScreen[None]):
    TITLE = "Search"
    AUTO_FOCUS = "#search-input"

    BINDINGS = [
        Binding("escape", "close", "Close", id="search.close"),
        Binding("down,ctrl+n", "cursor(1)", "Next", id="search.next", show=False),
        Binding("up,ctrl+p", "cursor(-1)", "Previous", id="search.prev", show=False),
        Binding("pagedown", "page(1)", "Page down", id="search.page_down", show=False),
        Binding("pageup", "page(-1)", "Page up", id="search.page_up", show=False),
    ]

    def __init__(self, store: Store, query: str = "") -> None:
        super().__init__()
        self.store = store
        self.initial = query
        self.results: SearchResults | None = None
        self.searched = ""  # the text of the results on screen

    def compose(self) -> ComposeResult:
        with Vertical(id="search-panel"):
            yield SafeInput(value=self.initial, placeholder=PLACEHOLDER, id="search-input")
            yield PlainLabel("", id="search-status")  # names typo corrections from the data
            yield SearchResultsList(id="search-results")
            yield Static(HINT, id="search-hint")

    def on_mount(self) -> None:
        self.warm()
        self.results_list.clear("Start typing to search contacts, companies and deals.")
        if self.initial:
            self.run_search(self.initial)

    @property
    def results_list(self) -> SearchResultsList:
        return self.query_one(SearchResultsList)

    @property
    def input(self) -> Input:
        return self.query_one("#search-input", Input)

    def focus_input(self) -> None:
        self.input.focus()

    def on_screen_resume(self) -> None:
        self.input.focus()

    # -- searching -------------------------------------------------------------------------

    @work(thread=True, group="search-warm")
    def warm(self) -> None:
        self.store.warm_search()

    @on(Input.Changed, "#search-input")
    def _typed(self, event: Input.Changed) -> None:
        self.run_search(event.value)

    def run_search(self, text: str, keep: tuple[str, str | None] | None = None) -> None:
        if not text.strip():
            self.results, self.searched = None, ""
            self.query_one("#search-status", Label).update("")
            self.results_list.clear("Start typing to search contacts, companies and deals.")
            return
        self._search(text, keep)

    @work(thread=True, exclusive=True, group="search")
    def _search(self, text: str, keep: tuple[str, str | None] | None) -> None:
        started = time.perf_counter()
        results = self.store.search(text)
        elapsed = (time.perf_counter() - started) * 1000
        self.app.call_from_thread(self._show, text, results, elapsed, keep)

    def _show(self, text: str, results: SearchResults, elapsed: float, keep: tuple[str, str | None] | None) -> None:
        if text != self.input.value:
            return  # typing went on; a newer search is on its way
        self.results, self.searched = results, text
        status = self.query_one("#search-status", Label)
        query = results.query
        if query.errors:
            status.update("; ".join(query.errors))
            status.set_class(True, "-error")
        else:
            status.set_class(False, "-error")
            status.update(describe(results))
        status.tooltip = f"{elapsed:.1f} ms"
        if results.hits:
            self.results_list.set_results(results, keep=keep)
        else:
            self.results_list.clear(f"Nothing matches {query.text!r}." if query.text else "Nothing matches these filters.")

    def remote_subjects(self, changes) -> Iterable[Subject]:
        """The records among the results that a teammate's change touched (news_notifier.py)."""
        for hit in self.results.hits if self.results is not None else ():
            table = hit.record_type.table
            if hit.record_id in changes.ids(table):
                yield Subject(table, hit.record_id, name=hit.name)

    def on_store_changed(self, message: StoreChanged) -> None:
        if self.searched and message.changes.touches("contacts", "companies", "deals", "timeline_entries"):
            current = self.results_list.current
            self.run_search(self.input.value, keep=(current.record_id, current.entry_id) if current else None)

    # -- keys ------------------------------------------------------------------------------

    def action_cursor(self, delta: int) -> None:
        self.results_list.move_cursor(delta)

    def action_page(self, direction: int) -> None:
        self.results_list.page(direction)

    def action_close(self) -> None:
        self.dismiss(None)

    @on(Input.Submitted, "#search-input")
    def _submitted(self) -> None:
        self.open_current()

    @on(SearchResultsList.Chosen)
    def _clicked(self) -> None:
        self.open_current()

    def open_current(self) -> None:
        hit = self.results_list.current
        if hit is None:
            return
        self.app.open_record(hit.record_type, hit.record_id)

    # -- export (screens/export_actions.py) -------------------------------------------------

    def palette_commands(self):
        from ..transfer.screen_tables import search_table
        from .export_actions import copy_table, export_to_file

        if self.results is not None and self.results.hits:
            hits = lambda: search_table(self.results.hits if self.results else [])  # noqa: E731
            yield ("Search: export the results to a file", "CSV, JSON or Markdown, best first",
                   lambda: export_to_file(self, hits, "results", "search-results"))
            yield ("Search: copy the results to the clipboard", "As CSV, best first",
                   lambda: copy_table(self, hits(), "results"))


def describe(results: SearchResults) -> str:
    """The status line above the results: how many, and any typo corrections used."""
    count = len(results.hits)
    if count == 0:
        text = "No results"
    else:
        text = f"{count}{'+' if results.limited else ''} result{'s' if count != 1 else ''}"
    if results.corrections:
        fixes = ", ".join(f"{word} → {alts[0]}…" for word, alts in results.corrections.items())
        text += f" · close matches for {fixes}"
    filters = [
        f"type:{results.query.record_type.value}" if results.query.record_type else "",
        f"owner:{results.query.owner}" if results.query.owner else "",
        f"tag:{results.query.tag}" if results.query.tag else "",
        f"stage:{results.query.stage}" if results.query.stage else "",
    ]
    active = " ".join(f for f in filters if f)
    if active:
        text += f" · {active}"
    return text

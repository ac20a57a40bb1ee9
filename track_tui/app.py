"""The Textual application: screens, global keys, command palette, store announcements.

Kept thin: screens do their own work; the app wires the store to them and owns what is global.
"""

from __future__ import annotations

import asyncio
import gc
import threading
import time
from pathlib import Path
from typing import Callable, Iterable

from textual import events, work
from textual.app import SystemCommand
from textual.binding import Binding
from textual.notifications import SeverityLevel
from textual.screen import Screen

from . import signals
from . import theme_choice
from . import terminal_guard  # noqa: F401  (no control character reaches the terminal)
from . import textual_fixes  # noqa: F401  (applies work-arounds before any widget exists)
from .app_commands import app_commands
from .app_navigation import ScreenNavigation
from .app_undo import UndoActions
from .config import Settings
from .error_boundary import ErrorBoundary
from .key_gate import KeyGate, is_terminal_input
from .messages import StoreChanged, SyncStatusChanged, WriteStatus
from .safe_text import safe_block, safe_line
from .news_notifier import NewsNotifier
from .status_keeper import StatusKeeper
from .status_words import AppStatus
from .store import Action, ChangeSet, Store, WriteEvent
from .sync.status import SyncControl, SyncStatus
from .widgets import type_to_jump

STYLES = Path(__file__).resolve().parent / "styles"  # package data (see pyproject.toml)
INTEGRITY_CHECK_DELAY = 2.0  # seconds after start-up
SETTLED_AFTER = 0.1  # seconds without a layout pass after which the first screen counts as drawn
SETTLE_AT_MOST = 2.0  # seconds; start-up's deferred work begins by then whatever the screen does
SCHEDULED_AUTOMATIONS_EVERY = 600.0  # seconds between runs of "N days in stage" / "due date" rules


class TrackApp(ScreenNavigation, UndoActions, ErrorBoundary):
    TITLE = "Track"
    CSS_PATH = [STYLES / f"{name}.tcss" for name in ("base", "board", "record", "inbox", "search", "admin")]
    ENABLE_COMMAND_PALETTE = True

    BINDINGS = [
        Binding("question_mark", "help", "Help", id="app.help"),
        Binding("q", "quit", "Quit", id="app.quit", show=False),
        Binding("ctrl+c", "quit", "Quit", id="app.quit_ctrl", show=False, priority=True),
        Binding("i", "inbox", "My work", id="app.inbox"),
        Binding("ctrl+f", "search", "Search", id="app.search"),
        Binding("slash", "search", "Search", id="app.search_slash", show=False),  # where a screen has no / of its own
        Binding("A", "automations", "Automations", id="app.automations", show=False),
        Binding("ctrl+l", "audit_log", "Audit log", id="app.audit", show=False),
        Binding("W", "workspace_admin", "Workspace settings", id="app.workspace_admin", show=False),
        Binding("w", "switch_workspace", "Workspace", id="app.workspace", show=False),
        Binding("u", "undo", "Undo", id="app.undo", show=False, tooltip="Take back your last change (several levels)"),
        Binding("U", "redo", "Redo", id="app.redo", show=False, tooltip="Do again what u took back"),
        Binding("exclamation_mark", "failed_changes", "Failed changes", id="app.failed_changes", show=False,
                tooltip="Changes the server refused: retry, discard or open their records"),
    ]

    def __init__(self, store: Store | None, settings: Settings | None = None, *, title: str | None = None,
                 account=None, theme_file: Path | None = None) -> None:
        """`store` None with an `account` (a configured Supabase project): sign in and pick a
        workspace first (:mod:`.account_flow`). `theme_file`: where the theme picked in the
        palette is remembered (:mod:`.theme_choice`); None (tests) remembers nothing."""
        super().__init__()
        self.store = store
        self.settings = settings or Settings()
        self.theme_file = theme_file
        if title:
            self.title = title
        self.write_wait = ""  # what status lines say while writes wait for another process
        self._quit_anyway = False
        self._unsubscribe: Callable[[], None] = lambda: None  # undoes _attach_store
        self._closed_stores: list[Store] = []
        self.account_flow = None
        self.status_keeper = StatusKeeper(self, local_only=account is None)
        self.news = NewsNotifier(self)  # other people's changes to what is on screen
        self.sync_control: SyncControl | None = None  # the running sync engine (see sync_wiring.py)
        if account is not None:
            from .account_flow import AccountFlow

            self.account_flow = AccountFlow(self, account)
        self.sync_wiring = None  # runs the engine for a project's workspace (sync_wiring.py)
        if account is not None:
            from .sync_wiring import SyncWiring, engine_factory

            self.sync_wiring = SyncWiring(self, account.runtime.submit, engine_factory(account.project, account.runtime))
        self._restore_signals: Callable[[], None] = lambda: None
        self.key_gate = KeyGate(self)  # keys of one burst, one at a time (key_gate.py)

    def on_mount(self) -> None:
        self._restore_signals = signals.route_to_loop(asyncio.get_running_loop(), self._end_by_signal)
        self.theme = theme_choice.starting_theme(self.theme_file, self.settings.theme, self.available_themes)
        self._theme_changed(self.current_theme, remember=False)
        self.set_class(self.no_color, "-no-color")  # cursors told by colour alone get reversed (base.tcss)
        self.theme_changed_signal.subscribe(self, self._theme_changed)
        if self.settings.keymap:
            self.set_keymap(self.settings.keymap)  # checked against every screen's bindings too
        if self.store is None:
            assert self.account_flow is not None, "TrackApp needs a store or an account"
            self.account_flow.start()
            return
        self._attach_store(self.store)
        self._show_workspace()
        if self.account_flow is not None:
            self.run_worker(self.account_flow.check_session(), group="session-check")

    def _show_workspace(self) -> None:
        from .screens.board import BoardScreen

        assert self.store is not None
        if self.account_flow is not None and not self.store.boards():  # not downloaded yet
            from .screens.empty_workspace import EmptyWorkspaceScreen

            self.push_screen(EmptyWorkspaceScreen(self.store))
        else:
            self.push_screen(BoardScreen(self.store, stale_days=self.settings.stale_days))
        # Reading every page of a big cache takes a while: let the first screen settle first.
        self.set_timer(INTEGRITY_CHECK_DELAY, self.check_cache)
        if self.store.standalone:  # no server runs the clock's automations: this app does
            self.set_timer(INTEGRITY_CHECK_DELAY, self.run_scheduled_automations)
            self.set_interval(SCHEDULED_AUTOMATIONS_EVERY, self.run_scheduled_automations)
        if not self.store.can(Action.EDIT_RECORDS):
            self.notify(f"{self.store.not_allowed(Action.EDIT_RECORDS)} Until then you can read everything.",
                        title="Read only", timeout=8)

    # -- workspaces (a configured Supabase project) -----------------------------------------

    def open_workspace(self, store: Store) -> None:
        """Show `store`'s workspace in place of whatever is open. The previous store stays open
        until the app ends: workers of the screens just removed may still be reading it."""
        while len(self.screen_stack) > 1:
            self.pop_screen()
        self._unsubscribe()
        if self.store is not None and self.store is not store:
            self._closed_stores.append(self.store)
        self.store = store
        self._attach_store(store)
        self._show_workspace()

    def _attach_store(self, store: Store) -> None:
        """Wire a store to the app (on the UI thread): its announcements become messages, its
        writes from this thread never wait long for another process, and other processes'
        commits to the cache are noticed and shown."""
        self.status_keeper.attach(store)
        unsubscribe_changes = store.subscribe(self._store_changed)
        unsubscribe_writes = store.subscribe_writes(self._write_status)
        store.set_interactive_thread()
        store.watch_other_writers()
        wiring = self.sync_wiring
        if wiring is not None and self.account_flow.account.stored_session() is not None:
            wiring.start(store)  # a project's workspace with a session: keep it in step

        def detach() -> None:
            unsubscribe_changes()
            unsubscribe_writes()
            store.stop_watching()
            if wiring is not None:
                wiring.stop()

        self._unsubscribe = detach

    def cannot_open(self, why: str) -> None:
        from .screens.notice import NoticeScreen

        self.push_screen(NoticeScreen("The workspace cannot be opened", why))

    def can(self, action: Action) -> bool:
        """May the signed-in person take `action` here? (Screens ask before offering admin-only
        actions; the store itself refuses every edit of a viewer.)"""
        return self.store is None or self.store.can(action)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """`w` exists only with a Supabase project (the demo has one workspace)."""
        if action == "switch_workspace":
            return self.account_flow is not None
        return super().check_action(action, parameters)

    def action_switch_workspace(self) -> None:
        from textual.screen import ModalScreen

        # Not over a dialog, nor before a workspace is open (sign-in leads to the picker itself).
        if self.account_flow is not None and self.store is not None and not isinstance(self.screen, ModalScreen):
            self.account_flow.switch()

    def on_board_screen_first_drawn(self) -> None:
        """The cards are on screen: once the board's last start-up frames are drawn too, do
        what start-up put off. Those frames (the columns' scrollbars appear, a layout pass, then
        their thumbs) come right after the cards; begun beside them, the warm-up's work and the
        collection after it held them back by tens of milliseconds, more on a busy machine."""
        self._when_laid_out(self.screen, self.warm_models)

    def _when_laid_out(self, screen: Screen, callback: Callable[[], object]) -> None:
        """Call `callback` once `screen` has gone `SETTLED_AFTER` seconds without laying itself
        out again (or `SETTLE_AT_MOST` seconds have passed, for a screen that never rests).
        Nothing while the app is ending: a signal cannot be subscribed to by an app no longer
        running (a board drawn just as the app quit raised SignalError here)."""
        if self._exit or not self.is_running:
            return
        started = time.monotonic()

        def relaid(_screen: Screen) -> None:
            if time.monotonic() - started < SETTLE_AT_MOST:
                quiet.reset()

        def settled() -> None:
            screen.screen_layout_refresh_signal.unsubscribe(self)
            if not self._exit and self.screen_stack:  # not while the app is ending
                callback()

        quiet = self.set_timer(SETTLED_AFTER, settled)
        screen.screen_layout_refresh_signal.subscribe(self, relaid, immediate=True)

    @work(thread=True, exclusive=True, group="warm-up")
    def warm_models(self) -> None:
        """Build the validators that start-up deferred (models/deferred.py), before the first
        key needs one (the first card move otherwise pays ~50 ms for the timeline and card
        models), and load the board's dialogs, which start-up does not import."""
        from .models.deferred import build_deferred
        from .screens import dialogs  # noqa: F401

        build_deferred()
        self.call_from_thread(self._freeze_startup_objects)

    def _freeze_startup_objects(self) -> None:
        """Move everything alive after start-up (modules, classes, styles: ~100k objects) out
        of the garbage collector's sight. Full collections then scan only what screens make
        since, instead of pausing a draw for tens of milliseconds every few seconds."""
        gc.collect()
        gc.freeze()

    @work(thread=True, exclusive=True, group="integrity")
    def check_cache(self) -> None:
        """Read the whole cache once, after the first screen is up, to catch damaged pages."""
        problem = self.store.integrity_problem()
        if problem is not None:
            self.call_from_thread(self._cache_damaged, problem)

    @work(thread=True, exclusive=True, group="scheduled-automations")
    def run_scheduled_automations(self) -> None:
        """The local runner's clock triggers (store/automation_runner.py), off the UI thread."""
        from .store import CacheBusy, InvalidInput, NotFound

        store = self.store
        if store is None or not store.standalone:
            return
        try:
            store.run_scheduled_automations()
        except (CacheBusy, InvalidInput, NotFound):
            return  # tried again at the next interval

    def _show_notices(self) -> None:
        """The local runner's notify actions for this person, as notifications."""
        store = self.store
        if store is None:
            return
        me = store.user_id
        grouped: dict[tuple[str, str], int] = {}  # a sweep may notify about many records at once
        for notice in store.take_notices():
            if notice.user_id in (None, me):
                key = (notice.automation, notice.message)
                grouped[key] = grouped.get(key, 0) + 1
        for (automation, message), count in grouped.items():
            self.notify(message if count == 1 else f"{message} ({count} records)", title=f"Automation: {automation}",
                        timeout=8)

    def _cache_damaged(self, problem: str) -> None:
        from .screens.notice import NoticeScreen

        self.push_screen(NoticeScreen(
            "The local cache is damaged",
            f"{self.store.path} has damaged pages ({problem}). What you see may be incomplete and "
            "new changes may fail to save.\n\nQuit, then start again with `track --rebuild-cache` "
            "to move the file aside and build a fresh cache.",
        ))

    def _end_by_signal(self, signum: int) -> None:
        """SIGTERM, SIGHUP, SIGQUIT, SIGINT: leave as `q` does (the terminal restored, the
        store closed by whoever opened it), with the exit status a shell expects."""
        self.exit(return_code=signals.exit_status(signum))

    def on_unmount(self) -> None:
        self._restore_signals()
        self._unsubscribe()
        self._unsubscribe()
        if self.store is not None:
            self.store.interrupt_checks()
        for old in self._closed_stores:
            old.close()

    def _theme_changed(self, theme, *, remember: bool = True) -> None:
        """ANSI themes cannot blend colours (a 35% tint is the solid colour), so the CSS draws
        cursors there differently (`.-ansi-theme` rules); a theme picked now is remembered."""
        self.set_class(theme.ansi, "-ansi-theme")
        if remember and self.theme_file is not None:
            from .sync.private_file import PrivateFileError

            try:
                theme_choice.remember(self.theme_file, theme.name, self.settings.theme)
            except PrivateFileError as exc:
                self.notify(f"The theme is used now but will not be remembered: {exc}", severity="warning", timeout=8)

    def get_theme(self, theme_name: str):  # type: ignore[override]
        """Textual looks the theme up for every drawn line (through `ansi_theme`), and its own
        version copies the table of all registered themes each time: a tenth of a record
        page's draw time here. Same answer, without the copy."""
        if "," not in theme_name:
            return self._registered_themes.get(theme_name.strip())
        return super().get_theme(theme_name)

    # -- store announcements ---------------------------------------------------------------

    def _store_changed(self, changes: ChangeSet) -> None:
        """Called by the store after every commit, on the committing thread, with every lock
        released. Never blocks: from another thread the news travels as a message."""
        if threading.get_ident() == self._thread_id:
            self._broadcast(changes)
        else:
            self.post_message(StoreChanged(changes))

    def on_store_changed(self, message: StoreChanged) -> None:
        self._broadcast(message.changes)

    def _broadcast(self, changes: ChangeSet) -> None:
        """Every screen of ours hears of it. Textual's own default screen (at the bottom of the
        stack) is left out: it has nothing to update, and any message it handles makes it mark
        itself dirty and repaint the whole screen above it (Textual re-dirties a background
        screen after passing its dirty regions up), ~18 KB to the terminal per card move."""
        self.status_keeper.store_changed(self.store, changes)
        self.news.heard(changes)  # before the screens re-read: a deleted row's name is still shown
        self._show_notices()
        for screen in self.screen_stack:
            if type(screen) is not Screen:
                screen.post_message(StoreChanged(changes))

    def _write_status(self, event: WriteEvent) -> None:
        """The store's background writer reports (from its thread)."""
        self.post_message(WriteStatus(event))

    def on_write_status(self, message: WriteStatus) -> None:
        event = message.event
        unsaved = len(self.store.unsaved_writes)
        if event.queued:
            changes = f"{event.queued} change{'s' if event.queued != 1 else ''}"
            waited = f", {event.waited:.0f} s" if event.waited >= 1 else ""
            self.write_wait = f"waiting for another process ({changes}{waited})"
        elif unsaved:  # kept until retried: never "all changes saved" meanwhile
            self.write_wait = f"{unsaved} change{'s' if unsaved != 1 else ''} not saved — palette: Retry unsaved changes"
        else:
            self.write_wait = ""
        self.status_keeper.waiting_changed(self.write_wait)
        if event.kind == "saved" and not event.queued:
            self.notify("Saved: the other process released the cache", timeout=3)
        elif event.kind == "failed":
            retry = " — command palette: Retry unsaved changes" if event.retryable else ""
            self.notify(f"Not saved: {event.label} ({event.reason}){retry}", severity="error", timeout=10)

    # -- sync ------------------------------------------------------------------------------

    @property
    def app_status(self) -> AppStatus:
        """What every status line shows besides its screen's context (status_keeper.py)."""
        return self.status_keeper.status

    def set_sync_status(self, status: SyncStatus) -> None:
        """The engine's news, from any thread (never blocks)."""
        if threading.get_ident() == self._thread_id:
            self.status_keeper.sync_changed(status, self.store)
        else:
            self.post_message(SyncStatusChanged(status))

    def on_sync_status_changed(self, message: SyncStatusChanged) -> None:
        self.status_keeper.sync_changed(message.status, self.store)

    async def on_event(self, event: events.Event) -> None:
        """Terminal input goes through the key gate: a key that arrives while the one before
        it is still opening a screen or moving focus waits, so it lands where it would have
        landed if typed slowly (see key_gate.py)."""
        if not is_terminal_input(event):
            await super().on_event(event)
            return
        if self.key_gate.hold(event):
            return
        try:
            await super().on_event(event)
        finally:
            self.key_gate.handed_on()

    def on_key(self, event: events.Key) -> None:
        """Runs before the app looks the key up in bindings: a letter typed in a dialog's
        option list jumps to the option it starts (widgets/type_to_jump.py)."""
        if type_to_jump.handle_key(event, self.focused):
            event.stop()
            event.prevent_default()

    async def action_quit(self) -> None:
        """Quit — but not silently while a change still waits for another process, and never
        from a dialog (ctrl+c there copies, or the dialog says how to leave: nothing typed is lost)."""
        from textual.actions import SkipAction

        from .screens.dialog_base import Dialog

        if isinstance(self.screen, Dialog) and self.screen.blocks_quit:
            raise SkipAction()
        store = self.store
        waiting = store.queued_writes + len(store.unsaved_writes) if store is not None else 0
        if waiting and not self._quit_anyway:
            self._quit_anyway = True
            self.notify(
                f"{waiting} change{'s' if waiting != 1 else ''} not saved yet: another process holds the "
                "cache. Quit again to leave without saving them.", severity="warning", timeout=8,
            )
            return
        await super().action_quit()

    def notify(self, message: str, *, title: str = "", severity: SeverityLevel = "information",
               timeout: float | None = None, markup: bool = False) -> None:
        """Every notification (screens' and widgets' `notify` land here) shows its text as
        text: names in a message are the data's, so they are made safe and never read as
        markup, whatever `markup` says (widgets pass True by default; a name like "[/]" would
        end the app, "[@click=…]" would make it a button)."""
        message, title = safe_block(message), safe_line(title)
        if timeout is None:
            super().notify(message, title=title, severity=severity, markup=False)
        else:
            super().notify(message, title=title, severity=severity, timeout=timeout, markup=False)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """Ours (app_commands.py), then Textual's, without its "Keys": "Help: keys" is ours."""
        yield from app_commands(self, screen)
        for command in super().get_system_commands(screen):
            if command.title != "Keys":  # Textual's key panel; ours shows the live keys
                yield command

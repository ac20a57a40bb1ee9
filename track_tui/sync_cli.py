"""`track sync` and `track sync --watch`: the sync engine without the TUI.

`track sync` runs one round (the first download when the cache has not finished one, then push,
then pull) and exits; `--watch` stays connected, printing one line per batch of changes applied,
until SIGINT or SIGTERM, then stops cleanly (the round in flight is cancelled: every page and
every acknowledged push is committed with its cursor or its outbox entry, so nothing is lost or
sent twice). Errors end with ONE line on standard error. Exit codes (the account commands' codes,
plus the engine's):

====  ===========================================================================
code  meaning
====  ===========================================================================
0     in step: nothing waiting, nothing refused (`--watch`: stopped by a signal)
1     not signed in, no project configured, or the session ended (sign in again)
6     the project cannot be reached (or keeps failing: 5xx, rate limited); edits stay queued
7     the project answered with an error that is not about one change
8     a local file problem (no workspace chosen yet, damaged cache, cache of another account)
9     some local changes were refused by the server and are parked (`track status --json`)
10    you are no longer a member of this workspace
130   one round interrupted (Ctrl-C, SIGTERM): pages and acknowledged uploads are kept
====  ===========================================================================

A first download shows a rich progress bar on standard error when it is a terminal.
"""

from __future__ import annotations

import argparse
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import account_cli, signals
from .account_cli import (
    EXIT_INTERRUPTED, EXIT_LOCAL_FILE, EXIT_NOT_SIGNED_IN, EXIT_OK, EXIT_SERVER, EXIT_UNREACHABLE, CommandFailed,
)

if TYPE_CHECKING:
    from .config import Settings

EXIT_FAILED_CHANGES = 9
EXIT_NO_ACCESS = 10
COMMANDS = ("sync",)


def register(commands: argparse._SubParsersAction) -> None:
    sync = commands.add_parser(
        "sync", help="bring the workspace cache in step with your Supabase project (one round, or --watch)",
        description="Upload the changes made here, then download what changed on the server. Exit "
        "status 0 means in step; otherwise one line on standard error says why.")
    sync.add_argument("--watch", action="store_true",
                      help="stay connected and print one line per batch of changes (stop with Ctrl-C)")


def run(args: argparse.Namespace, settings: "Settings", config_path: Path) -> int:
    from .sync.runtime import Runtime

    runtime = Runtime()
    store = printer = None
    try:
        store, engine, printer = _open(settings, runtime, watch=args.watch)
        try:
            return _watch(runtime, engine) if args.watch else _once(runtime, engine)
        finally:
            printer.close()
            engine.close()
    except CommandFailed as exc:
        print(f"track sync: {exc}", file=sys.stderr)
        return exc.code
    except (KeyboardInterrupt, signals.Terminated):  # one round stopped by Ctrl-C or SIGTERM
        print("track sync: interrupted; what was saved is kept, your changes stay queued", file=sys.stderr)
        return EXIT_INTERRUPTED
    finally:
        runtime.close()
        if store is not None:
            store.close()


# -- opening the cache and the engine --------------------------------------------------------------


def _open(settings: "Settings", runtime: Any, *, watch: bool):
    from .store import CacheError, Store
    from .sync import workspace_cache as wc
    from .sync.account import Account
    from .sync.engine import SyncEngine

    project = settings.project
    if project is None:
        raise CommandFailed(EXIT_NOT_SIGNED_IN, "no Supabase project is configured: run `track login` first")
    account = Account(project, runtime)
    who = account_cli._network(runtime, account.signed_in())
    if who is None:
        raise CommandFailed(EXIT_NOT_SIGNED_IN, f"not signed in to {project.url}: run `track login`")
    workspace_id = wc.remembered_workspace(project, who.user_id)
    path = wc.cache_path(project, workspace_id) if workspace_id else None
    try:
        if workspace_id is None or not path.exists():
            choices = account_cli._network(runtime, account.workspaces(who.user_id))
            choice = next((c for c in choices if c.id == workspace_id), None) or wc.default_choice(project, who, choices)
            if choice is None:
                raise CommandFailed(EXIT_LOCAL_FILE, "no workspace chosen yet: run `track login --workspace NAME`")
            profile = account_cli._network(runtime, account.profile(who.user_id))
            store = wc.open_workspace_cache(project, who, choice, profile)
            wc.remember_workspace(project, who.user_id, choice.id)
            workspace_id = choice.id
        else:
            store = Store(path)
            if store.get_meta("workspace_id") != workspace_id:
                store.close()
                raise CommandFailed(EXIT_LOCAL_FILE, f"{path} holds another workspace's data; move it away")
            if store.get_meta("user_id") not in (None, who.user_id):
                if store.pending_count():
                    store.close()
                    raise CommandFailed(EXIT_LOCAL_FILE, f"{path} holds changes another account made here that "
                                        "were never uploaded; sign in as that account to send them")
                store.set_meta("user_id", who.user_id)
    except (CacheError, wc.CacheBelongsElsewhere, OSError) as exc:
        raise CommandFailed(EXIT_LOCAL_FILE, str(exc)) from None
    printer = _Printer(watch=watch)
    engine = SyncEngine(store, project, workspace_id, client=runtime, on_status=printer.status,
                        on_applied=printer.applied if watch else None)
    return store, engine, printer


class _Printer:
    """The progress bar of a first download (stderr, terminals only) and --watch's lines."""

    def __init__(self, *, watch: bool) -> None:
        self.watch = watch
        self.progress: Any = None
        self.task: Any = None
        self.last_state: Any = None
        self.lock = threading.Lock()

    def status(self, status: Any) -> None:
        from .sync.status import SyncState

        with self.lock:
            download = status.download
            if download is not None and sys.stderr.isatty():
                if self.progress is None:
                    from rich.console import Console
                    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

                    self.progress = Progress(TextColumn("Downloading {task.fields[table]}"), BarColumn(),
                                             MofNCompleteColumn(), TextColumn("tables, {task.fields[rows]:,} rows"),
                                             console=Console(stderr=True), transient=True)
                    self.progress.start()
                    self.task = self.progress.add_task("download", total=download.tables_total, table="", rows=0)
                self.progress.update(self.task, completed=download.tables_done, total=download.tables_total,
                                     table=download.current_table or "", rows=download.rows_done)
            elif download is None and self.progress is not None:
                self.progress.stop()
                self.progress = None
            retrying = status.state is SyncState.SYNCING and self.last_state is SyncState.OFFLINE
            if self.watch and status.state != self.last_state and not retrying:
                # Each attempt while offline would print "syncing" then "offline" again: the
                # line waits for the attempt's outcome (back in step, or another state).
                self.last_state = status.state
                why = f" ({status.problem})" if status.problem else ""
                print(f"{_now()} {status.state.value}{why}; {status.pending} waiting, {status.failed} refused",
                      flush=True)

    def applied(self, batch: Any) -> None:
        parts = ", ".join(f"{n} {table}" if n else table for table, n in sorted(batch.tables.items()))
        print(f"{_now()} {batch.source}: {parts}", flush=True)

    def close(self) -> None:
        with self.lock:
            if self.progress is not None:
                self.progress.stop()
                self.progress = None


def _now() -> str:
    from datetime import datetime

    return datetime.now().astimezone().strftime("%H:%M:%S")


# -- one round -------------------------------------------------------------------------------------


def _once(runtime: Any, engine: Any) -> int:
    from .sync.status import SyncState

    outcome = runtime.run(engine.sync_once())
    if outcome.in_step:
        print(f"In step: {outcome.pushed} change(s) uploaded, {outcome.pulled} row(s) downloaded.")
        return EXIT_OK
    if outcome.state is SyncState.SIGNED_OUT:
        raise CommandFailed(EXIT_NOT_SIGNED_IN, f"{outcome.problem}; run `track login`")
    if outcome.state is SyncState.NO_ACCESS:
        raise CommandFailed(EXIT_NO_ACCESS, outcome.problem or "no access to this workspace")
    if outcome.state is SyncState.OFFLINE:
        code = EXIT_SERVER if outcome.server_error else EXIT_UNREACHABLE
        raise CommandFailed(code, f"{outcome.problem}; {outcome.pending} change(s) stay queued")
    if outcome.failed:
        reasons = outcome.failures[0][1] if outcome.failures else _first_parked_reason(engine.store)
        raise CommandFailed(EXIT_FAILED_CHANGES, f"{outcome.failed} change(s) refused by the server and parked "
                            f"(first: {reasons})")
    raise CommandFailed(EXIT_UNREACHABLE, f"{outcome.pending} change(s) still waiting; run again")


def _first_parked_reason(store: Any) -> str:
    """The server's reason for the oldest parked change: a change refused by an earlier run
    (or by the TUI) is not in this round's outcome, and the one line should still say why."""
    from .store.failed_changes import failed_changes

    try:
        parked = failed_changes(store, limit=1)
    except Exception:  # noqa: BLE001 - the message falls back to pointing at the full list
        parked = []
    return parked[0].reason if parked else "see `track status --json`"


# -- --watch ---------------------------------------------------------------------------------------


def _watch(runtime: Any, engine: Any) -> int:
    future = runtime.submit(engine.run())
    try:
        while True:
            try:
                future.result(timeout=0.5)
            except TimeoutError:
                continue
            except signals.Terminated:
                raise
            except Exception as exc:  # noqa: BLE001 - the loop never ends by itself
                raise CommandFailed(EXIT_SERVER, f"sync stopped: {type(exc).__name__}: {exc}") from None
            return EXIT_OK
    except (signals.Terminated, KeyboardInterrupt):
        with signals.deferred():
            engine.stop()
            try:
                future.result(timeout=10)
            except BaseException:  # noqa: BLE001 - cancelled, as asked
                pass
            print(f"{_now()} stopped", flush=True)
        return EXIT_OK

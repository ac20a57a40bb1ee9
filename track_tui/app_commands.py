"""The command palette's entries (ctrl+p): the screen in view's own commands first, then the
app's — the screens every key opens, undo and redo naming what they would take back, failed
and unsaved changes — then Textual's own, without its duplicate of our "Help: keys".

The palette reads titles and help as markup, and screens put record, stage and board names in
them: those are made safe and escaped here, for every screen at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

from textual.app import SystemCommand
from textual.markup import escape
from textual.screen import Screen

from .safe_text import safe_line

if TYPE_CHECKING:
    from .app import TrackApp


def app_commands(app: "TrackApp", screen: Screen) -> Iterable[SystemCommand]:
    """Everything but Textual's own commands (the app appends those)."""
    commands = getattr(screen, "palette_commands", None)
    if commands is not None:
        for title, help_text, callback in commands():
            yield SystemCommand(escape(safe_line(title)), escape(safe_line(help_text)), callback)
    yield SystemCommand("My work: task inbox", "Your tasks by overdue, today, upcoming (i)", app.action_inbox)
    yield SystemCommand("Search records", "Find contacts, companies and deals (ctrl+f, or / off the board)", app.action_search)
    store = app.store
    if store is not None:
        yield SystemCommand("Workspace: automations", "The rules and their run log (A)", app.action_automations)
        yield SystemCommand("Workspace: boards, stages and custom fields", "Run the workspace (W)",
                            app.action_workspace_admin)
        yield SystemCommand("Workspace: audit log", "Who changed what, when: filter by person, table, date (ctrl+l)",
                            app.action_audit_log)
    yield SystemCommand("Help: keys", "Show the key bindings that apply now", app.action_help)
    if app.account_flow is not None:
        yield SystemCommand("Workspace: switch workspace", "Open another workspace of this project (w)",
                            app.action_switch_workspace)
    if store is None:
        return
    for mode, verb, key in (("undo", "Undo", "u"), ("redo", "Redo", "U")):
        step = store.next_undo(mode)
        if step is not None:
            action = app.action_undo if mode == "undo" else app.action_redo
            yield SystemCommand(escape(safe_line(f"{verb}: {step.description}")), f"Same as {key}", action)
    failed = app.app_status.sync.failed
    yield SystemCommand("Failed changes", f"Changes the server refused ({failed}): retry, discard, open (!)",
                        app.action_failed_changes)
    if store.unsaved_writes:
        yield SystemCommand(
            "Retry unsaved changes", "Save again what waited too long for another process", app.action_retry_unsaved,
        )

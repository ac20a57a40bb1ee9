"""What the status line says, in words, for the width it has.

One value, :class:`AppStatus`, holds everything every screen's status line shows that is not the
screen's own context (the board's name and filter, the record's name): the workspace, the sync
engine's :class:`~.sync.status.SyncStatus` (with the pending and failed counts as the store
has them), whether the cache is read-only, and writes waiting for another process. The app keeps
the one current value; status lines only draw it.

:func:`status_text` lays it out for a width: the long wording when it fits (always at 120
columns with an ordinary context), then shorter wording, then without the last-sync time; only
what still does not fit is cut, at the end (the screen's context). No Textual here: the words are
tested on their own, and `track status` may reuse them.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict
from rich.cells import cell_len, set_cell_size
from rich.text import Text

from .safe_text import safe_line
from .sync.status import SyncState, SyncStatus

CONTEXT_MARK = "  │ "  # between the sync words and the screen's part
FAILED_KEY = "!"  # the status line's key for the failed-changes screen


class AppStatus(BaseModel):
    """The app-wide part of every status line (see the module docs)."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    workspace: str = ""
    sync: SyncStatus = SyncStatus()
    read_only: bool = False
    waiting: str = ""  # writes waiting for another process to release the cache, in words


def ago(then: datetime, now: datetime, *, short: bool = False) -> str:
    """How long ago `then` was, humanised ("just now", "2 min ago", "3 h ago", "5 days ago")."""
    seconds = max(0, int((now - then).total_seconds()))
    if seconds < 60:
        return "now" if short else "just now"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes}m ago" if short else f"{minutes} min ago"
    hours = minutes // 60
    if hours < 48:
        return f"{hours}h ago" if short else f"{hours} h ago"
    days = hours // 24
    return f"{days}d ago" if short else f"{days} days ago"


def _count(number: int, one: str, many: str) -> str:
    return f"{number:,} {one if number == 1 else many}"


def _rows(number: int) -> str:
    if number >= 10_000:
        return f"{number / 1000:.0f}k"
    if number >= 1_000:
        return f"{number / 1000:.1f}k"
    return str(number)


def state_words(sync: SyncStatus, *, short: bool) -> str:
    """The sync state in words ("downloading 3 of 11 tables · 12,400 rows")."""
    state = sync.state
    if state is SyncState.DOWNLOADING:
        progress = sync.download
        if progress is None or not progress.tables_total:
            return "downloading…"
        if short:
            return f"↓ {progress.tables_done}/{progress.tables_total} · {_rows(progress.rows_done)} rows"
        return (f"downloading {progress.tables_done} of {progress.tables_total} tables · "
                f"{_count(progress.rows_done, 'row', 'rows')}")
    if short:
        return {SyncState.LOCAL_ONLY: "local only", SyncState.CONNECTING: "connecting…",
                SyncState.SYNCING: "syncing…"}.get(state, state.value)
    words = {
        SyncState.LOCAL_ONLY: "local only: nothing is uploaded",
        SyncState.OFFLINE: "offline",
        SyncState.CONNECTING: "connecting…",
        SyncState.SYNCING: "syncing…",
        SyncState.LIVE: "live",
        SyncState.SIGNED_OUT: "signed out: sign in to sync (w)",
        SyncState.NO_ACCESS: "no access to this workspace",
    }[state]
    if state is SyncState.OFFLINE and sync.problem:
        words = f"offline: {sync.problem}"
    return words


def _parts(status: AppStatus, now: datetime, *, short: bool, with_time: bool,
           short_state: bool | None = None) -> list[tuple[str, str]]:
    """(text, style) pieces after the workspace name, in order (`short_state`: the state's
    wording, which otherwise follows `short`)."""
    sync = status.sync
    short_state = short if short_state is None else short_state
    parts: list[tuple[str, str]] = []
    if status.read_only:
        parts.append(("● read-only: changes cannot be saved", "bold"))
    else:
        parts.append((f"● {safe_line(state_words(sync, short=short_state))}", ""))
        if status.waiting:  # never "all changes saved" while some wait
            parts.append((f"⧗ {safe_line(status.waiting)}", "bold reverse"))
        local_only = sync.state is SyncState.LOCAL_ONLY
        if sync.pending and not local_only:  # the demo never says its edits wait to be sent
            parts.append((f"{sync.pending:,} pending" if short else f"{sync.pending:,} to upload", ""))
        elif not status.waiting and not short:
            parts.append(("all changes saved" if local_only else "all changes uploaded", ""))
    if status.sync.failed:
        failed = status.sync.failed
        text = f"{failed:,} failed {FAILED_KEY}" if short else f"{failed:,} failed — press {FAILED_KEY}"
        parts.append((text, "bold reverse"))
    if with_time and sync.last_success is not None and sync.state is not SyncState.LOCAL_ONLY:
        parts.append((ago(sync.last_success, now, short=short) if short
                      else f"synced {ago(sync.last_success, now)}", ""))
    return parts


CONTEXT_ROOM = 24  # cells the screen's part keeps before the sync words take shorter forms


def status_text(status: AppStatus, context: str, width: int, now: datetime) -> Text:
    """The whole line for `width` cells: the longest wording that fits (see the module docs).

    A context too long for even the shortest wording (a record's long name, a long filter) is
    cut at its end, under the longest wording that still leaves it :data:`CONTEXT_ROOM` cells;
    only when none does, the workspace name gives way too."""
    workspace = safe_line(status.workspace)
    context = safe_line(context)
    # (short state, short counts and time, with the time): longest first
    tiers = ((False, False, True), (False, True, True), (True, True, True), (True, True, False))
    wordings = [_parts(status, now, short=short, with_time=with_time, short_state=short_state)
                for short_state, short, with_time in tiers]
    for parts in wordings:
        chosen = _build(workspace, parts, context)
        if chosen.cell_len <= width:
            return chosen
    wanted = min(cell_len(context), CONTEXT_ROOM)
    for parts in wordings:
        if width - _build(workspace, parts, "").cell_len - len(CONTEXT_MARK) >= wanted:
            return _fitted(_build(workspace, parts, context), width)
    # Still too wide: the workspace name gives way first, then the context is cut at its end.
    if workspace:
        chosen = _build(_shorten(workspace, 16), wordings[-1], context)
    return chosen


def _fitted(text: Text, width: int) -> Text:
    if text.cell_len > width:
        text.truncate(width, overflow="ellipsis")
    return text


CONTEXT_NAME_CELLS = 28  # a board's name at the start of a status context


def context_name(name: str, cells: int = CONTEXT_NAME_CELLS) -> str:
    """A name that starts a screen's status context, cut (with …) at `cells`: the context is cut
    at its end when the line is short, so a long board name must not push out what follows it
    (the filter, the view, the lane grouping)."""
    name = safe_line(name)
    return name if cell_len(name) <= cells else set_cell_size(name, cells - 1) + "…"


def _shorten(text: str, cells: int) -> str:
    return text if len(text) <= cells else text[: cells - 1] + "…"


def _build(workspace: str, parts: list[tuple[str, str]], context: str) -> Text:
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(workspace, style="bold")
    for piece, style in parts:
        text.append("  ")
        text.append(piece, style=style)
    if context:
        text.append(f"{CONTEXT_MARK}{context}")
    return text

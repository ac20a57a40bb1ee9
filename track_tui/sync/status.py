"""What the sync engine tells the rest of the process: its state, in one immutable value.

The engine (on the network runtime's thread) builds a new :class:`SyncStatus` whenever anything
a person would want to know changes and hands it to the `on_status` callback it was given; the
TUI posts it to the app (never blocking), the CLI prints it, `track status --json` dumps it.
Nothing here imports Textual or supabase-py, so every layer can hold one.

The engine's own handle (:class:`SyncControl`) is a Protocol so the screens depend on what they
call, not on the engine's module: the failed-changes screen retries and discards through it,
the write path wakes the pusher through it.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Protocol, Sequence

from pydantic import BaseModel, ConfigDict, Field


class SyncState(str, enum.Enum):
    """Where the cache stands against the server, as the status line names it."""

    LOCAL_ONLY = "local only"  # the demo, or no project configured: nothing is ever uploaded
    OFFLINE = "offline"  # the server cannot be reached; edits wait in the outbox
    CONNECTING = "connecting"  # signing the socket in, subscribing, the first requests
    DOWNLOADING = "downloading"  # the first download (see `download`)
    SYNCING = "syncing"  # pushing or pulling a batch right now
    LIVE = "live"  # in step, subscribed to Realtime
    SIGNED_OUT = "signed out"  # the session ended (refresh refused); sign in again to sync
    NO_ACCESS = "no access"  # the person is no longer a member of this workspace


class DownloadProgress(BaseModel):
    """The first download's progress: tables done of all, rows applied so far."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    tables_done: int = 0
    tables_total: int = 0
    rows_done: int = 0
    current_table: str | None = None


class SyncStatus(BaseModel):
    """One snapshot of the engine's state (immutable: a new one replaces the old)."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    state: SyncState = SyncState.LOCAL_ONLY
    pending: int = Field(0, ge=0, description="local changes waiting to be uploaded")
    failed: int = Field(0, ge=0, description="local changes the server refused (parked)")
    last_success: datetime | None = Field(None, description="when the last push+pull round completed")
    download: DownloadProgress | None = None
    problem: str | None = Field(None, description="why the state is not live, in words (one line)")
    retry_at: datetime | None = Field(None, description="when the next attempt is due (backoff)")


class SyncControl(Protocol):
    """What screens and the write path may ask of a running engine (thread-safe, non-blocking)."""

    @property
    def status(self) -> SyncStatus: ...

    def request_push(self) -> None:
        """A local write committed: upload soon (coalesced; returns at once)."""

    def request_pull(self) -> None:
        """Pull now (the person asked to refresh); returns at once."""

    def retry(self, seqs: Sequence[int]) -> None:
        """Put parked outbox entries back in the queue (state pending) and push."""

    def discard(self, seqs: Sequence[int]) -> None:
        """Drop parked outbox entries; the row returns to the server's version (fetched)."""

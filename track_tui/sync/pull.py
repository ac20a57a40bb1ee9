"""Pulling the workspace from the server: the first download and every incremental pull.

Every synced table is read in keyset pages on ``(updated_at, id)``, at most :data:`PAGE_ROWS`
rows each: PostgREST caps a read at ``db-max-rows`` (1,000 on Supabase), so a page is never
asked to be larger than that, and a table is done only when a page comes back EMPTY (a page
shorter than asked may be the server's cap, not the end — stopping there would lose rows on a
project configured with a lower cap). Each page is applied with its cursor in one transaction
(:mod:`..store.server_apply`), so an interrupted pull — network loss, quit, kill -9 — resumes
after the last committed page.

**The overlap window.** ``updated_at`` is stamped by a trigger with ``clock_timestamp()`` when
the row is written, not when its transaction commits: a writer that commits late lands behind a
cursor that already moved on. So an incremental pull starts :data:`OVERLAP` before the
committed cursor and reads forward from there; rows already held are skipped by their
``version`` (applying is idempotent), a late commit within the window is caught.

**Tombstones** (``sync_tombstones``: the server's hard deletes, per row) are pulled the same way
on ``(deleted_at, id)``, and BEFORE the tables in every round: a row deleted and created again
(an undone delete) has its tombstone committed before the new row, so reading tombstones first
means a round that sees the new row has already seen the old tombstone, and the row stays. A
tombstone re-read inside the overlap window and already applied is not applied again (it would
remove a row re-created since). The first download does not read the history of tombstones:
rows deleted before it started are not on the server to be downloaded; its tombstone cursor
starts at the newest tombstone that exists when it begins.

**Order.** The workspace and the person's own membership first (losing access is noticed before
anything else), then what the board needs (boards, stages, cards, deals), then the rest, so the
board can open as soon as its tables have arrived (:data:`BOARD_TABLES`).

The first download fetches up to :data:`DOWNLOAD_FETCHERS` tables at once, ahead of the apply
thread (at most :data:`PREFETCH_PAGES` pages per table waiting), and applies them one table
after another in the order above: over a real network a page's round trip, not SQLite, is what
a download waits for. Incremental pulls read up to :data:`PARALLEL_TABLES` tables at once (each table's pages stay in
order, each page commits with its own cursor, so the tables are independent); the first
download goes table by table, in the order above.

**Losing access.** Every pull begins by reading the person's own membership row. When RLS
returns nothing (removed from the workspace, or the workspace deleted), :class:`NoAccess` is
raised and nothing is applied: the engine reports ``NO_ACCESS`` and the cache is kept, unshown.

Network work happens on the caller's event loop; applying runs in the store's calls, handed to
``apply`` (the engine runs them on its one apply thread so the network loop never waits on
SQLite). Nothing here imports Textual.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Awaitable, Callable, Iterable, Sequence

from ..store import server_apply
from ..store.changes import ChangeSet
from ..store.server_apply import TOMBSTONES, Cursor
from . import rest

PAGE_ROWS = 1000
OVERLAP = timedelta(seconds=60)
FETCH_CHUNK = 100  # ids per `in.(...)` request (URL length)
DOWNLOAD_FETCHERS = 2  # tables fetched at once during the first download (applied one by one)
PREFETCH_PAGES = 8  # pages a fetcher may read ahead of the applier (memory bound)
PARALLEL_TABLES = 4  # incremental pulls of this many tables in flight at once (latency, not load)

PULL_ORDER: tuple[str, ...] = (
    "workspaces", "workspace_members", "profiles", "boards", "board_stages", "board_cards", "deals",
    "companies", "contacts", "deal_contacts", "custom_fields", "tasks", "timeline_entries",
    "automations", "automation_runs",
)
BOARD_TABLES: frozenset[str] = frozenset({"workspaces", "workspace_members", "profiles", "boards",
                                          "board_stages", "board_cards", "deals"})
FIRST_DOWNLOAD_DONE = "sync_first_download_done"  # meta key: "1" once the first download finished

Apply = Callable[..., Awaitable[Any]]  # apply(fn, *args) → runs fn(*args) off the network loop


class NoAccess(Exception):
    """The person is no longer a member of the workspace (or it was deleted)."""


@dataclass
class PullReport:
    """What one pull did: rows and tombstones applied (written), per table, and the changes."""

    written: int = 0
    pages: int = 0
    tables: dict[str, int] = field(default_factory=dict)
    rejected: list[server_apply.Rejected] = field(default_factory=list)
    changes: list[ChangeSet] = field(default_factory=list)

    def add(self, table: str, applied: server_apply.Applied) -> None:
        self.written += applied.written
        self.pages += 1
        self.tables[table] = self.tables.get(table, 0) + applied.written
        self.rejected.extend(applied.rejected)
        if applied.changes:
            self.changes.append(applied.changes)


async def _run_here(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    return fn(*args, **kwargs)


def _quote(value: str | int) -> str:
    """A value inside PostgREST's `or=(…)` grammar: timestamps carry `:` and `.`."""
    if isinstance(value, int):
        return str(value)
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _shift(at: str, by: timedelta) -> str:
    try:
        return (datetime.fromisoformat(at) - by).isoformat()
    except ValueError:
        return at


class Puller:
    """Pulls one workspace into one store (see the module doc)."""

    def __init__(self, store: Any, client: Any, workspace_id: str, user_id: str, *,
                 apply: Apply = _run_here, page_rows: int = PAGE_ROWS, overlap: timedelta = OVERLAP,
                 tables: Sequence[str] = PULL_ORDER) -> None:
        self.store = store
        self.client = client
        self.workspace_id = workspace_id
        self.user_id = user_id
        self.apply = apply
        self.page_rows = min(page_rows, PAGE_ROWS)
        self.overlap = overlap
        self.tables = tuple(tables)

    # -- what the server is asked ---------------------------------------------------------

    def _scoped(self, table: str, columns: str = "*") -> Any:
        query = self.client.table(table).select(columns)
        if table == "workspaces":
            return query.eq("id", self.workspace_id)
        if table == "profiles":
            return query  # no workspace_id: RLS gives the person's own and their colleagues'
        return query.eq("workspace_id", self.workspace_id)

    async def _page(self, table: str, key: str, after: Cursor | None, start: str | None) -> list[dict[str, Any]]:
        query = self._scoped(table)
        if after is not None:
            at = _quote(after.at)
            query = query.or_(f"{key}.gt.{at},and({key}.eq.{at},id.gt.{_quote(after.id)})")
        elif start is not None:
            query = query.gte(key, start)
        query = query.order(key).order("id").limit(self.page_rows)
        return await rest.execute(self.client, query)

    async def check_access(self) -> None:
        """Raise :class:`NoAccess` unless the person's membership row is readable."""
        query = (self.client.table("workspace_members").select("id")
                 .eq("workspace_id", self.workspace_id).eq("user_id", self.user_id).limit(1))
        if not await rest.execute(self.client, query):
            raise NoAccess("you are no longer a member of this workspace (or it was deleted)")

    # -- incremental ----------------------------------------------------------------------

    async def pull(self, report: PullReport | None = None) -> PullReport:
        """One incremental pull of every table (tombstones first), from each committed cursor
        minus the overlap window."""
        report = report or PullReport()
        await self.check_access()
        await self.pull_tombstones(report)
        gate = asyncio.Semaphore(PARALLEL_TABLES)

        async def one(table: str) -> None:
            async with gate:
                await self.pull_table(table, report)

        results = await asyncio.gather(*(one(t) for t in self.tables), return_exceptions=True)
        for result in results:  # every table ran to its end (or its error); report the first
            if isinstance(result, BaseException):
                raise result
        return report

    async def pull_table(self, table: str, report: PullReport, *, bulk: Any = None,
                         on_page: Callable[[str, int], None] | None = None) -> None:
        committed = await self.apply(server_apply.read_cursor, self.store, table)
        start = _shift(committed.at, self.overlap) if committed is not None and bulk is None else None
        after: Cursor | None = committed if bulk is not None else None

        async def apply_page(rows: list[dict[str, Any]], cursor: Cursor) -> None:
            if bulk is not None:
                applied = await self.apply(bulk.apply, rows, cursor=cursor)
            else:
                applied = await self.apply(server_apply.apply_rows, self.store, table, rows, cursor=cursor)
            report.add(table, applied)
            if on_page is not None:
                on_page(table, len(rows))

        # Pipelined: page N is applied (on the apply thread) while page N+1 is fetched. Pages
        # still commit one at a time, in order, each with its cursor.
        applying: asyncio.Future | None = None
        try:
            while True:
                rows = await self._page(table, "updated_at", after, start)
                if applying is not None:
                    await applying
                    applying = None
                if not rows:
                    return
                last = rows[-1]
                after = Cursor(at=str(last["updated_at"]), id=str(last["id"]))
                applying = asyncio.ensure_future(apply_page(rows, after))
        finally:
            if applying is not None:
                await asyncio.gather(applying, return_exceptions=True)

    async def pull_tombstones(self, report: PullReport) -> None:
        committed = await self.apply(server_apply.read_cursor, self.store, TOMBSTONES)
        start = _shift(committed.at, self.overlap) if committed is not None else None
        after: Cursor | None = None
        while True:
            rows = await self._page(TOMBSTONES, "deleted_at", after, start)
            if not rows:
                return
            last = rows[-1]
            after = Cursor(at=str(last["deleted_at"]), id=int(last["id"]))
            fresh = await self.apply(self._not_yet_applied, rows)
            applied = await self.apply(server_apply.apply_tombstones, self.store, fresh, cursor=after)
            report.add(TOMBSTONES, applied)

    def _not_yet_applied(self, stones: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The tombstones not applied before (an overlap re-read must not remove a row created
        again after its delete)."""
        from ..store.server_rows import timestamp

        keys = [(s.get("table_name"), s.get("row_id")) for s in stones]
        held: dict[tuple[str, str], str] = {}
        with self.store.reading() as conn:
            for table, row_id in keys:
                found = conn.execute("SELECT deleted_at FROM sync_deleted WHERE table_name = ? AND row_id = ?",
                                     (table, row_id)).fetchone()
                if found:
                    held[(table, row_id)] = found[0]
        fresh = []
        for stone, key in zip(stones, keys):
            at = stone.get("deleted_at")
            seen = held.get(key)  # type: ignore[arg-type]
            if seen is not None and isinstance(at, str) and timestamp(at) <= seen:
                continue
            fresh.append(stone)
        return fresh

    # -- the first download ---------------------------------------------------------------

    def first_download_done(self) -> bool:
        return self.store.get_meta(FIRST_DOWNLOAD_DONE) == "1"

    async def first_download(self, *, on_progress: Callable[[int, int, int, str | None], None] | None = None,
                             report: PullReport | None = None) -> PullReport:
        """Download every table through the bulk path; resumable (cursors per page).

        `on_progress(tables_done, tables_total, rows_done, current_table)` after every page."""
        report = report or PullReport()
        await self.check_access()
        if await self.apply(server_apply.read_cursor, self.store, TOMBSTONES) is None:
            newest = await rest.execute(self.client, self._scoped(TOMBSTONES, "id,deleted_at")
                                        .order("deleted_at", desc=True).order("id", desc=True).limit(1))
            if newest:
                cursor = Cursor(at=str(newest[0]["deleted_at"]), id=int(newest[0]["id"]))
                await self.apply(server_apply.apply_tombstones, self.store, [], cursor=cursor)
        total = len(self.tables)
        rows_done = 0

        def progress(done: int, table: str | None) -> None:
            if on_progress is not None:
                on_progress(done, total, rows_done, table)

        # Fetching runs ahead of applying: up to DOWNLOAD_FETCHERS tables are read at once into
        # bounded queues, while the apply thread takes the tables one after another, in order
        # (so the board's tables still land first, and each table loads with its indexes
        # suspended on its own). A fetcher's failure is handed to the applier through its queue.
        queues = {table: asyncio.Queue(maxsize=PREFETCH_PAGES) for table in self.tables}
        gate = asyncio.Semaphore(DOWNLOAD_FETCHERS)

        async def fetch(table: str) -> None:
            queue = queues[table]
            try:
                async with gate:
                    after = await self.apply(server_apply.read_cursor, self.store, table)
                    while True:
                        rows = await self._page(table, "updated_at", after, None)
                        await queue.put(rows)
                        if not rows:
                            return
                        after = Cursor(at=str(rows[-1]["updated_at"]), id=str(rows[-1]["id"]))
            except asyncio.CancelledError:
                raise
            except BaseException as exc:  # noqa: BLE001 - re-raised by the applier
                await queue.put(exc)

        fetchers = [asyncio.create_task(fetch(table)) for table in self.tables]
        try:
            for done, table in enumerate(self.tables):
                progress(done, table)
                loader_cm = await self.apply(server_apply.first_download, self.store, table)
                loader = await self.apply(loader_cm.__enter__)
                try:
                    while True:
                        rows = await queues[table].get()
                        if isinstance(rows, BaseException):
                            raise rows
                        if not rows:
                            break
                        cursor = Cursor(at=str(rows[-1]["updated_at"]), id=str(rows[-1]["id"]))
                        report.add(table, await self.apply(loader.apply, rows, cursor=cursor))
                        rows_done += len(rows)
                        progress(done, table)
                except BaseException as exc:
                    await self.apply(loader_cm.__exit__, type(exc), exc, exc.__traceback__)
                    raise
                await self.apply(loader_cm.__exit__, None, None, None)
        finally:
            for task in fetchers:
                task.cancel()
            await asyncio.gather(*fetchers, return_exceptions=True)
        await self.apply(server_apply.finish_first_download, self.store)
        await self.apply(self.store.set_meta, FIRST_DOWNLOAD_DONE, "1")
        progress(total, None)
        return report

    # -- rows asked for by id (incomplete Realtime records) -----------------------------------

    async def fetch_rows(self, table: str, ids: Iterable[str]) -> tuple[server_apply.Applied | None, list[str]]:
        """Read rows of `table` by id and apply them; returns (what applying did, the ids the
        server does not have — or no longer shows this person)."""
        wanted = list(dict.fromkeys(i for i in ids if isinstance(i, str) and i))
        found: list[dict[str, Any]] = []
        for start in range(0, len(wanted), FETCH_CHUNK):
            chunk = wanted[start:start + FETCH_CHUNK]
            found.extend(await rest.execute(self.client, self.client.table(table).select("*").in_("id", chunk)))
        missing = sorted(set(wanted) - {str(r.get("id")) for r in found})
        applied = await self.apply(server_apply.apply_rows, self.store, table, found) if found else None
        return applied, missing


async def in_thread(executor: Any, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run `fn` on `executor` (the engine's one apply thread) and await it."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(executor, lambda: fn(*args, **kwargs))

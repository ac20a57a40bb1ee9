"""Uploading the outbox: this person's changes, in the order they were made.

The outbox (``store/writes.py``) holds one entry per changed row per action: ``insert`` (the
whole row), ``update`` (only the columns that changed) or ``delete``. :meth:`Pusher.drain`
sends the pending entries in ``seq`` order until none is left or the server cannot be reached:

* **insert** → an upsert by the client-made id with ``on_conflict=id`` and ignore-duplicates:
  if the answer to an earlier attempt was lost after the server committed, the retry inserts
  nothing (never a duplicate) and the row the server holds is read back and acknowledged.
* **update** → PATCH of only the entry's columns (field-level last writer wins, by the order in
  which the server receives them). No row in the answer: the row is gone on the server, or RLS
  does not let this person change it; the entry is parked with that reason.
* **delete** → DELETE by id. No row in the answer and the row still readable: RLS refused the
  delete (parked). Not readable: deleted (by this retry's lost first attempt, or someone else).
* Consecutive entries of ONE row (no other row's entry between them: a later entry of another
  row may depend on the earlier ones, e.g. a new company a deal then points at) are sent as one
  request: an insert plus the updates that followed it becomes one insert; updates merge into
  one PATCH. The answer is applied with :func:`~..store.server_apply.apply_ack` for all their
  seqs, so the person's own edit never shows up as someone else's.
* Consecutive inserts of one table (up to :data:`INSERT_BATCH`; an import, a day of offline
  work) go as ONE upsert with the same ignore-duplicates rule; rows missing from its answer
  were already there and take the one-row path, and when the server refuses the batch each row
  is sent on its own, so only the refused one is parked.

**Failures** (:mod:`.rest`): ``Transient`` (network, 5xx, 429) stops the drain — the entry
stays pending with ``attempts`` and ``last_error`` updated — and is raised to the engine,
which backs off (honouring ``Retry-After``). ``TokenRefused`` (401): the session is refreshed
once and the request repeated. ``Refused`` (RLS 42501, constraints 23xxx, invalid values
22xxx, PostgREST's request errors): the entry is parked ``state='failed'`` with the server's
reason; it is never dropped, and the drain goes on with the next entries.

**Later entries of a row whose earlier entry failed** are parked too, with :data:`HELD` as
their reason, instead of being sent: fields win by the server's order of receipt, so sending a
newer edit now and the refused older one after the person retries it would put the older value
back over the newer. :func:`retry` puts a row's held entries back in the queue with the ones
retried; :func:`discard` releases them (they are re-sent on top of the server's row). A discarded
row is remembered (meta ``sync_refetch``) until the engine has read it from the server: a local
edit leaves the cached version as it was, so no pull would ever bring the server's values back
by itself, and the server may be unreachable when the person discards.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Sequence

from ..store import server_apply
from ..store.changes import ChangeSet, Origin
from . import rest

REFETCH = "sync_refetch"  # meta key: JSON [[table, row_id], ...] to bring back to the server's version
HELD = "waiting behind an earlier change of this record that the server refused"
NOT_ON_SERVER = ("the record is not on the server any more (deleted by someone else), or you are not "
                 "allowed to change it")
DELETE_REFUSED = "the server kept the record: you are not allowed to delete it"
CACHE_ONLY_COLUMNS = {"profiles": frozenset({"email"})}  # kept in the cache, not a server column
BATCH = 200  # entries read from the outbox at a time
INSERT_BATCH = 100  # consecutive inserts of one table sent as one request

Apply = Callable[..., Awaitable[Any]]
Refresh = Callable[[], Awaitable[None]]


@dataclass(frozen=True)
class Entry:
    seq: int
    table: str
    row_id: str
    op: str
    patch: dict[str, Any]
    attempts: int = 0


@dataclass
class PushReport:
    sent: int = 0  # requests that succeeded
    acked: int = 0  # outbox entries confirmed
    parked: list[tuple[int, str]] = field(default_factory=list)  # (seq, reason)
    changes: list[ChangeSet] = field(default_factory=list)


async def _run_here(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    return fn(*args, **kwargs)


def _patch(text: str | None) -> dict[str, Any]:
    try:
        value = json.loads(text or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def read_pending(store: Any, limit: int = BATCH) -> list[Entry]:
    with store.reading() as conn:
        rows = conn.execute(
            "SELECT seq, table_name, row_id, op, patch, attempts FROM outbox WHERE state = 'pending' "
            "ORDER BY seq LIMIT ?", (limit,)).fetchall()
    return [Entry(r[0], r[1], r[2], r[3], _patch(r[4]), r[5]) for r in rows]


def _failed_rows(store: Any) -> dict[tuple[str, str], int]:
    """(table, row_id) → the smallest seq parked as failed."""
    with store.reading() as conn:
        rows = conn.execute("SELECT table_name, row_id, min(seq) FROM outbox WHERE state = 'failed' "
                            "GROUP BY table_name, row_id").fetchall()
    return {(r[0], r[1]): r[2] for r in rows}


def park(store: Any, seqs: Sequence[int], reason: str) -> ChangeSet:
    with store.transaction(origin=Origin.ACK) as ctx:
        for seq in seqs:
            row = ctx.conn.execute("SELECT row_id FROM outbox WHERE seq = ?", (seq,)).fetchone()
            ctx.conn.execute("UPDATE outbox SET state = 'failed', last_error = ?, attempts = attempts + 1 "
                             "WHERE seq = ?", (reason, seq))
            if row:
                ctx.changes.add("outbox", row[0], None)
    return ctx.changes


def note_attempt(store: Any, seqs: Sequence[int], reason: str) -> None:
    with store.transaction(origin=Origin.ACK) as ctx:
        marks = ", ".join("?" for _ in seqs)
        ctx.conn.execute(f"UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE seq IN ({marks})",
                         (reason, *seqs))


def retry(store: Any, seqs: Sequence[int]) -> int:
    """Parked entries `seqs` back to pending, with the entries held behind them; how many."""
    with store.transaction(origin=Origin.ACK) as ctx:
        count = 0
        for seq in seqs:
            row = ctx.conn.execute("SELECT table_name, row_id FROM outbox WHERE seq = ? AND state = 'failed'",
                                   (seq,)).fetchone()
            if row is None:
                continue
            count += ctx.conn.execute("UPDATE outbox SET state = 'pending', last_error = NULL WHERE seq = ?",
                                      (seq,)).rowcount
            count += ctx.conn.execute(
                "UPDATE outbox SET state = 'pending', last_error = NULL WHERE table_name = ? AND row_id = ? "
                "AND state = 'failed' AND last_error = ?", (row[0], row[1], HELD)).rowcount
            ctx.changes.add("outbox", row[1], None)
    return count


def discard(store: Any, seqs: Sequence[int]) -> list[tuple[str, str]]:
    """Delete parked entries `seqs`; their rows' held entries go back to pending. Returns the
    (table, row_id) pairs whose rows must be fetched from the server again."""
    rows: list[tuple[str, str]] = []
    with store.transaction(origin=Origin.ACK) as ctx:
        for seq in seqs:
            row = ctx.conn.execute("SELECT table_name, row_id FROM outbox WHERE seq = ? AND state = 'failed'",
                                   (seq,)).fetchone()
            if row is None:
                continue
            ctx.conn.execute("DELETE FROM outbox WHERE seq = ?", (seq,))
            if (row[0], row[1]) not in rows:
                rows.append((row[0], row[1]))
            ctx.changes.add("outbox", row[1], None)
        for table, row_id in rows:
            still_failed = ctx.conn.execute(
                "SELECT 1 FROM outbox WHERE table_name = ? AND row_id = ? AND state = 'failed' AND "
                "(last_error IS NULL OR last_error != ?)", (table, row_id, HELD)).fetchone()
            if not still_failed:
                ctx.conn.execute("UPDATE outbox SET state = 'pending', last_error = NULL WHERE table_name = ? "
                                 "AND row_id = ? AND state = 'failed' AND last_error = ?", (table, row_id, HELD))
        if rows:  # remembered until fetched: the server may be unreachable right now
            wanted = _refetch_list(ctx.conn)
            wanted.extend(r for r in rows if r not in wanted)
            _write_refetch(ctx.conn, wanted)
    return rows


def _refetch_list(conn: Any) -> list[tuple[str, str]]:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (REFETCH,)).fetchone()
    try:
        value = json.loads(row[0]) if row and row[0] else []
    except ValueError:
        value = []
    return [(str(t), str(i)) for t, i in value if isinstance(t, str)] if isinstance(value, list) else []


def _write_refetch(conn: Any, rows: list[tuple[str, str]]) -> None:
    conn.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                 (REFETCH, json.dumps([list(r) for r in rows])))


def rows_to_refetch(store: Any) -> list[tuple[str, str]]:
    """Rows whose discarded changes still wait to be replaced by the server's version."""
    with store.reading() as conn:
        return _refetch_list(conn)


def refetched(store: Any, table: str, row_id: str) -> None:
    with store.transaction(origin=Origin.ACK) as ctx:
        _write_refetch(ctx.conn, [r for r in _refetch_list(ctx.conn) if r != (table, row_id)])


def _server_values(table: str, patch: dict[str, Any]) -> dict[str, Any]:
    drop = CACHE_ONLY_COLUMNS.get(table, frozenset()) | {"version", "updated_at", "updated_by"}
    return {k: v for k, v in patch.items() if k not in drop}


def _runs(entries: list[Entry]) -> list[list[Entry]]:
    """Consecutive entries of one row, merged where the server can take them as one request."""
    runs: list[list[Entry]] = []
    for entry in entries:
        last = runs[-1] if runs else None
        if (last is not None and last[-1].table == entry.table and last[-1].row_id == entry.row_id
                and last[0].op in ("insert", "update") and last[-1].op != "delete" and entry.op == "update"):
            last.append(entry)
        else:
            runs.append([entry])
    return runs


class Pusher:
    def __init__(self, store: Any, client_of: Callable[[], Any], *, refresh: Refresh,
                 apply: Apply = _run_here) -> None:
        self.store = store
        self.client_of = client_of  # the current client (the engine may rebuild it)
        self.refresh = refresh
        self.apply = apply

    async def drain(self, report: PushReport | None = None) -> PushReport:
        """Send every pending entry (see the module doc); raises ``rest.Transient`` when the
        server cannot be reached (what was sent before stays sent)."""
        report = report or PushReport()
        while True:
            entries = await self.apply(read_pending, self.store)
            if not entries:
                return report
            failed = await self.apply(_failed_rows, self.store)
            runs = _runs(entries)
            index = 0
            while index < len(runs):
                group = self._insert_group(runs, index, failed)
                if len(group) > 1:
                    index += len(group)
                    try:
                        await self._send_inserts(group, report)
                        continue
                    except rest.Refused:
                        pass  # one of them is refused: each on its own finds which
                    except rest.Transient as exc:
                        await self.apply(note_attempt, self.store, [e.seq for run in group for e in run], exc.reason)
                        raise
                    for run in group:
                        await self._one(run, report, failed)
                    continue
                await self._one(runs[index], report, failed)
                index += 1

    async def _one(self, run: list[Entry], report: PushReport, failed: dict[tuple[str, str], int]) -> None:
        first = run[0]
        blocked = failed.get((first.table, first.row_id))
        if blocked is not None and blocked < first.seq:
            report.changes.append(await self.apply(park, self.store, [e.seq for e in run], HELD))
            report.parked.extend((e.seq, HELD) for e in run)
            return
        try:
            await self._send(run, report)
        except rest.Refused as exc:
            seqs = [e.seq for e in run]
            report.changes.append(await self.apply(park, self.store, seqs, exc.reason))
            report.parked.extend((s, exc.reason) for s in seqs)
            failed[(first.table, first.row_id)] = first.seq
        except rest.Transient as exc:
            await self.apply(note_attempt, self.store, [e.seq for e in run], exc.reason)
            raise

    @staticmethod
    def _insert_group(runs: list[list[Entry]], start: int, failed: dict[tuple[str, str], int]) -> list[list[Entry]]:
        """Consecutive inserts of one table (new rows, nothing held): one request for them all."""
        group: list[list[Entry]] = []
        table = runs[start][0].table
        for run in runs[start:start + INSERT_BATCH]:
            first = run[0]
            if first.op != "insert" or first.table != table or (first.table, first.row_id) in failed:
                break
            group.append(run)
        return group

    async def _send_inserts(self, group: list[list[Entry]], report: PushReport) -> None:
        table = group[0][0].table
        bodies = []
        for run in group:
            updates: dict[str, Any] = {}
            for entry in run[1:]:
                updates.update(entry.patch)
            bodies.append(_server_values(table, {**run[0].patch, **updates, "id": run[0].row_id}))
        answer = await self._request(lambda c: c.table(table).upsert(
            bodies, on_conflict="id", ignore_duplicates=True, default_to_null=False))
        returned = {str(r.get("id")): r for r in answer}
        for run in group:
            row = returned.get(run[0].row_id)
            if row is None:  # already there (an earlier answer was lost): the careful path
                await self._send(run, report)
                continue
            applied = await self.apply(server_apply.apply_ack, self.store, table, row, [e.seq for e in run])
            report.acked += len(run)
            if applied.changes:
                report.changes.append(applied.changes)
        report.sent += 1

    async def _request(self, make: Callable[[Any], Any]) -> list[dict[str, Any]]:
        """One request; a refused token is refreshed once and the request repeated."""
        try:
            client = self.client_of()
            return await rest.execute(client, make(client))
        except rest.TokenRefused:
            await self.refresh()
            client = self.client_of()
            try:
                return await rest.execute(client, make(client))
            except rest.TokenRefused as exc:
                raise rest.Transient(f"the project keeps refusing the session's token ({exc.reason})") from exc

    async def _why_not_there(self, table: str, row_id: str) -> str:
        """An edit changed no row: deleted (its tombstone says so), or not this person's to change."""
        stones = await self._request(lambda c: c.table(server_apply.TOMBSTONES).select("id")
                                     .eq("table_name", table).eq("row_id", row_id).limit(1))
        return server_apply.DELETED_ON_SERVER if stones else NOT_ON_SERVER

    async def _read(self, table: str, row_id: str) -> dict[str, Any] | None:
        rows = await self._request(lambda c: c.table(table).select("*").eq("id", row_id))
        return rows[0] if rows else None

    async def _send(self, run: list[Entry], report: PushReport) -> None:
        first = run[0]
        table, row_id = first.table, first.row_id
        seqs = [e.seq for e in run]
        updates: dict[str, Any] = {}
        for entry in run[1:] if first.op == "insert" else run:
            updates.update(entry.patch)
        row: dict[str, Any] | None
        if first.op == "insert":
            body = _server_values(table, {**first.patch, **updates, "id": row_id})
            answer = await self._request(lambda c: c.table(table).upsert(
                body, on_conflict="id", ignore_duplicates=True, default_to_null=False))
            if answer:
                row = answer[0]
            else:  # the row was already there: an earlier attempt committed and its answer was lost
                extra = _server_values(table, updates)
                if extra:
                    answer = await self._request(lambda c: c.table(table).update(extra).eq("id", row_id))
                    row = answer[0] if answer else await self._read(table, row_id)
                else:
                    row = await self._read(table, row_id)
                if row is None:
                    raise rest.Refused(NOT_ON_SERVER)
        elif first.op == "update":
            patch = _server_values(table, updates)
            if not patch:
                row = await self._read(table, row_id)
            else:
                answer = await self._request(lambda c: c.table(table).update(patch).eq("id", row_id))
                row = answer[0] if answer else None
            if row is None:
                raise rest.Refused(await self._why_not_there(table, row_id))
        else:
            answer = await self._request(lambda c: c.table(table).delete().eq("id", row_id))
            if not answer and await self._read(table, row_id) is not None:
                raise rest.Refused(DELETE_REFUSED)
            row = None
        applied = await self.apply(server_apply.apply_ack, self.store, table, row, seqs)
        report.sent += 1
        report.acked += len(seqs)
        if applied.changes:
            report.changes.append(applied.changes)

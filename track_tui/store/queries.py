"""Read queries for the screens. Each returns plain models; none writes.

The board never loads a column's cards whole: `column_card_ids` gives the ordered ids (cheap,
one indexed scan) and `card_summaries` builds the few cards on screen.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Iterable

from ..models import (
    RECORD_MODELS, Board, BoardStage, Profile, Record, RecordType, Task, TimelineEntry,
)
from ..models.enums import EntryType, StageType, plural
from ..models.money import CURRENCY_EXPONENTS, Money
from ..models.stored import UnreadableRow
from ..models.views import NO_OWNER, CardFilter, CardSummary, ChangedBy, ColumnStats, initials
from .errors import NotFound
from .rows import iso_utc, row_to_dict, row_to_model, rows_to_models
from .schema import SYNCED_TABLES

if TYPE_CHECKING:
    from .store import Store

log = logging.getLogger(__name__)

# SQL for 10^exponent of a deal's currency, for value filters in major units.
_NOT_TWO = {code: exp for code, exp in CURRENCY_EXPONENTS.items() if exp != 2}
_SCALE_SQL = (
    "CASE r.currency "
    + " ".join(f"WHEN '{code}' THEN {10 ** exp}" for code, exp in sorted(_NOT_TWO.items()))
    + " ELSE 100 END"
)
STAGE_ENTERED_SQL = (
    "coalesce((SELECT max(t.created_at) FROM timeline_entries t "
    "WHERE t.record_id = r.id AND t.entry_type = 'stage_change'), r.created_at)"
)


class Queries:
    """Mixed into :class:`Store`; `self` is the store."""

    # -- people ----------------------------------------------------------------------------

    def profiles(self: "Store") -> dict[str, Profile]:
        with self.reading() as conn:
            rows = conn.execute("SELECT * FROM profiles ORDER BY full_name").fetchall()
        return {p.id: p for p in rows_to_models(Profile, rows)}

    def workspace_name(self: "Store") -> str:
        with self.reading() as conn:
            row = conn.execute(
                "SELECT name FROM workspaces WHERE id = ?", (self.get_meta("workspace_id"),)
            ).fetchone()
        return row[0] if row else "No workspace"

    # -- boards ----------------------------------------------------------------------------

    def boards(self: "Store") -> list[Board]:
        """Boards that are not archived: deals first, then companies, then contacts; oldest first."""
        with self.reading() as conn:
            rows = conn.execute(
                """SELECT * FROM boards WHERE is_archived = 0
                ORDER BY CASE record_type WHEN 'deal' THEN 0 WHEN 'company' THEN 1 ELSE 2 END, created_at, name"""
            ).fetchall()
        return rows_to_models(Board, rows)

    def board(self: "Store", board_id: str) -> Board:
        return self._stored(Board, self._row("boards", board_id))

    def stages(self: "Store", board_id: str) -> list[BoardStage]:
        with self.reading() as conn:
            rows = conn.execute(
                "SELECT * FROM board_stages WHERE board_id = ? ORDER BY position, name", (board_id,)
            ).fetchall()
        return rows_to_models(BoardStage, rows)

    def _filter_sql(self: "Store", record_type: RecordType, flt: CardFilter) -> tuple[str, list[Any]]:
        """WHERE fragments (on `r`, the record) for a card filter."""
        clauses = ["r.deleted_at IS NULL"]
        params: list[Any] = []
        if flt.owner and flt.owner.lower() in NO_OWNER:
            clauses.append("r.owner_id IS NULL")
        elif flt.owner:
            owners = self.resolve_owner(flt.owner)
            clauses.append(f"r.owner_id IN ({', '.join('?' for _ in owners) or 'NULL'})")
            params.extend(owners)
        if flt.stage:
            stage_ids = [s.id for s in self._stages_named(flt.stage)]
            clauses.append(f"c.stage_id IN ({', '.join('?' for _ in stage_ids) or 'NULL'})")
            params.extend(stage_ids)
        if flt.tag:
            clauses.append("EXISTS (SELECT 1 FROM json_each(r.tags) WHERE json_each.value = ?)")
            params.append(flt.tag)
        if flt.text:
            for word in flt.text.split():
                clauses.append("r.name LIKE ? ESCAPE '\\'")
                params.append("%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%")
        if record_type == RecordType.DEAL and flt.currency:
            # One currency: the bounds in its minor units, exactly.
            clauses.append("r.currency = ?")
            params.append(flt.currency)
            scale = 10 ** CURRENCY_EXPONENTS[flt.currency]
            for bound, compare in ((flt.min_value, ">="), (flt.max_value, "<=")):
                if bound is not None:
                    clauses.append(f"r.value_cents {compare} ?")
                    params.append(min(int(bound * scale), 2**63 - 1))
        elif record_type == RecordType.DEAL:
            if flt.min_value is not None:
                clauses.append(f"r.value_cents >= ? * ({_SCALE_SQL})")
                params.append(float(flt.min_value))
            if flt.max_value is not None:
                clauses.append(f"r.value_cents <= ? * ({_SCALE_SQL})")
                params.append(float(flt.max_value))
        if flt.stale_days is not None:
            clauses.append(f"{STAGE_ENTERED_SQL} <= ?")
            params.append(iso_utc(self.now() - timedelta(days=flt.stale_days)))
        return " AND ".join(clauses), params

    def resolve_owner(self: "Store", owner: str) -> list[str]:
        """User ids an `owner:` filter means: 'me', an id, a name prefix, or the initials a card
        shows (`owner:JB` for Jun Baker)."""
        if owner.lower() == "me":
            return [self.user_id] if self.user_id else []
        needle = owner.lower()
        return [
            pid for pid, p in self.profiles().items()
            if pid == owner or p.full_name.lower().startswith(needle)
            or any(part.lower().startswith(needle) for part in p.full_name.split())
            or (len(needle) > 1 and initials(p.full_name).lower() == needle)
        ]

    def _stages_named(self: "Store", name: str, board_id: str | None = None) -> list[BoardStage]:
        """Stages whose name, or a word of it, starts with `name` (any case)."""
        needle = name.lower()
        with self.reading() as conn:
            rows = conn.execute(
                "SELECT * FROM board_stages" + (" WHERE board_id = ?" if board_id else "") + " ORDER BY position, name",
                (board_id,) if board_id else (),
            ).fetchall()
        stages = [row_to_model(BoardStage, r) for r in rows]
        return [s for s in stages if s.name.lower().startswith(needle)
                or any(word.startswith(needle) for word in s.name.lower().split())]

    def filter_problems(self: "Store", board: Board, flt: CardFilter) -> list[str]:
        """What a board filter names that is not there — an owner no one is, a stage the board
        does not have, a value bound on a board without values — one sentence each, so the
        filter line can say so instead of showing an empty board."""
        problems: list[str] = []
        if flt.owner and flt.owner.lower() not in NO_OWNER and not self.resolve_owner(flt.owner):
            if flt.owner.lower() == "me":
                problems.append("owner:me — no one is signed in to this workspace; use a name")
            else:
                people = sorted(self.profiles().values(), key=lambda p: p.full_name)
                known = ", ".join(f"{p.full_name} ({initials(p.full_name)})" for p in people[:6])
                more = f" and {len(people) - 6} more" if len(people) > 6 else ""
                problems.append(f"owner:{flt.owner} — no one by that name or initials; "
                                f"try {known}{more}, me or nobody" if people else
                                f"owner:{flt.owner} — this workspace has no people yet")
        if flt.stage and not self._stages_named(flt.stage, board.id):
            stages = ", ".join(s.name for s in self.stages(board.id))
            problems.append(f"stage:{flt.stage} — {board.name} has no such stage; its stages: {stages}")
        if flt.has_values and board.record_type != RecordType.DEAL:
            problems.append(f"values and currencies filter deals; {board.name} holds {plural(board.record_type)}")
        return problems

    def column_card_ids(self: "Store", board: Board, stage_id: str, flt: CardFilter = CardFilter()) -> list[str]:
        where, params = self._filter_sql(board.record_type, flt)
        with self.reading() as conn:
            rows = conn.execute(
                f"""SELECT c.id FROM board_cards c JOIN {board.record_type.table} r ON r.id = c.record_id
                WHERE c.stage_id = ? AND {where} ORDER BY c.position, c.id""",
                (stage_id, *params),
            ).fetchall()
        return [r[0] for r in rows]

    def board_columns(
        self: "Store", board: Board, flt: CardFilter = CardFilter(),
    ) -> tuple[dict[str, ColumnStats], dict[str, list[str]]]:
        """`column_stats` and every stage's `column_card_ids` in one pass over the board's cards
        (what the board needs to open): each card is joined to its record once, not once per
        query, which at 10,000 deals is half of what start-up spends reading."""
        stages = self.stages(board.id)
        stats = {s.id: ColumnStats(stage=s) for s in stages}
        ids: dict[str, list[str]] = {s.id: [] for s in stages}
        where, params = self._filter_sql(board.record_type, flt)
        money = board.record_type == RecordType.DEAL
        select = "r.currency, r.value_cents" if money else "NULL, NULL"
        # (stage, currency as stored) -> [cards, total of the values there are, any value at all]
        groups: dict[tuple[str, str | None], list] = {}
        with self.reading() as conn:
            for stage in stages:
                rows = conn.execute(
                    f"""SELECT c.id, {select} FROM board_cards c JOIN {board.record_type.table} r
                    ON r.id = c.record_id WHERE c.stage_id = ? AND {where} ORDER BY c.position, c.id""",
                    (stage.id, *params),
                ).fetchall()
                ids[stage.id] = [row[0] for row in rows]
                for _card, currency, value in rows:
                    group = groups.get((stage.id, currency))
                    if group is None:
                        group = groups[(stage.id, currency)] = [0, 0, False]
                    group[0] += 1
                    if value is not None:
                        group[1] += value
                        group[2] = True
        for (stage_id, currency), (count, total, valued) in groups.items():
            self._add_to_column(stats[stage_id], count, currency, total if valued else None, money)
        return stats, ids

    @staticmethod
    def _add_to_column(column: ColumnStats, count: int, currency: str | None, total: int | None, money: bool) -> None:
        """One (stage, stored currency) group's figures into its column; `total` None when no
        card of the group has a value (as SQL's sum of nothing)."""
        column.count += count
        if money and (total is not None or currency):
            currency = (currency or "").upper()  # no currency: the bare number; codes as stored
            total = total or 0
            column.currency_counts[currency] = column.currency_counts.get(currency, 0) + count
            column.totals.add_minor(total, currency)
            probability = float(column.stage.probability) if column.stage.probability is not None else (
                100.0 if column.stage.stage_type == StageType.WON else 0.0
            )
            column.weighted.add_minor(round(total * probability / 100), currency)

    def column_stats(
        self: "Store", board: Board, flt: CardFilter = CardFilter(), stage_ids: Iterable[str] | None = None,
    ) -> dict[str, ColumnStats]:
        """Count, total and weighted total per currency for every stage of `board` (or for
        the stages `stage_ids` only: a change to a few cards re-counts their columns)."""
        stats = {s.id: ColumnStats(stage=s) for s in self.stages(board.id)}
        where, params = self._filter_sql(board.record_type, flt)
        if stage_ids is not None:
            wanted = [stage_id for stage_id in stage_ids if stage_id in stats]
            stats = {stage_id: stats[stage_id] for stage_id in wanted}
            where += f" AND c.stage_id IN ({', '.join('?' for _ in wanted) or 'NULL'})"
            params = [*params, *wanted]
        table = board.record_type.table
        money = board.record_type == RecordType.DEAL
        # NULL ("no value") adds nothing. The high and low 32 bits are summed apart and joined in
        # Python: exact, where sum() of bigint-sized values stops with "integer overflow" and
        # total() rounds to a double.
        select = "r.currency, sum(r.value_cents >> 32), sum(r.value_cents & 4294967295)" if money else "NULL, NULL, NULL"
        group = ", r.currency" if money else ""
        with self.reading() as conn:
            rows = conn.execute(
                f"""SELECT c.stage_id, count(*), {select}
                FROM board_cards c JOIN {table} r ON r.id = c.record_id
                WHERE c.board_id = ? AND {where} GROUP BY c.stage_id{group}""",
                (board.id, *params),
            ).fetchall()
        for stage_id, count, currency, high, low in rows:
            column = stats.get(stage_id)
            if column is not None:
                total = None if high is None else (high << 32) + (low or 0)
                self._add_to_column(column, count, currency, total, money)
        return stats

    def card_summaries(self: "Store", card_ids: Iterable[str]) -> dict[str, CardSummary]:
        ids = list(card_ids)
        if not ids:
            return {}
        with self.reading() as conn:
            record_type = conn.execute(
                "SELECT record_type FROM board_cards WHERE id = ?", (ids[0],)
            ).fetchone()
            if record_type is None or record_type[0] not in {k.value for k in RecordType}:
                return {}  # a card of a type no board here shows (a web app's own kind)
            kind = RecordType(record_type[0])
            if kind == RecordType.DEAL:
                extra = "r.value_cents, r.currency, r.close_date, co.name AS subtitle, NULL AS detail"
                join = "LEFT JOIN companies co ON co.id = r.company_id"
            elif kind == RecordType.CONTACT:
                extra = "NULL AS value_cents, NULL AS currency, NULL AS close_date, coalesce(co.name, r.email) AS subtitle, r.title AS detail"
                join = "LEFT JOIN companies co ON co.id = r.company_id"
            else:
                extra = "NULL AS value_cents, NULL AS currency, NULL AS close_date, r.domain AS subtitle, r.industry AS detail"
                join = ""
            marks = ", ".join("?" for _ in ids)
            rows = conn.execute(
                f"""SELECT c.id AS card_id, c.record_type, c.record_id, c.stage_id, c.position, r.name,
                    r.owner_id, p.full_name AS owner_name, r.tags, {extra},
                    {STAGE_ENTERED_SQL} AS stage_entered_at,
                    (SELECT min(k.due_date) FROM tasks k WHERE k.record_id = r.id AND k.status != 'done') AS next_task_due,
                    (SELECT count(*) FROM tasks k WHERE k.record_id = r.id AND k.status != 'done') AS open_tasks
                FROM board_cards c JOIN {kind.table} r ON r.id = c.record_id {join}
                LEFT JOIN profiles p ON p.id = r.owner_id
                WHERE c.id IN ({marks})""",
                ids,
            ).fetchall()
        result = {}
        for row in rows:
            data = row_to_dict(row)
            value_cents, currency = data.pop("value_cents"), data.pop("currency")
            if kind == RecordType.DEAL and value_cents is not None:  # a deal without a value has none (NULL)
                data["value"] = Money(minor=value_cents, currency=currency)
            try:
                result[data["card_id"]] = row_to_model(CardSummary, data)
            except UnreadableRow as exc:
                log.warning("a card cannot be shown: %s", exc)
        return result

    def card_for_record(self: "Store", board_id: str, record_id: str) -> str | None:
        with self.reading() as conn:
            row = conn.execute(
                "SELECT id FROM board_cards WHERE board_id = ? AND record_id = ?", (board_id, record_id)
            ).fetchone()
        return row[0] if row else None

    def card_index(self: "Store", board: Board, card_id: str, flt: CardFilter = CardFilter()) -> tuple[str, int] | None:
        """(stage id, index in that column) of a card under a filter, or None if filtered out."""
        with self.reading() as conn:
            row = conn.execute("SELECT stage_id FROM board_cards WHERE id = ?", (card_id,)).fetchone()
        if row is None:
            return None
        ids = self.column_card_ids(board, row[0], flt)
        return (row[0], ids.index(card_id)) if card_id in ids else None

    def card_places(
        self: "Store", board: Board, card_ids: Iterable[str], flt: CardFilter = CardFilter(),
    ) -> dict[str, tuple[str, int] | None]:
        """Where each card is drawn under a filter: (stage id, index in its column), or None
        when the board does not show it (gone, on another board, its record deleted, filtered
        out). The index is counted on the (stage, position, id) index, so a change to a few
        cards costs a few counts, not a read of their columns (see screens/board.py)."""
        where, params = self._filter_sql(board.record_type, flt)
        table = board.record_type.table
        places: dict[str, tuple[str, int] | None] = {}
        with self.reading() as conn:
            for card_id in card_ids:
                row = conn.execute(
                    f"""SELECT c.stage_id, c.position FROM board_cards c JOIN {table} r ON r.id = c.record_id
                    WHERE c.id = ? AND c.board_id = ? AND {where}""",
                    (card_id, board.id, *params),
                ).fetchone()
                if row is None:
                    places[card_id] = None
                    continue
                stage_id, position = row
                before = conn.execute(  # the order of column_card_ids: position, then id
                    f"""SELECT count(*) FROM board_cards c JOIN {table} r ON r.id = c.record_id
                    WHERE c.stage_id = ? AND (c.position < ? OR (c.position = ? AND c.id < ?)) AND {where}""",
                    (stage_id, position, position, card_id, *params),
                ).fetchone()[0]
                places[card_id] = (stage_id, before)
        return places

    def cards_of_records(self: "Store", board_id: str, record_ids: Iterable[str]) -> set[str]:
        """The cards on a board that show these records."""
        ids = list(record_ids)
        found: set[str] = set()
        with self.reading() as conn:
            for start in range(0, len(ids), 500):
                chunk = ids[start:start + 500]
                marks = ", ".join("?" for _ in chunk)
                found.update(r[0] for r in conn.execute(
                    f"SELECT id FROM board_cards WHERE board_id = ? AND record_id IN ({marks})", (board_id, *chunk),
                ))
        return found

    def records_of(self: "Store", table: str, row_ids: Iterable[str]) -> set[str] | None:
        """The records that rows of `table` (tasks, timeline entries) belong to; None when a
        row is no longer there (a hard delete), so its record cannot be told."""
        if table not in ("tasks", "timeline_entries"):
            raise ValueError(f"{table} rows do not belong to a record")
        ids = list(row_ids)
        records: set[str] = set()
        seen = 0
        with self.reading() as conn:
            for start in range(0, len(ids), 500):
                chunk = ids[start:start + 500]
                marks = ", ".join("?" for _ in chunk)
                rows = conn.execute(f"SELECT record_id FROM {table} WHERE id IN ({marks})", chunk).fetchall()
                seen += len(rows)
                records.update(r[0] for r in rows if r[0] is not None)
        return records if seen == len(ids) else None

    # -- closing and reopening -------------------------------------------------------------

    def earlier_close_date(self: "Store", deal_id: str, stage_type: StageType) -> date | None:
        """The deal's close date when it has been in a `stage_type` stage before (won, reopened,
        now won again): the date a won/lost dialog keeps instead of today's."""
        kind = StageType(stage_type).value
        with self.reading() as conn:
            row = conn.execute(
                """SELECT d.close_date FROM deals d WHERE d.id = ? AND d.close_date IS NOT NULL
                AND EXISTS (SELECT 1 FROM timeline_entries t WHERE t.record_id = d.id
                    AND t.entry_type = 'stage_change' AND (
                        json_extract(t.payload, '$.to_stage_type') = ?
                        OR json_extract(t.payload, '$.from_stage_id') IN
                            (SELECT id FROM board_stages WHERE stage_type = ?)))""",
                (deal_id, kind, kind),
            ).fetchone()
        try:
            return date.fromisoformat(row[0]) if row else None
        except (TypeError, ValueError):  # a malformed date from elsewhere: ask with today's
            return None

    def reopen_stage(self: "Store", card_id: str) -> BoardStage | None:
        """Where a card in a won or lost stage goes when it is reopened: the open stage it was
        closed from, else the board's last open stage. None for a card in an open stage."""
        with self.reading() as conn:
            card = conn.execute("SELECT * FROM board_cards WHERE id = ?", (card_id,)).fetchone()
            if card is None:
                return None
            stages = self.stages(card["board_id"])
            current = next((s for s in stages if s.id == card["stage_id"]), None)
            if current is None or current.stage_type == StageType.OPEN:
                return None
            came_from = conn.execute(
                """SELECT json_extract(payload, '$.from_stage_id') FROM timeline_entries
                WHERE record_id = ? AND entry_type = 'stage_change' AND json_extract(payload, '$.to_stage_id') = ?
                ORDER BY created_at DESC, rowid DESC LIMIT 1""",
                (card["record_id"], card["stage_id"]),
            ).fetchone()
        open_stages = [s for s in stages if s.stage_type == StageType.OPEN]
        earlier = next((s for s in open_stages if came_from and s.id == came_from[0]), None)
        return earlier or (open_stages[-1] if open_stages else None)

    # -- records ---------------------------------------------------------------------------

    def record(self: "Store", record_type: RecordType, record_id: str) -> Record:
        with self.reading():
            return self._stored(RECORD_MODELS[RecordType(record_type)], self._record_row(record_type, record_id))

    def record_name(self: "Store", record_type: RecordType | str, record_id: str) -> str | None:
        with self.reading() as conn:
            row = conn.execute(
                f"SELECT name FROM {RecordType(record_type).table} WHERE id = ?", (record_id,)
            ).fetchone()
        return row[0] if row else None

    def timeline(
        self: "Store",
        record_id: str,
        *,
        types: Iterable[EntryType] | None = None,
        limit: int = 200,
        offset: int = 0,
    ) -> list[TimelineEntry]:
        """A record's entries, newest first."""
        sql = "SELECT * FROM timeline_entries WHERE record_id = ?"
        params: list[Any] = [record_id]
        if types is not None:
            kinds = [EntryType(t).value for t in types]
            sql += f" AND entry_type IN ({', '.join('?' for _ in kinds)})"
            params.extend(kinds)
        # Entries written in one transaction share created_at (the store's clock is read once
        # per transaction); rowid keeps them in the order they were written, where the random
        # UUID would shuffle them between runs.
        sql += " ORDER BY created_at DESC, rowid DESC LIMIT ? OFFSET ?"
        with self.reading() as conn:
            rows = conn.execute(sql, (*params, limit, offset)).fetchall()
        return rows_to_models(TimelineEntry, rows)

    def tasks_for_record(self: "Store", record_id: str) -> list[Task]:
        with self.reading() as conn:
            rows = conn.execute(
                """SELECT * FROM tasks WHERE record_id = ?
                ORDER BY status = 'done', due_date IS NULL, due_date, created_at""",
                (record_id,),
            ).fetchall()
        return rows_to_models(Task, rows)

    def changed_by(self: "Store", table: str, row_id: str) -> ChangedBy:
        """Who made the row's last change: this person when a change of theirs waits in the
        outbox, else whom the server's `updated_by` names (None: someone without a session —
        the web app's service role, an automation, direct SQL)."""
        if table not in SYNCED_TABLES:
            raise ValueError(f"{table!r} is not a synced table")
        with self.reading() as conn:
            mine = conn.execute(
                "SELECT 1 FROM outbox WHERE table_name = ? AND row_id = ? AND state = 'pending' LIMIT 1",
                (table, row_id),
            ).fetchone()
            row = conn.execute(
                f"SELECT r.updated_by, p.full_name FROM {table} r LEFT JOIN profiles p ON p.id = r.updated_by "
                "WHERE r.id = ?", (row_id,),
            ).fetchone()
        if row is None:
            raise NotFound(f"no {table} row with id {row_id}")
        user_id, name = row[0], row[1]
        you = bool(mine) or (user_id is not None and user_id == self.user_id)
        return ChangedBy(user_id=user_id, name=name or None, is_you=you)

    # -- sync status -----------------------------------------------------------------------

    def pending_count(self: "Store") -> int:
        """Outbox entries waiting to be sent (one per row an action wrote: the machinery's count;
        the status line shows :meth:`pending_changes`)."""
        with self.reading() as conn:
            return conn.execute("SELECT count(*) FROM outbox WHERE state = 'pending'").fetchone()[0]

    def pending_changes(self: "Store") -> int:
        """How many things this person changed that wait to be sent — what "N pending" counts.

        One action writes several outbox entries (a card move: the card, the deal's stage and
        the stage-change entry), so entries are not what a person made. A change here is a
        *thing changed*: a record (a deal, contact or company) with everything that hangs off it
        — its card, timeline entries, tasks and deal contacts — counts once however often it was
        edited; any other row (a board, a stage, a rule, a member) counts by itself. Two moves of
        two cards are 2, two moves of one card are 1, an import of 500 contacts is 500. A row
        already deleted here counts by itself (its record is no longer known)."""
        with self.reading() as conn:
            return conn.execute(PENDING_CHANGES_SQL).fetchone()[0]

    def failed_count(self: "Store") -> int:
        with self.reading() as conn:
            return conn.execute("SELECT count(*) FROM outbox WHERE state = 'failed'").fetchone()[0]

    def last_sync(self: "Store") -> datetime | None:
        value = self.get_meta("last_sync_at")
        return datetime.fromisoformat(value) if value else None


# Each pending outbox entry named by the thing it changes (see `pending_changes`).
PENDING_CHANGES_SQL = """
SELECT count(DISTINCT COALESCE(CASE o.table_name
    WHEN 'deals' THEN 'deal:' || o.row_id
    WHEN 'contacts' THEN 'contact:' || o.row_id
    WHEN 'companies' THEN 'company:' || o.row_id
    WHEN 'board_cards' THEN (SELECT c.record_type || ':' || c.record_id FROM board_cards c WHERE c.id = o.row_id)
    WHEN 'timeline_entries' THEN (SELECT t.record_type || ':' || t.record_id FROM timeline_entries t WHERE t.id = o.row_id)
    WHEN 'tasks' THEN (SELECT t.record_type || ':' || t.record_id FROM tasks t
                       WHERE t.id = o.row_id AND t.record_id IS NOT NULL)
    WHEN 'deal_contacts' THEN (SELECT 'deal:' || d.deal_id FROM deal_contacts d WHERE d.id = o.row_id)
  END, o.table_name || ':' || o.row_id))
FROM outbox o WHERE o.state = 'pending'
"""

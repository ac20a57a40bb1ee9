"""The import's write action: many records, one transaction, the one write path.

An import is one of the person's actions like any edit: its rows go through
:meth:`WriteContext.insert_many` (checks, outbox entries, search documents, the undo journal),
deals get their cards on the board at the top of their stage (in file order), and duplicates
the person chose to update go through :meth:`update_record` inside the same transaction, so
their field edits are logged as any edit is. All of it commits together or not at all.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Sequence

from ..models import BoardCard, Company, Record, RecordType
from .actions import write_action
from .errors import InvalidInput

if TYPE_CHECKING:
    from .store import Store


class ImportWrites:
    """Mixed into :class:`Store`; `self` is the store."""

    @write_action("the import")
    def import_records(
        self: "Store", record_type: RecordType, records: Sequence[Record], *,
        new_companies: Sequence[Company] = (),
        updates: Sequence[tuple[str, dict[str, Any], dict[str, Any]]] = (),
        progress: Callable[[int], None] | None = None,
    ) -> int:
        """Insert `records` (and first the companies they introduce); deals get a card on
        their stage's board; `updates` are (record id, fields, custom values) edits. Returns the number
        of records written."""
        record_type = RecordType(record_type)
        if any(r.RECORD_TYPE != record_type for r in records):
            raise ValueError("every imported record must be of the import's record type")
        with self.transaction() as tx:
            tx.insert_many(list(new_companies))
            tx.insert_many(list(records), progress=progress)
            if record_type == RecordType.DEAL and records:
                # Each deal's card goes on its stage's board (a file may fill several boards).
                boards = dict(tx.conn.execute("SELECT id, board_id FROM board_stages").fetchall())
                cards: list[BoardCard] = []
                by_stage: dict[str, list[Record]] = {}
                for deal in records:
                    by_stage.setdefault(deal.stage_id, []).append(deal)  # type: ignore[attr-defined]
                for stage_id, deals in by_stage.items():
                    if stage_id not in boards:
                        raise InvalidInput("Stage", "the deal's stage is not on any board here")
                    top = tx.conn.execute(
                        "SELECT min(position) FROM board_cards WHERE stage_id = ?", (stage_id,)).fetchone()[0]
                    first = (top if top is not None else 0) - len(deals)
                    cards.extend(
                        BoardCard(board_id=boards[stage_id], stage_id=stage_id, record_type=RecordType.DEAL,
                                  record_id=deal.id, position=first + index, workspace_id=tx.workspace_id)
                        for index, deal in enumerate(deals)
                    )
                tx.insert_many(cards)
            for record_id, fields, custom in updates:
                self.update_record(record_type, record_id, fields, custom)
        return len(records) + len(updates)

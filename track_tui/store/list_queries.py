"""The list view's query: every card of a board under its filter, in one read.

One row per card with the names the list shows (stage, owner, company), the time the card
entered its stage and its next open task, read with the same filter SQL as the board's columns
(so the list and the board always agree on which cards match). At 10,000 cards this is one
indexed scan; the list draws only the rows on screen.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from ..models import Board, RecordType
from ..models.board_rows import BoardRow
from ..models.money import Money
from ..models.stored import UnreadableRow
from ..models.views import CardFilter
from .queries import STAGE_ENTERED_SQL
from .rows import row_to_dict, row_to_model

if TYPE_CHECKING:
    from .store import Store

log = logging.getLogger(__name__)


class ListQueries:
    """Mixed into :class:`Store`; `self` is the store."""

    def board_rows(self: "Store", board: Board, flt: CardFilter = CardFilter()) -> list[BoardRow]:
        """Every card of `board` that `flt` lets through, in board order."""
        kind = board.record_type
        where, params = self._filter_sql(kind, flt)
        if kind == RecordType.DEAL:
            extra = "r.value_cents, r.currency, r.close_date, r.company_id, co.name AS company_name"
            join = "LEFT JOIN companies co ON co.id = r.company_id"
        elif kind == RecordType.CONTACT:
            extra = "NULL AS value_cents, NULL AS currency, NULL AS close_date, r.company_id, co.name AS company_name"
            join = "LEFT JOIN companies co ON co.id = r.company_id"
        else:
            extra = "NULL AS value_cents, NULL AS currency, NULL AS close_date, NULL AS company_id, NULL AS company_name"
            join = ""
        with self.reading() as conn:
            rows = conn.execute(
                f"""SELECT c.id AS card_id, c.record_type, c.record_id, c.stage_id, c.position AS card_position,
                    s.name AS stage_name, s.position AS stage_position, r.name, r.owner_id,
                    p.full_name AS owner_name, r.custom_fields, {extra},
                    {STAGE_ENTERED_SQL} AS stage_entered_at,
                    (SELECT k.title FROM tasks k WHERE k.record_id = r.id AND k.status != 'done'
                        ORDER BY k.due_date IS NULL, k.due_date, k.created_at LIMIT 1) AS next_task_title,
                    (SELECT min(k.due_date) FROM tasks k WHERE k.record_id = r.id AND k.status != 'done') AS next_task_due
                FROM board_cards c JOIN {kind.table} r ON r.id = c.record_id
                JOIN board_stages s ON s.id = c.stage_id {join}
                LEFT JOIN profiles p ON p.id = r.owner_id
                WHERE c.board_id = ? AND {where}
                ORDER BY s.position, c.position, c.id""",
                (board.id, *params),
            ).fetchall()
        result: list[BoardRow] = []
        for row in rows:
            data = row_to_dict(row)
            value_cents, currency = data.pop("value_cents"), data.pop("currency")
            if value_cents is not None:
                data["value"] = Money(minor=value_cents, currency=currency)
            if not isinstance(data.get("custom_fields"), dict):
                data["custom_fields"] = {}
            try:
                result.append(row_to_model(BoardRow, data))
            except UnreadableRow as exc:
                log.warning("a card cannot be listed: %s", exc)
        return result

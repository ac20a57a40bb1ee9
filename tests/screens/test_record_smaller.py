"""Smaller record-page details: a closed deal's probability is settled, not the one it had in
its last open stage."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.support.screen_text import screen_lines
from track_tui.models import RecordType

from .test_record import SIZE, open_page


def _deal_in(store, stage_type: str) -> str:
    return store.conn.execute(
        """SELECT d.id FROM deals d JOIN board_cards c ON c.record_id = d.id JOIN board_stages s ON s.id = c.stage_id
           WHERE s.stage_type = ? AND d.deleted_at IS NULL ORDER BY d.name LIMIT 1""", (stage_type,),
    ).fetchone()[0]


@pytest.mark.parametrize(("stage_type", "shown"), [("lost", "0% (lost)"), ("won", "100% (won)")])
async def test_a_closed_deal_shows_its_settled_probability(demo_app, demo_store, stage_type, shown):
    deal_id = _deal_in(demo_store, stage_type)
    demo_store.update_record(RecordType.DEAL, deal_id, {"probability": Decimal(10)})  # typed while it was open
    async with demo_app.run_test(size=SIZE) as pilot:
        await open_page(demo_app, pilot, RecordType.DEAL, deal_id)
        line = next(line for line in screen_lines(demo_app) if "│ Probability   " in line)
        field = line.split("│")[1]  # the Fields pane, not the timeline beside it
        assert shown in field and "10%" not in field, line
    assert demo_store.record(RecordType.DEAL, deal_id).probability == Decimal(10)  # the stored value is kept


async def test_an_open_deal_shows_its_own_probability(demo_app, demo_store):
    deal_id = _deal_in(demo_store, "open")
    demo_store.update_record(RecordType.DEAL, deal_id, {"probability": Decimal(35)})
    async with demo_app.run_test(size=SIZE) as pilot:
        await open_page(demo_app, pilot, RecordType.DEAL, deal_id)
        line = next(line for line in screen_lines(demo_app) if "│ Probability   " in line)
        assert "35%" in line.split("│")[1], line

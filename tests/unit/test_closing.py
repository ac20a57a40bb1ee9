"""Closing and reopening deals: the close date a won/lost dialog keeps, and where H reopens to."""

from __future__ import annotations

from datetime import date

import pytest

from tests.factories import Ids, make_store
from track_tui.models import RecordType
from track_tui.models.enums import StageType
from track_tui.store import Store


@pytest.fixture
def ws() -> tuple[Store, Ids]:
    store, ids = make_store()
    yield store, ids
    store.close()


def test_a_deal_won_before_keeps_its_won_date_when_won_again(ws) -> None:
    store, ids = ws
    deal, card = ids.deals["Acme renewal"], ids.cards["Acme renewal"]
    assert store.earlier_close_date(deal, StageType.WON) is None  # never won: the dialog says today
    store.move_card(card, ids.stages["Won"], close_date=date(2026, 3, 2))
    store.move_card(card, ids.stages["Proposal"])  # reopened…
    assert store.earlier_close_date(deal, StageType.WON) == date(2026, 3, 2)  # …and won again
    assert store.earlier_close_date(deal, StageType.LOST) is None


def test_a_deal_that_was_created_won_counts_as_won_before(ws) -> None:
    store, ids = ws
    deal, card = ids.deals["Initech migration"], ids.cards["Initech migration"]
    store.update_record(RecordType.DEAL, deal, {"close_date": date(2026, 2, 20)})
    store.move_card(card, ids.stages["Proposal"])
    assert store.earlier_close_date(deal, StageType.WON) == date(2026, 2, 20)


def test_reopening_goes_back_to_the_stage_it_was_closed_from(ws) -> None:
    store, ids = ws
    card = ids.cards["Acme renewal"]
    assert store.reopen_stage(card) is None  # open already
    store.move_card(card, ids.stages["Lost"], note="Price")
    assert store.reopen_stage(card).id == ids.stages["Lead"]  # never into Won
    store.move_card(card, ids.stages["Qualified"])
    store.move_card(card, ids.stages["Won"])
    assert store.reopen_stage(card).id == ids.stages["Qualified"]


def test_a_card_created_closed_reopens_in_the_last_open_stage(ws) -> None:
    store, ids = ws
    assert store.reopen_stage(ids.cards["Umbrella audit"]).id == ids.stages["Proposal"]
    assert store.reopen_stage("no such card") is None

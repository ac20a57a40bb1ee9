"""Screen queries: column figures per currency, board filters, card summaries, timelines."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.factories import FIXED_NOW, TODAY, Ids, make_store
from track_tui.models import Money, MoneyTotals, RecordType, Task, TimelineEntry
from track_tui.models.enums import EntryType
from track_tui.models.views import CardFilter
from track_tui.store import Store


@pytest.fixture(scope="module")
def ws() -> tuple[Store, Ids]:
    """A read-only workspace shared by the tests that do not write."""
    store, ids = make_store()
    yield store, ids
    store.close()


@pytest.fixture
def fresh() -> tuple[Store, Ids]:
    store, ids = make_store()
    yield store, ids
    store.close()


def totals(*pairs: tuple[int, str]) -> MoneyTotals:
    return MoneyTotals(Money(minor=m, currency=c) for m, c in pairs)


def names(store: Store, ids: Ids, query: str, board: str = "deals") -> set[str]:
    """Names of the cards on a board (all columns) that a filter lets through."""
    board_model = store.board(ids.deals_board if board == "deals" else ids.contacts_board)
    flt = CardFilter.parse(query)
    by_card = {card: name for name, card in ids.cards.items()}
    return {by_card[c] for s in store.stages(board_model.id) for c in store.column_card_ids(board_model, s.id, flt)}


# -- column figures ------------------------------------------------------------------------


def test_column_stats_count_totals_and_weighted_per_currency(ws) -> None:
    store, ids = ws
    stats = store.column_stats(store.board(ids.deals_board))
    by_name = {s.stage.name: s for s in stats.values()}
    assert list(by_name) == ["Lead", "Qualified", "Proposal", "Won", "Lost"]

    lead = by_name["Lead"]
    assert lead.count == 3
    assert lead.totals == totals((1_250_000, "USD"), (1_509_000, "JPY"))
    # weighted = value × stage probability (10%), per currency.
    assert lead.weighted == totals((125_000, "USD"), (150_900, "JPY"))
    assert lead.totals.format_compact() == "¥1.5m · $12.5k"

    assert (by_name["Qualified"].count, by_name["Qualified"].weighted) == (1, totals((1_200_000, "USD")))
    assert by_name["Proposal"].totals == totals((2_500_750, "KWD"))
    assert by_name["Proposal"].weighted == totals((1_500_450, "KWD"))
    # A won stage without a probability weighs 100%; a lost one at 0% weighs nothing.
    assert by_name["Won"].weighted == by_name["Won"].totals == totals((800_000, "USD"))
    assert by_name["Lost"].weighted == totals((0, "USD"))
    # No column ever holds a sum of two currencies.
    for column in stats.values():
        assert len({m.currency for m in column.totals.items()}) == len(column.totals.items())


def test_column_stats_follow_the_filter(ws) -> None:
    store, ids = ws
    stats = store.column_stats(store.board(ids.deals_board), CardFilter.parse(">10k"))
    by_name = {s.stage.name: s for s in stats.values()}
    assert by_name["Lead"].count == 2
    assert by_name["Lead"].totals == totals((1_250_000, "USD"), (1_500_000, "JPY"))
    assert by_name["Proposal"].count == 0 and not by_name["Proposal"].totals


def test_column_stats_of_a_contacts_board_count_only(ws) -> None:
    store, ids = ws
    stats = store.column_stats(store.board(ids.contacts_board))
    assert {s.stage.name: (s.count, bool(s.totals)) for s in stats.values()} == {
        "New": (2, False), "Engaged": (1, False)}


def test_an_empty_column_has_zero_figures(fresh) -> None:
    store, ids = fresh
    store.move_card(ids.cards["Globex expansion"], ids.stages["Lead"])
    qualified = store.column_stats(store.board(ids.deals_board))[ids.stages["Qualified"]]
    assert qualified.count == 0 and not qualified.totals and not qualified.weighted


# -- filters -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", {"Acme renewal", "Tokyo pilot", "Osaka trial", "Globex expansion", "Gulf supply",
              "Initech migration", "Umbrella audit"}),
        ("owner:me", {"Acme renewal", "Osaka trial", "Gulf supply", "Initech migration"}),
        ("owner:omar", {"Tokyo pilot", "Globex expansion", "Umbrella audit"}),
        ("owner:Haddad", {"Tokyo pilot", "Globex expansion", "Umbrella audit"}),
        ("owner:zed", set()),
        ("tag:vip", {"Acme renewal", "Globex expansion"}),
        ("tag:VIP", {"Acme renewal", "Globex expansion"}),
        ("tag:vi", set()),  # tags match whole
        ("acme", {"Acme renewal"}),
        ("ACME", {"Acme renewal"}),
        ("pilot tokyo", {"Tokyo pilot"}),
        ("100%", set()),  # LIKE wildcards are literal
        ("_", set()),
        # Value bounds are major units of each deal's own currency.
        (">10k", {"Acme renewal", "Tokyo pilot", "Globex expansion"}),
        ("<10k", {"Osaka trial", "Gulf supply", "Initech migration", "Umbrella audit"}),
        (">2k <3k", {"Gulf supply"}),
        (">2500.75 <2500.75", {"Gulf supply"}),  # bounds are inclusive, to the minor unit
        (">9000 <9000", {"Osaka trial"}),
        # Stale: days since entering the stage (stage_change history, else creation).
        ("stale:14", {"Acme renewal", "Tokyo pilot", "Osaka trial", "Gulf supply", "Initech migration",
                      "Umbrella audit"}),
        ("stale:3", {"Acme renewal", "Tokyo pilot", "Osaka trial", "Gulf supply", "Initech migration",
                     "Umbrella audit"}),
        ("stale:2", {"Acme renewal", "Tokyo pilot", "Osaka trial", "Globex expansion", "Gulf supply",
                     "Initech migration", "Umbrella audit"}),
        ("stale:31", set()),
        ("owner:me tag:vip >10k stale:14 acme", {"Acme renewal"}),
        ("owner:me tag:vip >20k", set()),
    ],
)
def test_deal_board_filters(ws, query: str, expected: set[str]) -> None:
    store, ids = ws
    assert names(store, ids, query) == expected


def test_filters_on_a_contacts_board(ws) -> None:
    store, ids = ws
    assert names(store, ids, "lovelace", "contacts") == {"Ada Lovelace"}
    assert names(store, ids, ">10k", "contacts") == {"Ada Lovelace", "Ken Sato", "Grace Hopper"}  # no values
    assert names(store, ids, "owner:mia stale:20", "contacts") == {"Ada Lovelace", "Ken Sato", "Grace Hopper"}


def test_a_move_resets_staleness(fresh) -> None:
    store, ids = fresh
    store.move_card(ids.cards["Acme renewal"], ids.stages["Qualified"])
    assert "Acme renewal" not in names(store, ids, "stale:14")
    store.clock = lambda: FIXED_NOW + timedelta(days=15)
    assert "Acme renewal" in names(store, ids, "stale:14")


def test_owner_me_without_a_signed_in_user_matches_nothing(fresh) -> None:
    store, ids = fresh
    store.conn.execute("DELETE FROM meta WHERE key = 'user_id'")
    assert store.resolve_owner("me") == []
    assert names(store, ids, "owner:me") == set()
    assert store.resolve_owner(ids.other) == [ids.other]


def test_card_index_under_a_filter(ws) -> None:
    store, ids = ws
    board = store.board(ids.deals_board)
    assert store.card_index(board, ids.cards["Osaka trial"]) == (ids.stages["Lead"], 2)
    assert store.card_index(board, ids.cards["Osaka trial"], CardFilter.parse("owner:me")) == (ids.stages["Lead"], 1)
    assert store.card_index(board, ids.cards["Osaka trial"], CardFilter.parse(">10k")) is None


# -- card summaries ------------------------------------------------------------------------


def test_card_summaries(ws) -> None:
    store, ids = ws
    cards = [ids.cards[n] for n in ("Acme renewal", "Tokyo pilot", "Globex expansion", "Gulf supply")]
    summaries = store.card_summaries(cards)
    acme, tokyo, globex, gulf = (summaries[c] for c in cards)

    assert acme.name == "Acme renewal" and acme.subtitle == "Acme"
    assert acme.value == Money(minor=1_250_000, currency="USD")
    assert (acme.owner_id, acme.owner_name, acme.owner_initials) == (ids.me, "Mia Chen", "MC")
    assert acme.tags == ["vip", "renewal"]
    assert acme.open_tasks == 1 and acme.next_task_due == TODAY - timedelta(days=3)
    assert acme.task_marker(TODAY) == "overdue"
    assert acme.days_in_stage(FIXED_NOW) == 30

    assert tokyo.value.format() == "¥1,500,000" and tokyo.subtitle == "Kaisha"
    assert tokyo.task_marker(TODAY) == "none"
    assert globex.task_marker(TODAY) is None  # planned, in five days
    assert globex.days_in_stage(FIXED_NOW) == 2  # moved two days ago
    assert globex.stage_id == ids.stages["Qualified"]
    assert gulf.task_marker(TODAY) == "none"  # its only task is done
    assert gulf.value.format() == "KWD 2,500.750"


def test_contact_card_subtitles(ws) -> None:
    store, ids = ws
    cards = {n: ids.cards[n] for n in ("Ada Lovelace", "Grace Hopper")}
    summaries = store.card_summaries(cards.values())
    assert summaries[cards["Ada Lovelace"]].subtitle == "Acme"  # the company
    grace = summaries[cards["Grace Hopper"]]
    assert grace.detail == "Rear Admiral"  # the job title, on its own line
    assert grace.subtitle == store.record(RecordType.CONTACT, grace.record_id).email  # no company: the email
    assert grace.value is None


def test_card_summaries_of_nothing(ws) -> None:
    store, _ = ws
    assert store.card_summaries([]) == {}


def test_the_next_due_task_is_the_earliest_open_one(fresh) -> None:
    store, ids = fresh
    deal = ids.deals["Tokyo pilot"]
    for due in (TODAY + timedelta(days=9), None, TODAY + timedelta(days=1)):
        store.create_task(Task(workspace_id=ids.workspace, record_type=RecordType.DEAL, record_id=deal,
                               title=f"task {due}", due_date=due))
    summary = store.card_summaries([ids.cards["Tokyo pilot"]])[ids.cards["Tokyo pilot"]]
    assert summary.open_tasks == 3 and summary.next_task_due == TODAY + timedelta(days=1)
    assert [t.due_date for t in store.tasks_for_record(deal)] == [
        TODAY + timedelta(days=1), TODAY + timedelta(days=9), None]


# -- timeline ------------------------------------------------------------------------------


def test_timeline_is_newest_first_with_a_type_filter(fresh) -> None:
    store, ids = fresh
    deal = ids.deals["Osaka trial"]
    for days_ago, kind, body in [(5, EntryType.NOTE, "first"), (3, EntryType.CALL, "second"),
                                 (1, EntryType.NOTE, "third")]:
        store.clock = lambda d=days_ago: FIXED_NOW - timedelta(days=d)
        store.add_entry(TimelineEntry(workspace_id=ids.workspace, record_type=RecordType.DEAL,
                                      record_id=deal, entry_type=kind, body=body))
    store.clock = lambda: FIXED_NOW
    store.move_card(ids.cards["Osaka trial"], ids.stages["Proposal"])

    everything = store.timeline(deal)
    assert [e.body or e.entry_type.value for e in everything] == ["stage_change", "third", "second", "first"]
    assert [e.body for e in store.timeline(deal, types=[EntryType.NOTE])] == ["third", "first"]
    assert [e.body for e in store.timeline(deal, types=[EntryType.NOTE, EntryType.CALL])] == [
        "third", "second", "first"]
    assert [e.body for e in store.timeline(deal, limit=2, offset=1)] == ["third", "second"]
    assert store.timeline(deal, types=[]) == []
    assert store.timeline(ids.deals["Tokyo pilot"]) == []


def test_entries_of_one_transaction_keep_their_written_order(fresh) -> None:
    store, ids = fresh
    deal = ids.deals["Osaka trial"]
    store.update_record(RecordType.DEAL, deal, {"name": "Osaka trial 2", "value_cents": 10_000,
                                                "close_date": date(2026, 4, 1)})
    fields = [e.payload["field"] for e in store.timeline(deal)]
    assert fields == ["close_date", "value_cents", "name"]  # newest (last written) first


# -- small queries -------------------------------------------------------------------------


def test_boards_stages_profiles_and_names(ws) -> None:
    store, ids = ws
    assert [b.name for b in store.boards()] == ["Pipeline", "People"]  # deals first
    assert [s.name for s in store.stages(ids.contacts_board)] == ["New", "Engaged"]
    assert [p.full_name for p in store.profiles().values()] == ["Mia Chen", "Omar Haddad"]
    assert store.workspace_name() == "Northwind"
    assert store.record_name("deal", ids.deals["Gulf supply"]) == "Gulf supply"
    assert store.record_name(RecordType.COMPANY, ids.deals["Gulf supply"]) is None
    assert store.card_for_record(ids.deals_board, ids.contacts["Ada Lovelace"]) is None


def test_outbox_counts(fresh) -> None:
    store, ids = fresh
    pending = store.pending_count()
    assert pending > 0 and store.failed_count() == 0
    store.conn.execute("UPDATE outbox SET state = 'failed' WHERE seq = (SELECT min(seq) FROM outbox)")
    assert (store.pending_count(), store.failed_count()) == (pending - 1, 1)
    assert store.last_sync() is None
    store.set_meta("last_sync_at", FIXED_NOW.isoformat())
    assert store.last_sync() == FIXED_NOW


def test_pending_counts_the_things_changed_not_the_outbox_entries(fresh) -> None:
    """A card move writes three entries (card, deal, stage-change entry): "N pending" is what a
    person changed — each record once, with its card, timeline and tasks."""
    store, ids = fresh
    store.conn.execute("DELETE FROM outbox")
    assert store.pending_changes() == 0
    store.move_card(ids.cards["Globex expansion"], ids.stages["Proposal"])
    store.move_card(ids.cards["Gulf supply"], ids.stages["Qualified"])
    assert store.pending_count() == 6  # the machinery's entries …
    assert store.pending_changes() == 2  # … and the two deals the person moved
    store.move_card(ids.cards["Gulf supply"], ids.stages["Lead"])  # the same deal again
    assert store.pending_changes() == 2
    store.rename_board(ids.deals_board, "Pipeline 2026")  # not a record: counts by itself
    assert store.pending_changes() == 3
    store.conn.execute("UPDATE outbox SET state = 'failed' WHERE table_name = 'board_cards'")
    assert store.pending_changes() == 3  # the deals' own rows still wait
    assert store.failed_count() == 3  # failed stays per entry, as `!` lists them
    store.conn.execute("DELETE FROM outbox WHERE table_name IN ('deals', 'timeline_entries', 'boards')")
    assert store.pending_changes() == 0


def test_track_status_counts_pending_as_the_status_line_does(tmp_path) -> None:
    from track_tui.sync.cache_report import cache_report

    store, ids = make_store(tmp_path / "cache.sqlite3")
    try:
        store.conn.execute("DELETE FROM outbox")
        store.move_card(ids.cards["Gulf supply"], ids.stages["Qualified"])
        store.move_card(ids.cards["Gulf supply"], ids.stages["Lead"])
        assert (store.pending_count(), store.pending_changes()) == (6, 1)
    finally:
        store.close()
    assert cache_report(tmp_path / "cache.sqlite3")["pending"] == 1


# -- what a filter names -------------------------------------------------------------------


def test_owner_by_the_initials_a_card_shows_and_nobody(fresh) -> None:
    store, ids = fresh
    assert names(store, ids, "owner:OH") == {"Umbrella audit", "Globex expansion", "Tokyo pilot"}
    assert names(store, ids, "owner:mc") == names(store, ids, "owner:me")
    store.update_record(RecordType.DEAL, ids.deals["Osaka trial"], {"owner_id": None})
    assert names(store, ids, "owner:nobody") == {"Osaka trial"}
    assert names(store, ids, "owner:none") == {"Osaka trial"}


def test_a_currency_narrows_the_value_bounds_to_it(ws) -> None:
    store, ids = ws
    lead = {"Acme renewal", "Tokyo pilot", "Osaka trial", "Globex expansion"}
    assert names(store, ids, ">10k") & lead == {"Acme renewal", "Tokyo pilot", "Globex expansion"}
    assert names(store, ids, ">10k USD") == {"Acme renewal", "Globex expansion"}
    assert names(store, ids, ">10k JPY") == {"Tokyo pilot"}
    assert names(store, ids, "currency:JPY") == {"Tokyo pilot", "Osaka trial"}
    assert names(store, ids, ">2.5k <2.6k KWD") == {"Gulf supply"}  # three decimals: 2,500.750
    stats = store.column_stats(store.board(ids.deals_board), CardFilter.parse(">1k USD"))
    assert all(set(column.currency_counts) <= {"USD"} for column in stats.values())


def test_stage_filter_keeps_the_stages_it_names(ws) -> None:
    store, ids = ws
    assert names(store, ids, "stage:won") == {"Initech migration"}
    assert names(store, ids, "stage:l") == {"Acme renewal", "Tokyo pilot", "Osaka trial", "Umbrella audit"}


def test_filter_problems_name_what_is_not_there(fresh) -> None:
    store, ids = fresh
    deals, people = store.board(ids.deals_board), store.board(ids.contacts_board)
    assert store.filter_problems(deals, CardFilter.parse("owner:omar stage:prop >10k EUR owner:OH")) == []
    assert store.filter_problems(deals, CardFilter.parse("owner:nobody")) == []
    (owner,) = store.filter_problems(deals, CardFilter.parse("owner:JB"))
    assert owner == "owner:JB — no one by that name or initials; try Mia Chen (MC), Omar Haddad (OH), me or nobody"
    (stage,) = store.filter_problems(deals, CardFilter.parse("stage:nonsense"))
    assert stage == "stage:nonsense — Pipeline has no such stage; its stages: Lead, Qualified, Proposal, Won, Lost"
    (value,) = store.filter_problems(people, CardFilter.parse(">10k"))
    assert value == "values and currencies filter deals; People holds contacts"
    assert store.filter_problems(people, CardFilter.parse("stage:won")) != []  # a deals board's stage
    store.conn.execute("DELETE FROM meta WHERE key = 'user_id'")
    assert store.filter_problems(deals, CardFilter.parse("owner:me")) == [
        "owner:me — no one is signed in to this workspace; use a name"]

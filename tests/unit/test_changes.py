"""ChangeSet: rows and columns, origin, and the change log's JSON form."""

from __future__ import annotations

import json

from track_tui.store import ChangeSet, Origin
from track_tui.store.changes import LOGGED_IDS_PER_TABLE


def test_columns_accumulate_and_a_whole_row_stays_whole() -> None:
    changes = ChangeSet()
    changes.add("deals", "d1", ["name"])
    changes.add("deals", "d1", ["close_date", "updated_at"])
    changes.add("deals", "d2", None)
    changes.add("deals", "d2", ["name"])
    assert changes.columns("deals", "d1") == {"name", "close_date", "updated_at"}
    assert changes.fields("deals", "d1") == {"name", "close_date"}  # bookkeeping left out
    assert changes.columns("deals", "d2") is None
    assert changes.ids("deals") == {"d1", "d2"} and changes.has_row("deals", "d1")
    assert not changes.has_row("deals", "d3") and not changes.touches("tasks")


def test_origin_decides_what_is_news_and_what_is_the_callers_own() -> None:
    assert ChangeSet().from_here and not ChangeSet().is_news
    assert ChangeSet(origin=Origin.SERVER).is_news and not ChangeSet(origin=Origin.SERVER).from_here
    assert not ChangeSet(origin=Origin.ACK).is_news and not ChangeSet(origin=Origin.ACK).from_here
    assert not ChangeSet(elsewhere=True).from_here and not ChangeSet(elsewhere=True).is_news
    assert not ChangeSet(background=True).from_here


def test_the_log_form_round_trips() -> None:
    changes = ChangeSet(origin=Origin.SERVER)
    changes.add("deals", "d1", ["name", "updated_at"])
    changes.add("timeline_entries", "e1", None)
    back = ChangeSet.from_log(changes.to_log(), Origin.SERVER)
    assert back.rows == changes.rows and back.elsewhere and back.origin is Origin.SERVER


def test_many_rows_of_a_table_are_logged_as_any_row() -> None:
    changes = ChangeSet()
    for i in range(LOGGED_IDS_PER_TABLE + 1):
        changes.add("companies", f"c{i}", None)
    changes.add("deals", "d1", ["name"])
    text = changes.to_log()
    assert json.loads(text)["companies"] is None
    back = ChangeSet.from_log(text, Origin.LOCAL)
    assert back.any_row("companies") and back.has_row("companies", "anything") and back.columns("companies", "c1") is None
    assert back.ids("deals") == {"d1"} and not back.any_row("deals")


def test_anything_touches_every_table_and_a_broken_log_entry_means_anything() -> None:
    everything = ChangeSet.anything(elsewhere=True)
    assert everything.touches("deals") and everything.has_row("tasks", "t") and everything
    assert ChangeSet.from_log(everything.to_log(), Origin.LOCAL).touches("profiles")
    for broken in ("not json", "[1, 2]", '{"deals": 5}'):
        assert ChangeSet.from_log(broken, Origin.LOCAL).touches("anything at all")


def test_merge_keeps_both_sides() -> None:
    first, second = ChangeSet(), ChangeSet()
    first.add("deals", "d1", ["name"])
    second.add("deals", "d1", ["stage_id"])
    second.add_table("tasks")
    first.merge(second)
    assert first.columns("deals", "d1") == {"name", "stage_id"} and first.any_row("tasks")

"""The list view's columns at any width, and its sort keys (no terminal needed)."""

from __future__ import annotations

from datetime import date, datetime, timezone

from track_tui.models import RecordType
from track_tui.models.board_rows import BoardRow, sort_key
from track_tui.models.money import Money
from track_tui.widgets.board_list import NAME_MIN, layout

NOW = datetime(2026, 11, 25, tzinfo=timezone.utc)


def row(name: str, value: Money | None = None, close: date | None = None, owner: str | None = None) -> BoardRow:
    return BoardRow(card_id=name, record_type=RecordType.DEAL, record_id=name, name=name, value=value,
                    stage_id="s", stage_name="Lead", stage_position=0, card_position=0, owner_name=owner,
                    close_date=close, stage_entered_at=NOW)


def test_narrow_terminals_drop_the_least_used_columns_first_and_the_name_keeps_room() -> None:
    wide = [c.key for c, _ in layout(160)]
    assert wide == ["name", "value", "stage", "owner", "days", "close_date", "company", "next_task"]
    at_80 = dict((c.key, w) for c, w in layout(79))
    assert "next_task" not in at_80 and "company" not in at_80 and at_80["name"] >= NAME_MIN
    assert [c.key for c, _ in layout(30)] == ["name"]
    for width in range(20, 200):
        assert sum(w + 1 for _, w in layout(width)) <= max(width, NAME_MIN + 3)


def test_rows_without_a_value_sort_last_and_currencies_are_never_compared() -> None:
    rows = [row("a", Money(minor=500, currency="USD")), row("b"), row("c", Money(minor=100, currency="EUR")),
            row("d", Money(minor=900, currency="USD"))]
    ordered = sorted(rows, key=sort_key("value", NOW))
    assert [r.name for r in ordered] == ["c", "a", "d", "b"]
    by_close = sorted([row("x", close=date(2027, 1, 1)), row("y"), row("z", close=date(2026, 12, 1))],
                      key=sort_key("close_date", NOW))
    assert [r.name for r in by_close] == ["z", "x", "y"]
    by_owner = sorted([row("p", owner="Zed"), row("q"), row("r", owner="amy")], key=sort_key("owner", NOW))
    assert [r.name for r in by_owner] == ["r", "p", "q"]

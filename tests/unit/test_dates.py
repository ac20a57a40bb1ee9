"""Human dates: parsing what people type, and short/relative display. `today` is always given."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from track_tui.models.dates import parse_human_date, relative_days, relative_time, short_date

MONDAY = date(2026, 3, 16)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("today", MONDAY),
        ("tod", MONDAY),
        (" Today ", MONDAY),
        ("tomorrow", date(2026, 3, 17)),
        ("tom", date(2026, 3, 17)),
        ("tmr", date(2026, 3, 17)),
        ("yesterday", date(2026, 3, 15)),
        ("next week", date(2026, 3, 23)),
        ("nextweek", date(2026, 3, 23)),
        ("+3d", date(2026, 3, 19)),
        ("3d", date(2026, 3, 19)),
        ("+3 days", date(2026, 3, 19)),
        ("1 day", date(2026, 3, 17)),
        ("+0d", MONDAY),
        ("2w", date(2026, 3, 30)),
        ("+1 week", date(2026, 3, 23)),
        ("+1m", date(2026, 4, 16)),
        ("2 months", date(2026, 5, 16)),
        ("+10mo", date(2027, 1, 16)),
        ("12m", date(2027, 3, 16)),
        ("2026-12-01", date(2026, 12, 1)),
        ("2028-02-29", date(2028, 2, 29)),
    ],
)
def test_parse_human_date(text: str, expected: date) -> None:
    assert parse_human_date(text, MONDAY) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tue", date(2026, 3, 17)),
        ("Tuesday", date(2026, 3, 17)),
        ("fri", date(2026, 3, 20)),
        ("friday", date(2026, 3, 20)),
        ("sun", date(2026, 3, 22)),
        ("thurs", date(2026, 3, 19)),
        ("mon", date(2026, 3, 23)),  # today is Monday: the next one, a week ahead
        ("monday", date(2026, 3, 23)),
    ],
)
def test_weekday_is_the_next_one(text: str, expected: date) -> None:
    assert parse_human_date(text, MONDAY) == expected


@pytest.mark.parametrize(
    ("today", "text", "expected"),
    [
        (date(2026, 1, 31), "+1m", date(2026, 2, 28)),
        (date(2028, 1, 31), "+1m", date(2028, 2, 29)),  # leap year
        (date(2026, 3, 31), "+1m", date(2026, 4, 30)),
        (date(2026, 8, 31), "+1m", date(2026, 9, 30)),
        (date(2026, 12, 31), "+2m", date(2027, 2, 28)),
        (date(2026, 10, 31), "+4m", date(2027, 2, 28)),
        (date(2026, 1, 30), "+1m", date(2026, 2, 28)),
        (date(2026, 12, 15), "+1m", date(2027, 1, 15)),
    ],
)
def test_months_clamp_to_the_end_of_a_shorter_month(today: date, text: str, expected: date) -> None:
    assert parse_human_date(text, today) == expected


@pytest.mark.parametrize(
    "text",
    ["", "someday", "-3d", "+3y", "2026-13-01", "2026-02-30", "3 fortnights",
     # Words that merely begin like a weekday are not weekdays.
     "month", "monkey", "sunshine", "satisfied", "wedge", "frit"],
)
def test_refusals_say_what_is_accepted(text: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_human_date(text, MONDAY)
    message = str(caught.value)
    assert repr(text) in message
    assert "2026-12-01" in message and "tomorrow" in message and "+3d" in message


def test_short_date_adds_the_year_only_when_it_differs() -> None:
    assert short_date(date(2026, 12, 3), MONDAY) == "3 Dec"
    assert short_date(date(2027, 1, 9), MONDAY) == "9 Jan 2027"
    assert short_date(date(2025, 12, 31), MONDAY) == "31 Dec 2025"


@pytest.mark.parametrize(
    ("delta", "text"),
    [(0, "today"), (1, "tomorrow"), (-1, "yesterday"), (3, "in 3d"), (-2, "2d ago"), (40, "in 40d")],
)
def test_relative_days(delta: int, text: str) -> None:
    assert relative_days(MONDAY + timedelta(days=delta), MONDAY) == text


def test_relative_time_steps() -> None:
    now = datetime(2026, 3, 16, 12, 0, tzinfo=timezone.utc)
    assert relative_time(now - timedelta(seconds=59), now) == "just now"
    assert relative_time(now - timedelta(minutes=5), now) == "5m ago"
    assert relative_time(now - timedelta(hours=3, minutes=59), now) == "3h ago"
    assert relative_time(now - timedelta(days=2), now) == "2d ago"
    assert relative_time(now - timedelta(days=20), now) == "24 Feb"
    assert relative_time(datetime(2025, 3, 1, 9, 0), now) == "1 Mar 2025"  # naive means UTC


@pytest.mark.parametrize("text", ["+99999999d", "+99999999999999999999d", "+1000000m", "+9999999w"])
def test_relative_dates_past_the_year_9999_are_refused_not_a_crash(text: str) -> None:
    with pytest.raises(ValueError, match="too far from today"):
        parse_human_date(text, date(2026, 3, 16))

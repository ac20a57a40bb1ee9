"""Durations and meeting times as typed in the call and meeting dialogs (models, no screen)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from track_tui.models.dates import parse_when
from track_tui.models.durations import MAX_DURATION_HOURS, parse_duration

NOW = datetime(2026, 11, 25, 9, 30, tzinfo=timezone.utc)


@pytest.mark.parametrize(("text", "seconds"), [
    ("12", 720), ("12m", 720), ("12 min", 720), ("1h 5m", 3900), ("1h5m", 3900), ("1:05", 3900),
    ("90s", 90), ("2hr", 7200), ("0:59", 3540), ("", None), ("   ", None), ("24h", 24 * 3600),
])
def test_durations_people_type(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize(("text", "says"), [
    ("soon", "is not a duration"),
    ("1:75", "minutes after the colon go up to 59"),
    ("25h", f"longer than {MAX_DURATION_HOURS} hours"),
    ("1" * 40, "is not a duration"),
    ("١٢", "is not a duration"),  # non-ASCII digits are not read as numbers
    ("5x", "is not a duration"),
    ("h", "is not a duration"),
])
def test_durations_refused_with_the_reason(text, says):
    with pytest.raises(ValueError, match=says):
        parse_duration(text)


def test_meeting_times():
    assert parse_when("", NOW) == NOW
    assert parse_when("tomorrow 9:15", NOW) == datetime(2026, 11, 26, 9, 15, tzinfo=timezone.utc)
    assert parse_when("14:00", NOW) == datetime(2026, 11, 25, 14, 0, tzinfo=timezone.utc)
    assert parse_when("2026-12-01 10:00", NOW) == datetime(2026, 12, 1, 10, 0, tzinfo=timezone.utc)
    # A day without a clock keeps the current time of day (to the minute).
    assert parse_when("yesterday", NOW) == datetime(2026, 11, 24, 9, 30, tzinfo=timezone.utc)


@pytest.mark.parametrize("text", ["today 25:99", "today 9:xx", "someday 10:00"])
def test_meeting_times_refused(text):
    with pytest.raises(ValueError):
        parse_when(text, NOW)

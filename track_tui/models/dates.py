"""Human date input and display: '2026-12-01', 'today', 'tomorrow', '+3d', '2w', 'fri'.

Every function takes `today` explicitly so screens, tests and snapshots can freeze the clock.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, timezone

_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_RELATIVE = re.compile(r"^\+?(\d+)\s*(d|day|days|w|wk|week|weeks|m|mo|month|months)$")


def parse_human_date(text: str, today: date) -> date:
    """Parse what a person types for a date; raises ValueError saying what is accepted."""
    value = text.strip().lower()
    if value in ("today", "tod"):
        return today
    if value in ("tomorrow", "tom", "tmr"):
        return today + timedelta(days=1)
    if value == "yesterday":
        return today - timedelta(days=1)
    if value in ("next week", "nextweek"):
        return today + timedelta(days=7 - today.weekday())
    # A weekday is any prefix of its name from three letters on ('fri', 'thurs', 'friday'),
    # so words that merely start like one ('month', 'sunshine') are refused, not read as dates.
    if len(value) >= 3 and any(name.startswith(value) for name in _WEEKDAY_NAMES):
        ahead = (_WEEKDAYS.index(value[:3]) - today.weekday()) % 7 or 7
        return today + timedelta(days=ahead)
    match = _RELATIVE.match(value)
    if match:
        count, unit = int(match.group(1)), match.group(2)[0]
        try:
            if unit == "d":
                return today + timedelta(days=count)
            if unit == "w":
                return today + timedelta(weeks=count)
            month = today.month - 1 + count
            year, month = today.year + month // 12, month % 12 + 1
            if year > date.max.year:
                raise OverflowError(year)
            return _clamp_day(year, month, today.day)
        except OverflowError:  # past year 9999 (or a count too big for a C int)
            raise ValueError(f"{text!r} is too far from today: dates end in the year 9999") from None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(
            f"{text!r} is not a date: use 2026-12-01, today, tomorrow, +3d, +2w, +1m or a weekday"
        ) from None


def _clamp_day(year: int, month: int, day: int) -> date:
    for candidate in (day, 30, 29, 28):
        try:
            return date(year, month, min(day, candidate))
        except ValueError:
            continue
    raise ValueError("unreachable")  # pragma: no cover - 28 always exists


def short_date(value: date, today: date) -> str:
    """'3 Dec' this year, '3 Dec 2027' otherwise."""
    label = f"{value.day} {value.strftime('%b')}"
    return label if value.year == today.year else f"{label} {value.year}"


def relative_days(value: date, today: date) -> str:
    """'today', 'tomorrow', 'in 3d', '2d ago'."""
    delta = (value - today).days
    if delta == 0:
        return "today"
    if delta == 1:
        return "tomorrow"
    if delta == -1:
        return "yesterday"
    return f"in {delta}d" if delta > 0 else f"{-delta}d ago"


def relative_time(moment: datetime, now: datetime) -> str:
    """'just now', '5m ago', '3h ago', '2d ago', then the date."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    seconds = (now - moment).total_seconds()
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)}m ago"
    if seconds < 86400:
        return f"{int(seconds // 3600)}h ago"
    if seconds < 86400 * 14:
        return f"{int(seconds // 86400)}d ago"
    return short_date(moment.date(), now.date())


def parse_when(text: str, now: datetime) -> datetime:
    """'today 14:00', 'tomorrow 9:30', '2026-12-01 10:00', '14:00', '' (now) → an aware datetime."""
    raw = text.strip()
    local_now = now.astimezone()
    if not raw:
        return now
    day_part, clock = raw, None
    pieces = raw.rsplit(" ", 1)
    if len(pieces) == 2 and ":" in pieces[1]:
        day_part, clock = pieces
    elif ":" in raw and " " not in raw:
        day_part, clock = "today", raw
    day = parse_human_date(day_part, local_now.date())
    moment_time = local_now.time().replace(second=0, microsecond=0)
    if clock is not None:
        try:
            hours, minutes = (int(p) for p in clock.split(":", 1))
            moment_time = time(hours, minutes)
        except ValueError:
            raise ValueError(f"{clock!r} is not a time: use 14:00 or 9:30") from None
    return datetime.combine(day, moment_time, tzinfo=local_now.tzinfo).astimezone(timezone.utc)

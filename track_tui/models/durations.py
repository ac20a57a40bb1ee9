"""Durations as people type them for a call or a meeting: '12' (minutes), '1h 5m', '1:05', '90s'.

Pure parsing (no screen): the dialogs show the ValueError's message as it is, so every message
says what was typed and what would have been understood.
"""

from __future__ import annotations

MAX_DURATION_HOURS = 24  # a call or meeting longer than a day is a typo: log each day


def parse_duration(text: str) -> int | None:
    """'12' (minutes), '12m', '1h 5m', '1:05', '90s' → seconds; '' → None.

    At most MAX_DURATION_HOURS; a clock form needs minutes below 60 ('1:75' is refused).
    """
    raw = text.strip().lower().replace(" ", "")
    if not raw:
        return None
    usage = f"{text.strip()!r} is not a duration: use 12, 12m, 1h 5m or 1:05"
    if len(raw) > 20:  # no duration takes this many characters; keeps int() of digits small
        raise ValueError(usage)
    total: int | None = None
    if ":" in raw:
        hours, _, minutes = raw.partition(":")
        if hours.isdecimal() and minutes.isdecimal() and hours.isascii() and minutes.isascii():
            if int(minutes) >= 60:
                raise ValueError(f"{text.strip()!r}: minutes after the colon go up to 59")
            total = int(hours) * 3600 + int(minutes) * 60
    elif raw.isdecimal() and raw.isascii():
        total = int(raw) * 60
    if total is None:
        total, number = 0, ""
        units = {"h": 3600, "m": 60, "s": 1}
        for char in raw.replace("min", "m").replace("hr", "h").replace("sec", "s"):
            if char in "0123456789":
                number += char
            elif char in units and number:
                total += int(number) * units[char]
                number = ""
            else:
                raise ValueError(usage)
        if number:
            raise ValueError(usage)
    if total > MAX_DURATION_HOURS * 3600:
        raise ValueError(f"{text.strip()!r} is longer than {MAX_DURATION_HOURS} hours")
    return total

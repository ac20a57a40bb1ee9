"""What text a row may hold: what PostgreSQL can store, in sizes that keep the app fast.

PostgreSQL `text` and `jsonb` cannot hold a NUL character, and no UTF-8 database can hold a lone
surrogate (half of a UTF-16 pair, which Python strings can carry after a bad decode or paste).
Either would be accepted by the cache and then fail on upload, so the row models refuse them.

Sizes (characters; documented in the README):

=================  ===========  ======================================================================
what               at most      why
=================  ===========  ======================================================================
a one-line field   1,000        names, emails, phones, titles, domains, tags, task titles, subjects
a long text        200,000      a note, call summary, pasted email or meeting notes (``body``) and a
                                task's description: some 35,000 words, a four-hour transcript
a JSON column      200,000      a record's custom fields, an entry's payload, a field's config
=================  ===========  ======================================================================

A note at the limit is written and indexed for search in about 0.1 s and searched in about
2 ms per keystroke (`python -m bench.bench_limits`); the 12 MB note that prompted the limit
held the database for 11 s. Even in four-byte characters such a row stays under Realtime's
1 MiB record limit.
"""

from __future__ import annotations

import json
from typing import Any

LINE_MAX = 1_000
LONG_TEXT_MAX = 200_000
JSON_MAX = 200_000


def text_problem(value: str, limit: int) -> str | None:
    """Why `value` cannot be stored (None when it can)."""
    if len(value) > limit:
        return f"too long: {len(value):,} characters (the most is {limit:,})"
    if "\x00" in value:
        return "contains a NUL character (\\x00), which the database cannot store"
    if not value.isascii() and not _encodes(value):
        return "contains a broken character (a lone UTF-16 surrogate), which the database cannot store"
    return None


def json_problem(value: Any, limit: int = JSON_MAX) -> str | None:
    """Why a JSON value (dict/list of str, numbers, …) cannot be stored, or None.

    Decided from its JSON text (one pass in C): a NUL shows as an escape, a lone surrogate as
    text that cannot be encoded. Only then is the value walked, to say what is wrong.
    """
    text = json.dumps(value, ensure_ascii=False, default=str)
    if "\\u0000" in text or not text.isascii() and not _encodes(text):
        problem = _walk(value)
        if problem:
            return problem
    if len(text) > limit:
        return f"too large: {len(text):,} characters of JSON (the most is {limit:,})"
    return None


def _encodes(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _walk(value: Any) -> str | None:
    if isinstance(value, str):
        return text_problem(value, JSON_MAX)
    if isinstance(value, dict):
        for key, item in value.items():
            problem = (text_problem(key, JSON_MAX) if isinstance(key, str) else None) or _walk(item)
            if problem:
                return problem
    elif isinstance(value, (list, tuple)):
        for item in value:
            problem = _walk(item)
            if problem:
                return problem
    return None

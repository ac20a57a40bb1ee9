"""What a PostgREST failure means for the engine: retry later, refresh the token, or park the
change with the server's reason in words (no network: the classification alone)."""

from __future__ import annotations

import pytest
from postgrest import APIError

from track_tui.sync import rest
from track_tui.sync.rest import _parse_retry_after, _Seen, classify


def _error(code, message="", details=None):
    return APIError({"code": code, "message": message, "details": details, "hint": None})


@pytest.mark.parametrize("code,status,kind", [
    ("PGRST001", 503, rest.Transient), ("PGRST002", 503, rest.Transient), ("PGRST003", 504, rest.Transient),
    ("57014", 500, rest.Transient), ("520", 520, rest.Transient), (None, 502, rest.Transient),
    (None, 429, rest.Transient), ("PGRST303", 401, rest.TokenRefused), ("PGRST301", 401, rest.TokenRefused),
    ("42501", 403, rest.Refused), ("23505", 409, rest.Refused), ("23503", 409, rest.Refused),
    ("22P02", 400, rest.Refused), ("PGRST204", 400, rest.Refused), ("PGRST116", 406, rest.Refused),
])
def test_each_failure_has_one_meaning(code, status, kind):
    assert type(classify(_error(code, "m"), _Seen(status, None))) is kind


def test_the_reason_is_in_words_and_safe_for_a_terminal():
    refused = classify(_error("42501", 'new row violates row-level security policy for table "deals"\x1b[2J'),
                       _Seen(403, None))
    assert "row-level security" in refused.reason and "\x1b" not in refused.reason
    duplicate = classify(_error("23505", "duplicate key value", "Key (deal_id, contact_id)=(…) already exists."),
                         _Seen(409, None))
    assert "duplicate" in duplicate.reason and "already exists" in duplicate.reason
    edge = classify(_error("520", "", "<!DOCTYPE html><html>…"), _Seen(520, None))
    assert "<" not in edge.reason and "520" in edge.reason


def test_retry_after_in_seconds_or_as_a_date():
    assert _parse_retry_after("7") == 7.0
    assert _parse_retry_after(None) is None and _parse_retry_after("soon") is None
    assert 0 <= _parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") <= 1
    limited = classify(_error(None, "Too Many Requests"), _Seen(429, 12.0))
    assert isinstance(limited, rest.Transient) and limited.retry_after == 12.0 and "rate" in limited.reason

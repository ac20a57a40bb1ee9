"""What can go wrong while signing in, and who is signed in: plain types without supabase-py.

The screens, the CLI and the start-up path import these; :mod:`.auth` (which needs supabase-py)
maps the library's exceptions onto them. Keeping them apart means a configured project's first
screen draws before supabase-py has been imported (the network runtime imports it on its own
thread when it first builds a client).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
_CODE = re.compile(r"\d{6,10}")


class FailureKind(StrEnum):
    INVALID_INPUT = "invalid_input"
    WRONG_CREDENTIALS = "wrong_credentials"
    EMAIL_NOT_CONFIRMED = "email_not_confirmed"
    UNKNOWN_EMAIL = "unknown_email"
    CODE_INVALID = "code_invalid"
    RATE_LIMITED = "rate_limited"
    SESSION_ENDED = "session_ended"
    NOT_SIGNED_IN = "not_signed_in"
    BAD_KEY = "bad_key"
    UNREACHABLE = "unreachable"
    SERVER_ERROR = "server_error"


class AuthFailure(Exception):
    """A sign-in step failed. ``kind`` says which way; ``str()`` is the sentence to show."""

    def __init__(self, kind: FailureKind, message: str, *, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.retry_after = retry_after


@dataclass(frozen=True)
class SignedIn:
    """Who is signed in, and until when the current access token is good."""

    user_id: str
    email: str
    expires_at: int | None

    @classmethod
    def of(cls, session: Any) -> "SignedIn":
        """From supabase-py's ``Session``."""
        return cls(session.user.id, session.user.email or "", session.expires_at)


def clean(text: object, limit: int = 200) -> str:
    """Server or data text made safe for one line of a terminal (:func:`safe_line`: controls
    shown as symbols, never sent), and bounded in length."""
    from ..safe_text import safe_line

    cleaned = safe_line(str(text)).strip()
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1] + "…"


# -- what a person typed ---------------------------------------------------------------------


def check_email(value: object) -> str:
    """A plausible email address (the server decides the rest), or INVALID_INPUT."""
    text = value.strip() if isinstance(value, str) else ""
    local, at, domain = text.rpartition("@")
    if not text:
        raise AuthFailure(FailureKind.INVALID_INPUT, "Enter your email address.")
    if (not at or not local or "." not in domain.strip(".") or len(text) > 320
            or _CONTROL.search(text) or any(c.isspace() for c in text)):
        raise AuthFailure(FailureKind.INVALID_INPUT, "That is not an email address (it should look like name@example.com).")
    return text


def check_password(value: object) -> str:
    if not isinstance(value, str) or not value:
        raise AuthFailure(FailureKind.INVALID_INPUT, "Enter your password.")
    if len(value) > 1024:
        raise AuthFailure(FailureKind.INVALID_INPUT, "That password is longer than any Supabase accepts.")
    return value


def check_code(value: object) -> str:
    text = re.sub(r"[\s-]", "", value) if isinstance(value, str) else ""
    if not _CODE.fullmatch(text):
        raise AuthFailure(FailureKind.INVALID_INPUT, "The code is the 6-digit number from the email.")
    return text

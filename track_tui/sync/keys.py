"""Which API key a person gave us, and whether the terminal client may use it.

Supabase hands out two kinds of keys per project, in two formats:

* legacy JWT keys, signed by the project: the *anon* key (`role` claim ``anon``) and the
  *service-role* key (`role` ``service_role``);
* the newer opaque keys: ``sb_publishable_…`` (the anon key's successor) and ``sb_secret_…``
  (the service-role key's).

The terminal client runs on people's laptops, so it may only ever hold the public kind. A
service-role or secret key bypasses Row-Level Security: anyone holding it reads and writes every
workspace. It is refused here, wherever a key can enter (config file, environment, `track login`
prompts and flags, the TUI's sign-in screen), before it is stored or sent anywhere.

The JWT's payload is decoded without verifying the signature (we do not have the project's
secret, and do not need it: the server verifies; we only read which role the key claims).
That takes two standard-library calls, so start-up needs no JWT library. No message here ever
repeats the key itself.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import time
from dataclasses import dataclass
from enum import StrEnum


class KeyKind(StrEnum):
    ANON_JWT = "anon"
    PUBLISHABLE = "publishable"


SERVICE_KEY_REFUSAL = (
    "this is a service-role (secret) key. It bypasses Row-Level Security, so whoever holds it "
    "can read and change every workspace; it belongs only in server-side Edge Functions, never "
    "on a laptop. Use the project's anon or publishable key instead (Supabase dashboard: "
    "Project Settings → API Keys). The key was not stored or sent."
)

_OPAQUE = re.compile(r"[A-Za-z0-9_-]{8,200}")
_JWT_PART = re.compile(r"[A-Za-z0-9_-]+")


class KeyRefused(ValueError):
    """The key cannot be used by this client; the message says why (never quoting the key)."""


@dataclass(frozen=True)
class ClientKey:
    """A key the client may use, with what kind it is (for `track status`)."""

    value: str
    kind: KeyKind

    def __repr__(self) -> str:  # never show the key in logs or tracebacks
        return f"ClientKey(kind={self.kind.value!r})"


def _jwt_payload(key: str) -> dict | None:
    """The claims of a JWT-shaped key, or None when the key is not a JWT at all."""
    parts = key.split(".")
    if len(parts) != 3 or not all(_JWT_PART.fullmatch(p) for p in parts):
        return None
    body = parts[1]
    try:
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        claims = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise KeyRefused("this looks like a JWT but its payload cannot be read; copy the whole anon key again") from None
    if not isinstance(claims, dict):
        raise KeyRefused("this looks like a JWT but its payload cannot be read; copy the whole anon key again")
    return claims


def check_client_key(key: object, *, now: float | None = None) -> ClientKey:
    """Accept an anon JWT or an ``sb_publishable_`` key; refuse everything else with a reason."""
    if not isinstance(key, str):
        raise KeyRefused("must be text (the project's anon or publishable key)")
    key = key.strip()
    if not key:
        raise KeyRefused("is empty; paste the project's anon or publishable key")
    if key.startswith("sb_secret_"):
        raise KeyRefused(SERVICE_KEY_REFUSAL)
    if key.startswith("sb_publishable_"):
        if not _OPAQUE.fullmatch(key.removeprefix("sb_publishable_")):
            raise KeyRefused("is not a complete publishable key (expected sb_publishable_ followed by letters and digits)")
        return ClientKey(key, KeyKind.PUBLISHABLE)
    claims = _jwt_payload(key)
    if claims is None:
        raise KeyRefused(
            "is not a Supabase API key (expected the anon key, a long text in three dot-separated "
            "parts starting eyJ, or a key starting sb_publishable_)"
        )
    role = claims.get("role")
    if role == "service_role":
        raise KeyRefused(SERVICE_KEY_REFUSAL)
    if role == "authenticated":
        raise KeyRefused(
            "this is a signed-in person's access token, not the project's anon key; use the anon "
            "key from Project Settings → API Keys"
        )
    if role != "anon":
        raise KeyRefused("is a JWT but not the project's anon key (its role claim is not 'anon')")
    exp = claims.get("exp")
    if isinstance(exp, (int, float)) and exp < (time.time() if now is None else now):
        raise KeyRefused("this anon key has expired; copy the current one from Project Settings → API Keys")
    return ClientKey(key, KeyKind.ANON_JWT)

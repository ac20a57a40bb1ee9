"""HS256 JWTs the way a (legacy-JWT-secret) Supabase project issues and checks them.

Supabase signs three kinds of token with the project's JWT secret:

* the **anon key** and the **service-role key**: long-lived JWTs whose only meaningful claim is
  ``role`` (``anon`` / ``service_role``), plus ``iss`` ("supabase"), ``ref``, ``iat``, ``exp``;
* **access tokens** minted by Supabase Auth (GoTrue) at sign-in/refresh. Their claims are those
  of GoTrue's ``AccessTokenClaims`` (supabase/auth ``internal/tokens/service.go``): registered
  claims ``sub``, ``aud``, ``iat``, ``exp``, ``iss`` and ``email``, ``phone``, ``app_metadata``,
  ``user_metadata``, ``role``, ``aal``, ``amr``, ``session_id``, ``is_anonymous``.

Verification mirrors what PostgREST does (``PostgREST.Auth`` / ``Error.hs``): a bad signature,
a malformed token or a wrong algorithm is a *decode* error (PGRST301), an expired token is a
*claims* error (PGRST303, "JWT expired"). GoTrue and Realtime refuse the same tokens with their
own messages; :class:`TokenError` carries enough to produce each shape.

PostgREST allows 30 seconds of clock skew on the time claims (``allowedSkewSeconds`` in
``src/library/PostgREST/Auth/Jwt.hs``): a token is refused once ``now - 30 > exp`` ("JWT
expired"), while ``now + 30 < nbf`` ("JWT not yet valid") or ``now + 30 < iat`` ("JWT issued at
future"), all PGRST303. ``verify(..., leeway=30, check_not_before=True)`` does exactly that; Auth
and Realtime call it without leeway.

**API keys.** A project has the legacy JWT keys (``anon``, ``service_role``) and, since 2025, the
opaque ``sb_publishable_...`` / ``sb_secret_...`` keys (Supabase docs, "Understanding API keys").
:class:`ApiKeys` issues one of each and answers which role an ``apikey`` string stands for --
only for the exact strings it issued, as the gateway compares keys, not signatures.
"""

from __future__ import annotations

import secrets
import string
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Mapping

import jwt

ALGORITHM = "HS256"
CLOCK_SKEW = 30  # seconds PostgREST allows on exp / nbf / iat (Auth/Jwt.hs allowedSkewSeconds)
PUBLISHABLE_PREFIX = "sb_publishable_"
SECRET_PREFIX = "sb_secret_"
_BASE62 = string.ascii_letters + string.digits


class TokenError(Exception):
    """A token was refused. ``kind`` is ``malformed``, ``signature``, ``expired`` or ``claims``."""

    def __init__(self, kind: str, message: str, *, expired_for: int = 0) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.expired_for = expired_for


@dataclass
class JwtIssuer:
    """Signs and verifies the project's tokens with one HS256 secret."""

    secret: str
    issuer: str = "supabase"
    ref: str = "fakesupabase"

    @classmethod
    def generate(cls, **kw: Any) -> "JwtIssuer":
        # Generated per server run: nothing here is a real credential.
        return cls(secret=secrets.token_urlsafe(48), **kw)

    # -- API keys ----------------------------------------------------------------------------
    def api_key(self, role: str, *, lifetime: int = 10 * 365 * 24 * 3600) -> str:
        """An API key as shown in a Supabase project's settings (role anon or service_role)."""
        now = int(time.time())
        return self.sign({"iss": "supabase", "ref": self.ref, "role": role, "iat": now, "exp": now + lifetime})

    # -- access tokens -----------------------------------------------------------------------
    def access_token_claims(
        self,
        user: Mapping[str, Any],
        *,
        session_id: str | None,
        expires_in: int,
        amr_method: str = "password",
        now: int | None = None,
    ) -> dict[str, Any]:
        now = int(time.time()) if now is None else now
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "sub": str(user["id"]),
            "aud": user.get("aud") or "authenticated",
            "exp": now + expires_in,
            "iat": now,
            "email": user.get("email") or "",
            "phone": user.get("phone") or "",
            "app_metadata": user.get("raw_app_meta_data") or {"provider": "email", "providers": ["email"]},
            "user_metadata": user.get("raw_user_meta_data") or {},
            "role": user.get("role") or "authenticated",
            "aal": "aal1",
            "amr": [{"method": amr_method, "timestamp": now}],
            "session_id": session_id or str(uuid.uuid4()),
            "is_anonymous": bool(user.get("is_anonymous") or False),
        }
        return claims

    def sign(self, claims: Mapping[str, Any]) -> str:
        return jwt.encode(dict(claims), self.secret, algorithm=ALGORITHM, headers={"typ": "JWT"})

    # -- verification ------------------------------------------------------------------------
    def verify(self, token: str, *, leeway: int = 0, check_not_before: bool = False) -> dict[str, Any]:
        """The claims of a valid token; :class:`TokenError` otherwise.

        ``leeway`` seconds of clock skew are allowed on ``exp`` (and, with ``check_not_before``,
        on ``nbf`` and ``iat``, which are then refused when they lie further in the future).
        """
        if not token:
            raise TokenError("malformed", "Empty JWT is sent in Authorization header")
        parts = token.split(".")
        if len(parts) != 3:
            raise TokenError("malformed", f"Expected 3 parts in JWT; got {len(parts)}")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise TokenError("malformed", "JWT couldn't be decoded") from None
        if header.get("alg") != ALGORITHM:
            raise TokenError("signature", "Wrong or unsupported encoding algorithm")
        try:
            claims = jwt.decode(
                token,
                self.secret,
                algorithms=[ALGORITHM],
                options={"verify_aud": False, "verify_exp": False, "verify_iat": False, "verify_nbf": False},
            )
        except jwt.InvalidSignatureError:
            raise TokenError("signature", "JWT cryptographic operation failed") from None
        except jwt.PyJWTError:
            raise TokenError("malformed", "JWT couldn't be decoded") from None
        now = int(time.time())
        exp = _time_claim(claims, "exp")
        if exp is not None and now - leeway > exp:
            raise TokenError("expired", "JWT expired", expired_for=int(now - exp))
        if check_not_before:
            nbf = _time_claim(claims, "nbf")
            if nbf is not None and now + leeway < nbf:
                raise TokenError("claims", "JWT not yet valid")
            iat = _time_claim(claims, "iat")
            if iat is not None and now + leeway < iat:
                raise TokenError("claims", "JWT issued at future")
        return claims


def _time_claim(claims: Mapping[str, Any], name: str) -> float | None:
    value = claims.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TokenError("claims", f"The JWT '{name}' claim must be a number")
    return value


def _opaque_key(prefix: str) -> str:
    # Random base62 body; the real keys also carry a checksum suffix, which nothing here reads.
    return prefix + "".join(secrets.choice(_BASE62) for _ in range(32))


@dataclass
class ApiKeys:
    """The project's four API keys and the role each one stands for (exact string match)."""

    anon: str
    service_role: str
    publishable: str = field(default_factory=lambda: _opaque_key(PUBLISHABLE_PREFIX))
    secret: str = field(default_factory=lambda: _opaque_key(SECRET_PREFIX))

    @classmethod
    def issue(cls, issuer: JwtIssuer) -> "ApiKeys":
        return cls(anon=issuer.api_key("anon"), service_role=issuer.api_key("service_role"))

    def role_of(self, key: str | None) -> str | None:
        """``anon`` or ``service_role`` for an issued key, None for anything else."""
        if not key:
            return None
        given = key.encode("utf-8", "surrogateescape")  # any header text, compared as bytes
        for candidate, role in ((self.anon, "anon"), (self.publishable, "anon"),
                                (self.service_role, "service_role"), (self.secret, "service_role")):
            if secrets.compare_digest(given, candidate.encode()):
                return role
        return None

    @staticmethod
    def is_opaque(key: str | None) -> bool:
        """A new-format key (not a JWT): the gateway swaps it for a short-lived JWT upstream."""
        return bool(key) and key.startswith((PUBLISHABLE_PREFIX, SECRET_PREFIX))

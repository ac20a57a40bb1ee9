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
"""

from __future__ import annotations

import secrets
import time
import uuid
from dataclasses import dataclass
from typing import Any, Mapping

import jwt

ALGORITHM = "HS256"


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
    def verify(self, token: str, *, leeway: int = 0) -> dict[str, Any]:
        """The claims of a valid token; :class:`TokenError` otherwise."""
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
                options={"verify_aud": False, "verify_exp": False, "verify_iat": False},
            )
        except jwt.InvalidSignatureError:
            raise TokenError("signature", "JWT cryptographic operation failed") from None
        except jwt.PyJWTError:
            raise TokenError("malformed", "JWT couldn't be decoded") from None
        exp = claims.get("exp")
        if exp is not None:
            if not isinstance(exp, (int, float)):
                raise TokenError("claims", "The JWT 'exp' claim must be a number")
            now = int(time.time())
            if now > exp + leeway:
                raise TokenError("expired", "JWT expired", expired_for=int(now - exp))
        return claims

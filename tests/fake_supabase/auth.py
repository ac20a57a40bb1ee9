"""``/auth/v1``: the parts of Supabase Auth (GoTrue) that supabase-py's auth client calls.

Endpoints and behaviour follow supabase/auth (``internal/api``):

* ``POST /token?grant_type=password`` -- email + password (bcrypt in ``auth.users.encrypted_password``,
  checked with pgcrypto's ``crypt`` like GoTrue's ``crypto.CompareHashAndPassword``). Wrong
  credentials: 400 ``invalid_credentials`` "Invalid login credentials" (``token.go``);
  unconfirmed email: 400 ``email_not_confirmed``.
* ``POST /token?grant_type=refresh_token`` -- refresh-token rotation as in
  ``internal/tokens/service.go`` (``RefreshTokenGrant``): a live token is revoked and gets a child
  that becomes the session's active token. A *revoked* token that is the parent of the active
  token always gets that active token back (the client lost the answer to its last refresh);
  any other revoked token is accepted only within the reuse interval after it was revoked
  (10 s, ``SECURITY_REFRESH_TOKEN_REUSE_INTERVAL``) and then gets a new child of its own; later
  it is 400 ``refresh_token_already_used`` "Invalid Refresh Token: Already Used" and every token
  of the session is revoked (``RevokeTokenFamily``). Unknown token: 400
  ``refresh_token_not_found`` "Invalid Refresh Token: Refresh Token Not Found".
* the ``/token`` rate limit (``internal/api/token.go`` + ``apilimiter.go``): a token bucket per
  client address refilled at ``RATE_LIMIT_TOKEN_REFRESH`` (150) per 5 minutes with a burst of 30,
  for every grant; over it: 429 ``over_request_rate_limit`` "Request rate limit reached"
  (``middleware.go``). GoTrue sends no ``Retry-After``; the double adds one (the seconds until
  the bucket holds a token again) unless ``AuthLimits.retry_after`` is off, so clients can be
  tested both ways.
* ``POST /otp`` then ``POST /verify`` (type ``email``/``magiclink``/``signup``) -- a 6-digit email
  code. No e-mail is sent: tests read it with :meth:`AuthService.last_otp`. Wrong or used code:
  403 ``otp_expired`` "Token has expired or is invalid" (``verify.go``). ``create_user: false``
  for an unknown address: 422 ``otp_disabled`` "Signups not allowed for otp". Another ``/otp``
  for the same address within ``SMTP_MAX_FREQUENCY`` (60 s) is 429 ``over_email_send_rate_limit``
  "For security purposes, you can only request this after N seconds." (``mail.go``
  ``validateSentWithinFrequencyLimit``); a new code voids the older ones
  (``models.CreateOneTimeToken`` clears the user's tokens of that type first).
* ``POST /admin/users`` and ``DELETE /admin/users/{id}`` with the service-role key (seeding);
* ``POST /signup`` (auto-confirm on), ``GET /user``, ``POST /logout?scope=global|local|others``,
  ``GET /settings``, ``GET /health``.

Bearer checks on ``/user`` and ``/logout`` follow ``internal/api/auth.go``: missing token 401
``no_authorization``; bad or expired JWT 403 ``bad_jwt`` "invalid JWT: unable to parse or verify
signature, ..."; a session that was logged out 403 ``session_not_found``.

Errors use the 2024-01-01 API-version shape when the client sends ``X-Supabase-Api-Version``
(``{"code": "<error_code>", "message": ...}``, and the header echoed), otherwise the initial
shape ``{"code": <status>, "error_code": ..., "msg": ...}`` (``internal/api/errors.go``).

Sessions and refresh tokens live in memory (they survive a stop/restart of the HTTP listener,
not a new server object); users live in ``auth.users``. The windows above (reuse interval, send
cooldown, rate limit) are :class:`AuthLimits`, all configurable, and read the service's own
clock, which a test can move forward (:meth:`AuthService.advance_clock`) instead of sleeping;
token ``iat``/``exp`` always use the real time.
"""

from __future__ import annotations

import itertools
import json
import math
import random
import re
import secrets
import time
import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import Any

from aiohttp import web

from .db import Pool
from .tokens import JwtIssuer, TokenError

_EMAIL = re.compile(r"[^\s@\x00-\x1f\x7f]+@[^\s@\x00-\x1f\x7f]+\.[^\s@\x00-\x1f\x7f]+")
API_VERSION_HEADER = "X-Supabase-Api-Version"
API_VERSION_2024 = "2024-01-01"
OTP_EXPIRY = 3600.0


@dataclass
class AuthLimits:
    """GoTrue's windows and limits (defaults: Supabase's). ``token_per_5min=None``: no limit."""

    refresh_reuse_interval: float = 10.0  # SECURITY_REFRESH_TOKEN_REUSE_INTERVAL
    otp_cooldown: float = 60.0  # SMTP_MAX_FREQUENCY
    token_per_5min: float | None = 150.0  # RATE_LIMIT_TOKEN_REFRESH
    token_burst: int = 30
    retry_after: bool = True  # add Retry-After to the 429 (GoTrue itself does not)


class AuthError(Exception):
    def __init__(self, status: int, error_code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.error_code = error_code
        self.message = message
        self.headers = dict(headers or {})


def valid_email(value: Any) -> str:
    """The address as given, or 400 with GoTrue's message (``validateEmail``, internal/api/mail.go)."""
    if not isinstance(value, str) or len(value) > 255 or not _EMAIL.fullmatch(value):
        raise AuthError(400, "validation_failed", "Unable to validate email address: invalid format")
    return value


def _password(value: Any) -> str | None:
    if value is not None and not isinstance(value, str):
        raise AuthError(400, "validation_failed", "Password must be a string")
    return value


class TokenBucket:
    """tollbooth's limiter as GoTrue configures it: `burst` tokens, refilled at `rate` per second."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate = rate
        self.burst = max(1, burst)
        self._level: dict[str, tuple[float, float]] = {}  # key -> (tokens, at)

    def take(self, key: str, now: float) -> float | None:
        """None when a request may pass; else the seconds until one may."""
        tokens, at = self._level.get(key, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + max(0.0, now - at) * self.rate)
        if tokens >= 1.0:
            self._level[key] = (tokens - 1.0, now)
            return None
        self._level[key] = (tokens, now)
        return (1.0 - tokens) / self.rate if self.rate > 0 else math.inf


@dataclass
class SessionRecord:
    id: str
    user_id: str
    created_at: float
    revoked: bool = False


_serials = itertools.count(1)


@dataclass
class RefreshTokenRecord:
    token: str
    session_id: str
    user_id: str
    parent: str | None
    updated_at: float  # creation, then the moment it was revoked (GoTrue's updated_at)
    revoked: bool = False
    serial: int = field(default_factory=lambda: next(_serials))  # GoTrue's id: newest is highest


@dataclass
class OtpRecord:
    email: str
    code: str
    created_at: float
    used: bool = False


@dataclass
class AuthState:
    sessions: dict[str, SessionRecord] = field(default_factory=dict)
    refresh_tokens: dict[str, RefreshTokenRecord] = field(default_factory=dict)
    otps: list[OtpRecord] = field(default_factory=list)


def _iso(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")
    return value


class AuthService:
    def __init__(self, admin_pool: Pool, issuer: JwtIssuer, *, jwt_expiry: int = 3600,
                 limits: AuthLimits | None = None) -> None:
        self.pool = admin_pool
        self.issuer = issuer
        self.jwt_expiry = jwt_expiry
        self.state = AuthState()
        self.url = ""
        self._crypt_schema: str | None = None
        self._clock_offset = 0.0
        self._otp_sent: dict[str, float] = {}  # address -> when its last code was sent
        self.limits = limits or AuthLimits()
        self._bucket: TokenBucket | None = None
        self._bucket_config: tuple | None = None

    # -- the service's clock and limits ------------------------------------------------------
    def now(self) -> float:
        """The clock the reuse window, the send cooldown and the rate limit read."""
        return time.time() + self._clock_offset

    def advance_clock(self, seconds: float) -> None:
        """Move this service's clock forward (not the tokens' iat/exp), as if `seconds` had passed."""
        self._clock_offset += float(seconds)

    def reset_clock(self) -> None:
        self._clock_offset = 0.0

    def describe_limits(self) -> dict:
        return {**asdict(self.limits), "clock_offset": self._clock_offset}

    def _check_token_rate(self, request: web.Request) -> None:
        limits = self.limits
        if limits.token_per_5min is None:
            return
        config = (limits.token_per_5min, limits.token_burst)
        if self._bucket is None or self._bucket_config != config:
            self._bucket = TokenBucket(limits.token_per_5min / 300.0, limits.token_burst)
            self._bucket_config = config
        wait = self._bucket.take(request.remote or "", self.now())
        if wait is not None:
            headers = {"Retry-After": str(max(1, math.ceil(wait)))} if limits.retry_after and math.isfinite(wait) else {}
            raise AuthError(429, "over_request_rate_limit", "Request rate limit reached", headers)

    # -- helpers for tests --------------------------------------------------------------------
    def last_otp(self, email: str) -> str | None:
        """The most recent one-time code sent to ``email`` (what the e-mail would have said)."""
        for rec in reversed(self.state.otps):
            if rec.email.lower() == email.lower():
                return rec.code
        return None

    async def create_user(self, email: str, password: str | None = None, *, user_id: str | None = None,
                          user_metadata: dict | None = None, confirmed: bool = True) -> str:
        uid = str(user_id or uuid.uuid4())
        crypt = await self._crypt()
        async with self.pool.connection() as conn:
            async with conn.transaction():
                await conn.execute(
                    f"""
                    insert into auth.users (instance_id, id, aud, role, email, encrypted_password,
                        email_confirmed_at, raw_app_meta_data, raw_user_meta_data, created_at, updated_at)
                    values ('00000000-0000-0000-0000-000000000000', %s, 'authenticated', 'authenticated', %s,
                        case when %s::text is null then null else {crypt}.crypt(%s, {crypt}.gen_salt('bf', 4)) end,
                        case when %s then now() end, %s, %s, now(), now())
                    """,
                    (uid, email.lower(), password, password, confirmed,
                     json.dumps({"provider": "email", "providers": ["email"]}), json.dumps(user_metadata or {})),
                )
        return uid

    def issue_access_token(self, user: dict, *, session_id: str | None = None, expires_in: int | None = None,
                           amr: str = "password", extra: dict | None = None) -> str:
        claims = self.issuer.access_token_claims(
            user, session_id=session_id, expires_in=self.jwt_expiry if expires_in is None else expires_in,
            amr_method=amr)
        claims["iss"] = f"{self.url}/auth/v1" if self.url else claims["iss"]
        if extra:
            claims.update(extra)
        return self.issuer.sign(claims)

    # -- plumbing -----------------------------------------------------------------------------
    async def _crypt(self) -> str:
        if self._crypt_schema is None:
            async with self.pool.connection() as conn:
                cur = await conn.execute(
                    "select n.nspname from pg_proc p join pg_namespace n on n.oid = p.pronamespace"
                    " where p.proname = 'crypt' order by n.nspname = 'extensions' desc limit 1")
                row = await cur.fetchone()
                await conn.commit()
            if row is None:
                raise RuntimeError("pgcrypto is not installed in the test database (prepare_supabase_database does it)")
            self._crypt_schema = '"' + row[0].replace('"', '""') + '"'
        return self._crypt_schema

    async def _user_by(self, column: str, value: str) -> dict | None:
        assert column in ("id", "email")
        async with self.pool.connection() as conn:
            if column == "email":
                cur = await conn.execute("select to_jsonb(u) from auth.users u where lower(u.email) = lower(%s)", (value,))
            else:
                cur = await conn.execute("select to_jsonb(u) from auth.users u where u.id = %s::uuid", (value,))
            row = await cur.fetchone()
            await conn.commit()
        return row[0] if row else None

    async def _touch_sign_in(self, user_id: str, *, confirm: bool = False) -> dict:
        async with self.pool.connection() as conn:
            async with conn.transaction():
                cur = await conn.execute(
                    "update auth.users u set last_sign_in_at = now(), updated_at = now(),"
                    " email_confirmed_at = case when %s then coalesce(email_confirmed_at, now()) else email_confirmed_at end"
                    " where id = %s::uuid returning to_jsonb(u)",
                    (confirm, user_id),
                )
                row = await cur.fetchone()
        return row[0]

    @staticmethod
    def user_json(user: dict) -> dict:
        """GoTrue's ``models.User`` JSON (``internal/models/user.go``)."""
        uid = user["id"]
        email = user.get("email")
        identity = {
            "identity_id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"identity:{uid}")),
            "id": uid,
            "user_id": uid,
            "identity_data": {"email": email, "email_verified": bool(user.get("email_confirmed_at")),
                              "phone_verified": False, "sub": uid},
            "provider": "email",
            "last_sign_in_at": _iso(user.get("last_sign_in_at")),
            "created_at": _iso(user.get("created_at")),
            "updated_at": _iso(user.get("updated_at")),
            "email": email,
        }
        return {
            "id": uid,
            "aud": user.get("aud") or "authenticated",
            "role": user.get("role") or "authenticated",
            "email": email,
            "email_confirmed_at": _iso(user.get("email_confirmed_at")),
            "phone": user.get("phone") or "",
            "confirmed_at": _iso(user.get("confirmed_at") or user.get("email_confirmed_at")),
            "last_sign_in_at": _iso(user.get("last_sign_in_at")),
            "app_metadata": user.get("raw_app_meta_data") or {"provider": "email", "providers": ["email"]},
            "user_metadata": user.get("raw_user_meta_data") or {},
            "identities": [identity],
            "created_at": _iso(user.get("created_at")),
            "updated_at": _iso(user.get("updated_at")),
            "is_anonymous": bool(user.get("is_anonymous") or False),
        }

    def _new_refresh_token(self, session: SessionRecord, parent: str | None) -> str:
        token = secrets.token_urlsafe(9)
        self.state.refresh_tokens[token] = RefreshTokenRecord(token, session.id, session.user_id, parent, self.now())
        return token

    def _active_token(self, session: SessionRecord) -> RefreshTokenRecord | None:
        """The session's newest live token (``FindCurrentlyActiveRefreshToken``)."""
        live = [r for r in self.state.refresh_tokens.values() if r.session_id == session.id and not r.revoked]
        return max(live, key=lambda r: r.serial, default=None)

    def _revoke(self, rec: RefreshTokenRecord) -> None:
        rec.revoked = True
        rec.updated_at = self.now()

    def _session_response(self, user: dict, session: SessionRecord, refresh_token: str, amr: str) -> dict:
        expires_in = self.jwt_expiry
        access = self.issue_access_token(user, session_id=session.id, expires_in=expires_in, amr=amr)
        return {
            "access_token": access,
            "token_type": "bearer",
            "expires_in": expires_in,
            "expires_at": int(time.time()) + expires_in,
            "refresh_token": refresh_token,
            "user": self.user_json(user),
        }

    def _new_session(self, user: dict, amr: str) -> dict:
        session = SessionRecord(str(uuid.uuid4()), user["id"], self.now())
        self.state.sessions[session.id] = session
        token = self._new_refresh_token(session, None)
        return self._session_response(user, session, token, amr)

    def _bearer_claims(self, request: web.Request) -> dict:
        header = request.headers.get("Authorization", "")
        if not header.lower().startswith("bearer ") or not header[7:].strip():
            raise AuthError(401, "no_authorization", "This endpoint requires a valid Bearer token")
        try:
            claims = self.issuer.verify(header[7:].strip())
        except TokenError as err:
            detail = {
                "expired": "token has invalid claims: token is expired",
                "signature": "token signature is invalid: signature is invalid",
            }.get(err.kind, "token is malformed: could not JSON decode header")
            raise AuthError(403, "bad_jwt", f"invalid JWT: unable to parse or verify signature, {detail}") from None
        if not claims.get("sub"):
            raise AuthError(403, "bad_jwt", "invalid claim: missing sub claim")
        sid = claims.get("session_id")
        if sid:
            session = self.state.sessions.get(sid)
            if session is None or session.revoked:
                raise AuthError(403, "session_not_found", "Session from session_id claim in JWT does not exist")
        return claims

    # -- HTTP ---------------------------------------------------------------------------------
    def add_routes(self, app: web.Application) -> None:
        r = app.router
        r.add_post("/auth/v1/token", self._wrap(self.token))
        r.add_post("/auth/v1/otp", self._wrap(self.otp))
        r.add_post("/auth/v1/verify", self._wrap(self.verify))
        r.add_post("/auth/v1/signup", self._wrap(self.signup))
        r.add_get("/auth/v1/user", self._wrap(self.get_user))
        r.add_post("/auth/v1/logout", self._wrap(self.logout))
        r.add_get("/auth/v1/settings", self._wrap(self.settings))
        r.add_get("/auth/v1/health", self._wrap(self.health))
        r.add_post("/auth/v1/admin/users", self._wrap(self.admin_create_user))
        r.add_delete("/auth/v1/admin/users/{id}", self._wrap(self.admin_delete_user))

    def _wrap(self, handler):
        async def wrapped(request: web.Request) -> web.StreamResponse:
            new_api = request.headers.get(API_VERSION_HEADER, "") >= API_VERSION_2024
            try:
                resp = await handler(request)
            except AuthError as err:
                headers = {"x-sb-error-code": err.error_code, **err.headers}
                if new_api:
                    headers[API_VERSION_HEADER] = API_VERSION_2024
                    body = {"code": err.error_code, "message": err.message}
                else:
                    body = {"code": err.status, "error_code": err.error_code, "msg": err.message}
                return web.json_response(body, status=err.status, headers=headers)
            if new_api:
                resp.headers[API_VERSION_HEADER] = API_VERSION_2024
            return resp
        return wrapped

    @staticmethod
    async def _body(request: web.Request) -> dict:
        try:
            body = await request.json()
        except ValueError:
            raise AuthError(400, "bad_json", "Could not parse request body as JSON") from None
        if not isinstance(body, dict):
            raise AuthError(400, "bad_json", "Could not parse request body as JSON")
        return body

    async def token(self, request: web.Request) -> web.Response:
        grant = request.query.get("grant_type", "")
        if grant not in ("password", "refresh_token"):
            raise AuthError(400, "invalid_credentials", "unsupported_grant_type")
        self._check_token_rate(request)
        body = await self._body(request)
        if grant == "password":
            return await self._password_grant(body)
        return await self._refresh_grant(body)

    async def _password_grant(self, body: dict) -> web.Response:
        email, password = body.get("email"), body.get("password")
        if not isinstance(email, str) or not isinstance(password, str) or not email or not password:
            raise AuthError(400, "validation_failed", "missing email or phone")
        crypt = await self._crypt()
        async with self.pool.connection() as conn:
            cur = await conn.execute(
                f"select to_jsonb(u), u.encrypted_password is not null and u.encrypted_password <> ''"
                f" and u.encrypted_password = {crypt}.crypt(%s, u.encrypted_password)"
                f" from auth.users u where lower(u.email) = lower(%s) and u.deleted_at is null",
                (password, email),
            )
            row = await cur.fetchone()
            await conn.commit()
        if row is None or not row[1]:
            raise AuthError(400, "invalid_credentials", "Invalid login credentials")
        if not row[0].get("email_confirmed_at"):
            raise AuthError(400, "email_not_confirmed", "Email not confirmed")
        user = await self._touch_sign_in(row[0]["id"])
        return web.json_response(self._new_session(user, "password"))

    async def _refresh_grant(self, body: dict) -> web.Response:
        not_found = AuthError(400, "refresh_token_not_found", "Invalid Refresh Token: Refresh Token Not Found")
        token = body.get("refresh_token")
        rec = self.state.refresh_tokens.get(token) if isinstance(token, str) else None
        if rec is None:
            raise not_found
        session = self.state.sessions.get(rec.session_id)
        if session is None or session.revoked:
            raise not_found
        user = await self._user_by("id", rec.user_id)
        if user is None:
            raise not_found
        if rec.revoked:
            active = self._active_token(session)
            if active is not None and active.parent == rec.token:
                # The client never stored the answer to its last refresh: hand that answer back.
                return web.json_response(self._session_response(user, session, active.token, "token_refresh"))
            if self.now() > rec.updated_at + self.limits.refresh_reuse_interval:
                for other in self.state.refresh_tokens.values():
                    if other.session_id == session.id and not other.revoked:
                        self._revoke(other)
                raise AuthError(400, "refresh_token_already_used", "Invalid Refresh Token: Already Used")
        self._revoke(rec)
        new = self._new_refresh_token(session, rec.token)
        return web.json_response(self._session_response(user, session, new, "token_refresh"))

    async def signup(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        email, password = body.get("email"), _password(body.get("password"))
        if not email or not password:
            raise AuthError(400, "validation_failed", "Signup requires a valid password")
        email = valid_email(email)
        if await self._user_by("email", email):
            raise AuthError(422, "user_already_exists", "User already registered")
        uid = await self.create_user(email, password, user_metadata=body.get("data") or {})
        user = await self._touch_sign_in(uid, confirm=True)
        return web.json_response(self._new_session(user, "password"))

    async def otp(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        email = body.get("email")
        if not isinstance(email, str) or not email:
            raise AuthError(400, "validation_failed", "Only an email address or phone number should be provided")
        address = valid_email(email).lower()
        user = await self._user_by("email", email)
        if user is None and not body.get("create_user", True):
            raise AuthError(422, "otp_disabled", "Signups not allowed for otp")
        now = self.now()
        sent = self._otp_sent.get(address)
        if sent is not None and now < sent + self.limits.otp_cooldown:
            left = int(sent + self.limits.otp_cooldown - now)  # GoTrue truncates to whole seconds
            raise AuthError(429, "over_email_send_rate_limit",
                            f"For security purposes, you can only request this after {left} seconds.")
        if user is None:
            data = body.get("data")
            await self.create_user(email, None, user_metadata=data if isinstance(data, dict) else {}, confirmed=False)
        for older in self.state.otps:
            if older.email == address:
                older.used = True  # a new code voids the ones sent before it
        code = f"{random.SystemRandom().randrange(10**6):06d}"
        self.state.otps.append(OtpRecord(address, code, now))
        self._otp_sent[address] = now
        return web.json_response({})

    async def verify(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        email, token, kind = body.get("email") or "", str(body.get("token") or ""), body.get("type")
        if kind not in ("email", "magiclink", "signup"):
            raise AuthError(400, "validation_failed", "Verify requires a verification type")
        if not isinstance(email, str):
            raise AuthError(400, "validation_failed", "Verify requires an email address")
        now = self.now()
        match = None
        for rec in reversed(self.state.otps):
            if rec.email == email.lower() and rec.code == token and not rec.used and now - rec.created_at < OTP_EXPIRY:
                match = rec
                break
        user = await self._user_by("email", email) if match else None
        if match is None or user is None:
            raise AuthError(403, "otp_expired", "Token has expired or is invalid")
        match.used = True
        user = await self._touch_sign_in(user["id"], confirm=True)
        return web.json_response(self._new_session(user, "otp"))

    async def get_user(self, request: web.Request) -> web.Response:
        claims = self._bearer_claims(request)
        user = await self._user_by("id", claims["sub"])
        if user is None:
            raise AuthError(403, "user_not_found", "User from sub claim in JWT does not exist")
        return web.json_response(self.user_json(user))

    async def logout(self, request: web.Request) -> web.Response:
        claims = self._bearer_claims(request)
        scope = request.query.get("scope", "global")
        sid = claims.get("session_id")
        for session in self.state.sessions.values():
            if session.user_id != claims["sub"]:
                continue
            if scope == "global" or (scope == "local" and session.id == sid) or (scope == "others" and session.id != sid):
                session.revoked = True
        return web.Response(status=204)

    def _require_admin(self, request: web.Request) -> None:
        """``requireAdmin`` (internal/api/admin.go): a JWT whose role is service_role/supabase_admin."""
        header = request.headers.get("Authorization", "")
        if not header.lower().startswith("bearer "):
            raise AuthError(401, "no_authorization", "This endpoint requires a valid Bearer token")
        try:
            claims = self.issuer.verify(header[7:].strip())
        except TokenError:
            raise AuthError(403, "bad_jwt", "invalid JWT: unable to parse or verify signature") from None
        if claims.get("role") not in ("service_role", "supabase_admin"):
            raise AuthError(403, "not_admin", "User not allowed")

    async def admin_create_user(self, request: web.Request) -> web.Response:
        self._require_admin(request)
        body = await self._body(request)
        email = valid_email(body.get("email"))
        if await self._user_by("email", email):
            raise AuthError(422, "email_exists", "A user with this email address has already been registered")
        user_id = body.get("id")
        if user_id is not None:
            try:
                user_id = str(uuid.UUID(str(user_id)))
            except ValueError:
                raise AuthError(400, "validation_failed", "id must be a UUID") from None
        metadata = body.get("user_metadata") or body.get("data") or {}
        if not isinstance(metadata, dict):
            raise AuthError(400, "validation_failed", "user_metadata must be an object")
        uid = await self.create_user(email, _password(body.get("password")), user_id=user_id,
                                     user_metadata=metadata,
                                     confirmed=bool(body.get("email_confirm")))
        return web.json_response(self.user_json(await self._user_by("id", uid)))

    async def admin_delete_user(self, request: web.Request) -> web.Response:
        self._require_admin(request)
        uid = request.match_info["id"]
        user = await self._user_by("id", uid)
        if user is None:
            raise AuthError(404, "user_not_found", "User not found")
        async with self.pool.connection() as conn:
            await conn.execute("delete from auth.users where id = %s::uuid", (uid,))
        for session in self.state.sessions.values():
            if session.user_id == uid:
                session.revoked = True
        return web.json_response(self.user_json(user))

    async def settings(self, request: web.Request) -> web.Response:
        return web.json_response({"external": {"email": True, "phone": False}, "disable_signup": False,
                                  "mailer_autoconfirm": True, "phone_autoconfirm": False, "sms_provider": ""})

    async def health(self, request: web.Request) -> web.Response:
        return web.json_response({"version": "fake", "name": "GoTrue", "description": "test double"})

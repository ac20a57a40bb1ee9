"""Signing in and out, and every way it can fail, in words a person understands.

Every supabase-py call of this package goes through :func:`explain`, which turns whatever it
raised (``AuthApiError`` with GoTrue's error codes, ``AuthRetryableError`` for the network,
``postgrest.APIError``, raw ``httpx`` errors) into ONE error type, :class:`AuthFailure`, with a
:class:`FailureKind` (for exit codes and for the screen to decide what to offer) and a sentence.
Nothing here lets a traceback through; server text is cleaned of control characters before it
can reach a terminal.

GoTrue codes mapped (supabase/auth ``internal/api/errorcodes.go``): ``invalid_credentials``,
``email_not_confirmed``, ``otp_expired``, ``otp_disabled``/``signup_disabled`` (a code asked for
an address with no account: we never create accounts from the terminal), the
``over_*_rate_limit`` family and HTTP 429 (the wait comes from ``Retry-After`` or from the
message "you can only request this after N seconds"), refresh-token and session errors (the
session ended elsewhere). The gateway's "Invalid API key" means the key is not this project's.
"""

from __future__ import annotations

import re
import socket
from typing import Any

import httpx
from postgrest import APIError
from supabase import AsyncClient
from supabase_auth.errors import AuthApiError, AuthError, AuthRetryableError, AuthSessionMissingError

from .failures import (  # noqa: F401 - re-exported: the one error type and the input checks
    AuthFailure, FailureKind, SignedIn, check_code, check_email, check_password, clean,
)

_WAIT_IN_MESSAGE = re.compile(r"after (\d+) seconds?", re.IGNORECASE)


# -- what went wrong ---------------------------------------------------------------------------


def _retry_after(exc: BaseException, message: str) -> int | None:
    cause = exc.__cause__
    response = getattr(cause, "response", None)
    header = response.headers.get("retry-after") if response is not None else None
    if header and header.strip().isdigit():
        return max(1, int(header.strip()))
    found = _WAIT_IN_MESSAGE.search(message)
    return int(found.group(1)) if found else None


def _chain(exc: BaseException):
    seen = 0
    current: BaseException | None = exc
    while current is not None and seen < 12:
        yield current
        current = current.__cause__ or current.__context__
        seen += 1


def _network(exc: BaseException, url: str) -> AuthFailure:
    """Connection refused, a name that does not resolve, or no answer in time: the reason is
    found by walking the exception chain (httpx wraps the socket error one or two levels down)."""
    chain = list(_chain(exc))
    if any(isinstance(e, (httpx.TimeoutException, TimeoutError)) for e in chain):
        why = "it did not answer in time"
    elif any(isinstance(e, socket.gaierror) for e in chain) or any(
            "name or service not known" in str(e).lower() or "nodename nor servname" in str(e).lower() for e in chain):
        why = "its host name could not be found (check the URL, or your network)"
    elif any(isinstance(e, ConnectionRefusedError) or "refused" in str(e).lower() for e in chain):
        why = "the connection was refused"
    else:
        why = "the network connection failed"
    return AuthFailure(FailureKind.UNREACHABLE, f"Cannot reach {url}: {why}.")


def explain(exc: BaseException, url: str) -> AuthFailure:
    """The one error type for anything a supabase-py call raised (see the module doc)."""
    if isinstance(exc, AuthFailure):
        return exc
    if isinstance(exc, (httpx.TransportError, OSError)):
        return _network(exc, url)
    if isinstance(exc, AuthRetryableError):
        if exc.status == 0:
            return _network(exc, url)
        return AuthFailure(FailureKind.SERVER_ERROR,
                           f"The project answered with an error (HTTP {exc.status}); Supabase may be "
                           "restarting or the project paused. Try again in a minute.")
    if isinstance(exc, AuthSessionMissingError):
        return AuthFailure(FailureKind.NOT_SIGNED_IN, "You are not signed in.")
    if isinstance(exc, AuthApiError):
        return _auth_api(exc, url)
    if isinstance(exc, APIError):
        return _rest(exc)
    if isinstance(exc, AuthError):
        return AuthFailure(FailureKind.SERVER_ERROR, f"Sign-in failed: {clean(exc.message)}")
    return AuthFailure(FailureKind.SERVER_ERROR, f"Unexpected answer from the project ({type(exc).__name__}).")


def _auth_api(exc: AuthApiError, url: str) -> AuthFailure:
    code, status, message = exc.code, exc.status, str(exc.message or "")
    if code == "invalid_credentials":
        return AuthFailure(FailureKind.WRONG_CREDENTIALS, "Wrong email or password.")
    if code == "email_not_confirmed":
        return AuthFailure(FailureKind.EMAIL_NOT_CONFIRMED,
                           "This email address is not confirmed yet: open the confirmation email, "
                           "or sign in with a code instead (that confirms it).")
    if code == "otp_expired":
        return AuthFailure(FailureKind.CODE_INVALID, "That code is wrong or has expired; ask for a new one.")
    if code in ("otp_disabled", "signup_disabled", "user_not_found"):
        return AuthFailure(FailureKind.UNKNOWN_EMAIL,
                           "No account uses this email address in this project. Check it, or ask a "
                           "workspace admin to invite you.")
    if status == 429 or (code or "").startswith("over_"):
        wait = _retry_after(exc, message)
        when = f"wait {wait} seconds" if wait else "wait a minute"
        return AuthFailure(FailureKind.RATE_LIMITED, f"Too many attempts: {when} and try again.", retry_after=wait)
    if code in ("refresh_token_not_found", "refresh_token_already_used", "session_not_found",
                "session_expired", "bad_jwt", "user_banned"):
        return AuthFailure(FailureKind.SESSION_ENDED,
                           "Your session has ended (signed out elsewhere, or expired); sign in again.")
    if status == 401 and "api key" in message.lower():
        return AuthFailure(FailureKind.BAD_KEY,
                           f"{url} refused the anon key: it is not this project's key (check supabase.anon_key).")
    if status >= 500:
        return AuthFailure(FailureKind.SERVER_ERROR,
                           f"The project's sign-in service failed (HTTP {status}): {clean(message)}")
    return AuthFailure(FailureKind.SERVER_ERROR, f"Sign-in refused (HTTP {status}): {clean(message)}")


def _rest(exc: APIError) -> AuthFailure:
    message = str(exc.message or "")
    if exc.code in ("PGRST301", "PGRST303"):
        return AuthFailure(FailureKind.SESSION_ENDED, "Your session is no longer accepted; sign in again.")
    if "api key" in message.lower():
        return AuthFailure(FailureKind.BAD_KEY, "The project refused the anon key: it is not this project's key.")
    if exc.code == "42501":
        return AuthFailure(FailureKind.SERVER_ERROR, "The project refused the request: permission denied.")
    return AuthFailure(FailureKind.SERVER_ERROR, f"The project's database answered with an error ({clean(exc.code)}): {clean(message)}")


async def guarded(url: str, awaitable: Any) -> Any:
    """Await a supabase-py call; anything it raises comes out as an :class:`AuthFailure`."""
    try:
        return await awaitable
    except AuthFailure:
        raise
    except Exception as exc:  # noqa: BLE001 - mapped, never shown as a traceback
        raise explain(exc, url) from exc


# -- the steps ---------------------------------------------------------------------------------


async def sign_in_with_password(client: AsyncClient, url: str, email: str, password: str) -> SignedIn:
    email, password = check_email(email), check_password(password)
    response = await guarded(url, client.auth.sign_in_with_password({"email": email, "password": password}))
    if response.session is None:
        raise AuthFailure(FailureKind.SERVER_ERROR, "The project accepted the password but returned no session.")
    return SignedIn.of(response.session)


async def send_code(client: AsyncClient, url: str, email: str) -> None:
    """Email a one-time code. Never creates an account: a typo must not sign someone up."""
    email = check_email(email)
    await guarded(url, client.auth.sign_in_with_otp({"email": email, "options": {"should_create_user": False}}))


async def verify_code(client: AsyncClient, url: str, email: str, code: str) -> SignedIn:
    email, code = check_email(email), check_code(code)
    response = await guarded(url, client.auth.verify_otp({"email": email, "token": code, "type": "email"}))
    if response.session is None:
        raise AuthFailure(FailureKind.SERVER_ERROR, "The project accepted the code but returned no session.")
    return SignedIn.of(response.session)


async def current(client: AsyncClient, url: str, *, confirm: bool = False) -> SignedIn | None:
    """The signed-in person, refreshing an expired access token first; None when signed out.

    A stored session whose refresh the server refuses is gone (the library deletes it) and this
    returns None; an unreachable server raises UNREACHABLE (the stored session is kept).

    While the access token has not expired the library answers from the session file alone, so
    nothing proves the server is there; ``confirm`` asks the server about the token too
    (``/auth/v1/user``), for `track status`, which reports whether the project answered. A token
    the server no longer accepts (the session was revoked) is None then, like a refused refresh.
    """
    try:
        session = await client.auth.get_session()
    except AuthApiError as exc:
        failure = explain(exc, url)
        if failure.kind is FailureKind.SESSION_ENDED:
            # The library keeps a session it cannot refresh; a local sign-out clears it away.
            try:
                await client.auth.sign_out({"scope": "local"})
            except Exception:  # noqa: BLE001 - nothing left to revoke on the server
                pass
            return None
        raise failure from exc
    except Exception as exc:  # noqa: BLE001
        raise explain(exc, url) from exc
    if session is None:
        return None
    if confirm:
        try:
            await guarded(url, client.auth.get_user(session.access_token))
        except AuthFailure as failure:
            if failure.kind is FailureKind.SESSION_ENDED:
                return None
            raise
    return SignedIn.of(session)


async def sign_out(client: AsyncClient, url: str) -> None:
    """Sign out this device: the session file goes first, then the server revokes the session
    (scope "local": other devices stay signed in). Raises UNREACHABLE/SERVER_ERROR when the
    server could not be told; the local sign-out has happened either way."""
    await guarded(url, client.auth.sign_out({"scope": "local"}))

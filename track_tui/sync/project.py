"""A configured Supabase project: its URL and public API key, validated, with a stable slug.

The URL must be https. Plain http is allowed only for loopback hosts (a local Supabase, the
test-suite's double): anywhere else the password and tokens would cross the network in clear
text. The slug names the project's files (session, remembered workspace, caches): readable
(the host) and unique (a short hash of the normalised URL), stable across runs.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, field_validator

from .keys import ClientKey, KeyKind, check_client_key

_LOOPBACK_NAMES = {"localhost"}
_CONTROL = re.compile(r"[\x00-\x20\x7f-\x9f]")


class InvalidProjectUrl(ValueError):
    """The project URL cannot be used; the message says what is wrong."""


def _is_loopback(host: str) -> bool:
    if host in _LOOPBACK_NAMES or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def normalise_url(value: object) -> str:
    """``scheme://host[:port]`` in lower case, or :class:`InvalidProjectUrl` saying why not."""
    if not isinstance(value, str):
        raise InvalidProjectUrl("must be text, like https://<project-ref>.supabase.co")
    text = value.strip()
    if not text:
        raise InvalidProjectUrl("is empty; it looks like https://<project-ref>.supabase.co")
    if _CONTROL.search(text):
        raise InvalidProjectUrl("contains spaces or control characters")
    parts = urlsplit(text)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise InvalidProjectUrl("is not a web address; it looks like https://<project-ref>.supabase.co")
    try:
        host = (parts.hostname or "").lower()
        port = parts.port
    except ValueError:
        raise InvalidProjectUrl("has an invalid port number") from None
    if not host:
        raise InvalidProjectUrl("has no host name")
    if parts.username or parts.password:
        raise InvalidProjectUrl("must not contain a user name or password")
    if host in ("supabase.com", "app.supabase.com", "www.supabase.com"):
        raise InvalidProjectUrl(
            "is the Supabase dashboard's address; use the project URL from Project Settings → "
            "Data API, like https://<project-ref>.supabase.co"
        )
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise InvalidProjectUrl("must be the project's base address only (no path such as /rest/v1, no ?query)")
    scheme = parts.scheme.lower()
    if scheme == "http" and not _is_loopback(host):
        raise InvalidProjectUrl(
            "must use https (plain http would send passwords and tokens unencrypted); http is "
            "accepted only for a local server on 127.0.0.1 or localhost"
        )
    shown_host = f"[{host}]" if ":" in host else host
    default_port = 443 if scheme == "https" else 80
    return f"{scheme}://{shown_host}" + (f":{port}" if port and port != default_port else "")


class Project(BaseModel):
    """The Supabase project Track talks to. Build with ``Project(url=..., anon_key=...)``."""

    model_config = ConfigDict(frozen=True)

    url: str
    anon_key: str

    @field_validator("url", mode="before")
    @classmethod
    def _url(cls, value: object) -> str:
        return normalise_url(value)

    @field_validator("anon_key", mode="before")
    @classmethod
    def _key(cls, value: object) -> str:
        return check_client_key(value).value

    def __repr__(self) -> str:  # the key stays out of logs and tracebacks
        return f"Project(url={self.url!r})"

    __str__ = __repr__

    @property
    def key_kind(self) -> KeyKind:
        return check_client_key(self.anon_key).kind

    @property
    def client_key(self) -> ClientKey:
        return check_client_key(self.anon_key)

    @property
    def slug(self) -> str:
        """A file-name-safe, stable name: the host (and port) plus 8 hex of the URL's hash."""
        rest = self.url.split("://", 1)[1]
        readable = re.sub(r"[^a-z0-9.-]+", "-", rest).strip("-.")[:60] or "project"
        digest = hashlib.sha256(self.url.encode()).hexdigest()[:8]
        return f"{readable}-{digest}"


def project_from_input(url: object, anon_key: object) -> Project:
    """A Project from what a person typed, raising the specific error (never a ValidationError,
    whose text would quote the key): :class:`InvalidProjectUrl` or :class:`~.keys.KeyRefused`."""
    return Project.model_construct(url=normalise_url(url), anon_key=check_client_key(anon_key).value)

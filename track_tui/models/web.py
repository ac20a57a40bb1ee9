"""Web addresses and domain names a person types (custom URL fields, a company's domain).

Parsed with the standard library's `urllib.parse`, then checked the way a browser would need:
a scheme from an allowed list, a host made of valid DNS labels (internationalised names are
checked in their IDNA form) or an IP address, a valid port, and no spaces, control characters or
user name/password. What the person meant is stored: `example.com` becomes
`https://example.com`; anything else — `not a url`, `javascript:alert(1)`, `https://exa mple.com`
— is refused with a ValueError that says why.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

URL_MAX_LENGTH = 2_048  # what browsers and most servers accept in one address
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_SCHEME_PREFIX = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")


def parse_web_address(text: str, schemes: tuple[str, ...] | list[str] = ("http", "https")) -> str:
    """A URL from what was typed; `https://` is added when no scheme was given."""
    raw = text.strip()
    allowed = " or ".join(f"{s}://" for s in schemes)
    if not raw:
        raise ValueError("a web address is empty")
    if len(raw) > URL_MAX_LENGTH:
        raise ValueError(f"a web address can be at most {URL_MAX_LENGTH:,} characters")
    if any(ch.isspace() or not ch.isprintable() for ch in raw):
        raise ValueError(f"{raw!r} is not a web address: it contains spaces or control characters")
    prefix = _SCHEME_PREFIX.match(raw)
    if "://" not in raw:
        # 'javascript:…', 'mailto:…', 'data:…' name a scheme; 'example.com:8080' names a host.
        if prefix and "." not in prefix.group(1) and not raw[prefix.end():].split("/")[0].isdigit():
            raise ValueError(f"{prefix.group(1).lower()}: addresses are not allowed; use {allowed}")
        raw = f"{'https' if 'https' in schemes else schemes[0]}://{raw}"
    parts = urlsplit(raw)
    if parts.scheme.lower() not in schemes:
        raise ValueError(f"{parts.scheme or 'that'}: addresses are not allowed; use {allowed}")
    if "@" in parts.netloc:
        raise ValueError(f"{text.strip()!r} is not allowed: a web address here cannot carry a user name or password")
    host = parts.hostname or ""
    try:
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number in range
    except ValueError:
        raise ValueError(f"{text.strip()!r} has an invalid port") from None
    if not host:
        raise ValueError(f"{text.strip()!r} is not a web address: it names no host")
    if not _is_ip(host):
        try:
            check_host_name(host)
        except ValueError as exc:
            raise ValueError(f"{text.strip()!r} is not a web address: {exc}") from None
    return raw


def parse_domain(text: str) -> str:
    """A bare domain name (`example.com`) from what was typed, even a pasted URL."""
    raw = text.strip()
    if any(ch.isspace() or not ch.isprintable() for ch in raw):
        raise ValueError(f"{raw!r} is not a domain name (like example.com): it contains spaces or control characters")
    candidate = raw.lower()
    if "://" in candidate:
        parts = urlsplit(candidate)
        if parts.scheme not in ("http", "https") or "@" in parts.netloc:
            raise ValueError(f"{raw!r} is not a domain name (like example.com)")
        candidate = parts.hostname or ""
    else:
        candidate = candidate.split("/", 1)[0]
    candidate = candidate.rstrip(".")
    try:
        check_host_name(candidate)
    except ValueError as exc:
        raise ValueError(f"{raw!r} is not a domain name (like example.com): {exc}") from None
    return candidate


def check_host_name(host: str) -> None:
    """Raise ValueError unless `host` is a DNS name with at least two labels (IDNA allowed)."""
    if not host:
        raise ValueError("it is empty")
    try:
        ascii_host = host.encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise ValueError("it is not a valid host name") from None
    labels = ascii_host.rstrip(".").split(".")
    if len(ascii_host) > 253 or not all(_LABEL.match(label) for label in labels):
        raise ValueError("a host name is made of letters, digits and hyphens between dots")
    if len(labels) < 2:
        raise ValueError("it needs a dot and a top-level domain, like example.com")
    if labels[-1].isdigit():
        raise ValueError("its top-level domain cannot be a number")


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True

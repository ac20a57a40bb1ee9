"""Web addresses and domains: what the person meant is stored, anything else refused with why."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from tests.factories import fixed_id
from track_tui.models import Company
from track_tui.models.web import URL_MAX_LENGTH, parse_domain, parse_web_address


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("example.com", "https://example.com"),
        ("  www.example.com/pricing?plan=pro#faq ", "https://www.example.com/pricing?plan=pro#faq"),
        ("example.com:8443/x", "https://example.com:8443/x"),
        ("http://example.com", "http://example.com"),
        ("HTTPS://Example.com/A", "HTTPS://Example.com/A"),
        ("https://bücher.de", "https://bücher.de"),
        ("https://xn--bcher-kva.de", "https://xn--bcher-kva.de"),
        ("https://192.0.2.10/status", "https://192.0.2.10/status"),
        ("https://[2001:db8::1]:8080/", "https://[2001:db8::1]:8080/"),
    ],
)
def test_a_web_address_is_stored_as_meant(typed: str, stored: str) -> None:
    assert parse_web_address(typed) == stored


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("not a url", "contains spaces"),
        ("https://exa mple.com", "contains spaces"),
        ("https://example.com/\x1b[2J", "control characters"),
        ("javascript:alert(1)", "javascript: addresses are not allowed"),
        ("JavaScript:alert(document.cookie)", "javascript: addresses are not allowed"),
        ("data:text/html,<script>", "data: addresses are not allowed"),
        ("mailto:ana@example.com", "mailto: addresses are not allowed"),
        ("https://javascript:alert(1)", "invalid port"),
        ("ftp://example.com", "ftp: addresses are not allowed"),
        ("https://", "names no host"),
        ("https://user:secret@example.com", "user name or password"),
        ("https://example.com@evil.example", "user name or password"),
        ("https://localhost", "needs a dot"),
        ("localhost:3000", "needs a dot"),
        ("https://exa_mple.com", "letters, digits and hyphens"),
        ("https://-example.com", "letters, digits and hyphens"),
        ("https://a..example", "not a valid host name"),
        ("https://example.123", "top-level domain cannot be a number"),
        ("https://example.com:99999", "invalid port"),
        ("", "empty"),
        ("https://example.com/" + "a" * URL_MAX_LENGTH, "at most 2,048 characters"),
    ],
)
def test_what_is_not_a_web_address_is_refused_saying_why(typed: str, reason: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_web_address(typed)
    assert reason in str(caught.value)


def test_allowed_schemes_are_the_fields_own() -> None:
    assert parse_web_address("example.com", ["https"]) == "https://example.com"
    assert parse_web_address("example.com", ["http"]) == "http://example.com"
    with pytest.raises(ValueError, match="use https://"):
        parse_web_address("http://example.com", ["https"])


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("example.com", "example.com"),
        ("Example.COM", "example.com"),
        ("www.example.co.uk", "www.example.co.uk"),
        ("https://Example.com/about", "example.com"),  # a pasted address: its host
        ("example.com/about", "example.com"),
        ("example.com.", "example.com"),
        ("bücher.de", "bücher.de"),
    ],
)
def test_a_domain_is_the_bare_host_name(typed: str, stored: str) -> None:
    assert parse_domain(typed) == stored


@pytest.mark.parametrize(
    "typed", ["exa mple.com", "not a domain", "javascript:alert(1)", "example", "192.0.2.1",
              "ftp://example.com", "https://user@example.com", "exa_mple.com", "example.com:8080"],
)
def test_what_is_not_a_domain_is_refused(typed: str) -> None:
    with pytest.raises(ValueError, match="is not a domain name"):
        parse_domain(typed)


def test_a_companys_domain_goes_through_the_parser() -> None:
    ws = fixed_id("workspace")
    assert Company(workspace_id=ws, name="Acme", domain="https://Acme.example/team").domain == "acme.example"
    assert Company(workspace_id=ws, name="Acme", domain="  ").domain is None
    with pytest.raises(ValidationError, match="is not a domain name"):
        Company(workspace_id=ws, name="Acme", domain="exa mple.com")

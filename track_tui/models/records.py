"""The three record types a board can hold — contacts, companies, deals — and deal contacts.

`created_at` and, on deals and companies, `tags` are additive columns (the reference gives tags
to contacts only; a reviewer filters deals by tag too). All three are soft-deleted through
`deleted_at`.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar

from pydantic import Field, field_validator

from .base import Row, WorkspaceRow, utc_now
from .enums import RecordType
from .money import MAX_MINOR, Money, exponent
from .text import LINE_MAX
from .web import parse_domain


class Record(WorkspaceRow):
    """Fields every record type shares."""

    RECORD_TYPE: ClassVar[RecordType]

    name: str = Field(min_length=1)
    owner_id: str | None = None
    tags: list[str] = Field(default_factory=list)
    custom_fields: dict[str, Any] = Field(default_factory=dict)
    created_at: datetime = Field(default_factory=utc_now)
    deleted_at: datetime | None = None

    @field_validator("name")
    @classmethod
    def _strip_name(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("a name cannot be empty")
        return value

    @field_validator("tags")
    @classmethod
    def _clean_tags(cls, value: list[str]) -> list[str]:
        seen: list[str] = []
        for tag in value:
            tag = tag.strip().lower()
            if len(tag) > LINE_MAX:
                raise ValueError(f"a tag can be at most {LINE_MAX:,} characters")
            if tag and tag not in seen:
                seen.append(tag)
        return seen

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class Contact(Record):
    TABLE: ClassVar[str] = "contacts"
    RECORD_TYPE: ClassVar[RecordType] = RecordType.CONTACT

    email: str | None = None
    phone: str | None = None
    title: str | None = None
    company_id: str | None = None

    @field_validator("email", "phone", "title", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("email")
    @classmethod
    def _valid_email(cls, value: str | None) -> str | None:
        """Checked by email-validator, imported on first use (it is slow to import)."""
        if value is None:
            return None
        from email_validator import EmailNotValidError, validate_email

        try:
            return validate_email(value.strip(), check_deliverability=False).normalized
        except EmailNotValidError as exc:
            raise ValueError(f"{value!r} is not an email address: {exc}") from None


class Company(Record):
    TABLE: ClassVar[str] = "companies"
    RECORD_TYPE: ClassVar[RecordType] = RecordType.COMPANY

    domain: str | None = None
    industry: str | None = None
    size: str | None = None
    parent_id: str | None = None

    @field_validator("domain", "industry", "size", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("domain")
    @classmethod
    def _bare_domain(cls, value: str | None) -> str | None:
        """A domain name as typed or pasted (`https://Example.com/about` → `example.com`)."""
        return None if value is None else parse_domain(value)


class Deal(Record):
    TABLE: ClassVar[str] = "deals"
    RECORD_TYPE: ClassVar[RecordType] = RecordType.DEAL

    # None is "no value" (the server's column is a nullable bigint): shown as such on the card,
    # the record page and in totals, and distinct from an amount of zero.
    value_cents: int | None = Field(default=None, ge=0, le=MAX_MINOR)
    # NULL on the server is "no currency" (the column is nullable): kept, and shown without one.
    currency: str | None = "USD"
    stage_id: str | None = None
    close_date: date | None = None
    probability: Decimal | None = Field(default=None, ge=0, le=100)
    primary_contact_id: str | None = None
    company_id: str | None = None

    @field_validator("currency")
    @classmethod
    def _iso_currency(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip().upper()
        exponent(value)
        return value

    @property
    def value(self) -> Money | None:
        return None if self.value_cents is None else Money(minor=self.value_cents, currency=self.currency)


class DealContact(Row):
    """A contact on a deal besides (or as well as) the primary, with a free-form role.

    The reference keys this table by (deal_id, contact_id); the additive `id` gives the sync
    machinery (outbox, tombstones) one key like every other table.
    """

    TABLE: ClassVar[str] = "deal_contacts"

    deal_id: str
    contact_id: str
    role: str | None = None
    workspace_id: str | None = None


RECORD_MODELS: dict[RecordType, type[Record]] = {
    RecordType.CONTACT: Contact,
    RecordType.COMPANY: Company,
    RecordType.DEAL: Deal,
}

# Labels a person reads for built-in fields (field edits in the timeline, form labels).
FIELD_LABELS: dict[str, str] = {
    "name": "Name", "email": "Email", "phone": "Phone", "title": "Title", "company_id": "Company",
    "owner_id": "Owner", "tags": "Tags", "domain": "Domain", "industry": "Industry", "size": "Size",
    "parent_id": "Parent company", "value_cents": "Value", "currency": "Currency",
    "stage_id": "Stage", "close_date": "Close date", "probability": "Probability",
    "primary_contact_id": "Primary contact", "custom_fields": "Custom fields",
    "deleted_at": "Deleted", "due_date": "Due date", "status": "Status",
    "assigned_to": "Assignee", "description": "Description", "body": "Text", "payload": "Details",
    "role": "Role",
}

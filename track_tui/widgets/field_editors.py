"""The fields of a record page: which fields a record type shows, how each reads, how each is edited.

A :class:`FieldSpec` names a built-in column or a custom field and the kind of control that edits
it. `display` formats a value for reading (money with its currency's exponent, dates absolute and
relative, tags); `initial_text` and `parse_text` are the two halves of editing a typed value, and
`parse_text` raises :class:`FieldInputError` with the reason so the editor can refuse inline.
Custom fields delegate to `CustomField.parse_input/format_value` (their rules live in `config`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from ..models import CustomField, CustomFieldError, Profile, Record, RecordType
from ..models.dates import parse_human_date, relative_days, relative_time
from ..models.enums import CustomFieldType, StageType
from ..models.money import Money, display_exponent, exponent, parse_amount
from ..models.numbers import parse_decimal
from ..models.records import FIELD_LABELS

# Kinds of editor: a typed line of text, or a picker.
TEXT, MONEY, CURRENCY, DATE, PERCENT, TAGS = "text", "money", "currency", "date", "percent", "tags"
OWNER, COMPANY, CONTACT, STAGE, READONLY = "owner", "company", "contact", "stage", "readonly"
SELECT, MULTI, BOOLEAN, LINK = "select", "multi", "boolean", "link"
PICKERS = {OWNER, COMPANY, CONTACT, STAGE, SELECT, MULTI, BOOLEAN, LINK}


class FieldInputError(ValueError):
    """What was typed cannot be this field's value; the message says why."""


@dataclass(frozen=True)
class FieldSpec:
    name: str  # column name, or the custom field's key
    label: str
    kind: str
    custom: CustomField | None = None
    hint: str = ""

    @property
    def key(self) -> str:
        return f"custom:{self.name}" if self.custom else f"field:{self.name}"

    @property
    def editable(self) -> bool:
        return self.kind != READONLY


def _spec(name: str, kind: str, hint: str = "") -> FieldSpec:
    return FieldSpec(name=name, label=FIELD_LABELS.get(name, name.replace("_", " ").capitalize()), kind=kind, hint=hint)


BUILT_IN: dict[RecordType, list[FieldSpec]] = {
    RecordType.DEAL: [
        _spec("name", TEXT),
        _spec("value_cents", MONEY, "an amount: 12000, 12k, 1,250.50 (empty: no value)"),
        _spec("currency", CURRENCY, "an ISO 4217 code: USD, EUR, JPY"),
        _spec("stage_id", STAGE),
        _spec("close_date", DATE, "2026-12-01, tomorrow, +3d, +2w, fri (empty clears)"),
        _spec("probability", PERCENT, "0 to 100 (empty: the stage's)"),
        _spec("company_id", COMPANY),
        _spec("primary_contact_id", CONTACT),
        _spec("owner_id", OWNER),
        _spec("tags", TAGS, "comma-separated: vip, renewal"),
        _spec("created_at", READONLY),
    ],
    RecordType.CONTACT: [
        _spec("name", TEXT),
        _spec("email", TEXT, "name@example.com"),
        _spec("phone", TEXT, "+1 415 555 0100"),
        _spec("title", TEXT),
        _spec("company_id", COMPANY),
        _spec("owner_id", OWNER),
        _spec("tags", TAGS, "comma-separated: vip, renewal"),
        _spec("created_at", READONLY),
    ],
    RecordType.COMPANY: [
        _spec("name", TEXT),
        _spec("domain", TEXT, "example.com"),
        _spec("industry", TEXT),
        _spec("size", TEXT, "e.g. 51-200"),
        _spec("parent_id", COMPANY),
        _spec("owner_id", OWNER),
        _spec("tags", TAGS, "comma-separated: vip, renewal"),
        _spec("created_at", READONLY),
    ],
}
_CREATED = FieldSpec(name="created_at", label="Created", kind=READONLY)

_CUSTOM_KINDS = {
    CustomFieldType.SELECT: SELECT, CustomFieldType.MULTI_SELECT: MULTI, CustomFieldType.BOOLEAN: BOOLEAN,
    CustomFieldType.LINK: LINK,
}
_CUSTOM_HINTS = {
    CustomFieldType.DATE: "2026-12-01, tomorrow, +3d, fri (empty clears)",
    CustomFieldType.NUMBER: "a number",
    CustomFieldType.CURRENCY: "an amount, optionally with a code first: EUR 1,200",
    CustomFieldType.URL: "https://…",
}


def field_specs(record_type: RecordType, custom_fields: list[CustomField]) -> list[FieldSpec]:
    """Built-in fields, then the workspace's custom fields in their defined order."""
    specs = [s if s.name != "created_at" else _CREATED for s in BUILT_IN[RecordType(record_type)]]
    for definition in custom_fields:
        kind = _CUSTOM_KINDS.get(definition.type, TEXT)
        hint = _CUSTOM_HINTS.get(definition.type, "")
        if definition.type == CustomFieldType.TEXT and definition.config.get("pattern_hint"):
            hint = f"like {definition.config['pattern_hint']}"
        specs.append(FieldSpec(name=definition.key, label=definition.name, kind=kind, custom=definition, hint=hint))
    return specs


@dataclass
class FieldContext:
    """What formatting needs besides the record: people, names of linked records, stages, clock."""

    today: date
    now: datetime
    profiles: dict[str, Profile]
    names: dict[str, str]
    stage_label: str | None = None
    stage_probability: Decimal | None = None
    stage_type: StageType | None = None  # won or lost: the deal's chance is settled


CLOSED_CHANCE = {StageType.WON: "100% (won)", StageType.LOST: "0% (lost)"}


def raw_value(spec: FieldSpec, record: Record) -> Any:
    if spec.custom is not None:
        return (record.custom_fields or {}).get(spec.name)
    return getattr(record, spec.name, None)


def display(spec: FieldSpec, record: Record, ctx: FieldContext) -> str:
    """The value as a person reads it; '—' when there is none."""
    value = raw_value(spec, record)
    if spec.custom is not None:
        if spec.custom.type == CustomFieldType.LINK and isinstance(value, dict):
            name = ctx.names.get(str(value.get("id")))
            return f"{name} ({value.get('type')})" if name else spec.custom.format_value(value)
        if spec.custom.type == CustomFieldType.DATE and isinstance(value, str):
            try:
                day = date.fromisoformat(value)
                return f"{day.day} {day:%b %Y} · {relative_days(day, ctx.today)}"
            except ValueError:
                pass
        return spec.custom.format_value(value)
    if spec.name == "value_cents":
        if value is None:
            return "—"
        return Money(minor=int(value), currency=getattr(record, "currency", "USD")).format()
    if spec.name == "stage_id":
        return ctx.stage_label or "—"
    if spec.name == "probability":
        if ctx.stage_type in CLOSED_CHANCE:  # a lost deal has no 10% left, whatever was typed in Lead
            return CLOSED_CHANCE[ctx.stage_type]
        if value is None:
            return f"— (stage {float(ctx.stage_probability):g}%)" if ctx.stage_probability is not None else "—"
        return f"{float(value):g}%"
    if value is None or value == "" or value == []:
        return "—"
    if spec.name == "close_date":
        return f"{value.day} {value:%b %Y} · {relative_days(value, ctx.today)}"
    if spec.name == "created_at":
        local = value.astimezone()
        return f"{local.day} {local:%b %Y} · {_age(value, ctx.now)}"
    if spec.name == "owner_id":
        profile = ctx.profiles.get(value)
        return profile.full_name if profile else "someone else"
    if spec.name in ("company_id", "parent_id", "primary_contact_id"):
        return ctx.names.get(value, "a deleted record")
    if spec.name == "tags":
        return ", ".join(f"#{tag}" for tag in value)
    return str(value)


def _age(moment: datetime, now: datetime) -> str:
    """'3h ago', '12d ago', '5mo ago', '2y ago'."""
    days = (now - moment).days
    if days < 14:
        return relative_time(moment, now)
    if days < 60:
        return f"{days}d ago"
    if days < 730:
        return f"{days // 30}mo ago"
    return f"{days // 365}y ago"


def initial_text(spec: FieldSpec, record: Record) -> str:
    """What an editor starts with: the current value in a form `parse_text` reads back."""
    value = raw_value(spec, record)
    if value is None or value == []:
        return ""
    if spec.custom is not None:
        kind = spec.custom.type
        if kind == CustomFieldType.CURRENCY and isinstance(value, dict):
            try:
                money = Money(minor=value["minor"], currency=value["currency"])
            except (KeyError, ValueError):
                return ""
            return f"{money.currency} {money.amount:.{display_exponent(money.currency)}f}"
        if kind == CustomFieldType.MULTI_SELECT and isinstance(value, list):
            return ", ".join(str(v) for v in value)
        if kind == CustomFieldType.BOOLEAN:
            return "yes" if value else "no"
        return str(value)
    if spec.name == "value_cents":
        money = Money(minor=int(value), currency=getattr(record, "currency", "USD"))
        return f"{money.amount:.{display_exponent(money.currency)}f}"
    if spec.name == "probability":
        return f"{float(value):g}"
    if spec.name == "tags":
        return ", ".join(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def parse_text(spec: FieldSpec, text: str, record: Record, today: date) -> tuple[dict[str, Any], dict[str, Any]]:
    """What was typed → (built-in fields, custom values) for `store.update_record`.

    Raises FieldInputError (with the reason) for anything the field cannot hold. The store
    validates again against the record model, so a value is never saved half-valid.
    """
    raw = text.strip()
    if spec.custom is not None:
        try:
            return {}, {spec.name: spec.custom.parse_input(raw, today)}
        except CustomFieldError as exc:
            raise FieldInputError(exc.rule) from None
    name = spec.name
    if spec.kind == MONEY:
        currency = getattr(record, "currency", "USD")
        if not raw:  # no value (NULL), not an amount of zero
            return {name: None}, {}
        try:
            return {name: parse_amount(raw, currency)}, {}
        except ValueError as exc:
            raise FieldInputError(str(exc)) from None
    if spec.kind == CURRENCY:
        code = raw.upper()
        try:
            exponent(code)
        except ValueError:
            raise FieldInputError(f"{raw!r} is not an ISO 4217 currency code (USD, EUR, JPY…)") from None
        return {name: code}, {}
    if spec.kind == DATE:
        if not raw:
            return {name: None}, {}
        try:
            return {name: parse_human_date(raw, today)}, {}
        except ValueError as exc:
            raise FieldInputError(str(exc)) from None
    if spec.kind == PERCENT:
        if not raw:
            return {name: None}, {}
        try:
            number = parse_decimal(raw.removesuffix("%"))
        except ValueError as exc:
            raise FieldInputError(f"{exc}; give a percentage from 0 to 100") from None
        if not 0 <= number <= 100:
            raise FieldInputError(f"{raw!r} is outside 0 to 100")
        return {name: number}, {}
    if spec.kind == TAGS:
        return {name: [part.strip() for part in raw.split(",") if part.strip()]}, {}
    if name == "name" and not raw:
        raise FieldInputError("a name cannot be empty")
    return {name: raw or None}, {}

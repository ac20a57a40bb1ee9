"""Which column of an imported file fills which field.

A header matches a field by the field's name or label, or by a header other CRMs write for it
("E-mail Address", "Deal Stage", "Amount", "First Name" + "Last Name", "Company Name"…),
ignoring case, accents, spaces and punctuation. Custom fields match by label or key. `--map
"Column=field"` overrides (field by name, label or custom key; `-` ignores the column). A column
that matches nothing is reported as ignored, never guessed.

"Company Name" is a company's own name in a companies file and the company of a contact or a
deal elsewhere: aliases are per record type.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..models import CustomField, RecordType
from .cells import folded

IGNORE = "-"
CUSTOM = "custom:"

# Targets a file can fill, per record type, with the labels people read.
LABELS: dict[str, str] = {
    "name": "Name", "first_name": "First name", "last_name": "Last name", "email": "Email",
    "phone": "Phone", "title": "Title", "company": "Company", "owner": "Owner", "tags": "Tags",
    "created_at": "Created", "domain": "Domain", "industry": "Industry", "size": "Size",
    "parent": "Parent company", "value": "Value", "currency": "Currency", "stage": "Stage",
    "close_date": "Close date", "probability": "Probability", "primary_contact": "Primary contact", "board": "Board",
}
_COMMON = {
    "owner": ["owner", "assigned to", "sales rep", "record owner", "account owner"],
    "tags": ["tags", "tag", "labels", "label"],
    "created_at": ["created", "created at", "create date", "created date", "date created", "created on"],
}
_ALIASES: dict[RecordType, dict[str, list[str]]] = {
    RecordType.CONTACT: {
        "name": ["name", "full name", "contact name", "contact"],
        "first_name": ["first name", "firstname", "given name", "forename"],
        "last_name": ["last name", "lastname", "surname", "family name"],
        "email": ["email", "e-mail", "email address", "e-mail address", "work email", "primary email", "mail"],
        "phone": ["phone", "phone number", "telephone", "mobile", "mobile phone", "work phone", "business phone"],
        "title": ["title", "job title", "position", "job"],
        "company": ["company", "company name", "organization", "organisation", "organization name", "account",
                    "account name", "associated company", "employer"],
        **_COMMON, "owner": _COMMON["owner"] + ["contact owner"],
    },
    RecordType.COMPANY: {
        "name": ["name", "company", "company name", "organization", "organisation", "organization name",
                 "account", "account name"],
        "domain": ["domain", "company domain name", "domain name", "website", "web site", "website url", "url"],
        "industry": ["industry", "sector"],
        "size": ["size", "company size", "headcount range"],
        "parent": ["parent company", "parent", "parent account", "parent organization"],
        **_COMMON, "owner": _COMMON["owner"] + ["company owner"],
    },
    RecordType.DEAL: {
        "name": ["name", "deal", "deal name", "opportunity", "opportunity name", "title"],
        "value": ["value", "amount", "deal value", "deal amount", "opportunity amount", "price"],
        "currency": ["currency", "currency code", "deal currency"],
        "stage": ["stage", "deal stage", "pipeline stage", "opportunity stage"],
        "board": ["board", "pipeline", "deal pipeline"],
        "close_date": ["close date", "expected close date", "closing date", "close", "closed date"],
        "probability": ["probability", "deal probability", "win probability", "probability (%)"],
        "company": ["company", "company name", "organization", "organisation", "account", "account name",
                    "associated company"],
        "primary_contact": ["primary contact", "contact", "contact name", "main contact", "associated contact",
                            "contact person"],
        **_COMMON, "owner": _COMMON["owner"] + ["deal owner", "opportunity owner"],
    },
}


def fields_for(record_type: RecordType) -> list[str]:
    """The built-in targets a file of `record_type` can fill (LABELS keys), in a sensible order."""
    return list(_ALIASES[record_type])


def key_of(text: str) -> str:
    """A header as compared: folded, letters and digits only ('E-mail Address' → 'emailaddress')."""
    return re.sub(r"[\W_]+", "", folded(text))


class MappingProblem(ValueError):
    """A mapping that cannot work (a --map naming nothing, no name column, one field twice)."""


@dataclass
class Mapping:
    columns: dict[int, str]  # column index → target (a LABELS key or "custom:<key>")
    ignored: list[str] = field(default_factory=list)  # headers that fill nothing

    def target_label(self, target: str, defs: dict[str, CustomField]) -> str:
        if target.startswith(CUSTOM):
            definition = defs.get(target[len(CUSTOM):])
            return definition.name if definition else target
        return LABELS.get(target, target)


def targets(record_type: RecordType, defs: list[CustomField]) -> dict[str, str]:
    """Every header key (see :func:`key_of`) → target, built-in names first."""
    table: dict[str, str] = {}
    for target, aliases in _ALIASES[record_type].items():
        for alias in [target, LABELS[target], *aliases]:
            table.setdefault(key_of(alias), target)
    for definition in defs:
        for alias in (definition.name, definition.key):
            table.setdefault(key_of(alias), CUSTOM + definition.key)
    return table


def parse_overrides(items: list[str]) -> dict[str, tuple[str, str]]:
    """`["Col=field", …]` → {header key: (column as written, field text)}."""
    result: dict[str, tuple[str, str]] = {}
    for item in items:
        column, sep, target = item.partition("=")
        if not sep or not column.strip() or not target.strip():
            raise MappingProblem(f"--map {item!r}: write it as \"Column=field\" (field \"-\" ignores the column)")
        result[key_of(column)] = (column.strip(), target.strip())
    return result


def build(
    record_type: RecordType, headers: list[str], defs: list[CustomField],
    overrides: dict[str, tuple[str, str]] | None = None,
) -> Mapping:
    """Map `headers` to fields; raises MappingProblem when the file cannot be imported as mapped."""
    known = targets(record_type, defs)
    overrides = dict(overrides or {})
    header_keys = [key_of(h) for h in headers]
    for column_key, (column_text, _) in overrides.items():
        if column_key not in header_keys:
            raise MappingProblem(f"--map names the column {column_text!r}, but the file has no such column "
                                 f"(its columns: {', '.join(h for h in headers if h)})")
    columns: dict[int, str] = {}
    ignored: list[str] = []
    for index, (header, key) in enumerate(zip(headers, header_keys)):
        if key in overrides:
            wanted = overrides[key][1]
            if wanted == IGNORE:
                ignored.append(header)
                continue
            target = known.get(key_of(wanted))
            if target is None:
                choices = ", ".join(sorted({LABELS.get(t, t) for t in known.values() if not t.startswith(CUSTOM)}))
                raise MappingProblem(f"--map {header}={wanted}: {record_type.value}s have no field {wanted!r}; "
                                     f"fields: {choices}, or a custom field's label")
        else:
            target = known.get(key)
        if target is None or not key:
            ignored.append(header or f"(column {index + 1}, no header)")
            continue
        if target in columns.values():
            other = headers[next(i for i, t in columns.items() if t == target)]
            raise MappingProblem(f"the columns {other!r} and {header!r} both fill {LABELS.get(target, target)}; "
                                 f"ignore one with --map \"{header}=-\"")
        columns[index] = target
    filled = set(columns.values())
    if "name" not in filled and not ({"first_name", "last_name"} & filled and record_type == RecordType.CONTACT):
        raise MappingProblem(
            f"no column gives the {record_type.value}'s name (columns: {', '.join(h for h in headers if h)}); "
            "map one with --map \"Column=name\""
        )
    return Mapping(columns=columns, ignored=ignored)

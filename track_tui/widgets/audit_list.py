"""The audit log as a list drawn with the line API: a header per day, a line per entry.

The log grows without bound, so it is never a widget per entry: the screen hands pages of
entries to :class:`AuditList` (a :class:`GroupedList`), which draws only the visible lines.
Each line: time, who, action, table and record, and what changed ("name: Osaka trial → Osaka
rollout"); the highlighted entry's whole diff is shown by the screen below the list.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from operator import attrgetter
from typing import Any

from rich.style import Style
from rich.text import Text
from textual.strip import Strip

from ..models import AuditLogEntry
from ..models.money import Money
from ..models.records import FIELD_LABELS
from ..safe_text import safe_line
from .grouped_list import GroupedList
from .timeline import RUN_ICON

ACTIONS = {"insert": "created", "update": "changed", "delete": "deleted"}
TABLE_LABELS = {
    "deals": "deal", "contacts": "contact", "companies": "company", "tasks": "task", "boards": "board",
    "board_stages": "stage", "custom_fields": "custom field", "automations": "automation",
    "deal_contacts": "deal contact", "workspace_members": "member", "board_cards": "card",
}


# Columns that hold another row's id: the diff names the row (a person, a record, a stage)
# instead of showing a UUID; what kind of row each points at, for the screen's look-up.
REFERENCES = {
    "owner_id": "person", "assigned_to": "person", "user_id": "person",
    "company_id": "company", "parent_id": "company", "primary_contact_id": "contact",
    "contact_id": "contact", "deal_id": "deal", "record_id": "record", "stage_id": "stage",
    "board_id": "board", "source_entry_id": "entry",
}
_MORE_LABELS = {
    "record_id": "Record", "record_type": "Record type", "source_entry_id": "From timeline entry",
    "board_id": "Board", "user_id": "Person", "deal_id": "Deal", "contact_id": "Contact",
}


@dataclass(frozen=True)
class AuditItem:
    """One entry as the list shows it (names looked up by the screen)."""

    entry: AuditLogEntry
    seq: int
    actor: str
    record: str  # the record's name, or a short id when the cache does not hold it
    currency: str | None = None  # a deal's: its value is shown as money
    labels: tuple[tuple[str, str], ...] = ()  # custom field key → label, of the record's type
    names: tuple[tuple[str, str], ...] = ()  # id → name of the rows the entry's references point at
    who: str | None = None  # the actor in the list's narrow column, when shorter than `actor` reads there


def actor_label(actor_id: str | None, me: str | None, people: dict[str, str], automations: dict[str, str]) -> str:
    """Who an entry says did it: "you", a teammate's name, "automation 'X'" (a local
    automation's actions are its own, not the person's whose change set it off), "the server"
    (no actor: the server's own work), or "someone" (an id this cache cannot name)."""
    if not actor_id:
        return "the server"
    if actor_id in automations:
        return f"automation '{automations[actor_id]}'"
    if me and actor_id == me:
        return "you"
    return people.get(actor_id, "someone")


def actor_cell(actor_id: str | None, automations: dict[str, str]) -> str | None:
    """An automation in the list's who column: "⚙ Nudge stale…" reads where "automation '…" is
    cut to "automati…"; None for a person (their name is the cell)."""
    return f"{RUN_ICON} {automations[actor_id]}" if actor_id in automations else None


@dataclass(frozen=True, slots=True)
class _Row:
    item: AuditItem | None = None
    day: date | None = None  # a header row


def _money(value: Any, currency: str | None) -> str | None:
    try:
        return Money(minor=int(value), currency=currency or "").format()
    except (TypeError, ValueError):
        return None


def value_text(value: Any) -> str:
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(value_text(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {value_text(v)}" for k, v in value.items())
    return str(value)


def _label(key: str) -> str:
    label = FIELD_LABELS.get(key) or _MORE_LABELS.get(key) or key.replace("_", " ")
    return label[:1].upper() + label[1:]


def _reference(value: Any, names: dict[str, str]) -> str:
    """A referenced row by name; one this cache does not name, by a short id (never a UUID)."""
    if not isinstance(value, str) or not value:
        return value_text(value)
    return names.get(value) or f"#{value[:8]}"


def diff_pairs(entry: AuditLogEntry, currency: str | None = None,
               labels: dict[str, str] | None = None, names: dict[str, str] | None = None) -> list[tuple[str, str, str]]:
    """(field, old, new) for every column the entry names; custom fields one by one; a deal's
    value as money in its currency (the entry's own, else `currency`, the deal's now); a
    reference (owner, assignee, company, stage…) by the name in `names`."""
    old, new = entry.old_data or {}, entry.new_data or {}
    currency = new.get("currency") or old.get("currency") or currency
    pairs = []
    for key in sorted(set(old) | set(new)):
        if key in ("id", "workspace_id", "created_at", "updated_at", "version", "updated_by"):
            continue
        before, after = old.get(key), new.get(key)
        if key == "custom_fields" and isinstance(before or {}, dict) and isinstance(after or {}, dict):
            for sub in sorted(set(before or {}) | set(after or {})):
                b, a = (before or {}).get(sub), (after or {}).get(sub)
                if b != a or entry.action != "update":
                    pairs.append(((labels or {}).get(sub, sub.replace("_", " ")), value_text(b), value_text(a)))
            continue
        if entry.action == "update" and before == after:
            continue
        if key == "value_cents":
            pairs.append((_label(key), (_money(before, currency) if before is not None else None) or value_text(before),
                          (_money(after, currency) if after is not None else None) or value_text(after)))
            continue
        # A custom field's key at the top level (how some writers log one): its label too.
        label = _label(key) if key in FIELD_LABELS else (labels or {}).get(key) or _label(key)
        if key in REFERENCES:
            pairs.append((label, _reference(before, names or {}), _reference(after, names or {})))
            continue
        pairs.append((label, value_text(before), value_text(after)))
    return pairs


def diff_summary(entry: AuditLogEntry, currency: str | None = None, labels: dict[str, str] | None = None,
                 names: dict[str, str] | None = None) -> str:
    if entry.action == "insert":
        name = (entry.new_data or {}).get("name") or (entry.new_data or {}).get("title")
        return f"created {value_text(name)}" if name else "created"
    if entry.action == "delete":
        name = (entry.old_data or {}).get("name") or (entry.old_data or {}).get("title")
        return f"deleted {value_text(name)}" if name else "deleted"
    pairs = diff_pairs(entry, currency, labels, names)
    if not pairs:
        return entry.action
    return "; ".join(f"{field}: {old} → {new}" for field, old, new in pairs)


def diff_block(entry: AuditLogEntry, currency: str | None = None, labels: dict[str, str] | None = None,
               names: dict[str, str] | None = None) -> str:
    """The whole diff, a line per field (the screen's detail pane)."""
    pairs = diff_pairs(entry, currency, labels, names)
    if not pairs:
        return "(no values recorded)"
    if entry.action == "insert":
        return "\n".join(f"{field}: {new}" for field, _, new in pairs)
    if entry.action == "delete":
        return "\n".join(f"{field}: {old}" for field, old, _ in pairs)
    return "\n".join(f"{field}: {old} → {new}" for field, old, new in pairs)


class AuditList(GroupedList[AuditItem], can_focus=True):
    COMPONENT_CLASSES = {"audit-list--header", "audit-list--cursor", "audit-list--muted", "audit-list--empty"}
    EMPTY_COMPONENT = "audit-list--empty"
    CURSOR_COMPONENT = "audit-list--cursor"
    CACHE_SIZE = 1024
    _item = staticmethod(attrgetter("item"))
    DEFAULT_CSS = """
    AuditList > .audit-list--header { background: $panel; color: $text; text-style: bold; }
    AuditList > .audit-list--cursor { background: $accent 35%; }
    AuditList > .audit-list--muted { color: $text-muted; }
    AuditList > .audit-list--empty { color: $text-muted; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(empty_text="Loading…", id=id)

    def set_items(self, items: list[AuditItem], *, keep: int | None = None) -> None:
        """Show `items` (newest first) under day headers; keep the cursor on entry `keep` (seq)."""
        rows: list[_Row] = []
        day = None
        for item in items:
            when = item.entry.created_at.date()
            if when != day:
                rows.append(_Row(day=when))
                day = when
            rows.append(_Row(item=item))
        self.show_rows(rows, keep=None if keep is None else (lambda item: item.seq == keep), fallback=self.cursor)

    def _render_header(self, row: _Row, width: int) -> Strip:
        text = Text(f" {row.day:%A %d %B %Y}" if row.day else "")
        text.stylize(self._fg("audit-list--header"))
        header_bg = self.get_component_rich_style("audit-list--header")
        return self._strip(text, width, self.rich_style + Style(bgcolor=header_bg.bgcolor))

    def _render_item(self, item: AuditItem, width: int, selected: bool) -> Strip:
        entry = item.entry
        muted = self._fg("audit-list--muted")
        gutter = "▌" if selected and self.has_focus else " "
        who_w = 14 if width >= 100 else 10
        what_w = 30 if width >= 100 else 20
        text = Text(no_wrap=True)
        text.append(f"{gutter} {entry.created_at:%H:%M} ")
        text.append(_cell(item.who or item.actor, who_w))
        kind = TABLE_LABELS.get(entry.table_name, entry.table_name)
        text.append(_cell(f"{kind} {item.record}", what_w), style=muted)
        text.append(safe_line(diff_summary(entry, item.currency, dict(item.labels), dict(item.names))))
        return self._strip(text, width, self._row_style(selected))


def _cell(value: str, width: int) -> str:
    value = safe_line(value)
    if len(value) >= width:
        value = value[: max(width - 2, 0)] + "…"
    return f"{value:<{width}}"

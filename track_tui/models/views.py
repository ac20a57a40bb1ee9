"""Read models the screens draw: a card's summary, a column's figures, a board filter.

They are assembled by store queries from several tables; screens only format them.
"""

from __future__ import annotations

import re
import shlex
from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from .boards import BoardStage
from .enums import RecordType
from .money import Money, MoneyTotals


class CardSummary(BaseModel):
    """What a card shows at a glance."""

    model_config = ConfigDict(frozen=True)

    card_id: str
    record_type: RecordType
    record_id: str
    stage_id: str
    position: int
    name: str
    value: Money | None = None
    subtitle: str | None = None  # company for deals/contacts, domain for companies
    detail: str | None = None  # a contact's job title, a company's industry
    owner_id: str | None = None
    owner_name: str | None = None
    close_date: date | None = None
    stage_entered_at: datetime
    next_task_due: date | None = None
    open_tasks: int = 0
    tags: list[str] = Field(default_factory=list)

    def days_in_stage(self, now: datetime) -> int:
        return max(0, (now - self.stage_entered_at).days)

    def task_marker(self, today: date) -> str | None:
        """'overdue' when the next task's due date has passed, 'none' when nothing is planned."""
        if self.open_tasks == 0:
            return "none"
        if self.next_task_due is not None and self.next_task_due < today:
            return "overdue"
        return None

    @property
    def owner_initials(self) -> str:
        if not self.owner_name:
            return "—"
        parts = self.owner_name.split()
        return "".join(p[0] for p in parts[:2]).upper()


class ChangedBy(BaseModel):
    """Who last changed a row, as far as the cache knows (the server's `updated_by`)."""

    model_config = ConfigDict(frozen=True)

    user_id: str | None = None  # None: the web app's service role, an automation, direct SQL
    name: str | None = None  # their profile's name, when the cache has it
    is_you: bool = False  # this person (including a change of theirs not yet uploaded)

    @property
    def label(self) -> str:
        """'you', 'Bob Ito', or 'someone (the web app or an automation)'."""
        if self.is_you:
            return "you"
        if self.name:
            return self.name
        return "someone (the web app or an automation)" if self.user_id is None else "someone"


class ColumnStats(BaseModel):
    """A column header's figures: count, total and weighted total per currency."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    stage: BoardStage
    count: int = 0
    totals: MoneyTotals = Field(default_factory=MoneyTotals)
    weighted: MoneyTotals = Field(default_factory=MoneyTotals)
    currency_counts: dict[str, int] = Field(default_factory=dict)

    def currencies_by_use(self) -> list[str]:
        """Currencies of the column, the one with most deals first."""
        return sorted(self.currency_counts, key=lambda code: (-self.currency_counts[code], code))


_VALUE = re.compile(r"^([<>])=?([0-9]{1,30}(?:\.[0-9]{1,30})?)([km]?)$", re.IGNORECASE)
MAX_STALE_DAYS = 36_500  # a hundred years: any longer is a typo (and past what dates can hold)


class CardFilter(BaseModel):
    """The board's `/` filter. Parsed from text like `owner:me tag:vip >10k stale:14 acme`.

    Value bounds are in major units of each deal's own currency (so '>10k' means more than ten
    thousand dollars for a USD deal and ten thousand yen for a JPY one).
    """

    model_config = ConfigDict(frozen=True)

    owner: str | None = None  # a user id, or "me" before resolution
    tag: str | None = None
    text: str | None = None
    min_value: Decimal | None = None
    max_value: Decimal | None = None
    stale_days: int | None = None

    @property
    def is_empty(self) -> bool:
        return self == CardFilter()

    @classmethod
    def parse(cls, query: str) -> "CardFilter":
        """Parse the filter syntax; raises ValueError naming the part it cannot read."""
        values: dict[str, object] = {}
        words: list[str] = []
        try:
            parts = shlex.split(query)
        except ValueError:
            parts = query.split()
        for part in parts:
            key, sep, rest = part.partition(":")
            key = key.lower()
            if sep and key == "owner" and rest:
                values["owner"] = rest
            elif sep and key == "tag" and rest:
                values["tag"] = rest.lower()
            elif sep and key == "stale":
                digits = rest.removesuffix("d")
                if not (digits.isascii() and digits.isdigit()):
                    raise ValueError(f"stale:{rest} — give a number of days, like stale:14")
                if len(digits) > 5 or int(digits) > MAX_STALE_DAYS:
                    raise ValueError(f"stale:{rest} — at most {MAX_STALE_DAYS:,} days")
                values["stale_days"] = int(digits)
            elif _VALUE.match(part):
                match = _VALUE.match(part)
                assert match is not None
                amount = Decimal(match.group(2)) * {"": 1, "k": 1000, "m": 1_000_000}[match.group(3).lower()]
                values["min_value" if match.group(1) == ">" else "max_value"] = amount
            elif sep and key in ("owner", "tag"):
                raise ValueError(f"{part} — say which {key}, like {key}:name")
            else:
                words.append(part)
        if words:
            values["text"] = " ".join(words)
        return cls(**values)

    def describe(self) -> str:
        parts = []
        if self.owner:
            parts.append(f"owner:{self.owner}")
        if self.tag:
            parts.append(f"tag:{self.tag}")
        if self.min_value is not None:
            parts.append(f">{self.min_value:g}")
        if self.max_value is not None:
            parts.append(f"<{self.max_value:g}")
        if self.stale_days is not None:
            parts.append(f"stale:{self.stale_days}")
        if self.text:
            parts.append(repr(self.text) if " " in self.text else self.text)
        return " ".join(parts)

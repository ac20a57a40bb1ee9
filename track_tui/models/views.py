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
from .money import CURRENCY_EXPONENTS, Money, MoneyTotals


class CardSummary(BaseModel):
    """What a card shows at a glance."""

    model_config = ConfigDict(frozen=True, defer_build=True)

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
        return initials(self.owner_name) or "—"


class ChangedBy(BaseModel):
    """Who last changed a row, as far as the cache knows (the server's `updated_by`)."""

    model_config = ConfigDict(frozen=True, defer_build=True)

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

    model_config = ConfigDict(arbitrary_types_allowed=True, defer_build=True)

    stage: BoardStage
    count: int = 0
    totals: MoneyTotals = Field(default_factory=MoneyTotals)
    weighted: MoneyTotals = Field(default_factory=MoneyTotals)
    currency_counts: dict[str, int] = Field(default_factory=dict)

    def currencies_by_use(self) -> list[str]:
        """Currencies of the column, the one with most deals first."""
        return sorted(self.currency_counts, key=lambda code: (-self.currency_counts[code], code))


_VALUE = re.compile(r"^([<>])=?([0-9]{1,30}(?:\.[0-9]{1,30})?)([km]?)([A-Za-z]{3})?$", re.IGNORECASE)
_CODE = re.compile(r"^[A-Z]{3}$")
MAX_STALE_DAYS = 36_500  # a hundred years: any longer is a typo (and past what dates can hold)
NO_OWNER = frozenset({"nobody", "none"})  # owner:nobody — cards no one owns
FILTER_HELP = "owner:, tag:, stage:, stale:N, >10k, <50k (optionally in one currency: >10k EUR) and words"


def initials(name: str | None) -> str:
    """A person's initials as a card shows them: the first letters of the first two names."""
    if not name:
        return ""
    return "".join(part[0] for part in name.split()[:2]).upper()


def _short_amount(amount: Decimal) -> str:
    """10000 → '10k', 2500000 → '2.5m', 150 → '150' (what the filter syntax reads back)."""
    for suffix, size in (("m", Decimal(1_000_000)), ("k", Decimal(1000))):
        if amount >= size and (amount / size) == (amount / size).quantize(Decimal("0.001")):
            return f"{(amount / size).normalize():f}{suffix}"
    return f"{amount.normalize():f}"


class CardFilter(BaseModel):
    """The board's `/` filter. Parsed from text like `owner:me tag:vip >10k stale:14 acme`.

    Value bounds are in major units of each deal's own currency (so '>10k' means more than ten
    thousand dollars for a USD deal and ten thousand yen for a JPY one), unless a currency is
    named (`>10k EUR`, `currency:EUR`): then only deals in that currency, compared in it.
    `owner:` takes me, nobody, a name (or its start) or a card's initials; `stage:` a stage name
    (or its start). Whether those name anyone or anything is the store's to check
    (`Store.filter_problems`).
    """

    model_config = ConfigDict(frozen=True, defer_build=True)

    owner: str | None = None  # "me", "nobody", a user id, a name or initials, before resolution
    tag: str | None = None
    stage: str | None = None
    text: str | None = None
    min_value: Decimal | None = None
    max_value: Decimal | None = None
    currency: str | None = None  # ISO 4217, upper case
    stale_days: int | None = None

    @property
    def is_empty(self) -> bool:
        return self == CardFilter()

    @property
    def has_values(self) -> bool:
        return self.min_value is not None or self.max_value is not None or self.currency is not None

    @classmethod
    def parse(cls, query: str) -> "CardFilter":
        """Parse the filter syntax; raises ValueError naming the part it cannot read."""
        values: dict[str, object] = {}
        words: list[str] = []
        try:
            parts = shlex.split(query)
        except ValueError:
            parts = query.split()
        after_value = False
        for part in parts:
            key, sep, rest = part.partition(":")
            key = key.lower()
            follows_value, after_value = after_value, False
            if sep and key == "owner" and rest:
                values["owner"] = rest
            elif sep and key == "tag" and rest:
                values["tag"] = rest.lower()
            elif sep and key == "stage" and rest:
                values["stage"] = rest
            elif sep and key == "currency" and rest:
                cls._set_currency(values, rest, part)
            elif sep and key == "stale":
                digits = rest.removesuffix("d")
                if not (digits.isascii() and digits.isdigit()):
                    raise ValueError(f"stale:{rest} — give a number of days, like stale:14")
                if len(digits) > 5 or int(digits) > MAX_STALE_DAYS:
                    raise ValueError(f"stale:{rest} — at most {MAX_STALE_DAYS:,} days")
                values["stale_days"] = int(digits)
            elif part[:1] in "<>" and part[:1]:
                match = _VALUE.match(part)
                if match is None:
                    raise ValueError(f"{part} — give an amount, like >10k, <2.5m or >10k EUR")
                amount = Decimal(match.group(2)) * {"": 1, "k": 1000, "m": 1_000_000}[match.group(3).lower()]
                values["min_value" if match.group(1) == ">" else "max_value"] = amount
                if match.group(4):
                    cls._set_currency(values, match.group(4), part)
                after_value = True
            elif follows_value and _CODE.match(part) and part in CURRENCY_EXPONENTS:
                cls._set_currency(values, part, part)  # `>10k EUR`: the amount's currency
            elif sep and key in ("owner", "tag", "stage", "currency"):
                raise ValueError(f"{part} — say which {key}, like {key}:{'EUR' if key == 'currency' else 'name'}")
            else:
                words.append(part)
        if words:
            values["text"] = " ".join(words)
        return cls(**values)

    @staticmethod
    def _set_currency(values: dict[str, object], code: str, part: str) -> None:
        code = code.upper()
        if code not in CURRENCY_EXPONENTS:
            raise ValueError(f"{part} — {code} is not an ISO 4217 currency code (like USD, EUR, JPY)")
        if values.get("currency") not in (None, code):
            raise ValueError(f"{part} — one currency at a time (already {values['currency']})")
        values["currency"] = code

    def describe(self) -> str:
        """The filter as text `parse` reads back the same."""
        parts = []
        if self.owner:
            parts.append(f"owner:{self.owner}")
        if self.tag:
            parts.append(f"tag:{self.tag}")
        if self.stage:
            parts.append(f"stage:{self.stage}")
        if self.min_value is not None:
            parts.append(f">{_short_amount(self.min_value)}")
        if self.max_value is not None:
            parts.append(f"<{_short_amount(self.max_value)}")
        if self.currency is not None:
            parts.append(self.currency if self.min_value is not None or self.max_value is not None
                         else f"currency:{self.currency}")
        if self.stale_days is not None:
            parts.append(f"stale:{self.stale_days}")
        if self.text:
            parts.append(repr(self.text) if " " in self.text else self.text)
        return " ".join(parts)

    @property
    def value_note(self) -> str | None:
        """How value bounds compare, for the status line (a code in the filter says it itself)."""
        if (self.min_value is None and self.max_value is None) or self.currency:
            return None
        return "in each deal's own currency"

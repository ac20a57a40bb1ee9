"""The demo workspace's plan: every record decided in memory from the seed before anything is
written.

Every random choice comes from a `random.Random` stream seeded from the seed and a section name
(so a change to, say, the timeline does not reshuffle the companies); ids are
`uuid.UUID(int=rng.getrandbits(128), version=4)`; every timestamp is an offset from the `now`
passed in.
"""

from __future__ import annotations

import bisect
import random
import re
import unicodedata
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any, Iterable, Sequence

from ..store.rows import to_db
from .vocabulary import (
    _ACCOUNT_NOTES, _BOARDS, _COMPANY_TAGS, _COMPETITORS, _CONTACT_TAGS, _COUNTRIES, _DAY, _DEAL_ROLES,
    _DEAL_TAGS, _EXPONENT, _FIELDS, _FIRST_NAMES, _FX, _INDUSTRIES, _LAST_NAMES, _NAME_PREFIXES,
    _NAME_STEMS, _OWNER_WEIGHTS, _PARTNER_DEALS, _PEOPLE, _PERSONAL_MAIL, _SALES_DEALS, _SIZE_EMPLOYEES,
    _SIZES, _TITLES, _WORKSPACE_DOMAIN, PARTNER_SHARE, _BoardSpec, _Country, _FieldSpec, _option_values,
    _StageSpec,
)


@dataclass(slots=True)
class _Stage:
    id: str
    board: "_Board"
    index: int
    spec: _StageSpec


@dataclass(slots=True)
class _Board:
    id: str
    spec: _BoardSpec
    stages: list[_Stage] = field(default_factory=list)

    open_stages: list[_Stage] = field(default_factory=list)


@dataclass(slots=True)
class _Company:
    id: str
    name: str
    domain: str
    country: _Country
    industry: str
    size: str
    parent: "_Company | None"
    owner: str
    created: datetime
    tags: list[str]
    contacts: list["_Contact"] = field(default_factory=list)
    first_won: datetime | None = None
    custom: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class _Contact:
    id: str
    name: str
    email: str
    phone: str | None
    title: str | None
    seniority: str | None
    company: _Company | None
    owner: str
    created: datetime
    tags: list[str]
    custom: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class _Deal:
    id: str
    name: str
    company: _Company
    primary: _Contact | None
    links: list[tuple[_Contact, str]]
    owner: str
    stage: _Stage
    history: list[tuple[_Stage, datetime]]  # stages entered, oldest first; [0] is creation
    currency: str
    value_minor: int | None  # None: no value (a partner deal not yet priced)
    close_date: date
    probability: float | None
    tags: list[str]
    custom: dict[str, Any] = field(default_factory=dict)

    @property
    def created(self) -> datetime:
        return self.history[0][1]

    @property
    def entered(self) -> datetime:
        return self.history[-1][1]


class _Weighted:
    """A fixed population with weights: `pick(rng)` is one weighted draw (one rng.random())."""

    __slots__ = ("items", "cumulative", "total")

    def __init__(self, pairs: Iterable[tuple[Any, float]]) -> None:
        self.items: list[Any] = []
        self.cumulative: list[float] = []
        running = 0.0
        for item, weight in pairs:
            running += weight
            self.items.append(item)
            self.cumulative.append(running)
        self.total = running

    def pick(self, rng: random.Random) -> Any:
        return self.items[bisect.bisect_right(self.cumulative, rng.random() * self.total)]


def _rng(seed: int, section: str) -> random.Random:
    """The random stream of one section of the demo."""
    return random.Random(f"track-demo/{seed}/{section}")


def _pick(rng: random.Random, items: Sequence[Any]) -> Any:
    """One item, uniformly (one rng.random(); faster than rng.choice in the hot loops)."""
    return items[int(rng.random() * len(items))]


def _randint(rng: random.Random, low: int, high: int) -> int:
    """An integer in [low, high], uniformly (one rng.random())."""
    return low + int(rng.random() * (high - low + 1))


def _some(rng: random.Random, items: Sequence[str], count: int) -> list[str]:
    """Up to `count` distinct items, in the order of `items` (as validation normalises)."""
    chosen = {_pick(rng, items) for _ in range(count)}
    return [item for item in items if item in chosen]


def _new_id(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "", ascii_text.lower())


def _json(value: Any) -> str:
    return to_db("payload", value)  # the store's one JSON form (sorted keys, compact)


class _Plan:
    """Every record of the demo workspace, decided in memory from the seed."""

    def __init__(self, seed: int, deals: int, now: datetime) -> None:
        self.seed = seed
        self.now = now.astimezone(timezone.utc) if now.tzinfo else now.replace(tzinfo=timezone.utc)
        self.today = now.date()  # the calendar date in the caller's own zone
        self.n_deals = deals
        self.n_contacts = max(40, round(deals / 2))
        self.n_companies = max(15, round(deals / 8))
        rng = _rng(seed, "identity")
        self.workspace_id = _new_id(rng)
        self.profiles = [(_new_id(rng), name, role) for name, role in _PEOPLE]
        self.user_id = self.profiles[0][0]
        self.owners = _Weighted(zip([p[0] for p in self.profiles], _OWNER_WEIGHTS))
        self.boards: dict[str, _Board] = {}
        self.companies: list[_Company] = []
        self.contacts: list[_Contact] = []
        self.deals: list[_Deal] = []

    def ago(self, rng: random.Random, low_days: float, high_days: float) -> datetime:
        """A moment between `high_days` and `low_days` before now, to the second."""
        return self.now - timedelta(seconds=_randint(rng, int(low_days * _DAY), int(high_days * _DAY)))

    def between(self, rng: random.Random, start: datetime, end: datetime) -> datetime:
        span = max(0, int((end - start).total_seconds()))
        return start + timedelta(seconds=_randint(rng, 0, span))

    def build(self) -> None:
        self._plan_boards()
        self._plan_companies()
        self._plan_contacts()
        self._plan_deals()
        self._plan_custom_values()

    # -- boards ----------------------------------------------------------------------------

    def _plan_boards(self) -> None:
        rng = _rng(self.seed, "boards")
        for spec in _BOARDS:
            board = _Board(_new_id(rng), spec)
            board.stages = [_Stage(_new_id(rng), board, i, s) for i, s in enumerate(spec.stages)]
            board.open_stages = [s for s in board.stages if s.spec.stage_type == "open"]
            self.boards[spec.key] = board

    # -- companies -------------------------------------------------------------------------

    def _plan_companies(self) -> None:
        rng = _rng(self.seed, "companies")
        countries = _Weighted((c, c.weight) for c in _COUNTRIES)
        sizes = _Weighted(_SIZES)
        industries = list(_INDUSTRIES)
        names: set[str] = set()
        domains: set[str] = set()
        groups: list[_Company] = []  # independent companies that may own subsidiaries
        for index in range(self.n_companies):
            if index >= 5 and rng.random() < 0.14:
                company = self._subsidiary(rng, _pick(rng, groups), names, domains)
                if company is not None:
                    self.companies.append(company)
                    continue
            country = countries.pick(rng)
            industry = _pick(rng, industries)
            name = self._company_name(rng, industry, names)
            slug = _slug(name)
            domain = f"{slug}.{_pick(rng, country.tlds)}"
            while domain in domains:
                domain = f"{slug}{_randint(rng, 2, 99)}.{_pick(rng, country.tlds)}"
            names.add(name)
            domains.add(domain)
            size = sizes.pick(rng)
            self.companies.append(_Company(
                id=_new_id(rng), name=name, domain=domain, country=country, industry=industry,
                size=size, parent=None, owner=self.owners.pick(rng), created=self.ago(rng, 420, 1100),
                tags=self._company_tags(rng, size),
            ))
            if len(groups) < 200:
                groups.append(self.companies[-1])

    def _company_name(self, rng: random.Random, industry: str, taken: set[str]) -> str:
        words = _INDUSTRIES[industry]
        for attempt in range(12):
            stem = _pick(rng, _NAME_STEMS) if rng.random() < 0.75 else ""
            base = _pick(rng, _NAME_PREFIXES) + stem
            name = f"{base} {_pick(rng, words)}"
            if attempt >= 8:
                name = f"{name} {_pick(rng, _NAME_PREFIXES)}"
            if name not in taken:
                return name
        return f"{name} {len(taken)}"

    def _subsidiary(self, rng: random.Random, parent: _Company, names: set[str], domains: set[str]) -> _Company | None:
        country = _pick(rng, [c for c in _COUNTRIES if c is not parent.country])
        name = f"{parent.name} {country.subsidiary_suffix}"
        domain = f"{_slug(parent.name)}.{country.tlds[0]}"
        if name in names or domain in domains:
            return None
        names.add(name)
        domains.add(domain)
        size = _SIZES[max(0, [s for s, _ in _SIZES].index(parent.size) - _randint(rng, 0, 2))][0]
        return _Company(
            id=_new_id(rng), name=name, domain=domain, country=country, industry=parent.industry,
            size=size, parent=parent, owner=parent.owner if rng.random() < 0.7 else self.owners.pick(rng),
            created=self.between(rng, parent.created, self.now - timedelta(days=420)),
            tags=self._company_tags(rng, size),
        )

    def _company_tags(self, rng: random.Random, size: str) -> list[str]:
        tags = ["enterprise"] if size in ("1001-5000", "5001+") else ["smb"] if size in ("1-10", "11-50") else []
        if rng.random() < 0.35:
            tags.append(_pick(rng, _COMPANY_TAGS))
        return tags

    # -- contacts --------------------------------------------------------------------------

    def _plan_contacts(self) -> None:
        rng = _rng(self.seed, "contacts")
        emails: set[str] = set()
        for index in range(self.n_contacts):
            if index < len(self.companies):  # every company gets at least one person
                company: _Company | None = self.companies[index]
            elif rng.random() < 0.05:
                company = None
            else:
                company = _pick(rng, self.companies)
            first, last = _pick(rng, _FIRST_NAMES), _pick(rng, _LAST_NAMES)
            title, seniority = _pick(rng, _TITLES) if rng.random() < 0.92 else (None, None)
            domain = company.domain if company else _pick(rng, _PERSONAL_MAIL)
            local = f"{_slug(first)}.{_slug(last)}"
            email = f"{local}@{domain}"
            if email in emails:
                email = f"{_slug(first)[0]}.{_slug(last)}@{domain}"
            counter = 2
            while email in emails:
                email = f"{local}{counter}@{domain}"
                counter += 1
            emails.add(email)
            created = self.between(rng, company.created, company.created + timedelta(days=90)) if company \
                else self.ago(rng, 10, 600)
            tags = _some(rng, _CONTACT_TAGS, _pick(rng, (0, 0, 1, 1, 2, 3)))
            contact = _Contact(
                id=_new_id(rng), name=f"{first} {last}", email=email,
                phone=self._phone(rng, company.country.code if company else "US") if rng.random() < 0.8 else None,
                title=title, seniority=seniority, company=company,
                owner=company.owner if company and rng.random() < 0.8 else self.owners.pick(rng),
                created=created, tags=tags,
            )
            self.contacts.append(contact)
            if company:
                company.contacts.append(contact)

    @staticmethod
    def _phone(rng: random.Random, country: str) -> str:
        def r(low: int, high: int) -> int:
            return _randint(rng, low, high)

        formats = {
            "US": lambda: f"+1 {_pick(rng, (212, 312, 415, 512, 617, 206, 303))} 555 01{r(0, 99):02d}",
            "CA": lambda: f"+1 {_pick(rng, (416, 604, 514))} 555 01{r(0, 99):02d}",
            "UK": lambda: f"+44 20 7946 0{r(0, 999):03d}",
            "DE": lambda: f"+49 30 {r(1000, 9999)} {r(1000, 9999)}",
            "FR": lambda: f"+33 1 {r(10, 99)} {r(10, 99)} {r(10, 99)} {r(10, 99)}",
            "NL": lambda: f"+31 20 {r(100, 999)} {r(1000, 9999)}",
            "JP": lambda: f"+81 3 {r(1000, 9999)} {r(1000, 9999)}",
            "SG": lambda: f"+65 6{r(100, 999)} {r(1000, 9999)}",
            "KW": lambda: f"+965 2{r(100, 999)} {r(1000, 9999)}",
        }
        return formats[country]()

    # -- deals -----------------------------------------------------------------------------

    def _plan_deals(self) -> None:
        rng = _rng(self.seed, "deals")
        boards = (self.boards["sales"], self.boards["partners"])
        stage_picks = {b.spec.key: _Weighted((s, s.spec.weight) for s in b.stages) for b in boards}
        names_used: dict[str, int] = {}
        for _ in range(self.n_deals):
            board = boards[1] if rng.random() < PARTNER_SHARE else boards[0]
            company = _pick(rng, self.companies)
            stage = stage_picks[board.spec.key].pick(rng)
            kind = _pick(rng, _PARTNER_DEALS if board.spec.key == "partners" else _SALES_DEALS)
            name = f"{company.name} — {kind}"
            seen = names_used.get(name, 0)
            names_used[name] = seen + 1
            if seen:
                name = f"{name} ({seen + 1})"
            currency = company.country.currency if rng.random() < 0.88 else "USD"
            value = self._deal_value(rng, currency, partner=board.spec.key == "partners")
            history = self._stage_history(rng, board, stage)
            primary, links = self._deal_people(rng, company)
            owner = company.owner if rng.random() < 0.7 else self.owners.pick(rng)
            stage_type = stage.spec.stage_type
            if stage_type == "open":
                close = self.today + timedelta(days=_randint(rng, -15, 120))
            else:
                close = history[-1][1].date()
            probability = float(stage.spec.probability) if stage.spec.probability is not None else None
            if stage_type == "open" and probability is not None and rng.random() < 0.12:  # the owner's own call
                probability = float(min(95, max(5, probability + _pick(rng, (-10, -5, 5, 10)))))
            tags = []
            if value is not None and value / 10 ** _EXPONENT[currency] / _FX[currency][0] >= 100_000:
                tags.append("enterprise")
            if rng.random() < 0.4:
                tags.append(_pick(rng, _DEAL_TAGS))
            if stage_type == "open" and history[-1][1] < self.now - timedelta(days=45) and rng.random() < 0.5:
                tags.append("at-risk")
            deal = _Deal(
                id=_new_id(rng), name=name, company=company, primary=primary, links=links,
                owner=owner, stage=stage, history=history, currency=currency, value_minor=value,
                close_date=close, probability=probability, tags=list(dict.fromkeys(tags)),
            )
            if stage_type == "won" and board.spec.key == "sales":
                when = history[-1][1]
                if company.first_won is None or when < company.first_won:
                    company.first_won = when
            self.deals.append(deal)

    def _deal_people(self, rng: random.Random, company: _Company) -> tuple[_Contact | None, list[tuple[_Contact, str]]]:
        """The primary contact and the people on the deal with their roles (all at `company`)."""
        people = company.contacts
        if not people:
            return None, []
        start = int(rng.random() * len(people))
        primary = people[start]
        links = []
        if rng.random() < 0.4:
            links.append((primary, _pick(rng, ("champion", "decision-maker"))))
        extra = min(len(people) - 1, _pick(rng, (0, 0, 0, 1, 1, 2, 3)))
        for step in range(1, extra + 1):
            links.append((people[(start + step) % len(people)], _pick(rng, _DEAL_ROLES[2:])))
        return primary, links

    def _deal_value(self, rng: random.Random, currency: str, *, partner: bool) -> int | None:
        """Minor units: a log-normal USD amount around 24k, converted and rounded to a step."""
        if partner and rng.random() < 0.25:
            return None
        usd = min(900_000.0, max(1_500.0, rng.lognormvariate(10.09, 0.9)))
        rate, step = _FX[currency]
        major = max(step, round(usd * rate / step) * step)
        minor = major * 10 ** _EXPONENT[currency]
        if currency == "KWD" and rng.random() < 0.4:
            minor += _pick(rng, (250, 500, 750))  # fils: KWD has three decimals
        elif _EXPONENT[currency] == 2 and rng.random() < 0.08:
            minor -= 1  # a price like 12,499.99
        return int(minor)

    def _stage_history(self, rng: random.Random, board: _Board, stage: _Stage) -> list[tuple[_Stage, datetime]]:
        """The stages a deal went through to reach `stage`, with when it entered each."""
        open_stages = board.open_stages
        if stage.spec.stage_type == "open":
            path = open_stages[: open_stages.index(stage) + 1]
        elif stage.spec.stage_type == "won":
            path = open_stages + [stage]
        else:
            path = open_stages[: _randint(rng, 1, len(open_stages))] + [stage]
        if len(path) > 3 and rng.random() < 0.2:  # skipped a stage
            del path[_randint(rng, 1, len(path) - 2)]
        stale = rng.random() < 0.15
        days_here = rng.uniform(45, 240) if stale else min(40.0, rng.expovariate(1 / 9))
        if stage.spec.stage_type != "open":
            days_here = rng.uniform(1, 200)
        moment = self.now - timedelta(seconds=int(days_here * _DAY) + _randint(rng, 0, 36_000))
        times = [moment]
        for _ in path[:-1]:
            moment -= timedelta(seconds=_randint(rng, 2 * _DAY, 35 * _DAY))
            times.append(moment)
        times.reverse()
        return list(zip(path, times))

    # -- custom field values ---------------------------------------------------------------

    def _plan_custom_values(self) -> None:
        rng = _rng(self.seed, "custom")
        fields = {kind: [f for f in _FIELDS if f.record_type == kind] for kind in ("deal", "contact", "company")}
        for company in self.companies:
            company.custom = self._values(rng, fields["company"], company)
        for contact in self.contacts:
            contact.custom = self._values(rng, fields["contact"], contact)
        for deal in self.deals:
            deal.custom = self._values(rng, fields["deal"], deal)

    def _values(self, rng: random.Random, specs: list[_FieldSpec], record: Any) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for spec in specs:
            if rng.random() >= spec.fill:
                continue
            value = self._value(rng, spec, record)
            if value is not None:
                values[spec.key] = value
        return values

    def _value(self, rng: random.Random, spec: _FieldSpec, record: Any) -> Any:
        make = _VALUE_MAKERS.get(spec.key)
        if make is not None:
            return make(self, rng, record)
        options = _OPTION_VALUES[spec.key]
        if spec.type == "select":
            return _pick(rng, options)
        if spec.type == "multi_select":
            limit = min(len(options), spec.config.get("max_selected", 3))
            return _some(rng, options, _randint(rng, 1, limit))
        if spec.type == "boolean":
            return rng.random() < 0.5
        raise AssertionError(f"no demo value for {spec.key}")


def _annual_revenue(plan: _Plan, rng: random.Random, company: _Company) -> dict[str, Any]:
    currency = company.country.currency
    low, high = _SIZE_EMPLOYEES[company.size]
    usd = _randint(rng, low, high) * _randint(rng, 80_000, 250_000)
    rate, step = _FX[currency]
    major = max(step, round(usd * rate / step / 1000) * step * 1000)
    return {"minor": int(major * 10 ** _EXPONENT[currency]), "currency": currency}


def _setup_fee(plan: _Plan, rng: random.Random, deal: _Deal) -> dict[str, Any]:
    _, step = _FX[deal.currency]
    major = _pick(rng, (1, 2, 3, 5, 8)) * step * (4 if deal.currency != "JPY" else 1)
    return {"minor": int(major * 10 ** _EXPONENT[deal.currency]), "currency": deal.currency}


def _executive_sponsor(plan: _Plan, rng: random.Random, company: _Company) -> dict[str, str] | None:
    people = [c for c in company.contacts if c.seniority in ("c-level", "vp")]
    return {"type": "contact", "id": people[0].id} if people else None


def _other_contact(plan: _Plan, rng: random.Random, record: Any) -> dict[str, str] | None:
    other = _pick(rng, plan.contacts)
    return {"type": "contact", "id": other.id} if other is not record else None


# Values of fields whose value depends on the record (or is not a plain pick of an option).
_VALUE_MAKERS: dict[str, Any] = {
    "seniority": lambda plan, rng, contact: contact.seniority,
    "customer_since": lambda plan, rng, company: company.first_won.date().isoformat() if company.first_won else None,
    "employees": lambda plan, rng, company: _randint(rng, *_SIZE_EMPLOYEES[company.size]),
    "annual_revenue": _annual_revenue,
    "setup_fee": _setup_fee,
    "executive_sponsor": _executive_sponsor,
    "referred_by": _other_contact,
    "reports_to": _other_contact,
    "competitor": lambda plan, rng, deal: _pick(rng, _COMPETITORS),
    "account_notes": lambda plan, rng, company: _pick(rng, _ACCOUNT_NOTES),
    "assistant": lambda plan, rng, contact: f"{_pick(rng, _FIRST_NAMES)} {_pick(rng, _LAST_NAMES)}",
    "po_number": lambda plan, rng, deal: f"PO-{_randint(rng, 0, 999_999):06d}",
    "renewal_date": lambda plan, rng, deal: (deal.close_date + timedelta(days=365)).isoformat(),
    "last_met": lambda plan, rng, contact: (plan.today - timedelta(days=_randint(rng, 3, 400))).isoformat(),
    "proposal_url": lambda plan, rng, deal: f"https://proposals.{_WORKSPACE_DOMAIN}/p/{rng.getrandbits(40):010x}",
    "linkedin": lambda plan, rng, contact: (
        f"https://www.linkedin.com/in/{_slug(contact.name)}-{rng.getrandbits(20):05x}"),
    "linkedin_page": lambda plan, rng, company: f"https://www.linkedin.com/company/{company.domain.split('.')[0]}",
    "nps": lambda plan, rng, contact: min(10, max(0, round(rng.gauss(7.5, 2)))),
    "contract_months": lambda plan, rng, deal: _pick(rng, (1, 6, 12, 12, 12, 24, 24, 36)),
}
_OPTION_VALUES = {spec.key: _option_values(spec) for spec in _FIELDS}

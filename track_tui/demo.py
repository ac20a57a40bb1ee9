"""The deterministic demo workspace: realistic CRM data generated from a seed.

A first-time user (and every screenshot, snapshot test and benchmark) opens Track on this data,
so it has to look like a real team's pipeline: companies with subsidiaries, people at those
companies, deals in several currencies spread over the stages, a history of stage moves (some
deals long stale), notes, calls, emails and meetings, tasks due around today, custom fields of
every type, automations and their runs.

**Deterministic.** Every random choice comes from a `random.Random` stream seeded from the seed
and a section name (so a change to, say, the timeline does not reshuffle the companies); ids are
`uuid.UUID(int=rng.getrandbits(128), version=4)`; every timestamp is an offset from the `now`
passed in. The same seed and `now` give byte-identical tables.

**Written in bulk, on purpose.** Screens and sync write through the store's mutation API: one
transaction per action, auto-logged timeline entries, an outbox entry per row, search documents
updated row by row. That is right for a person's edits, but far too slow for 100,000 deals, and
wrong for this data: the demo is local content, not changes waiting to be uploaded. So this
module writes every table with `executemany` inside ONE transaction (no outbox entries), with
values converted exactly as :mod:`track_tui.store.rows` converts them (`to_db`, `iso_utc`), and
builds the search documents once at the end with :func:`track_tui.store.search_docs.rebuild`.

Size: `deals=N` makes N deals, about N/2 contacts (at least 40) and N/8 companies (at least 15).
Cards, deal contacts, open tasks and each deal's latest stage move scale with N; full stage
histories and the hand-written activity (notes, calls, emails, meetings, field edits, done
tasks) go to a bounded number of records (RICH_DEALS, ...), so a 100,000-deal benchmark
workspace builds in about 20 seconds of CPU. During the load the secondary indexes and the
search triggers are dropped and re-created once at the end (see `_suspend_indexes_and_triggers`).
"""

from __future__ import annotations

import bisect
import random
import re
import sqlite3
import unicodedata
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any, Iterable, Sequence

from pydantic import BaseModel, ConfigDict

from .store import search_docs
from .store.rows import iso_utc, to_db
from .store.store import Store

DEFAULT_DEALS = 300

# Records that get hand-written activity (notes, calls, emails, meetings, field edits, done
# tasks). Every deal gets its stage history and open tasks whatever the size.
RICH_DEALS = 1_200
RICH_CONTACTS = 600
RICH_COMPANIES = 200
AUTOMATION_RUNS_MAX = 240

WORKSPACE_NAME = "Larkspur Labs (demo)"
_WORKSPACE_DOMAIN = "larkspur.io"
_DAY = 86_400


class DemoSummary(BaseModel):
    """What `build_demo` wrote: identity and row counts."""

    model_config = ConfigDict(frozen=True)

    seed: int
    now: datetime
    workspace_id: str
    user_id: str
    workspace_name: str
    profiles: int
    companies: int
    contacts: int
    deals: int
    deal_contacts: int
    boards: int
    stages: int
    cards: int
    timeline_entries: int
    tasks: int
    custom_fields: int
    automations: int
    automation_runs: int
    audit_log: int


# ---------------------------------------------------------------------------------------------
# Our own word lists
# ---------------------------------------------------------------------------------------------

_PEOPLE = (  # the workspace's users; the first is "me"
    ("Maya Lindqvist", "owner"), ("Tomás Ortega", "admin"), ("Priya Raman", "member"),
    ("Jonah Becker", "member"), ("Aiko Tanaka", "member"),
)
_OWNER_WEIGHTS = (38, 18, 17, 15, 12)

_FIRST_NAMES = (
    "Ada", "Ahmed", "Alana", "Amir", "Ana", "Ben", "Björn", "Carla", "Chen", "Chloé", "Dana",
    "Daniel", "Diego", "Elena", "Emeka", "Eva", "Farah", "Felix", "Grace", "Hana", "Hugo", "Ines",
    "Isaac", "Jae", "Jamal", "Jana", "José", "Julia", "Kai", "Kenji", "Laila", "Leo", "Lina",
    "Lucas", "Malik", "Marta", "Mateo", "Mei", "Nadia", "Nora", "Omar", "Oscar", "Paula", "Rafael",
    "Rina", "Rosa", "Ruth", "Sam", "Sara", "Simone", "Sofia", "Tariq", "Theo", "Uma", "Vera",
    "Victor", "Wen", "Yara", "Yusuf", "Zoë",
)
_LAST_NAMES = (
    "Abara", "Alvarez", "Andersen", "Baker", "Bauer", "Brennan", "Carter", "Castillo", "Chandra",
    "Costa", "Dubois", "Eriksen", "Farouk", "Fischer", "Garcia", "Haddad", "Hartmann", "Hughes",
    "Ibrahim", "Ito", "Jensen", "Kaur", "Keller", "Kim", "Kowalski", "Larsen", "Lefèvre", "Lopez",
    "Meyer", "Moreau", "Müller", "Nakamura", "Nguyen", "Novak", "Núñez", "O'Brien", "Okafor",
    "Park", "Patel", "Petrov", "Quinn", "Reyes", "Rossi", "Sato", "Schmidt", "Shah", "Silva",
    "Suzuki", "Takahashi", "Thompson", "Vargas", "Walsh", "Watanabe", "Weber", "Williams", "Yilmaz",
    "Zhang", "Ziegler",
)
_TITLES = (  # (title, seniority option)
    ("CEO", "c-level"), ("CFO", "c-level"), ("CTO", "c-level"), ("COO", "c-level"),
    ("VP Sales", "vp"), ("VP Engineering", "vp"), ("VP Operations", "vp"),
    ("Head of Procurement", "director"), ("Director of IT", "director"),
    ("Director of Finance", "director"), ("Marketing Director", "director"),
    ("Engineering Manager", "senior"), ("Senior Product Manager", "senior"),
    ("Operations Manager", "senior"), ("Procurement Manager", "senior"),
    ("Solutions Architect", "senior"), ("Legal Counsel", "senior"), ("Account Manager", "mid"),
    ("Data Analyst", "mid"), ("Software Engineer", "mid"), ("Office Manager", "mid"),
    ("Sales Operations Analyst", "junior"), ("Marketing Coordinator", "junior"),
    ("Executive Assistant", "junior"),
)
_NAME_PREFIXES = (
    "Bright", "North", "Blue", "Iron", "Silver", "Clear", "Red", "Pine", "Harbor", "Summit",
    "Cedar", "Copper", "Granite", "Maple", "Quiet", "Swift", "True", "Golden", "Stone", "River",
    "Lumen", "Vanta", "Orbit", "Nimbus", "Kite", "Fern", "Atlas", "Echo", "Polar", "Tidal",
    "Amber", "Birch", "Coral", "Delta", "Ember", "Falcon", "Glacier", "Hollow", "Indigo", "Juniper",
)
_NAME_STEMS = (
    "water", "field", "stone", "gate", "wave", "path", "leaf", "bridge", "point", "forge", "line",
    "crest", "ridge", "works", "light", "haven", "peak", "mark", "vale", "spring", "wood", "bay",
)
_INDUSTRIES = {  # industry → words a company in it is named with
    "Software": ("Software", "Labs", "Systems", "Cloud", "Data"),
    "Financial services": ("Capital", "Finance", "Payments", "Bank"),
    "Healthcare": ("Health", "Medical", "Care", "Bio"),
    "Logistics": ("Logistics", "Freight", "Shipping"),
    "Manufacturing": ("Manufacturing", "Industries", "Components", "Tooling"),
    "Retail": ("Retail", "Market", "Goods", "Stores"),
    "Energy": ("Energy", "Power", "Solar", "Grid"),
    "Education": ("Learning", "Academy", "Education"),
    "Media": ("Media", "Studios", "Publishing"),
    "Hospitality": ("Hotels", "Hospitality", "Travel"),
    "Real estate": ("Properties", "Realty", "Estates"),
    "Professional services": ("Consulting", "Partners", "Advisory", "Group"),
    "Telecommunications": ("Telecom", "Networks", "Connect"),
    "Agriculture": ("Farms", "Agritech", "Harvest"),
}
_SIZES = (("1-10", 6), ("11-50", 18), ("51-200", 26), ("201-500", 18), ("501-1000", 12),
          ("1001-5000", 12), ("5001+", 8))
_SIZE_EMPLOYEES = {"1-10": (2, 10), "11-50": (11, 50), "51-200": (51, 200), "201-500": (201, 500),
                   "501-1000": (501, 1000), "1001-5000": (1001, 5000), "5001+": (5001, 60000)}


@dataclass(frozen=True, slots=True)
class _Country:
    code: str
    weight: int
    tlds: tuple[str, ...]
    currency: str
    subsidiary_suffix: str


_COUNTRIES = (
    _Country("US", 52, ("com", "com", "com", "io", "co", "ai"), "USD", "Americas"),
    _Country("CA", 4, ("ca",), "USD", "Canada"),
    _Country("UK", 11, ("co.uk",), "GBP", "UK"),
    _Country("DE", 9, ("de",), "EUR", "GmbH"),
    _Country("FR", 5, ("fr",), "EUR", "France"),
    _Country("NL", 4, ("nl",), "EUR", "Benelux"),
    _Country("JP", 8, ("co.jp", "jp"), "JPY", "Japan"),
    _Country("SG", 3, ("sg", "com.sg"), "USD", "Asia Pacific"),
    _Country("KW", 4, ("com.kw",), "KWD", "Gulf"),
)
# Rough value of one USD in each deal currency, and the step amounts are rounded to (major units).
_FX = {"USD": (1.0, 500), "EUR": (0.92, 500), "GBP": (0.79, 500), "JPY": (150.0, 50_000),
       "KWD": (0.31, 50)}
_EXPONENT = {"USD": 2, "EUR": 2, "GBP": 2, "JPY": 0, "KWD": 3}
_PERSONAL_MAIL = ("fastmail.com", "proton.me", "gmail.com", "outlook.com")

_COMPANY_TAGS = ("strategic", "partner", "at-risk", "expansion", "referenceable")
_CONTACT_TAGS = ("decision-maker", "champion", "technical", "finance", "newsletter", "vip", "cold",
                 "event-lead")
_DEAL_TAGS = ("expansion", "renewal", "new-logo", "quarter-end", "at-risk", "inbound", "referral",
              "multi-year")
_DEAL_ROLES = ("decision-maker", "champion", "influencer", "legal", "procurement",
               "technical evaluator", "economic buyer", "end user")
_SALES_DEALS = ("Platform license", "Team expansion", "Annual renewal", "Pilot", "Analytics add-on",
                "Enterprise upgrade", "API access", "Support Plus", "Multi-year agreement",
                "Regional rollout", "Seats expansion", "Data migration project")
_PARTNER_DEALS = ("Reseller agreement", "Integration partnership", "Referral partnership",
                  "Co-marketing program", "Technology alliance")
_PRODUCTS = ("Core", "Analytics", "Automation", "API", "Support Plus")
_COMPETITORS = ("Quillstack", "Pipewell", "Dealcraft", "Funnelry", "in-house spreadsheet")
_TEAMS = ("sales", "finance", "operations", "support", "marketing", "engineering")

_NOTES = (
    "**Discovery recap**\n\n- Pain: month-end reporting takes {first} two days\n"
    "- Budget: approved for this half\n- Next: technical deep-dive with their IT team",
    "Spoke with {contact} about the rollout.\n\n1. Start with the {team} team\n"
    "2. Expand after a 30-day pilot\n\n> If the pilot works we move everyone over.",
    "## Risks\n\n- {competitor} is also in the running\n- Legal review may slip a few weeks\n\n"
    "Mitigation: offer a *fixed-price* onboarding package.",
    "Pricing feedback: they want annual billing and a discount for a **multi-year** commitment. "
    "Checking with finance before we answer.",
    "Champion is {contact}. The economic buyer is their CFO and we have not met yet: ask {first} "
    "for an introduction.",
    "Security questionnaire received. Sent our `SOC 2` report and the DPA; waiting on their review.",
    "Reference call arranged with a customer in {industry}. {first} wants to hear about onboarding "
    "time and support.",
    "Met {contact} at the trade show. Interested in **{product}**; asked for a short demo next week.",
    "Internal sync: the deal depends on the `{product}` integration shipping. Engineering says "
    "it is on track.",
    "Procurement wants three things:\n\n- a signed DPA\n- net-45 payment terms\n"
    "- a named support contact\n\nAll fine on our side.",
)
_CALL_SUMMARIES = {
    "connected": (
        "Walked {first} through pricing; they will take it to their budget meeting.",
        "Confirmed the pilot scope: {team} team, 25 seats, four weeks.",
        "{first} raised concerns about migration effort; offered a migration workshop.",
        "Good call. They are comparing us with {competitor}; our edge is reporting.",
        "Agreed on next steps: proposal by Friday, decision within two weeks.",
    ),
    "voicemail": ("Left a voicemail about the proposal; will follow up by email.",
                  "Voicemail: asked {first} to call back about contract dates."),
    "no-answer": ("No answer; will try again tomorrow.",),
    "bad-number": ("Number no longer in service; asked for a new one by email.",),
}
_EMAILS_OUT = ("Proposal for {company}", "Following up on our call", "Pricing options",
               "Next steps", "Security documentation", "Your pilot: week one", "Order form")
_EMAILS_IN = ("Re: Proposal for {company}", "Question about single sign-on", "Contract redlines",
              "Re: Pricing options", "Invoice details", "Can we move our meeting?")
_EMAIL_BODIES = ("Thanks {first}, attached the updated document as discussed.",
                 "Hi, quick question before our next meeting: does the plan include the API?",
                 "Looping in our legal team for the contract review.",
                 "Sounds good, see you Thursday.", None)
_MEETINGS = ("Discovery call", "Product demo", "Technical deep-dive", "Pricing review",
             "Executive sponsor meeting", "Contract walkthrough", "Quarterly business review")
_MEETING_NOTES = ("Attendees: {contact}, two engineers. Demo went well; they liked the board view.",
                  "Reviewed the proposal line by line. Open question: onboarding timeline.",
                  "Met their CFO; budget holder is now engaged.", None, None)
_TASK_TITLES = ("Send revised proposal", "Follow up with {first}", "Book technical deep-dive",
                "Share security documentation", "Confirm budget with finance",
                "Prepare contract draft", "Check in after pilot week", "Send case study",
                "Get intro to the economic buyer", "Chase signed order form",
                "Update close date after call", "Schedule onboarding kickoff")
_CONTACT_TASKS = ("Send {first} the webinar recording", "Connect on LinkedIn", "Invite {first} to the "
                  "customer dinner", "Ask {first} for a referral")
_MY_TASKS = ("Prepare weekly pipeline review", "Update the quarterly forecast",
             "Clean up stale deals", "Review automation failures")
_WON_NOTES = ("Budget approved; signed the two-year agreement.",
              "Won against {competitor} on reporting and support.", "Signed after a successful pilot.")
_LOST_NOTES = ("Went with {competitor}.", "No budget this year.", "Project shelved after a reorg.",
               "Went silent after the proposal.")
_ACCOUNT_NOTES = ("Prefers quarterly invoicing.", "Sends purchase orders by post only.",
                  "Security review takes about six weeks.", "Fiscal year starts in April.",
                  "Every contract needs a local-language copy.")


# ---------------------------------------------------------------------------------------------
# Board and custom field specifications
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class _StageSpec:
    name: str
    stage_type: str
    probability: float | None
    weight: int  # share of the board's cards in this stage


@dataclass(frozen=True, slots=True)
class _BoardSpec:
    key: str
    name: str
    record_type: str
    stages: tuple[_StageSpec, ...]
    archived: bool = False


_BOARDS = (
    _BoardSpec("sales", "Sales pipeline", "deal", (
        _StageSpec("Lead", "open", 10, 30), _StageSpec("Qualified", "open", 25, 22),
        _StageSpec("Proposal", "open", 50, 16), _StageSpec("Negotiation", "open", 75, 10),
        _StageSpec("Won", "won", 100, 13), _StageSpec("Lost", "lost", 0, 9),
    )),
    _BoardSpec("partners", "Partnerships", "deal", (
        _StageSpec("Exploring", "open", 20, 40), _StageSpec("Pilot", "open", 50, 25),
        _StageSpec("Signed", "won", 100, 20), _StageSpec("Declined", "lost", 0, 15),
    )),
    _BoardSpec("outreach", "Outreach", "contact", (
        _StageSpec("New", "open", None, 40), _StageSpec("Contacted", "open", None, 30),
        _StageSpec("Replied", "open", None, 18), _StageSpec("Meeting booked", "open", None, 12),
    )),
    _BoardSpec("accounts", "Accounts", "company", (
        _StageSpec("Prospect", "open", None, 0), _StageSpec("Customer", "won", None, 0),
        _StageSpec("Churned", "lost", None, 0),
    )),
    _BoardSpec("webinar", "Webinar follow-up", "contact", (
        _StageSpec("Registered", "open", None, 0), _StageSpec("Attended", "open", None, 0),
    ), archived=True),
)
PARTNER_SHARE = 0.12  # share of deals on the Partnerships board
OUTREACH_SHARE = 0.35  # share of contacts with a card on Outreach


@dataclass(frozen=True, slots=True)
class _FieldSpec:
    record_type: str
    key: str
    name: str
    type: str
    config: dict[str, Any]
    searchable: bool = False
    fill: float = 0.6  # share of records with a value


_FIELDS = (
    _FieldSpec("deal", "lead_source", "Lead source", "select",
               {"options": ["inbound", "outbound", "referral", "partner", "event"]}, True, 0.9),
    _FieldSpec("deal", "products", "Products", "multi_select",
               {"options": list(_PRODUCTS), "max_selected": 4}, True, 0.8),
    _FieldSpec("deal", "contract_months", "Contract length (months)", "number",
               {"integer": True, "min": 1, "max": 60}, False, 0.7),
    _FieldSpec("deal", "renewal_date", "Renewal date", "date", {}, False, 0.4),
    _FieldSpec("deal", "procurement", "Procurement review", "boolean", {}, False, 0.6),
    _FieldSpec("deal", "proposal_url", "Proposal", "url", {"schemes": ["https"]}, False, 0.45),
    _FieldSpec("deal", "setup_fee", "Setup fee", "currency", {"min": 0}, False, 0.35),
    _FieldSpec("deal", "competitor", "Main competitor", "text", {"max_length": 60}, True, 0.4),
    _FieldSpec("deal", "referred_by", "Referred by", "link", {"target": "contact"}, False, 0.15),
    _FieldSpec("deal", "po_number", "PO number", "text",
               {"pattern": r"PO-\d{6}", "pattern_hint": "PO-123456"}, False, 0.2),
    _FieldSpec("contact", "seniority", "Seniority", "select",
               {"options": ["junior", "mid", "senior", "director", "vp", "c-level"]}, False, 0.85),
    _FieldSpec("contact", "languages", "Languages", "multi_select",
               {"options": ["English", "German", "French", "Spanish", "Japanese", "Arabic",
                            "Dutch"]}, True, 0.5),
    _FieldSpec("contact", "linkedin", "LinkedIn", "url", {}, False, 0.6),
    _FieldSpec("contact", "preferred_channel", "Preferred channel", "select",
               {"options": [{"value": "email", "label": "Email"}, {"value": "phone", "label": "Phone"},
                            {"value": "video", "label": "Video call"}]}, False, 0.5),
    _FieldSpec("contact", "newsletter", "Newsletter opt-in", "boolean", {}, False, 0.7),
    _FieldSpec("contact", "last_met", "Last met in person", "date", {}, False, 0.3),
    _FieldSpec("contact", "nps", "NPS score", "number", {"integer": True, "min": 0, "max": 10},
               False, 0.25),
    _FieldSpec("contact", "reports_to", "Reports to", "link", {"target": "contact"}, False, 0.2),
    _FieldSpec("contact", "assistant", "Assistant", "text", {"max_length": 80}, False, 0.1),
    _FieldSpec("company", "tier", "Tier", "select",
               {"options": [{"value": "tier-1", "label": "Tier 1"}, {"value": "tier-2", "label": "Tier 2"},
                            {"value": "tier-3", "label": "Tier 3"}], "required": False}, True, 0.9),
    _FieldSpec("company", "regions", "Regions", "multi_select",
               {"options": ["NA", "EMEA", "APAC", "LATAM"]}, True, 0.7),
    _FieldSpec("company", "employees", "Employees", "number", {"integer": True, "min": 1}, False, 0.8),
    _FieldSpec("company", "annual_revenue", "Annual revenue", "currency", {"min": 0}, False, 0.5),
    _FieldSpec("company", "customer_since", "Customer since", "date", {}, False, 1.0),
    _FieldSpec("company", "linkedin_page", "LinkedIn page", "url", {}, False, 0.6),
    _FieldSpec("company", "reference_customer", "Reference customer", "boolean", {}, False, 0.5),
    _FieldSpec("company", "executive_sponsor", "Executive sponsor", "link", {"target": "contact"},
               False, 0.4),
    _FieldSpec("company", "account_notes", "Account notes", "text", {"max_length": 200}, True, 0.3),
)


def _option_values(spec: _FieldSpec) -> list[str]:
    return [o["value"] if isinstance(o, dict) else o for o in spec.config.get("options", [])]


# ---------------------------------------------------------------------------------------------
# The plan: what every record is, decided before anything is written
# ---------------------------------------------------------------------------------------------

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


# ---------------------------------------------------------------------------------------------
# Rows, one function per table (each yields tuples in its column order)
# ---------------------------------------------------------------------------------------------

COLUMNS: dict[str, tuple[str, ...]] = {
    "profiles": ("id", "full_name", "email", "avatar_url", "updated_at", "version"),
    "workspaces": ("id", "name", "created_at", "updated_at", "version"),
    "workspace_members": ("id", "workspace_id", "user_id", "role", "updated_at", "version"),
    "boards": ("id", "workspace_id", "name", "record_type", "is_archived", "created_by", "created_at",
               "updated_at", "version"),
    "board_stages": ("id", "board_id", "name", "position", "stage_type", "probability", "workspace_id",
                     "updated_at", "version"),
    "custom_fields": ("id", "workspace_id", "record_type", "name", "key", "type", "config", "searchable",
                      "position", "updated_at", "version"),
    "companies": ("id", "workspace_id", "name", "domain", "industry", "size", "parent_id", "owner_id",
                  "tags", "custom_fields", "created_at", "deleted_at", "updated_at", "version"),
    "contacts": ("id", "workspace_id", "name", "email", "phone", "title", "company_id", "owner_id",
                 "tags", "custom_fields", "created_at", "deleted_at", "updated_at", "version"),
    "deals": ("id", "workspace_id", "name", "value_cents", "currency", "stage_id", "close_date",
              "probability", "primary_contact_id", "company_id", "owner_id", "tags", "custom_fields",
              "created_at", "deleted_at", "updated_at", "version"),
    "board_cards": ("id", "board_id", "stage_id", "record_type", "record_id", "position", "workspace_id",
                    "updated_at", "version"),
    "deal_contacts": ("id", "deal_id", "contact_id", "role", "workspace_id", "updated_at", "version"),
    "timeline_entries": ("id", "workspace_id", "record_type", "record_id", "entry_type", "author_id",
                         "body", "payload", "created_at", "updated_at", "version"),
    "tasks": ("id", "workspace_id", "record_type", "record_id", "title", "description", "assigned_to",
              "due_date", "status", "source_entry_id", "created_at", "updated_at", "version"),
    "automations": ("id", "workspace_id", "name", "trigger", "conditions", "actions", "is_enabled",
                    "created_at", "updated_at", "version"),
    "automation_runs": ("id", "automation_id", "record_id", "status", "duration_ms", "error", "run_at",
                        "workspace_id", "updated_at", "version"),
    "audit_log": ("id", "workspace_id", "actor_id", "table_name", "record_id", "action", "old_data",
                  "new_data", "created_at", "updated_at", "version"),
}


class _Writer:
    """Turns the plan into rows and writes them, table by table, in foreign-key order."""

    def __init__(self, plan: _Plan, conn: sqlite3.Connection) -> None:
        self.plan = plan
        self.conn = conn
        self.ws = plan.workspace_id
        self.counts: dict[str, int] = {}
        self.rng = _rng(plan.seed, "activity")
        self._ids = _rng(plan.seed, "row-ids")
        self.entries: list[tuple] = []  # timeline rows, written once tasks have their sources
        self.tasks: list[tuple] = []
        self.audit: list[tuple] = []

    def new_id(self) -> str:
        return _new_id(self._ids)

    def insert(self, table: str, rows: Iterable[Sequence[Any]]) -> None:
        columns = COLUMNS[table]
        names = ", ".join('"' + c + '"' for c in columns)
        sql = f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' for _ in columns)})"
        rows = rows if isinstance(rows, list) else list(rows)
        self.conn.executemany(sql, rows)
        self.counts[table] = self.counts.get(table, 0) + len(rows)

    def write_all(self) -> None:
        plan = self.plan
        self.insert("profiles", self.profile_rows())
        self.insert("workspaces", [(self.ws, WORKSPACE_NAME, iso_utc(plan.now - timedelta(days=1200)),
                                    iso_utc(plan.now - timedelta(days=1200)), 0)])
        self.insert("workspace_members", self.member_rows())
        self.insert("boards", self.board_rows())
        self.insert("board_stages", self.stage_rows())
        self.insert("custom_fields", self.custom_field_rows())
        self.insert("companies", self.company_rows())
        self.insert("contacts", self.contact_rows())
        self.insert("deals", self.deal_rows())
        self.insert("board_cards", self.card_rows())
        self.insert("deal_contacts", self.deal_contact_rows())
        self.plan_stage_changes()
        self.plan_activity()
        self.plan_tasks()
        self.insert("timeline_entries", self.entries)
        self.insert("tasks", self.tasks)
        self.insert("automations", self.automation_rows())
        self.insert("automation_runs", self.run_rows())
        self.insert("audit_log", self.audit)

    # -- people, boards, field definitions -------------------------------------------------

    def profile_rows(self) -> list[tuple]:
        since = iso_utc(self.plan.now - timedelta(days=1100))
        return [(pid, name, f"{_slug(name.split()[0])}@{_WORKSPACE_DOMAIN}", None, since, 0)
                for pid, name, _ in self.plan.profiles]

    def member_rows(self) -> list[tuple]:
        since = iso_utc(self.plan.now - timedelta(days=1100))
        return [(self.new_id(), self.ws, pid, role, since, 0) for pid, _, role in self.plan.profiles]

    def board_rows(self) -> list[tuple]:
        # Boards were set up a week apart in the order listed, so the sales pipeline is the
        # oldest deals board: the one the app opens first.
        rows = []
        for index, b in enumerate(self.plan.boards.values()):
            created = iso_utc(self.plan.now - timedelta(days=1150 - 7 * index))
            rows.append((b.id, self.ws, b.spec.name, b.spec.record_type, int(b.spec.archived),
                         self.plan.user_id, created, created, 0))
        return rows

    def stage_rows(self) -> list[tuple]:
        created = iso_utc(self.plan.now - timedelta(days=1150))
        return [(s.id, b.id, s.spec.name, s.index, s.spec.stage_type,
                 float(s.spec.probability) if s.spec.probability is not None else None, self.ws, created, 0)
                for b in self.plan.boards.values() for s in b.stages]

    def custom_field_rows(self) -> list[tuple]:
        created = iso_utc(self.plan.now - timedelta(days=1000))
        rows = []
        positions: dict[str, int] = {}
        for spec in _FIELDS:
            position = positions.get(spec.record_type, 0)
            positions[spec.record_type] = position + 1
            rows.append((self.new_id(), self.ws, spec.record_type, spec.name, spec.key, spec.type,
                         to_db("config", spec.config), int(spec.searchable), position, created, 0))
        return rows

    # -- records ---------------------------------------------------------------------------

    def company_rows(self) -> Iterable[tuple]:
        for c in self.plan.companies:
            created = iso_utc(c.created)
            yield (c.id, self.ws, c.name, c.domain, c.industry, c.size, c.parent.id if c.parent else None,
                   c.owner, to_db("tags", c.tags), to_db("custom_fields", c.custom), created, None, created, 0)

    def contact_rows(self) -> Iterable[tuple]:
        for c in self.plan.contacts:
            created = iso_utc(c.created)
            yield (c.id, self.ws, c.name, c.email, c.phone, c.title, c.company.id if c.company else None,
                   c.owner, to_db("tags", c.tags), to_db("custom_fields", c.custom), created, None, created, 0)

    def deal_rows(self) -> Iterable[tuple]:
        for d in self.plan.deals:
            yield (d.id, self.ws, d.name, d.value_minor, d.currency, d.stage.id, d.close_date.isoformat(),
                   d.probability, d.primary.id if d.primary else None, d.company.id, d.owner,
                   to_db("tags", d.tags), to_db("custom_fields", d.custom), iso_utc(d.created), None,
                   iso_utc(d.entered), 0)

    def card_rows(self) -> Iterable[tuple]:
        """Cards of every board; within a stage the most recently moved card is on top."""
        plan = self.plan
        placed: list[tuple[_Stage, datetime, str, str]] = [
            (d.stage, d.entered, "deal", d.id) for d in plan.deals
        ]
        placed += self.outreach_cards()
        placed += self.account_cards()
        by_stage: dict[str, list[tuple[_Stage, datetime, str, str]]] = {}
        for item in placed:
            by_stage.setdefault(item[0].id, []).append(item)
        for stage_items in by_stage.values():
            stage_items.sort(key=lambda item: (item[1], item[3]), reverse=True)
            for position, (stage, entered, record_type, record_id) in enumerate(stage_items):
                yield (self.new_id(), stage.board.id, stage.id, record_type, record_id, position, self.ws,
                       iso_utc(entered), 0)

    def outreach_cards(self) -> list[tuple[_Stage, datetime, str, str]]:
        """Contacts on the Outreach board, with a stage_change entry when they moved on."""
        board = self.plan.boards["outreach"]
        picks = _Weighted((s, s.spec.weight) for s in board.stages)
        rng = _rng(self.plan.seed, "outreach")
        cards = []
        for contact in self.plan.contacts:
            if rng.random() >= OUTREACH_SHARE:
                continue
            stage = picks.pick(rng)
            entered = contact.created
            if stage.index > 0:
                entered = self.plan.between(rng, contact.created, self.plan.now - timedelta(hours=2))
                self.stage_change("contact", contact.id, contact.owner, board.stages[stage.index - 1],
                                  stage, entered)
            cards.append((stage, entered, "contact", contact.id))
        return cards

    def account_cards(self) -> list[tuple[_Stage, datetime, str, str]]:
        """Every company on Accounts: a customer once it won a deal; some customers churned."""
        board = self.plan.boards["accounts"]
        prospect, customer, churned = board.stages
        rng = _rng(self.plan.seed, "accounts")
        cards = []
        for company in self.plan.companies:
            stage, entered = prospect, company.created
            if company.first_won is not None:
                stage, entered = customer, company.first_won
                self.stage_change("company", company.id, company.owner, prospect, customer, entered)
                if rng.random() < 0.1 and entered < self.plan.now - timedelta(days=30):
                    stage = churned
                    entered = self.plan.between(rng, entered + timedelta(days=20), self.plan.now)
                    self.stage_change("company", company.id, company.owner, customer, churned, entered)
            cards.append((stage, entered, "company", company.id))
        return cards

    def deal_contact_rows(self) -> Iterable[tuple]:
        for d in self.plan.deals:
            for contact, role in d.links:
                yield (self.new_id(), d.id, contact.id, role, self.ws, iso_utc(d.created), 0)

    # -- timeline --------------------------------------------------------------------------

    def entry(self, record_type: str, record_id: str, entry_type: str, author: str | None,
              body: str | None, payload: dict[str, Any], when: datetime) -> str:
        entry_id = self.new_id()
        stamp = iso_utc(when)
        self.entries.append((entry_id, self.ws, record_type, record_id, entry_type, author, body,
                             _json(payload), stamp, stamp, 0))
        return entry_id

    def stage_change(self, record_type: str, record_id: str, author: str, source: _Stage, target: _Stage,
                     when: datetime, note: str | None = None) -> None:
        payload = {
            "board_id": source.board.id, "from_stage_id": source.id, "from_stage": source.spec.name,
            "to_stage_id": target.id, "to_stage": target.spec.name, "to_stage_type": target.spec.stage_type,
        }
        if note:
            payload["note"] = note
        self.entry(record_type, record_id, "stage_change", author, note, payload, when)

    def plan_stage_changes(self) -> None:
        """Deals' moves, oldest first; the latest lands each deal in its current stage.

        Deals with activity get their whole history; beyond those only the last move is
        written (it is what a card's "days in stage" reads), which keeps big workspaces quick.
        """
        rng = _rng(self.plan.seed, "moves")
        for index, deal in enumerate(self.plan.deals):
            history = deal.history if index < RICH_DEALS else deal.history[-2:]
            for (source, _), (target, when) in zip(history, history[1:]):
                note = None
                if target.spec.stage_type != "open":
                    words = _WON_NOTES if target.spec.stage_type == "won" else _LOST_NOTES
                    note = _pick(rng, words).format(competitor=_pick(rng, _COMPETITORS[:4]))
                author = deal.owner if rng.random() < 0.85 else self.plan.owners.pick(rng)
                self.stage_change("deal", deal.id, author, source, target, when, note)

    def _words(self, contact: _Contact | None, company: _Company) -> dict[str, str]:
        rng = self.rng
        name = contact.name if contact else "their team"
        return {"contact": name, "first": name.split()[0], "company": company.name,
                "industry": company.industry.lower(), "competitor": _pick(rng, _COMPETITORS[:4]),
                "product": _pick(rng, _PRODUCTS), "team": _pick(rng, _TEAMS)}

    def activity(self, record_type: str, record_id: str, owner: str, contact: _Contact | None,
                 company: _Company, when: datetime) -> tuple[str, str]:
        """One note, call, email or meeting; returns (entry id, entry type)."""
        rng = self.rng
        words = self._words(contact, company)
        author = owner if rng.random() < 0.8 else self.plan.owners.pick(rng)
        kind = _pick(rng, ("note", "note", "call", "call", "email", "email", "email", "meeting"))
        if kind == "note":
            body: str | None = _pick(rng, _NOTES).format(**words)
            payload: dict[str, Any] = {}
        elif kind == "call":
            disposition = _pick(rng, ("connected", "connected", "connected", "voicemail", "no-answer", "bad-number"))
            body = _pick(rng, _CALL_SUMMARIES[disposition]).format(**words)
            seconds = _randint(rng, 180, 2700) if disposition == "connected" else _randint(rng, 10, 60)
            payload = {"duration_seconds": seconds, "disposition": disposition}
        elif kind == "email":
            direction = _pick(rng, ("outbound", "outbound", "inbound"))
            subject = _pick(rng, _EMAILS_OUT if direction == "outbound" else _EMAILS_IN).format(**words)
            template = _pick(rng, _EMAIL_BODIES)
            body = template.format(**words) if template else None
            payload = {"subject": subject, "direction": direction}
        else:
            template = _pick(rng, _MEETING_NOTES)
            body = template.format(**words) if template else None
            payload = {"title": _pick(rng, _MEETINGS), "starts_at": iso_utc(when - timedelta(hours=1)),
                       "duration_minutes": _pick(rng, (30, 30, 45, 60, 90))}
        return self.entry(record_type, record_id, kind, author, body, payload, when), kind

    def plan_activity(self) -> None:
        """Notes, calls, emails, meetings and field edits on a bounded set of records."""
        plan, rng = self.plan, self.rng
        self.sources: dict[str, list[tuple[str, datetime, str]]] = {}  # record id → (entry id, when, type)
        for deal in plan.deals[:RICH_DEALS]:
            end = deal.entered + timedelta(days=3) if deal.stage.spec.stage_type != "open" else plan.now
            end = min(end, plan.now)
            sources = self.sources.setdefault(deal.id, [])
            for _ in range(_randint(rng, 2, 9)):
                when = plan.between(rng, deal.created, end)
                entry_id, kind = self.activity("deal", deal.id, deal.owner, deal.primary, deal.company, when)
                if kind in ("call", "meeting", "email"):
                    sources.append((entry_id, when, kind))
            self.field_edits(deal, end)
        for contact in plan.contacts[:RICH_CONTACTS]:
            if contact.company is None:
                continue
            for _ in range(_randint(rng, 0, 4)):
                when = plan.between(rng, contact.created, plan.now)
                self.activity("contact", contact.id, contact.owner, contact, contact.company, when)
        for company in plan.companies[:RICH_COMPANIES]:
            for _ in range(_randint(rng, 0, 3)):
                when = plan.between(rng, company.created, plan.now)
                person = company.contacts[0] if company.contacts else None
                self.activity("company", company.id, company.owner, person, company, when)

    def field_edits(self, deal: _Deal, end: datetime) -> None:
        """Edits that end at the deal's current values (value, close date, a custom field)."""
        rng = self.rng
        for _ in range(_pick(rng, (0, 0, 1, 1, 2))):
            when = self.plan.between(rng, deal.created, end)
            choice = rng.random()
            if choice < 0.45 and deal.value_minor:
                old: Any = int(deal.value_minor * _pick(rng, (0.6, 0.8, 1.25)))
                field_name, label, new = "value_cents", "Value", deal.value_minor
            elif choice < 0.8:
                old = (deal.close_date - timedelta(days=_pick(rng, (-21, -14, 7, 30)))).isoformat()
                field_name, label, new = "close_date", "Close date", deal.close_date.isoformat()
            elif "contract_months" in deal.custom:
                new = deal.custom["contract_months"]
                old = 12 if new != 12 else 24
                field_name, label = "custom_fields.contract_months", "Contract length (months)"
            else:
                continue
            author = deal.owner
            self.entry("deal", deal.id, "field_edit", author, None,
                       {"field": field_name, "label": label, "old": old, "new": new}, when)
            stamp = iso_utc(when)
            column = field_name.removeprefix("custom_fields.")
            self.audit.append((self.new_id(), self.ws, author, "deals", deal.id, "update",
                               _json({column: old}), _json({column: new}), stamp, stamp, 0))

    # -- tasks -----------------------------------------------------------------------------

    def task(self, record_type: str | None, record_id: str | None, title: str, assignee: str,
             due: date | None, status: str, created: datetime, *, source: str | None = None,
             description: str | None = None, log_owner: str | None = None,
             done_at: datetime | None = None) -> None:
        task_id = self.new_id()
        stamp = iso_utc(done_at or created)
        self.tasks.append((task_id, self.ws, record_type, record_id, title, description, assignee,
                           due.isoformat() if due else None, status, source, iso_utc(created), stamp, 0))
        if log_owner is not None and record_type and record_id:
            self.entry(record_type, record_id, "task", log_owner, title,
                       {"task_id": task_id, "title": title, "action": "created",
                        "due_date": due.isoformat() if due else None}, created)
            if done_at is not None:
                self.entry(record_type, record_id, "task", assignee, title,
                           {"task_id": task_id, "title": title, "action": "completed"}, done_at)

    def due_date(self, rng: random.Random) -> date | None:
        """Overdue, today, upcoming or no date, in roughly the mix a real inbox has."""
        roll = rng.random()
        today = self.plan.today
        if roll < 0.22:
            return today - timedelta(days=_randint(rng, 1, 21))
        if roll < 0.34:
            return today
        if roll < 0.82:
            return today + timedelta(days=_randint(rng, 1, 30))
        return None

    def plan_tasks(self) -> None:
        plan = self.plan
        rng = _rng(plan.seed, "tasks")
        me = plan.user_id
        for index, deal in enumerate(plan.deals):
            rich = index < RICH_DEALS
            stage_type = deal.stage.spec.stage_type
            first = deal.primary.name.split()[0] if deal.primary else "the team"
            if stage_type == "open" and rng.random() < 0.8:  # the rest show "missing next task"
                sources = self.sources.get(deal.id, []) if rich else []
                for _ in range(_pick(rng, (1, 1, 1, 2))):
                    title = _pick(rng, _TASK_TITLES).format(first=first)
                    assignee = me if rng.random() < 0.6 else deal.owner
                    created = plan.between(rng, deal.entered, plan.now)
                    source = None
                    if sources and rng.random() < 0.4:
                        source_id, when, kind = _pick(rng, sources)
                        source, created = source_id, plan.between(rng, when, plan.now)
                        title = f"{title} (after {kind})"
                    status = "in_progress" if rng.random() < 0.15 else "open"
                    self.task("deal", deal.id, title, assignee, self.due_date(rng), status, created,
                              source=source, log_owner=assignee if rich else None,
                              description="Agreed on the last call." if source and rng.random() < 0.5 else None)
            elif stage_type == "won" and rng.random() < 0.3:
                due = deal.close_date + timedelta(days=14)
                status = "done" if due < plan.today else "open"
                when = deal.entered
                self.task("deal", deal.id, "Schedule onboarding kickoff", deal.owner, due, status, when,
                          log_owner=deal.owner if rich else None,
                          done_at=min(plan.now, when + timedelta(days=10)) if status == "done" else None)
            if rich:
                for _ in range(_pick(rng, (0, 1, 1, 2))):  # finished work
                    created = plan.between(rng, deal.created, deal.entered)
                    done_at = plan.between(rng, created, min(plan.now, created + timedelta(days=10)))
                    title = _pick(rng, _TASK_TITLES).format(first=first)
                    self.task("deal", deal.id, title, deal.owner, done_at.date(), "done", created,
                              log_owner=deal.owner, done_at=done_at)
        for contact in plan.contacts[:RICH_CONTACTS]:
            if rng.random() < 0.25:
                title = _pick(rng, _CONTACT_TASKS).format(first=contact.name.split()[0])
                created = plan.between(rng, contact.created, plan.now)
                self.task("contact", contact.id, title, me if rng.random() < 0.7 else contact.owner,
                          self.due_date(rng), "open", created, log_owner=contact.owner)
        for company in plan.companies[:RICH_COMPANIES]:
            if rng.random() < 0.15:
                created = plan.between(rng, company.created, plan.now)
                self.task("company", company.id, f"Account review: {company.name}", company.owner,
                          self.due_date(rng), "open", created, log_owner=company.owner)
        for title in _MY_TASKS:  # tasks on no record
            created = plan.ago(rng, 1, 20)
            self.task(None, None, title, me, self.due_date(rng), "open", created)

    # -- automations -----------------------------------------------------------------------

    def automation_specs(self) -> list[tuple[str, dict, list, list, bool]]:
        boards = self.plan.boards
        sales, partners = boards["sales"], boards["partners"]
        proposal = sales.stages[2]
        users = [p[0] for p in self.plan.profiles]
        return [
            ("Round-robin new inbound deals",
             {"type": "record_created", "record_type": "deal"},
             [{"type": "field_equals", "field": "custom_fields.lead_source", "value": "inbound"},
              {"type": "on_board", "board_id": sales.id}],
             [{"type": "assign_owner", "mode": "round_robin", "user_ids": users[1:4]},
              {"type": "add_tag", "tag": "inbound"}], True),
            ("Nudge stale proposals",
             {"type": "days_in_stage", "stage_id": proposal.id, "days": 14},
             [{"type": "on_board", "board_id": sales.id}],
             [{"type": "create_task", "title": "Follow up on the proposal", "assign_to": "owner",
               "due_in_days": 1},
              {"type": "notify", "user": "owner", "message": "Proposal has waited 14 days"}], True),
            ("Tag big deals as enterprise",
             {"type": "field_matches", "field": "value_cents", "op": "gte", "value": 10_000_000},
             [{"type": "tag_not_applied", "tag": "enterprise"}],
             [{"type": "add_tag", "tag": "enterprise"}], True),
            ("Close date is near",
             {"type": "due_date_approaching", "field": "close_date", "days_before": 7},
             [{"type": "owner_is_not", "user_id": users[0]}],
             [{"type": "notify", "user": "owner", "message": "Closes within a week"}], True),
            ("Post won deals to the sales channel",
             {"type": "stage_changed", "board_id": sales.id, "to_stage_type": "won"},
             [{"type": "field_is_empty", "field": "custom_fields.po_number", "negate": True}],
             [{"type": "send_webhook", "url": "https://hooks.larkspur.io/track/won", "method": "POST"}],
             True),
            ("Lost deals: clear at-risk tag",
             {"type": "stage_changed", "board_id": sales.id, "to_stage_type": "lost"},
             [{"type": "tag_applied", "tag": "at-risk"}],
             [{"type": "remove_tag", "tag": "at-risk"}, {"type": "move_stage", "stage_id": sales.stages[5].id}],
             True),
            ("Partner pilots need an owner",
             {"type": "field_updated", "field": "stage_id"},
             [{"type": "on_board", "board_id": partners.id},
              {"type": "field_contains", "field": "name", "value": "Integration"},
              {"type": "created_within_days", "days": 30}],
             [{"type": "assign_owner", "mode": "direct", "user_id": users[2]},
              {"type": "set_field", "field": "custom_fields.lead_source", "value": "partner"}], False),
        ]

    def automation_rows(self) -> list[tuple]:
        rng = _rng(self.plan.seed, "automations")
        rows = []
        self.automation_ids = []
        for name, trigger, conditions, actions, enabled in self.automation_specs():
            automation_id = _new_id(rng)
            self.automation_ids.append((automation_id, name))
            created = iso_utc(self.plan.ago(rng, 60, 500))
            rows.append((automation_id, self.ws, name, to_db("trigger", trigger), to_db("conditions", conditions),
                         to_db("actions", actions), int(enabled), created, created, 0))
        return rows

    def run_rows(self) -> list[tuple]:
        rng = _rng(self.plan.seed, "automation-runs")
        errors = ("webhook responded 500 Internal Server Error",
                  "webhook timed out after 10 s",
                  "no owner to assign: round-robin list is empty",
                  "stage not found: it was deleted from the board",
                  "permission denied for table deals (row-level security)")
        deals = self.plan.deals
        rows = []
        per_automation = max(3, min(AUTOMATION_RUNS_MAX // len(self.automation_ids), len(deals) // 4))
        for automation_id, name in self.automation_ids:
            webhook = "Post won" in name
            for _ in range(_randint(rng, per_automation // 2, per_automation)):
                failed = rng.random() < (0.3 if webhook else 0.06)
                error = None
                if failed:
                    error = errors[_randint(rng, 0, 1)] if webhook else _pick(rng, errors[2:])
                record = _pick(rng, deals).id if deals else None
                run_at = iso_utc(self.plan.ago(rng, 0.01, 30))
                rows.append((_new_id(rng), automation_id, record, "failed" if failed else "success",
                             _randint(rng, 40, 10_000 if failed else 900), error, run_at, self.ws, run_at, 0))
        return rows


# ---------------------------------------------------------------------------------------------
# Entry point
# ---------------------------------------------------------------------------------------------

def build_demo(store: Store, *, seed: int = 7, deals: int = DEFAULT_DEALS,
               now: datetime | None = None) -> DemoSummary:
    """Fill an empty store with the demo workspace; same seed and `now` → identical content.

    Writes every table in one transaction (no outbox entries), sets the meta keys
    `workspace_id`, `user_id` and `workspace_name`, and builds the search documents.
    """
    if deals < 0:
        raise ValueError("deals must be zero or more")
    if store.get_meta("workspace_id") is not None:
        raise ValueError("the store already holds a workspace; build the demo into a new file")
    moment = now if now is not None else store.now()
    plan = _Plan(seed, deals, moment)
    plan.build()
    searchable: dict[str, list[str]] = {}
    for spec in _FIELDS:
        if spec.searchable:
            searchable.setdefault(spec.record_type, []).append(spec.key)
    with store.lock:
        conn = store.conn
        store.close_idle_readers()  # the journal-mode switch below needs the file to itself
        writer = _Writer(plan, conn)
        restore = _fast_pragmas(conn)
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                suspended = _suspend_indexes_and_triggers(conn)
                writer.write_all()
                conn.executemany(  # inside the build's own transaction (not store.set_meta's)
                    "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    (("workspace_id", plan.workspace_id), ("user_id", plan.user_id), ("workspace_name", WORKSPACE_NAME)),
                )
                search_docs.rebuild(conn, searchable)
                _fill_full_text_indexes(conn)
                for statement in suspended:
                    conn.execute(statement)
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        finally:
            for statement in restore:
                conn.execute(statement)
        store.forget_searchable_fields()  # field definitions arrived without the write path
    counts = writer.counts
    return DemoSummary(
        seed=seed, now=moment, workspace_id=plan.workspace_id, user_id=plan.user_id,
        workspace_name=WORKSPACE_NAME, profiles=counts["profiles"], companies=counts["companies"],
        contacts=counts["contacts"], deals=counts["deals"], deal_contacts=counts["deal_contacts"],
        boards=counts["boards"], stages=counts["board_stages"], cards=counts["board_cards"],
        timeline_entries=counts["timeline_entries"], tasks=counts["tasks"],
        custom_fields=counts["custom_fields"], automations=counts["automations"],
        automation_runs=counts["automation_runs"], audit_log=counts["audit_log"],
    )


def _suspend_indexes_and_triggers(conn: sqlite3.Connection) -> list[str]:
    """Drop the secondary indexes and the search triggers; return the SQL that re-creates them.

    Both are right for the write path's few rows and slow for a bulk load: an index grows
    faster built once over sorted data than row by row, and the schema's triggers copy every
    search_docs row into both FTS5 tables one at a time (about 20 of 45 seconds at 100,000
    deals). Runs inside the build's transaction, so a failure rolls the drops back too.
    """
    rows = conn.execute(
        """SELECT type, name, sql FROM sqlite_master
        WHERE (type = 'index' AND sql IS NOT NULL) OR (type = 'trigger' AND tbl_name = 'search_docs')
        ORDER BY type, name"""
    ).fetchall()
    for kind, name, _ in rows:
        conn.execute(f'DROP {kind.upper()} "{name}"')
    return [sql for _, _, sql in rows]


def _fill_full_text_indexes(conn: sqlite3.Connection) -> None:
    """Have each FTS5 table over search_docs read its content table in one pass ('rebuild')."""
    for (name,) in conn.execute(
        """SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL TABLE%'
        AND sql LIKE '%content=''search_docs''%' ORDER BY name"""
    ).fetchall():
        conn.execute(f'INSERT INTO "{name}" ("{name}") VALUES (\'rebuild\')')


def _fast_pragmas(conn: sqlite3.Connection) -> list[str]:
    """Settings for one big load; returns the statements that put the connection back.

    No fsync while building, a 256 MiB page cache, and a rollback journal instead of WAL: in
    WAL mode every page of a fresh 100,000-deal file (~450 MB) would be written twice, once
    to the log at commit and again at the checkpoint. A crash mid-build leaves a file to
    rebuild either way; a failed build still rolls back.
    """
    synchronous = conn.execute("PRAGMA synchronous").fetchone()[0]
    cache_size = conn.execute("PRAGMA cache_size").fetchone()[0]
    journal = conn.execute("PRAGMA journal_mode").fetchone()[0]
    restore = [f"PRAGMA synchronous = {int(synchronous)}", f"PRAGMA cache_size = {int(cache_size)}"]
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -262144")
    if str(journal).lower() == "wal" and conn.execute("PRAGMA journal_mode = DELETE").fetchone()[0] == "delete":
        restore.append("PRAGMA journal_mode = WAL")
    return restore


def fill_first_column(store: Store, count: int) -> str:
    """Add plain deals to the first stage of the first board until it holds `count` cards.

    For benchmarks and tests of very long columns; returns the stage's id.
    """
    board = store.boards()[0]
    stage = store.stages(board.id)[0]
    have = store.conn.execute("SELECT count(*) FROM board_cards WHERE stage_id = ?", (stage.id,)).fetchone()[0]
    now = iso_utc(store.now())
    deals, cards = [], []
    for i in range(max(0, count - have)):
        deal_id, card_id = f"00000000-0000-4000-8000-{i:012d}", f"00000000-0000-4000-9000-{i:012d}"
        deals.append((deal_id, store.workspace_id, f"Bulk deal {i}", 100_00 * (i % 50 + 1), "USD", stage.id, now))
        cards.append((card_id, board.id, stage.id, "deal", deal_id, 100_000 + i, store.workspace_id))
    with store.lock:
        store.conn.execute("BEGIN")
        store.conn.executemany(
            "INSERT INTO deals (id, workspace_id, name, value_cents, currency, stage_id, created_at) VALUES (?,?,?,?,?,?,?)",
            deals,
        )
        store.conn.executemany(
            "INSERT INTO board_cards (id, board_id, stage_id, record_type, record_id, position, workspace_id) VALUES (?,?,?,?,?,?,?)",
            cards,
        )
        store.conn.execute("COMMIT")
    return stage.id

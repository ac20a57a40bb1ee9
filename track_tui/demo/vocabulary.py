"""The demo workspace's vocabulary: its size rules, our own word lists, and the boards and
custom fields it is built with.

Everything here is plain data (names, titles, industries, currencies and their rough exchange
rates, notes and task titles, board and field specifications): changing a list changes the
words the demo uses, never how it is planned or written.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

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

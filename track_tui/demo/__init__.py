"""The deterministic demo workspace: realistic CRM data generated from a seed.

A first-time user (and every screenshot, snapshot test and benchmark) opens Track on this data,
so it has to look like a real team's pipeline: companies with subsidiaries, people at those
companies, deals in several currencies spread over the stages, a history of stage moves (some
deals long stale), notes, calls, emails and meetings, tasks due around today, custom fields of
every type, automations and their runs.

One module per job:

- :mod:`.vocabulary` — the size rules, our own word lists, the board and field specifications;
- :mod:`.plan` — every record decided in memory from the seed (deterministic: the same seed and
  `now` give byte-identical tables);
- :mod:`.rows` — the plan turned into rows, table by table;
- :mod:`.build` — :func:`build_demo`, which loads those rows in bulk through
  :mod:`track_tui.store.bulk` (the loader the sync's first download uses too).

Size: `deals=N` makes N deals, about N/2 contacts (at least 40) and N/8 companies (at least 15).
Cards, deal contacts, open tasks and each deal's latest stage move scale with N; full stage
histories and the hand-written activity (notes, calls, emails, meetings, field edits, done
tasks) go to a bounded number of records (RICH_DEALS, ...), so a 100,000-deal benchmark
workspace builds in about 20 seconds of CPU.
"""

from .build import DemoSummary, build_demo, fill_first_column
from .rows import COLUMNS
from .vocabulary import (
    AUTOMATION_RUNS_MAX, DEFAULT_DEALS, OUTREACH_SHARE, PARTNER_SHARE, RICH_COMPANIES, RICH_CONTACTS,
    RICH_DEALS, WORKSPACE_NAME,
)

__all__ = [
    "AUTOMATION_RUNS_MAX", "COLUMNS", "DEFAULT_DEALS", "DemoSummary", "OUTREACH_SHARE", "PARTNER_SHARE",
    "RICH_COMPANIES", "RICH_CONTACTS", "RICH_DEALS", "WORKSPACE_NAME", "build_demo", "fill_first_column",
]

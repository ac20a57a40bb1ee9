"""Someone else changed what is on screen: who, and what, in one sentence.

Only change sets of origin `server` are news (a teammate, the web app, an automation, brought in
by sync); this person's own edits (`local`) and the server confirming them (`ack`) never are.
The screen in view says which rows of a change set it shows (:class:`Subject`, with the name it
shows, which is all that is left of a row once deleted); this module turns them into sentences —
"Ana Reyes moved 'Acme renewal' to Proposal", "… changed the close date of 'Acme renewal'",
"… deleted 'Acme renewal'" — and a burst of them (a pull page, a bulk edit in the web app) into
one (:func:`summary`). The app collects a burst for a moment and shows the one notification.

Who comes from the change set (`updated_by` as the server stamped it) or, failing that, the row
itself (`Store.changed_by`). Names are the data's (a teammate types their own): every name that
goes into a sentence — who, the record, the stage — is made one safe line here (white space
runs, newlines included, become one space; controls become symbols: :func:`safe_line`) and cut
to :data:`NAME_CELLS`, so a sentence is safe wherever it is shown (a notification, the message
line of an open editor) and a name cannot fake a second line. No Textual here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .models.records import FIELD_LABELS
from .safe_text import safe_line
from .store.changes import BOOKKEEPING_COLUMNS, ChangeSet

if TYPE_CHECKING:
    from .store import Store

SOMEONE = "Someone"  # no session behind the change: the web app's service role, an automation
NAME_CELLS = 40  # a name in a sentence is cut beyond this
MOST_SHOWN = 3  # a burst lists this many changes, then "and N more"
_RECORD_TABLES = {"deals": "deal", "contacts": "contact", "companies": "company"}


@dataclass(frozen=True)
class Subject:
    """A row of a change set that the screen in view shows."""

    table: str
    row_id: str
    name: str | None = None  # as the screen shows it (what a deleted row was called)
    record_name: str | None = None  # for a card, task or entry: the record it belongs to


@dataclass(frozen=True)
class NewsItem:
    who: str
    what: str  # "moved 'Acme renewal' to Proposal"

    @property
    def sentence(self) -> str:
        return f"{self.who} {self.what}"


def news_items(store: "Store", changes: ChangeSet, subjects: list[Subject]) -> list[NewsItem]:
    """Sentences for the `subjects` of a server change set; none for anything else."""
    if not changes.is_news:
        return []
    items: list[NewsItem] = []
    seen: set[tuple[str, str]] = set()
    for subject in subjects:
        key = (subject.table, subject.row_id)
        if key in seen:
            continue
        seen.add(key)
        what = _what(store, changes, subject)
        if what is None:
            continue
        item = NewsItem(_who(store, changes, subject), what)
        if item not in items:  # a deal moved: its row and its card say the same
            items.append(item)
    return items


def summary(items: list[NewsItem]) -> str | None:
    """One notification for a burst: a sentence, a few joined, or the first few and a count."""
    if not items:
        return None
    if len(items) == 1:
        return items[0].sentence
    people = list(dict.fromkeys(item.who for item in items))
    if len(people) == 1:
        whats = [item.what for item in items]
        head = f"{people[0]} {'; '.join(whats[:MOST_SHOWN])}"
    else:
        head = "; ".join(item.sentence for item in items[:MOST_SHOWN])
    more = len(items) - MOST_SHOWN
    return f"{head}; and {more} more change{'s' if more != 1 else ''}" if more > 0 else head


# -- the parts -------------------------------------------------------------------------------


def one_line(name: str) -> str:
    """A name from the data as part of one sentence: one line, safe, at most NAME_CELLS long."""
    name = safe_line(" ".join(name.split()))
    return name if len(name) <= NAME_CELLS else name[: NAME_CELLS - 1] + "…"


def _quoted(name: str | None, fallback: str) -> str:
    if not name or not name.strip():
        return fallback
    return f"'{one_line(name)}'"


def who_changed(store: "Store", changes: ChangeSet, table: str, row_id: str) -> str:
    """Who made a server change of a row, as a sentence starts ("Ana Reyes", "Someone")."""
    return _who(store, changes, Subject(table, row_id))


def _who(store: "Store", changes: ChangeSet, subject: Subject) -> str:
    authors = changes.authors.get(subject.table, {})
    if subject.row_id in authors:
        user_id = authors[subject.row_id]
        if user_id is None:
            return SOMEONE
        if user_id == store.user_id:
            return "You (elsewhere)"
        profile = store.profiles().get(user_id)
        return one_line(profile.full_name) if profile is not None and profile.full_name.strip() else "A teammate"
    try:
        who = store.changed_by(subject.table, subject.row_id)
    except (LookupError, ValueError):  # gone, or not a synced table
        return SOMEONE
    if who.is_you:
        return "You (elsewhere)"
    if who.name and who.name.strip():
        return one_line(who.name)
    return SOMEONE if who.user_id is None else "A teammate"


def _row(store: "Store", table: str, row_id: str) -> dict | None:
    with store.reading() as conn:
        found = conn.execute(f"SELECT * FROM {table} WHERE id = ?", (row_id,)).fetchone()
    return dict(found) if found is not None else None


def _stage_name(store: "Store", stage_id: str | None) -> str:
    if not stage_id:
        return "another stage"
    name = store.stage_names().get(stage_id)
    return one_line(name) if name and name.strip() else "another stage"


def _fields_words(fields: frozenset[str]) -> str:
    names = []
    for name in sorted(fields):
        if name.startswith("custom_fields"):
            label = "a custom field"
        else:
            label = "the " + FIELD_LABELS.get(name, name.replace("_", " ")).lower()
        if label not in names:
            names.append(label)
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " and " + names[-1]


def _what(store: "Store", changes: ChangeSet, subject: Subject) -> str | None:
    table, row_id = subject.table, subject.row_id
    row = _row(store, table, row_id)
    columns = changes.columns(table, row_id)
    fields = None if columns is None else columns - BOOKKEEPING_COLUMNS
    if fields is not None and not fields:
        return None  # only sync bookkeeping moved
    if table in _RECORD_TABLES:
        kind = _RECORD_TABLES[table]
        name = _quoted((row or {}).get("name") or subject.name, f"a {kind}")
        if row is None or (fields is not None and "deleted_at" in fields and row.get("deleted_at")):
            return f"deleted {name}"
        if fields is not None and "deleted_at" in fields:
            return f"restored {name}"
        if fields is not None and "stage_id" in fields and kind == "deal":
            return f"moved {name} to {_stage_name(store, row.get('stage_id'))}"
        if fields is None:  # the whole row: new, when it has not been changed since it was made
            new = row.get("created_at") and row.get("created_at") == row.get("updated_at")
            return f"added {name}" if new else f"updated {name}"
        return f"changed {_fields_words(fields)} of {name}"
    if table == "board_cards":
        name = _quoted(subject.record_name or subject.name, "a card")
        if row is None:
            return f"took {name} off the board"
        if fields is None or "stage_id" in fields:
            return f"moved {name} to {_stage_name(store, row.get('stage_id'))}"
        return f"reordered {name}"
    if table == "tasks":
        name = _quoted((row or {}).get("title") or subject.name, "a task")
        if row is None:
            return f"deleted the task {name}"
        if fields is not None and "status" in fields and row.get("status") == "done":
            return f"completed the task {name}"
        if fields is None:
            return f"updated the task {name}"
        return f"changed {_fields_words(fields)} of the task {name}"
    if table == "timeline_entries":
        on = _quoted(subject.record_name, "this record")
        if row is None:
            return f"removed an entry from {on}"
        kind = str(row.get("entry_type") or "entry").replace("_", " ")
        if kind in ("field edit", "stage change", "task"):
            return None  # the edit itself is the news, said once for the record
        return f"added a {kind} to {on}" if fields is None else f"edited a {kind} on {on}"
    return None

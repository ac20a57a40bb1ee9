"""A workspace whose every text field carries terminal control sequences.

The demo workspace is built small, then every column and JSON value that holds people's text is
rewritten *in the cache file* with one of :data:`PAYLOADS` in front — the way rows written by
someone else (the web app, another client) arrive over sync, past any check the local write
path makes on typing. The search documents are rebuilt from the poisoned rows, so search finds
them too.
"""

from __future__ import annotations

import itertools
import json
import sqlite3
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Iterator

from track_tui.demo import build_demo
from track_tui.store import Store
from track_tui.store import search_docs

# What an attacker puts in a name: clipboard write + window title, clear screen, a query the
# terminal answers by typing, a device control string, a one-byte C1 CSI, bell, backspace,
# carriage return, a bidi override, and Textual markup (a closing tag with nothing to close,
# and a click action) that must be shown as text, never read as markup.
PAYLOADS: tuple[str, ...] = (
    "\x1b]52;c;SGVsbG8=\x07\x1b]0;pwned\x07Deal",
    "\x1b[2J",
    "\x1b[6n",
    "\x1bPq#0;2;0;0;0\x1b\\",
    "\x9b31m",
    "\x07",
    "\x08",
    "\r",
    "\u202e",
    "[/]",
    "[@click=app.quit]",
)
# Markdown that turns into controls only once parsed (character references), for note bodies.
MARKDOWN_PAYLOAD = " &#13;&#12; `\x1b[2J` **\x1b]0;md\x07**"

# Text columns per table (ids, enums, dates and amounts stay as they are so rows still load).
# Contact emails stay clean: the model refuses an invalid address when a record is read.
TEXT_COLUMNS: dict[str, tuple[str, ...]] = {
    "profiles": ("full_name", "email"),
    "workspaces": ("name",),
    "boards": ("name",),
    "board_stages": ("name",),
    "companies": ("name", "domain", "industry", "size"),
    "contacts": ("name", "phone", "title"),
    "deals": ("name",),
    "deal_contacts": ("role",),
    "tasks": ("title", "description"),
    "timeline_entries": ("body",),
    "automations": ("name",),
    "custom_fields": ("name",),
}
# Payload keys of timeline entries that are structure, not text.
STRUCTURAL_KEYS = frozenset({"field", "action", "direction", "due_date", "starts_at", "to_stage_type"})


def build_poisoned_workspace(path: Path, *, deals: int = 12, now: datetime | None = None) -> None:
    """Build the small demo at `path`, then poison every text field in place."""
    store = Store(path)
    try:
        build_demo(store, deals=deals, now=now)
    finally:
        store.close()
    conn = sqlite3.connect(path)
    try:
        with conn:
            poison(conn)
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


def poison(conn: sqlite3.Connection) -> None:
    """Rewrite the text of every row (one payload per value, in turn), then rebuild search."""
    conn.row_factory = sqlite3.Row
    payloads = itertools.cycle(PAYLOADS)
    mark = lambda text: next(payloads) + text  # noqa: E731
    for table, columns in TEXT_COLUMNS.items():
        for row in conn.execute(f"SELECT id, {', '.join(columns)} FROM {table}").fetchall():
            values = {column: mark(row[column]) for column in columns if row[column]}
            if table == "timeline_entries" and values.get("body"):
                values["body"] += MARKDOWN_PAYLOAD
            if values:
                assignments = ", ".join(f"{column} = :{column}" for column in values)
                conn.execute(f"UPDATE {table} SET {assignments} WHERE id = :id", {**values, "id": row["id"]})
    _poison_json(conn, "timeline_entries", "payload", lambda value: _strings(value, mark, STRUCTURAL_KEYS))
    for table in ("companies", "contacts", "deals"):
        _poison_json(conn, table, "tags", lambda tags: [mark(tag) for tag in tags])
        _poison_json(conn, table, "custom_fields", lambda values: _custom_values(conn, table, values, mark))
    _poison_json(conn, "custom_fields", "config", lambda config: _option_labels(config, mark))
    dispositions = json.dumps([mark(d) for d in ("connected", "left voicemail", "no answer")])
    conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('call_dispositions', ?)", (dispositions,))
    name = conn.execute("SELECT value FROM meta WHERE key = 'workspace_name'").fetchone()
    if name is not None:
        conn.execute("UPDATE meta SET value = ? WHERE key = 'workspace_name'", (mark(name[0]),))
    searchable: dict[str, list[str]] = {}
    for row in conn.execute("SELECT record_type, key FROM custom_fields WHERE searchable = 1 ORDER BY position"):
        searchable.setdefault(row["record_type"], []).append(row["key"])
    search_docs.rebuild(conn, searchable)


def _poison_json(conn: sqlite3.Connection, table: str, column: str, change: Callable[[Any], Any]) -> None:
    for row in conn.execute(f"SELECT id, {column} FROM {table}").fetchall():
        value = json.loads(row[column] or "null")
        if value:
            conn.execute(f"UPDATE {table} SET {column} = ? WHERE id = ?", (json.dumps(change(value)), row["id"]))


def _strings(value: Any, mark: Callable[[str], str], keep: frozenset[str]) -> Any:
    """Every string value of a JSON object poisoned, except ids and structural keys."""
    if not isinstance(value, dict):
        return value
    return {
        key: mark(item) if isinstance(item, str) and key not in keep and not key.endswith("_id") else item
        for key, item in value.items()
    }


def _text_field_types(conn: sqlite3.Connection, table: str) -> dict[str, str]:
    record_type = {"companies": "company", "contacts": "contact", "deals": "deal"}[table]
    rows = conn.execute("SELECT key, type FROM custom_fields WHERE record_type = ?", (record_type,))
    return {row["key"]: row["type"] for row in rows}


def _custom_values(conn: sqlite3.Connection, table: str, values: dict[str, Any], mark: Callable[[str], str]) -> dict:
    """Free-text and URL custom values poisoned (typed values must still parse)."""
    types = _text_field_types(conn, table)
    return {
        key: mark(value) if isinstance(value, str) and types.get(key) in ("text", "url") else value
        for key, value in values.items()
    }


def _option_labels(config: dict[str, Any], mark: Callable[[str], str]) -> dict[str, Any]:
    """Select options' labels poisoned (their stored values stay, so records still match)."""
    options = config.get("options")
    if isinstance(options, list):
        config = {**config, "options": [
            {**option, "label": mark(str(option.get("label", option.get("value"))))} if isinstance(option, dict)
            else {"value": option, "label": mark(option)} if isinstance(option, str) else option
            for option in options
        ]}
    return config


def visible_forms() -> Iterator[tuple[str, str]]:
    """(payload, what a person should see instead) for every payload."""
    from track_tui.safe_text import safe_line

    for payload in PAYLOADS:
        yield payload, safe_line(payload)


# -- what came later: failed changes, saved views, a CSV file to import -------------------------


def add_failed_changes(path: Path) -> None:
    """Outbox entries the server refused, each with a hostile reason (a server's message, or a
    proxy's, is text from outside too) and a hostile value in what was tried."""
    conn = sqlite3.connect(path)
    try:
        with conn:
            payloads = itertools.cycle(PAYLOADS)
            deals = [row[0] for row in conn.execute("SELECT id FROM deals ORDER BY name LIMIT 3")]
            tasks = [row[0] for row in conn.execute("SELECT id FROM tasks ORDER BY title LIMIT 2")]
            rows = [("deals", deal, "update", {"name": next(payloads) + "renamed"}) for deal in deals]
            rows += [("tasks", task, "update", {"title": next(payloads) + "task"}) for task in tasks]
            for table, row_id, op, patch in rows:
                reason = f"{next(payloads)}new row violates row-level security{next(payloads)} policy"
                conn.execute(
                    "INSERT INTO outbox (table_name, row_id, op, patch, attempts, last_error, state, created_at) "
                    "VALUES (?, ?, ?, ?, 3, ?, 'failed', '2026-01-01T00:00:00+00:00')",
                    (table, row_id, op, json.dumps(patch), reason),
                )
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


def write_poisoned_views(views_dir: Path, cache: Path) -> None:
    """Saved views of the workspace at `cache` whose names, board names and filters are hostile
    (the views file is the person's own, but it is edited by hand and copied between people)."""
    from track_tui import saved_views

    conn = sqlite3.connect(cache)
    try:
        workspace_id = conn.execute("SELECT id FROM workspaces LIMIT 1").fetchone()[0]
        boards = conn.execute("SELECT id, name FROM boards ORDER BY rowid").fetchall()
    finally:
        conn.close()
    path = views_dir / saved_views.views_file(workspace_id).name
    for index, payload in enumerate(PAYLOADS):
        board_id, board_name = boards[index % len(boards)]
        saved_views.save(path, saved_views.SavedView(
            name=f"{payload}view {index}", board_id=board_id, board=board_name, filter=f"{payload}x",
        ), workspace_id)


POISONED_CSV_NAME = "poisoned\x1b]0;file\x07.csv"  # a file name is someone else's text too


def write_poisoned_csv(folder: Path, name: str = "poisoned.csv") -> Path:
    """A contacts CSV whose headers and cells hold every payload: some rows good, some bad (an
    invalid email) so the report names hostile cells, one header no field matches."""
    import csv

    path = folder / name
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Name", "Email", "Title", f"{PAYLOADS[0]}Notes{PAYLOADS[1]}", f"Phone{PAYLOADS[6]}"])
        for index, payload in enumerate(PAYLOADS):
            email = f"person{index}@example.com" if index % 2 else f"{payload}not an email"
            writer.writerow([f"{payload}Person {index}", email, f"{payload}title", payload, f"{payload}555"])
    return path

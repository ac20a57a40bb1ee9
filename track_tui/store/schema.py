"""The local cache's SQLite schema and its forward-only migrations.

Tables mirror the Track database reference (same names and columns; uuid → TEXT, jsonb → JSON
text, text[] → JSON array text, timestamptz → ISO-8601 UTC text, bool → 0/1) plus the sync
columns `updated_at` and `version`, and local-only tables: `meta`, `outbox`, `sync_state` and
the search tables. Each migration is a list of steps that is safe to re-run (IF NOT EXISTS, or a
function that checks first), applied in one transaction together with the bump of
`schema_version`.
"""

from __future__ import annotations

import sqlite3
from typing import Callable, Union

SYNC_COLUMNS = "updated_at TEXT, version INTEGER NOT NULL DEFAULT 0"

_V1 = [
    """CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)""",
    f"""CREATE TABLE IF NOT EXISTS profiles (
        id TEXT PRIMARY KEY, full_name TEXT NOT NULL DEFAULT '', email TEXT, avatar_url TEXT,
        {SYNC_COLUMNS})""",
    f"""CREATE TABLE IF NOT EXISTS workspaces (
        id TEXT PRIMARY KEY, name TEXT NOT NULL, created_at TEXT NOT NULL, {SYNC_COLUMNS})""",
    f"""CREATE TABLE IF NOT EXISTS workspace_members (
        id TEXT PRIMARY KEY, workspace_id TEXT NOT NULL REFERENCES workspaces(id),
        user_id TEXT NOT NULL, role TEXT NOT NULL DEFAULT 'member', {SYNC_COLUMNS},
        UNIQUE (workspace_id, user_id))""",
    """CREATE TABLE IF NOT EXISTS audit_log (
        id TEXT PRIMARY KEY, workspace_id TEXT NOT NULL, actor_id TEXT, table_name TEXT NOT NULL,
        record_id TEXT, action TEXT NOT NULL, old_data TEXT, new_data TEXT,
        created_at TEXT NOT NULL, updated_at TEXT, version INTEGER NOT NULL DEFAULT 0)""",
    f"""CREATE TABLE IF NOT EXISTS boards (
        id TEXT PRIMARY KEY, workspace_id TEXT NOT NULL REFERENCES workspaces(id),
        name TEXT NOT NULL, record_type TEXT NOT NULL CHECK (record_type IN ('contact','company','deal')),
        is_archived INTEGER NOT NULL DEFAULT 0, created_by TEXT, created_at TEXT NOT NULL,
        {SYNC_COLUMNS})""",
    f"""CREATE TABLE IF NOT EXISTS board_stages (
        id TEXT PRIMARY KEY, board_id TEXT NOT NULL REFERENCES boards(id) ON DELETE CASCADE,
        name TEXT NOT NULL, position INTEGER NOT NULL,
        stage_type TEXT NOT NULL DEFAULT 'open' CHECK (stage_type IN ('open','won','lost')),
        probability REAL CHECK (probability BETWEEN 0 AND 100), workspace_id TEXT,
        {SYNC_COLUMNS})""",
    f"""CREATE TABLE IF NOT EXISTS companies (
        id TEXT PRIMARY KEY, workspace_id TEXT NOT NULL REFERENCES workspaces(id),
        name TEXT NOT NULL, domain TEXT, industry TEXT, size TEXT,
        parent_id TEXT REFERENCES companies(id), owner_id TEXT,
        tags TEXT NOT NULL DEFAULT '[]', custom_fields TEXT NOT NULL DEFAULT '{{}}',
        created_at TEXT NOT NULL, deleted_at TEXT, {SYNC_COLUMNS})""",
    f"""CREATE TABLE IF NOT EXISTS contacts (
        id TEXT PRIMARY KEY, workspace_id TEXT NOT NULL REFERENCES workspaces(id),
        name TEXT NOT NULL, email TEXT, phone TEXT, title TEXT,
        company_id TEXT REFERENCES companies(id), owner_id TEXT,
        tags TEXT NOT NULL DEFAULT '[]', custom_fields TEXT NOT NULL DEFAULT '{{}}',
        created_at TEXT NOT NULL, deleted_at TEXT, {SYNC_COLUMNS})""",
    f"""CREATE TABLE IF NOT EXISTS deals (
        id TEXT PRIMARY KEY, workspace_id TEXT NOT NULL REFERENCES workspaces(id),
        name TEXT NOT NULL, value_cents INTEGER NOT NULL DEFAULT 0, currency TEXT NOT NULL DEFAULT 'USD',
        stage_id TEXT REFERENCES board_stages(id), close_date TEXT, probability REAL,
        primary_contact_id TEXT REFERENCES contacts(id), company_id TEXT REFERENCES companies(id),
        owner_id TEXT, tags TEXT NOT NULL DEFAULT '[]', custom_fields TEXT NOT NULL DEFAULT '{{}}',
        created_at TEXT NOT NULL, deleted_at TEXT, {SYNC_COLUMNS})""",
    f"""CREATE TABLE IF NOT EXISTS board_cards (
        id TEXT PRIMARY KEY, board_id TEXT NOT NULL REFERENCES boards(id) ON DELETE CASCADE,
        stage_id TEXT NOT NULL REFERENCES board_stages(id), record_type TEXT NOT NULL,
        record_id TEXT NOT NULL, position INTEGER NOT NULL, workspace_id TEXT, {SYNC_COLUMNS})""",
    f"""CREATE TABLE IF NOT EXISTS deal_contacts (
        id TEXT PRIMARY KEY, deal_id TEXT NOT NULL REFERENCES deals(id) ON DELETE CASCADE,
        contact_id TEXT NOT NULL REFERENCES contacts(id) ON DELETE CASCADE, role TEXT,
        workspace_id TEXT, {SYNC_COLUMNS}, UNIQUE (deal_id, contact_id))""",
    f"""CREATE TABLE IF NOT EXISTS timeline_entries (
        id TEXT PRIMARY KEY, workspace_id TEXT NOT NULL REFERENCES workspaces(id),
        record_type TEXT NOT NULL, record_id TEXT NOT NULL, entry_type TEXT NOT NULL,
        author_id TEXT, body TEXT, payload TEXT NOT NULL DEFAULT '{{}}', created_at TEXT NOT NULL,
        {SYNC_COLUMNS})""",
    f"""CREATE TABLE IF NOT EXISTS tasks (
        id TEXT PRIMARY KEY, workspace_id TEXT NOT NULL REFERENCES workspaces(id),
        record_type TEXT, record_id TEXT, title TEXT NOT NULL, description TEXT,
        assigned_to TEXT, due_date TEXT, status TEXT NOT NULL DEFAULT 'open'
            CHECK (status IN ('open','in_progress','done')),
        source_entry_id TEXT REFERENCES timeline_entries(id) ON DELETE SET NULL,
        created_at TEXT NOT NULL, {SYNC_COLUMNS})""",
    f"""CREATE TABLE IF NOT EXISTS custom_fields (
        id TEXT PRIMARY KEY, workspace_id TEXT NOT NULL REFERENCES workspaces(id),
        record_type TEXT NOT NULL, name TEXT NOT NULL, key TEXT NOT NULL, type TEXT NOT NULL,
        config TEXT NOT NULL DEFAULT '{{}}', searchable INTEGER NOT NULL DEFAULT 0,
        position INTEGER NOT NULL DEFAULT 0, {SYNC_COLUMNS},
        UNIQUE (workspace_id, record_type, key))""",
    f"""CREATE TABLE IF NOT EXISTS automations (
        id TEXT PRIMARY KEY, workspace_id TEXT NOT NULL REFERENCES workspaces(id),
        name TEXT NOT NULL, "trigger" TEXT NOT NULL DEFAULT '{{}}', conditions TEXT NOT NULL DEFAULT '[]',
        actions TEXT NOT NULL DEFAULT '[]', is_enabled INTEGER NOT NULL DEFAULT 1,
        created_at TEXT NOT NULL, {SYNC_COLUMNS})""",
    f"""CREATE TABLE IF NOT EXISTS automation_runs (
        id TEXT PRIMARY KEY, automation_id TEXT NOT NULL REFERENCES automations(id) ON DELETE CASCADE,
        record_id TEXT, status TEXT NOT NULL CHECK (status IN ('success','failed')),
        duration_ms INTEGER, error TEXT, run_at TEXT NOT NULL, workspace_id TEXT, {SYNC_COLUMNS})""",
    # Mirrors the server's table for completeness; the server fills it by trigger and it is not
    # synced down: the cache searches through its own FTS5 tables below.
    """CREATE TABLE IF NOT EXISTS search_index (
        id TEXT PRIMARY KEY, workspace_id TEXT NOT NULL, record_type TEXT NOT NULL,
        record_id TEXT NOT NULL, tsv TEXT, trigram TEXT)""",
    """CREATE TABLE IF NOT EXISTS outbox (
        seq INTEGER PRIMARY KEY AUTOINCREMENT, table_name TEXT NOT NULL, row_id TEXT NOT NULL,
        op TEXT NOT NULL CHECK (op IN ('insert','update','delete')), patch TEXT NOT NULL DEFAULT '{}',
        base_version INTEGER, attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT,
        state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending','failed')),
        created_at TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS sync_state (table_name TEXT PRIMARY KEY, cursor TEXT)""",
    # Indexes for every query the screens make.
    "CREATE INDEX IF NOT EXISTS board_cards_stage_position ON board_cards (stage_id, position)",
    "CREATE INDEX IF NOT EXISTS board_cards_record ON board_cards (record_id)",
    "CREATE INDEX IF NOT EXISTS board_stages_board ON board_stages (board_id, position)",
    "CREATE INDEX IF NOT EXISTS contacts_company ON contacts (company_id)",
    "CREATE INDEX IF NOT EXISTS companies_parent ON companies (parent_id)",
    "CREATE INDEX IF NOT EXISTS deals_company ON deals (company_id)",
    "CREATE INDEX IF NOT EXISTS deals_primary_contact ON deals (primary_contact_id)",
    "CREATE INDEX IF NOT EXISTS deals_stage ON deals (stage_id)",
    "CREATE INDEX IF NOT EXISTS deal_contacts_contact ON deal_contacts (contact_id)",
    "CREATE INDEX IF NOT EXISTS timeline_record ON timeline_entries (record_id, created_at)",
    "CREATE INDEX IF NOT EXISTS timeline_stage_changes ON timeline_entries (record_id, entry_type, created_at)",
    "CREATE INDEX IF NOT EXISTS tasks_record ON tasks (record_id, status, due_date)",
    "CREATE INDEX IF NOT EXISTS tasks_assignee ON tasks (assigned_to, status, due_date)",
    "CREATE INDEX IF NOT EXISTS outbox_row ON outbox (table_name, row_id)",
    "CREATE INDEX IF NOT EXISTS automation_runs_automation ON automation_runs (automation_id, run_at)",
    # Search: one document per record (its fields) and one per note (its body). FTS5 tables use
    # the documents table as external content and are kept current by these triggers, so every
    # write to search_docs (made by the write path, in its transaction) updates both indexes.
    """CREATE TABLE IF NOT EXISTS search_docs (
        rowid INTEGER PRIMARY KEY, record_type TEXT NOT NULL, record_id TEXT NOT NULL,
        entry_id TEXT, name TEXT, email TEXT, domain TEXT, title TEXT, tags TEXT,
        industry TEXT, custom TEXT, body TEXT, updated_at TEXT,
        UNIQUE (record_id, entry_id))""",
    "CREATE INDEX IF NOT EXISTS search_docs_entry ON search_docs (entry_id)",
    """CREATE VIRTUAL TABLE IF NOT EXISTS search_fts USING fts5(
        name, email, domain, title, tags, industry, custom, body,
        content='search_docs', content_rowid='rowid',
        tokenize='unicode61 remove_diacritics 2', prefix='1 2 3')""",
    """CREATE VIRTUAL TABLE IF NOT EXISTS search_trigram USING fts5(
        name, email, domain, title, tags, industry, custom, body,
        content='search_docs', content_rowid='rowid', tokenize='trigram')""",
    """CREATE TRIGGER IF NOT EXISTS search_docs_ai AFTER INSERT ON search_docs BEGIN
        INSERT INTO search_fts(rowid, name, email, domain, title, tags, industry, custom, body)
        VALUES (new.rowid, new.name, new.email, new.domain, new.title, new.tags, new.industry, new.custom, new.body);
        INSERT INTO search_trigram(rowid, name, email, domain, title, tags, industry, custom, body)
        VALUES (new.rowid, new.name, new.email, new.domain, new.title, new.tags, new.industry, new.custom, new.body);
    END""",
    """CREATE TRIGGER IF NOT EXISTS search_docs_ad AFTER DELETE ON search_docs BEGIN
        INSERT INTO search_fts(search_fts, rowid, name, email, domain, title, tags, industry, custom, body)
        VALUES ('delete', old.rowid, old.name, old.email, old.domain, old.title, old.tags, old.industry, old.custom, old.body);
        INSERT INTO search_trigram(search_trigram, rowid, name, email, domain, title, tags, industry, custom, body)
        VALUES ('delete', old.rowid, old.name, old.email, old.domain, old.title, old.tags, old.industry, old.custom, old.body);
    END""",
    """CREATE TRIGGER IF NOT EXISTS search_docs_au AFTER UPDATE ON search_docs BEGIN
        INSERT INTO search_fts(search_fts, rowid, name, email, domain, title, tags, industry, custom, body)
        VALUES ('delete', old.rowid, old.name, old.email, old.domain, old.title, old.tags, old.industry, old.custom, old.body);
        INSERT INTO search_trigram(search_trigram, rowid, name, email, domain, title, tags, industry, custom, body)
        VALUES ('delete', old.rowid, old.name, old.email, old.domain, old.title, old.tags, old.industry, old.custom, old.body);
        INSERT INTO search_fts(rowid, name, email, domain, title, tags, industry, custom, body)
        VALUES (new.rowid, new.name, new.email, new.domain, new.title, new.tags, new.industry, new.custom, new.body);
        INSERT INTO search_trigram(rowid, name, email, domain, title, tags, industry, custom, body)
        VALUES (new.rowid, new.name, new.email, new.domain, new.title, new.tags, new.industry, new.custom, new.body);
    END""",
]

# Search and inbox (version 2): a name index for exact and leading name matches (case-insensitive
# for ASCII; the word index covers the rest), an index that lists documents newest first for
# filter-only searches, and one for the team-wide task inbox.
_V2 = [
    "CREATE INDEX IF NOT EXISTS search_docs_name ON search_docs (name COLLATE NOCASE)",
    "CREATE INDEX IF NOT EXISTS search_docs_recent ON search_docs (entry_id, updated_at)",
    "CREATE INDEX IF NOT EXISTS tasks_status_due ON tasks (status, due_date)",
]

# Search (version 3): filter-only searches of one record type, newest first.
_V3 = [
    "CREATE INDEX IF NOT EXISTS search_docs_type_recent ON search_docs (record_type, entry_id, updated_at)",
]

# Index i holds the statements that bring the schema from version i to i + 1.
# Covering indexes for the board: a column's ordered card ids and the column figures are read
# from indexes alone (at 100,000 deals: figures 0.5 s → 0.08 s, card ids 0.5 s → 0.2 s).
_V4 = [
    "CREATE INDEX IF NOT EXISTS board_cards_stage_cover ON board_cards (stage_id, position, id, record_id)",
    "DROP INDEX IF EXISTS board_cards_stage_position",
    "CREATE INDEX IF NOT EXISTS board_cards_board_cover ON board_cards (board_id, stage_id, record_id)",
    # "Is this record's card in one of these stages?" (search's stage: filter) from one probe;
    # without it the planner walks the whole stage through the index above.
    "CREATE INDEX IF NOT EXISTS board_cards_record_stage ON board_cards (record_id, stage_id)",
    "DROP INDEX IF EXISTS board_cards_record",
    "CREATE INDEX IF NOT EXISTS deals_board_cover ON deals (id, deleted_at, currency, value_cents)",
    "CREATE INDEX IF NOT EXISTS contacts_board_cover ON contacts (id, deleted_at)",
    "CREATE INDEX IF NOT EXISTS companies_board_cover ON companies (id, deleted_at)",
]

# Deals' value (version 5): "no value" is NULL, as on the server, whose `value_cents` is a
# nullable bigint (sync brings NULLs from the web app); version 1 made it NOT NULL DEFAULT 0.
# SQLite cannot drop a NOT NULL in place, so the table is rebuilt the way SQLite documents
# (lang_altertable.html, "other kinds of table schema changes"): the migration runner switches
# foreign keys off around the transaction — with them on, DROP TABLE deals would delete every
# deal_contacts row through ON DELETE CASCADE — and runs foreign_key_check before committing.
# The rows wait in a copy and come back into a table of the same name, so no reference to
# "deals" is ever renamed. The copy is a main-database table: after ALTER TABLE … RENAME or a
# TEMP table, SQLite 3.40 refuses `PRAGMA wal_checkpoint` on that connection ("database table
# is locked") once the journal mode has been switched, as the demo build does.
# Values (zeros included) and rowids are kept as they were. Safe to re-run. A migration placed
# before this one that adds a column or an index to deals must be added to the lists below.
_DEAL_COLUMNS = (
    "id, workspace_id, name, value_cents, currency, stage_id, close_date, probability, "
    "primary_contact_id, company_id, owner_id, tags, custom_fields, created_at, deleted_at, "
    "updated_at, version"
)
_V5 = [
    "DROP TABLE IF EXISTS main.deals_before_v5",
    "CREATE TABLE main.deals_before_v5 AS SELECT rowid AS old_rowid, * FROM main.deals",
    "DROP TABLE main.deals",
    f"""CREATE TABLE IF NOT EXISTS main.deals (
        id TEXT PRIMARY KEY, workspace_id TEXT NOT NULL REFERENCES workspaces(id),
        name TEXT NOT NULL, value_cents INTEGER, currency TEXT NOT NULL DEFAULT 'USD',
        stage_id TEXT REFERENCES board_stages(id), close_date TEXT, probability REAL,
        primary_contact_id TEXT REFERENCES contacts(id), company_id TEXT REFERENCES companies(id),
        owner_id TEXT, tags TEXT NOT NULL DEFAULT '[]', custom_fields TEXT NOT NULL DEFAULT '{{}}',
        created_at TEXT NOT NULL, deleted_at TEXT, {SYNC_COLUMNS})""",
    f"INSERT INTO main.deals (rowid, {_DEAL_COLUMNS}) SELECT old_rowid, {_DEAL_COLUMNS} FROM main.deals_before_v5",
    "DROP TABLE main.deals_before_v5",
    "CREATE INDEX IF NOT EXISTS deals_company ON deals (company_id)",
    "CREATE INDEX IF NOT EXISTS deals_primary_contact ON deals (primary_contact_id)",
    "CREATE INDEX IF NOT EXISTS deals_stage ON deals (stage_id)",
    "CREATE INDEX IF NOT EXISTS deals_board_cover ON deals (id, deleted_at, currency, value_cents)",
]

# Several processes on one cache (version 6): every write transaction logs what it changed, so
# other processes can refresh exactly that (see change_log.py).
_V6_CHANGE_LOG = [
    """CREATE TABLE IF NOT EXISTS change_log (
        seq INTEGER PRIMARY KEY AUTOINCREMENT, writer TEXT NOT NULL,
        origin TEXT NOT NULL CHECK (origin IN ('local','server','ack')), changes TEXT NOT NULL)""",
]



def _rebuild(table: str, create: str) -> Callable[[sqlite3.Connection], None]:
    """A migration step that rebuilds `table` with the definition `create` (SQLite cannot drop a
    NOT NULL or a CHECK in place): the procedure of version 5 — rows (and rowids) wait in a
    main-database copy and come back into a table of the same name, columns both definitions
    share are copied, and the table's indexes and triggers are re-created from sqlite_master as
    they were — so nothing that names the table is ever renamed. Safe to re-run."""

    def rebuild(conn: sqlite3.Connection) -> None:
        old_columns = [row[1] for row in conn.execute(f'PRAGMA main.table_info("{table}")')]
        keep = [
            row[0] for row in conn.execute(
                "SELECT sql FROM main.sqlite_master WHERE type IN ('index', 'trigger') AND tbl_name = ? "
                "AND sql IS NOT NULL ORDER BY type, name", (table,),
            )
        ]
        copy = f"{table}_before_rebuild"
        conn.execute(f"DROP TABLE IF EXISTS main.{copy}")
        conn.execute(f"CREATE TABLE main.{copy} AS SELECT rowid AS old_rowid, * FROM main.{table}")
        conn.execute(f"DROP TABLE main.{table}")
        conn.execute(create)
        new_columns = {row[1] for row in conn.execute(f'PRAGMA main.table_info("{table}")')}
        shared = ", ".join(f'"{c}"' for c in old_columns if c in new_columns)
        conn.execute(f"INSERT INTO main.{table} (rowid, {shared}) SELECT old_rowid, {shared} FROM main.{copy}")
        conn.execute(f"DROP TABLE main.{copy}")
        for statement in keep:
            conn.execute(statement)

    rebuild.__doc__ = f"Rebuild {table} (see _rebuild)."
    return rebuild


def _add_column(table: str, column: str, declaration: str) -> Callable[[sqlite3.Connection], None]:
    """A migration step adding a column unless it is there (ALTER TABLE has no IF NOT EXISTS)."""

    def add(conn: sqlite3.Connection) -> None:
        if column not in {row[1] for row in conn.execute(f'PRAGMA main.table_info("{table}")')}:
            conn.execute(f'ALTER TABLE main.{table} ADD COLUMN "{column}" {declaration}')

    add.__doc__ = f"Add {table}.{column} when missing."
    return add


# Every value the server can hold (version 7). The cache's columns may be no stricter than the
# server's, or a server row would fail to apply and stop sync:
# - on a project our migrations created, `deals.currency` and `profiles.full_name` are nullable
#   (the cache had NOT NULL DEFAULT 'USD' / ''): now nullable here too, so a deal without a
#   currency is not shown as dollars;
# - on a project whose tables the web app created before our migrations (which only add, never
#   tighten, see supabase/README.md), no column has a CHECK: a stage's probability may be 150,
#   a task's status 'blocked'. So the cache checks no enumerated or ranged value of a synced
#   table either (the models still refuse such values when a person types them). NULLs such a
#   project holds where our migrations say NOT NULL are filled on apply (server_apply.py).
# - `sync_deleted` remembers the rows the server deleted (their tombstones' time), so a copy of
#   such a row fetched before the delete and applied after it does not bring it back.
_V7_SERVER_VALUES = [
    _rebuild("profiles", f"""CREATE TABLE IF NOT EXISTS main.profiles (
        id TEXT PRIMARY KEY, full_name TEXT, email TEXT, avatar_url TEXT, {SYNC_COLUMNS})"""),
    _rebuild("boards", f"""CREATE TABLE IF NOT EXISTS main.boards (
        id TEXT PRIMARY KEY, workspace_id TEXT NOT NULL REFERENCES workspaces(id),
        name TEXT NOT NULL, record_type TEXT NOT NULL, is_archived INTEGER NOT NULL DEFAULT 0,
        created_by TEXT, created_at TEXT NOT NULL, {SYNC_COLUMNS})"""),
    _rebuild("board_stages", f"""CREATE TABLE IF NOT EXISTS main.board_stages (
        id TEXT PRIMARY KEY, board_id TEXT NOT NULL REFERENCES boards(id) ON DELETE CASCADE,
        name TEXT NOT NULL, position INTEGER NOT NULL, stage_type TEXT NOT NULL DEFAULT 'open',
        probability REAL, workspace_id TEXT, {SYNC_COLUMNS})"""),
    _rebuild("deals", f"""CREATE TABLE IF NOT EXISTS main.deals (
        id TEXT PRIMARY KEY, workspace_id TEXT NOT NULL REFERENCES workspaces(id),
        name TEXT NOT NULL, value_cents INTEGER, currency TEXT,
        stage_id TEXT REFERENCES board_stages(id), close_date TEXT, probability REAL,
        primary_contact_id TEXT REFERENCES contacts(id), company_id TEXT REFERENCES companies(id),
        owner_id TEXT, tags TEXT NOT NULL DEFAULT '[]', custom_fields TEXT NOT NULL DEFAULT '{{}}',
        created_at TEXT NOT NULL, deleted_at TEXT, {SYNC_COLUMNS})"""),
    _rebuild("tasks", f"""CREATE TABLE IF NOT EXISTS main.tasks (
        id TEXT PRIMARY KEY, workspace_id TEXT NOT NULL REFERENCES workspaces(id),
        record_type TEXT, record_id TEXT, title TEXT NOT NULL, description TEXT,
        assigned_to TEXT, due_date TEXT, status TEXT NOT NULL DEFAULT 'open',
        source_entry_id TEXT REFERENCES timeline_entries(id) ON DELETE SET NULL,
        created_at TEXT NOT NULL, {SYNC_COLUMNS})"""),
    _rebuild("automation_runs", f"""CREATE TABLE IF NOT EXISTS main.automation_runs (
        id TEXT PRIMARY KEY, automation_id TEXT NOT NULL REFERENCES automations(id) ON DELETE CASCADE,
        record_id TEXT, status TEXT NOT NULL, duration_ms INTEGER, error TEXT, run_at TEXT NOT NULL,
        workspace_id TEXT, {SYNC_COLUMNS})"""),
    """CREATE TABLE IF NOT EXISTS sync_deleted (
        table_name TEXT NOT NULL, row_id TEXT NOT NULL, deleted_at TEXT NOT NULL,
        PRIMARY KEY (table_name, row_id))""",
]

# Tables the sync engine pulls and pushes, in an order that satisfies foreign keys on insert.
SYNCED_TABLES: tuple[str, ...] = (
    "profiles", "workspaces", "workspace_members", "boards", "board_stages", "companies",
    "contacts", "deals", "board_cards", "deal_contacts", "timeline_entries", "tasks",
    "custom_fields", "automations", "automation_runs",
)

# Who changed a row (version 8): the server's sync trigger stamps `updated_by = auth.uid()` on
# every synced table (supabase/migrations/…_track_updated_by.sql; NULL for the service role, an
# automation or direct SQL), and the cache mirrors it, so a notification can say "Bob Ito changed
# the close date" — or "someone (the web app or an automation)" when it is NULL. Local writes
# leave it as it was: the server stamps it when the write arrives.
_V8_UPDATED_BY = [_add_column(table, "updated_by", "TEXT") for table in SYNCED_TABLES]

# The audit log and automation runs on screen (version 9): the workspace's audit screen lists
# entries newest first, by person, by table and by record (a record page's history), and a
# record's automation runs are read by record. The log grows without bound: every list is read
# a page at a time through one of these.
_V9_AUDIT = [
    # (created_at) alone: an index ends with the rowid, so this one is in exactly the list's
    # order (created_at, rowid) and a page deep in the log is read as cheaply as the first.
    "CREATE INDEX IF NOT EXISTS audit_log_recent ON audit_log (created_at)",
    "CREATE INDEX IF NOT EXISTS audit_log_record ON audit_log (record_id, created_at)",
    "CREATE INDEX IF NOT EXISTS audit_log_table ON audit_log (table_name, created_at)",
    "CREATE INDEX IF NOT EXISTS audit_log_actor ON audit_log (actor_id, created_at)",
    "CREATE INDEX IF NOT EXISTS automation_runs_record ON automation_runs (record_id, run_at)",
]

# Search with a type filter (version 10). These answer "…of this record type" without walking
# the other types' documents, which at 100,000 deals cost a `type:company t` keystroke 12 ms
# (companies are the oldest documents, so the newest name matches are nearly all deals):
# - (record_type, entry_id) ends with the rowid, so one probe gives a type's newest record
#   document (rowids follow recency, search_docs.rebuild): search asks the word index for name
#   (or tag) matches from there down only;
# - (record_type, entry_id, name) is the name index of one type's record documents, for the
#   leading name matches (`name >= 't' AND name < 't\U0010ffff'`) of a filtered search;
# - board_cards (stage_id, record_type) tells in one probe whether a stage holds cards of a type,
#   so a `stage:` filter whose cards are all deals searches as `type:deal` too.
_V10_SEARCH_BY_TYPE = [
    "CREATE INDEX IF NOT EXISTS search_docs_type_newest ON search_docs (record_type, entry_id)",
    "CREATE INDEX IF NOT EXISTS search_docs_type_name ON search_docs (record_type, entry_id, name COLLATE NOCASE)",
    "CREATE INDEX IF NOT EXISTS board_cards_stage_type ON board_cards (stage_id, record_type)",
]

# The record type in a word index (version 11): `search_types`, a second FTS5 index over
# search_docs holding only what a type-filtered walk reads — the name, the tags and the record
# type — so a type filter is a term of the full-text query (`{record_type} : contact AND
# ({name} : "a"*)`) and the index itself skips the other types' documents, instead of a lookup of
# each newer match in search_docs. Contacts are interleaved with deals, so `type:contact a` looked
# up thousands of newer deals (8 ms at 100,000 deals). A separate index, not a column of
# search_fts: there a record_type column would count in every document's length and move every
# bm25 score, and typing "deal" would match every deal. The triggers are re-created to keep it
# current with the other two; it is filled in one pass ('rebuild') inside the migration's one
# transaction, so an interrupted upgrade leaves version 10 as it was. Safe to re-run.
_TEXT_COLUMNS = "name, email, domain, title, tags, industry, custom, body"
_TYPE_COLUMNS = "name, tags, record_type"
_INDEXED = (("search_fts", _TEXT_COLUMNS), ("search_trigram", _TEXT_COLUMNS), ("search_types", _TYPE_COLUMNS))


def _rows(prefix: str, columns: str) -> str:
    return ", ".join(f"{prefix}.{c.strip()}" for c in columns.split(","))


def _copy(row: str) -> str:
    """The statements of a trigger that add (`new`) or remove (`old`) a document in each index."""
    if row == "new":
        return "".join(f"INSERT INTO {t}(rowid, {c}) VALUES (new.rowid, {_rows('new', c)});\n" for t, c in _INDEXED)
    return "".join(f"INSERT INTO {t}({t}, rowid, {c}) VALUES ('delete', old.rowid, {_rows('old', c)});\n"
                   for t, c in _INDEXED)


_V11_TRIGGERS = [
    f"CREATE TRIGGER search_docs_ai AFTER INSERT ON search_docs BEGIN\n{_copy('new')}END",
    f"CREATE TRIGGER search_docs_ad AFTER DELETE ON search_docs BEGIN\n{_copy('old')}END",
    f"CREATE TRIGGER search_docs_au AFTER UPDATE ON search_docs BEGIN\n{_copy('old')}{_copy('new')}END",
]


def _index_of_types(conn: sqlite3.Connection) -> None:
    """Create and fill search_types and make the triggers keep it current (see version 11)."""
    if conn.execute("SELECT 1 FROM main.sqlite_master WHERE name = 'search_types'").fetchone():
        return
    conn.execute(f"""CREATE VIRTUAL TABLE main.search_types USING fts5(
        {_TYPE_COLUMNS}, content='search_docs', content_rowid='rowid',
        tokenize='unicode61 remove_diacritics 2', prefix='1 2 3')""")
    conn.execute("INSERT INTO main.search_types(search_types) VALUES ('rebuild')")
    for statement in _V11_TRIGGERS:
        name = statement.split()[2]
        conn.execute(f"DROP TRIGGER IF EXISTS main.{name}")
        conn.execute(statement)


_V11_TYPE_INDEX: list[Union[str, Callable[[sqlite3.Connection], None]]] = [
    _index_of_types,
    # Version 10's probe for a type's newest record document, which search_types replaces:
    # one index fewer to keep current on every write.
    "DROP INDEX IF EXISTS search_docs_type_newest",
]

# A step is an SQL statement, or a function of the connection for what SQL cannot say safely
# (a rebuild, a column added only when missing); database._migrate runs both.
MigrationStep = Union[str, Callable[[sqlite3.Connection], None]]

MIGRATIONS: list[list[MigrationStep]] = [
    _V1, _V2, _V3, _V4, _V5, _V6_CHANGE_LOG, _V7_SERVER_VALUES, _V8_UPDATED_BY, _V9_AUDIT,
    _V10_SEARCH_BY_TYPE, _V11_TYPE_INDEX,
]
SCHEMA_VERSION = len(MIGRATIONS)

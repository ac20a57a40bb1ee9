"""Fixtures for the database tests: migrated databases and a seeded two-workspace world.

Every test module gets its own database (``migrated_db``, module scope) for tests that only
read or that roll their writes back; tests that change the schema use ``platform_db``
(function scope: a new database with only Supabase's platform pieces installed).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Iterator

import psycopg
import pytest

from tests.support.postgres import fresh_database
from tests.support.supabase_platform import apply_migrations, create_user, prepare_supabase_database


@pytest.fixture
def platform_db() -> Iterator[str]:
    """A new database with Supabase's platform pieces and no migrations."""
    with fresh_database("track_db") as dsn:
        prepare_supabase_database(dsn)
        yield dsn


@pytest.fixture(scope="module")
def migrated_db() -> Iterator[str]:
    """One database per test module, platform pieces installed and migrations applied."""
    with fresh_database("track_db") as dsn:
        prepare_supabase_database(dsn)
        apply_migrations(dsn)
        yield dsn


@dataclass
class World:
    """Ids of the seeded data. ``rows[ws][table]`` is the id of that table's row in ``ws``."""

    dsn: str
    users: dict[str, uuid.UUID] = field(default_factory=dict)
    ws: dict[str, uuid.UUID] = field(default_factory=dict)
    rows: dict[str, dict[str, object]] = field(default_factory=dict)

    def workspace_of_user(self, name: str) -> set[uuid.UUID]:
        return {self.ws[w] for w, members in MEMBERSHIPS.items() if name in members}


# workspace -> {user: role}
MEMBERSHIPS: dict[str, dict[str, str]] = {
    "A": {"owner_a": "owner", "admin_a": "admin", "member_a": "member", "viewer_a": "viewer",
          "ghost_a": "member", "dual": "member"},
    "B": {"owner_b": "owner", "member_b": "member", "dual": "member"},
}
USERS = ["owner_a", "admin_a", "member_a", "viewer_a", "ghost_a", "owner_b", "member_b", "outsider", "dual"]
WORDS = {"A": ("Lovelace", "Analytics"), "B": ("Bobbins", "Brokers")}


def seed_workspace(conn: psycopg.Connection, world: World, w: str) -> None:
    """Create one workspace's worth of rows in every table (as the superuser, like a seed)."""
    u = world.users
    person, firm = WORDS[w]
    owner, member = (u["owner_a"], u["member_a"]) if w == "A" else (u["owner_b"], u["member_b"])
    ids = {name: uuid.uuid4() for name in (
        "workspaces", "boards", "board_stages", "stage2", "board_cards", "companies", "parent_company",
        "contacts", "deals", "deal_contacts", "timeline_entries", "tasks", "custom_fields",
        "automations", "automation_runs", "deleted_task", "spare_contact")}
    ws = ids["workspaces"]
    world.ws[w] = ws
    x = conn.execute
    x("insert into workspaces (id, name, created_by) values (%s, %s, %s)", (ws, f"Workspace {w}", owner))
    for user, role in MEMBERSHIPS[w].items():
        x("insert into workspace_members (workspace_id, user_id, role) values (%s, %s, %s)", (ws, u[user], role))
    x("insert into boards (id, workspace_id, name, record_type, created_by) values (%s, %s, 'Pipeline', 'deal', %s)",
      (ids["boards"], ws, owner))
    x("insert into board_stages (id, board_id, name, position, stage_type, probability) values "
      "(%s, %s, 'Lead', 0, 'open', 10), (%s, %s, 'Won', 1, 'won', 100)",
      (ids["board_stages"], ids["boards"], ids["stage2"], ids["boards"]))
    x("insert into custom_fields (id, workspace_id, record_type, name, key, type, searchable) "
      "values (%s, %s, 'contact', 'Nickname', 'nickname', 'text', true)", (ids["custom_fields"], ws))
    x("insert into companies (id, workspace_id, name, domain, owner_id) values (%s, %s, %s, %s, %s)",
      (ids["parent_company"], ws, f"{firm} Holdings", f"{firm.lower()}-holdings.example", owner))
    x("insert into companies (id, workspace_id, name, domain, industry, parent_id, owner_id) "
      "values (%s, %s, %s, %s, 'Software', %s, %s)",
      (ids["companies"], ws, f"Acme {firm}", f"acme-{firm.lower()}.example", ids["parent_company"], owner))
    x("insert into contacts (id, workspace_id, name, email, title, company_id, owner_id, tags, custom_fields) "
      "values (%s, %s, %s, %s, 'CTO', %s, %s, %s, %s)",
      (ids["contacts"], ws, f"Ada {person}", f"ada@{firm.lower()}.example", ids["companies"], owner,
       ["vip"], psycopg.types.json.Jsonb({"nickname": f"nick{w.lower()}"})))
    x("insert into contacts (id, workspace_id, name) values (%s, %s, 'Spare Contact')", (ids["spare_contact"], ws))
    x("insert into deals (id, workspace_id, name, value_cents, currency, stage_id, primary_contact_id, "
      "company_id, owner_id) values (%s, %s, %s, 125000, 'EUR', %s, %s, %s, %s)",
      (ids["deals"], ws, f"Acme renewal {w}", ids["board_stages"], ids["contacts"], ids["companies"], owner))
    x("insert into deal_contacts (id, deal_id, contact_id, role) values (%s, %s, %s, 'champion')",
      (ids["deal_contacts"], ids["deals"], ids["contacts"]))
    x("insert into board_cards (id, board_id, stage_id, record_type, record_id, position) "
      "values (%s, %s, %s, 'deal', %s, 0)", (ids["board_cards"], ids["boards"], ids["board_stages"], ids["deals"]))
    x("insert into timeline_entries (id, workspace_id, record_type, record_id, entry_type, author_id, body) "
      "values (%s, %s, 'deal', %s, 'note', %s, 'Kick-off call went well')",
      (ids["timeline_entries"], ws, ids["deals"], member))
    x("insert into tasks (id, workspace_id, record_type, record_id, title, assigned_to, due_date, source_entry_id) "
      "values (%s, %s, 'deal', %s, 'Send proposal', %s, current_date + 3, %s)",
      (ids["tasks"], ws, ids["deals"], member, ids["timeline_entries"]))
    x("insert into tasks (id, workspace_id, title) values (%s, %s, 'Obsolete')", (ids["deleted_task"], ws))
    x("delete from tasks where id = %s", (ids["deleted_task"],))
    x("insert into automations (id, workspace_id, name, trigger, actions) values "
      "(%s, %s, 'Assign new deals', '{\"type\": \"record_created\"}', '[]')", (ids["automations"], ws))
    x("insert into automation_runs (id, automation_id, record_id, status, duration_ms) "
      "values (%s, %s, %s, 'success', 12)", (ids["automation_runs"], ids["automations"], ids["deals"]))
    ids["search_index"] = x("select id from search_index where record_type = 'contact' and record_id = %s",
                            (ids["contacts"],)).fetchone()[0]
    ids["sync_tombstones"] = x("select id from sync_tombstones where row_id = %s", (ids["deleted_task"],)).fetchone()[0]
    ids["audit_log"] = x("select id from audit_log where workspace_id = %s order by id limit 1", (ws,)).fetchone()[0]
    ids["workspace_members"] = x("select id from workspace_members where workspace_id = %s and user_id = %s",
                                 (ws, u["viewer_a" if w == "A" else "member_b"])).fetchone()[0]
    ids["profiles"] = member
    world.rows[w] = ids


def seed_world(dsn: str) -> World:
    world = World(dsn)
    with psycopg.connect(dsn) as conn:
        for name in USERS:
            world.users[name] = create_user(conn, f"{name}@example.test")
        for name in USERS:
            if name != "ghost_a":
                conn.execute("insert into profiles (id, full_name) values (%s, %s)",
                             (world.users[name], name.replace("_", " ").title()))
        seed_workspace(conn, world, "A")
        seed_workspace(conn, world, "B")
    return world


@pytest.fixture(scope="module")
def world(migrated_db: str) -> World:
    """Two seeded workspaces (A and B) with users of every role; see MEMBERSHIPS."""
    return seed_world(migrated_db)

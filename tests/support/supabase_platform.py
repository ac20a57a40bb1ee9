"""Supabase's platform pieces, recreated in a plain PostgreSQL database for the tests.

A hosted Supabase project is PostgreSQL plus a few things Supabase installs before any user
migration runs. Our migrations (``supabase/migrations``) rely on them, so the database tests and
the local Supabase-compatible test server (``tests/fake_supabase``) recreate them here, exactly
as Supabase defines them, and nothing more:

* the API roles ``anon``, ``authenticated`` (both ``nologin noinherit``) and ``service_role``
  (``nologin noinherit bypassrls``), plus the ``authenticator`` login role PostgREST connects
  as (member of the three) -- from supabase/postgres
  ``migrations/db/init-scripts/00000000000000-initial-schema.sql``;
* ``usage`` on schema ``public`` and ``extensions`` for those roles and the default privileges
  that give them ``all`` on every table, function and sequence created in ``public`` (same
  file; Row-Level Security, not grants, is what protects rows in Supabase);
* schema ``auth`` with ``auth.users`` (columns from supabase/postgres
  ``00000000000001-auth-schema.sql`` plus the later columns GoTrue's migrations add that the
  tests use) and the functions ``auth.uid()``, ``auth.role()``, ``auth.email()``, ``auth.jwt()``
  as currently defined by supabase/auth ``migrations/20240624145325_recreate_auth_functions``
  (they read the ``request.jwt.claim.*`` / ``request.jwt.claims`` settings PostgREST sets).

The ``supabase_realtime`` publication is *not* created here: a real project has it, and our
migrations create it when absent, which the tests exercise.

Requests are simulated the way PostgREST performs them (see PostgREST's "Transaction-scoped
settings" docs): one transaction that runs ``set local role <role>`` and
``select set_config('request.jwt.claims', '<claims json>', true)`` before the statement.

Public API (stable; ``tests/fake_supabase`` imports it):

* :func:`prepare_supabase_database` -- install the platform pieces into a database (idempotent).
* :func:`apply_migrations` / :func:`migration_files` -- run ``supabase/migrations/*.sql`` in
  file-name order.
* :func:`create_user` -- insert a user into ``auth.users`` and return its id.
* :func:`claims_for` -- the JWT claims dict Supabase Auth issues for a user (or for ``anon``).
* :func:`as_role` -- context manager: a psycopg connection inside a PostgREST-style transaction
  (role + claims set locally); :func:`as_user` / :func:`as_anon` are the common shorthands.
* :func:`set_request_context` -- the same two statements on a connection you manage yourself.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Mapping

import psycopg
from psycopg import sql

REPO_ROOT = Path(__file__).resolve().parents[2]
MIGRATIONS_DIR = REPO_ROOT / "supabase" / "migrations"

API_ROLES = ("anon", "authenticated", "service_role")

# Cluster-wide objects (roles) are shared by every test database on the server, and tests run in
# parallel processes. Creation is serialised with an advisory lock taken in the `postgres`
# database (advisory locks are scoped per database, so every process must lock in the same one)
# and each statement also tolerates losing a race to a process that does not take the lock.
_ROLES_LOCK_KEY = 0x7472_6163_6B00  # "track\0"
_roles_done: set[str] = set()
_roles_lock = threading.Lock()

_ROLES_SQL = """
do $$
begin
  -- supabase/postgres migrations/db/init-scripts/00000000000000-initial-schema.sql
  begin create role anon nologin noinherit;
  exception when duplicate_object or unique_violation then null; end;
  begin create role authenticated nologin noinherit;
  exception when duplicate_object or unique_violation then null; end;
  begin create role service_role nologin noinherit bypassrls;
  exception when duplicate_object or unique_violation then null; end;
  begin create role authenticator login noinherit;
  exception when duplicate_object or unique_violation then null; end;
end
$$;
"""

_GRANT_MEMBERSHIP_SQL = """
do $$
begin
  if not pg_has_role('authenticator', 'anon', 'member') then
    begin grant anon to authenticator;
    exception when duplicate_object or unique_violation then null; end;
  end if;
  if not pg_has_role('authenticator', 'authenticated', 'member') then
    begin grant authenticated to authenticator;
    exception when duplicate_object or unique_violation then null; end;
  end if;
  if not pg_has_role('authenticator', 'service_role', 'member') then
    begin grant service_role to authenticator;
    exception when duplicate_object or unique_violation then null; end;
  end if;
end
$$;
"""

# Per-database pieces. Sources are named next to each block.
_DATABASE_SQL = """
-- supabase/postgres 00000000000000-initial-schema.sql: extension namespace and API grants.
create schema if not exists extensions;
create extension if not exists pgcrypto with schema extensions;
create extension if not exists "uuid-ossp" with schema extensions;

grant usage on schema public to postgres, anon, authenticated, service_role;
alter default privileges in schema public grant all on tables to postgres, anon, authenticated, service_role;
alter default privileges in schema public grant all on functions to postgres, anon, authenticated, service_role;
alter default privileges in schema public grant all on sequences to postgres, anon, authenticated, service_role;
grant usage on schema extensions to postgres, anon, authenticated, service_role;

-- supabase/postgres 00000000000001-auth-schema.sql: the auth schema and auth.users
-- (original columns) plus columns GoTrue's later migrations add (phone, *_confirmed_at,
-- banned_until, deleted_at, is_anonymous, is_sso_user).
create schema if not exists auth;
create table if not exists auth.users (
    instance_id uuid null,
    id uuid not null unique,
    aud varchar(255) null,
    "role" varchar(255) null,
    email varchar(255) null unique,
    encrypted_password varchar(255) null,
    email_confirmed_at timestamptz null,
    invited_at timestamptz null,
    confirmation_token varchar(255) null,
    confirmation_sent_at timestamptz null,
    recovery_token varchar(255) null,
    recovery_sent_at timestamptz null,
    email_change_token_new varchar(255) null,
    email_change varchar(255) null,
    email_change_sent_at timestamptz null,
    last_sign_in_at timestamptz null,
    raw_app_meta_data jsonb null,
    raw_user_meta_data jsonb null,
    is_super_admin bool null,
    created_at timestamptz null,
    updated_at timestamptz null,
    phone text null unique default null,
    phone_confirmed_at timestamptz null,
    confirmed_at timestamptz generated always as (least(email_confirmed_at, phone_confirmed_at)) stored,
    banned_until timestamptz null,
    is_sso_user boolean not null default false,
    deleted_at timestamptz null,
    is_anonymous boolean not null default false,
    constraint users_pkey primary key (id)
);
comment on table auth.users is 'Auth: Stores user login data within a secure schema.';

-- supabase/auth migrations/20240624145325_recreate_auth_functions.up.sql (current form).
create or replace function auth.uid() returns uuid set search_path to '' as $func$
  select coalesce(
    nullif(current_setting('request.jwt.claim.sub', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')
  )::uuid
$func$ language sql stable;

create or replace function auth.role() returns text set search_path to '' as $func$
  select coalesce(
    nullif(current_setting('request.jwt.claim.role', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role')
  )::text
$func$ language sql stable;

create or replace function auth.email() returns text set search_path to '' as $func$
  select coalesce(
    nullif(current_setting('request.jwt.claim.email', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'email')
  )::text
$func$ language sql stable;

-- supabase/auth migrations/20220531120530_add_auth_jwt_function.up.sql, as recreated above.
create or replace function auth.jwt() returns jsonb set search_path to '' as $func$
  select coalesce(
    nullif(current_setting('request.jwt.claim', true), ''),
    nullif(current_setting('request.jwt.claims', true), '')
  )::jsonb
$func$ language sql stable;

-- supabase/postgres 00000000000001-auth-schema.sql: "usage on auth functions to API roles".
grant usage on schema auth to anon, authenticated, service_role;
grant execute on function auth.uid(), auth.role(), auth.email(), auth.jwt()
  to anon, authenticated, service_role;
"""


def _ensure_roles(dsn: str) -> None:
    """Create the cluster-wide API roles once per server (safe under parallel test processes)."""
    info = psycopg.conninfo.conninfo_to_dict(dsn)
    server_key = f"{info.get('host')}:{info.get('port')}"
    with _roles_lock:
        if server_key in _roles_done:
            return
        info["dbname"] = "postgres"
        admin_dsn = psycopg.conninfo.make_conninfo(**info)
        for attempt in range(5):
            try:
                with psycopg.connect(admin_dsn, autocommit=True) as conn:
                    conn.execute("select pg_advisory_lock(%s)", (_ROLES_LOCK_KEY,))
                    try:
                        conn.execute(_ROLES_SQL)
                        conn.execute(_GRANT_MEMBERSHIP_SQL)
                    finally:
                        conn.execute("select pg_advisory_unlock(%s)", (_ROLES_LOCK_KEY,))
                break
            except psycopg.errors.InternalError:  # "tuple concurrently updated"
                if attempt == 4:
                    raise
                time.sleep(0.05 * (attempt + 1))
        _roles_done.add(server_key)


def prepare_supabase_database(dsn: str) -> None:
    """Install Supabase's platform pieces (roles, grants, ``auth`` schema) into a database.

    Idempotent: safe to call on a database that already has them. Run it as a superuser
    (the tests connect as ``postgres``), before :func:`apply_migrations`.
    """
    _ensure_roles(dsn)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(_DATABASE_SQL)


def migration_files() -> list[Path]:
    """``supabase/migrations/*.sql`` in file-name order (the order the Supabase CLI uses)."""
    return sorted(MIGRATIONS_DIR.glob("*.sql"), key=lambda p: p.name)


def apply_migrations(dsn: str, files: list[Path] | None = None) -> list[str]:
    """Apply the migrations, each file in its own transaction as the Supabase CLI does.

    Returns the names of the applied files. Re-applying is supported (the migrations are
    idempotent), so this does not keep a history table.
    """
    applied: list[str] = []
    with psycopg.connect(dsn) as conn:
        for path in files if files is not None else migration_files():
            with conn.transaction():
                conn.execute(path.read_text(encoding="utf-8"))
                # A migration may change search_path for its own statements; do not leak it.
                conn.execute("reset all")
            applied.append(path.name)
    return applied


def create_user(
    conn_or_dsn: psycopg.Connection | str,
    email: str | None = None,
    user_id: uuid.UUID | str | None = None,
    *,
    password_hash: str | None = None,
    user_metadata: Mapping[str, Any] | None = None,
) -> uuid.UUID:
    """Insert a confirmed user into ``auth.users`` (as Supabase Auth would) and return its id.

    Accepts an open connection (used as is, committed by the caller unless autocommit) or a
    DSN (a short autocommit connection is opened). ``password_hash`` is stored as given in
    ``encrypted_password`` (Supabase stores a bcrypt hash there).
    """
    uid = uuid.UUID(str(user_id)) if user_id else uuid.uuid4()
    email = email or f"user-{uid.hex[:8]}@example.test"
    stmt = """
        insert into auth.users (instance_id, id, aud, role, email, encrypted_password,
                                email_confirmed_at, raw_app_meta_data, raw_user_meta_data,
                                created_at, updated_at)
        values ('00000000-0000-0000-0000-000000000000', %s, 'authenticated', 'authenticated',
                %s, %s, now(), %s, %s, now(), now())
    """
    params = (
        uid,
        email,
        password_hash,
        json.dumps({"provider": "email", "providers": ["email"]}),
        json.dumps(dict(user_metadata or {})),
    )
    if isinstance(conn_or_dsn, str):
        with psycopg.connect(conn_or_dsn, autocommit=True) as conn:
            conn.execute(stmt, params)
    else:
        conn_or_dsn.execute(stmt, params)
    return uid


def claims_for(
    user_id: uuid.UUID | str | None,
    *,
    role: str = "authenticated",
    email: str | None = None,
    expires_in: int = 3600,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """JWT claims shaped like those Supabase Auth issues (``role`` decides the database role).

    ``user_id=None`` gives the claims of the anon key (``{"role": "anon", ...}``, no ``sub``).
    """
    now = int(time.time())
    claims: dict[str, Any] = {"iss": "supabase", "role": role, "iat": now, "exp": now + expires_in}
    if user_id is not None:
        claims.update(
            sub=str(user_id),
            aud="authenticated",
            email=email or "",
            phone="",
            app_metadata={"provider": "email", "providers": ["email"]},
            user_metadata={},
            aal="aal1",
            amr=[{"method": "password", "timestamp": now}],
            session_id=str(uuid.uuid4()),
            is_anonymous=False,
        )
    if extra:
        claims.update(extra)
    return claims


def set_request_context(conn: psycopg.Connection, role: str, claims: Mapping[str, Any] | None) -> None:
    """Inside an open transaction: ``set local role`` and set ``request.jwt.claims`` locally.

    These are the statements PostgREST runs at the start of every request transaction.
    """
    if role not in API_ROLES:
        raise ValueError(f"unknown API role {role!r}")
    conn.execute(sql.SQL("set local role {}").format(sql.Identifier(role)))
    conn.execute(
        "select set_config('request.jwt.claims', %s, true)",
        (json.dumps(dict(claims or {"role": role})),),
    )


@contextmanager
def as_role(
    dsn_or_conn: str | psycopg.Connection,
    role: str,
    claims: Mapping[str, Any] | None = None,
    *,
    commit: bool = True,
) -> Iterator[psycopg.Connection]:
    """A connection inside one PostgREST-style request transaction.

    ``with as_role(dsn, "authenticated", claims_for(uid)) as conn: conn.execute(...)``

    With a DSN a connection is opened and closed; with a connection, a transaction (or a
    savepoint, if one is already open) is used. The transaction commits when the block ends
    normally (``commit=False`` rolls it back instead) and rolls back on an exception.
    """
    own = isinstance(dsn_or_conn, str)
    conn = psycopg.connect(dsn_or_conn) if own else dsn_or_conn
    try:
        tx = conn.transaction(force_rollback=not commit)
        with tx:
            set_request_context(conn, role, claims)
            yield conn
    finally:
        if own:
            conn.close()


@contextmanager
def as_user(dsn_or_conn: str | psycopg.Connection, user_id: uuid.UUID | str, **kw: Any) -> Iterator[psycopg.Connection]:
    """:func:`as_role` for a signed-in user (role ``authenticated`` with ``sub`` = user_id)."""
    commit = kw.pop("commit", True)
    with as_role(dsn_or_conn, "authenticated", claims_for(user_id, **kw), commit=commit) as conn:
        yield conn


@contextmanager
def as_anon(dsn_or_conn: str | psycopg.Connection, *, commit: bool = True) -> Iterator[psycopg.Connection]:
    """:func:`as_role` for a request made with only the anon key."""
    with as_role(dsn_or_conn, "anon", claims_for(None, role="anon"), commit=commit) as conn:
        yield conn


@contextmanager
def as_service_role(dsn_or_conn: str | psycopg.Connection, *, commit: bool = True) -> Iterator[psycopg.Connection]:
    """:func:`as_role` for a request made with the service-role key (bypasses RLS)."""
    with as_role(dsn_or_conn, "service_role", claims_for(None, role="service_role"), commit=commit) as conn:
        yield conn


__all__ = [
    "API_ROLES",
    "MIGRATIONS_DIR",
    "apply_migrations",
    "as_anon",
    "as_role",
    "as_service_role",
    "as_user",
    "claims_for",
    "create_user",
    "migration_files",
    "prepare_supabase_database",
    "set_request_context",
]

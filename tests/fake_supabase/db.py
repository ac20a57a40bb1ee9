"""Database access for the test server: a small connection pool and PostgREST-style transactions.

PostgREST connects as the ``authenticator`` role and runs every request in one transaction that
starts with (docs: "Transaction-Scoped Settings", https://docs.postgrest.org/en/stable/references/transactions.html)::

    set local role <role from the JWT, or anon>;
    select set_config('request.jwt.claims', '<claims>', true),
           set_config('request.method', 'GET', true), set_config('request.path', '/t', true),
           set_config('request.headers', '<headers json>', true);

:func:`request_transaction` does exactly that, so RLS policies, ``auth.uid()`` and grants behave
as on Supabase. GET/HEAD run in a ``READ ONLY`` transaction, as PostgREST does.

**Statement timeouts per role.** Supabase sets ``statement_timeout`` on the API roles (anon 3 s,
authenticated 8 s; service_role none, so the 8 s of ``authenticator``, the role PostgREST logs
in as, applies -- docs "Timeouts", guides/database/postgres/timeouts). ``SET ROLE`` does not
apply a role's settings, so PostgREST reads them once (``queryRoleSettings``,
``src/library/PostgREST/Config/Database.hs``) and sets them transaction-locally for the
impersonated role on every request. :func:`request_transaction` takes the seconds to apply and
sets them the same way; PostgreSQL itself then cancels the statement (SQLSTATE 57014, "canceling
statement due to statement timeout"), which :func:`pg_error` maps to HTTP 500 -- a lock wait
counts, so a writer holding a row lock (:class:`HeldTransaction`) times readers and writers out.

**A late commit.** :class:`HeldTransaction` is a writer whose transaction stays open while the
test does other things. The sync columns are stamped with ``clock_timestamp()`` when the row is
written, not when it commits, so a row written inside it and committed after a pull has moved
its ``(updated_at, id)`` cursor past that time lands *behind* the cursor: the pull that only
looks forward never sees it (the reason the sync engine re-reads an overlap window).

PostgreSQL errors are turned into PostgREST's JSON error and HTTP status by :func:`pg_error`,
following ``mapSQLtoHTTP`` in ``src/library/PostgREST/Error.hs``.
"""

from __future__ import annotations

import asyncio
import json
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator, Mapping

import psycopg
from psycopg import sql


class Pool:
    """A minimal asyncio pool of psycopg connections (psycopg_pool is not a project dependency)."""

    def __init__(self, dsn: str, size: int = 8, **connect_kw: Any) -> None:
        self.dsn = dsn
        self.size = size
        self.connect_kw = connect_kw
        self._idle: asyncio.Queue[psycopg.AsyncConnection] = asyncio.Queue()
        self._count = 0
        self._lock = asyncio.Lock()
        self._all: set[psycopg.AsyncConnection] = set()
        self.closed = False

    async def _new(self) -> psycopg.AsyncConnection:
        conn = await psycopg.AsyncConnection.connect(self.dsn, **self.connect_kw)
        self._all.add(conn)
        return conn

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[psycopg.AsyncConnection]:
        conn: psycopg.AsyncConnection | None = None
        while conn is None:
            try:
                conn = self._idle.get_nowait()
            except asyncio.QueueEmpty:
                async with self._lock:
                    if self._count < self.size:
                        self._count += 1
                        try:
                            conn = await self._new()
                        except BaseException:
                            self._count -= 1
                            raise
                if conn is None:
                    conn = await self._idle.get()
            if conn.closed or conn.broken:
                self._all.discard(conn)
                self._count -= 1
                conn = None
        ok = False
        try:
            yield conn
            ok = True
        finally:
            if not ok and not conn.closed:
                # Cancelled or failed mid-transaction: make sure nothing is left open.
                try:
                    await asyncio.shield(conn.rollback())
                except Exception:
                    await conn.close()
            if self.closed or conn.closed or conn.broken:
                self._all.discard(conn)
                self._count -= 1
                if not conn.closed:
                    await conn.close()
            else:
                self._idle.put_nowait(conn)

    async def close(self) -> None:
        self.closed = True
        for conn in list(self._all):
            try:
                await conn.close()
            except Exception:
                pass
        self._all.clear()


@asynccontextmanager
async def request_transaction(
    pool: Pool,
    role: str,
    claims: Mapping[str, Any],
    *,
    method: str,
    path: str,
    headers: Mapping[str, str] | None = None,
    read_only: bool = False,
    statement_timeout: float | None = None,
) -> AsyncIterator[psycopg.AsyncConnection]:
    """One PostgREST request: a transaction as ``role`` with the request settings (and timeout) set."""
    async with pool.connection() as conn:
        async with conn.transaction():
            if read_only:
                await conn.execute("SET TRANSACTION READ ONLY")
            await conn.execute(sql.SQL("SET LOCAL ROLE {}").format(sql.Identifier(role)))
            await conn.execute(
                "select set_config('request.jwt.claims', %s, true), set_config('request.method', %s, true),"
                " set_config('request.path', %s, true), set_config('request.headers', %s, true),"
                " set_config('statement_timeout', %s, true)",
                (json.dumps(dict(claims)), method, path, json.dumps({k.lower(): v for k, v in (headers or {}).items()}),
                 timeout_setting(statement_timeout)),
            )
            yield conn


def timeout_setting(seconds: float | None) -> str:
    """``statement_timeout`` as PostgreSQL reads it: whole milliseconds, ``0`` for none."""
    if seconds is None or seconds <= 0:
        return "0"
    return f"{max(1, round(seconds * 1000))}ms"


class HeldTransaction:
    """A writer's transaction held open until :meth:`commit` (or the end of ``async with``).

    Runs on the caller's event loop over its own connection to ``dsn``. With ``user_id`` the
    statements run as that user (role ``authenticated`` with their claims, so RLS applies), as a
    PostgREST request would; without it as the DSN's own role. Leaving the ``async with`` block
    commits, or rolls back when the block raised.
    """

    def __init__(self, dsn: str, *, user_id: str | None = None) -> None:
        self.dsn = dsn
        self.user_id = user_id
        self._conn: psycopg.AsyncConnection | None = None

    async def begin(self) -> "HeldTransaction":
        conn = await psycopg.AsyncConnection.connect(self.dsn)  # not autocommit: BEGIN is implicit
        try:
            if self.user_id is not None:
                claims = {"sub": str(self.user_id), "role": "authenticated", "aud": "authenticated"}
                await conn.execute("SET LOCAL ROLE authenticated")
                await conn.execute("select set_config('request.jwt.claims', %s, true)", (json.dumps(claims),))
        except BaseException:
            await conn.close()
            raise
        self._conn = conn
        return self

    async def execute(self, statement: str, params: Any = None) -> list[tuple]:
        """Run one statement inside the held transaction; its rows (if it returns any)."""
        if self._conn is None:
            raise RuntimeError("the held transaction is not open (use `async with` or begin())")
        cur = await self._conn.execute(statement, params)
        return list(await cur.fetchall()) if cur.description else []

    async def commit(self) -> None:
        await self._finish(commit=True)

    async def rollback(self) -> None:
        await self._finish(commit=False)

    async def _finish(self, *, commit: bool) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            if commit:
                await conn.commit()
            else:
                await conn.rollback()
        finally:
            await conn.close()

    async def __aenter__(self) -> "HeldTransaction":
        return await self.begin()

    async def __aexit__(self, exc_type, exc, tb) -> None:
        await self._finish(commit=exc_type is None)


class ApiError(Exception):
    """An error response in PostgREST's shape: ``{"code", "details", "hint", "message"}``."""

    def __init__(self, status: int, code: str, message: str, details: Any = None, hint: Any = None,
                 headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.body = {"code": code, "details": details, "hint": hint, "message": message}
        self.headers = dict(headers or {})


def sqlstate_status(code: str, authed: bool, message: str = "") -> int:
    """PostgREST's ``mapSQLtoHTTP`` (Error.hs), most specific rule first."""
    exact = {
        "23503": 409, "23505": 409, "25006": 405, "53400": 500, "57P01": 503, "P0001": 400,
        "42883": 404, "42P01": 404, "42P17": 500,
    }
    if code == "42501":
        return 403 if authed else 401
    if code == "22023":
        # invalid_parameter_value; "role ... does not exist" means the JWT named an unknown role.
        return 401 if message.startswith("role") and message.endswith("does not exist") else 400
    if code == "21000":
        # cardinality_violation: pg-safeupdate's "requires a WHERE clause" is the client's fault.
        return 400 if message.endswith("requires a WHERE clause") else 500
    if code in exact:
        return exact[code]
    prefixes = {
        "08": 503, "09": 500, "0L": 403, "0P": 403, "25": 500, "28": 403, "2D": 500, "38": 500, "39": 500,
        "3B": 500, "40": 500, "53": 503, "54": 500, "55": 500, "57": 500, "58": 500, "F0": 500, "HV": 500,
        "P0": 500, "XX": 500,
    }
    if code[:2] in prefixes:
        return prefixes[code[:2]]
    if code.startswith("PT") and code[2:].isdigit():
        return int(code[2:])
    return 400


def pg_error(exc: psycopg.Error, *, authed: bool) -> ApiError:
    diag = exc.diag
    code = exc.sqlstate or "XX000"
    message = diag.message_primary or str(exc)
    status = sqlstate_status(code, authed, message)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else {}
    return ApiError(status, code, message, diag.message_detail, diag.message_hint, headers)

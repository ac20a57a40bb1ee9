"""Database access for the test server: a small connection pool and PostgREST-style transactions.

PostgREST connects as the ``authenticator`` role and runs every request in one transaction that
starts with (docs: "Transaction-Scoped Settings", https://docs.postgrest.org/en/stable/references/transactions.html)::

    set local role <role from the JWT, or anon>;
    select set_config('request.jwt.claims', '<claims>', true),
           set_config('request.method', 'GET', true), set_config('request.path', '/t', true),
           set_config('request.headers', '<headers json>', true);

:func:`request_transaction` does exactly that, so RLS policies, ``auth.uid()`` and grants behave
as on Supabase. GET/HEAD run in a ``READ ONLY`` transaction, as PostgREST does.

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
) -> AsyncIterator[psycopg.AsyncConnection]:
    async with pool.connection() as conn:
        async with conn.transaction():
            if read_only:
                await conn.execute("SET TRANSACTION READ ONLY")
            await conn.execute(sql.SQL("SET LOCAL ROLE {}").format(sql.Identifier(role)))
            await conn.execute(
                "select set_config('request.jwt.claims', %s, true), set_config('request.method', %s, true),"
                " set_config('request.path', %s, true), set_config('request.headers', %s, true)",
                (json.dumps(dict(claims)), method, path, json.dumps({k.lower(): v for k, v in (headers or {}).items()})),
            )
            yield conn


class ApiError(Exception):
    """An error response in PostgREST's shape: ``{"code", "details", "hint", "message"}``."""

    def __init__(self, status: int, code: str, message: str, details: Any = None, hint: Any = None,
                 headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.body = {"code": code, "details": details, "hint": hint, "message": message}
        self.headers = dict(headers or {})


def sqlstate_status(code: str, authed: bool) -> int:
    """PostgREST's ``mapSQLtoHTTP`` (Error.hs), most specific rule first."""
    exact = {
        "23503": 409, "23505": 409, "25006": 405, "53400": 500, "57P01": 503, "P0001": 400,
        "42883": 404, "42P01": 404, "42P17": 500,
    }
    if code == "42501":
        return 403 if authed else 401
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
    if code == "21000":
        return 500
    return 400


def pg_error(exc: psycopg.Error, *, authed: bool) -> ApiError:
    diag = exc.diag
    code = exc.sqlstate or "XX000"
    status = sqlstate_status(code, authed)
    message = diag.message_primary or str(exc)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else {}
    return ApiError(status, code, message, diag.message_detail, diag.message_hint, headers)

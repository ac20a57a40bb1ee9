"""``/rest/v1``: the PostgREST subset supabase-py's query builder uses, over real PostgreSQL.

Every request is one transaction run as the caller's role with ``request.jwt.claims`` set
(:func:`.db.request_transaction`), so grants and RLS policies are the real ones. The SQL mirrors
what PostgREST generates (``src/library/PostgREST/Query/QueryBuilder.hs`` and
``SqlFragment.hs``): reads are wrapped in ``json_agg``; writes go through a ``pgrst_source`` CTE
with the body parsed by ``json_to_recordset(...) AS _(<col> <type>, ...)``; ``RETURNING 1`` when
no representation is wanted; upserts are ``ON CONFLICT (<on_conflict or primary key>) DO UPDATE
SET c = EXCLUDED.c`` / ``DO NOTHING``; ``Prefer: missing=default`` merges the column defaults
into each object.

Responses follow PostgREST: ``Content-Range`` (``0-9/*``, ``*/0``, ``0-9/42`` with
``count=exact``, ``*/N`` on writes), 206 for a partial range with a known count, 201 for POST,
204 for ``return=minimal`` PATCH/DELETE, 406 PGRST116 when ``Accept:
application/vnd.pgrst.object+json`` does not get exactly one row (the write is rolled back, as in
PostgREST), errors as ``{"code","details","hint","message"}`` with the status of
``mapSQLtoHTTP``. ``count=planned``/``estimated`` are answered with the exact count.

Write statuses and ranges follow ``src/library/PostgREST/Response.hs``: a POST is 201, except an
upsert (``resolution=merge-duplicates``) that inserted nothing, which is 200
(``isInsertIfGTZero``; the inserted rows are counted in the statement as PostgREST does, through a
transaction-local counter bumped by the INSERT's ``WHERE`` and lowered by ``DO UPDATE``'s); a
PATCH answers ``Content-Range: 0-(n-1)/*`` (``*/*`` for no row); POST and DELETE ``*/*``.

**The row cap.** Every read is cut to ``max_rows`` rows (Supabase's ``db-max-rows`` is 1,000;
``treeRestrictRange`` in ``src/library/PostgREST/Plan.hs``): the smaller of the request's
``limit`` and the cap is applied, the offset kept, and ``Content-Range`` tells what was sent
(``0-999/*``, or ``0-999/1201`` with status 206 under ``count=exact``). Rows written with
``return=representation`` are not capped (mutations are exempt in ``treeRestrictRange``);
set-returning RPCs are. A pull that asks for more than the cap, or stops at the first page
shorter than it asked for, therefore loses rows here exactly as it would on Supabase.

**Statement timeouts** are applied per request role (:class:`RestSettings`,
:func:`.db.request_transaction`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import psycopg
from aiohttp import web
from psycopg import sql

from . import query as q
from .db import ApiError, Pool, pg_error, request_transaction

EXPOSED_SCHEMAS = ("public",)
OBJECT_MEDIA = "application/vnd.pgrst.object+json"
INSERTED_SETTING = "fake_pgrst.inserted"  # transaction-local count of rows an upsert inserted

# Supabase's defaults (docs "Timeouts"): service_role has none of its own, so the 8 s of
# authenticator -- the login role -- stays in force for it.
SUPABASE_STATEMENT_TIMEOUTS = {"anon": 3.0, "authenticated": 8.0, "authenticator": 8.0}


@dataclass
class RestSettings:
    """The knobs of the Data API a test may turn (``max_rows=None``: no cap; seconds per role)."""

    max_rows: int | None = 1000
    statement_timeouts: dict[str, float] = field(default_factory=lambda: dict(SUPABASE_STATEMENT_TIMEOUTS))

    def timeout_for(self, role: str) -> float | None:
        """The role's own setting, else the login role's (what PostgreSQL would leave in force)."""
        if role in self.statement_timeouts:
            return self.statement_timeouts[role]
        return self.statement_timeouts.get("authenticator")

    def capped(self, limit: int | None) -> int | None:
        if self.max_rows is None:
            return limit
        return self.max_rows if limit is None else min(limit, self.max_rows)


class _Singular(Exception):
    def __init__(self, n: int) -> None:
        self.n = n


@dataclass
class Column:
    name: str
    type: str
    default: str | None
    is_pk: bool


@dataclass
class Prefer:
    ret: str = "minimal"
    count: str | None = None
    resolution: str | None = None
    missing_default: bool = False
    applied: list[str] | None = None


def parse_prefer(request: web.Request, *, default_return: str) -> Prefer:
    p = Prefer(ret=default_return, applied=[])
    for header in request.headers.getall("Prefer", []):
        for item in header.split(","):
            item = item.strip()
            key, _, value = item.partition("=")
            if key == "return" and value in ("minimal", "representation", "headers-only"):
                p.ret = value
                p.applied.append(item)
            elif key == "count" and value in ("exact", "planned", "estimated"):
                p.count = value
                p.applied.append(item)
            elif key == "resolution" and value in ("merge-duplicates", "ignore-duplicates"):
                p.resolution = value
                p.applied.append(item)
            elif key == "missing" and value == "default":
                p.missing_default = True
                p.applied.append(item)
    return p


def _count_inserted(step: int) -> sql.Composable:
    """A predicate that is always true and moves the inserted-rows counter by ``step``.

    Evaluated once per candidate row by the INSERT's ``WHERE`` (+1) and once per conflicting
    row by ``DO UPDATE ... WHERE`` (-1), so after the statement the counter holds the rows
    that were really inserted.
    """
    name = sql.Literal(INSERTED_SETTING)
    return sql.SQL("set_config({name}, (coalesce(nullif(current_setting({name}, true), '')::int, 0) + {step})::text,"
                   " true) IS NOT NULL").format(name=name, step=sql.Literal(step))


def _write_range(method: str, n: int, total: int | None) -> str:
    """Content-Range of a write (Response.hs): PATCH names the rows it touched, others none."""
    count = "*" if total is None else str(total)
    if method == "PATCH" and n > 0 and total != 0:
        return f"0-{n - 1}/{count}"
    return f"*/{count}"


def json_response(status: int, body: str | None, headers: dict[str, str] | None = None) -> web.Response:
    h = dict(headers or {})
    if body is None:
        return web.Response(status=status, headers=h)
    h.setdefault("Content-Type", "application/json; charset=utf-8")
    return web.Response(status=status, body=body.encode("utf-8"), headers=h)


def error_response(err: ApiError | q.QueryError) -> web.Response:
    if isinstance(err, q.QueryError):
        err = ApiError(err.status, err.code, err.message, err.details, err.hint)
    headers = dict(err.headers)
    headers["Proxy-Status"] = f"PostgREST; error={err.body['code']}"
    return json_response(err.status, json.dumps(err.body), headers)


class RestService:
    def __init__(self, pool: Pool, resolve_auth, settings: RestSettings | None = None) -> None:
        self.pool = pool
        # resolve_auth(request) -> (role, claims); raises ApiError for a refused JWT.
        self.resolve_auth = resolve_auth
        self.settings = settings or RestSettings()

    def add_routes(self, app: web.Application) -> None:
        app.router.add_route("*", "/rest/v1/rpc/{fn}", self.handle_rpc)
        app.router.add_route("*", "/rest/v1/{table}", self.handle_table)
        app.router.add_route("GET", "/rest/v1/", self.handle_root)

    async def handle_root(self, request: web.Request) -> web.Response:
        return json_response(200, json.dumps({"swagger": "2.0", "info": {"title": "fake PostgREST"}}))

    # ---------------------------------------------------------------------------------------
    def _schema(self, request: web.Request) -> str:
        header = "Accept-Profile" if request.method in ("GET", "HEAD") else "Content-Profile"
        schema = request.headers.get(header) or EXPOSED_SCHEMAS[0]
        if schema not in EXPOSED_SCHEMAS:
            raise ApiError(406, "PGRST106", "Invalid schema: " + schema,
                           hint="Only the following schemas are exposed: " + ", ".join(EXPOSED_SCHEMAS))
        return schema

    @staticmethod
    def _wants_object(request: web.Request) -> tuple[bool, bool]:
        accept = request.headers.get("Accept", "application/json")
        strip = "nulls=stripped" in accept
        if OBJECT_MEDIA in accept:
            return True, strip
        for media in accept.split(","):
            media = media.split(";")[0].strip()
            if media in ("application/json", "*/*", "application/vnd.pgrst.array+json", ""):
                return False, strip
        raise ApiError(406, "PGRST107", f"None of these media types are available: {accept}")

    async def _columns(self, conn: psycopg.AsyncConnection, schema: str, table: str) -> list[Column] | None:
        cur = await conn.execute(
            """
            select a.attname, format_type(a.atttypid, a.atttypmod), pg_get_expr(d.adbin, d.adrelid),
                   coalesce(a.attnum = any(i.indkey), false)
            from pg_class c
            join pg_namespace n on n.oid = c.relnamespace
            join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
            left join pg_attrdef d on d.adrelid = c.oid and d.adnum = a.attnum
            left join pg_index i on i.indrelid = c.oid and i.indisprimary
            where n.nspname = %s and c.relname = %s and c.relkind in ('r', 'v', 'm', 'f', 'p')
            order by a.attnum
            """,
            (schema, table),
        )
        rows = await cur.fetchall()
        if not rows:
            return None
        return [Column(r[0], r[1], r[2], r[3]) for r in rows]

    # ---------------------------------------------------------------------------------------
    async def handle_table(self, request: web.Request) -> web.StreamResponse:
        try:
            return await self._table(request)
        except (ApiError, q.QueryError) as err:
            return error_response(err)

    async def _table(self, request: web.Request) -> web.StreamResponse:
        method = request.method
        if method not in ("GET", "HEAD", "POST", "PATCH", "DELETE"):
            raise ApiError(405, "PGRST117", f"Unsupported HTTP method: {method}")
        role, claims = self.resolve_auth(request)
        authed = role != "anon"
        schema = self._schema(request)
        table = request.match_info["table"]
        plan = q.parse_query(request.query.items())
        singular, strip = self._wants_object(request)
        read = method in ("GET", "HEAD")
        prefer = parse_prefer(request, default_return="minimal")
        body: Any = None
        if method in ("POST", "PATCH"):
            raw = await request.read()
            try:
                body = json.loads(raw or b"null")
            except ValueError as exc:
                raise ApiError(400, "PGRST102", "Empty or invalid json", str(exc)) from None
        try:
            async with request_transaction(self.pool, role, claims, method=method, path=request.path,
                                           headers=dict(request.headers), read_only=read,
                                           statement_timeout=self.settings.timeout_for(role)) as conn:
                cols = await self._columns(conn, schema, table)
                if cols is None:
                    raise ApiError(404, "PGRST205", f"Could not find the table '{schema}.{table}' in the schema cache")
                qi = sql.Identifier(schema, table)
                if read:
                    return await self._read(conn, request, qi, plan, prefer, singular, strip)
                return await self._write(conn, request, qi, table, cols, plan, prefer, body, singular, strip)
        except _Singular as s:
            raise ApiError(406, "PGRST116", "Cannot coerce the result to a single JSON object",
                           f"The result contains {s.n} rows") from None
        except psycopg.Error as exc:
            raise pg_error(exc, authed=authed) from None

    @staticmethod
    def _agg(strip: bool) -> sql.Composable:
        agg = sql.SQL("coalesce(json_agg(_postgrest_t), '[]')")
        if strip:
            agg = sql.SQL("json_strip_nulls({})").format(agg)
        return agg

    async def _read(self, conn, request, qi, plan: q.ReadPlan, prefer: Prefer, singular: bool, strip: bool):
        limit = self.settings.capped(plan.limit)
        inner = (sql.SQL("SELECT ") + q.select_list_sql(plan.select, qi) + sql.SQL(" FROM {}").format(qi)
                 + q.where_sql(plan.where, qi) + q.order_sql(plan.order, qi) + q.limit_sql(limit, plan.offset))
        stmt = sql.SQL("SELECT {agg}::text, count(*), (json_agg(_postgrest_t)->0)::text FROM ({inner}) _postgrest_t").format(
            agg=self._agg(strip), inner=inner)
        cur = await conn.execute(stmt)
        body, n, first = await cur.fetchone()
        total = None
        if prefer.count:
            cur = await conn.execute(sql.SQL("SELECT count(*) FROM {}").format(qi) + q.where_sql(plan.where, qi))
            total = (await cur.fetchone())[0]
        if singular:
            if n != 1:
                raise _Singular(n)
            body = first
        lower = plan.offset
        upper = lower + n - 1
        status = 200
        if total is not None:
            if lower > total and not (lower == 0 and total == 0):
                raise ApiError(416, "PGRST103", "Requested range not satisfiable",
                               f"An offset of {lower} was requested, but there are only {total} rows.")
            if n and (1 + upper - lower) < total:
                status = 206
        rng = f"{lower}-{upper}" if n else "*"
        headers = {"Content-Range": f"{rng}/{'*' if total is None else total}"}
        if prefer.applied:
            headers["Preference-Applied"] = ", ".join(prefer.applied)
        if request.method == "HEAD":
            return json_response(status, None, headers)
        return json_response(status, body, headers)

    async def _write(self, conn, request, qi, table, cols: list[Column], plan: q.ReadPlan, prefer: Prefer,
                     body: Any, singular: bool, strip: bool):
        method = request.method
        by_name = {c.name: c for c in cols}
        representation = prefer.ret == "representation"
        merging = False  # an upsert that may update: its status depends on what it inserted
        returning = (sql.SQL(" RETURNING {}.*").format(qi) if representation else sql.SQL(" RETURNING 1"))

        if method == "POST":
            if isinstance(body, dict):
                rows = [body]
            elif isinstance(body, list) and all(isinstance(r, dict) for r in body):
                rows = body
            else:
                raise ApiError(400, "PGRST102", "Empty or invalid json")
            if plan.columns is not None:
                names = plan.columns
            else:
                names = list(rows[0].keys()) if rows else []
                for r in rows[1:]:
                    if set(r.keys()) != set(names):
                        raise ApiError(400, "PGRST102", "All object keys must match")
            self._check_columns(names, by_name, table)
            fields = [by_name[n] for n in names]
            source = self._json_body(fields, body, is_object=isinstance(body, dict),
                                     missing_default=prefer.missing_default)
            merging = prefer.resolution == "merge-duplicates" and bool(fields)
            stmt = sql.SQL("INSERT INTO {}").format(qi)
            if fields:
                stmt = stmt + sql.SQL("({}) SELECT {} ").format(
                    sql.SQL(", ").join(sql.Identifier(f.name) for f in fields),
                    sql.SQL(", ").join(sql.Identifier("pgrst_body", f.name) for f in fields)) + source
                if merging:
                    stmt = stmt + sql.SQL(" WHERE ") + _count_inserted(+1)
            else:
                stmt = stmt + sql.SQL(" DEFAULT VALUES")
            if prefer.resolution:
                target = plan.on_conflict or [c.name for c in cols if c.is_pk]
                if not target:
                    raise ApiError(400, "PGRST100", "on_conflict requires a primary key or an on_conflict column list")
                conflict = sql.SQL(" ON CONFLICT({}) ").format(sql.SQL(", ").join(sql.Identifier(c) for c in target))
                if not merging:
                    conflict = conflict + sql.SQL("DO NOTHING")
                else:
                    conflict = conflict + sql.SQL("DO UPDATE SET ") + sql.SQL(", ").join(
                        sql.SQL("{} = EXCLUDED.{}").format(sql.Identifier(f.name), sql.Identifier(f.name)) for f in fields
                    ) + sql.SQL(" WHERE ") + _count_inserted(-1)
                stmt = stmt + conflict
            stmt = stmt + returning
            status_ok = status_empty = 201
        elif method == "PATCH":
            if not isinstance(body, dict):
                raise ApiError(400, "PGRST102", "Empty or invalid json")
            names = plan.columns if plan.columns is not None else list(body.keys())
            self._check_columns(names, by_name, table)
            fields = [by_name[n] for n in names]
            if not fields:
                stmt = sql.SQL("SELECT {}.* FROM {} WHERE false").format(qi, qi)
            else:
                stmt = (sql.SQL("UPDATE {} SET ").format(qi)
                        + sql.SQL(", ").join(sql.SQL("{} = {}").format(sql.Identifier(f.name),
                                                                        sql.Identifier("pgrst_body", f.name))
                                             for f in fields)
                        + sql.SQL(" ") + self._json_body(fields, body, is_object=True, missing_default=False, prefix="FROM ")
                        + q.where_sql(plan.where, qi) + returning)
            status_ok, status_empty = 200, 204
        else:  # DELETE
            stmt = sql.SQL("DELETE FROM {}").format(qi) + q.where_sql(plan.where, qi) + returning
            status_ok, status_empty = 200, 204

        inserted = sql.SQL("nullif(current_setting({}, true), '')::int").format(sql.Literal(INSERTED_SETTING))
        if representation:
            final = sql.SQL("WITH pgrst_source AS ({stmt}) SELECT {agg}::text, count(*), (json_agg(_postgrest_t)->0)::text,"
                            " {inserted} FROM (SELECT {sel} FROM pgrst_source {alias}) _postgrest_t").format(
                stmt=stmt, agg=self._agg(strip), sel=q.select_list_sql(plan.select, sql.Identifier(table)),
                alias=sql.Identifier(table), inserted=inserted)
        else:
            final = sql.SQL("WITH pgrst_source AS ({stmt}) SELECT NULL::text, count(*), NULL::text, {inserted}"
                            " FROM pgrst_source").format(stmt=stmt, inserted=inserted)
        cur = await conn.execute(final)
        out, n, first, n_inserted = await cur.fetchone()
        if singular and n != 1:
            raise _Singular(n)  # propagates out of the transaction block: rolled back
        if merging and not (n_inserted or 0) > 0:
            status_ok = status_empty = 200  # an upsert that only updated (Response.hs isInsertIfGTZero)
        headers = {"Content-Range": _write_range(method, n, n if prefer.count else None)}
        if prefer.applied:
            headers["Preference-Applied"] = ", ".join(prefer.applied)
        if not representation:
            return json_response(status_empty, None, headers)
        return json_response(status_ok, first if singular else out, headers)

    @staticmethod
    def _check_columns(names, by_name, table) -> None:
        for n in names:
            if n not in by_name:
                raise ApiError(400, "PGRST204", f"Could not find the '{n}' column of '{table}' in the schema cache")

    @staticmethod
    def _json_body(fields: list[Column], body: Any, *, is_object: bool, missing_default: bool,
                   prefix: str = "FROM ") -> sql.Composable:
        """SqlFragment.fromJsonBodyF: the request body as a typed relation named ``pgrst_body``."""
        payload = json.dumps(body)
        if missing_default:
            defaults = [f for f in fields if f.default is not None]
            defs = sql.SQL("jsonb_build_object({})").format(sql.SQL(", ").join(
                sql.SQL("{}, {}").format(sql.Literal(f.name), sql.SQL(f.default)) for f in defaults))
            src = sql.SQL("{p}(SELECT {payload}::jsonb AS json_data) pgrst_payload, ").format(
                p=sql.SQL(prefix), payload=sql.Literal(payload))
            if is_object:
                src += sql.SQL("LATERAL (SELECT {defs} || pgrst_payload.json_data AS val) pgrst_json_defs, ").format(defs=defs)
            else:
                src += sql.SQL("LATERAL (SELECT jsonb_agg({defs} || elem) AS val FROM jsonb_array_elements(pgrst_payload.json_data) elem) pgrst_json_defs, ").format(defs=defs)
            fn = "jsonb_to_record" if is_object else "jsonb_to_recordset"
            body_ref = sql.SQL("pgrst_json_defs.val")
        else:
            src = sql.SQL("{p}(SELECT {payload}::json AS json_data) pgrst_payload, ").format(
                p=sql.SQL(prefix), payload=sql.Literal(payload))
            fn = "json_to_record" if is_object else "json_to_recordset"
            body_ref = sql.SQL("pgrst_payload.json_data")
        typed = sql.SQL(", ").join(sql.SQL("{} {}").format(sql.Identifier(f.name), sql.SQL(f.type)) for f in fields)
        names = sql.SQL(", ").join(sql.Identifier(f.name) for f in fields)
        return src + sql.SQL("LATERAL (SELECT {names} FROM {fn}({body}) AS _({typed})) pgrst_body").format(
            names=names, fn=sql.SQL(fn), body=body_ref, typed=typed)

    # ---------------------------------------------------------------------------------------
    async def handle_rpc(self, request: web.Request) -> web.StreamResponse:
        try:
            return await self._rpc(request)
        except (ApiError, q.QueryError) as err:
            return error_response(err)

    async def _rpc(self, request: web.Request) -> web.StreamResponse:
        method = request.method
        if method not in ("GET", "HEAD", "POST"):
            raise ApiError(405, "PGRST101", "Only GET, HEAD and POST are allowed for calling functions")
        role, claims = self.resolve_auth(request)
        authed = role != "anon"
        schema = self._schema(request)
        fn = request.match_info["fn"]
        read = method in ("GET", "HEAD")
        singular, strip = self._wants_object(request)
        prefer = parse_prefer(request, default_return="representation")
        if read:
            args: dict[str, Any] | None = None
        else:
            raw = await request.read()
            try:
                args = json.loads(raw) if raw.strip() else {}
            except ValueError as exc:
                raise ApiError(400, "PGRST102", "Empty or invalid json", str(exc)) from None
            if not isinstance(args, dict):
                raise ApiError(400, "PGRST102", "Empty or invalid json")
        try:
            async with request_transaction(self.pool, role, claims, method=method, path=request.path,
                                           headers=dict(request.headers), read_only=read,
                                           statement_timeout=self.settings.timeout_for(role)) as conn:
                cur = await conn.execute(
                    """
                    select p.oid, p.proretset, t.typtype, t.typname, p.pronargs, p.pronargdefaults,
                           coalesce(p.proargnames, '{}'), coalesce(p.proargmodes::text[], '{}'),
                           array(select format_type(x, null) from unnest(coalesce(p.proallargtypes, p.proargtypes::oid[])) x)
                    from pg_proc p join pg_namespace n on n.oid = p.pronamespace
                    join pg_type t on t.oid = p.prorettype
                    where n.nspname = %s and p.proname = %s
                    """,
                    (schema, fn),
                )
                candidates = await cur.fetchall()
                if read:
                    all_names = {nm for c in candidates for nm in c[6]}
                    plan = q.parse_query(request.query.items(), rpc_arg_names=sorted(all_names))
                    args = dict(plan.rpc_args)
                else:
                    plan = q.parse_query(request.query.items())
                chosen = None
                for oid, retset, typtype, typname, nargs, ndefaults, names, modes, types in candidates:
                    ins = [(nm, ty) for i, (nm, ty) in enumerate(zip(names, types))
                           if not modes or modes[i] in ("i", "b", "v")]
                    in_names = [nm for nm, _ in ins]
                    required = set(in_names[: len(in_names) - ndefaults])
                    if set(args) <= set(in_names) and required <= set(args):
                        chosen = (retset, typtype, typname, ins)
                        break
                if chosen is None:
                    params = ", ".join(sorted(args))
                    raise ApiError(404, "PGRST202",
                                   f"Could not find the function {schema}.{fn}({params}) in the schema cache",
                                   hint="Perhaps you meant to call a different function, or the arguments are wrong.")
                retset, typtype, typname, ins = chosen
                used = [(nm, ty) for nm, ty in ins if nm in args]
                fqn = sql.Identifier(schema, fn)
                if used:
                    call = sql.SQL("{}({})").format(fqn, sql.SQL(", ").join(
                        sql.SQL("{} := pgrst_args.{}").format(sql.Identifier(nm), sql.Identifier(nm)) for nm, _ in used))
                    args_from = sql.SQL(", json_to_record({}::json) AS pgrst_args({})").format(
                        sql.Literal(json.dumps(args)),
                        sql.SQL(", ").join(sql.SQL("{} {}").format(sql.Identifier(nm), sql.SQL(ty)) for nm, ty in used))
                else:
                    call = sql.SQL("{}()").format(fqn)
                    args_from = sql.SQL("")
                composite = typtype == "c" or (typname == "record")
                if typname == "void":
                    await conn.execute(sql.SQL("SELECT {} FROM (SELECT 1) _dummy").format(call) + args_from)
                    return json_response(204, None, {"Content-Range": "*/*"})
                if composite or retset:
                    if composite:
                        src = sql.SQL("SELECT pgrst_call.* FROM (SELECT 1) _dummy{} , LATERAL {} pgrst_call").format(args_from, call)
                    else:
                        src = sql.SQL("SELECT pgrst_call AS {} FROM (SELECT 1) _dummy{} , LATERAL {} pgrst_call").format(
                            sql.Identifier(fn), args_from, call)
                    inner = (sql.SQL("SELECT ") + q.select_list_sql(plan.select, sql.Identifier(fn))
                             + sql.SQL(" FROM ({}) {}").format(src, sql.Identifier(fn))
                             + q.where_sql(plan.where, sql.Identifier(fn)) + q.order_sql(plan.order, sql.Identifier(fn))
                             + q.limit_sql(self.settings.capped(plan.limit), plan.offset))
                    if composite:
                        agg = self._agg(strip)
                    else:
                        agg = sql.SQL("coalesce(json_agg(_postgrest_t.{}), '[]')").format(sql.Identifier(fn))
                    stmt = sql.SQL("SELECT {agg}::text, count(*), (json_agg(_postgrest_t)->0)::text FROM ({inner}) _postgrest_t").format(
                        agg=agg, inner=inner)
                    cur = await conn.execute(stmt)
                    out, n, first = await cur.fetchone()
                    if composite and not retset:
                        if n != 1 and singular:
                            raise _Singular(n)
                        out = first if n else "null"
                    elif singular:
                        if n != 1:
                            raise _Singular(n)
                        out = first
                    headers = {"Content-Range": f"0-{max(n - 1, 0)}/{n if prefer.count else '*'}" if n else "*/*"}
                else:
                    stmt = sql.SQL("SELECT to_json({})::text FROM (SELECT 1) _dummy").format(call) + args_from
                    cur = await conn.execute(stmt)
                    out = (await cur.fetchone())[0]
                    headers = {"Content-Range": "0-0/*"}
                if method == "HEAD":
                    return json_response(200, None, headers)
                return json_response(200, out, headers)
        except _Singular as s:
            raise ApiError(406, "PGRST116", "Cannot coerce the result to a single JSON object",
                           f"The result contains {s.n} rows") from None
        except psycopg.Error as exc:
            raise pg_error(exc, authed=authed) from None

"""The PostgREST query-string grammar (the subset supabase-py uses), parsed into SQL.

Grammar, operators and quoting follow PostgREST's own parser,
``src/library/PostgREST/ApiRequest/QueryParams.hs`` (PostgREST v12-v14), and its docs
(https://docs.postgrest.org/en/stable/references/api/tables_views.html):

* ``select=a,alias:b,c::text`` -- columns, aliases, casts (no embedded resources);
* a filter is ``<column>=[not.]<op>.<value>``; ops ``eq neq gt gte lt lte like ilike match imatch
  is isdistinct in cs cd ov``. The value of a top-level filter is taken literally (everything
  after ``op.``); inside ``in.(...)`` lists and ``or``/``and`` trees a value may be double-quoted
  with backslash escapes (``pQuotedValue``), which is how supabase-py's ``sanitize_param`` quotes
  the reserved characters ``,:()"\\``;
* ``or=(f1,f2,and(f3,not.or(f4,f5)))`` / ``and=(...)`` / ``not.or=(...)`` (``pLogicTree``);
* ``order=a.desc.nullslast,b`` (``pOrder``), ``limit``, ``offset``; ``columns`` and
  ``on_conflict`` for writes.

Everything becomes :mod:`psycopg.sql` objects: identifiers are quoted with ``sql.Identifier`` and
values are passed as *untyped* literals (``sql.Literal`` of a string), so PostgreSQL coerces each
to the column's type exactly as it does for PostgREST's unknown-typed parameters. A value that
does not fit the column (``eq.abc`` on a uuid) therefore fails with PostgreSQL's own error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable, Sequence

from psycopg import sql


class QueryError(Exception):
    """A request PostgREST would refuse before reaching the database (PGRSTxxx, HTTP 400)."""

    def __init__(self, code: str, message: str, details: str | None = None, hint: str | None = None,
                 status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details
        self.hint = hint
        self.status = status


# Keys that are never filters (QueryParams.hs: ``reserved`` and ``reservedEmbeddable``).
RESERVED = {"select", "columns", "on_conflict", "order", "limit", "offset", "and", "or", "not.and", "not.or"}

_IDENT_CHARS = re.compile(r"[A-Za-z0-9_ $]")
# A cast target we are willing to splice into SQL (``col::text``, ``col::numeric(10,2)`` is not).
_CAST_TYPE = re.compile(r"^[A-Za-z_][A-Za-z0-9_ ]*(\[\])?$")


# --------------------------------------------------------------------------------------------
# Parsed forms
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SelectItem:
    column: str  # "*" for all columns
    alias: str | None = None
    cast: str | None = None


@dataclass(frozen=True)
class Filter:
    column: str
    op: str
    value: object  # str, list[str] for ``in``, or an IS keyword
    negate: bool = False


@dataclass(frozen=True)
class Logic:
    op: str  # "and" | "or"
    children: tuple["Filter | Logic", ...]
    negate: bool = False


@dataclass(frozen=True)
class OrderTerm:
    column: str
    desc: bool = False
    nulls: str | None = None  # "first" | "last"


@dataclass
class ReadPlan:
    """Everything of a request's query string that shapes the SQL."""

    select: list[SelectItem] = field(default_factory=lambda: [SelectItem("*")])
    where: list[Filter | Logic] = field(default_factory=list)
    order: list[OrderTerm] = field(default_factory=list)
    limit: int | None = None
    offset: int = 0
    columns: list[str] | None = None
    on_conflict: list[str] | None = None
    rpc_args: dict[str, str] = field(default_factory=dict)


# --------------------------------------------------------------------------------------------
# Low-level scanning
# --------------------------------------------------------------------------------------------
class _Scanner:
    def __init__(self, text: str, what: str) -> None:
        self.s = text
        self.i = 0
        self.what = what

    def fail(self, expecting: str) -> QueryError:
        found = repr(self.s[self.i]) if self.i < len(self.s) else "end of input"
        # PostgREST reports parse failures as PGRST100 with the parsec position.
        return QueryError(
            "PGRST100",
            f'"failed to parse {self.what} ({self.s})" (line 1, column {self.i + 1})',
            f"unexpected {found} expecting {expecting}",
        )

    def eof(self) -> bool:
        return self.i >= len(self.s)

    def peek(self, n: int = 1) -> str:
        return self.s[self.i:self.i + n]

    def take(self, literal: str) -> bool:
        if self.s.startswith(literal, self.i):
            self.i += len(literal)
            return True
        return False

    def expect(self, literal: str) -> None:
        if not self.take(literal):
            raise self.fail(repr(literal))

    def skip_spaces(self) -> None:
        while not self.eof() and self.s[self.i] == " ":
            self.i += 1

    def quoted(self) -> str:
        """``"..."`` with backslash escapes (pQuotedValue)."""
        self.expect('"')
        out = []
        while True:
            if self.eof():
                raise self.fail('closing "')
            ch = self.s[self.i]
            if ch == "\\":
                if self.i + 1 >= len(self.s):
                    raise self.fail("escaped character")
                out.append(self.s[self.i + 1])
                self.i += 2
            elif ch == '"':
                self.i += 1
                return "".join(out)
            else:
                out.append(ch)
                self.i += 1

    def identifier(self) -> str:
        """pFieldName: a quoted name, or identifier chars joined by single dashes."""
        self.skip_spaces()
        if self.peek() == '"':
            name = self.quoted()
            self.skip_spaces()
            return name
        start = self.i
        while not self.eof():
            ch = self.s[self.i]
            if _IDENT_CHARS.match(ch):
                self.i += 1
            elif ch == "-" and self.peek(2) != "->" and self.i + 1 < len(self.s) and _IDENT_CHARS.match(self.s[self.i + 1]):
                self.i += 1
            else:
                break
        name = self.s[start:self.i].strip()
        if not name:
            raise self.fail("field name (* or [a..z0..9_$])")
        return name

    def until(self, stops: str) -> str:
        start = self.i
        while not self.eof() and self.s[self.i] not in stops:
            self.i += 1
        return self.s[start:self.i]


# --------------------------------------------------------------------------------------------
# select=
# --------------------------------------------------------------------------------------------
def parse_select(text: str) -> list[SelectItem]:
    if text is None or text.strip() == "":
        return [SelectItem("*")]
    sc = _Scanner(text, "select")
    items: list[SelectItem] = []
    while True:
        sc.skip_spaces()
        if sc.take("*"):
            items.append(SelectItem("*"))
        else:
            first = sc.identifier()
            alias = None
            if sc.peek() == ":" and sc.peek(2) != "::":
                sc.i += 1
                alias, first = first, sc.identifier()
            if sc.peek() == "(" or sc.peek() == "!":
                # Resource embedding needs PostgREST's relationship cache; the sync engine never
                # embeds, so say so plainly instead of guessing.
                raise QueryError("PGRST100", "resource embedding is not supported by the test server",
                                 f"select={text}")
            if sc.peek(2) in ("->",):
                raise QueryError("PGRST100", "JSON paths in select are not supported by the test server",
                                 f"select={text}")
            cast = None
            if sc.take("::"):
                cast = sc.until(",").strip()
                if not _CAST_TYPE.match(cast):
                    raise sc.fail("a type name")
            items.append(SelectItem(first, alias, cast))
        sc.skip_spaces()
        if sc.eof():
            return items
        if not sc.take(","):
            raise sc.fail('"," or end of input')


# --------------------------------------------------------------------------------------------
# Filters and logic trees
# --------------------------------------------------------------------------------------------
SIMPLE_OPS = {"eq", "neq", "gt", "gte", "lt", "lte", "like", "ilike", "match", "imatch", "cs", "cd", "ov",
              "isdistinct"}
IS_VALUES = {"null": "NULL", "not_null": "NOT NULL", "true": "TRUE", "false": "FALSE", "unknown": "UNKNOWN"}
_OPS_BY_LENGTH = sorted(SIMPLE_OPS | {"in", "is"}, key=len, reverse=True)


def _parse_in_list(sc: _Scanner) -> list[str]:
    """pListVal: ``(a,"b,c",d)``."""
    sc.skip_spaces()
    sc.expect("(")
    values: list[str] = []
    while True:
        if sc.peek() == '"':
            save = sc.i
            v = sc.quoted()
            if not sc.eof() and sc.peek() not in ",)":
                sc.i = save
                v = sc.until(",)")
        else:
            v = sc.until(",)")
        values.append(v)
        if sc.take(","):
            continue
        sc.skip_spaces()
        sc.expect(")")
        return values


def _parse_op_expr(sc: _Scanner, column: str, *, in_logic: bool) -> Filter:
    negate = False
    if sc.take("not."):
        negate = True
    op = None
    for candidate in _OPS_BY_LENGTH:
        if sc.s.startswith(candidate + ".", sc.i):
            op = candidate
            sc.i += len(candidate) + 1
            break
    if op is None:
        raise sc.fail("operator (eq, gt, ...)")
    if op == "in":
        values = _parse_in_list(sc)
        return Filter(column, "in", values, negate)
    if op == "is":
        if in_logic:
            word = sc.until(",)")
        else:
            word, sc.i = sc.s[sc.i:], len(sc.s)
        key = word.lower()
        if key not in IS_VALUES:
            raise QueryError("PGRST100", f'"failed to parse filter (is.{word})" (line 1, column 4)',
                             "unexpected value, expecting null, not_null, true, false or unknown")
        return Filter(column, "is", key, negate)
    if in_logic:
        # pLogicSingleVal: a quoted value, a {pg,array}, or anything up to , or )
        if sc.peek() == '"':
            save = sc.i
            value = sc.quoted()
            if not sc.eof() and sc.peek() not in ",)":
                sc.i = save
                value = sc.until(",)")
        elif sc.peek() == "{":
            start = sc.i
            close = sc.s.find("}", sc.i)
            if close < 0:
                raise sc.fail('"}"')
            sc.i = close + 1
            value = sc.s[start:sc.i]
        else:
            value = sc.until(",)")
    else:
        value = sc.s[sc.i:]
        sc.i = len(sc.s)
    return Filter(column, op, value, negate)


def parse_filter(key: str, value: str) -> Filter:
    """A top-level ``key=value`` filter parameter."""
    ksc = _Scanner(key, "filter")
    column = ksc.identifier()
    if not ksc.eof():
        if ksc.peek(2) == "->":
            raise QueryError("PGRST100", "JSON paths in filters are not supported by the test server", key)
        if ksc.peek() == ".":
            raise QueryError("PGRST100", "filters on embedded resources are not supported by the test server", key)
        raise ksc.fail("end of input")
    sc = _Scanner(value, "filter")
    return _parse_op_expr(sc, column, in_logic=False)


def _parse_logic_tree(sc: _Scanner) -> Filter | Logic:
    sc.skip_spaces()
    save = sc.i
    negate = sc.take("not.")
    for op in ("and", "or"):
        if sc.s.startswith(op + "(", sc.i):
            sc.i += len(op) + 1
            children = []
            while True:
                children.append(_parse_logic_tree(sc))
                sc.skip_spaces()
                if sc.take(","):
                    continue
                sc.expect(")")
                return Logic(op, tuple(children), negate)
    sc.i = save
    column = sc.identifier()
    sc.expect(".")
    return _parse_op_expr(sc, column, in_logic=True)


def parse_logic(key: str, value: str) -> Logic:
    """``or=(...)``, ``and=(...)``, ``not.or=(...)`` at top level."""
    negate = key.startswith("not.")
    op = key.split(".")[-1]
    sc = _Scanner(f"{op}{value}", "logic tree")
    tree = _parse_logic_tree(sc)
    sc.skip_spaces()
    if not sc.eof() or not isinstance(tree, Logic):
        raise sc.fail("end of input")
    return Logic(tree.op, tree.children, negate)


# --------------------------------------------------------------------------------------------
# order=
# --------------------------------------------------------------------------------------------
def parse_order(text: str) -> list[OrderTerm]:
    sc = _Scanner(text, "order")
    terms: list[OrderTerm] = []
    while True:
        column = sc.identifier()
        if sc.peek() == "(":
            raise QueryError("PGRST100", "ordering by embedded resources is not supported by the test server", text)
        desc = False
        nulls = None
        if sc.take(".asc"):
            desc = False
        elif sc.take(".desc"):
            desc = True
        if sc.take(".nullsfirst"):
            nulls = "first"
        elif sc.take(".nullslast"):
            nulls = "last"
        if not sc.eof() and sc.peek() != ",":
            raise sc.fail('"asc", "desc", "nullsfirst" or "nullslast"')
        terms.append(OrderTerm(column, desc, nulls))
        if sc.eof():
            return terms
        sc.expect(",")


def parse_columns(text: str) -> list[str]:
    sc = _Scanner(text, "columns")
    cols = []
    while True:
        cols.append(sc.identifier())
        if sc.eof():
            return cols
        sc.expect(",")


def _nonneg_int(name: str, text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise QueryError("PGRST100", f'"failed to parse {name} parameter ({text})"') from None
    if n < 0:
        raise QueryError("PGRST100", f'"failed to parse {name} parameter ({text})"')
    return n


def parse_query(params: Iterable[tuple[str, str]], *, rpc_arg_names: Sequence[str] = ()) -> ReadPlan:
    """Turn the (ordered, possibly repeated) query parameters into a :class:`ReadPlan`.

    For a GET/HEAD ``rpc`` call, parameters named like the function's arguments are arguments,
    not filters (PostgREST does the same).
    """
    plan = ReadPlan()
    for key, value in params:
        if key == "select":
            plan.select = parse_select(value)
        elif key == "order":
            plan.order.extend(parse_order(value))
        elif key == "limit":
            plan.limit = _nonneg_int("limit", value)
        elif key == "offset":
            plan.offset = _nonneg_int("offset", value)
        elif key == "columns":
            plan.columns = parse_columns(value)
        elif key == "on_conflict":
            plan.on_conflict = parse_columns(value)
        elif key in ("or", "and", "not.or", "not.and"):
            plan.where.append(parse_logic(key, value))
        elif key in ("apikey",):
            continue  # Kong accepts the key as a query parameter; PostgREST never sees it.
        elif key in rpc_arg_names:
            plan.rpc_args[key] = value
        elif "." in key and key.rsplit(".", 1)[-1] in ("order", "limit", "offset", "or", "and"):
            raise QueryError("PGRST100", "parameters on embedded resources are not supported by the test server", key)
        else:
            plan.where.append(parse_filter(key, value))
    return plan


# --------------------------------------------------------------------------------------------
# SQL
# --------------------------------------------------------------------------------------------
def _col(qualifier: sql.Composable | None, name: str) -> sql.Composable:
    ident = sql.Identifier(name)
    return sql.SQL("{}.{}").format(qualifier, ident) if qualifier is not None else ident


def _lit(value: str) -> sql.Composable:
    # A quoted literal with no type: PostgreSQL gives it the column's type (like PostgREST's
    # unknown-typed parameters), so ``'42'`` compares with an int and ``'{a,b}'`` with a text[].
    return sql.Literal(str(value))


_CMP = {"eq": "=", "neq": "<>", "gt": ">", "gte": ">=", "lt": "<", "lte": "<=", "like": "LIKE", "ilike": "ILIKE",
        "match": "~", "imatch": "~*", "cs": "@>", "cd": "<@", "ov": "&&"}


def filter_sql(f: Filter | Logic, qualifier: sql.Composable | None = None) -> sql.Composable:
    if isinstance(f, Logic):
        joiner = sql.SQL(" AND ") if f.op == "and" else sql.SQL(" OR ")
        inner = sql.SQL("({})").format(joiner.join(filter_sql(c, qualifier) for c in f.children))
        return sql.SQL("NOT {}").format(inner) if f.negate else inner
    col = _col(qualifier, f.column)
    if f.op == "in":
        values = list(f.value)  # type: ignore[arg-type]
        # SqlFragment.hs: an empty list ``in.()`` parses as [""] and becomes ``= ANY('{}')``.
        expr = (sql.SQL("{} = ANY('{{}}')").format(col) if values in ([], [""])
                else sql.SQL("{} IN ({})").format(col, sql.SQL(", ").join(_lit(v) for v in values)))
    elif f.op == "is":
        expr = sql.SQL("{} IS {}").format(col, sql.SQL(IS_VALUES[str(f.value)]))
    elif f.op == "isdistinct":
        expr = sql.SQL("{} IS DISTINCT FROM {}").format(col, _lit(str(f.value)))
    else:
        value = str(f.value)
        if f.op in ("like", "ilike"):
            value = value.replace("*", "%")  # PostgREST: '*' stands for '%' in like patterns
        expr = sql.SQL("{} {} {}").format(col, sql.SQL(_CMP[f.op]), _lit(value))
    return sql.SQL("NOT ({})").format(expr) if f.negate else expr


def where_sql(filters: Sequence[Filter | Logic], qualifier: sql.Composable | None = None) -> sql.Composable:
    if not filters:
        return sql.SQL("")
    return sql.SQL(" WHERE ") + sql.SQL(" AND ").join(filter_sql(f, qualifier) for f in filters)


def select_list_sql(items: Sequence[SelectItem], qualifier: sql.Composable | None = None) -> sql.Composable:
    parts = []
    for item in items:
        if item.column == "*":
            parts.append(sql.SQL("{}.*").format(qualifier) if qualifier is not None else sql.SQL("*"))
            continue
        expr = _col(qualifier, item.column)
        if item.cast:
            expr = sql.SQL("{}::{}").format(expr, sql.SQL(item.cast))
        name = item.alias or item.column
        parts.append(sql.SQL("{} AS {}").format(expr, sql.Identifier(name)))
    return sql.SQL(", ").join(parts)


def order_sql(terms: Sequence[OrderTerm], qualifier: sql.Composable | None = None) -> sql.Composable:
    if not terms:
        return sql.SQL("")
    parts = []
    for t in terms:
        p = sql.SQL("{} {}").format(_col(qualifier, t.column), sql.SQL("DESC" if t.desc else "ASC"))
        if t.nulls:
            p = p + sql.SQL(" NULLS FIRST" if t.nulls == "first" else " NULLS LAST")
        parts.append(p)
    return sql.SQL(" ORDER BY ") + sql.SQL(", ").join(parts)


def limit_sql(limit: int | None, offset: int) -> sql.Composable:
    out = sql.SQL("")
    if limit is not None:
        out = out + sql.SQL(" LIMIT {}").format(sql.Literal(limit))
    if offset:
        out = out + sql.SQL(" OFFSET {}").format(sql.Literal(offset))
    return out


def filter_columns(filters: Sequence[Filter | Logic]) -> set[str]:
    out: set[str] = set()
    for f in filters:
        if isinstance(f, Logic):
            out |= filter_columns(f.children)
        else:
            out.add(f.column)
    return out

"""Unit tests of the test server's protocol layers (no database, no sockets)."""

from __future__ import annotations

import json
import time

import jwt
import pytest

from tests.fake_supabase import query as q
from tests.fake_supabase.db import sqlstate_status
from tests.fake_supabase.realtime import BindingError, RtFilter, binding_id, parse_filters
from tests.fake_supabase.tokens import JwtIssuer, TokenError

pytestmark = pytest.mark.sync


def render(composable) -> str:
    return composable.as_string(None)


# -- query string -> SQL ----------------------------------------------------------------------
@pytest.mark.parametrize("key,value,expected", [
    ("name", "eq.Ada", '"name" = \'Ada\''),
    ("name", "eq.a,b(c)", '"name" = \'a,b(c)\''),          # top-level values are taken literally
    ("n", "neq.1", '"n" <> \'1\''),
    ("n", "gte.2", '"n" >= \'2\''),
    ("n", "lt.3", '"n" < \'3\''),
    ("t", "is.null", '"t" IS NULL'),
    ("t", "not.is.null", 'NOT ("t" IS NULL)'),
    ("b", "is.true", '"b" IS TRUE'),
    ("name", "like.A*", '"name" LIKE \'A%\''),
    ("name", "ilike.*a*", '"name" ILIKE \'%a%\''),
    ("id", 'in.(1,"2,3",4)', '"id" IN (\'1\', \'2,3\', \'4\')'),
    ("id", 'in.("a\\"b")', '"id" IN (\'a"b\')'),
    ("id", "in.()", '"id" = ANY(\'{}\')'),
    ("tags", "cs.{a,b}", '"tags" @> \'{a,b}\''),
    ('"odd,name"', "eq.1", '"odd,name" = \'1\''),
])
def test_filters(key, value, expected):
    assert render(q.filter_sql(q.parse_filter(key, value))) == expected


def test_logic_tree_with_nesting_quotes_and_negation():
    tree = q.parse_logic("or", '(updated_at.gt.2024-01-01T00:00:00+00:00,and(updated_at.eq.2024-01-01T00:00:00+00:00,'
                               'id.gt.5),name.eq."a,b",not.and(x.is.null,y.in.(1,2)))')
    sql_text = render(q.filter_sql(tree))
    assert sql_text == (
        '("updated_at" > \'2024-01-01T00:00:00+00:00\' OR ("updated_at" = \'2024-01-01T00:00:00+00:00\' AND '
        '"id" > \'5\') OR "name" = \'a,b\' OR NOT ("x" IS NULL AND "y" IN (\'1\', \'2\')))')
    assert render(q.filter_sql(q.parse_logic("not.or", "(a.eq.1,b.eq.2)"))) == 'NOT ("a" = \'1\' OR "b" = \'2\')'


def test_qualified_columns_and_literal_quoting():
    f = q.parse_filter("name", "eq.O'Brien")
    assert render(q.filter_sql(f, q.sql.Identifier("public", "contacts"))) == '"public"."contacts"."name" = \'O\'\'Brien\''


def test_select_order_limit():
    items = q.parse_select("id, label:name,n::text,*")
    assert items == [q.SelectItem("id"), q.SelectItem("name", "label"), q.SelectItem("n", None, "text"), q.SelectItem("*")]
    assert render(q.select_list_sql(items[:3])) == '"id" AS "id", "name" AS "label", "n"::text AS "n"'
    terms = q.parse_order("updated_at.desc.nullslast,id")
    assert render(q.order_sql(terms)) == ' ORDER BY "updated_at" DESC NULLS LAST, "id" ASC'
    assert render(q.limit_sql(10, 20)) == " LIMIT 10 OFFSET 20"


def test_parse_query_collects_everything_in_order():
    plan = q.parse_query([("select", "id"), ("workspace_id", "eq.w"), ("updated_at", "gte.1"), ("updated_at", "lt.9"),
                          ("or", "(a.eq.1,b.eq.2)"), ("order", "id.asc"), ("limit", "5"), ("offset", "2"),
                          ("on_conflict", "id"), ("columns", '"a","b"')])
    assert [f.column for f in plan.where[:3]] == ["workspace_id", "updated_at", "updated_at"]
    assert isinstance(plan.where[3], q.Logic)
    assert (plan.limit, plan.offset, plan.on_conflict, plan.columns) == (5, 2, ["id"], ["a", "b"])


@pytest.mark.parametrize("key,value", [
    ("name", "equals.x"), ("or", "(a.eq.1"), ("or", "(a.zz.1)"), ("order", "id.sideways"), ("limit", "-1"),
    ("select", "rel(id)"), ("t", "is.maybe"),
])
def test_malformed_requests_are_pgrst100(key, value):
    with pytest.raises(q.QueryError) as err:
        q.parse_query([(key, value)])
    assert err.value.code == "PGRST100" and err.value.status == 400


# -- PostgREST status mapping (Error.hs mapSQLtoHTTP) -------------------------------------------
@pytest.mark.parametrize("code,authed,status", [
    ("42501", False, 401), ("42501", True, 403), ("23505", True, 409), ("23503", True, 409),
    ("23502", True, 400), ("P0001", True, 400), ("42P01", True, 404), ("42883", True, 404),
    ("25006", True, 405), ("08006", True, 503), ("40001", True, 500), ("22P02", True, 400), ("PT418", True, 418),
])
def test_sqlstate_status(code, authed, status):
    assert sqlstate_status(code, authed) == status


# -- realtime ---------------------------------------------------------------------------------
def test_realtime_filter_parsing():
    assert parse_filters("workspace_id=eq.abc") == [RtFilter("workspace_id", "eq", "abc")]
    assert parse_filters("status=not.in.(a,b),n=gt.3") == [RtFilter("status", "in", "{a,b}", True),
                                                          RtFilter("n", "gt", "3")]
    assert parse_filters(" ") == []
    with pytest.raises(BindingError):
        parse_filters("subject=foo.hey")
    with pytest.raises(BindingError):
        parse_filters("undefined")


def test_binding_ids_are_stable_and_truthy():
    b = {"event": "*", "schema": "public", "table": "contacts", "filter": "workspace_id=eq.x"}
    assert binding_id(b) == binding_id(json.loads(json.dumps(b))) > 0
    assert binding_id(b) != binding_id({**b, "event": "INSERT"})


# -- tokens -----------------------------------------------------------------------------------
def test_tokens():
    issuer = JwtIssuer.generate()
    anon = jwt.decode(issuer.api_key("anon"), issuer.secret, algorithms=["HS256"])
    assert anon["role"] == "anon" and anon["iss"] == "supabase"
    user = {"id": "00000000-0000-0000-0000-000000000001", "email": "a@b.c"}
    token = issuer.sign(issuer.access_token_claims(user, session_id="s", expires_in=60))
    claims = issuer.verify(token)
    assert claims["sub"] == user["id"] and claims["role"] == "authenticated" and claims["session_id"] == "s"
    expired = issuer.sign(issuer.access_token_claims(user, session_id="s", expires_in=-10))
    with pytest.raises(TokenError) as err:
        issuer.verify(expired)
    assert err.value.kind == "expired" and err.value.expired_for >= 10
    other = JwtIssuer.generate().sign({"role": "anon", "exp": int(time.time()) + 60})
    with pytest.raises(TokenError) as err:
        issuer.verify(other)
    assert err.value.kind == "signature"
    with pytest.raises(TokenError) as err:
        issuer.verify("a.b")
    assert err.value.message == "Expected 3 parts in JWT; got 2"

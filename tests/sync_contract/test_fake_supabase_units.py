"""Unit tests of the test server's protocol layers (no database, no sockets)."""

from __future__ import annotations

import json
import time
from unittest import mock

import jwt
import pytest
from aiohttp.test_utils import make_mocked_request

from tests.fake_supabase import query as q
from tests.fake_supabase.auth import TokenBucket
from tests.fake_supabase.control import ArgumentError, ControlEndpoint, FaultRegistry, is_loopback
from tests.fake_supabase.db import sqlstate_status, timeout_setting
from tests.fake_supabase.faults import build_fault, default_preset
from tests.fake_supabase.realtime import BindingError, RtFilter, binding_id, parse_filters
from tests.fake_supabase.rest import RestSettings, _write_range
from tests.fake_supabase.tokens import ApiKeys, JwtIssuer, TokenError

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


# -- clock skew and API keys --------------------------------------------------------------------
def test_postgrest_clock_skew_on_time_claims():
    issuer = JwtIssuer.generate()
    now = int(time.time())

    def check(**claims):
        return issuer.verify(issuer.sign({"role": "anon", **claims}), leeway=30, check_not_before=True)

    assert check(exp=now - 20)["role"] == "anon"
    assert check(iat=now + 20, nbf=now + 20)["role"] == "anon"
    for claims, kind, message in (({"exp": now - 40}, "expired", "JWT expired"),
                                  ({"iat": now + 40}, "claims", "JWT issued at future"),
                                  ({"nbf": now + 40}, "claims", "JWT not yet valid"),
                                  ({"exp": "soon"}, "claims", "The JWT 'exp' claim must be a number"),
                                  ({"iat": True}, "claims", "The JWT 'iat' claim must be a number")):
        with pytest.raises(TokenError) as err:
            check(**claims)
        assert (err.value.kind, err.value.message) == (kind, message)
    # Without leeway (Auth, Realtime) a future iat is not looked at and exp is exact.
    assert issuer.verify(issuer.sign({"iat": now + 600, "exp": now + 60}))["exp"] == now + 60
    with pytest.raises(TokenError):
        issuer.verify(issuer.sign({"exp": now - 2}))


def test_api_keys_match_exact_strings_only():
    issuer = JwtIssuer.generate()
    keys = ApiKeys.issue(issuer)
    assert keys.publishable.startswith("sb_publishable_") and keys.secret.startswith("sb_secret_")
    assert ApiKeys.issue(issuer).publishable != keys.publishable  # random per project
    assert [keys.role_of(k) for k in (keys.anon, keys.publishable, keys.service_role, keys.secret)] == [
        "anon", "anon", "service_role", "service_role"]
    same_claims = issuer.api_key("anon")  # valid signature, but not the issued string
    for other in (same_claims if same_claims != keys.anon else "x", keys.secret[:-1], keys.secret + " ", "", None,
                  "ключ\udcff", "sb_secret_" + "0" * 32):
        assert keys.role_of(other) is None
    assert ApiKeys.is_opaque(keys.secret) and not ApiKeys.is_opaque(keys.anon) and not ApiKeys.is_opaque(None)


def test_sqlstate_status_for_unknown_roles_and_cardinality():
    assert sqlstate_status("22023", True, 'role "nope" does not exist') == 401
    assert sqlstate_status("22023", True, "invalid value for parameter") == 400
    assert sqlstate_status("21000", True, "UPDATE requires a WHERE clause") == 400
    assert sqlstate_status("21000", True, "more than one row returned by a subquery") == 500
    assert sqlstate_status("57014", False, "canceling statement due to statement timeout") == 500


# -- REST settings ----------------------------------------------------------------------------------
def test_rest_settings_row_cap_and_timeouts():
    settings = RestSettings()
    assert (settings.capped(None), settings.capped(10), settings.capped(5000)) == (1000, 10, 1000)
    assert RestSettings(max_rows=None).capped(None) is None
    assert [settings.timeout_for(r) for r in ("anon", "authenticated", "service_role", "some_custom_role")] == [
        3.0, 8.0, 8.0, 8.0]
    assert (timeout_setting(3.0), timeout_setting(0.25), timeout_setting(0), timeout_setting(None)) == (
        "3000ms", "250ms", "0", "0")
    assert (_write_range("PATCH", 3, None), _write_range("PATCH", 3, 3), _write_range("PATCH", 0, None),
            _write_range("PATCH", 0, 0), _write_range("POST", 2, None), _write_range("DELETE", 2, 2)) == (
        "0-2/*", "0-2/3", "*/*", "*/0", "*/*", "*/2")


# -- fault bodies -----------------------------------------------------------------------------------
@pytest.mark.parametrize("path,status,preset", [
    ("/rest/v1/deals", 520, "edge"), ("/auth/v1/token", 524, "edge"), ("/auth/v1/token", 429, "auth_rate_limit"),
    ("/auth/v1/token", 503, "auth_unexpected"), ("/rest/v1/deals", 503, "postgrest_connection"),
    ("/rest/v1/deals", 504, "postgrest_pool_timeout"), ("/rest/v1/deals", 502, "gateway"),
    ("/realtime/v1/websocket", 503, "gateway"),
])
def test_default_presets(path, status, preset):
    assert default_preset(path, status) == preset


def test_fault_bodies_have_each_sources_shape():
    edge = build_fault("/rest/v1/x", 522, None)
    assert edge.content_type.startswith("text/html") and b"Connection timed out" in edge.body
    assert dict(edge.headers)["Server"] == "cloudflare" and dict(edge.headers)["CF-RAY"]
    assert json.loads(build_fault("/x", 504, "gateway").body) == {"message": "The upstream server is timing out"}
    assert json.loads(build_fault("/x", 418, "gateway").body) == {"message": "The upstream server responded with 418"}
    schema = build_fault("/rest/v1/x", None, "postgrest_schema_cache")
    assert schema.status == 503 and json.loads(schema.body)["code"] == "PGRST002"
    assert dict(schema.headers)["Proxy-Status"] == "PostgREST; error=PGRST002"
    limited = build_fault("/auth/v1/otp", None, "auth_rate_limit", retry_after=30)
    assert limited.status == 429 and dict(limited.headers)["Retry-After"] == "30"
    assert json.loads(limited.body)["error_code"] == "over_request_rate_limit"
    assert "Retry-After" not in dict(build_fault("/auth/v1/otp", None, "auth_rate_limit").headers)
    with pytest.raises(ValueError):
        build_fault("/x", 302, None)


def test_token_bucket_like_gotrue():
    bucket = TokenBucket(rate=0.5, burst=2)
    assert bucket.take("a", 100.0) is None and bucket.take("a", 100.0) is None
    assert bucket.take("a", 100.0) == pytest.approx(2.0)
    assert bucket.take("b", 100.0) is None  # per client address
    assert bucket.take("a", 102.0) is None  # refilled one token in 2 s
    assert bucket.take("a", 102.0) is not None


# -- the control endpoint ----------------------------------------------------------------------------
def _registry() -> FaultRegistry:
    registry = FaultRegistry()
    calls = []

    def fail_some(n: int = 1, *, status: int | str = 503, seconds: float = 0.5) -> dict:
        """Fail a few."""
        calls.append((n, status, seconds))
        return {"n": n}

    registry.register("fail_some", fail_some)
    registry.calls = calls  # type: ignore[attr-defined]
    return registry


def test_registry_converts_arguments_and_reports_what_is_wrong():
    registry = _registry()
    fault = registry.get("fail_some")
    assert fault.validate({"n": "3", "status": "reset", "seconds": 1}) == {"n": 3, "status": "reset", "seconds": 1.0}
    with pytest.raises(ArgumentError) as err:
        fault.validate({"n": "three", "seconds": []})
    assert sorted(d["param"] for d in err.value.details) == ["n", "seconds"]
    with pytest.raises(ArgumentError, match="unexpected keyword"):
        fault.validate({"m": 1})
    assert registry.listing()["faults"]["fail_some"] == {
        "doc": "Fail a few.",
        "params": {"n": {"type": "int", "default": 1}, "status": {"type": "int | str", "default": 503},
                   "seconds": {"type": "float", "default": 0.5}}}
    with pytest.raises(ValueError):
        registry.register("no spaces", lambda: None)


@pytest.mark.parametrize("remote,ok", [("127.0.0.1", True), ("127.5.5.5", True), ("::1", True),
                                       ("::ffff:127.0.0.1", True), ("10.0.0.7", False), ("192.168.1.2", False),
                                       ("::ffff:10.0.0.7", False), (None, False), ("not-an-ip", False)])
def test_loopback_peers_only(remote, ok):
    assert is_loopback(remote) is ok


async def test_control_endpoint_refuses_a_non_loopback_peer():
    endpoint = ControlEndpoint(_registry())
    transport = mock.Mock()
    transport.get_extra_info.side_effect = lambda name, default=None: ("10.1.2.3", 40000) if name == "peername" else default
    for handler, method in ((endpoint.handle_get, "GET"), (endpoint.handle_post, "POST")):
        request = make_mocked_request(method, "/__faults", headers={"Content-Type": "application/json"},
                                      transport=transport)
        response = await handler(request)
        assert response.status == 403 and json.loads(response.body)["ok"] is False
    assert endpoint.registry.calls == []  # type: ignore[attr-defined]


def test_registry_runs_what_other_modules_ask_to_undo_on_reset():
    registry = _registry()
    undone = []
    registry.on_reset(lambda: undone.append("realtime"))
    registry.add_state("realtime", lambda: {"dropping": 2})
    registry.run_resets()
    assert undone == ["realtime"] and registry.listing()["active"] == {"realtime": {"dropping": 2}}


def test_auth_fault_bodies_follow_the_api_version_asked_for():
    old = build_fault("/auth/v1/token", 429, None, retry_after=3)
    assert json.loads(old.body) == {"code": 429, "error_code": "over_request_rate_limit", "msg": "Request rate limit reached"}
    new = build_fault("/auth/v1/token", 429, None, retry_after=3, api_version="2024-01-01")
    assert json.loads(new.body) == {"code": "over_request_rate_limit", "message": "Request rate limit reached"}
    assert dict(new.headers)["X-Supabase-Api-Version"] == "2024-01-01" and dict(new.headers)["Retry-After"] == "3"


def test_dev_server_prints_addresses_without_control_codes():
    from tests.fake_supabase.__main__ import database_url, printable

    assert printable("a\x1b[2J\x07b@example.test\u202e") == "a\\x1b[2J\\x07b@example.test\\u202e"
    assert printable("zoë@example.test") == "zoë@example.test"
    assert database_url("host=127.0.0.1 port=5433 user=postgres dbname=track_dev_x") == (
        "postgresql://postgres@127.0.0.1:5433/track_dev_x")

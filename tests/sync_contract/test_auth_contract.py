"""Auth contract: what supabase-py's auth client does against Supabase Auth (GoTrue)."""

from __future__ import annotations

import re
import time

import httpx
import jwt
import pytest
from postgrest.exceptions import APIError
from supabase_auth.errors import AuthApiError

pytestmark = pytest.mark.sync


async def test_password_sign_in_issues_supabase_shaped_tokens(backend, team):
    client = await backend.client()
    res = await client.auth.sign_in_with_password({"email": team.alice.email, "password": team.alice.password})
    assert res.user.id == team.alice.id and res.user.email == team.alice.email
    session = res.session
    assert session.token_type == "bearer" and session.refresh_token and session.expires_in > 0
    claims = jwt.decode(session.access_token, options={"verify_signature": False})
    assert claims["sub"] == team.alice.id
    assert claims["role"] == "authenticated" and claims["aud"] == "authenticated"
    assert claims["email"] == team.alice.email
    assert {"exp", "iat", "session_id", "aal", "amr", "app_metadata", "user_metadata", "is_anonymous"} <= set(claims)
    assert jwt.get_unverified_header(session.access_token)["alg"] in ("HS256", "ES256", "RS256")
    user = await client.auth.get_user()
    assert user.user.id == team.alice.id


async def test_wrong_password_is_invalid_credentials(backend, team):
    client = await backend.client()
    with pytest.raises(AuthApiError) as err:
        await client.auth.sign_in_with_password({"email": team.alice.email, "password": "nope"})
    assert err.value.status == 400
    assert err.value.code == "invalid_credentials"
    assert err.value.message == "Invalid login credentials"


async def test_sign_in_with_email_code(backend, team):
    fake = backend.require_fake()
    client = await backend.client()
    await client.auth.sign_in_with_otp({"email": team.bob.email, "options": {"should_create_user": False}})
    code = fake.last_otp(team.bob.email)
    assert code is not None and len(code) == 6
    with pytest.raises(AuthApiError) as err:
        await client.auth.verify_otp({"email": team.bob.email, "token": "000000" if code != "000000" else "111111",
                                      "type": "email"})
    assert err.value.status == 403 and err.value.code == "otp_expired"
    res = await client.auth.verify_otp({"email": team.bob.email, "token": code, "type": "email"})
    assert res.user.id == team.bob.id
    claims = jwt.decode(res.session.access_token, options={"verify_signature": False})
    assert claims["amr"][0]["method"] == "otp"
    # A code works once.
    with pytest.raises(AuthApiError):
        await (await backend.client()).auth.verify_otp({"email": team.bob.email, "token": code, "type": "email"})


async def test_otp_for_unknown_address_without_signup_is_refused(backend):
    backend.require_fake()
    client = await backend.client()
    with pytest.raises(AuthApiError) as err:
        await client.auth.sign_in_with_otp({"email": "nobody@example.test", "options": {"should_create_user": False}})
    assert err.value.status == 422 and err.value.code == "otp_disabled"


async def test_refresh_rotates_the_refresh_token(backend, team):
    client = await backend.signed_in(team.alice)
    first = await client.auth.get_session()
    res = await client.auth.refresh_session()
    assert res.session.refresh_token != first.refresh_token
    assert res.session.user.id == team.alice.id
    # The new access token works with PostgREST.
    rows = (await client.table("workspaces").select("id").eq("id", team.a).execute()).data
    assert rows == [{"id": team.a}]
    # An unknown refresh token is refused the way GoTrue refuses it.
    with pytest.raises(AuthApiError) as err:
        await client.auth.refresh_session("not-a-refresh-token")
    assert err.value.status == 400 and err.value.code == "refresh_token_not_found"


async def _refresh(backend, token: str):
    """One refresh by a fresh client holding only `token` (as a second device, or a retry)."""
    return (await (await backend.client()).auth.refresh_session(token)).session


async def test_parent_of_the_active_token_always_gets_the_active_token_back(backend, team):
    """A client that lost the answer to its refresh recovers, however late it retries (service.go)."""
    fake = backend.require_fake()
    client = await backend.signed_in(team.alice)
    first = (await client.auth.get_session()).refresh_token
    active = (await client.auth.refresh_session()).session.refresh_token
    fake.auth.advance_clock(3600)  # far past the 10 s reuse interval
    again = await _refresh(backend, first)
    assert again.refresh_token == active  # the same active token, not a new one
    assert again.user.id == team.alice.id
    # ... and the active token still rotates normally.
    assert (await _refresh(backend, active)).refresh_token not in (first, active)


async def test_older_revoked_tokens_work_only_within_the_reuse_interval(backend, team):
    fake = backend.require_fake()
    fake.set_auth_limits(refresh_reuse_interval=10)

    async def chain(user) -> tuple[str, str, str]:
        client = await backend.signed_in(user)
        grandparent = (await client.auth.get_session()).refresh_token
        parent = (await client.auth.refresh_session()).session.refresh_token
        return grandparent, parent, (await client.auth.refresh_session()).session.refresh_token

    # Within the interval an older token gets a new child of its own.
    grandparent, parent, active = await chain(team.alice)
    fake.auth.advance_clock(5)
    child = (await _refresh(backend, grandparent)).refresh_token
    assert child not in (grandparent, parent, active)
    # Past it, an older token is refused and every token of its session is revoked with it.
    grandparent, parent, active = await chain(team.bob)
    fake.auth.advance_clock(11)
    with pytest.raises(AuthApiError) as err:
        await _refresh(backend, grandparent)
    assert err.value.status == 400 and err.value.code == "refresh_token_already_used"
    assert err.value.message == "Invalid Refresh Token: Already Used"
    fake.auth.advance_clock(11)
    for token in (parent, active):
        with pytest.raises(AuthApiError) as err:
            await _refresh(backend, token)
        assert err.value.code == "refresh_token_already_used"


async def test_token_endpoint_rate_limit(backend, team):
    """GoTrue's /token limiter: a burst, then 429 over_request_rate_limit until the bucket refills."""
    fake = backend.require_fake()
    fake.set_auth_limits(token_per_5min=30, token_burst=2)  # refills one request every 10 s
    creds = {"email": team.bob.email, "password": team.bob.password}
    for _ in range(2):
        await (await backend.client()).auth.sign_in_with_password(creds)
    with pytest.raises(AuthApiError) as err:
        await (await backend.client()).auth.sign_in_with_password(creds)
    assert err.value.status == 429 and err.value.code == "over_request_rate_limit"
    assert err.value.message == "Request rate limit reached"
    async with httpx.AsyncClient() as http:
        r = await http.post(f"{backend.url}/auth/v1/token", params={"grant_type": "refresh_token"},
                            json={"refresh_token": "x"}, headers={"apikey": backend.anon_key})
    assert r.status_code == 429 and r.headers["Retry-After"] == "10"  # every grant counts
    fake.auth.advance_clock(10)
    assert (await (await backend.client()).auth.sign_in_with_password(creds)).user.id == team.bob.id


async def test_one_time_code_resend_cooldown_and_only_the_newest_code(backend, team):
    fake = backend.require_fake()
    client = await backend.client()
    ask = {"email": team.carol.email, "options": {"should_create_user": False}}
    await client.auth.sign_in_with_otp(ask)
    first = fake.last_otp(team.carol.email)
    with pytest.raises(AuthApiError) as err:
        await client.auth.sign_in_with_otp(ask)
    assert err.value.status == 429 and err.value.code == "over_email_send_rate_limit"
    assert re.fullmatch(r"For security purposes, you can only request this after (59|60) seconds\.", err.value.message)
    fake.auth.advance_clock(61)
    await client.auth.sign_in_with_otp(ask)
    newest = fake.last_otp(team.carol.email)
    if newest == first:  # one chance in a million that the two codes are the same digits
        pytest.skip("the resent code repeated the first one")
    with pytest.raises(AuthApiError) as err:
        await client.auth.verify_otp({"email": team.carol.email, "token": first, "type": "email"})
    assert err.value.status == 403 and err.value.code == "otp_expired"
    res = await client.auth.verify_otp({"email": team.carol.email, "token": newest, "type": "email"})
    assert res.user.id == team.carol.id


async def test_logout_ends_the_session(backend, team):
    client = await backend.signed_in(team.carol)
    token = (await client.auth.get_session()).access_token
    await client.auth.sign_out()
    assert await client.auth.get_session() is None
    other = await backend.client()
    with pytest.raises(AuthApiError) as err:
        await other.auth.get_user(token)
    assert err.value.status == 403 and err.value.code == "session_not_found"


async def test_expired_and_forged_tokens_are_refused(backend, team):
    fake = backend.require_fake()
    expired = await fake.access_token_for(team.alice.id, expires_in=-60)
    client = await backend.client()
    with pytest.raises(AuthApiError) as err:
        await client.auth.get_user(expired)
    assert err.value.status == 403 and err.value.code == "bad_jwt"

    # PostgREST: 401 with PGRST303 "JWT expired" and WWW-Authenticate.
    async with httpx.AsyncClient() as http:
        r = await http.get(f"{backend.url}/rest/v1/contacts", params={"select": "id"},
                           headers={"apikey": backend.anon_key, "Authorization": f"Bearer {expired}"})
        assert r.status_code == 401
        assert r.json()["code"] == "PGRST303" and r.json()["message"] == "JWT expired"
        assert r.headers["WWW-Authenticate"].startswith('Bearer error="invalid_token"')
        forged = jwt.encode({"sub": team.alice.id, "role": "service_role", "exp": 2**31}, "not-the-project-secret-but-long-enough-for-hs256",
                            algorithm="HS256")
        r = await http.get(f"{backend.url}/rest/v1/contacts", params={"select": "id"},
                           headers={"apikey": backend.anon_key, "Authorization": f"Bearer {forged}"})
        assert r.status_code == 401 and r.json()["code"] == "PGRST301"
        # The gateway wants an API key before anything else.
        r = await http.get(f"{backend.url}/rest/v1/contacts")
        assert r.status_code == 401 and r.json()["message"] == "No API key found in request"
        r = await http.get(f"{backend.url}/rest/v1/contacts", headers={"apikey": forged})
        assert r.status_code == 401 and r.json()["message"] == "Invalid API key"

    rest = await backend.client(headers={"Authorization": f"Bearer {expired}"})
    with pytest.raises(APIError) as api_err:
        await rest.table("contacts").select("id").execute()
    assert api_err.value.code == "PGRST303"


async def test_postgrest_allows_30_seconds_of_clock_skew(backend, team):
    """Auth/Jwt.hs: exp, nbf and iat are checked with 30 s of skew; GoTrue checks exp exactly."""
    fake = backend.require_fake()
    now = int(time.time())

    async def rest_status(token: str) -> tuple[int, dict | list]:
        async with httpx.AsyncClient() as http:
            r = await http.get(f"{backend.url}/rest/v1/workspaces", params={"select": "id", "id": f"eq.{team.a}"},
                               headers={"apikey": backend.anon_key, "Authorization": f"Bearer {token}"})
        return r.status_code, r.json()

    just_expired = await fake.access_token_for(team.alice.id, expires_in=-10)
    assert await rest_status(just_expired) == (200, [{"id": team.a}])
    with pytest.raises(AuthApiError) as err:
        await (await backend.client()).auth.get_user(just_expired)
    assert err.value.code == "bad_jwt"
    assert (await rest_status(await fake.access_token_for(team.alice.id, extra={"iat": now + 10})))[0] == 200
    for extra, message in (({"iat": now + 120}, "JWT issued at future"), ({"nbf": now + 120}, "JWT not yet valid"),
                           ({"exp": now - 45}, "JWT expired")):
        status, body = await rest_status(await fake.access_token_for(team.alice.id, extra=extra))
        assert (status, body["code"], body["message"]) == (401, "PGRST303", message)


async def test_gateway_accepts_only_the_issued_keys(backend, team):
    """Exact key strings: the legacy JWT keys and the sb_publishable_ / sb_secret_ keys."""
    fake = backend.require_fake()
    assert fake.publishable_key.startswith("sb_publishable_") and fake.secret_key.startswith("sb_secret_")
    # The publishable key is the anon key: sign-in works, RLS applies.
    client = await backend.client(fake.publishable_key)
    assert (await client.table("workspaces").select("id").eq("id", team.a).execute()).data == []
    await client.auth.sign_in_with_password({"email": team.alice.email, "password": team.alice.password})
    assert (await client.table("workspaces").select("id").eq("id", team.a).execute()).data == [{"id": team.a}]
    # The secret key is the service role: admin API, no RLS.
    admin = await backend.client(fake.secret_key)
    made = await admin.auth.admin.create_user({"email": f"keyed-{team.a[:8]}@example.test", "password": "pw-123456",
                                               "email_confirm": True})
    assert made.user.email == f"keyed-{team.a[:8]}@example.test"
    assert (await admin.table("workspaces").select("id").eq("id", team.b).execute()).data == [{"id": team.b}]
    # A JWT signed with the project's own secret is still not one of its keys.
    now = int(time.time())
    minted = fake.server.issuer.sign({"iss": "supabase", "ref": "fakesupabase", "role": "anon", "iat": now - 5,
                                      "exp": now + 3600})
    async with httpx.AsyncClient() as http:
        for key in (minted, fake.publishable_key + "x", "sb_publishable_" + "A" * 32, "ключ".encode()):
            r = await http.get(f"{backend.url}/rest/v1/workspaces", headers={"apikey": key})
            assert (r.status_code, r.json()["message"]) == (401, "Invalid API key"), key


async def test_hostile_addresses_and_fields_are_refused_plainly(backend):
    """Nothing typed into a request reaches the database or a terminal as it came."""
    backend.require_fake()
    client = await backend.client()
    for email in ("a\x1b[2J@example.test", "no-at-sign", "two@@example.test", "sp ace@example.test", "x" * 250 + "@e.test"):
        with pytest.raises(AuthApiError) as err:
            await client.auth.sign_in_with_otp({"email": email})
        assert (err.value.status, err.value.code) == (400, "validation_failed"), email
    admin = await backend.admin()
    for user in ({"email": "ok@example.test", "id": "not-a-uuid"}, {"email": "ok@example.test", "password": 12345},
                 {"email": "ok@example.test", "user_metadata": ["x"]}, {"email": "\x07@example.test"}):
        with pytest.raises(AuthApiError) as err:
            await admin.auth.admin.create_user(user)
        assert err.value.status == 400, user

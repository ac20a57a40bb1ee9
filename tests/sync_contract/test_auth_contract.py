"""Auth contract: what supabase-py's auth client does against Supabase Auth (GoTrue)."""

from __future__ import annotations

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


async def test_reused_refresh_token_is_refused_after_the_reuse_interval(backend, team):
    fake = backend.require_fake()
    client = await backend.signed_in(team.alice)
    old = (await client.auth.get_session()).refresh_token
    await client.auth.refresh_session()
    # Within the reuse interval the parent token still yields the session's current token.
    again = await (await backend.client()).auth.refresh_session(old)
    assert again.session.user.id == team.alice.id
    rec = fake.auth.state.refresh_tokens[old]
    rec.revoked_at -= 60  # pretend the interval has passed
    with pytest.raises(AuthApiError) as err:
        await (await backend.client()).auth.refresh_session(old)
    assert err.value.code == "refresh_token_already_used"


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
    expired = await fake.access_token_for(team.alice.id, expires_in=-30)
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

"""PostgREST contract: the query builder of supabase-py against the Data API, with the real RLS."""

from __future__ import annotations

import uuid

import httpx
import pytest
from postgrest.exceptions import APIError

pytestmark = pytest.mark.sync


def _id() -> str:
    return str(uuid.uuid4())


async def _seed_contacts(client, workspace: str, n: int = 6) -> list[dict]:
    rows = [{"id": _id(), "workspace_id": workspace, "name": f"Contact {i}", "email": f"c{i}@example.test",
             "title": None if i % 2 else f"Title {i % 3}", "tags": ["vip"] if i < 2 else [],
             "phone": f"+1 555 {i:04d}"} for i in range(n)]
    res = await client.table("contacts").insert(rows).execute()
    assert len(res.data) == n
    return res.data


async def test_select_with_every_filter(backend, team):
    alice = await backend.signed_in(team.alice)
    rows = await _seed_contacts(alice, team.a)
    ids = [r["id"] for r in rows]
    t = alice.table

    async def names(q):
        return sorted(r["name"] for r in (await q.execute()).data)

    base = lambda: t("contacts").select("id,name,title,email").eq("workspace_id", team.a)  # noqa: E731
    assert await names(base().eq("name", "Contact 3")) == ["Contact 3"]
    assert len(await names(base().neq("name", "Contact 3"))) == 5
    assert await names(base().gt("name", "Contact 3")) == ["Contact 4", "Contact 5"]
    assert await names(base().gte("name", "Contact 4")) == ["Contact 4", "Contact 5"]
    assert await names(base().lt("name", "Contact 1")) == ["Contact 0"]
    assert await names(base().lte("name", "Contact 1")) == ["Contact 0", "Contact 1"]
    assert await names(base().in_("id", ids[:2])) == ["Contact 0", "Contact 1"]
    assert await names(base().is_("title", "null")) == ["Contact 1", "Contact 3", "Contact 5"]
    assert await names(base().not_.is_("title", "null")) == ["Contact 0", "Contact 2", "Contact 4"]
    assert await names(base().like("email", "c1*")) == ["Contact 1"]
    assert await names(base().ilike("name", "%TACT 5")) == ["Contact 5"]
    assert await names(base().contains("tags", ["vip"])) == ["Contact 0", "Contact 1"]
    assert await names(base().or_("name.eq.Contact 0,and(title.is.null,name.gte.Contact 5)")) == ["Contact 0", "Contact 5"]
    assert await names(base().or_("name.eq.Contact 2,not.and(name.gte.Contact 1,name.lte.Contact 4)")) == [
        "Contact 0", "Contact 2", "Contact 5"]
    # Columns, aliases and casts in select=
    got = (await t("contacts").select("label:name,id::text").eq("id", ids[0]).execute()).data
    assert got == [{"label": "Contact 0", "id": ids[0]}]


async def test_quoting_of_reserved_characters(backend, team):
    alice = await backend.signed_in(team.alice)
    odd = ['Smith, John', 'O"Brien (x)', "back\\slash", "colon: yes"]
    await alice.table("contacts").insert([{"workspace_id": team.a, "name": n} for n in odd]).execute()
    got = (await alice.table("contacts").select("name").eq("workspace_id", team.a).in_("name", odd).execute()).data
    assert sorted(r["name"] for r in got) == sorted(odd)
    for n in odd:
        got = (await alice.table("contacts").select("name").eq("workspace_id", team.a).eq("name", n).execute()).data
        assert got == [{"name": n}]
    got = (await alice.table("contacts").select("name").eq("workspace_id", team.a)
           .or_('name.eq."Smith, John",name.eq."O\\"Brien (x)"').execute()).data
    assert sorted(r["name"] for r in got) == ['O"Brien (x)', "Smith, John"]


async def test_order_limit_offset_and_count(backend, team):
    alice = await backend.signed_in(team.alice)
    await _seed_contacts(alice, team.a)
    q = (alice.table("contacts").select("name,title", count="exact").eq("workspace_id", team.a)
         .order("title", desc=True, nullsfirst=False).order("name").limit(2).offset(1))
    res = await q.execute()
    assert res.count == 6
    assert [r["name"] for r in res.data] == ["Contact 4", "Contact 0"]
    # count only (HEAD), and maybe_single on no rows
    head = await alice.table("contacts").select("*", count="exact", head=True).eq("workspace_id", team.a).execute()
    assert head.count == 6 and not head.data
    assert await alice.table("contacts").select("id").eq("name", "nobody").maybe_single().execute() is None
    async with httpx.AsyncClient() as http:
        token = (await alice.auth.get_session()).access_token
        r = await http.get(f"{backend.url}/rest/v1/contacts",
                           params={"select": "id", "workspace_id": f"eq.{team.a}", "limit": "2", "offset": "1"},
                           headers={"apikey": backend.anon_key, "Authorization": f"Bearer {token}",
                                    "Prefer": "count=exact"})
        assert r.status_code == 206 and r.headers["Content-Range"] == "1-2/6"
        r = await http.get(f"{backend.url}/rest/v1/contacts",
                           params={"select": "id", "workspace_id": f"eq.{team.a}", "name": "eq.none"},
                           headers={"apikey": backend.anon_key, "Authorization": f"Bearer {token}"})
        assert r.status_code == 200 and r.json() == [] and r.headers["Content-Range"] == "*/*"


async def test_keyset_pagination_with_or(backend, team):
    """The pull's page query: (updated_at, id) > (cursor) as or=(updated_at.gt.X,and(updated_at.eq.X,id.gt.Y))."""
    alice = await backend.signed_in(team.alice)
    await _seed_contacts(alice, team.a, n=7)
    seen: list[tuple[str, str]] = []
    cursor = None
    while True:
        q = (alice.table("contacts").select("id,updated_at,version").eq("workspace_id", team.a)
             .order("updated_at").order("id").limit(3))
        if cursor:
            ts, rid = cursor
            q = q.or_(f"updated_at.gt.{ts},and(updated_at.eq.{ts},id.gt.{rid})")
        page = (await q.execute()).data
        if not page:
            break
        seen += [(r["updated_at"], r["id"]) for r in page]
        cursor = (page[-1]["updated_at"], page[-1]["id"])
    assert len(seen) == 7 and len(set(seen)) == 7
    assert seen == sorted(seen)


async def test_insert_upsert_patch_delete(backend, team):
    alice = await backend.signed_in(team.alice)
    cid = _id()
    t = alice.table("contacts")
    ins = await t.insert({"id": cid, "workspace_id": team.a, "name": "Ada", "tags": ["a"]}).execute()
    row = ins.data[0]
    assert row["id"] == cid and row["version"] == 1 and row["tags"] == ["a"] and row["custom_fields"] == {}
    # Minimal return: nothing comes back.
    other = _id()
    res = await t.insert({"id": other, "workspace_id": team.a, "name": "Bob"}, returning="minimal").execute()
    assert res.data == []
    # Retried insert of the same id, as an idempotent upload does: ignore-duplicates keeps the row.
    res = await t.upsert({"id": cid, "workspace_id": team.a, "name": "Ada again"}, ignore_duplicates=True).execute()
    assert res.data == []
    assert (await t.select("name").eq("id", cid).single().execute()).data == {"name": "Ada"}
    # merge-duplicates updates it (and bumps the sync version).
    res = await t.upsert({"id": cid, "workspace_id": team.a, "name": "Ada Lovelace"}).execute()
    assert res.data[0]["name"] == "Ada Lovelace" and res.data[0]["version"] == 2
    # on_conflict names the conflict target.
    res = await t.upsert({"id": cid, "workspace_id": team.a, "name": "Ada L."}, on_conflict="id").execute()
    assert res.data[0]["version"] == 3
    # PATCH only the changed column.
    res = await t.update({"title": "Countess"}).eq("id", cid).execute()
    assert res.data[0]["title"] == "Countess" and res.data[0]["name"] == "Ada L." and res.data[0]["version"] == 4
    # A row of another workspace is invisible: PATCH matches nothing, no error.
    carol = await backend.signed_in(team.carol)
    assert (await carol.table("contacts").update({"title": "x"}).eq("id", cid).execute()).data == []
    assert (await carol.table("contacts").delete().eq("id", cid).execute()).data == []
    res = await t.delete().eq("id", cid).execute()
    assert [r["id"] for r in res.data] == [cid]
    assert (await t.select("id").eq("id", cid).execute()).data == []
    # The delete left a tombstone the sync engine pulls.
    tomb = (await alice.table("sync_tombstones").select("table_name,row_id").eq("row_id", cid).execute()).data
    assert tomb == [{"table_name": "contacts", "row_id": cid}]


async def test_missing_default_and_columns(backend, team):
    alice = await backend.signed_in(team.alice)
    rows = [{"id": _id(), "workspace_id": team.a, "name": "One", "tags": ["x"]},
            {"id": _id(), "workspace_id": team.a, "name": "Two"}]
    # Mixed keys: supabase-py sends ?columns=... and PostgREST fills the missing ones with NULL,
    # unless default_to_null=False asks for the column defaults.
    res = await alice.table("contacts").insert(rows, default_to_null=False).execute()
    assert sorted(r["tags"] for r in res.data) == [[], ["x"]]


async def test_rpc(backend, team):
    alice = await backend.signed_in(team.alice)
    await alice.table("contacts").insert({"workspace_id": team.a, "name": "Zebulon Quartz"}).execute()
    carol = await backend.signed_in(team.carol)
    await carol.table("contacts").insert({"workspace_id": team.b, "name": "Zebulon Other"}).execute()
    res = await alice.rpc("search_records", {"query": "zebulon", "max_results": 10}).execute()
    assert [r["name"] for r in res.data] == ["Zebulon Quartz"]
    assert set(res.data[0]) == {"record_type", "record_id", "name", "rank", "match_kind"}
    # Filters apply to a set-returning function's result.
    res = await alice.rpc("search_records", {"query": "zebulon"}).eq("record_type", "company").execute()
    assert res.data == []
    with pytest.raises(APIError) as err:
        await alice.rpc("no_such_function", {}).execute()
    assert err.value.code == "PGRST202"
    anon = await backend.client()
    with pytest.raises(APIError) as err:
        await anon.rpc("search_records", {"query": "zebulon"}).execute()
    assert err.value.code == "42501"


async def _status(backend, client, method, path, **kw):
    token = (await client.auth.get_session()).access_token
    async with httpx.AsyncClient() as http:
        r = await http.request(method, f"{backend.url}/rest/v1/{path}",
                               headers={"apikey": backend.anon_key, "Authorization": f"Bearer {token}",
                                        "Content-Type": "application/json", **kw.pop("headers", {})}, **kw)
    return r.status_code, r.json() if r.content else None


async def test_error_mapping(backend, team):
    alice = await backend.signed_in(team.alice)
    cid = _id()
    await alice.table("contacts").insert({"id": cid, "workspace_id": team.a, "name": "Dup"}).execute()
    # 23505 unique violation -> 409
    with pytest.raises(APIError) as err:
        await alice.table("contacts").insert({"id": cid, "workspace_id": team.a, "name": "Dup"}).execute()
    assert err.value.code == "23505"
    status, body = await _status(backend, alice, "POST", "contacts", json={"id": cid, "workspace_id": team.a, "name": "x"})
    assert status == 409 and set(body) == {"code", "details", "hint", "message"}
    # 23503 foreign key violation -> 409 (the service role bypasses RLS, so the FK is what fails)
    admin = await backend.admin()
    with pytest.raises(APIError) as err:
        await admin.table("workspace_members").insert({"workspace_id": team.a, "user_id": _id()}).execute()
    assert err.value.code == "23503"
    async with httpx.AsyncClient() as http:
        r = await http.post(f"{backend.url}/rest/v1/workspace_members", json={"workspace_id": team.a, "user_id": _id()},
                            headers={"apikey": backend.service_role_key,
                                     "Authorization": f"Bearer {backend.service_role_key}"})
    assert r.status_code == 409 and r.json()["code"] == "23503"
    # 42501: authenticated but not allowed -> 403; writing into another workspace
    with pytest.raises(APIError) as err:
        await alice.table("contacts").insert({"workspace_id": team.b, "name": "Intruder"}).execute()
    assert err.value.code == "42501"
    status, body = await _status(backend, alice, "POST", "contacts", json={"workspace_id": team.b, "name": "x"})
    assert status == 403 and body["code"] == "42501"
    # 42501 as anon -> 401
    anon = await backend.client()
    with pytest.raises(APIError) as err:
        await anon.table("sync_tombstones").insert({"workspace_id": team.a}).execute()
    assert err.value.code == "42501"
    # PGRST116: .single() on zero rows -> 406
    with pytest.raises(APIError) as err:
        await alice.table("contacts").select("id").eq("id", _id()).single().execute()
    assert err.value.code == "PGRST116"
    status, body = await _status(backend, alice, "GET", f"contacts?id=eq.{_id()}",
                                 headers={"Accept": "application/vnd.pgrst.object+json"})
    assert status == 406 and body["details"] == "The result contains 0 rows"
    # Invalid input for the column type -> 400 with PostgreSQL's code
    with pytest.raises(APIError) as err:
        await alice.table("contacts").select("id").eq("id", "not-a-uuid").execute()
    assert err.value.code == "22P02"
    # Unknown table -> 404 PGRST205; unknown column -> 400 42703
    status, body = await _status(backend, alice, "GET", "no_such_table")
    assert status == 404 and body["code"] in ("PGRST205", "42P01")
    with pytest.raises(APIError) as err:
        await alice.table("contacts").select("no_such_column").execute()
    assert err.value.code == "42703"


async def test_single_object_write_is_rolled_back_when_not_one_row(backend, team):
    alice = await backend.signed_in(team.alice)
    await alice.table("contacts").insert([{"workspace_id": team.a, "name": "Twin"},
                                          {"workspace_id": team.a, "name": "Twin"}]).execute()
    status, body = await _status(backend, alice, "PATCH", f"contacts?workspace_id=eq.{team.a}&name=eq.Twin",
                                 json={"title": "changed"},
                                 headers={"Accept": "application/vnd.pgrst.object+json", "Prefer": "return=representation"})
    assert status == 406 and body["code"] == "PGRST116"
    rows = (await alice.table("contacts").select("title").eq("name", "Twin").eq("workspace_id", team.a).execute()).data
    assert [r["title"] for r in rows] == [None, None]


async def test_rls_isolates_workspaces(backend, team):
    alice = await backend.signed_in(team.alice)
    carol = await backend.signed_in(team.carol)
    await _seed_contacts(alice, team.a, n=2)
    assert (await carol.table("contacts").select("id").eq("workspace_id", team.a).execute()).data == []
    anon = await backend.client()
    assert (await anon.table("contacts").select("id").eq("workspace_id", team.a).execute()).data == []
    bob = await backend.signed_in(team.bob)
    assert len((await bob.table("contacts").select("id").eq("workspace_id", team.a).execute()).data) == 2


async def _raw(backend, client, method: str, path: str, **kw) -> httpx.Response:
    token = (await client.auth.get_session()).access_token
    async with httpx.AsyncClient() as http:
        return await http.request(method, f"{backend.url}/rest/v1/{path}",
                                  headers={"apikey": backend.anon_key, "Authorization": f"Bearer {token}",
                                           **kw.pop("headers", {})}, **kw)


async def test_reads_are_capped_at_1000_rows(backend, team):
    """db-max-rows: a read never returns more than 1,000 rows, whatever it asks for (Plan.hs)."""
    alice = await backend.signed_in(team.alice)
    rows = [{"workspace_id": team.a, "name": f"Bulk {i:04d}"} for i in range(1005)]
    assert len((await alice.table("contacts").insert(rows, returning="minimal").execute()).data) == 0
    base = lambda: alice.table("contacts").select("id,name").eq("workspace_id", team.a).order("name")  # noqa: E731
    assert len((await base().execute()).data) == 1000
    assert len((await base().limit(5000).execute()).data) == 1000
    counted = await alice.table("contacts").select("id", count="exact").eq("workspace_id", team.a).execute()
    assert (len(counted.data), counted.count) == (1000, 1005)
    rest = (await base().range(1000, 2999).execute()).data
    assert [r["name"] for r in rest] == [f"Bulk {i:04d}" for i in range(1000, 1005)]
    r = await _raw(backend, alice, "GET", "contacts", params={"select": "id", "workspace_id": f"eq.{team.a}"},
                   headers={"Prefer": "count=exact"})
    assert (r.status_code, r.headers["Content-Range"], len(r.json())) == (206, "0-999/1005", 1000)
    r = await _raw(backend, alice, "GET", "contacts", params={"select": "id", "workspace_id": f"eq.{team.a}",
                                                               "offset": "1000", "limit": "2000"})
    assert (r.status_code, r.headers["Content-Range"]) == (200, "1000-1004/*")


async def test_a_pull_that_stops_on_a_short_page_loses_rows(backend, team):
    """The trap the cap sets: asking for 10 and stopping when fewer come back."""
    fake = backend.require_fake()
    fake.set_max_rows(5)
    alice = await backend.signed_in(team.alice)
    await _seed_contacts(alice, team.a, n=12)

    async def pull(page: int, *, stop_when_short: bool) -> list[str]:
        got: list[str] = []
        while True:
            data = (await alice.table("contacts").select("id").eq("workspace_id", team.a).order("id")
                    .range(len(got), len(got) + page - 1).execute()).data
            got += [r["id"] for r in data]
            if not data or (stop_when_short and len(data) < page):
                return got

    assert len(await pull(10, stop_when_short=True)) == 5  # the first page looked "short"
    assert len(await pull(10, stop_when_short=False)) == 12
    assert len(await pull(5, stop_when_short=True)) == 12  # pages no bigger than the cap


async def test_write_statuses_and_ranges(backend, team):
    """Response.hs: an upsert that only updates is 200; PATCH names its rows in Content-Range."""
    alice = await backend.signed_in(team.alice)
    a, b = _id(), _id()
    upsert = {"Prefer": "return=minimal,resolution=merge-duplicates", "Content-Type": "application/json"}
    r = await _raw(backend, alice, "POST", "contacts", json={"id": a, "workspace_id": team.a, "name": "A"}, headers=upsert)
    assert (r.status_code, r.headers["Content-Range"]) == (201, "*/*")
    r = await _raw(backend, alice, "POST", "contacts", json={"id": a, "workspace_id": team.a, "name": "A2"}, headers=upsert)
    assert r.status_code == 200  # nothing inserted
    r = await _raw(backend, alice, "POST", "contacts", headers=upsert,
                   json=[{"id": a, "workspace_id": team.a, "name": "A3"}, {"id": b, "workspace_id": team.a, "name": "B"}])
    assert r.status_code == 201  # one of the two was new
    r = await _raw(backend, alice, "POST", "contacts", json={"id": a, "workspace_id": team.a, "name": "ignored"},
                   headers={"Prefer": "resolution=ignore-duplicates", "Content-Type": "application/json"})
    assert r.status_code == 201
    # The client's upsert sees the row it wrote either way.
    res = await alice.table("contacts").upsert({"id": a, "workspace_id": team.a, "name": "A4"}).execute()
    assert res.data[0]["name"] == "A4" and res.data[0]["version"] == 4
    r = await _raw(backend, alice, "PATCH", f"contacts?id=in.({a},{b})", json={"title": "t"},
                   headers={"Content-Type": "application/json"})
    assert (r.status_code, r.headers["Content-Range"]) == (204, "0-1/*")
    r = await _raw(backend, alice, "PATCH", f"contacts?id=in.({a},{b})", json={"title": "u"},
                   headers={"Content-Type": "application/json", "Prefer": "count=exact,return=representation"})
    assert (r.status_code, r.headers["Content-Range"], len(r.json())) == (200, "0-1/2", 2)
    r = await _raw(backend, alice, "PATCH", f"contacts?id=eq.{_id()}", json={"title": "v"},
                   headers={"Content-Type": "application/json"})
    assert (r.status_code, r.headers["Content-Range"]) == (204, "*/*")
    r = await _raw(backend, alice, "DELETE", f"contacts?id=eq.{b}")
    assert (r.status_code, r.headers["Content-Range"]) == (204, "*/*")


async def test_a_jwt_naming_an_unknown_role_is_401(backend, team):
    """22023 "role ... does not exist" is the caller's credentials, not a bad request (Error.hs)."""
    fake = backend.require_fake()
    token = await fake.access_token_for(team.alice.id, extra={"role": "no_such_role"})
    client = await backend.client(headers={"Authorization": f"Bearer {token}"})
    with pytest.raises(APIError) as err:
        await client.table("contacts").select("id").execute()
    assert err.value.code == "22023" and 'role "no_such_role" does not exist' in err.value.message
    async with httpx.AsyncClient() as http:
        r = await http.get(f"{backend.url}/rest/v1/contacts",
                           headers={"apikey": backend.anon_key, "Authorization": f"Bearer {token}"})
    assert r.status_code == 401


async def test_statement_timeouts_per_role(backend, team):
    """PostgreSQL cancels a request waiting on a lock after the role's statement_timeout: 500, 57014."""
    fake = backend.require_fake()
    assert fake.rest.settings.timeout_for("anon") == 3.0 and fake.rest.settings.timeout_for("authenticated") == 8.0
    assert fake.rest.settings.timeout_for("service_role") == 8.0  # none of its own: authenticator's
    fake.set_statement_timeouts(anon=0.2, authenticated=0.3)
    alice = await backend.signed_in(team.alice)
    cid = (await _seed_contacts(alice, team.a, n=1))[0]["id"]
    async with fake.held_transaction() as writer:
        await writer.execute("update public.contacts set title = 'held' where id = %s", (cid,))
        with pytest.raises(APIError) as err:
            await alice.table("contacts").update({"title": "mine"}).eq("id", cid).execute()
        assert err.value.code == "57014" and err.value.message == "canceling statement due to statement timeout"
        r = await _raw(backend, alice, "PATCH", f"contacts?id=eq.{cid}", json={"title": "mine"},
                       headers={"Content-Type": "application/json"})
        assert r.status_code == 500 and r.json()["code"] == "57014"
        await writer.execute("lock table public.contacts in access exclusive mode")
        with pytest.raises(APIError) as err:
            await (await backend.client()).table("contacts").select("id").limit(1).execute()
        assert err.value.code == "57014"
    # The writer committed on leaving the block; nothing of the timed-out requests was applied.
    got = (await alice.table("contacts").select("title").eq("id", cid).single().execute()).data
    assert got == {"title": "held"}


async def test_a_late_commit_lands_behind_the_keyset_cursor(backend, team):
    """updated_at is stamped at write time: a transaction that commits after a pull is missed by
    a forward-only cursor and found by re-reading an overlap window."""
    fake = backend.require_fake()
    alice = await backend.signed_in(team.alice)
    late, early = [r["id"] for r in await _seed_contacts(alice, team.a, n=2)]

    async def pull_after(cursor: tuple[str, str] | None) -> list[dict]:
        q = (alice.table("contacts").select("id,name,updated_at,version").eq("workspace_id", team.a)
             .order("updated_at").order("id"))
        if cursor:
            ts, rid = cursor
            q = q.or_(f'updated_at.gt."{ts}",and(updated_at.eq."{ts}",id.gt.{rid})')
        return (await q.execute()).data

    async with fake.held_transaction(user_id=team.bob.id) as writer:  # bob edits, RLS applies
        await writer.execute("update public.contacts set name = 'written first, committed last' where id = %s", (late,))
        await alice.table("contacts").update({"name": "committed first"}).eq("id", early).execute()
        page = await pull_after(None)
        assert [r["version"] for r in page if r["id"] == late] == [1]  # the held write is not visible yet
        cursor = (page[-1]["updated_at"], page[-1]["id"])
        assert page[-1]["id"] == early
    assert await pull_after(cursor) == []  # the forward-only pull never sees the late commit
    overlap = backend.sql("select to_char((%s::timestamptz - interval '30 seconds') at time zone 'UTC',"
                          " 'YYYY-MM-DD\"T\"HH24:MI:SS.US+00:00')", (cursor[0],))[0][0]
    again = {r["id"]: r for r in await pull_after((overlap, "00000000-0000-0000-0000-000000000000"))}
    assert again[late]["name"] == "written first, committed last" and again[late]["version"] == 2
    assert again[late]["updated_at"] < cursor[0]

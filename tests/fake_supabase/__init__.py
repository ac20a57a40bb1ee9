"""A local Supabase-compatible server for the test-suite (test support, not product code).

Supabase's own services (GoTrue, PostgREST, Realtime) cannot run on the project's machines and
nothing pip- or npm-installable stands in for them, so the sync tests talk to this small server
instead: the real ``supabase`` Python client, over real loopback sockets, against real PostgreSQL
with the real migrations and RLS policies.

* ``/auth/v1``     -- password and refresh-token grants, e-mail one-time codes, ``/user``,
  ``/logout``, with GoTrue's rotation rules and limits (:mod:`.auth`); HS256 access tokens with
  Supabase's claims and the project's API keys (:mod:`.tokens`).
* ``/rest/v1``     -- the PostgREST subset supabase-py uses, each request one transaction as the
  caller's role with ``request.jwt.claims`` and its statement timeout set, reads capped at
  ``db-max-rows`` (:mod:`.rest`, :mod:`.query`, :mod:`.db`).
* ``/realtime/v1`` -- Phoenix v1 websocket with ``postgres_changes`` (:mod:`.realtime`), fed by
  test-only capture triggers (the module docstring lists the differences from Supabase).
* faults for network trials (:mod:`.faults`, :class:`.server.FakeSupabase`), switchable while
  it runs through the loopback-only ``/__faults`` endpoint (:mod:`.control`).

Start one by hand with ``python -m tests.fake_supabase`` (``make dev-server``: the app's demo
data, :mod:`.seed`); in tests use the fixtures of ``tests/sync_contract/conftest.py``. Each module cites the Supabase, PostgREST or
Realtime source its behaviour was taken from, so the double can be checked against the real thing.
"""

from .server import FakeSupabase, ServerThread, free_port
from .tokens import JwtIssuer, TokenError

__all__ = ["FakeSupabase", "JwtIssuer", "ServerThread", "TokenError", "free_port"]

"""The supabase-py AsyncClient for a project, with its session in the project's private file.

Options, and why:

* ``storage=FileSessionStorage`` and ``persist_session=True``: the session outlives the process
  (see :mod:`.session_store`).
* ``auto_refresh_token=True``: supabase-py arms a timer at ``expires_at - 10 s`` and refreshes,
  retrying network failures with back-off, so a running app never lets the token lapse.
* ``flow_type="implicit"``: the person signs in with a password or an emailed *code* typed
  into the terminal; ``verify_otp`` returns the session directly. PKCE (the library's default)
  protects a code that travels through a browser redirect; there is no redirect here, and PKCE
  would write a code verifier into the session file that nothing ever reads. (A magic *link*
  cannot be opened by a terminal anyway: the project's email template must send ``{{ .Token }}``.)
* ``postgrest_client_timeout``: a dead network costs seconds, not the library's two minutes.

After building, :func:`open_client` calls ``auth.initialize_from_storage()``, which loads the
stored session, refreshes it when it has expired (a laptop that slept through the expiry) and
arms the refresh timer. A timer cannot fire during sleep, so every request of ours first calls
:func:`fresh_session` (``auth.get_session()`` refreshes when less than 10 s are left): an
access token that expired while the lid was closed is renewed on the next request instead of
being reported as an error.

This module imports supabase; import it only when a project is configured.
"""

from __future__ import annotations

from supabase import AsyncClient, AsyncClientOptions, acreate_client
from supabase_auth import AsyncSupportedStorage
from supabase_auth.types import Session

from .. import paths
from .project import Project
from .session_store import SessionFile

REST_TIMEOUT = 20.0  # seconds per PostgREST request


class FileSessionStorage(SessionFile, AsyncSupportedStorage):
    """The session file as supabase-py's storage (its methods come from :class:`SessionFile`)."""


def storage_for(project: Project) -> FileSessionStorage:
    return FileSessionStorage(paths.session_file(project.slug))


async def open_client(project: Project, storage: FileSessionStorage | None = None) -> AsyncClient:
    """A client for `project` whose session lives in the project's session file."""
    options = AsyncClientOptions(
        storage=storage or storage_for(project),
        persist_session=True,
        auto_refresh_token=True,
        flow_type="implicit",
        postgrest_client_timeout=REST_TIMEOUT,
    )
    client = await acreate_client(project.url, project.anon_key, options)
    await client.auth.initialize_from_storage()
    return client


async def fresh_session(client: AsyncClient) -> Session | None:
    """The current session, refreshed first when its access token has (nearly) expired.

    Raises what supabase-py raises (map it with :func:`.auth.explain`); None when signed out.
    """
    return await client.auth.get_session()


async def close_client(client: AsyncClient) -> None:
    """Close the client's connections (realtime, auth, PostgREST). The refresh timer is a task
    on the runtime's loop and ends with it (see :mod:`.runtime`)."""
    for closer in (client.realtime.close, client.auth.close, client.postgrest.aclose):
        try:
            await closer()
        except Exception:  # best effort: a dead socket must not stop the shutdown
            pass

"""The signed-in account of one project: what the CLI and the screens call.

Each ``async`` method is one coroutine for the :class:`~.runtime.Runtime`'s loop (``runtime.run``
from the CLI, ``runtime.submit`` from a screen), takes the process's one client for the project
and raises only :class:`~.auth.AuthFailure`. The plain methods read local files only and never
touch the network (status while offline, the decision what to show at start-up).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone

from .. import paths
from .failures import SignedIn
from .project import Project
from .runtime import Runtime
from .session_store import SessionFile
from .workspaces import ProfileRow, WorkspaceChoice


@dataclass(frozen=True)
class StoredSession:
    """What the session file says, read without the network (and without supabase-py)."""

    user_id: str
    email: str
    expires_at: int | None
    refreshable: bool

    @property
    def expires(self) -> datetime | None:
        return datetime.fromtimestamp(self.expires_at, timezone.utc) if self.expires_at else None


def parse_stored_session(text: str | None) -> StoredSession | None:
    try:
        data = json.loads(text) if text else None
    except ValueError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("user"), dict):
        return None
    user = data["user"]
    expires_at = data.get("expires_at")
    return StoredSession(
        user_id=str(user.get("id") or ""),
        email=str(user.get("email") or ""),
        expires_at=int(expires_at) if isinstance(expires_at, (int, float)) else None,
        refreshable=bool(data.get("refresh_token")),
    )


class Account:
    def __init__(self, project: Project, runtime: Runtime) -> None:
        self.project = project
        self.runtime = runtime
        self.storage = SessionFile(paths.session_file(project.slug))  # local reads, no supabase-py

    @property
    def url(self) -> str:
        return self.project.url

    async def _client(self):
        from . import auth

        try:
            return await self.runtime.client(self.project)
        except Exception as exc:  # noqa: BLE001 - building the client may touch the network
            raise auth.explain(exc, self.url) from exc

    # -- on the network loop ---------------------------------------------------------------------

    # supabase-py is imported here, on the runtime's thread, the first time one of these runs.

    async def sign_in_with_password(self, email: str, password: str) -> SignedIn:
        from . import auth

        return await auth.sign_in_with_password(await self._client(), self.url, email, password)

    async def send_code(self, email: str) -> None:
        from . import auth

        await auth.send_code(await self._client(), self.url, email)

    async def verify_code(self, email: str, code: str) -> SignedIn:
        from . import auth

        return await auth.verify_code(await self._client(), self.url, email, code)

    async def signed_in(self, *, confirm: bool = False) -> SignedIn | None:
        """Who is signed in (refreshing an expired access token); None when nobody is.
        ``confirm``: ask the server even when the token is still valid (see auth.current)."""
        from . import auth

        return await auth.current(await self._client(), self.url, confirm=confirm)

    async def workspaces(self, user_id: str) -> list[WorkspaceChoice]:
        from . import workspaces

        return await workspaces.my_workspaces(await self._client(), self.url, user_id)

    async def profile(self, user_id: str) -> ProfileRow | None:
        from . import workspaces

        return await workspaces.my_profile(await self._client(), self.url, user_id)

    async def sign_out(self) -> None:
        """Sign this device out (server-side, scope local). The session file is gone afterwards
        even when the server could not be told (then AuthFailure says so)."""
        from . import auth

        try:
            await auth.sign_out(await self._client(), self.url)
        finally:
            self.storage.delete()

    # -- local files only ------------------------------------------------------------------------

    def stored_session(self) -> StoredSession | None:
        return parse_stored_session(self.storage.session_json())

"""A workspace's local cache file, and which workspace of a project was opened last.

One cache per (project, workspace) (``paths.workspace_cache_file``), so switching workspace
opens another file and rows of two workspaces never mix. Its ``meta`` names what it holds:
``workspace_id``, ``user_id``, ``role``, ``project_url``. Right after sign-in the cache gets the
rows the sign-in read (the workspace, the person's membership and profile), applied as server
rows (no outbox entries); the sync engine fills in the rest.

The remembered choice lives in the project's private state directory, per person: another
person signing in on the same machine gets the picker, not the previous person's workspace.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from .. import paths
from ..models import Profile, Workspace, WorkspaceMember
from ..store import NotFound, Origin, Store
from . import private_file
from .failures import SignedIn
from .project import Project
from .workspaces import ProfileRow, WorkspaceChoice


class CacheBelongsElsewhere(Exception):
    """The cache file holds another workspace, or another person's unsent changes."""


@dataclass(frozen=True)
class CachedWorkspace:
    """A workspace cache found on disk (offered when the server cannot be reached)."""

    path: Path
    workspace_id: str
    name: str
    user_id: str | None
    role: str | None


# -- the remembered choice ---------------------------------------------------------------------


def remembered_workspace(project: Project, user_id: str) -> str | None:
    data = private_file.read_json(paths.chosen_workspace_file(project.slug))
    if isinstance(data, dict) and data.get("user_id") == user_id and isinstance(data.get("workspace_id"), str):
        return data["workspace_id"]
    return None


def remember_workspace(project: Project, user_id: str, workspace_id: str) -> None:
    private_file.write_json(paths.chosen_workspace_file(project.slug),
                            {"user_id": user_id, "workspace_id": workspace_id})


def forget_workspace_choice(project: Project) -> None:
    private_file.delete(paths.chosen_workspace_file(project.slug))


def last_workspace_id(project: Project) -> str | None:
    """The last opened workspace whoever opened it (for `track status` and offline start-up)."""
    data = private_file.read_json(paths.chosen_workspace_file(project.slug))
    return data.get("workspace_id") if isinstance(data, dict) and isinstance(data.get("workspace_id"), str) else None


# -- cache files -------------------------------------------------------------------------------


def cache_path(project: Project, workspace_id: str) -> Path:
    return paths.workspace_cache_file(project.slug, workspace_id)


def cached_workspaces(project: Project) -> list[CachedWorkspace]:
    """The project's caches on disk, read-only, newest first; unreadable files are skipped."""
    folder = paths.project_cache_dir(project.slug)
    found = []
    try:
        files = sorted(folder.glob("*.sqlite3"), key=lambda p: p.stat().st_mtime, reverse=True)
    except OSError:
        return []
    for path in files:
        try:
            conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            try:
                meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
                ws = meta.get("workspace_id")
                row = conn.execute("SELECT name FROM workspaces WHERE id = ?", (ws,)).fetchone() if ws else None
            finally:
                conn.close()
        except sqlite3.Error:
            continue
        if ws and meta.get("project_url") == project.url:
            found.append(CachedWorkspace(path, ws, row[0] if row else "", meta.get("user_id"), meta.get("role")))
    return found


def open_workspace_cache(project: Project, who: SignedIn, choice: WorkspaceChoice,
                         profile: ProfileRow | None = None) -> Store:
    """Open (creating when new) the cache of `choice` for `who`, with its meta and first rows.

    Raises the store's CacheError for a damaged file, and CacheBelongsElsewhere when the file
    holds another workspace or unsent changes another person made.
    """
    path = cache_path(project, choice.id)
    path.parent.mkdir(parents=True, exist_ok=True)
    store = Store(path)
    try:
        held = store.get_meta("workspace_id")
        if held is not None and held != choice.id:
            raise CacheBelongsElsewhere(f"{path} holds another workspace's data; move it away and start again")
        previous_user = store.get_meta("user_id")
        if previous_user not in (None, who.user_id) and store.pending_count():
            raise CacheBelongsElsewhere(
                f"{path} holds changes another account made here that were never uploaded; sign in "
                "as that account to send them, or move the file away")
        for key, value in (("workspace_id", choice.id), ("user_id", who.user_id),
                           ("role", choice.role.value), ("project_url", project.url)):
            store.set_meta(key, value)
        _apply_signed_in_rows(store, who, choice, profile)
    except BaseException:
        store.close()
        raise
    return store


def open_cached(cached: CachedWorkspace) -> Store:
    """Open a cache found on disk as it is (offline)."""
    return Store(cached.path)


def _apply_signed_in_rows(store: Store, who: SignedIn, choice: WorkspaceChoice, profile: ProfileRow | None) -> None:
    """The rows sign-in already read, applied like server rows (no outbox entries)."""
    rows = [
        Workspace(id=choice.id, name=choice.name),
        Profile(id=who.user_id, full_name=profile.full_name if profile else "", email=who.email or None,
                avatar_url=profile.avatar_url if profile else None),
    ]
    with store.transaction(origin=Origin.SERVER) as ctx:
        for row in rows:
            _upsert(ctx, row, exclude={"created_at"})
        member = ctx.conn.execute(
            "SELECT id FROM workspace_members WHERE workspace_id = ? AND user_id = ?", (choice.id, who.user_id)
        ).fetchone()
        if member is None:
            member_row = WorkspaceMember(workspace_id=choice.id, user_id=who.user_id, role=choice.role)
            if choice.member_id:
                member_row.id = choice.member_id  # the server's id, so the sync engine's pull matches it
            ctx.insert(member_row)
        else:
            ctx.update("workspace_members", member[0], {"role": choice.role.value})


def _upsert(ctx, row, *, exclude: set[str]) -> None:
    try:
        ctx.fetch(row.TABLE, row.id)
    except NotFound:
        ctx.insert(row)
        return
    patch = row.model_dump(exclude={"id", "updated_at", "version", *exclude})
    ctx.update(row.TABLE, row.id, patch)


def default_choice(project: Project, who: SignedIn, choices: list[WorkspaceChoice]) -> WorkspaceChoice | None:
    """The workspace to open without asking: the one remembered for this person (if they are
    still a member), else the only one; None when the person must pick."""
    remembered = remembered_workspace(project, who.user_id)
    for choice in choices:
        if choice.id == remembered:
            return choice
    return choices[0] if len(choices) == 1 else None

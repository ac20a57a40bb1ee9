"""`track` with a Supabase project configured: open the TUI on it.

When a session is stored and the person's remembered workspace has a cache on this computer,
that cache opens at once and the session is checked in the background (:mod:`.account_flow`);
otherwise the app starts on the sign-in screen or the workspace picker. Nothing here touches
the network or imports supabase-py: the first screen never waits for either.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .config import Settings


def run_project_app(settings: "Settings", *, rebuild: bool) -> int:
    """Open the TUI on the configured project: the remembered workspace's cache at once when
    there is a session and a cache (the session is checked in the background), otherwise the
    sign-in screen or the workspace picker."""
    from .store import CacheError, CacheInaccessible, NotACache, Store, move_aside
    from .sync import workspace_cache as wc
    from .sync.account import Account
    from .sync.runtime import Runtime

    project = settings.project
    runtime = Runtime()
    store = None
    app = None
    try:
        account = Account(project, runtime)
        stored = account.stored_session()
        workspace_id = wc.remembered_workspace(project, stored.user_id) if stored else None
        if workspace_id and wc.cache_path(project, workspace_id).exists():
            path = wc.cache_path(project, workspace_id)
            try:
                store = Store(path)
            except (NotACache, CacheInaccessible) as exc:  # never moved aside: not damage
                print(f"track: {exc}", file=sys.stderr)
                return 1
            except CacheError as exc:
                print(f"track: {exc}", file=sys.stderr)
                if not rebuild:
                    print("track: run again with --rebuild-cache to move it aside and fetch a fresh copy", file=sys.stderr)
                    return 1
                print(f"track: moved the old file to {move_aside(path)}", file=sys.stderr)
                store = None  # the picker opens (creates) the workspace again
        from .app import TrackApp

        from . import paths
        from .cli import app_exit_status

        app = TrackApp(store, settings, account=account, theme_file=paths.theme_file())
        app.run()
        return app_exit_status(app)  # a crash's one line and 70, a signal's 128 + N
    finally:
        if app is not None and app.store is not None and app.store is not store:
            app.store.close()
        if store is not None:
            store.close()
        runtime.close()

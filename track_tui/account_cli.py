"""`track login`, `track logout` and `track status`: the account commands.

Registered by cli.py (:func:`register`, :func:`run`). Everything that talks to the project runs
on the process's network :class:`~track_tui.sync.runtime.Runtime`. Every failure ends with ONE
line on standard error and a stable exit code (documented in the README):

====  ===========================================================================
code  meaning
====  ===========================================================================
0     done (signed in; code sent; signed out; status of a signed-in session)
1     not signed in (`track status`), or no project configured
2     usage or configuration: bad flags or input, invalid URL, refused or wrong key
3     wrong email or password, wrong or expired code, no account for that email
4     email address not confirmed
5     too many attempts: rate limited (the line says how long to wait)
6     the project cannot be reached (connection refused, DNS, timeout)
7     the project answered with an error
8     a local file problem (damaged cache, cache of another account, unwritable file)
130   interrupted (Ctrl-C)
====  ===========================================================================
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from . import paths

if TYPE_CHECKING:
    from .config import Settings
    from .sync.account import Account

COMMANDS = ("login", "logout", "status")

EXIT_OK, EXIT_NOT_SIGNED_IN, EXIT_USAGE, EXIT_REJECTED, EXIT_UNCONFIRMED = 0, 1, 2, 3, 4
EXIT_RATE_LIMITED, EXIT_UNREACHABLE, EXIT_SERVER, EXIT_LOCAL_FILE, EXIT_INTERRUPTED = 5, 6, 7, 8, 130

NETWORK_TIMEOUT = 60.0  # seconds for one command's network step (requests time out sooner)


class CommandFailed(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code


def register(commands: argparse._SubParsersAction) -> None:
    """Add the account commands to `track`'s sub-command parser."""
    login = commands.add_parser(
        "login", help="sign in to your Supabase project (password or emailed code)",
        description="Sign in to your own Supabase project. Without flags it asks for what is "
        "missing. The session is kept in a private file (mode 0600), never in the config file.")
    login.add_argument("--url", metavar="URL", help="project URL, https://<ref>.supabase.co (default: the config)")
    login.add_argument("--anon-key", metavar="KEY", help="the project's anon or publishable key (default: the config)")
    login.add_argument("--email", metavar="EMAIL", help="your email address")
    how = login.add_mutually_exclusive_group()
    how.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    how.add_argument("--send-code", action="store_true", help="email a one-time code, then run again with --code")
    how.add_argument("--code", metavar="CODE", help="sign in with the one-time code from the email")
    login.add_argument("--workspace", metavar="ID_OR_NAME", help="open this workspace (default: remembered, or the only one)")
    login.add_argument("--save-config", action="store_true", help="save --url and --anon-key to the config file")
    logout = commands.add_parser("logout", help="sign this device out (the session is revoked on the server)")
    logout.add_argument("--forget", action="store_true", help="also delete this project's local caches")
    logout.add_argument("--force", action="store_true", help="with --forget: delete caches even with unsent changes")
    status = commands.add_parser("status", help="show the project, who is signed in, the workspace and its cache")
    status.add_argument("--json", action="store_true", help="print one JSON object instead of text")


def run(args: argparse.Namespace, settings: "Settings", config_path: Path) -> int:
    """Run an account command; the exit code (see the module doc)."""
    from .sync.runtime import Runtime

    name = args.command
    runtime = Runtime()
    try:
        handler: Callable[..., int] = {"login": _login, "logout": _logout, "status": _status}[name]
        return handler(args, settings, config_path, runtime)
    except CommandFailed as exc:
        print(f"track {name}: {exc}", file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        print(f"track {name}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except EOFError:
        print(f"track {name}: input ended before the question was answered", file=sys.stderr)
        return EXIT_USAGE
    finally:
        runtime.close()


# -- shared steps ----------------------------------------------------------------------------------


def _exit_code(kind) -> int:
    from .sync.failures import FailureKind as K

    return {
        K.INVALID_INPUT: EXIT_USAGE, K.BAD_KEY: EXIT_USAGE,
        K.WRONG_CREDENTIALS: EXIT_REJECTED, K.CODE_INVALID: EXIT_REJECTED, K.UNKNOWN_EMAIL: EXIT_REJECTED,
        K.EMAIL_NOT_CONFIRMED: EXIT_UNCONFIRMED, K.RATE_LIMITED: EXIT_RATE_LIMITED,
        K.UNREACHABLE: EXIT_UNREACHABLE, K.NOT_SIGNED_IN: EXIT_NOT_SIGNED_IN, K.SESSION_ENDED: EXIT_NOT_SIGNED_IN,
    }.get(kind, EXIT_SERVER)


def _network(runtime, coro):
    """Run one network step; an AuthFailure becomes the command's one line and exit code."""
    from .sync.failures import AuthFailure

    try:
        return runtime.run(coro, timeout=NETWORK_TIMEOUT)
    except AuthFailure as exc:
        raise CommandFailed(_exit_code(exc.kind), exc.message) from None
    except TimeoutError:
        raise CommandFailed(EXIT_UNREACHABLE, "the project did not answer in time") from None


def _interactive() -> bool:
    return sys.stdin.isatty()


def _ask(question: str, check: Callable[[str], object], *, secret: bool = False, tries: int = 3):
    """Ask until `check` accepts (it raises ValueError/AuthFailure with the reason)."""
    from .sync.failures import AuthFailure

    for attempt in range(tries):
        answer = getpass.getpass(question) if secret else input(question)
        try:
            return check(answer)
        except (ValueError, AuthFailure) as exc:
            print(f"  {exc}", file=sys.stderr)
    raise CommandFailed(EXIT_USAGE, "no valid answer given")


def _project_for_login(args, settings: "Settings"):
    """The project from the flags, else the config, else (interactive) prompts.

    Returns (project, typed) where `typed` says the URL/key did not come from the settings."""
    from .sync.keys import KeyRefused, check_client_key
    from .sync.project import InvalidProjectUrl, normalise_url, project_from_input

    url = args.url or settings.supabase.url
    key = args.anon_key or settings.supabase.anon_key
    try:
        if args.url:
            normalise_url(args.url)
    except InvalidProjectUrl as exc:
        raise CommandFailed(EXIT_USAGE, f"--url {exc}") from None
    try:
        if args.anon_key:
            check_client_key(args.anon_key)
    except KeyRefused as exc:
        raise CommandFailed(EXIT_USAGE, f"--anon-key: {exc}") from None
    if url is None or key is None:
        if not _interactive():
            raise CommandFailed(EXIT_USAGE, "no project configured: give --url and --anon-key, or set "
                                f"[supabase] url and anon_key in {paths.config_file()}")
        print("Your Supabase project (dashboard: Project Settings → API Keys / Data API).")
        if url is None:
            url = _ask("Project URL: ", normalise_url)
        if key is None:
            key = _ask("Anon (public) key: ", lambda k: check_client_key(k).value)
    try:
        project = project_from_input(url, key)
    except (InvalidProjectUrl, KeyRefused) as exc:
        raise CommandFailed(EXIT_USAGE, str(exc)) from None
    configured = settings.project
    typed = configured is None or (configured.url, configured.anon_key) != (project.url, project.anon_key)
    return project, typed


def _offer_to_save(args, project, config_path: Path, typed: bool) -> None:
    from .config_writer import ConfigWriteError, save_project

    if not typed:
        return
    if args.save_config:
        wanted = True
    elif _interactive():
        answer = input(f"Save the project URL and anon key to {config_path}? [Y/n] ").strip().lower()
        wanted = answer in ("", "y", "yes")
    else:
        print(f"Note: the project is not saved; set [supabase] in {config_path}, TRACK_SUPABASE_URL and "
              "TRACK_SUPABASE_ANON_KEY, or run again with --save-config.", file=sys.stderr)
        return
    if wanted:
        try:
            save_project(config_path, project.url, project.anon_key)
        except ConfigWriteError as exc:
            raise CommandFailed(EXIT_LOCAL_FILE, str(exc)) from None
        print(f"Saved to {config_path}.")


def _when(epoch: int | None) -> str:
    if not epoch:
        return "unknown"
    return datetime.fromtimestamp(epoch, timezone.utc).astimezone().strftime("%Y-%m-%d %H:%M %Z")


# -- track login -------------------------------------------------------------------------------------


def _login(args, settings: "Settings", config_path: Path, runtime) -> int:
    from .sync.account import Account
    from .sync.failures import check_code, check_email

    project, typed = _project_for_login(args, settings)
    account = Account(project, runtime)
    if args.email:
        email = args.email
    elif _interactive():
        email = _ask("Email: ", check_email)
    else:
        raise CommandFailed(EXIT_USAGE, "give --email (standard input is not a terminal to ask on)")

    if args.send_code:
        _network(runtime, account.send_code(email))
        _offer_to_save(args, project, config_path, typed)
        print(f"A sign-in code was sent to {_shown(email)}. Then run: track login --email {_shown(email)} --code <code>")
        return EXIT_OK
    if args.code is not None:
        who = _network(runtime, account.verify_code(email, args.code))
    elif args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        who = _network(runtime, account.sign_in_with_password(email, password))
    elif _interactive():
        password = getpass.getpass("Password (leave empty to get a code by email instead): ")
        if password:
            who = _network(runtime, account.sign_in_with_password(email, password))
        else:
            _network(runtime, account.send_code(email))
            print(f"A code was sent to {_shown(email)}.")
            code = _ask("Code from the email: ", check_code)
            who = _network(runtime, account.verify_code(email, code))
    else:
        raise CommandFailed(EXIT_USAGE, "give --password-stdin, --send-code or --code (standard input is not a terminal)")

    _offer_to_save(args, project, config_path, typed)
    chosen = _choose_workspace(args, account, who)
    where = f"; workspace {_shown(chosen.name)} ({chosen.role.value})" if chosen else ""
    print(f"Signed in to {project.url} as {_shown(who.email)}{where}.")
    return EXIT_OK


def _shown(text: str) -> str:
    from .sync.failures import clean

    return clean(text, 120)


def _choose_workspace(args, account: "Account", who):
    from .sync import workspace_cache as wc

    runtime, project = account.runtime, account.project
    choices = _network(runtime, account.workspaces(who.user_id))
    if not choices:
        print("You are not a member of any workspace in this project yet: ask a workspace admin to add you.")
        return None
    chosen = None
    if args.workspace:
        wanted = args.workspace.strip()
        matches = [c for c in choices if c.id == wanted] or [c for c in choices if c.name.casefold() == wanted.casefold()]
        if len(matches) != 1:
            names = ", ".join(_shown(c.name) for c in choices)
            raise CommandFailed(EXIT_USAGE, f"--workspace {_shown(wanted)!r} is {'ambiguous' if matches else 'not one of yours'} (yours: {names})")
        chosen = matches[0]
    else:
        chosen = wc.default_choice(project, who, choices)
    if chosen is None and _interactive():
        print("Your workspaces:")
        for number, choice in enumerate(choices, 1):
            print(f"  {number}. {_shown(choice.name)} ({choice.role.value})")

        def pick(answer: str):
            if not answer.strip().isdigit() or not 1 <= int(answer) <= len(choices):
                raise ValueError(f"type a number from 1 to {len(choices)}")
            return choices[int(answer) - 1]

        chosen = _ask("Open which workspace? ", pick)
    if chosen is None:
        print(f"{len(choices)} workspaces; `track` will ask which to open (or use --workspace).")
        return None
    profile = _network(runtime, account.profile(who.user_id))
    _open_cache(project, who, chosen, profile)
    return chosen


def _open_cache(project, who, chosen, profile) -> None:
    from .store import CacheError
    from .sync import workspace_cache as wc
    from .sync.private_file import PrivateFileError

    try:
        store = wc.open_workspace_cache(project, who, chosen, profile)
        store.close()
        wc.remember_workspace(project, who.user_id, chosen.id)
    except (CacheError, wc.CacheBelongsElsewhere, PrivateFileError, OSError) as exc:
        raise CommandFailed(EXIT_LOCAL_FILE, str(exc)) from None


# -- track logout --------------------------------------------------------------------------------------


def _configured_project(settings: "Settings"):
    project = settings.project
    if project is None:
        raise CommandFailed(EXIT_NOT_SIGNED_IN, "no Supabase project is configured (the app opens the local demo)")
    return project


def _logout(args, settings: "Settings", config_path: Path, runtime) -> int:
    from .sync import workspace_cache as wc
    from .sync.account import Account
    from .sync.failures import AuthFailure

    project = _configured_project(settings)
    caches = wc.cached_workspaces(project) if args.forget else []
    if args.forget and not args.force:
        unsent = _unsent_changes(caches)
        if unsent:
            raise CommandFailed(EXIT_LOCAL_FILE, f"{unsent} changes in the local caches were never uploaded and would be "
                                "lost; nothing was done (add --force to delete them anyway)")
    account = Account(project, runtime)
    stored = account.stored_session()
    warning = None
    if stored is not None:
        try:
            runtime.run(account.sign_out(), timeout=NETWORK_TIMEOUT)
        except AuthFailure as exc:
            warning = exc
        except TimeoutError:
            warning = AuthFailure(_kind("unreachable"), "the project did not answer in time")
    else:
        account.storage.delete()
    if args.forget:
        for cache in caches:
            _delete_cache(cache.path)
        wc.forget_workspace_choice(project)
    forgotten = f"; deleted {len(caches)} local cache file(s)" if args.forget else "; the local cache is kept"
    if stored is None:
        print(f"Not signed in to {project.url}{forgotten}.")
        return EXIT_OK
    if warning is not None:
        print(f"track logout: signed out on this device (session file deleted), but the server could not "
              f"revoke the session: {warning.message}", file=sys.stderr)
        return _exit_code(warning.kind)
    print(f"Signed out of {project.url} on this device{forgotten}.")
    return EXIT_OK


def _kind(name: str):
    from .sync.failures import FailureKind

    return FailureKind(name)


def _unsent_changes(caches) -> int:
    import sqlite3

    total = 0
    for cache in caches:
        try:
            conn = sqlite3.connect(f"file:{cache.path}?mode=ro", uri=True)
            try:
                total += conn.execute("SELECT count(*) FROM outbox").fetchone()[0]
            finally:
                conn.close()
        except sqlite3.Error:
            continue
    return total


def _delete_cache(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        try:
            Path(f"{path}{suffix}").unlink()
        except FileNotFoundError:
            pass
        except OSError as exc:
            raise CommandFailed(EXIT_LOCAL_FILE, f"cannot delete {path}{suffix}: {exc.strerror}") from None


# -- track status ------------------------------------------------------------------------------------


def _status(args, settings: "Settings", config_path: Path, runtime) -> int:
    project = settings.project
    report: dict = {"project_url": None, "signed_in": False, "email": None, "user_id": None,
                    "session_expires_at": None, "server": None, "workspace": None, "cache_file": None}
    if project is None:
        report["cache_file"] = str(paths.demo_cache_file())
        _print_status(args, report, note="No Supabase project configured: `track` opens the local demo.")
        return EXIT_NOT_SIGNED_IN
    from .sync import workspace_cache as wc
    from .sync.account import Account
    from .sync.failures import AuthFailure

    account = Account(project, runtime)
    report["project_url"] = project.url
    note = None
    try:
        who = runtime.run(account.signed_in(confirm=True), timeout=NETWORK_TIMEOUT)
        report["server"] = "reachable"
        if who is not None:
            report.update(signed_in=True, email=who.email, user_id=who.user_id,
                          session_expires_at=_iso(who.expires_at))
    except (AuthFailure, TimeoutError) as exc:
        report["server"] = "unreachable" if getattr(exc, "kind", "unreachable") == "unreachable" else "error"
        note = exc.message if isinstance(exc, AuthFailure) else "the project did not answer in time"
        stored = account.stored_session()
        if stored is not None:  # what the file says, unverified
            report.update(signed_in=True, email=stored.email, user_id=stored.user_id,
                          session_expires_at=_iso(stored.expires_at))
    workspace_id = wc.remembered_workspace(project, report["user_id"]) if report["user_id"] else None
    workspace_id = workspace_id or wc.last_workspace_id(project)
    if workspace_id:
        cached = {c.workspace_id: c for c in wc.cached_workspaces(project)}.get(workspace_id)
        report["workspace"] = {"id": workspace_id, "name": cached.name if cached else None,
                               "role": cached.role if cached else None}
        report["cache_file"] = str(wc.cache_path(project, workspace_id))
    report.update(_sync_report(report))
    _print_status(args, report, note=note)
    return EXIT_OK if report["signed_in"] else EXIT_NOT_SIGNED_IN


def _sync_report(report: dict) -> dict:
    """The sync part of `track status`: the state the status line would show as far as it is
    known without syncing, and what the cache says (pending, failed with reasons, last
    successful sync, per-table cursors)."""
    from .sync.cache_report import cache_report
    from .sync.status import SyncState

    cache = cache_report(Path(report["cache_file"])) if report.get("cache_file") else None
    cache = cache or {"pending": 0, "failed": 0, "failed_changes": [], "last_success": None,
                      "first_download_done": False, "cursors": {}}
    if not report["signed_in"]:
        state = SyncState.SIGNED_OUT
    elif report["server"] != "reachable":
        state = SyncState.OFFLINE
    elif not cache["first_download_done"]:
        state = SyncState.DOWNLOADING  # not finished: the next `track sync` (or the app) resumes it
    elif cache["pending"]:
        state = SyncState.SYNCING  # changes wait for the next round
    else:
        state = SyncState.LIVE  # in step as of the last sync
    return {"state": state.value, "pending": cache["pending"], "failed": cache["failed"],
            "failed_changes": cache["failed_changes"], "last_sync": cache["last_success"],
            "cursors": cache["cursors"]}


def _iso(epoch: int | None) -> str | None:
    return datetime.fromtimestamp(epoch, timezone.utc).isoformat() if epoch else None


def _print_status(args, report: dict, *, note: str | None) -> None:
    if args.json:
        if note:
            report = {**report, "note": note}
        print(json.dumps(report, ensure_ascii=True))
        return
    if report["project_url"] is None:
        print(note)
        print(f"Demo cache: {report['cache_file']}")
        return
    print(f"Project:   {report['project_url']}")
    if report["signed_in"]:
        expiry = report["session_expires_at"]
        print(f"Signed in: {_shown(report['email'] or '')}")
        print(f"Session:   access token valid until {_when(int(datetime.fromisoformat(expiry).timestamp())) if expiry else 'unknown'} (renewed automatically)")
    else:
        print("Signed in: no — run `track login`")
    ws = report["workspace"]
    if ws:
        name = _shown(ws["name"]) if ws.get("name") else ws["id"]
        print(f"Workspace: {name}" + (f" ({ws['role']})" if ws.get("role") else ""))
        print(f"Cache:     {report['cache_file']}")
    if report.get("state"):
        last = report.get("last_sync") or "never"
        print(f"Sync:      {report['state']}; {report['pending']} waiting, {report['failed']} refused; last in step {last}")
        for change in report.get("failed_changes", [])[:5]:
            print(f"  refused: {change['op']} {change['table']} {change['row_id']}: {_shown(change['reason'])}")
    if note:
        print(f"Server:    {_shown(note)}")  # the server's words, or a proxy's

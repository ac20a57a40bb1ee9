"""The `track` command line.

    track                      open the local demo workspace (built on first run)
    track --demo               open a throwaway copy of the demo, deleted on exit
    track --cache FILE         open a specific cache file
    track demo --deals N -o F  build a demo workspace of any size (for benchmarks)
    track login | logout | status   your own Supabase project (see account_cli)
    track export | import      records to and from CSV/JSON/Markdown files (see transfer_cli)
    track sync [--watch]       sync the workspace cache with the project (see sync_cli)

Whatever goes wrong ends in one line on stderr and an exit status, never a traceback:

    0    done
    1    refused: a cache or path that cannot be used as it is (nothing was changed)
    2    bad settings or arguments
    70   crashed: an unexpected error, written with its traceback to the error log
    128+N  ended by signal N (SIGTERM, SIGHUP, SIGQUIT, SIGINT), after cleaning up
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import NoReturn

from . import __version__, account_cli, crash_log, paths, signals, sync_cli, transfer_cli
from .config import ConfigError, Settings, load_settings

EXIT_REFUSED = 1
EXIT_USAGE = 2
EXIT_CRASH = 70  # sysexits' EX_SOFTWARE
MAX_DEMO_DEALS = 1_000_000


class Refusal(Exception):
    """Something the person can put right: the message names it; `status` is the exit status."""

    def __init__(self, message: str, status: int = EXIT_REFUSED) -> None:
        super().__init__(message)
        self.status = status


class _Parser(argparse.ArgumentParser):
    """argparse, with a wrong argument reported on one line (not usage, then the error)."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: {message} (see {self.prog} --help)\n")


def _deal_count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 1 <= value <= MAX_DEMO_DEALS:
        raise argparse.ArgumentTypeError(f"{value} is out of range: give 1 to {MAX_DEMO_DEALS:,} deals")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="track",
        description="Track TUI: keyboard-driven terminal client for the Track CRM. With no "
        "Supabase project configured it opens a local demo workspace that works offline.",
        epilog="Config file: %s (override with --config or TRACK_CONFIG); settings can also be "
        "given as TRACK_<NAME> environment variables. Errors are logged to %s."
        % (paths.config_file(), paths.log_file()),
    )
    parser.add_argument("--version", action="version", version=f"track {__version__}")
    parser.add_argument("--config", type=Path, metavar="FILE", help="read settings from this TOML file")
    parser.add_argument("--demo", action="store_true", help="open a throwaway demo workspace, deleted on exit")
    parser.add_argument("--cache", type=Path, metavar="FILE", help="open this cache file instead of the demo workspace")
    parser.add_argument(
        "--rebuild-cache", action="store_true",
        help="if the cache file is damaged or from a newer version, move it aside and build a new one without asking",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    demo = commands.add_parser("demo", help="build a demo workspace file (any size, for benchmarks)")
    demo.add_argument("--deals", type=_deal_count, default=None,
                      help=f"number of deals, 1 to {MAX_DEMO_DEALS:,} (default: the demo_deals setting, 300)")
    demo.add_argument("--seed", type=int, default=7, help="random seed; the same seed gives the same workspace")
    demo.add_argument("-o", "--output", type=Path, metavar="FILE", help="where to write (default: the demo cache file)")
    demo.add_argument("--force", action="store_true", help="replace the output file if it exists")
    account_cli.register(commands)
    transfer_cli.register(commands)
    sync_cli.register(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        with signals.raising():
            return _main(args)
    except signals.Terminated as ended:
        return ended.exit_status
    except Refusal as refusal:
        _say(f"track: {refusal}")
        return refusal.status
    except Exception as error:  # the last boundary: one line and the log, never a traceback
        summary = crash_log.describe(error)
        log = crash_log.record(f"crashed: {summary}", error)
        where = f"details are in {log}" if log else "the error log could not be written"
        _say(f"track: crashed ({summary}); {where}")
        return EXIT_CRASH


def _main(args: argparse.Namespace) -> int:
    try:
        # The account commands may name the config file they are about to write.
        settings = load_settings(args.config, must_exist=args.command not in (*account_cli.COMMANDS, *sync_cli.COMMANDS))
    except ConfigError as exc:
        raise Refusal(f"config error\n{exc}", EXIT_USAGE) from None
    if args.command == "demo":
        return _build_demo_file(args, settings)
    if args.command in account_cli.COMMANDS:
        return account_cli.run(args, settings, args.config or paths.config_file())
    if args.command in transfer_cli.COMMANDS:
        return transfer_cli.run(args, settings)
    if args.command in sync_cli.COMMANDS:
        return sync_cli.run(args, settings, args.config or paths.config_file())
    if args.demo:
        try:
            folder = Path(tempfile.mkdtemp(prefix="track-demo-"))
        except OSError as exc:
            raise Refusal(f"cannot make a folder for the throwaway demo in {tempfile.gettempdir()} ({exc.strerror})") from None
        try:
            throwaway = folder / "demo.sqlite3"
            _copy_demo_template(throwaway, deals=settings.demo_deals)
            return _run(throwaway, settings, rebuild=True, title="Track (throwaway demo)")
        finally:
            with signals.deferred():
                shutil.rmtree(folder, ignore_errors=True)
    if args.cache is None and settings.project is not None:  # your own Supabase project
        from .project_app import run_project_app

        return run_project_app(settings, rebuild=args.rebuild_cache)
    if args.cache is not None:
        return _run(args.cache, settings, rebuild=args.rebuild_cache, named_by="--cache")
    return _run(paths.demo_cache_file(), settings, rebuild=args.rebuild_cache, named_by=_data_dir_origin())


def _data_dir_origin() -> str:
    override = os.environ.get("TRACK_DATA_DIR")
    return f"TRACK_DATA_DIR={override}" if override else "the data folder"


def _say(line: str) -> None:
    """Print to stderr; a terminal that has gone away (SIGHUP) is no reason to fail."""
    try:
        print(line, file=sys.stderr, flush=True)
    except (OSError, ValueError):
        pass


def prepare_folder(path: Path, named_by: str) -> None:
    """Make sure `path` can be a cache file: not a folder, its folder there (created if need
    be) and, for a file not yet there, writable. Refuses with a line naming the setting."""
    try:
        if path.is_dir():
            raise Refusal(f"{named_by}: {path} is a folder; name a cache file, e.g. {path / 'track.sqlite3'}")
        exists = path.exists()
    except OSError as exc:
        raise Refusal(f"{named_by}: {path} cannot be reached ({exc.strerror})") from None
    folder = path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        blocker = next((p for p in [folder, *folder.parents] if p.exists() and not p.is_dir()), folder)
        raise Refusal(f"{named_by}: cannot use {folder}: {blocker} is a file, not a folder") from None
    except OSError as exc:
        raise Refusal(f"{named_by}: cannot create the folder {folder} ({exc.strerror})") from None
    if not exists and not os.access(folder, os.W_OK):
        raise Refusal(f"{named_by}: cannot create {path}: the folder {folder} is not writable")


def open_store(path: Path, settings: Settings, *, rebuild: bool, named_by: str = "--cache"):
    """Open (creating and filling with the demo when new) the cache; explain a bad file.

    None when the file cannot be used (the reason is printed). A first start builds the demo
    into a temporary file beside the cache and publishes it atomically, so two first starts at
    the same moment both end up on one complete workspace, and an interrupted build leaves
    nothing half-made behind.
    """
    from .store import CacheCorrupt, CacheError, CacheTooNew, Store, move_aside

    prepare_folder(path, named_by)
    if not path.exists():
        _publish_new_demo(path, deals=settings.demo_deals)
    try:
        store = Store(path)
    except (CacheCorrupt, CacheTooNew) as exc:
        _say(f"track: {exc}")
        if not rebuild and not _confirm("Move it aside and build a new cache?"):
            _say("track: nothing was changed.")
            return None
        try:
            moved = move_aside(path)
        except OSError as move_error:
            raise Refusal(f"cannot move {path} aside ({move_error.strerror}); nothing was changed") from None
        _say(f"track: moved the old file to {moved}")
        _publish_new_demo(path, deals=settings.demo_deals)
        store = Store(path)
    except CacheError as exc:  # someone else's database, unreadable, busy: never moved or rebuilt
        _say(f"track: {exc}")
        return None
    if store.get_meta("workspace_id") is None:
        if store.read_only:
            store.close()
            raise Refusal(f"{path} is read-only and holds no workspace yet; nothing was changed")
        from .demo import build_demo

        build_demo(store, deals=settings.demo_deals)
    return store


def _publish_new_demo(path: Path, *, deals: int, seed: int = 7, replace: bool = False):
    """Build the demo workspace into a temporary file beside `path`, then put it in place in one
    step: a hard link, which fails when `path` has appeared meanwhile (another first start won;
    its workspace is the same demo, so it is kept and ours dropped), or with `replace` a rename
    over whatever is there. Returns the build's summary."""
    from .demo import build_demo
    from .store import Store

    descriptor, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".building")
    os.close(descriptor)
    building = Path(name)
    try:
        store = Store(building)
        try:
            summary = build_demo(store, seed=seed, deals=deals)
        finally:
            store.close()  # the last connection: SQLite folds the WAL back into the file
        if Path(f"{building}-wal").exists():
            raise RuntimeError(f"{building}-wal was left after closing; the build is not complete in the file")
        if replace:
            os.replace(building, path)
        else:
            try:
                os.link(building, path)
            except FileExistsError:
                pass
            except OSError:  # a file system without hard links: rename, unless it appeared
                if not path.exists():
                    os.replace(building, path)
        return summary
    finally:
        with signals.deferred():
            for leftover in (building, Path(f"{building}-wal"), Path(f"{building}-shm")):
                leftover.unlink(missing_ok=True)


def demo_template_file(deals: int, seed: int = 7) -> Path:
    """Where `track --demo` keeps a pristine demo to copy: one per code version, cache schema,
    size and day (the demo's dates are relative to the day it is built)."""
    from datetime import date

    from .store.schema import SCHEMA_VERSION

    return paths.cache_dir() / f"demo-template-{__version__}-s{SCHEMA_VERSION}-{deals}-{seed}-{date.today():%Y%m%d}.sqlite3"


def _copy_demo_template(path: Path, *, deals: int) -> None:
    """Put a fresh demo workspace at `path`: a copy of today's template, built first if there is
    none yet (so `track --demo` starts as fast as `track`, instead of building the demo each
    time). Templates of other days or versions are removed. Any trouble with the template
    (a read-only cache folder, a full disk) only means building the demo at `path` instead."""
    template = demo_template_file(deals)
    try:
        if not template.exists():
            template.parent.mkdir(parents=True, exist_ok=True)
            for old in template.parent.glob("demo-template-*.sqlite3"):
                old.unlink(missing_ok=True)
            _publish_new_demo(template, deals=deals)
        shutil.copyfile(template, path)
        return
    except OSError:
        path.unlink(missing_ok=True)
    _publish_new_demo(path, deals=deals)


def _confirm(question: str) -> bool:
    if not sys.stdin.isatty():
        _say("track: run again with --rebuild-cache to do that.")
        return False
    answer = input(f"{question} [y/N] ").strip().lower()
    return answer in ("y", "yes")


def _run(path: Path, settings: Settings, *, rebuild: bool, title: str | None = None,
         named_by: str = "--cache") -> int:
    store = open_store(path, settings, rebuild=rebuild, named_by=named_by)
    if store is None:
        return EXIT_REFUSED
    from .app import TrackApp

    # No server stands behind this cache (the demo, or a file with no project, and no project
    # configured): the store runs automations and writes the audit log itself.
    store.standalone = settings.project is None and store.get_meta("project_url") is None
    try:
        app = TrackApp(store, settings, title=title, theme_file=paths.theme_file())
        app.run()
    finally:
        with signals.deferred():
            store.close()
    return app_exit_status(app)


def app_exit_status(app) -> int:
    """What the process returns after the app ended: a crash is said in one line (70), a
    signal gives 128 + its number, quitting 0."""
    if app.crash is not None:
        _say(app.crash.line())
        return EXIT_CRASH
    return app.return_code or 0


def _build_demo_file(args: argparse.Namespace, settings: Settings) -> int:
    output: Path = args.output or paths.demo_cache_file()
    named_by = "--output" if args.output else _data_dir_origin()
    prepare_folder(output, named_by)
    if output.exists() and not args.force:
        raise Refusal(f"{output} exists; add --force to replace it")
    started = time.perf_counter()
    if args.force:  # a stale WAL beside the new file would be read as part of it
        for suffix in ("-wal", "-shm"):
            Path(f"{output}{suffix}").unlink(missing_ok=True)
    summary = _publish_new_demo(output, deals=args.deals or settings.demo_deals, seed=args.seed, replace=args.force)
    elapsed = time.perf_counter() - started
    print(f"built {output} in {elapsed:.1f}s: {summary.describe()}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

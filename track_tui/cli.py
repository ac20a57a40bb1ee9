"""The `track` command line.

    track                      open the local demo workspace (built on first run)
    track --demo               open a throwaway copy of the demo, deleted on exit
    track --cache FILE         open a specific cache file
    track demo --deals N -o F  build a demo workspace of any size (for benchmarks)
    track login | logout | status   your own Supabase project (see account_cli)
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

from . import __version__, account_cli, paths
from .config import ConfigError, Settings, load_settings


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="track",
        description="Track TUI: keyboard-driven terminal client for the Track CRM. With no "
        "Supabase project configured it opens a local demo workspace that works offline.",
        epilog="Config file: %s (override with --config or TRACK_CONFIG); settings can also be "
        "given as TRACK_<NAME> environment variables." % paths.config_file(),
    )
    parser.add_argument("--version", action="version", version=f"track {__version__}")
    parser.add_argument("--config", type=Path, metavar="FILE", help="read settings from this TOML file")
    parser.add_argument("--demo", action="store_true", help="open a throwaway demo workspace, deleted on exit")
    parser.add_argument("--cache", type=Path, metavar="FILE", help="open this cache file instead of the demo workspace")
    parser.add_argument(
        "--rebuild-cache", action="store_true",
        help="if the cache file is damaged or from a newer version, move it aside and build a new one without asking",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    demo = commands.add_parser("demo", help="build a demo workspace file (any size, for benchmarks)")
    demo.add_argument("--deals", type=int, default=None, help="number of deals (default: the demo_deals setting, 300)")
    demo.add_argument("--seed", type=int, default=7, help="random seed; the same seed gives the same workspace")
    demo.add_argument("-o", "--output", type=Path, metavar="FILE", help="where to write (default: the demo cache file)")
    demo.add_argument("--force", action="store_true", help="replace the output file if it exists")
    account_cli.register(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings(args.config)
    except ConfigError as exc:
        print(f"track: config error\n{exc}", file=sys.stderr)
        return 2
    if args.command == "demo":
        return _build_demo_file(args, settings)
    if args.command in account_cli.COMMANDS:
        return account_cli.run(args, settings, args.config or paths.config_file())
    if args.demo:
        folder = Path(tempfile.mkdtemp(prefix="track-demo-"))
        try:
            return _run(folder / "demo.sqlite3", settings, rebuild=True, title="Track (throwaway demo)")
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    if args.cache is None and settings.project is not None:  # your own Supabase project
        from .project_app import run_project_app

        return run_project_app(settings, rebuild=args.rebuild_cache)
    cache = args.cache or paths.demo_cache_file()
    return _run(cache, settings, rebuild=args.rebuild_cache)


def open_store(path: Path, settings: Settings, *, rebuild: bool):
    """Open (creating and filling with the demo when new) the cache; explain a bad file."""
    from .store import CacheError, NotACache, Store, move_aside

    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        store = Store(path)
    except NotACache as exc:  # someone else's database: never move or rebuild it
        print(f"track: {exc}", file=sys.stderr)
        return None
    except CacheError as exc:
        print(f"track: {exc}", file=sys.stderr)
        if not rebuild and not _confirm("Move it aside and build a new cache?"):
            print("track: nothing was changed.", file=sys.stderr)
            return None
        moved = move_aside(path)
        print(f"track: moved the old file to {moved}", file=sys.stderr)
        store = Store(path)
    if store.get_meta("workspace_id") is None:
        from .demo import build_demo

        build_demo(store, deals=settings.demo_deals)
    return store


def _confirm(question: str) -> bool:
    if not sys.stdin.isatty():
        print("track: run again with --rebuild-cache to do that.", file=sys.stderr)
        return False
    answer = input(f"{question} [y/N] ").strip().lower()
    return answer in ("y", "yes")


def _run(path: Path, settings: Settings, *, rebuild: bool, title: str | None = None) -> int:
    store = open_store(path, settings, rebuild=rebuild)
    if store is None:
        return 1
    from .app import TrackApp

    try:
        TrackApp(store, settings, title=title).run()
    finally:
        store.close()
    return 0


def _build_demo_file(args: argparse.Namespace, settings: Settings) -> int:
    from .demo import build_demo
    from .store import Store

    output: Path = args.output or paths.demo_cache_file()
    if output.exists():
        if not args.force:
            print(f"track: {output} exists; add --force to replace it", file=sys.stderr)
            return 1
        output.unlink()
        for suffix in ("-wal", "-shm"):
            Path(f"{output}{suffix}").unlink(missing_ok=True)
    output.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    store = Store(output)
    try:
        summary = build_demo(store, seed=args.seed, deals=args.deals or settings.demo_deals)
    finally:
        store.close()
    elapsed = time.perf_counter() - started
    print(f"built {output} in {elapsed:.1f}s: {summary}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

"""`track export` and `track import`: a workspace's records to and from files.

    track export deals|contacts|companies|tasks [--board NAME] [--filter "owner:me >10k"]
                 [--format csv|json|markdown] [-o FILE] [--bom]
    track import contacts|companies|deals FILE.csv [--dry-run] [--map "Column=field" …]
                 [--skip-invalid] [--update] [--board NAME]

They work on the cache the app would open: `--cache FILE`, else your project's remembered
workspace, else the demo workspace. Exit status: 0 done, 1 refused (nothing was changed: a file
that cannot be read, bad rows without --skip-invalid), 2 bad arguments.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .config import Settings

COMMANDS = ("export", "import")
EXIT_REFUSED, EXIT_USAGE = 1, 2


def register(commands: argparse._SubParsersAction) -> None:
    from .transfer.kinds import FORMATS, IMPORTABLE, KINDS  # not the code behind them: start-up stays short

    export = commands.add_parser(
        "export", help="write deals, contacts, companies or tasks as CSV, JSON or Markdown",
        description="Write records with names (not ids), custom fields as columns, money in major units "
        "with a currency column and ISO dates. Standard output unless -o is given.")
    export.add_argument("kind", choices=KINDS)
    export.add_argument("--board", metavar="NAME", help="only this board's cards, in board order")
    export.add_argument("--filter", metavar="FILTER", dest="filter_text",
                        help="the board filter, e.g. \"owner:me >10k\" (without --board: the first board of the kind)")
    export.add_argument("--format", choices=FORMATS, default=None,
                        help="default: from the -o file's ending (.json, .md), else csv")
    export.add_argument("-o", "--output", type=Path, metavar="FILE", help="write to FILE instead of standard output")
    export.add_argument("--bom", action="store_true", help="start a CSV with a UTF-8 byte-order mark (for Excel)")

    imp = commands.add_parser(
        "import", help="read contacts, companies or deals from a CSV file",
        description="Columns map to fields by name or label (case and accents ignored; other CRMs' headers "
        "such as \"First Name\", \"E-mail Address\", \"Deal Stage\" and \"Amount\" too). Every value is "
        "checked as the editors check it; by default nothing is imported when any row is bad.")
    imp.add_argument("kind", choices=list(IMPORTABLE))
    imp.add_argument("file", type=Path, metavar="FILE.csv")
    imp.add_argument("--dry-run", action="store_true", help="check and report, write nothing")
    imp.add_argument("--map", action="append", default=[], metavar="COLUMN=FIELD",
                     help="fill FIELD from COLUMN (FIELD '-' ignores the column); repeatable")
    imp.add_argument("--skip-invalid", action="store_true", help="import the good rows even when some are bad")
    imp.add_argument("--update", action="store_true",
                     help="update stored duplicates (same contact email, company domain, deal name + company)")
    imp.add_argument("--board", metavar="NAME", help="the deal board to import onto (default: the first)")


class _Refused(Exception):
    def __init__(self, message: str, status: int = EXIT_REFUSED) -> None:
        super().__init__(message)
        self.status = status


def run(args: argparse.Namespace, settings: "Settings") -> int:
    try:
        store = _open_store(args, settings)
    except _Refused as refused:
        _err(f"track {args.command}: {refused}")
        return refused.status
    try:
        return (_export if args.command == "export" else _import)(args, store)
    except _Refused as refused:
        _err(f"track {args.command}: {refused}")
        return refused.status
    finally:
        store.close()


def _err(line: str) -> None:
    """One line of a message or report on standard error, always drawn safely: it names files,
    columns and cells (someone else's text), and nothing reads it back as data."""
    from .safe_text import safe_line

    print(safe_line(line), file=sys.stderr, flush=True)


def _open_store(args: argparse.Namespace, settings: "Settings"):
    from .store import CacheError, Store

    path: Path | None = args.cache
    if path is None and settings.project is not None:
        from .sync import workspace_cache as wc
        from .sync.account import Account
        from .sync.runtime import Runtime

        stored = Account(settings.project, Runtime()).stored_session()
        workspace_id = wc.remembered_workspace(settings.project, stored.user_id) if stored else None
        if workspace_id is None:
            raise _Refused("no workspace is open on this computer yet: run `track` and choose one, or give --cache FILE")
        path = wc.cache_path(settings.project, workspace_id)
    if path is None:
        from . import cli, paths

        store = cli.open_store(paths.demo_cache_file(), settings, rebuild=False, named_by="the data folder")
        if store is None:
            raise _Refused("the demo workspace cannot be opened")
        return store
    if not path.exists():
        raise _Refused(f"{path}: no such cache file")
    try:
        return Store(path)
    except CacheError as exc:
        raise _Refused(str(exc)) from None


def _export(args: argparse.Namespace, store) -> int:
    from .safe_text import safe_block
    from .transfer.export import ExportProblem, export_table
    from .transfer.table import render

    try:
        table = export_table(store, args.kind, board=args.board, filter_text=args.filter_text)
    except ExportProblem as exc:
        raise _Refused(str(exc)) from None
    fmt = args.format
    if fmt is None:
        suffix = args.output.suffix.lower() if args.output else ""
        fmt = {".json": "json", ".md": "markdown", ".markdown": "markdown"}.get(suffix, "csv")
    text = render(table, fmt, bom=args.bom)
    if args.output is None:
        out = sys.stdout
        # On a terminal the data is drawn, not stored: control codes in it are made visible.
        out.write(safe_block(text) if out.isatty() else text)
        out.flush()
    else:
        try:
            with open(args.output, "w", encoding="utf-8", newline="") as handle:
                handle.write(text)
        except OSError as exc:
            raise _Refused(f"cannot write {args.output} ({exc.strerror})") from None
        _err(f"wrote {len(table):,} {args.kind} to {args.output}")
    return 0


def _import(args: argparse.Namespace, store) -> int:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from .store import CacheBusy, InvalidInput
    from .transfer import report
    from .transfer.csv_file import CsvProblem, read_path
    from .transfer.importing import ImportProblem, apply_import, plan_import
    from .transfer.mapping import MappingProblem, parse_overrides

    try:
        overrides = parse_overrides(args.map)
    except MappingProblem as exc:
        raise _Refused(str(exc), EXIT_USAGE) from None
    try:
        data = read_path(args.file)
    except CsvProblem as exc:
        raise _Refused(f"{args.file}: {exc}; nothing was imported") from None
    if not data.records:
        raise _Refused(f"{args.file} has a header row but no rows; nothing was imported")
    progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                        console=_stderr_console(), transient=True, disable=not sys.stderr.isatty())
    with progress:
        task = progress.add_task("checking rows", total=len(data.records))
        try:
            plan = plan_import(store, args.kind, data, overrides=overrides, update=args.update, board=args.board,
                               progress=lambda n: progress.advance(task, n))
        except ImportProblem as exc:
            raise _Refused(f"{exc}; nothing was imported") from None
        result = None
        if not args.dry_run and (args.skip_invalid or not plan.problems):
            write = progress.add_task("writing", total=len(plan.creates))
            try:
                result = apply_import(store, plan, skip_invalid=args.skip_invalid,
                                      progress=lambda n: progress.advance(write, n))
            except (InvalidInput, CacheBusy) as exc:  # a viewer's role, a read-only cache, a lock
                raise _Refused(f"{exc}; nothing was imported") from None
    defs = {d.key: d for d in store.custom_field_defs(plan.record_type)}
    for line in [report.describe_file(plan, str(args.file)), *report.describe_mapping(plan, defs),
                 *report.problem_lines(plan),
                 report.outcome_line(plan, result, dry_run=args.dry_run, skip_invalid=args.skip_invalid)]:
        _err(line)
    return EXIT_REFUSED if plan.problems and not args.skip_invalid else 0


def _stderr_console():
    from rich.console import Console

    return Console(file=sys.stderr)



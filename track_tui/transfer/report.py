"""The import report a person reads: what the file was, how columns were mapped, every bad row
by line number and reason, duplicates, and what was (or would be) written.

Plain lines, every piece of the file's text drawn through :func:`safe_line` (a cell may hold
terminal control codes). Shared by `track import` and the TUI's import screen.
"""

from __future__ import annotations

from ..safe_text import safe_line
from .importing import ImportPlan, ImportResult

SHOWN = 50  # bad rows and duplicates listed one by one; the rest are counted


def describe_file(plan: ImportPlan, name: str) -> str:
    data = plan.data
    return safe_line(f"read {name}: {plan.rows:,} rows, {data.encoding}, {data.delimiter_name}-separated")


def describe_mapping(plan: ImportPlan, defs: dict) -> list[str]:
    pairs = [f"{plan.data.headers[i]} → {plan.mapping.target_label(t, defs)}" for i, t in sorted(plan.mapping.columns.items())]
    lines = [safe_line("columns: " + ", ".join(pairs))]
    if plan.mapping.ignored:
        lines.append(safe_line("ignored columns (no field of that name; map one with --map \"Column=field\"): "
                               + ", ".join(plan.mapping.ignored)))
    return lines


def problem_lines(plan: ImportPlan) -> list[str]:
    lines: list[str] = []
    if plan.problems:
        lines.append(f"{len(plan.problems):,} bad row{'s' if len(plan.problems) != 1 else ''}:")
        lines.extend(safe_line(f"  line {p.line}: {p.reason}") for p in plan.problems[:SHOWN])
        if len(plan.problems) > SHOWN:
            lines.append(f"  … and {len(plan.problems) - SHOWN:,} more")
    if plan.duplicates:
        count = len(plan.duplicates)
        lines.append(f"{count:,} duplicate{'s' if count != 1 else ''} of stored records, skipped "
                     "(add --update to update them instead):")
        lines.extend(safe_line(f"  line {d.line}: {d.what} is already stored") for d in plan.duplicates[:SHOWN])
        if count > SHOWN:
            lines.append(f"  … and {count - SHOWN:,} more")
    return lines


def outcome_line(plan: ImportPlan, result: ImportResult | None, *, dry_run: bool, skip_invalid: bool) -> str:
    kind = plan.record_type.value + "s" if plan.record_type.value != "company" else "companies"
    creates, updates, companies = len(plan.creates), len(plan.updates), len(plan.new_companies)
    what = f"{creates:,} new {kind}, {updates:,} updated" + (f", {companies:,} new companies" if companies else "")
    if plan.problems and not skip_invalid:
        return (f"nothing was imported: fix the rows above, or add --skip-invalid to import the "
                f"{creates + updates:,} good rows")
    if dry_run:
        return f"dry run, nothing written: the import would make {what}"
    if result is None or not result.written:
        return "nothing to import"
    return f"imported {what}; they reach the server through the outbox"

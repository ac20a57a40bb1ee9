"""A table of text cells and the three formats it is written in: CSV, JSON, Markdown.

CSV is what spreadsheets open: a header row, every cell quoted when it holds the delimiter, a
quote or a line break (the `csv` module's minimal quoting), CRLF line ends as RFC 4180 says, and
optionally a UTF-8 byte-order mark so Excel reads the file as UTF-8 rather than the local code
page. JSON is a list of objects keyed by the headers (an empty cell is null). Markdown is a pipe
table for pasting into notes and issues (pipes escaped, line breaks folded to spaces).
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from typing import IO

from .kinds import FORMATS

BOM = "\ufeff"


@dataclass
class Table:
    headers: list[str]
    rows: list[list[str]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.rows)


def write(table: Table, out: IO[str], fmt: str = "csv", *, bom: bool = False) -> None:
    """Write `table` to a text stream in `fmt` (one of :data:`FORMATS`)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    if bom and fmt == "csv":
        out.write(BOM)
    {"csv": _csv, "json": _json, "markdown": _markdown}[fmt](table, out)


def render(table: Table, fmt: str = "csv", *, bom: bool = False) -> str:
    buffer = io.StringIO(newline="")
    write(table, buffer, fmt, bom=bom)
    return buffer.getvalue()


def _csv(table: Table, out: IO[str]) -> None:
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(table.headers)
    writer.writerows(table.rows)


def _json(table: Table, out: IO[str]) -> None:
    records = [{h: (cell if cell != "" else None) for h, cell in zip(table.headers, row)} for row in table.rows]
    json.dump(records, out, ensure_ascii=False, indent=2)
    out.write("\n")


def _md_cell(text: str) -> str:
    return " ".join(text.replace("\\", "\\\\").replace("|", "\\|").split())


def _markdown(table: Table, out: IO[str]) -> None:
    out.write("| " + " | ".join(_md_cell(h) for h in table.headers) + " |\n")
    out.write("|" + "|".join(" --- " for _ in table.headers) + "|\n")
    for row in table.rows:
        out.write("| " + " | ".join(_md_cell(c) for c in row) + " |\n")

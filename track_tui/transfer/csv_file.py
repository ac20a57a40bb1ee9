"""Reading a CSV file as people's files really are.

- **Encoding**: UTF-8 with or without a byte-order mark; a file that is not valid UTF-8 is read
  as Windows-1252 (Excel's "CSV" on Western systems; a superset of Latin-1's printable range),
  or Latin-1 where 1252 leaves a byte undefined. The encoding used is reported. UTF-16 (Excel's
  "Unicode text") is recognised by its mark and refused with the way out.
- **Binary**: a NUL byte in the first 64 KiB means it is not a text file (a spreadsheet's
  .xlsx, an image): refused, never read as garbage rows.
- **Delimiter**: `,` `;` or tab, sniffed from the first lines (the one that splits the header
  and the next lines into the same number of cells), comma by default.
- **Records**: quoted cells may hold delimiters, quotes and line breaks; each record keeps the
  line number it starts on, for the import report. Blank lines are skipped. A record with more
  or fewer cells than the header is kept with its count, so the import can name it.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

SNIFF_BYTES = 65_536
DELIMITERS = (",", ";", "\t")
MAX_FIELD = 10 * 1024 * 1024  # one cell up to 10 MiB (csv's default limit is 128 KiB)


class CsvProblem(ValueError):
    """A file that cannot be read as CSV at all; the message says why and what to do."""


@dataclass
class CsvRecord:
    line: int  # the file line the record starts on (1 is the header)
    cells: list[str]


@dataclass
class CsvData:
    headers: list[str]
    records: list[CsvRecord] = field(default_factory=list)
    encoding: str = "utf-8"
    delimiter: str = ","

    @property
    def delimiter_name(self) -> str:
        return {",": "comma", ";": "semicolon", "\t": "tab"}.get(self.delimiter, repr(self.delimiter))


def read_path(path: Path) -> CsvData:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise CsvProblem(f"{path}: no such file") from None
    except IsADirectoryError:
        raise CsvProblem(f"{path} is a folder, not a CSV file") from None
    except OSError as exc:
        raise CsvProblem(f"{path} cannot be read ({exc.strerror})") from None
    return read_bytes(data)


def decode(data: bytes) -> tuple[str, str]:
    """(text, encoding name) of a file's bytes; raises CsvProblem for binary and UTF-16."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise CsvProblem("the file is UTF-16 (Excel's \"Unicode text\"); save it as \"CSV UTF-8\" and import that")
    if b"\x00" in data[:SNIFF_BYTES]:
        raise CsvProblem("this is not a text file (it holds NUL bytes): export the sheet as CSV first")
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "UTF-8 with BOM"
        except UnicodeDecodeError as exc:
            raise CsvProblem(f"the file starts as UTF-8 but byte {exc.start + 3} is not UTF-8; save it as UTF-8 again") from None
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "Windows-1252 (Latin-1), converted"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "Latin-1, converted"


def sniff_delimiter(text: str) -> str:
    lines = [line for line in text.splitlines()[:20] if line.strip()]
    if not lines:
        return ","
    best, best_score = ",", (0, 0)
    for delimiter in DELIMITERS:
        try:
            rows = list(csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter))
        except csv.Error:
            continue
        if not rows:
            continue
        width = len(rows[0])
        if width < 2:
            continue
        same = sum(1 for row in rows[1:] if len(row) == width)
        score = (same, width)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def read_bytes(data: bytes) -> CsvData:
    text, encoding = decode(data)
    if not text.strip():
        raise CsvProblem("the file is empty: it needs a header row and at least one row")
    delimiter = sniff_delimiter(text)
    csv.field_size_limit(max(csv.field_size_limit(), MAX_FIELD))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    records: list[CsvRecord] = []
    headers: list[str] | None = None
    next_line = 1
    try:
        for cells in reader:
            start, next_line = next_line, reader.line_num + 1
            if not any(cell.strip() for cell in cells):
                continue
            if headers is None:
                headers = [cell.strip() for cell in cells]
                continue
            records.append(CsvRecord(start, cells))
    except csv.Error as exc:
        raise CsvProblem(f"line {reader.line_num}: {exc}") from None
    if headers is None:
        raise CsvProblem("the file is empty: it needs a header row and at least one row")
    if not any(headers):
        raise CsvProblem("the header row (line 1) is blank")
    return CsvData(headers=headers, records=records, encoding=encoding, delimiter=delimiter)

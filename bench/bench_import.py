"""Import figures: 100,000 rows of a CSV file read, checked and written, beside a plain
`executemany` of the same rows measured in the same run.

The import does per row what the editors do (pydantic models, email and custom-field
validation, name → id lookups, duplicate checks) and writes through the one write path
(outbox entries, search documents, undo journal) in one transaction. The baseline inserts the
already-made rows into the same table with one `executemany` and nothing else, so the ratio
says what the checks and the write path cost on any machine. The issue asks for under a minute.
`TRACK_BENCH_IMPORT_ROWS` changes the row count.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import tempfile
import time
import uuid
from pathlib import Path

from .workspaces import BENCH_NOW, workspace

ROWS = int(os.environ.get("TRACK_BENCH_IMPORT_ROWS", "100000"))
_SENIORITY = ["junior", "mid", "senior", "director", "vp", "c-level"]


def _contacts_csv(rows: int, companies: list[str], owners: list[str]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["First Name", "Last Name", "E-mail Address", "Phone", "Job Title", "Company Name", "Owner",
                     "Tags", "Seniority", "NPS score", "Newsletter opt-in"])
    for i in range(rows):
        writer.writerow([f"Person{i}", f"Family{i % 977}", f"person{i}@example{i % 50}.com", f"+1 555 {i:07d}",
                         "Engineer", companies[i % len(companies)], owners[i % len(owners)],
                         "imported, bench", _SENIORITY[i % len(_SENIORITY)], str(i % 11), "yes" if i % 2 else "no"])
    return out.getvalue().encode("utf-8")


def _fresh_copy(template: Path, folder: Path, name: str):
    from track_tui.store import Store

    path = folder / name
    shutil.copyfile(template, path)
    store = Store(path, clock=lambda: BENCH_NOW)
    with store.transaction() as tx:  # contacts only: the demo's companies stay to be named
        tx.conn.execute("UPDATE deals SET primary_contact_id = NULL")
        tx.conn.execute("DELETE FROM deal_contacts")
        tx.conn.execute("DELETE FROM board_cards WHERE record_type = 'contact'")
        tx.conn.execute("DELETE FROM search_docs WHERE record_type = 'contact'")
        tx.conn.execute("DELETE FROM contacts")
        tx.conn.execute("DELETE FROM outbox")
    return store


def main() -> None:
    from track_tui.transfer.csv_file import read_bytes
    from track_tui.transfer.importing import apply_import, plan_import

    template, _ = workspace(300)
    with tempfile.TemporaryDirectory(prefix="track-bench-import-") as tmp:
        folder = Path(tmp)
        store = _fresh_copy(template, folder, "import.sqlite3")
        companies = [c for (c,) in store.conn.execute("SELECT name FROM companies ORDER BY name")]
        owners = [p.full_name for p in store.profiles().values()]
        data = _contacts_csv(ROWS, companies, owners)

        started = time.perf_counter()
        parsed = read_bytes(data)
        read_s = time.perf_counter() - started
        plan = plan_import(store, "contacts", parsed)
        plan_s = time.perf_counter() - started - read_s
        assert not plan.problems, plan.problems[:3]
        apply_import(store, plan)
        total = time.perf_counter() - started
        write_s = total - read_s - plan_s
        outbox = store.pending_count()
        rows = [tuple(c.model_dump(mode="json").values()) for c in plan.creates]
        columns = list(plan.creates[0].model_dump().keys())
        store.close()

        baseline_store = _fresh_copy(template, folder, "baseline.sqlite3")
        import json

        values = [tuple(json.dumps(v) if isinstance(v, (list, dict)) else v for v in row) for row in rows]
        for row in values:
            uuid.UUID(row[columns.index("id")])
        started = time.perf_counter()
        with baseline_store.transaction() as tx:
            names = ", ".join(f'"{c}"' for c in columns)
            tx.conn.executemany(f"INSERT INTO contacts ({names}) VALUES ({', '.join('?' for _ in columns)})",
                                [tuple(r) for r in values])
        baseline = time.perf_counter() - started
        baseline_store.close()

    print(f"import ({ROWS:,} contacts from CSV, UTF-8, 11 columns)")
    print(f"  whole import:   {total:6.1f} s  (read {read_s:.1f} s, check {plan_s:.1f} s, write {write_s:.1f} s); "
          f"{ROWS / total:,.0f} rows/s; {outbox:,} outbox entries; the issue's bound: 60 s")
    print(f"  plain executemany of the same rows: {baseline:.2f} s; the import costs {total / baseline:.0f}x that")


if __name__ == "__main__":
    main()

"""Size-limit figures: a note at the documented maximum (models/text.py) stays fast to save,
index and search.

A 12 MB note held the database for 11 s and a 20 MB one made search take 47 s; the models now
refuse a note over LONG_TEXT_MAX characters. On a copy of the 1k-deal demo workspace this logs
notes of a typical size (2,000 characters), a tenth of the limit and the limit itself, made of
ordinary words, each through the write path (`Store.log_entry`: the row, its outbox entry and
both full-text indexes in one transaction); then it types a word of the note one character at a
time into search, and a typo of it. The typical note is the baseline in the same run, so
results from different machines compare as ratios.

Run: `python -m bench.bench_limits` (or `make bench`).
"""

from __future__ import annotations

import os
import random
import shutil
import statistics
import time

from .workspaces import BENCH_NOW, cache_dir, workspace

SIZES = (2_000, 20_000, None)  # None: the limit
ROUNDS = 5


def _note(rng: random.Random, size: int) -> tuple[str, str]:
    """Ordinary words up to `size` characters, and one word from its middle to search for."""
    words = ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(3, 9)))
             for _ in range(5_000)]
    parts: list[str] = []
    length = 0
    while length < size:
        parts.append(rng.choice(words))
        length += len(parts[-1]) + 1
    return " ".join(parts)[:size], parts[len(parts) // 2]


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000


def measure() -> list[dict[str, float]]:
    from track_tui.models import RecordType
    from track_tui.models.enums import EntryType
    from track_tui.models.text import LONG_TEXT_MAX
    from track_tui.store import Store

    source, built = workspace(1_000)
    if built is not None:
        print(f"  (built the 1,000-deal workspace in {built:.1f} s)")
    path = cache_dir() / f"limits-bench-{os.getpid()}.sqlite3"
    results = []
    try:
        for size in SIZES:
            size = size or LONG_TEXT_MAX
            shutil.copyfile(source, path)
            store = Store(path, clock=lambda: BENCH_NOW)
            try:
                deal_id = store.conn.execute("SELECT id FROM deals ORDER BY id LIMIT 1").fetchone()[0]
                store.warm_search()
                rng = random.Random(size)
                writes, keystrokes, typos = [], [], []
                for _ in range(ROUNDS):
                    body, word = _note(rng, size)
                    started = time.perf_counter()
                    store.log_entry(RecordType.DEAL, deal_id, EntryType.NOTE, body=body)
                    writes.append(_ms(started))
                    store.search(word)  # the first search after a write reads the new words in
                    for n in range(1, len(word) + 1):
                        started = time.perf_counter()
                        store.search(word[:n])
                        keystrokes.append(_ms(started))
                    started = time.perf_counter()
                    store.search(word[:-1] + ("q" if word[-1] != "q" else "z"))
                    typos.append(_ms(started))
            finally:
                store.close()
            results.append({
                "size": size, "write": statistics.median(writes), "keystroke": statistics.median(keystrokes),
                "keystroke_max": max(keystrokes), "typo": statistics.median(typos),
            })
    finally:
        for leftover in (path, f"{path}-wal", f"{path}-shm"):
            if os.path.exists(leftover):
                os.unlink(leftover)
    return results


def main() -> None:
    from track_tui.models.text import LONG_TEXT_MAX

    print(f"Limits — a note at the maximum ({LONG_TEXT_MAX:,} characters), 1k-deal workspace, median of {ROUNDS}")
    results = measure()
    base = results[0]
    for row in results:
        label = f"{row['size']:>9,} chars" + (" (limit)" if row["size"] == LONG_TEXT_MAX else "")
        print(
            f"  {label:<24} save+index {row['write']:7.1f} ms ({row['write'] / base['write']:5.1f}×)"
            f"   search per keystroke {row['keystroke']:5.1f} ms (max {row['keystroke_max']:5.1f},"
            f" {row['keystroke'] / base['keystroke']:4.1f}×)   typo {row['typo']:5.1f} ms"
        )


if __name__ == "__main__":
    main()

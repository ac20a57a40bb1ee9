"""Search figures: latency per keystroke on a 100,000-deal demo workspace.

Budget (issue 13, "Opening a record and searching"; it was 20 ms in "Task inbox and the search
panel"): p95 ≤ 10 ms per keystroke on 100k deals (with
their ~50k contacts, ~12.5k companies and their notes). Every query of a fixed list — names,
words in notes, e-mail fragments, filters, typos and substrings — is typed one character at a
time and each prefix is searched as the panel would (`Store.search`, the whole query: parsing,
FTS5, fallbacks, ranking, highlights). Each round types every query once, in typing order, from
a fresh start (`Store.forget_search_memory`): what search remembers between keystrokes — a typo's
corrections, folded names — helps only the later keystrokes of the same query, as it would a
person, and never a repeat of the very same keystroke. Printed beside the same keystrokes on a 1k-deal workspace
and a plain `SELECT count(*) FROM search_docs` on the big one, so results from different machines
compare as ratios; the baseline is timed right after every keystroke, so a loaded machine slows
both alike. The one-off load of the typo vocabulary (done in a worker when the panel
opens) is printed apart.

Run: `python -m bench.bench_search` (or `make bench`).
"""

from __future__ import annotations

import statistics
import time

from .workspaces import BENCH_NOW, workspace

BUDGET_P95_MS = 10.0
QUERIES = (
    # names, as typed
    "birch", "north", "juniper goods", "ember networks", "lefevre", "jose dubois",
    # other fields and note bodies
    "budget holder", "spreadsheet", "ana.park", "japanese", "enterprise",
    # filters
    "type:deal ember", "owner:me copper", "tag:enterprise", "stage:proposal north", "type:company tier",
    # typos
    "brichline", "nimbustone", "hollowbrige hotels", "grmany", "emberwaev solar", "jonh",
    # substrings
    "bridge", "wave sol",
)


def keystrokes() -> list[str]:
    """Every prefix of every query, as the panel searches them while someone types."""
    return [query[:n] for query in QUERIES for n in range(1, len(query) + 1) if query[:n].strip()]


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def measure(deals: int, rounds: int = 3) -> dict[str, float]:
    from track_tui.store import Store

    path, built = workspace(deals)
    if built is not None:
        print(f"  (built the {deals:,}-deal workspace in {built:.1f} s)")
    store = Store(path, clock=lambda: BENCH_NOW)
    try:
        started = time.perf_counter()
        store.warm_search()
        vocabulary = (time.perf_counter() - started) * 1000
        for text in keystrokes():  # warm the page cache once
            store.search(text)
        timings: list[float] = []
        counts: list[float] = []  # the baseline, timed after every keystroke: the same moments' load
        per_keystroke: dict[str, list[float]] = {}
        for _ in range(rounds):
            store.forget_search_memory()
            for text in keystrokes():
                started = time.perf_counter()
                store.search(text)
                elapsed = (time.perf_counter() - started) * 1000
                timings.append(elapsed)
                per_keystroke.setdefault(text, []).append(elapsed)
                started = time.perf_counter()
                store.conn.execute("SELECT count(*) FROM search_docs").fetchone()
                counts.append((time.perf_counter() - started) * 1000)
        documents = store.conn.execute("SELECT count(*) FROM search_docs").fetchone()[0]
    finally:
        store.close()
    return {
        "median": statistics.median(timings), "p95": _percentile(timings, 0.95), "max": max(timings),
        "count": statistics.median(counts), "count_p95": _percentile(counts, 0.95), "vocabulary": vocabulary, "documents": documents,
        "keystrokes": len(timings), "slowest": _slowest(per_keystroke),  # type: ignore[dict-item]
    }


def _slowest(per_keystroke: dict[str, list[float]], count: int = 8) -> list[tuple[str, float]]:
    """The keystrokes with the highest median over the rounds: the query shapes in the tail."""
    medians = {text: statistics.median(values) for text, values in per_keystroke.items()}
    return sorted(medians.items(), key=lambda item: -item[1])[:count]


def main() -> None:
    print("Search: latency per keystroke (Store.search, whole query)")
    small = measure(1_000)
    big = measure(100_000)
    for deals, figures in ((1_000, small), (100_000, big)):
        print(
            f"  {deals:>7,} deals ({figures['documents']:,} documents): median {figures['median']:.2f} ms, "
            f"p95 {figures['p95']:.2f} ms, max {figures['max']:.2f} ms over {figures['keystrokes']} keystrokes; "
            f"typo vocabulary load {figures['vocabulary']:.0f} ms (once, in a worker)"
        )
    slowest = ", ".join(f"{text!r} {ms:.1f}" for text, ms in big["slowest"])
    print(f"  slowest keystrokes at 100k (median ms): {slowest}")
    print(
        f"  baseline: SELECT count(*) FROM search_docs at 100k, timed after each keystroke: median "
        f"{big['count']:.2f} ms, p95 {big['count_p95']:.2f} ms; p95 100k / p95 1k = {big['p95'] / small['p95']:.1f}x; "
        f"p95 / count(*) median = {big['p95'] / big['count']:.1f}x; p95 / count(*) p95 = {big['p95'] / big['count_p95']:.1f}x"
    )
    verdict = "within" if big["p95"] <= BUDGET_P95_MS else "OVER"
    print(f"  budget p95 ≤ {BUDGET_P95_MS:.0f} ms at 100k deals: {verdict} ({big['p95']:.2f} ms)")


if __name__ == "__main__":
    main()

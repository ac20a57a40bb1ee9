"""`make bench`: every benchmark's figures, one section per area."""

from __future__ import annotations

import importlib

MODULES = ("bench.bench_board", "bench.bench_undo", "bench.bench_record", "bench.bench_search", "bench.bench_inbox",
           "bench.bench_import",
           "bench.bench_terminal", "bench.bench_ssh", "bench.bench_signin", "bench.bench_limits", "bench.bench_apply",
           "bench.bench_live", "bench.bench_sync_ui", "bench.bench_sync", "bench.bench_admin", "bench.bench_timeline_runs")


def main() -> None:
    for name in MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        module.main()
        print()


if __name__ == "__main__":
    main()

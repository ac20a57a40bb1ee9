"""Demo workspaces of a given size for benchmarks, built once and kept in a cache folder."""

from __future__ import annotations

import os
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

BENCH_NOW = datetime(2026, 11, 25, 9, 30, tzinfo=timezone.utc)


def cache_dir() -> Path:
    folder = Path(os.environ.get("TRACK_BENCH_DIR", Path(tempfile.gettempdir()) / "track-bench"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def workspace(deals: int, *, column: int = 0) -> tuple[Path, float | None]:
    """A demo workspace file with `deals` deals (plus `column` extra cards in the first stage).

    Returns the path and the build time in seconds (None when it was already built).
    """
    from track_tui.demo import build_demo, fill_first_column
    from track_tui.store import Store

    path = cache_dir() / f"demo-{deals}-{column}-{_fingerprint()}.sqlite3"
    if path.exists():
        return path, None
    partial = path.with_suffix(".partial")
    for leftover in (partial, Path(f"{partial}-wal"), Path(f"{partial}-shm")):
        leftover.unlink(missing_ok=True)
    started = time.perf_counter()
    store = Store(partial, clock=lambda: BENCH_NOW)
    build_demo(store, seed=7, deals=deals, now=BENCH_NOW)
    elapsed = time.perf_counter() - started
    if column:
        fill_first_column(store, column)
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    partial.rename(path)
    return path, elapsed


def _fingerprint() -> str:
    """Changes whenever the demo generator or the cache schema does, so a cached workspace
    built by older code is never measured."""
    import hashlib

    import track_tui.demo
    import track_tui.store.schema

    digest = hashlib.sha256()
    for source in (*sorted(Path(track_tui.demo.__file__).parent.glob("*.py")), Path(track_tui.store.schema.__file__)):
        digest.update(source.read_bytes())
    return digest.hexdigest()[:10]

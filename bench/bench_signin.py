"""Sign-in figures: what a configured Supabase project adds to start-up, before any network.

1. Importing, each in a fresh interpreter beside a bare interpreter start (the baseline): the
   command line (demo mode); the modules a configured project needs before its first screen
   (they must not pull in supabase-py); and supabase-py's client module, which the network
   runtime imports on its own thread while that first screen draws.
2. The start-up decision of a configured project (read the session file, the remembered
   workspace, open that workspace's cache), beside opening the same cache alone: the session
   bookkeeping should cost next to nothing; the network check then runs behind the screen.

Run: `python -m bench.bench_signin` (or `make bench`).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .workspaces import workspace

RUNS = 7


def _interpreter(code: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
    return time.perf_counter() - started


def _imports() -> dict[str, float]:
    cases = {"bare": "pass", "demo": "import track_tui.cli, track_tui.app",
             "project": "import track_tui.cli, track_tui.app, track_tui.account_flow, track_tui.sync.account",
             "client": "import track_tui.sync.client"}
    times: dict[str, list[float]] = {k: [] for k in cases}
    for _ in range(RUNS):
        for key, code in cases.items():
            times[key].append(_interpreter(code))
    return {k: statistics.median(v) * 1000 for k, v in times.items()}


def _decision(cache: Path) -> dict[str, float]:
    from track_tui import paths
    from track_tui.store import Store
    from track_tui.sync import workspace_cache as wc
    from track_tui.sync.account import parse_stored_session
    from track_tui.sync.private_file import write_json
    from track_tui.sync.project import project_from_input
    from track_tui.sync.session_store import SessionFile

    key = "eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoiYW5vbiJ9.c2ln"
    with tempfile.TemporaryDirectory() as folder:
        os.environ["TRACK_STATE_DIR"] = str(Path(folder) / "state")
        os.environ["TRACK_DATA_DIR"] = str(Path(folder) / "data")
        project = project_from_input("https://abcd1234.supabase.co", key)
        workspace_id = "11111111-1111-1111-1111-111111111111"
        session = {"access_token": "a" * 900, "refresh_token": "r" * 12, "expires_at": 2_000_000_000,
                   "user": {"id": "u", "email": "dana@acme.example"}}
        write_json(paths.session_file(project.slug), {"version": 1, "items": {"supabase.auth.token": json.dumps(session)}})
        wc.remember_workspace(project, "u", workspace_id)
        target = wc.cache_path(project, workspace_id)
        target.parent.mkdir(parents=True)
        target.write_bytes(cache.read_bytes())
        results: dict[str, list[float]] = {"decision": [], "baseline": []}
        for _ in range(RUNS):
            started = time.perf_counter()
            stored = parse_stored_session(SessionFile(paths.session_file(project.slug)).session_json())
            remembered = wc.remembered_workspace(project, stored.user_id)
            store = Store(wc.cache_path(project, remembered))
            results["decision"].append(time.perf_counter() - started)
            store.close()
            started = time.perf_counter()
            store = Store(target)
            results["baseline"].append(time.perf_counter() - started)
            store.close()
    return {k: statistics.median(v) * 1000 for k, v in results.items()}


def main() -> None:
    print("Sign-in: what a configured project adds to start-up (no network)")
    imports = _imports()
    print(f"  fresh interpreter, bare: {imports['bare']:.0f} ms (baseline, median of {RUNS})")
    print(f"  import the CLI + the app, demo mode: {imports['demo']:.0f} ms "
          f"({imports['demo'] / imports['bare']:.1f}x baseline)")
    print(f"  import the CLI + a project's start-up path (sign-in screens, account): {imports['project']:.0f} ms "
          f"({imports['project'] / imports['bare']:.1f}x baseline; no supabase-py)")
    print(f"  import supabase-py's client module: {imports['client']:.0f} ms "
          f"({imports['client'] / imports['bare']:.1f}x baseline; on the network thread, behind the first screen)")
    path, built = workspace(300)
    if built is not None:
        print(f"  (built the 300-deal workspace in {built:.1f} s)")
    decision = _decision(path)
    print(f"  session file + remembered workspace + open its cache: {decision['decision']:.2f} ms "
          f"vs opening the cache alone {decision['baseline']:.2f} ms "
          f"({decision['decision'] / decision['baseline']:.2f}x)")


if __name__ == "__main__":
    main()

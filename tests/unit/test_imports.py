"""models/, store/, config and the sanitiser never import Textual or supabase (checked in a fresh
interpreter)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import json, sys
import {modules}
print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'supabase', 'postgrest', 'realtime', 'gotrue', 'httpx'))))
"""


def loaded_after(*modules: str) -> list[str]:
    result = subprocess.run(
        [sys.executable, "-c", PROBE.format(modules=", ".join(modules))],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_models_store_and_config_do_not_import_textual_or_supabase() -> None:
    loaded = loaded_after(
        "track_tui.models", "track_tui.store", "track_tui.config", "track_tui.paths", "track_tui.cli",
        "track_tui.safe_text", "track_tui.transfer.export", "track_tui.transfer.importing",
        "track_tui.transfer.report", "track_tui.transfer_cli",
    )
    assert not [m for m in loaded if m.split(".")[0] in ("textual", "supabase")], loaded
    # Nor the network stack supabase brings: offline start-up stays fast.
    assert loaded == [], loaded


def test_the_probe_would_notice_textual() -> None:
    """Guard against a probe that can never fail."""
    assert "textual" in loaded_after("textual")


def test_the_textual_style_cache_work_around_lets_dead_caches_go() -> None:
    """Textualize/textual#6665: style caches of removed widgets must not stay reachable."""
    import gc
    import weakref

    from textual._styles_cache import StylesCache
    from textual.color import Color

    import track_tui.textual_fixes  # noqa: F401

    cache = StylesCache()
    cache.get_inner_outer(Color(1, 2, 3), Color(4, 5, 6))
    ref = weakref.ref(cache)
    del cache
    gc.collect()
    assert ref() is None

"""Start-up loads only what the first screen needs (issue 13, "Start-up").

`track --cache FILE` is started for real, in a fresh interpreter, through the command line's
`main` (headless); when the board is first on screen the probe notes every module loaded and
which of Track's pydantic validators have been built. A top-level import added to the board,
the app, the CLI or the store that pulls in the network stack, another screen, the import/export
code or a dialog fails here, as does a model that builds its validator at import again.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from tests.support.terminal import quiet_environment

ROOT = Path(__file__).resolve().parents[2]

# Runs in the child. The board posts FirstDrawn once its cards are painted; the app answers by
# warming up what start-up put off, so the probe takes its notes in the app's handler, first.
PROBE = """
import json, sys

import track_tui.app as app_module
from track_tui import cli
from track_tui.models.deferred import PACKAGE, _subclasses
from pydantic import BaseModel

notes = {}


def first_drawn(self):
    notes["modules"] = sorted(sys.modules)
    notes["built"] = sorted(
        f"{model.__module__}.{model.__qualname__}" for model in _subclasses(BaseModel)
        if model.__module__.split(".")[0] == PACKAGE and model.__pydantic_complete__
    )
    notes["screen"] = type(self.screen).__name__
    self.exit()


app_module.TrackApp.on_board_screen_first_drawn = first_drawn
run = app_module.TrackApp.run
app_module.TrackApp.run = lambda self, **_: run(self, headless=True, size=(120, 40))
status = cli.main(["--cache", sys.argv[1]])
print(json.dumps({"status": status, **notes}))
"""

# Never needed to draw the board of a local cache.
NETWORK = ("supabase", "postgrest", "realtime", "gotrue", "supabase_auth", "storage3", "supafunc",
           "httpx", "httpcore", "websockets", "h2")
NOT_AT_START = (
    "track_tui.sync.engine", "track_tui.sync.account", "track_tui.sync.runtime", "track_tui.sync_wiring",
    "track_tui.project_app", "track_tui.account_flow", "track_tui.demo", "track_tui.config_writer",
    "track_tui.external_editor", "track_tui.saved_views", "tomlkit", "email_validator",
    # the command line offers export/import kinds from transfer.kinds alone
    "track_tui.transfer.export", "track_tui.transfer.importing", "track_tui.transfer.table",
    "track_tui.transfer.csv_file", "track_tui.transfer.cells", "track_tui.transfer.mapping",
    # widgets only other screens and the dialogs use
    "textual.widgets._text_area", "textual.widgets._data_table", "textual.widgets._markdown",
)
BOARD_SCREENS = {"__init__", "board", "board_actions"}


def other_screens() -> tuple[str, ...]:
    """Every screen module but the board's, from the package's files: a new screen is covered."""
    folder = ROOT / "track_tui" / "screens"
    return tuple(f"track_tui.screens.{path.stem}" for path in sorted(folder.glob("*.py")) if path.stem not in BOARD_SCREENS)


def start_to_the_board(tmp_path: Path, demo_template: Path) -> dict:
    cache = tmp_path / "cache.sqlite3"
    shutil.copyfile(demo_template, cache)
    result = subprocess.run(
        [sys.executable, "-c", PROBE, str(cache)], cwd=ROOT, env=quiet_environment(tmp_path),
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    notes = json.loads(result.stdout.strip().splitlines()[-1])
    assert notes["status"] == 0 and notes["screen"] == "BoardScreen", notes.get("screen")
    return notes


def matching(modules: list[str], names: tuple[str, ...]) -> list[str]:
    return [m for m in modules if any(m == name or m.startswith(name + ".") for name in names)]


def test_the_first_board_loads_no_network_code_no_other_screen_and_no_dialog(tmp_path: Path, demo_template: Path) -> None:
    modules = start_to_the_board(tmp_path, demo_template)["modules"]
    assert "track_tui.screens.board" in modules and "track_tui.store.store" in modules  # the probe saw the start-up
    assert matching(modules, NETWORK) == []
    assert matching(modules, NOT_AT_START) == []
    assert matching(modules, other_screens()) == []


def test_validators_of_features_not_on_the_board_are_not_built_before_it_is_drawn(
        tmp_path: Path, demo_template: Path) -> None:
    built = start_to_the_board(tmp_path, demo_template)["built"]
    assert "track_tui.models.views.CardSummary" in built  # the board's own models were used
    waiting = ("track_tui.models.automation_rules.", "track_tui.store.record_queries.",
               "track_tui.store.automation_queries.", "track_tui.models.platform.AuditLogEntry")
    assert [name for name in built if name.startswith(waiting)] == []


def test_the_warm_up_builds_every_deferred_validator() -> None:
    """What start-up put off is all built by the warm-up after the first frame (so a first key
    never waits for a validator): in a fresh interpreter, with every start-up module loaded."""
    probe = (
        "import track_tui.cli, track_tui.app, track_tui.screens.board, track_tui.store.failed_changes\n"
        "from track_tui.models.deferred import build_deferred, unbuilt_models\n"
        "before = len(unbuilt_models()); built = build_deferred()\n"
        "print(before, built, [m.__qualname__ for m in unbuilt_models()])\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr[-3000:]
    before, built, left = result.stdout.split(" ", 2)
    assert int(before) > 20 and int(built) == int(before)  # the automation parts, record and run lines, …
    assert left.strip() == "[]"

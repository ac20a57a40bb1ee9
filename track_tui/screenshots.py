"""`make screenshots`: SVG screenshots of every screen, on the demo workspace with a frozen clock.

Each scene drives the app with Pilot keys to one screen and saves it at 80x24 and 120x40.
The same scenes are asserted as snapshots at both sizes (tests/snapshots/test_scenes.py), so a
scene added here is tested too. Add a scene for every new screen and dialog (a dialog with a
validation error showing); look at the SVGs after regenerating them.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

FROZEN_NOW = datetime(2026, 11, 25, 9, 30, tzinfo=timezone.utc)
SIZES = ((80, 24), (120, 40))


@dataclass(frozen=True)
class Scene:
    name: str
    keys: tuple[str, ...]  # pressed in order after the board has loaded


SCENES: list[Scene] = [
    Scene("board", ()),
    Scene("board-help", ("question_mark",)),
    Scene("board-filter", ("slash", *"stale:14", "enter")),
    Scene("board-switch", ("b",)),
    Scene("board-companies", ("b", "down", "down", "enter")),
    Scene("board-contacts", ("b", "down", "down", "down", "enter")),
    # The board as a list, in lanes, and as swimlanes.
    Scene("board-list", ("v",)),
    Scene("board-list-lanes", ("v", "g", "z")),
    Scene("board-swimlanes", ("S", "j")),
    # Every dialog, with a validation error showing where one can be made (the error and the
    # save hint must both be visible at 80x24).
    Scene("board-quick-add", ("n", *"Renewal", "tab", *"12 apples", "enter")),
    Scene("board-won", ("b", "enter", "l", "l", "l", "L", "tab", *"someday", "enter")),
    # Task inbox and search panel.
    Scene("inbox", ("i", "j", "j")),
    Scene("inbox-everyone", ("i", "m")),
    Scene("inbox-snooze", ("i", "z", "down", "down", "enter", *"yesterday", "enter")),
    Scene("inbox-assign", ("i", "a")),
    Scene("inbox-edit-task", ("i", "e", "tab", "tab", *"nope", "enter")),
    Scene("inbox-new-task", ("i", "n", "enter")),
    Scene("search", ("ctrl+f", *"ember", "down")),
    Scene("search-typo-filter", ("ctrl+f", *"type:contact germna")),
    # Record pages (the board's first card is a deal) and their dialogs.
    Scene("record-deal", ("enter",)),
    Scene("record-deal-timeline", ("enter", "tab", "tab", "j")),
    # An automation's run on the deal, in its timeline; Enter opens the rule's run log at it.
    Scene("record-deal-run", ("enter", "tab", "tab", "j", "j", "j", "j")),
    Scene("record-deal-run-log", ("enter", "tab", "tab", "j", "j", "j", "j", "enter")),
    Scene("record-company", ("enter", "tab", "enter")),
    Scene("record-contact", ("enter", "tab", "down", "down", "enter")),
    Scene("record-field", ("enter", "j", "e", *" apples", "enter")),
    Scene("record-stage", ("enter", "s")),
    Scene("record-filter", ("enter", "f")),
    Scene("record-contact-picker", ("enter", "C", *"zzqx", "enter")),
    Scene("record-note", ("enter", "a", "ctrl+s")),
    Scene("record-call", ("enter", "c", "tab", *"soon", "ctrl+s")),
    Scene("record-email", ("enter", "E", "ctrl+s")),
    Scene("record-meeting", ("enter", "m", "tab", *"tomorrow 25:99", "ctrl+s")),
    Scene("record-task", ("enter", "t", "ctrl+s")),
    # Automations, their run log and form; the audit log.
    Scene("automations", ("A", "j")),
    Scene("automation-runs", ("A", "j", "enter", "j")),
    Scene("automation-form", ("A", "e")),
    # A new action (its kind switched to "create task"), an existing one being edited (its
    # stage picked by name), a trigger refusing a bad number of days, and the JSON view.
    Scene("automation-part-form", ("A", "n", "tab", "down", "down", "enter", "enter", *["down"] * 4, "enter")),
    Scene("automation-part-edit", ("A", "j", "e", "tab", *["down"] * 4, "enter")),
    Scene("automation-part-refusing", ("A", "e", "tab", "enter", "tab", "tab", "ctrl+a", "ctrl+k", *"soon")),
    Scene("automation-form-json", ("A", "e", "ctrl+o")),
    # A custom select field's value as a list of its options; a condition on the company,
    # picked with the record picker by name (the picker open, then the record picked).
    Scene("automation-part-custom", ("A", *["j"] * 5, "e", "tab", "down", "enter")),
    Scene("automation-part-picker", ("A", "n", "tab", "down", "enter", "enter", "down", "enter", "tab", "enter",
                                     *["down"] * 14, "enter", "tab", "enter", "h")),
    Scene("automation-part-link", ("A", "n", "tab", "down", "enter", "enter", "down", "enter", "tab", "enter",
                                   *["down"] * 14, "enter", "tab", "enter", "h", "enter")),
    Scene("audit-log", ("ctrl+l", "j")),
    Scene("audit-filter", ("ctrl+l", "f", *"Zed")),
    # Running the workspace: boards, stages, custom fields.
    Scene("workspace-admin", ("W", "tab", "j")),
    Scene("workspace-new-field", ("W", "tab", "tab", "n", "down", "down", "enter", *"Tier", "tab", "tab",
                                  "enter", "down", "down", "down", "enter", "tab", "tab", "tab",
                                  *"Gold", "enter", *"Silver", "enter", *"gold")),
    Scene("workspace-field-limits", ("W", "tab", "tab", "n", "enter", *"Seats", "tab", "tab", "enter", "down",
                                     "enter", "tab", "tab", *"10", "tab", *"5")),
    Scene("workspace-new-board", ("W", "n", *"partnerships")),
    Scene("workspace-stage-probability", ("W", "tab", "p", *"5")),
    Scene("workspace-option-remove", ("W", "tab", "tab", "e", "tab", "d")),
    Scene("workspace-field-settings", ("W", "tab", "tab", "e", "tab", "d", "enter")),
]


async def play(pilot, scene: Scene) -> None:
    """Drive the app from the loaded board to the scene (the screenshots and the snapshot tests)."""
    app = pilot.app
    await app.workers.wait_for_complete()
    await pilot.pause()
    for key in scene.keys:
        await pilot.press(key)
        await app.workers.wait_for_complete()
        await pilot.pause()
    await pilot.pause(0.1)


async def _shoot(scene: Scene, store_path: Path, out: Path, size: tuple[int, int]) -> Path:
    from .app import TrackApp
    from .config import Settings
    from .store import Store

    store = Store(store_path, clock=lambda: FROZEN_NOW)
    try:
        app = TrackApp(store, Settings())
        async with app.run_test(size=size) as pilot:
            await play(pilot, scene)
            filename = f"{scene.name}-{size[0]}x{size[1]}.svg"
            app.save_screenshot(filename=filename, path=str(out))
    finally:
        store.close()
    return out / filename


ACCOUNT_SCENES = ("sign-in", "workspace-picker")


async def _shoot_account(name: str, folder: Path, out: Path, size: tuple[int, int]) -> Path:
    """The screens of a configured project, before any workspace is open (no network used:
    the sign-in screen draws before anything is sent; the picker gets its answer ready-made)."""
    import base64
    import concurrent.futures
    import json

    from .app import TrackApp
    from .config import Settings
    from .models.enums import MemberRole
    from .screens.workspace_picker import Loaded, WorkspacePickerScreen
    from .sync.account import Account
    from .sync.failures import SignedIn
    from .sync.project import project_from_input
    from .sync.runtime import Runtime
    from .sync.workspaces import WorkspaceChoice

    os.environ["TRACK_STATE_DIR"] = str(folder / "state")
    os.environ["TRACK_DATA_DIR"] = str(folder / "data")
    part = lambda d: base64.urlsafe_b64encode(json.dumps(d).encode()).decode().rstrip("=")  # noqa: E731
    key = f"{part({'alg': 'HS256'})}.{part({'role': 'anon', 'iss': 'supabase'})}.c2ln"
    runtime = Runtime()
    try:
        app = TrackApp(None, Settings(), account=Account(project_from_input("https://abcd1234.supabase.co", key), runtime))
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            if name == "workspace-picker":
                choices = [WorkspaceChoice("1" * 32, "Acme Sales", MemberRole.OWNER),
                           WorkspaceChoice("2" * 32, "Acme Support", MemberRole.MEMBER),
                           WorkspaceChoice("3" * 32, "Partners", MemberRole.VIEWER)]

                def load():
                    done: concurrent.futures.Future = concurrent.futures.Future()
                    done.set_result(Loaded(SignedIn("u", "dana@acme.example", None), choices))
                    return done

                app.switch_screen(WorkspacePickerScreen(load))
                await pilot.pause()
                await app.workers.wait_for_complete()
            else:
                app.screen.query_one("#sign-in-email").value = "dana@acme.example"
            await pilot.pause(0.1)
            filename = f"{name}-{size[0]}x{size[1]}.svg"
            app.save_screenshot(filename=filename, path=str(out))
    finally:
        runtime.close()
    return out / filename


def main(argv: list[str]) -> int:
    os.environ["TZ"] = "UTC"
    time.tzset()
    from .demo import build_demo
    from .store import Store

    out = Path(argv[0] if argv else "screenshots")
    out.mkdir(parents=True, exist_ok=True)
    wanted = set(argv[1:])
    with tempfile.TemporaryDirectory() as folder:
        # the scenes' own state (drafts, remembered theme and views), never the developer's: a
        # draft kept from an earlier run ("apples" typed in record-field) came back in its picture
        os.environ["TRACK_STATE_DIR"] = str(Path(folder) / "state")
        os.environ["TRACK_DATA_DIR"] = str(Path(folder) / "data")
        os.environ["TRACK_CACHE_DIR"] = str(Path(folder) / "cache")
        os.environ["TRACK_CONFIG"] = str(Path(folder) / "config.toml")
        template = Path(folder) / "demo.sqlite3"
        store = Store(template, clock=lambda: FROZEN_NOW)
        build_demo(store, seed=7, deals=300, now=FROZEN_NOW)
        store.close()
        for scene in SCENES:
            if wanted and scene.name not in wanted:
                continue
            for size in SIZES:
                copy = Path(folder) / f"{scene.name}-{size[0]}.sqlite3"
                copy.write_bytes(template.read_bytes())
                path = asyncio.run(_shoot(scene, copy, out, size))
                print(path)
        for name in ACCOUNT_SCENES:
            if wanted and name not in wanted:
                continue
            for size in SIZES:
                print(asyncio.run(_shoot_account(name, Path(folder) / f"{name}-{size[0]}", out, size)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Every scene of `make screenshots` (track_tui/screenshots.py SCENES) asserted as a snapshot at
80x24 and 120x40: the screenshots a reviewer looks at are the ones the tests hold fixed, and a
scene added there is tested here without another line. Dialog scenes show a validation error,
so each dialog is held at 80x24 with its fields, its error and its save hint visible."""

from __future__ import annotations

import pytest

from track_tui.app import TrackApp
from track_tui.config import Settings
from track_tui.screenshots import SCENES, SIZES, play


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
@pytest.mark.parametrize("scene", SCENES, ids=[scene.name for scene in SCENES])
def test_scene(snap_compare, demo_store, scene, size):
    async def run_before(pilot) -> None:
        await play(pilot, scene)

    assert snap_compare(TrackApp(demo_store, Settings()), terminal_size=size, run_before=run_before)

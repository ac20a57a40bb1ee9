"""Every screen is readable in every built-in theme: light, dark and both ANSI themes.

Each screenshot scene (track_tui/screenshots.py: the board, its dialogs, the inbox, search,
record pages and their dialogs) is driven to its screen once, at 80x24 and at 120x40; then
the theme is switched to each theme in turn, as the palette's Theme command does, and every
run of text drawn is
measured (tests/support/contrast.py): text below 3:1 against its background, or a border
below 1.35:1, fails. Switching, rather than starting in each theme, also catches a widget that
keeps lines drawn in the previous theme's colours.
"""

from __future__ import annotations

import pytest

from tests.support.contrast import low_contrast
from track_tui.app import TrackApp
from track_tui.config import Settings
from track_tui.screenshots import SCENES

THEMES = ("textual-light", "ansi-dark", "ansi-light", "textual-dark")


async def _settle(app, pilot) -> None:
    await app.workers.wait_for_complete()
    await pilot.pause()


async def _problems_in_each_theme(app, pilot) -> dict[str, list[str]]:
    found = {}
    for theme in THEMES:
        app.theme = theme
        await pilot.pause()
        await pilot.pause()
        problems = low_contrast(app)
        if problems:
            found[theme] = problems[:8] + ([f"… {len(problems) - 8} more"] if len(problems) > 8 else [])
    return found


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
@pytest.mark.parametrize("scene", SCENES, ids=[scene.name for scene in SCENES])
async def test_every_screen_reads_in_every_theme(demo_store, scene, size) -> None:
    app = TrackApp(demo_store, Settings())
    async with app.run_test(size=size) as pilot:
        await _settle(app, pilot)
        for key in scene.keys:
            await pilot.press(key)
            await _settle(app, pilot)
        assert await _problems_in_each_theme(app, pilot) == {}


async def test_the_check_would_notice_white_on_white(demo_app) -> None:
    """Guard: the measurement sees a part drawn in a colour of its background."""
    async with demo_app.run_test(size=(80, 24)) as pilot:
        await _settle(demo_app, pilot)
        demo_app.theme = "textual-light"
        await pilot.pause()
        assert low_contrast(demo_app) == []
        header = demo_app.screen.query(".stage-header").first()
        header.styles.background = "white"
        header.styles.color = "#f4f4f4"
        header.styles.auto_color = False  # the CSS says "auto": a contrasting colour
        await pilot.pause()
        await pilot.pause()
        problems = low_contrast(demo_app)
        assert any("Lead" in problem for problem in problems), problems

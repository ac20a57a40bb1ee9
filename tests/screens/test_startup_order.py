"""What start-up puts off waits until the board's start-up frames are all drawn (issue 13,
"Start-up"): begun with the cards' first frame, the warm-up's validator building and the garbage
collection after it held back the frames that follow (the columns' scrollbars), which are part
of the board the user waits for."""

from __future__ import annotations

import gc

from tests.support.pilot import settle, until
from track_tui.screens.board import BoardScreen

SIZE = (120, 40)


async def test_the_warm_up_begins_after_the_boards_last_start_up_frame(demo_app, monkeypatch) -> None:
    app_type = type(demo_app)
    frames: list[bool] = []  # one per frame written: was the board loaded by then
    frames_at_warm_up: list[int] = []
    display, warm_models = app_type._display, app_type.warm_models

    def counting_display(self, screen, renderable) -> None:
        frames.append(isinstance(screen, BoardScreen) and screen.loaded)
        display(self, screen, renderable)

    def noting_warm_up(self) -> None:
        frames_at_warm_up.append(len(frames))
        warm_models(self)

    monkeypatch.setattr(app_type, "_display", counting_display)
    monkeypatch.setattr(app_type, "warm_models", noting_warm_up)
    gc.unfreeze()
    try:
        async with demo_app.run_test(size=SIZE) as pilot:
            assert await until(pilot, lambda: frames_at_warm_up != [], timeout=15)  # a loaded CI machine is slow to settle
            await settle(demo_app, pilot)
            await pilot.pause(0.2)
            loaded_frames = frames.count(True)
            assert loaded_frames >= 2  # the cards, then the columns' scrollbars: there is an order to keep
            assert frames_at_warm_up == [len(frames)], (frames_at_warm_up, len(frames))
    finally:
        gc.unfreeze()

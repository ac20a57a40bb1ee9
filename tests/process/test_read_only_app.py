"""A read-only cache in the running app: it opens, the status line says read-only, an edit is
refused with a message, and the app goes on (run without root's power over permissions)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.terminal import BOARD_DRAWN, Terminal, quiet_environment


@pytest.fixture(scope="module")
def read_only_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from track_tui import cli
    from track_tui.config import Settings

    path = tmp_path_factory.mktemp("read-only") / "cache.sqlite3"
    cli.open_store(path, Settings(demo_deals=10), rebuild=False).close()
    return path


def open_in_app(cache: str) -> int:
    from track_tui import cli

    return cli.main(["--cache", cache])


@pytest.mark.parametrize("how", ["file", "folder"])
def test_a_read_only_cache_opens_says_so_and_refuses_edits(read_only_cache: Path, tmp_path: Path, how: str) -> None:
    if how == "file":
        read_only_cache.chmod(0o444)
    else:
        read_only_cache.chmod(0o644)
        read_only_cache.parent.chmod(0o555)
    try:
        env = quiet_environment(tmp_path)
        with Terminal.forked(lambda: open_in_app(str(read_only_cache)), env=env, unprivileged=True) as term:
            assert term.wait_for_text(BOARD_DRAWN), term.text()[-2000:]
            assert term.wait_for_text("read-only: changes cannot be saved"), term.text()[-2000:]
            term.send(b"L")  # move the card to the next stage: a write
            assert term.wait_for_text("Read-only cache: changes cannot be saved"), term.text()[-2000:]
            term.send(b"q")
            assert term.exit_status() == 0
        assert "Traceback" not in term.text() and "damaged" not in term.text()
    finally:
        read_only_cache.parent.chmod(0o755)
        read_only_cache.chmod(0o644)

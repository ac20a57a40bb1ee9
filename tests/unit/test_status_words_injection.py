"""The status line never carries a control code: the workspace's name, the screen's context and
the sync problem (a server's or a proxy's words, e.g. an HTML error page's title) are the data's."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from tests.support.poisoned_workspace import PAYLOADS
from track_tui.safe_text import is_safe
from track_tui.status_words import AppStatus, status_text
from track_tui.sync.status import SyncState, SyncStatus

NOW = datetime(2026, 11, 25, 9, 30, tzinfo=timezone.utc)
HOSTILE = "".join(PAYLOADS) + "\nsecond line"


@pytest.mark.parametrize("width", [600, 80, 40])
@pytest.mark.parametrize("state", [SyncState.OFFLINE, SyncState.LIVE, SyncState.LOCAL_ONLY])
def test_every_wording_of_the_status_line_is_one_safe_line(state: SyncState, width: int) -> None:
    status = AppStatus(
        workspace=HOSTILE, waiting=HOSTILE,
        sync=SyncStatus(state=state, problem=HOSTILE, pending=3, failed=2, last_success=NOW),
    )
    line = status_text(status, HOSTILE, width, NOW).plain
    assert is_safe(line), repr(line)
    if state is SyncState.OFFLINE and width == 600:
        assert "offline: ␛]52;c;SGVsbG8=␇" in line

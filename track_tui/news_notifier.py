"""Collects a burst of other people's changes to what is on screen and shows one notification.

The app hands every server change set here as it broadcasts it (before the screens re-read, so
a deleted card's name is still known to the board). The screen in view — the topmost screen that
is not a dialog, since a dialog floats over it, or a panel in front that shows records of its own
(search) — says which rows it shows (`remote_subjects`); screens without the method are not told
about. Items gather for `DELAY` seconds after the first,
then one notification says them all (:func:`~.remote_news.summary`).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from textual.screen import ModalScreen

from .remote_news import NewsItem, Subject, news_items, summary
from .store import ChangeSet

if TYPE_CHECKING:
    from .app import TrackApp

log = logging.getLogger(__name__)

DELAY = 0.4  # seconds a burst is gathered before it is told
TIMEOUT = 6  # seconds the notification stays


class NewsNotifier:
    def __init__(self, app: "TrackApp") -> None:
        self.app = app
        self.items: list[NewsItem] = []
        self._timer = None

    def heard(self, changes: ChangeSet) -> None:
        if not changes.is_news or self.app.store is None:
            return
        subjects = self._subjects(changes)
        if not subjects:
            return
        try:
            found = news_items(self.app.store, changes, subjects)
        except Exception:  # a notification is never worth a crash: the screens still update
            log.exception("describing a remote change failed")
            return
        for item in found:
            if item not in self.items:
                self.items.append(item)
        if self.items and self._timer is None:
            self._timer = self.app.set_timer(DELAY, self.flush)

    def _subjects(self, changes: ChangeSet) -> list[Subject]:
        for screen in reversed(self.app.screen_stack):
            ask = getattr(screen, "remote_subjects", None)
            if callable(ask):  # a panel that shows records (search) answers for itself
                return list(ask(changes))
            if not isinstance(screen, ModalScreen):
                return []
        return []

    def flush(self) -> None:
        self._timer = None
        items, self.items = self.items, []
        text = summary(items)
        if text:
            self.app.notify(text, title="Changed by someone else", timeout=TIMEOUT)

"""`u` and `U` from any screen, and saving again what waited too long for another process.

A mixin of :class:`~.app.TrackApp` (kept out of app.py, which wires and does not act). The
store takes the step (store/undo.py); the app says what happened and tells the screen in front,
so its cursor can follow what came back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.screen import ModalScreen

if TYPE_CHECKING:
    from .app import TrackApp


class UndoActions:
    """Mixed into :class:`~.app.TrackApp`; `self` is the app."""

    def action_undo(self: "TrackApp") -> None:
        self._take_step("undo")

    def action_redo(self: "TrackApp") -> None:
        self._take_step("redo")

    def _take_step(self: "TrackApp", mode: str) -> None:
        from .store import InvalidInput, NotAllowed, NotFound, ReadOnlyCache

        if self.store is None or isinstance(self.screen, ModalScreen):
            return  # not over a dialog (its keys are its own), nor before a workspace is open
        try:
            outcome = self.store.undo() if mode == "undo" else self.store.redo()
        except (InvalidInput, NotFound, NotAllowed, ReadOnlyCache) as exc:
            self.notify(str(exc), severity="warning", timeout=8)
            return
        if outcome is None:
            self.notify("Nothing to undo" if mode == "undo" else "Nothing to redo", severity="warning", timeout=2)
            return
        self.notify(outcome.message, timeout=4)
        follow = getattr(self.screen, "show_undone", None)
        if callable(follow):
            follow(outcome.step)

    def action_retry_unsaved(self: "TrackApp") -> None:
        count = self.store.retry_unsaved_writes() if self.store is not None else 0
        if not count:
            self.notify("Nothing is waiting to be saved", timeout=2)

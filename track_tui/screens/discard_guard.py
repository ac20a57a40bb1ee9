"""Esc asks before dropping what was changed, for the modal forms not on the Dialog base (the
rule form and a rule part's form build their fields themselves): the first Esc on a changed
form says so on its error line, a second discards, any further change asks again. An unchanged
form closes on the first Esc, as every dialog does. ctrl+c does not quit the app from them
(the app's quit skips these screens, as it skips dialogs): it says how to leave instead."""

from __future__ import annotations

from typing import Any

from textual.binding import Binding
from textual.screen import ModalScreen

from ..widgets.plain_text import PlainLabel


class AsksBeforeDiscard(ModalScreen[Any]):
    """`guard_state()` says what the form holds; `remember_opened()` (on mount) takes what it
    opened with; `changed()` (on every edit) re-arms the question."""

    BINDINGS = [Binding("ctrl+c", "stay", "Copy", id="dialog.stay", show=False)]
    DISCARD_QUESTION = "Esc again discards what you changed · ctrl+s saves it"
    _opened_with: Any = None
    _asked_discard = False

    def guard_state(self) -> Any:
        raise NotImplementedError

    def remember_opened(self) -> None:
        self._opened_with = self.guard_state()

    def has_changes(self) -> bool:
        return self.is_mounted and self.guard_state() != self._opened_with

    def changed(self) -> None:
        self._asked_discard = False

    def action_cancel(self) -> None:
        if self.has_changes() and not self._asked_discard:
            self._asked_discard = True
            self.query_one("#error", PlainLabel).update(self.DISCARD_QUESTION)
            return
        self.dismiss(None)

    def action_stay(self) -> None:
        """ctrl+c outside a field: say how to leave instead of quitting with the form open."""
        self.query_one("#error", PlainLabel).update("ctrl+c does not quit from a form: Esc closes it first")

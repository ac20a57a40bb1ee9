"""The app's keys that open a screen from anywhere: a record, the inbox (`i`), search
(`ctrl+f`), automations (`A`), the audit log (`ctrl+l`), workspace settings (`W`), failed
changes (`!`) and help (`?`).

A mixin of :class:`~.app.TrackApp`, kept out of app.py so the app module stays the wiring.
The rules every one of them follows: nothing opens over a dialog (its keys are its own) or
before a workspace is open, and a screen that is already in the stack is brought back rather
than opened twice where that is what a person expects (the inbox, automations).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.screen import ModalScreen, Screen

from .models import RecordType

if TYPE_CHECKING:
    from .app import TrackApp


class ScreenNavigation:
    """Mixed into :class:`~.app.TrackApp`; `self` is the app (as the store's mixins take the store)."""

    def _blocked(self: "TrackApp") -> bool:
        """Over a dialog, or before a workspace is open: the key does nothing."""
        return isinstance(self.screen, ModalScreen) or self.store is None

    def _bring_back(self: "TrackApp", screen_type: type[Screen]) -> bool:
        """Pop back to an open `screen_type`; False when none is in the stack."""
        if not any(isinstance(screen, screen_type) for screen in self.screen_stack):
            return False
        while not isinstance(self.screen, screen_type):
            self.pop_screen()
        return True

    def open_record(self: "TrackApp", record_type: RecordType, record_id: str) -> None:
        from .screens.record import RecordScreen

        self.push_screen(RecordScreen(self.store, record_type, record_id))

    def action_inbox(self: "TrackApp") -> None:
        """The task inbox: brought back to the top when it is already open, else opened."""
        from .screens.inbox import InboxScreen

        if self._blocked() or self._bring_back(InboxScreen):
            return
        self.push_screen(InboxScreen(self.store))

    def action_search(self: "TrackApp") -> None:
        from .screens.search import SearchScreen

        if self.store is None:
            return  # nothing to search before a workspace is open
        if isinstance(self.screen, SearchScreen):
            self.screen.focus_input()
        elif not isinstance(self.screen, ModalScreen):  # not over a dialog
            self.push_screen(SearchScreen(self.store))

    def action_automations(self: "TrackApp") -> None:
        """The workspace's automations and their runs (brought back when already open)."""
        from .screens.automations import AutomationsScreen

        if self._blocked() or self._bring_back(AutomationsScreen):
            return
        self.push_screen(AutomationsScreen(self.store))

    def action_audit_log(self: "TrackApp") -> None:
        from .screens.audit import AuditScreen

        if not self._blocked():
            self.push_screen(AuditScreen(self.store))

    def action_workspace_admin(self: "TrackApp") -> None:
        """Boards, stages and custom fields (changing them is for admins)."""
        from .screens.workspace_admin import WorkspaceAdminScreen

        if self._blocked():
            return
        if not any(isinstance(screen, WorkspaceAdminScreen) for screen in self.screen_stack):
            self.push_screen(WorkspaceAdminScreen(self.store))

    def action_failed_changes(self: "TrackApp") -> None:
        from .screens.failed_changes import FailedChangesScreen

        if self._blocked() or isinstance(self.screen, FailedChangesScreen):
            return
        self.push_screen(FailedChangesScreen(self.store))

    def action_help(self: "TrackApp") -> None:
        from .screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

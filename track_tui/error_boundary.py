"""The crash boundary: an exception in a key, save or background handler never ends the app.

Textual routes every unhandled exception to `App._handle_exception`, which always exits, and by
then the message pump that ran the handler has already stopped reading its queue, so simply not
exiting there would leave a dead screen behind. The boundary therefore catches where the
machinery is still intact:

* **actions** (every key binding, the command palette, clickable links) in
  :meth:`ErrorBoundary._dispatch_action`, which knows the binding that failed;
* **message handlers** (`on_input_submitted` saving a dialog, `on_option_list_option_selected`,
  `on_key`, mount handlers…) by wrapping `MessagePump._dispatch_message` for every pump of an
  app that is an :class:`ErrorBoundary` (other apps keep Textual's behaviour);
* **callbacks and workers**: a dialog's result callback (quick-add saves there), `call_later`
  and timer callbacks, and a worker that raised reach `_handle_exception` from places that go on
  running afterwards, so those are reported there instead of ending the app.

Each of those is *reported*: written with its traceback to the error log (track_tui/crash_log.py)
and shown as a notification naming what failed and where the log is. Nothing typed is lost: the
handler that raised did not dismiss its dialog, so the dialog stays open with its values (and a
store write that raised rolled back, being one transaction). A refusal the store explains itself
(:class:`~track_tui.store.InvalidInput`, e.g. a read-only cache) is shown as its message alone.

Everything else that reaches `_handle_exception` (building a screen, layout, drawing, a storm of
errors that keeps coming back) is a real crash: the app ends with :attr:`ErrorBoundary.crash`
set, Textual's traceback dump is replaced by the log, and the command line prints one line
naming the log and exits non-zero.
"""

from __future__ import annotations

import sys
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from textual import events
from textual.app import App
from textual.message import Message
from textual.message_pump import MessagePump
from textual.worker import WorkerFailed

from . import crash_log
from .store import InvalidInput

# Callers of `_handle_exception` that carry on after it returns: the pump's "call next"
# callbacks (screen results, call_later), and timer callbacks. Any other caller has stopped
# (a pump whose loop broke, a screen that failed to compose, the renderer): that is a crash.
_CARRIES_ON = frozenset({"_flush_next_callbacks", "_tick"})
STORM_ERRORS = 50  # this many reports within STORM_SECONDS (keys repeat at most ~40/s): a loop
STORM_SECONDS = 1.0
# A failure raised while Textual was drawing comes back on every frame and leaves nothing
# usable on screen: it is a crash, wherever it surfaced (a refresh callback, a message).
_DRAWING_MODULES = ("textual/_compositor.py", "textual/_styles_cache.py")
REPEAT_QUIET_SECONDS = 5.0  # the same failure is notified once per this many seconds


@dataclass(frozen=True)
class CrashReport:
    """Why the app ended: one line for the terminal, the log that has the details."""

    summary: str
    log: Path | None

    def line(self) -> str:
        where = f"details are in {self.log}" if self.log else "the error log could not be written"
        return f"track: crashed ({self.summary}); {where}"


class ErrorBoundary(App):
    """Base of the Track app: report handler errors, and end cleanly on a real crash."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.crash: CrashReport | None = None
        self._recent_reports: deque[float] = deque(maxlen=STORM_ERRORS)
        self._last_notified: dict[str, float] = {}

    # -- catching --------------------------------------------------------------------------

    async def _dispatch_action(self, namespace: Any, action_name: str, params: Any) -> bool:
        try:
            return await super()._dispatch_action(namespace, action_name, params)
        except Exception as error:
            self.report_error(error, _describe_action(namespace, action_name))
            return True  # the key was handled; it failed, and the person was told

    def _handle_exception(self, error: Exception) -> None:
        caller = sys._getframe(1).f_code.co_name
        if self.crash is None and not self._exit and (isinstance(error, WorkerFailed) or caller in _CARRIES_ON):
            inner = error.error if isinstance(error, WorkerFailed) else error
            what = "A background task" if isinstance(error, WorkerFailed) else "Finishing an action"
            if isinstance(inner, Exception):
                self.report_error(inner, what)
                return
        self._crashed(error)

    def report_handler_error(self, error: Exception, pump: MessagePump, message: Message) -> None:
        """Called by the guarded `_dispatch_message` when a handler raised."""
        self.report_error(error, _describe_message(pump, message))

    # -- reporting -------------------------------------------------------------------------

    def report_error(self, error: Exception, what: str) -> None:
        """Log `error` with its traceback and tell the person; a drawing failure, or a storm
        of errors, is a crash."""
        if _raised_while_drawing(error):
            self._crashed(error)
            return
        if isinstance(error, InvalidInput):  # a refusal with its own explanation, not a fault
            self.notify(crash_log.one_line(error), severity="warning", timeout=6, markup=False)
            return
        now = time.monotonic()
        self._recent_reports.append(now)
        if len(self._recent_reports) == STORM_ERRORS and now - self._recent_reports[0] < STORM_SECONDS:
            self._crashed(error)
            return
        summary = f"{what} failed: {crash_log.describe(error)}"
        log = crash_log.record(summary, error)
        if now - self._last_notified.get(summary, -REPEAT_QUIET_SECONDS) < REPEAT_QUIET_SECONDS:
            return
        self._last_notified[summary] = now
        where = f"Details are in {log}" if log else "The error log could not be written"
        self.notify(f"{summary}. {where}.",
                    title="Something went wrong", severity="error", timeout=12, markup=False)

    def _crashed(self, error: BaseException) -> None:
        summary = crash_log.describe(error.error if isinstance(error, WorkerFailed) else error)
        if self.crash is None:
            self.crash = CrashReport(summary, crash_log.record(f"crashed: {summary}", error))
        if isinstance(error, Exception):
            super()._handle_exception(error)  # exit code 1, and Pilot's re-raise in tests
        else:  # pragma: no cover - BaseExceptions never reach here from Textual
            self.exit(return_code=1)
        # The traceback Textual would print on the way out is in the log instead.
        self._exit_renderables.clear()

    def _print_error_renderables(self) -> None:
        if self.crash is not None:
            self._exit_renderables.clear()
        super()._print_error_renderables()


def _raised_while_drawing(error: BaseException) -> bool:
    traceback = error.__traceback__
    while traceback is not None:
        if traceback.tb_frame.f_code.co_filename.replace("\\", "/").endswith(_DRAWING_MODULES):
            return True
        traceback = traceback.tb_next
    return False


def _describe_action(namespace: Any, action_name: str) -> str:
    """The binding's own description ("Next stage") when one names this action, else the
    action's name; with the screen it was pressed on."""
    description = action_name.replace("_", " ")
    bindings = getattr(getattr(namespace, "_bindings", None), "key_to_bindings", {})
    for key_bindings in bindings.values():
        for binding in key_bindings:
            if binding.action.split("(")[0] == action_name and binding.description:
                description = binding.description
                break
    return f"“{crash_log.one_line(description)}” ({type(namespace).__name__})"


def _describe_message(pump: MessagePump, message: Message) -> str:
    if isinstance(message, events.Key):
        return f"The {crash_log.one_line(message.key)} key ({type(pump).__name__})"
    return f"Handling {type(message).__name__} ({type(pump).__name__})"


# -- the guarded dispatch -------------------------------------------------------------------

_unguarded_dispatch = MessagePump._dispatch_message


async def _guarded_dispatch(self: MessagePump, message: Message) -> None:
    try:
        await _unguarded_dispatch(self, message)
    except Exception as error:
        app = _app_of(self)
        # Compose failures leave a screen without its widgets: Textual's own handling (a crash)
        # is right for those.
        if not isinstance(app, ErrorBoundary) or isinstance(message, events.Compose) or app.crash is not None:
            raise
        app.report_handler_error(error, self, message)


def _app_of(pump: MessagePump) -> App | None:
    try:
        return pump.app
    except Exception:  # a pump outside any running app
        return None


def install() -> None:
    """Guard every message pump's dispatch (applied once, when this module is imported)."""
    if MessagePump._dispatch_message is not _guarded_dispatch:
        MessagePump._dispatch_message = _guarded_dispatch  # type: ignore[method-assign]


install()

"""The error log: every unexpected exception, with its traceback, in one file the person can send.

A full-screen app cannot print a traceback where anyone would see it, and a notification has
room for one line. So the error boundary (track_tui/error_boundary.py) and the command line
write the details here and show one line that names this file. The file lives in the platform's
log directory (:func:`track_tui.paths.log_file`), is readable by its owner only (tracebacks can
quote record names), and rotates at :data:`MAX_BYTES` keeping :data:`BACKUPS` old files, so it
never grows without bound. Two processes appending to it at once each write whole lines; a
rotation that both attempt loses at most one old file.

Writing the log must never become a second failure: when the folder cannot be created or the
file cannot be opened, :func:`record` says so by returning None and the caller shows the error
without a path. Nothing here ever writes to the terminal (a stray line from Python's fallback
log handler would land in the middle of the TUI).

Never imports Textual.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import threading
import unicodedata
from pathlib import Path

from . import paths

MAX_BYTES = 1_000_000
BACKUPS = 3
LOGGER_NAME = "track_tui.errors"
_ONE_LINE_LIMIT = 300

_logger = logging.getLogger(LOGGER_NAME)
_logger.setLevel(logging.INFO)
_logger.propagate = False  # whatever the root logger does (a library's basicConfig), not here
_logger.addHandler(logging.NullHandler())  # never Python's last-resort handler (stderr)
_lock = threading.Lock()


class _PrivateLogFile(logging.handlers.RotatingFileHandler):
    """A rotating log whose files only their owner can read, and that stays silent when a
    write fails (logging's default prints the failure to stderr, that is onto the TUI)."""

    failed = False

    def _open(self):  # type: ignore[override]
        return open(self.baseFilename, self.mode, encoding=self.encoding, errors=self.errors,
                    opener=lambda path, flags: os.open(path, flags, 0o600))

    def handleError(self, record: logging.LogRecord) -> None:
        self.failed = True


class _PlainFormatter(logging.Formatter):
    """Control characters in a message or traceback (quoted data) are written as escapes, so
    `cat track.log` cannot retitle, recolour or type into the terminal that shows it."""

    def format(self, record: logging.LogRecord) -> str:
        return _escape_controls(super().format(record))


def _escape_controls(text: str) -> str:
    return "".join(
        ch if ch in "\n\t" or unicodedata.category(ch) != "Cc" else f"\\x{ord(ch):02x}" for ch in text
    )


_file_handler: _PrivateLogFile | None = None


def record(summary: str, error: BaseException | None = None) -> Path | None:
    """Append `summary` (and `error`'s traceback) to the log; the file written, or None."""
    target = paths.log_file()
    with _lock:
        handler = _handler_for(target)
    exc_info = (type(error), error, error.__traceback__) if error is not None else None
    if handler is not None:
        handler.failed = False
    _logger.error(summary, exc_info=exc_info)
    if handler is None or handler.failed:
        return None
    return target


def one_line(text: object) -> str:
    """`text` as one short line fit for a notification or a terminal: no line breaks, no
    control or format characters (an exception message can quote stored data), at most
    300 characters."""
    flat = " ".join(str(text).split())
    safe = "".join(ch if unicodedata.category(ch)[0] != "C" else "\N{REPLACEMENT CHARACTER}" for ch in flat)
    return safe if len(safe) <= _ONE_LINE_LIMIT else safe[: _ONE_LINE_LIMIT - 1] + "…"


def describe(error: BaseException) -> str:
    """`ZeroDivisionError: division by zero`, on one safe line."""
    message = str(error)
    return one_line(f"{type(error).__name__}: {message}" if message else type(error).__name__)


def _handler_for(target: Path) -> _PrivateLogFile | None:
    """The file handler for `target`, (re)opened when the log's place changed (the platform
    directories come from the environment of the moment); None when it cannot be opened."""
    global _file_handler
    if _file_handler is not None and Path(_file_handler.baseFilename) == target:
        return _file_handler
    if _file_handler is not None:
        _logger.removeHandler(_file_handler)
        _file_handler.close()
        _file_handler = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        handler = _PrivateLogFile(target, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8")
    except OSError:
        return None
    handler.setFormatter(_PlainFormatter("%(asctime)s pid %(process)d %(levelname)s %(message)s"))
    _logger.addHandler(handler)
    _file_handler = handler
    return handler

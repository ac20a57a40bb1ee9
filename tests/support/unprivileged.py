"""Running a piece of a test without root's power over file permissions.

Root reads and writes files whatever their mode, so a read-only or unreadable cache cannot be
tested as root, and CI runs as root. :func:`as_plain_user` runs a function in a forked child
that first gives up the capabilities that let root ignore permissions (CAP_DAC_OVERRIDE,
CAP_DAC_READ_SEARCH, CAP_FOWNER): from then on a file's mode bits apply to it as to its owner,
so `chmod 0444` makes a file read-only and `chmod 0` unreadable, exactly as for a person's own
files. (Switching to another user instead would also lock the child out of the Python
installation under /root.) For anyone but root nothing needs giving up: the child runs as is.
"""

from __future__ import annotations

import ctypes
import os
import pickle
import sys
import traceback
from typing import Any, Callable

_CAPABILITY_VERSION_3 = 0x20080522
_CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH, _CAP_FOWNER = 1, 2, 3


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


class ChildFailed(AssertionError):
    """The function raised in the child; the message carries the child's traceback."""


def drop_file_override() -> None:
    """Give up, for this process for good, root's power to ignore file permissions."""
    if os.geteuid() != 0:
        return
    libc = ctypes.CDLL(None, use_errno=True)
    header = _CapHeader(_CAPABILITY_VERSION_3, 0)
    data = (_CapData * 2)()
    if libc.capget(ctypes.byref(header), data) != 0:
        raise OSError(ctypes.get_errno(), "capget failed")
    keep = ~((1 << _CAP_DAC_OVERRIDE) | (1 << _CAP_DAC_READ_SEARCH) | (1 << _CAP_FOWNER)) & 0xFFFFFFFF
    for field in ("effective", "permitted", "inheritable"):
        setattr(data[0], field, getattr(data[0], field) & keep)
    if libc.capset(ctypes.byref(header), data) != 0:
        raise OSError(ctypes.get_errno(), "capset failed")


def as_plain_user(function: Callable[..., Any], *args: Any, env: dict[str, str] | None = None) -> Any:
    """`function(*args)` in a forked child without root's file powers; its result, or
    :class:`ChildFailed` with the child's traceback."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into the test runner
        os.close(read_end)
        try:
            if env is not None:
                os.environ.update(env)
            drop_file_override()
            outcome = ("ok", function(*args))
        except BaseException as error:  # noqa: BLE001 - every failure goes back to the test
            outcome = ("error", f"{type(error).__name__}: {error}\n{traceback.format_exc()}")
        try:
            payload = pickle.dumps(outcome)
        except Exception as error:  # an unpicklable result
            payload = pickle.dumps(("error", f"result not picklable: {error!r}"))
        with os.fdopen(write_end, "wb") as pipe:
            pipe.write(payload)
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        payload = pipe.read()
    os.waitpid(pid, 0)
    if not payload:
        raise ChildFailed("the child died without an answer")
    kind, value = pickle.loads(payload)
    if kind == "error":
        raise ChildFailed(value)
    return value


def run_cli(argv: list[str]) -> tuple[int, str]:
    """`track ARGV` in this (child) process: its exit status and what it wrote to stderr."""
    import io

    from track_tui import cli

    captured = io.StringIO()
    real = sys.stderr
    sys.stderr = captured
    try:
        status = cli.main(argv)
    except SystemExit as exit_:
        status = int(exit_.code or 0)
    finally:
        sys.stderr = real
    return status, captured.getvalue()

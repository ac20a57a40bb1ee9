"""Running a piece of a test without root's power over file permissions.

Root reads and writes files whatever their mode, so a read-only or unreadable cache cannot be
tested as root, and CI runs as root. :func:`as_plain_user` runs a function in a new Python
process that first gives up the capabilities that let root ignore permissions (CAP_DAC_OVERRIDE,
CAP_DAC_READ_SEARCH, CAP_FOWNER): from then on a file's mode bits apply to it as to its owner,
so `chmod 0444` makes a file read-only and `chmod 0` unreadable, exactly as for a person's own
files. (Switching to another user instead would also lock the child out of the Python
installation under /root.) For anyone but root nothing needs giving up: the child runs as is.
"""

from __future__ import annotations

import ctypes
import os
import pickle
import subprocess
import sys
import tempfile
import traceback
from pathlib import Path
from typing import Any, Callable

_CAPABILITY_VERSION_3 = 0x20080522
_CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH, _CAP_FOWNER = 1, 2, 3


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


_REPO_ROOT = Path(__file__).resolve().parents[2]
_CHILD_TIMEOUT = 120


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
    """`function(*args)` in a fresh Python process without root's file powers; its result, or
    :class:`ChildFailed` with the child's traceback.

    A new interpreter, not a fork: the test process has threads (the fake server's, a store's
    workers), and a forked child inherits whatever lock one of them held at that instant —
    SQLite's own mutex once left a child waiting in `sqlite3.connect` for ever. `function`
    must be importable by name (a module-level function); its arguments and result must pickle.
    """
    with tempfile.TemporaryDirectory(prefix="track-plain-user-") as scratch:
        outcome_path = Path(scratch) / "outcome.pickle"
        request = pickle.dumps((function, args, str(outcome_path)))
        child_env = {**os.environ, **(env or {})}
        try:
            finished = subprocess.run(
                [sys.executable, "-m", "tests.support.unprivileged"], input=request, env=child_env,
                cwd=_REPO_ROOT, capture_output=True, timeout=_CHILD_TIMEOUT,
            )
        except subprocess.TimeoutExpired as exc:
            raise ChildFailed(f"the child gave no answer within {_CHILD_TIMEOUT} s") from exc
        if not outcome_path.exists():
            raise ChildFailed(f"the child died without an answer (exit {finished.returncode}): "
                              f"{finished.stderr.decode(errors='replace')[-2000:]}")
        kind, value = pickle.loads(outcome_path.read_bytes())
    if kind == "error":
        raise ChildFailed(value)
    return value


def _child_main() -> None:
    """The child's side of :func:`as_plain_user`: read the request, give up the file override,
    run the function, write its outcome where the parent looks."""
    function, args, outcome_path = pickle.loads(sys.stdin.buffer.read())
    try:
        drop_file_override()
        outcome = ("ok", function(*args))
    except BaseException as error:  # noqa: BLE001 - every failure goes back to the test
        outcome = ("error", f"{type(error).__name__}: {error}\n{traceback.format_exc()}")
    try:
        payload = pickle.dumps(outcome)
    except Exception as error:  # an unpicklable result
        payload = pickle.dumps(("error", f"result not picklable: {error!r}"))
    Path(outcome_path).write_bytes(payload)


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


if __name__ == "__main__":
    _child_main()

"""A real `track` process in a pseudo-terminal, for tests that need what a terminal sees.

Textual's headless test driver writes nothing, so the way the app leaves the terminal (the
alternate screen, mouse reporting), its exit status and what it prints on the way out can only
be checked on a real process with a real terminal. :class:`Terminal` starts one, keeps every
byte it writes, and sends it keys and signals.
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path
from typing import Callable, Mapping, Sequence

ROOT = Path(__file__).resolve().parents[2]

ALT_SCREEN_ON = b"\x1b[?1049h"
ALT_SCREEN_OFF = b"\x1b[?1049l"
MOUSE_ON = (b"\x1b[?1000h", b"\x1b[?1003h", b"\x1b[?1006h")
MOUSE_OFF = (b"\x1b[?1000l", b"\x1b[?1003l", b"\x1b[?1006l")
BOARD_DRAWN = "Larkspur Labs (demo)"  # the demo workspace, named in the board's status line

_ESCAPES = re.compile(rb"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")


def track_command(*args: str) -> list[str]:
    """The `track` command of the running interpreter (the project's venv)."""
    return [sys.executable, "-m", "track_tui.cli", *args]


def quiet_environment(home: Path, **extra: str) -> dict[str, str]:
    """An environment whose platform folders all live under `home` and with no TRACK_* setting
    from the developer's shell, so a test process never touches the real config or data."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TRACK_", "XDG_"))}
    env.update(
        HOME=str(home), XDG_CONFIG_HOME=str(home / "config"), XDG_DATA_HOME=str(home / "data"),
        XDG_STATE_HOME=str(home / "state"), XDG_CACHE_HOME=str(home / "cache"),
        TMPDIR=str(home / "tmp"), TERM="xterm-256color", COLUMNS="120", LINES="40",
    )
    (home / "tmp").mkdir(parents=True, exist_ok=True)
    env.update(extra)
    return env


class Terminal:
    """One process on the slave side of a pty; this side reads everything it writes."""

    def __init__(self, argv: Sequence[str], *, env: Mapping[str, str], cwd: Path | None = None,
                 size: tuple[int, int] = (120, 40)) -> None:
        master, slave = os.openpty()
        columns, rows = size
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        self.process = subprocess.Popen(
            list(argv), stdin=slave, stdout=slave, stderr=slave, env=dict(env), cwd=cwd,
            start_new_session=True, close_fds=True, preexec_fn=_take_terminal,
        )
        os.close(slave)
        self.master = master
        self.output = bytearray()
        self._eof = False

    @classmethod
    def forked(cls, target: Callable[[], int], *, env: Mapping[str, str], unprivileged: bool = False,
               size: tuple[int, int] = (120, 40)) -> "Terminal":
        """Run `target()` in a forked child on a new pty (its return value is the exit status).
        With `unprivileged`, the child gives up root's power to read and write through file
        permissions first (see tests/support/unprivileged.py)."""
        pid, master = pty.fork()
        if pid == 0:  # the child: never returns into the test runner
            status = 70
            try:
                os.environ.clear()
                os.environ.update(env)
                # The pty is fds 0-2 now; the test runner's captured streams are not.
                sys.stdin, sys.stdout, sys.stderr = sys.__stdin__, sys.__stdout__, sys.__stderr__
                if unprivileged:
                    from tests.support.unprivileged import drop_file_override

                    drop_file_override()
                status = target()
            except BaseException:  # noqa: BLE001 - report and leave, whatever it was
                import traceback

                traceback.print_exc()
            finally:
                os._exit(status)
        columns, rows = size
        fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        os.kill(pid, signal.SIGWINCH)
        term = cls.__new__(cls)
        term.process = _ForkedProcess(pid)
        term.master = master
        term.output = bytearray()
        term._eof = False
        return term

    def __enter__(self) -> "Terminal":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- reading ---------------------------------------------------------------------------

    def pump(self, seconds: float = 0.05) -> None:
        """Read whatever arrives within `seconds` (the pty keeps a process blocked on a full
        buffer, so reading is also what lets it go on)."""
        if self._eof:
            time.sleep(seconds)
            return
        ready, _, _ = select.select([self.master], [], [], seconds)
        if ready:
            try:
                chunk = os.read(self.master, 1 << 16)
            except OSError:  # EIO: every process holding the slave side has gone
                chunk = b""
            if chunk:
                self.output += chunk
            else:
                self._eof = True

    def wait_for(self, condition: Callable[[], bool], timeout: float = 20.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return True
            self.pump()
            if self._eof and not condition():
                return False
        return condition()

    def wait_for_text(self, text: str, timeout: float = 20.0) -> bool:
        return self.wait_for(lambda: text in self.text(), timeout)

    def text(self) -> str:
        """The output with escape sequences taken out (runs of text within a line stay whole)."""
        return _ESCAPES.sub(b"", bytes(self.output)).decode("utf-8", "replace")

    def since(self, mark: int) -> bytes:
        return bytes(self.output[mark:])

    # -- driving ---------------------------------------------------------------------------

    def send(self, data: bytes) -> None:
        os.write(self.master, data)

    def signal(self, signum: int) -> None:
        self.process.send_signal(signum)

    def exit_status(self, timeout: float = 15.0) -> int:
        """Wait for the process to end (reading meanwhile); its return code."""
        deadline = time.monotonic() + timeout
        while self.process.poll() is None and time.monotonic() < deadline:
            self.pump()
        if self.process.poll() is None:
            raise AssertionError(f"the process did not end within {timeout} s; output:\n{self.text()[-2000:]}")
        for _ in range(20):  # what it wrote just before exiting
            if self._eof:
                break
            self.pump(0.02)
        return self.process.returncode

    def close(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(5)
        try:
            os.close(self.master)
        except OSError:
            pass


class _ForkedProcess:
    """The little of subprocess.Popen that Terminal uses, for a child made by fork."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(str(self.pid), timeout or 0)
            time.sleep(0.01)
        assert self.returncode is not None
        return self.returncode

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:
            os.kill(self.pid, signum)


def _take_terminal() -> None:
    """In the child: make the pty its controlling terminal (as a login shell's would be)."""
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def left_terminal_clean(output: bytes) -> bool:
    """The alternate screen was left and mouse reporting stopped after they were turned on."""
    on = output.rfind(ALT_SCREEN_ON)
    if on < 0:
        return False
    after = output[on:]
    return ALT_SCREEN_OFF in after and all(off in after for off in MOUSE_OFF)

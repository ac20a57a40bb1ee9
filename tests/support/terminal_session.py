"""Run the real `track` command in a pseudo-terminal and keep every byte it writes.

Textual's headless test driver writes nothing, so what reaches a terminal can only be seen by
giving the app a real one: `TerminalSession` starts the command on a pty (raw mode, so the
bytes read are exactly the bytes written), types keys into it and records the output of each
step under a name. `terminal_violations` reads such output the way a terminal would and lists
every control sequence that Textual itself does not write.
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import struct
import subprocess
import termios
import threading
import time
import tty
from dataclasses import dataclass, field

# Escape sequences, as a terminal splits them: CSI (ESC [ params intermediates final), OSC
# (ESC ] … BEL or ST), and ESC followed by anything else (DCS is ESC P, SOS/PM/APC are X ^ _).
_SEQUENCE = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[\s\S]?")
# What Textual writes in a full-screen app: colours and styles (m), cursor position (H), private
# modes on and off (?…h / ?…l: alternate screen, mouse, paste, focus, autowrap), mode queries
# (?…$p), the kitty keyboard protocol (>…u, <u) and the mouse pointer's shape (OSC 22).
_TEXTUAL_WRITES = re.compile(
    r"\x1b\[(?:[0-9;]*[mH]|\?[0-9;]+[hl]|\?[0-9;]+\$p|[<>][0-9;]*u)|\x1b\]22;[a-z-]+\x07"
)
_BAD_CHAR = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f]")  # any control but newline


def terminal_violations(output: str) -> list[str]:
    """Every sequence or control character in `output` that Textual does not write itself."""
    problems: list[str] = []
    rest: list[str] = []
    position = 0
    for match in _SEQUENCE.finditer(output):
        rest.append(output[position:match.start()])
        position = match.end()
        if _TEXTUAL_WRITES.fullmatch(match.group()) is None:
            context = output[max(0, match.start() - 30):match.end() + 10]
            problems.append(f"sequence {match.group()!r} in …{context!r}…")
    rest.append(output[position:])
    text = "".join(rest)
    for match in _BAD_CHAR.finditer(text):
        context = text[max(0, match.start() - 30):match.end() + 10]
        problems.append(f"control {match.group()!r} in …{context!r}…")
    return problems


def without_textual_writes(output: str) -> str:
    """`output` less the sequences Textual writes itself (what is left came from widgets)."""
    return _TEXTUAL_WRITES.sub("", output)


def visible_text(output: str) -> str:
    """`output` without its escape sequences: the characters drawn, in the order written."""
    return _SEQUENCE.sub("", output)


def _own_terminal() -> None:
    """In the child: a session of its own with the pty as its controlling terminal, as a shell
    would start it, so that if the test process dies (and the pty's other end closes) the
    kernel hangs the app up instead of leaving it running."""
    os.setsid()
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


@dataclass
class TerminalSession:
    """A command on a pseudo-terminal of `columns` × `rows`, with its output kept per step."""

    argv: list[str]
    env: dict[str, str]
    columns: int = 120
    rows: int = 40
    steps: dict[str, str] = field(default_factory=dict)
    # How long a step waits for its screen's words. Generous on purpose: the suite runs two
    # workers on two cores beside other work, and at a load of 12 one screen has taken over 10 s
    # to draw. A screen that is drawn returns at once; only a screen that never comes waits it out.
    deadline: float = 60.0

    def __post_init__(self) -> None:
        self._output = bytearray()
        self._lock = threading.Lock()
        self._last_data = time.monotonic()
        self._process: subprocess.Popen[bytes] | None = None
        self._master = -1
        self._reader: threading.Thread | None = None
        self._recorded = 0  # bytes of output already given to a step

    # -- life ------------------------------------------------------------------------------

    def start(self) -> None:
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", self.rows, self.columns, 0, 0))
        tty.setraw(slave)  # no output processing: every byte read is a byte the app wrote
        self._process = subprocess.Popen(
            self.argv, stdin=slave, stdout=slave, stderr=slave, env=self.env, close_fds=True,
            preexec_fn=_own_terminal,
        )
        os.close(slave)
        self._master = master
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while True:
            try:
                data = os.read(self._master, 65536)
            except OSError:  # the app closed its side
                return
            if not data:
                return
            with self._lock:
                self._output.extend(data)
                self._last_data = time.monotonic()

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def stop(self, keys: bytes = b"q", timeout: float = 10) -> int:
        """Type `keys` (quit), wait for the app to end; kill it if it does not. Its exit code."""
        assert self._process is not None
        if self.running:
            try:
                os.write(self._master, keys)
            except OSError:  # its side is gone already
                pass
        try:
            code = self._process.wait(timeout)
        except subprocess.TimeoutExpired:
            self._process.kill()
            code = self._process.wait()
        if self._reader is not None:
            self._reader.join(2)
        os.close(self._master)
        self.steps["quit"] = self.steps.get("quit", "") + self._slice(self._recorded, self._size())
        self._recorded = self._size()
        return code

    def kill(self) -> None:
        """End the app at once if it is still running (a test's last resort)."""
        if self.running:
            assert self._process is not None
            self._process.kill()
            self._process.wait()

    # -- output ----------------------------------------------------------------------------

    @property
    def output(self) -> str:
        with self._lock:
            return self._output.decode("utf-8", "replace")

    @property
    def last_output_at(self) -> float:
        """`time.monotonic()` when the app last wrote (for timing how long drawing took)."""
        with self._lock:
            return self._last_data

    def _size(self) -> int:
        with self._lock:
            return len(self._output)

    def _slice(self, start: int, end: int) -> str:
        with self._lock:
            return bytes(self._output[start:end]).decode("utf-8", "replace")

    def since(self, mark: int) -> str:
        with self._lock:
            return bytes(self._output[mark:]).decode("utf-8", "replace")

    def settle(self, quiet: float = 0.1, timeout: float = 5.0, *, reacted: bool = False) -> None:
        """Wait until nothing has been written for `quiet` seconds (or `timeout` passed). Unless
        the app has `reacted` already, first give it `quiet` seconds to start writing."""
        started = time.monotonic()
        if not reacted:
            time.sleep(quiet)
        while time.monotonic() - started < timeout:
            with self._lock:
                idle = time.monotonic() - self._last_data
            if idle >= quiet:
                return
            time.sleep(quiet - idle)

    def wait_for(self, text: str, mark: int = 0, timeout: float | None = None) -> bool:
        """Wait until `text` has been drawn since byte `mark` (at most `timeout`, by default the
        session's `deadline`); False if it never was."""
        deadline = time.monotonic() + (self.deadline if timeout is None else timeout)
        while time.monotonic() < deadline:
            if text in visible_text(self.since(mark)):
                return True
            if not self.running:
                return text in visible_text(self.since(mark))  # its last frame may hold it
            time.sleep(0.02)
        return False

    def step(self, name: str, keys: bytes | str, expect: str | None = None, quiet: float = 0.08) -> str:
        """Type `keys`, wait for `expect` to be drawn (if given) and for the app to settle, and
        keep what it wrote under `name` (after what earlier steps of that name wrote). Steps
        follow each other without a gap: every byte written belongs to exactly one step.
        Raises AssertionError when `expect` never appears."""
        mark = self._recorded
        if keys:
            os.write(self._master, keys.encode() if isinstance(keys, str) else keys)
        drawn = expect is None or self.wait_for(expect, mark)
        if drawn:
            self.settle(quiet, reacted=expect is not None)
        self._recorded = self._size()
        written = self._slice(mark, self._recorded)
        self.steps[name] = self.steps.get(name, "") + written
        if not drawn:
            raise AssertionError(f"step {name!r}: {expect!r} was never drawn; app running: {self.running}")
        return written

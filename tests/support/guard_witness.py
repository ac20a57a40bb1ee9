"""Run `track` with a witness on the terminal guard: which drawn text was left unsafe at its source.

`track_tui/terminal_guard.py` makes every line safe on its way to the terminal, so the bytes a
pty walk reads stay clean even where a screen forgot `safe_line`. That is the defence working,
but the forgotten spot is still a defect (its width was measured on the raw text, and the guard
is the last line, not the only one). Run as

    python -m tests.support.guard_witness REPORT_FILE [track arguments…]

it starts the real command line with the guard wrapped: every strip the guard has to repair is
written to REPORT_FILE (one `repr` per line, each text once) before being drawn as usual. The
injection tests read that file and require it to be empty.
"""

from __future__ import annotations

import sys
from pathlib import Path

from textual.strip import Strip

from track_tui import terminal_guard
from track_tui.cli import main


def _install(report: Path) -> None:
    guarded = terminal_guard.guarded_render
    seen: set[str] = set()
    report.write_text("", encoding="utf-8")

    def witnessed(self: Strip, console) -> str:
        if self._render_cache is None and terminal_guard._unsafe(self._segments):
            text = "".join(segment.text for segment in self._segments)
            if text not in seen:
                seen.add(text)
                with report.open("a", encoding="utf-8") as handle:
                    handle.write(repr(text) + "\n")
        return guarded(self, console)

    terminal_guard.guarded_render = witnessed  # type: ignore[assignment]  (install() uses this name)
    terminal_guard.install()


if __name__ == "__main__":
    _install(Path(sys.argv[1]))
    sys.argv = ["track", *sys.argv[2:]]
    sys.exit(main())

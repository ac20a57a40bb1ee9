"""Bare Textual apps the SSH bench measures Track against, in the same pty harness.

    python -m bench.bare_apps option-list   a 10,000-item OptionList, focused (its keys move the highlight)

They import nothing of Track: what they cost is what any Textual app costs on this machine.
"""

from __future__ import annotations

import sys

OPTIONS = 10_000
DRAWN = "Option 00001"  # the first option's text: drawn once the list is on screen


def option_list() -> None:
    from textual.app import App, ComposeResult
    from textual.widgets import Footer, OptionList

    class BareOptionList(App[None]):
        def compose(self) -> ComposeResult:
            yield OptionList(*(f"Option {n:05d} · a line of about the width of a card" for n in range(1, OPTIONS + 1)))
            yield Footer()

    BareOptionList().run()


if __name__ == "__main__":
    {"option-list": option_list}[sys.argv[1]]()

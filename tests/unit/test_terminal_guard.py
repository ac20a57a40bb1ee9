"""The Strip-level guard: whatever a widget puts in a segment, no control reaches the terminal."""

from __future__ import annotations

import pytest
from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from track_tui import terminal_guard

CONSOLE = Console(force_terminal=True, color_system="truecolor", width=80)


@pytest.fixture(autouse=True)
def guard():
    terminal_guard.install()
    yield
    terminal_guard.install()


def _controls(text: str) -> list[str]:
    """Controls in `text` other than the ESC [ … m that styles it."""
    import re

    without_styles = re.sub(r"\x1b\[[0-9;]*m|\x1b\]8;[^\x1b]*\x1b\\", "", text)
    return [c for c in without_styles if ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0]


def test_a_control_left_in_a_segment_is_drawn_as_a_symbol():
    strip = Strip([Segment("Deal \x1b]52;c;SGVsbG8=\x07", Style(bold=True)), Segment(" \x9b31m|")])
    rendered = strip.render(CONSOLE)
    assert _controls(rendered) == []
    assert "␛]52;c;SGVsbG8=␇" in rendered and " �3" in rendered  # cut to the laid-out width (below)


def test_the_line_keeps_the_width_it_was_laid_out_with():
    strip = Strip([Segment("ab\x1b[2Jcd"), Segment("|end")])
    laid_out = strip.cell_length  # Rich counts the ESC as no cells
    rendered = strip.render(CONSOLE)
    visible = rendered.replace("\x1b[0m", "")
    assert len(visible) == laid_out  # the symbol takes a cell: the last one is cut, nothing spills
    assert visible.startswith("ab␛[2Jcd|en")


def test_a_hyperlink_holding_controls_is_dropped_but_its_text_kept():
    strip = Strip([Segment("click", Style(link="https://x.example/\x07\x1b]0;pwned\x07"))])
    rendered = strip.render(CONSOLE)
    assert "pwned" not in rendered and _controls(rendered) == []
    assert "click" in rendered


def test_a_safe_hyperlink_is_kept():
    strip = Strip([Segment("docs", Style(link="https://docs.example/"))])
    assert "https://docs.example/" in strip.render(CONSOLE)


def test_clean_strips_render_exactly_as_textual_renders_them():
    segments = [Segment("Acme renewal ", Style(color="red")), Segment("名前 · €12k", Style(bold=True)), Segment("   ")]
    guarded = Strip(segments).render(CONSOLE)
    terminal_guard.uninstall()
    assert Strip(segments).render(CONSOLE) == guarded


def test_without_the_guard_textual_writes_the_control_as_it_is():
    """What the guard is for (and proof this test would notice it missing)."""
    terminal_guard.uninstall()
    assert "\x1b]52;" in Strip([Segment("\x1b]52;c;SGVsbG8=\x07")]).render(CONSOLE)

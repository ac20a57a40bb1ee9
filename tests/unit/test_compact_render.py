"""A line rendered with only its style changes shows exactly what Textual's own rendering shows,
cell for cell, in fewer bytes (track_tui/compact_render.py).

Both renderings are read through a small SGR interpreter written here from the ECMA-48 codes
(not from the renderer), which gives every character the attributes and colours in effect."""

from __future__ import annotations

import random
import re

import pytest
from rich.color import ColorSystem
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from track_tui import compact_render
from track_tui.compact_render import render_strip

_SGR = re.compile(r"\x1b\[([0-9;]*)m")
_FLAG_ON = {1: "bold", 2: "dim", 3: "italic", 4: "underline", 5: "blink", 6: "blink2", 7: "reverse",
            8: "conceal", 9: "strike", 21: "underline2", 51: "frame", 52: "encircle", 53: "overline"}
_FLAG_OFF = {22: {"bold", "dim"}, 23: {"italic"}, 24: {"underline", "underline2"}, 25: {"blink", "blink2"},
             27: {"reverse"}, 28: {"conceal"}, 29: {"strike"}, 54: {"frame", "encircle"}, 55: {"overline"}}


def _apply(state: dict, params: str) -> None:
    codes = [int(p) if p else 0 for p in params.split(";")] if params else [0]
    i = 0
    while i < len(codes):
        code = codes[i]
        if code == 0:
            state.clear()
        elif code in _FLAG_ON:
            state[_FLAG_ON[code]] = True
        elif code in _FLAG_OFF:
            for flag in _FLAG_OFF[code]:
                state.pop(flag, None)
        elif 30 <= code <= 37 or 90 <= code <= 97:
            state["fg"] = (code,)
        elif 40 <= code <= 47 or 100 <= code <= 107:
            state["bg"] = (code,)
        elif code in (39, 49):
            state.pop("fg" if code == 39 else "bg", None)
        elif code in (38, 48):
            size = 3 if codes[i + 1] == 5 else 5
            state["fg" if code == 38 else "bg"] = tuple(codes[i + 1:i + size])
            i += size - 1
        else:
            raise AssertionError(f"unexpected SGR code {code}")
        i += 1


def cells(rendered: str) -> list[tuple[str, tuple]]:
    """Each character written, with the SGR state it was written in."""
    state: dict = {}
    shown: list[tuple[str, tuple]] = []
    position = 0
    for match in _SGR.finditer(rendered):
        shown.extend((char, tuple(sorted(state.items()))) for char in rendered[position:match.start()])
        _apply(state, match.group(1))
        position = match.end()
    shown.extend((char, tuple(sorted(state.items()))) for char in rendered[position:])
    assert not state, "a line must end in the default style"
    return shown


class Console:
    """What Strip.render reads of a console: its colour system."""

    def __init__(self, color_system: ColorSystem) -> None:
        self._color_system = color_system


COLOURS = [None, "default", "red", "bright_blue", "color(120)", "#1e1e1e", "#e0e0e0", "rgb(62,62,62)"]
FLAGS = ["bold", "dim", "italic", "underline", "underline2", "blink", "reverse", "strike", "overline"]


def random_style(rng: random.Random) -> Style | None:
    if rng.random() < 0.1:
        return None
    flags = {flag: True for flag in rng.sample(FLAGS, rng.choice([0, 0, 1, 1, 2, 3]))}
    return Style(color=rng.choice(COLOURS), bgcolor=rng.choice(COLOURS), **flags)


def textual_render(strip: Strip, console: Console) -> str:
    return compact_render._TEXTUAL_RENDER(Strip(list(strip)), console)


@pytest.mark.parametrize("color_system", [ColorSystem.TRUECOLOR, ColorSystem.EIGHT_BIT, ColorSystem.STANDARD])
def test_random_lines_show_the_same_cells_as_textuals_rendering(color_system: ColorSystem) -> None:
    rng = random.Random(13)
    console = Console(color_system)
    for _ in range(2_000):
        segments = [Segment(rng.choice(["", " ", "ab", "Ωé—…", "x" * 5]), random_style(rng))
                    for _ in range(rng.randint(1, 8))]
        ours, theirs = render_strip(Strip(segments), console), textual_render(Strip(segments), console)
        assert cells(ours) == cells(theirs), segments


def test_a_card_line_takes_about_half_the_bytes() -> None:
    card = Style(color="#e0e0e0", bgcolor="#3e3e3e")
    segments = [Segment(" ", card), Segment("Pinespring Solar — Anal…", card + Style(bold=True)),
                Segment(" ", card), Segment("○", card + Style(bold=True, color="#fea62b")), Segment(" ", card)]
    console = Console(ColorSystem.TRUECOLOR)
    ours, theirs = render_strip(Strip(segments), console), textual_render(Strip(segments), console)
    assert cells(ours) == cells(theirs)
    assert len(ours) <= 0.6 * len(theirs)


def test_segments_of_one_style_share_one_code_and_unstyled_text_stays_default() -> None:
    style = Style(color="red")
    console = Console(ColorSystem.STANDARD)
    rendered = render_strip(Strip([Segment("a", style), Segment("b", style), Segment("c"), Segment("d", style)]), console)
    assert rendered == "\x1b[31mab\x1b[0mc\x1b[31md\x1b[0m"


def test_a_line_with_a_link_is_left_to_textual() -> None:
    linked = Style(link="https://example.org", color="red")
    console = Console(ColorSystem.TRUECOLOR)
    strip = Strip([Segment("see ", Style(bold=True)), Segment("here", linked)])
    assert render_strip(strip, console) == textual_render(strip, console)

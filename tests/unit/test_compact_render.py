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


# What draws something on a space besides its background: lines through or under it, reverse
# (the foreground becomes the background) and blinking (a bright background on some consoles).
_SHOWN_ON_SPACE = {"underline", "underline2", "blink", "blink2", "reverse", "strike", "frame", "encircle", "overline"}


def looks(char: str, state: dict) -> tuple[str, tuple]:
    """What a person sees in a cell: the character and its SGR state, except that a space
    shows only its background unless an attribute draws on it (its colour, bold or italic
    draw nothing there)."""
    if char == " " and not _SHOWN_ON_SPACE & state.keys():
        return char, tuple(sorted((key, value) for key, value in state.items() if key == "bg"))
    return char, tuple(sorted(state.items()))


def cells(rendered: str) -> list[tuple[str, tuple]]:
    """Each character written, as it looks in the SGR state it was written in."""
    state: dict = {}
    shown: list[tuple[str, tuple]] = []
    position = 0
    for match in _SGR.finditer(rendered):
        shown.extend(looks(char, state) for char in rendered[position:match.start()])
        _apply(state, match.group(1))
        position = match.end()
    shown.extend(looks(char, state) for char in rendered[position:])
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


def test_padding_between_two_colours_sends_no_colour_of_its_own() -> None:
    """A space shows only its background: the padding after a green value stays green and the
    card's own text colour is not restated for it."""
    card = Style(color="#e0e0e0", bgcolor="#3e3e3e")
    segments = [Segment(" ", card), Segment("¥6.2m", card + Style(color="#8ad4a1")), Segment("      ", card),
                Segment("25 Dec", card + Style(color="#ffffff")), Segment(" ", card)]
    console = Console(ColorSystem.TRUECOLOR)
    ours, theirs = render_strip(Strip(segments), console), textual_render(Strip(segments), console)
    assert cells(ours) == cells(theirs)
    assert "¥6.2m      \x1b[38;2;255;255;255m25 Dec \x1b[0m" in ours
    assert "224;224;224" not in ours  # no code only for the padding and the gutter


@pytest.mark.parametrize("drawn_on_space", ["underline", "reverse", "strike", "blink"])
def test_spaces_that_show_their_style_keep_it(drawn_on_space: str) -> None:
    """Underlined, struck, reversed or blinking spaces show more than their background: their
    style is set in full (the random lines above check the cells)."""
    plain, marked = Style(color="red", bgcolor="blue"), Style(color="green", bgcolor="blue", **{drawn_on_space: True})
    rendered = render_strip(Strip([Segment("ab", plain), Segment("  ", marked)]), Console(ColorSystem.STANDARD))
    assert cells(rendered) == cells(textual_render(Strip([Segment("ab", plain), Segment("  ", marked)]), Console(ColorSystem.STANDARD)))
    assert "32" in rendered.split("ab")[1]  # the green is set for the spaces


def test_a_line_starting_with_spaces_takes_the_style_the_line_before_left() -> None:
    """Lines of a frame are stitched: a card line's gutter space after a line of the same
    background is written with no code at all."""
    from textual._compositor import LayoutUpdate
    from textual.geometry import Region

    import track_tui.terminal_guard  # noqa: F401  (strips render as the app renders them)

    card = Style(color="#e0e0e0", bgcolor="#3e3e3e")
    value = Strip([Segment(" ", card), Segment("$8k", card + Style(color="#8ad4a1")), Segment("   ", card)])
    name = Strip([Segment(" ", card), Segment("Echoline", card + Style(bold=True)), Segment(" ", card)])
    console = Console(ColorSystem.TRUECOLOR)
    frame = LayoutUpdate([[value], [name]], Region(0, 0, 12, 2)).render_segments(console)
    second = frame.split("\x1b[2;1H")[1]
    assert second.startswith(" \x1b[")  # the gutter space: no code before it
    screen = cells(frame.replace("\x1b[2;1H", "").replace("\x1b[1;1H", "").replace("\n", ""))
    assert screen == cells(textual_render(value, console) + textual_render(name, console))

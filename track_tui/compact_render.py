"""How a line of the screen becomes terminal bytes: only the style changes are sent.

Textual renders each segment of a line on its own: the segment's whole style (every attribute,
both colours: ~30 characters in truecolor), its text, then a reset. A card line of four segments
is ~250 bytes for 28 cells, and over a slow SSH link bytes are what a key costs. Here a line is
rendered as one run: the style at its start, then at each segment only what differs from the
segment before (a colour, bold on or off), and one reset at its end. Spaces show only their
background unless an attribute draws on them (underline, strike, reverse, blink), so padding
keeps whatever colour and weight the text before it left. What the terminal shows is the same
cell for cell as it looks (tests/unit/test_compact_render.py reads both through an SGR
interpreter); more than half the bytes go.

Each rendered line starts and ends in the terminal's default style, as Textual's own rendering
does, so it can be cached and joined like Textual's. When a frame is written (Textual's
`ChopsUpdate` and `LayoutUpdate`, patched here), the lines are stitched: each is written from
its runs (its segments' styles and texts, kept beside the rendered line) starting in the style
the previous one ended in, so a line that starts where the last one ended sends no code at all,
and the frame ends with one reset; a piece of a line cropped to no width is not written
(Textual still moved the cursor there), nor is a piece the terminal already shows
(track_tui/screen_memory.py). A line with a hyperlink is left to Textual's renderer (Rich wraps
links around the styled text) and written as it is. `terminal_guard` renders through
:func:`render_strip` (it installs it as `Strip.render`).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from rich.color import ColorSystem
from rich.control import Control
from rich.style import Style
from textual._compositor import ChopsUpdate, LayoutUpdate
from textual.strip import SGR_STYLES, Strip

from .screen_memory import memory_of

State = tuple[int, str, str]  # attribute bits (Rich's), foreground codes, background codes
DEFAULT: State = (0, "", "")
RESET = "\x1b[0m"

# Codes that turn attributes off, with the attribute bits each one clears (22 clears bold and
# dim together, 24 both underlines, 25 both blinks, 54 frame and encircle).
_OFF = (("22", 0b11), ("23", 1 << 2), ("24", (1 << 3) | (1 << 9)), ("25", (1 << 4) | (1 << 5)),
        ("27", 1 << 6), ("28", 1 << 7), ("29", 1 << 8), ("54", (1 << 10) | (1 << 11)), ("55", 1 << 12))

_TEXTUAL_RENDER = Strip.render  # Textual's own (for lines with hyperlinks)


@lru_cache(maxsize=8192)
def style_state(style: Style, color_system: ColorSystem) -> State:
    """What `style` sets, as Textual would write it after a reset."""
    bits = style._attributes & style._set_attributes
    color, bgcolor = style._color, style._bgcolor
    fg = ";".join(color.downgrade(color_system).get_ansi_codes()) if color is not None else ""
    bg = ";".join(bgcolor.downgrade(color_system).get_ansi_codes(False)) if bgcolor is not None else ""
    return bits, fg, bg


def _codes_on(bits: int) -> list[str]:
    return [SGR_STYLES[bit] for bit in range(bits.bit_length()) if bits & (1 << bit)]


@lru_cache(maxsize=16384)
def transition(before: State, after: State) -> str:
    """The shortest SGR sequence that takes the terminal from style `before` to `after`."""
    if before == after:
        return ""
    if after == DEFAULT:
        return RESET
    bits, fg, bg = after
    full = ";".join([*_codes_on(bits), *([fg] if fg else []), *([bg] if bg else [])])
    from_reset = f"\x1b[0;{full}m"
    if before == DEFAULT:
        return f"\x1b[{full}m"
    had, had_fg, had_bg = before
    codes: list[str] = []
    kept = had
    for code, group in _OFF:
        if had & group & ~bits:
            codes.append(code)
            kept &= ~group
    codes.extend(_codes_on(bits & ~kept))
    if fg != had_fg:
        codes.append(fg or "39")
    if bg != had_bg:
        codes.append(bg or "49")
    changed = f"\x1b[{';'.join(codes)}m"
    return changed if len(changed) <= len(from_reset) else from_reset


def render_strip(strip: Strip, console: Any) -> str:
    """`Strip.render`, sending only the style changes along the line (cached on the strip, as
    Textual caches its own rendering)."""
    cached = strip._render_cache
    if cached is not None:
        return cached
    color_system = console._color_system or ColorSystem.TRUECOLOR
    runs: list[Run] = []
    for text, style, _control in strip._segments:
        if not text:
            continue
        if style is None:
            wanted = DEFAULT
        elif style._link:
            return _TEXTUAL_RENDER(strip, console)
        else:
            wanted = style_state(style, color_system)
        runs.append((wanted, text, not text.strip(" ")))
    parts: list[str] = []
    if _write_runs(parts, runs, DEFAULT) != DEFAULT:
        parts.append(RESET)
    rendered = strip._render_cache = "".join(parts)
    if len(_RUNS) >= MAX_RUNS:
        _RUNS.clear()
    _RUNS[rendered] = runs
    return rendered


Run = tuple[State, str, bool]  # a segment's style, its text, and whether it is only spaces

# What shows on a blank cell besides its background: lines drawn through or under it (in the
# foreground colour), a reversed cell's foreground (its background then) and blinking (the Linux
# console shows it as a bright background). Bold, dim, italic and a colour draw nothing on a
# space.
_SHOWS_ON_BLANK = (1 << 3) | (1 << 4) | (1 << 5) | (1 << 6) | (1 << 8) | (1 << 9) | (1 << 10) | (1 << 11) | (1 << 12)


@lru_cache(maxsize=16384)
def blank_transition(before: State, wanted: State) -> tuple[str, State]:
    """The shortest codes that make spaces written after style `before` look as spaces in style
    `wanted` do, and the style the terminal is in then. A space shows only its background
    unless an attribute draws on it, so a card's padding between a green value and a white
    date stays green, and the 19 bytes of a truecolor code are not sent."""
    if wanted[0] & _SHOWS_ON_BLANK:
        return transition(before, wanted), wanted
    bits, fg, _bg = before
    kept = (bits & ~_SHOWS_ON_BLANK, fg, wanted[2])  # the background changed, nothing else
    full, partial = transition(before, wanted), transition(before, kept)
    return (partial, kept) if len(partial) < len(full) else (full, wanted)


def _write_runs(out: list[str], runs: list[Run], state: State) -> State:
    """Append the runs of a line to `out`, the terminal being in style `state`; the style after."""
    for wanted, text, blank in runs:
        if wanted != state:
            if blank:
                codes, state = blank_transition(state, wanted)
            else:
                codes, state = transition(state, wanted), wanted
            out.append(codes)
        out.append(text)
    return state


# -- frames ------------------------------------------------------------------------------------

# A rendered line -> its runs: what a frame needs to write the line from whatever style the
# line before it left the terminal in. Keyed by the rendered string, which lives in the strip's
# render cache as long as the strip does (a strip with unsafe text renders, and is keyed, as
# the guarded copy terminal_guard made of it).
_RUNS: dict[str, list[Run]] = {}
MAX_RUNS = 20_000


def _stitch(out: list[str], rendered: str, state: State) -> State:
    """Append `rendered` to the frame whose terminal style is `state`; the style after it."""
    runs = _RUNS.get(rendered)
    if runs is None:  # not rendered here (a hyperlink): it starts and ends in the default style
        if state != DEFAULT:
            out.append(RESET)
        out.append(rendered)
        return DEFAULT
    return _write_runs(out, runs, state)


def render_chops(self: ChopsUpdate, console: Any) -> str:
    """`ChopsUpdate.render_segments`: the changed pieces of lines, stitched (see above), less
    the pieces the terminal already shows (track_tui/screen_memory.py)."""
    out: list[str] = []
    state = DEFAULT
    move_to = Control.move_to
    memory = memory_of(console)
    chops, chop_ends = self.chops, self.chop_ends
    last_y = self.spans[-1][0]
    for y, x1, x2 in self.spans:
        written = False
        for end, (x, strip) in zip(chop_ends[y], chops[y].items()):
            if strip is None or x > x2 or end <= x1:
                continue
            if not (x2 > x >= x1 and end <= x2):
                width = min(end, x2) - x
                if width <= 0:
                    continue
                strip = strip.crop(0, width)
                end = x + width
            rendered = strip.render(console)
            if memory.shows(y, x, end, rendered):
                continue
            memory.wrote(y, x, end, rendered)
            out.append(move_to(x, y).segment.text)
            state = _stitch(out, rendered, state)
            written = True
        if written and y != last_y:
            out.append("\n")
    if state != DEFAULT:
        out.append(RESET)
    return "".join(out)


def render_layout(self: LayoutUpdate, console: Any) -> str:
    """`LayoutUpdate.render_segments` (a whole region, line by line), stitched. Written whole:
    the memory of what the terminal shows starts again from it."""
    out: list[str] = []
    state = DEFAULT
    x = self.region.x
    move_to = Control.move_to
    memory = memory_of(console)
    memory.forget()
    last = len(self.strips) - 1
    for index, line in enumerate(self.strips):
        y = self.region.y + index
        out.append(move_to(x, y).segment.text)
        start = x
        for strip in line:
            rendered = strip.render(console)
            end = start + strip.cell_length
            memory.wrote(y, start, end, rendered)
            start = end
            state = _stitch(out, rendered, state)
        if index != last:
            out.append("\n")
    if state != DEFAULT:
        out.append(RESET)
    return "".join(out)


ChopsUpdate.render_segments = render_chops  # type: ignore[method-assign]
LayoutUpdate.render_segments = render_layout  # type: ignore[method-assign]

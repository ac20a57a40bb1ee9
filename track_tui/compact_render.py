"""How a line of the screen becomes terminal bytes: only the style changes are sent.

Textual renders each segment of a line on its own: the segment's whole style (every attribute,
both colours: ~30 characters in truecolor), its text, then a reset. A card line of four segments
is ~250 bytes for 28 cells, and over a slow SSH link bytes are what a key costs. Here a line is
rendered as one run: the style at its start, then at each segment only what differs from the
segment before (a colour, bold on or off), and one reset at its end. What the terminal shows is
the same cell for cell (tests/unit/test_compact_render.py reads both through an SGR interpreter);
about half the bytes go.

Each line still starts and ends in the terminal's default style, as Textual's own rendering does,
so lines can be written in any order and anything written between them is unaffected. A line
with a hyperlink is left to Textual's renderer (Rich wraps links around the styled text).
`terminal_guard` renders through :func:`render_strip` (it installs it as `Strip.render`).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from rich.color import ColorSystem
from rich.style import Style
from textual.strip import SGR_STYLES, Strip

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
    parts: list[str] = []
    state = DEFAULT
    for text, style, _control in strip._segments:
        if not text:
            continue
        if style is None:
            wanted = DEFAULT
        elif style._link:
            return _TEXTUAL_RENDER(strip, console)
        else:
            wanted = style_state(style, color_system)
        if wanted != state:
            parts.append(transition(state, wanted))
            state = wanted
        parts.append(text)
    if state != DEFAULT:
        parts.append(RESET)
    rendered = strip._render_cache = "".join(parts)
    return rendered

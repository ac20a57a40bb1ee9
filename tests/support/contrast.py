"""Reading what a screen draws, cell by cell, and measuring how well its text stands out.

The contrast test (tests/screens/test_theme_contrast.py) renders every screen in every
built-in theme and fails on text whose colour is too close to its background. It measures the
segments Textual sends to the terminal, so it sees what a person sees: colours that come from
CSS, from Rich styles built in code, or from a widget's cached strips.

Colours are resolved as a terminal would show them. The ANSI themes name the terminal's own
palette ("ansi_blue", "default"), whose real colours belong to the person's terminal; they are
measured against a typical palette of the matching brightness (``TERMINALS``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rich.color import Color, ColorTriplet, blend_rgb
from rich.style import Style
from rich.terminal_theme import DEFAULT_TERMINAL_THEME, MONOKAI, TerminalTheme

# Dark and light themes are read against a dark and a light terminal's palette.
TERMINALS: dict[bool, TerminalTheme] = {True: MONOKAI, False: DEFAULT_TERMINAL_THEME}

# Box-drawing, block and rule characters: they separate and frame, they are not read as text.
LINE_ART = re.compile(r"[\u2500-\u259f\u2800-\u28ff▏▎▍▌▋▊▉█▐▕]")


@dataclass(frozen=True)
class Cell:
    """A run of same-styled characters at (x, y) with its resolved colours."""

    x: int
    y: int
    text: str
    foreground: ColorTriplet
    background: ColorTriplet

    @property
    def ratio(self) -> float:
        return contrast_ratio(self.foreground, self.background)

    def describe(self) -> str:
        fg, bg = self.foreground.hex, self.background.hex
        return f"({self.x},{self.y}) {self.text.strip()[:30]!r} {fg} on {bg}: {self.ratio:.2f}:1"


def relative_luminance(color: ColorTriplet) -> float:
    """WCAG 2 relative luminance of an sRGB colour."""

    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = color
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast_ratio(a: ColorTriplet, b: ColorTriplet) -> float:
    """WCAG 2 contrast ratio, 1 (same colour) to 21 (black on white)."""
    la, lb = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def _resolve(style: Style, terminal: TerminalTheme) -> tuple[ColorTriplet, ColorTriplet]:
    """The colours a terminal shows for `style`: defaults filled in, reverse and dim applied
    (dim as Rich's own SVG export blends it)."""
    fg = (style.color or Color.default()).get_truecolor(terminal, foreground=True)
    bg = (style.bgcolor or Color.default()).get_truecolor(terminal, foreground=False)
    if style.reverse:
        fg, bg = bg, fg
    if style.dim:
        fg = blend_rgb(fg, bg, 0.4)
    return fg, bg


def screen_cells(app) -> list[Cell]:
    """Every non-blank run of characters on the app's screen (modal screens with what shows
    through them), with the colours the terminal would draw it in."""
    terminal = TERMINALS[app.current_theme.dark]
    screen = app.screen
    update = screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    covered = _dialog_cells(screen) if app._background_screens else None
    cells: list[Cell] = []
    for y, line in enumerate(update.strips):
        x = 0
        for strip in line:
            for segment in strip:
                text, style = segment.text, segment.style
                shown = covered is None or (x, y) in covered
                if shown and segment.control is None and text.strip() and style is not None:
                    fg, bg = _resolve(style, terminal)
                    cells.append(Cell(x, y, text, fg, bg))
                x += segment.cell_length
    return cells


def _dialog_cells(screen) -> set[tuple[int, int]]:
    """The cells a dialog's own widgets cover (those with a background of their own: a
    transparent container lets the screen behind show through). The screen behind is faded on
    purpose, and is measured when it is the screen in front."""
    cells: set[tuple[int, int]] = set()
    for widget, (region, clip) in screen._compositor.visible_widgets.items():
        if widget is not screen and widget.styles.background.a > 0:
            region = region.intersection(clip)  # a field cut off at the dialog's edge
            cells.update((x, y) for y in range(region.y, region.bottom) for x in range(region.x, region.right))
    return cells


def low_contrast(app, *, text: float = 3.0, line_art: float = 1.35) -> list[str]:
    """Descriptions of every run drawn below the given ratios: `text` for letters and
    digits, `line_art` for borders and rules (which must still show, if more quietly)."""
    problems: list[str] = []
    for cell in screen_cells(app):
        letters = LINE_ART.sub("", cell.text).strip()
        minimum = text if letters else line_art
        if cell.ratio < minimum:
            problems.append(cell.describe())
    return problems

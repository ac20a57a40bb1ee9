"""A component class's colours resolved against the background it is actually drawn on.

Line-API widgets (cards, the inbox, search results, the timeline) draw parts of a line (a
date, initials, a value) over the line's own background: a card, a cursor, a header. Textual's
`get_component_rich_style(partial=True)` gives a part's colour unresolved: `$text-muted` is
"auto 60%", which means "a contrasting colour at 60%", and unresolved it comes out as plain
white, so the light theme drew white dates on white cards. Its full style resolves the colour
against the component's own background instead, which is not the line's either (the cursor).

`PartStyles` resolves a part's colour as Textual resolves a widget's own: `auto` becomes the
text colour that contrasts with the background underneath, a colour with alpha is blended
over it, and a colour that would still read below 3:1 there (an accent on a tint of itself)
gives way to the background's contrasting text colour. Results are cached per (part, background) and the cache is dropped when the theme
or styles change (the owner calls `clear` from `notify_style_update`).

In the ANSI themes colours are the terminal's palette and cannot be blended, so a part's
background with alpha becomes solid ("$accent 35%" is plain green) and a coloured part over
it may vanish (green value on the green cursor). There a part laid over a *highlight* keeps
only its text style (bold, underline…) and the highlight's own text colour.
"""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from textual.color import Color
from textual.widget import Widget


MIN_CONTRAST = 3.0  # WCAG ratio below which a coloured part gives way to plain text colour


def _contrast(a: Color, b: Color) -> float:
    """WCAG contrast ratio of two resolved (RGB) colours; ANSI colours count as readable
    (their real colours are the terminal's)."""
    if a.ansi is not None or b.ansi is not None:
        return 21.0

    def luminance(color: Color) -> float:
        def channel(value: int) -> float:
            c = value / 255
            return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

        return 0.2126 * channel(color.r) + 0.7152 * channel(color.g) + 0.0722 * channel(color.b)

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


class PartStyles:
    """Resolved styles of a widget's component classes, over given backgrounds."""

    def __init__(self, widget: Widget) -> None:
        self._widget = widget
        self._cache: dict[tuple[str, Style, bool], Style] = {}

    def clear(self) -> None:
        self._cache.clear()

    def over(self, base: Style, name: str, *, highlight: bool = False) -> Style:
        """`base` (a style with the background the part sits on) with component `name`'s
        colour and text style laid over it. `highlight`: `base` is a cursor or selection."""
        key = (name, base, highlight)
        found = self._cache.get(key)
        if found is None:
            found = self._cache[key] = self._resolve(base, name, highlight)
        return found

    def fg(self, base: Style, name: str, *, highlight: bool = False) -> Style:
        """Only the part's colour and text style (resolved over `base`), no background: for
        lines whose background is laid under them later (the cursor's or the row's)."""
        full = self.over(base, name, highlight=highlight)
        return Style(color=full.color, bold=full.bold, italic=full.italic, underline=full.underline,
                     dim=full.dim, strike=full.strike, reverse=full.reverse)

    def _resolve(self, base: Style, name: str, highlight: bool) -> Style:
        widget = self._widget
        styles = widget.get_component_styles(name)
        if highlight and widget.app.current_theme.ansi:
            return base + styles.text_style
        if base.bgcolor is not None:
            background = Color.from_rich_color(base.bgcolor)
        else:
            background = widget.background_colors[1]
        if styles.has_rule("background"):
            background = background + styles.background
        color = None
        if styles.has_rule("color") or styles.auto_color:
            wanted = styles.color
            if styles.auto_color or wanted.auto:
                resolved = background.get_contrast_text(wanted.a)
            else:
                resolved = background + wanted
                if _contrast(resolved, background) < MIN_CONTRAST:
                    # An accent on a tint of itself (a match on the cursor): readable first.
                    resolved = background.get_contrast_text(0.87)
            color = resolved.rich_color
        bgcolor = background.rich_color if styles.has_rule("background") else None
        return base + Style.from_color(color, bgcolor) + styles.text_style


def keep_readable(segments, base: Style) -> list[Segment]:
    """`segments` drawn over `base`'s background (a cursor laid under lines drawn for the
    plain background): a segment whose colour reads below 3:1 there takes the background's
    contrasting text colour, keeping its bold, italic and underline."""
    if base.bgcolor is None or base.bgcolor.triplet is None:
        return list(segments)  # the terminal's own colours: nothing to measure
    background = Color.from_rich_color(base.bgcolor)
    plain = background.get_contrast_text(0.87).rich_color
    out = []
    for segment in segments:
        style = segment.style
        color = style.color if style is not None else None
        if color is not None and color.triplet is not None and \
                _contrast(Color.from_rich_color(color), background) < MIN_CONTRAST:
            segment = Segment(segment.text, style + Style(color=plain), segment.control)
        out.append(segment)
    return out

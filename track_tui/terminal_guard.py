"""The last line of defence: no control character in any widget's text reaches the terminal.

Screens and widgets make data text safe where they build it (`safe_text.safe_line`, so widths
are measured on what is drawn). This guard is for the place someone forgets: every line Textual
writes to the terminal — whichever widget drew it, Textual's own included — is turned into bytes
by `Strip.render`, and here that first checks each segment's text (and hyperlink target) and
renders a segment that holds a control character, ESC, DEL, a C1 control, a bidi override or a
lone surrogate with those characters shown as symbols instead. The line is then cut back to the
width it was laid out with (Rich measures controls as zero cells, their symbols take one), so a
missed spot costs a few cells at the end of one line, never the layout of the screen.

Clean text costs one `str.isprintable` per segment (called from C) and one substring search of
the rendered line, once per strip (Textual caches what a strip renders to);
`bench/bench_terminal.py` measures it on a card move and a cursor step.
"""

from __future__ import annotations

from operator import itemgetter
from typing import Any, Callable

from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from .compact_render import render_strip
from .safe_text import is_safe, safe_line

_UNGUARDED: Callable[[Strip, Any], str] = render_strip  # only style changes are sent (compact_render.py)
_HYPERLINK = "\x1b]8;"  # how a segment's link starts in what Rich renders
_text = itemgetter(0)


def _unsafe(segments: list[Segment]) -> bool:
    for text, style, _control in segments:
        if not text.isprintable() and not is_safe(text):
            return True
        if style is not None and style._link and not is_safe(style._link):
            return True
    return False


def _safe_style(style: Style | None) -> Style | None:
    if style is not None and style._link and not is_safe(style._link):
        return style.update_link(None)
    return style


def guarded_render(self: Strip, console: Any) -> str:
    """`Strip.render`, with every unsafe character of the strip's text drawn as a symbol.

    The common case is checked at C speed: every segment's text printable, and no hyperlink in
    what was rendered; only a strip that fails that is looked at segment by segment."""
    if self._render_cache is not None:
        return self._render_cache
    if all(map(str.isprintable, map(_text, self._segments))):
        rendered = _UNGUARDED(self, console)
        if _HYPERLINK not in rendered:
            return rendered
    if _unsafe(self._segments):
        width = self.cell_length
        clean = Strip(
            [Segment(safe_line(text), _safe_style(style)) for text, style, _control in self._segments]
        ).adjust_cell_length(width)
        self._render_cache = _UNGUARDED(clean, console)
    return _UNGUARDED(self, console)  # the cached text: the safe one, or the checked one


def install() -> None:
    """Route every strip Textual writes through the guard (idempotent)."""
    Strip.render = guarded_render  # type: ignore[method-assign]


def uninstall() -> None:
    """Rendering without the guard (for benchmarks that compare the two)."""
    Strip.render = _UNGUARDED  # type: ignore[method-assign]


install()

"""Work-arounds for known Textual defects, applied once when the app module is imported.

Each one names the upstream issue; remove it when the pinned Textual release fixes it.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from textual._styles_cache import StylesCache
from textual.color import Color

_UNCACHED = getattr(StylesCache.get_inner_outer, "__wrapped__", None)


@lru_cache(1024)
def _inner_outer(base_background: Color, background: Color) -> Any:
    assert _UNCACHED is not None
    return _UNCACHED(None, base_background, background)  # its first parameter is unused


def _get_inner_outer(self: StylesCache, base_background: Color, background: Color) -> Any:
    return _inner_outer(base_background, background)


def apply() -> None:
    """Textualize/textual#6665: `StylesCache.get_inner_outer` is an `lru_cache` on an instance
    method, so its cache keeps up to 1,024 dead widgets' style caches (and every strip they
    drew) alive. Here that made each record page opened leave ~6,000 objects behind and full
    garbage collections take 100 ms mid-draw. The result depends only on the two colours, so
    cache on those."""
    if _UNCACHED is not None:
        StylesCache.get_inner_outer = _get_inner_outer  # type: ignore[method-assign]


apply()

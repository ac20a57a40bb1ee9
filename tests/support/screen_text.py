"""The characters on an app's screen, line by line (what a person reads, without colours)."""

from __future__ import annotations


def screen_lines(app) -> list[str]:
    return ["".join(segment.text for segment in strip) for strip in app.screen._compositor.render_strips()]

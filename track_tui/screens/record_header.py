"""The record page's fact line ("$12,000 · Proposal · closes 12 Dec (in 11 days) · Delta · owner
Mia Chen") fitted to a width: a terminal 80 columns wide must not lose the owner off the end.

Each fact has a rank (0: most useful) and may have a shorter form. To fit, the least useful
facts first take their short form, then the least useful are left out, and only when the one
fact left is still too wide is it cut — at a word, with an ellipsis, never mid-word. Pure (no
Textual): the screen measures, this decides.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.cells import cell_len

SEPARATOR = " · "
ELLIPSIS = "…"


@dataclass(frozen=True)
class Fact:
    text: str
    rank: int  # 0 is the most useful: left out last
    short: str | None = None  # a shorter form, tried before the fact is left out


def _joined(facts: list[Fact], short: set[int]) -> str:
    return SEPARATOR.join(f.short if i in short and f.short else f.text for i, f in enumerate(facts))


def cut_at_word(text: str, width: int) -> str:
    """`text` within `width` cells: whole, or up to the last word that fits and an ellipsis."""
    if cell_len(text) <= width:
        return text
    if width <= 1:
        return ELLIPSIS[:width]
    room = width - cell_len(ELLIPSIS)
    words, kept = text.split(" "), ""
    for word in words:
        candidate = f"{kept} {word}" if kept else word
        if cell_len(candidate) > room:
            break
        kept = candidate
    if not kept:  # not even the first word fits: its first letters, marked as cut
        for char in text:
            if cell_len(kept + char) > room:
                break
            kept += char
    return kept.rstrip(" ·") + ELLIPSIS


def fit_facts(facts: list[Fact], width: int) -> str:
    """The facts in their order, joined, within `width` cells (see the module's docs)."""
    facts = [f for f in facts if f.text]
    if not facts or width <= 0:
        return ""
    by_use = sorted(range(len(facts)), key=lambda i: (-facts[i].rank, -i))  # least useful first
    short: set[int] = set()
    for index in [None, *by_use]:
        if index is not None and facts[index].short:
            short.add(index)
        line = _joined(facts, short)
        if cell_len(line) <= width:
            return line
    kept = list(range(len(facts)))
    for index in by_use[:-1]:  # leave out the least useful, never the last one
        kept.remove(index)
        line = SEPARATOR.join(facts[i].short or facts[i].text for i in kept)
        if cell_len(line) <= width:
            return line
    only = facts[kept[0]]
    return cut_at_word(only.short or only.text, width)

"""Fitting the record page's fact line to the terminal (screens/record_header.py)."""

from __future__ import annotations

from rich.cells import cell_len

from track_tui.screens.record_header import Fact, cut_at_word, fit_facts

DEAL = [
    Fact("$48,000.00", 0), Fact("Proposal", 1),
    Fact("closes 12 Dec (in 11 days)", 3, short="closes 12 Dec"),
    Fact("Delta Systems Gulf", 4), Fact("owner Mia Chen", 2, short="owner Mia"),
]


def test_everything_is_shown_when_it_fits():
    assert fit_facts(DEAL, 120) == "$48,000.00 · Proposal · closes 12 Dec (in 11 days) · Delta Systems Gulf · owner Mia Chen"


def test_the_least_useful_facts_take_their_short_form_first():
    line = fit_facts(DEAL, 78)  # 80 columns less the header's padding
    assert line == "$48,000.00 · Proposal · closes 12 Dec · Delta Systems Gulf · owner Mia Chen"


def test_then_the_least_useful_are_left_out_and_the_owner_stays():
    assert fit_facts(DEAL, 60) == "$48,000.00 · Proposal · closes 12 Dec · owner Mia"
    assert fit_facts(DEAL, 40) == "$48,000.00 · Proposal · owner Mia"
    assert fit_facts(DEAL, 12) == "$48,000.00"


def test_a_line_never_overflows_and_is_never_cut_mid_word_without_an_ellipsis():
    for width in range(0, 130):
        line = fit_facts(DEAL, width)
        assert cell_len(line) <= width
        if line and not line.endswith("…"):
            assert all(part in {f.text for f in DEAL} | {f.short for f in DEAL} for part in line.split(" · "))


def test_one_fact_too_wide_is_cut_at_a_word_with_an_ellipsis():
    assert fit_facts([Fact("Kaisha Holdings International", 0)], 20) == "Kaisha Holdings…"
    assert cut_at_word("Supercalifragilistic", 8) == "Superca…"
    assert cut_at_word("short", 10) == "short"
    assert cut_at_word("ab", 1) == "…"


def test_wide_characters_are_measured_in_cells():
    line = fit_facts([Fact("東京パイロット案件", 0), Fact("owner 佐藤", 2)], 20)
    assert cell_len(line) <= 20 and line == "東京パイロット案件"


def test_empty_facts_are_skipped():
    assert fit_facts([Fact("", 0), Fact("Lead", 1)], 30) == "Lead"
    assert fit_facts([], 30) == ""

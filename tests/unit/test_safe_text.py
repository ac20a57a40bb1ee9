"""The sanitiser: every control shown as a symbol, nothing else touched, cheap on clean text."""

from __future__ import annotations

import pytest

from track_tui.safe_text import (
    BIDI_CONTROLS, DEL_PICTURE, LINE_BREAK_PICTURE, REPLACEMENT, clean_typed_text, control_name,
    describe_removed, is_safe, safe_block, safe_line,
)

C0 = [chr(code) for code in range(0x20)]
C1 = [chr(code) for code in range(0x80, 0xA0)]
UNSAFE = [*C0, "\x7f", *C1, *BIDI_CONTROLS, "\u2028", "\u2029", "\ud800", "\udfff"]


def _terminal_safe(text: str, *, newline_ok: bool = False) -> bool:
    """No character a terminal acts on (the property everything here exists for)."""
    bad = set(UNSAFE) - ({"\n"} if newline_ok else set())
    return not any(char in bad for char in text)


@pytest.mark.parametrize("char", [c for c in C0 if c != "\t"])
def test_every_c0_control_becomes_its_control_picture(char):
    assert safe_line(f"a{char}b") == f"a{chr(0x2400 + ord(char))}b"


def test_escape_bell_and_carriage_return_read_as_what_they_are():
    assert safe_line("\x1b]0;pwned\x07\r") == "␛]0;pwned␇␍"


def test_tab_in_one_line_is_a_space():
    assert safe_line("Call\tBob") == "Call Bob"


def test_del_becomes_its_picture():
    assert safe_line("x\x7fy") == f"x{DEL_PICTURE}y"


@pytest.mark.parametrize("char", C1)
def test_every_c1_control_becomes_the_replacement_character(char):
    assert safe_line(f"a{char}31m") == f"a{REPLACEMENT}31m"


@pytest.mark.parametrize("char", list(BIDI_CONTROLS))
def test_bidi_embeddings_overrides_and_isolates_are_replaced(char):
    assert safe_line(f"exe.{char}gnp") == f"exe.{REPLACEMENT}gnp"


def test_bidi_marks_zero_width_joiners_and_other_scripts_stay():
    kept = "\u200fשלום\u200e · 👨\u200d👩\u200d👧 · می\u200cخواهم · 名前 · Ünïcødé · a\u00a0b · soft\u00adhyphen"
    assert safe_line(kept) == kept


def test_lone_surrogates_are_replaced():
    assert safe_line("a\ud83db") == f"a{REPLACEMENT}b"


def test_unicode_line_separators_are_shown_in_one_line():
    assert safe_line("a\u2028b\u2029c") == f"a{LINE_BREAK_PICTURE}b{LINE_BREAK_PICTURE}c"


@pytest.mark.parametrize("char", UNSAFE)
def test_one_line_replaces_one_character_by_one(char):
    text = f"ab{char}cd{char}"
    result = safe_line(text)
    assert len(result) == len(text)
    assert _terminal_safe(result)
    assert result[:2] == "ab" and result[3:5] == "cd"


def test_clean_text_is_returned_as_it_is():
    text = "Acme renewal — Q3 (€12k)"
    assert safe_line(text) is text
    assert safe_block(text) is text


@pytest.mark.parametrize("text", [
    "\x1b]52;c;SGVsbG8=\x07\x1b]0;pwned\x07Deal", "\x1b[2J", "\x1b[6n", "\x1bPq\x1b\\", "\x9b31m",
    "\x07\x08\r", "a\r\nb\tc", "\u202eabc", "".join(UNSAFE),
])
def test_both_are_idempotent(text):
    assert safe_line(safe_line(text)) == safe_line(text)
    assert safe_block(safe_block(text)) == safe_block(text)


def test_a_block_keeps_newlines_and_shows_every_other_control():
    text = "".join(UNSAFE)
    result = safe_block(text)
    assert _terminal_safe(result, newline_ok=True)
    assert result.count("\n") == 3  # LF, U+2028, U+2029 (CR is shown; CRLF is one break)


def test_a_block_reads_crlf_and_unicode_separators_as_newlines_and_shows_a_lone_cr():
    assert safe_block("one\r\ntwo\u2028three\u2029four\rfive") == "one\ntwo\nthree\nfour␍five"


def test_a_block_expands_tabs_to_stops_of_four():
    assert safe_block("a\tb\n\tc\nabcd\te") == "a   b\n    c\nabcd    e"


def test_a_block_does_not_split_on_the_other_line_breaks_python_knows():
    # str.splitlines() would split on these; a view that splits the result on "\n" must not.
    result = safe_block("a\x0bb\x0cc\x1cd\x85e")
    assert "\n" not in result and _terminal_safe(result)


def test_is_safe_agrees_with_safe_line():
    for text in ["plain", "nbsp\u00a0", "zwj\u200d", *UNSAFE]:
        assert is_safe(text) == (safe_line(text) == text)


def test_control_names():
    assert [control_name(c) for c in ("\x00", "\x07", "\x1b", "\x7f", "\x9b", "\u202e")] == [
        "NUL", "BEL", "ESC", "DEL", "U+009B", "U+202E",
    ]


def test_typed_text_keeps_newlines_and_tabs_and_says_what_it_removed():
    clean, removed = clean_typed_text("Hi\x1b[2J\r\nthere\x07\x07\tok\x9b\u202e\rend")
    assert clean == "Hi[2J\nthere\tok\nend"
    assert removed == {"ESC": 1, "BEL": 2, "U+009B": 1, "U+202E": 1}
    assert describe_removed(removed) == "5 control characters (BEL ×2, ESC, U+009B, U+202E)"


def test_clean_typed_text_removes_nothing_from_clean_text():
    assert clean_typed_text("a note\nwith\tlines") == ("a note\nwith\tlines", {})


def test_one_removed_character_is_singular():
    assert describe_removed(clean_typed_text("\x1b")[1]) == "1 control character (ESC)"

"""Text from the data, made safe to put on a terminal.

Every string that comes from the workspace (names, notes, task titles, custom fields, stage and
board names… — soon typed by other people and arriving over sync) passes through here before it
is drawn or printed. A terminal treats some characters as commands: ESC starts sequences that
write the clipboard (OSC 52), retitle the window (OSC 0), clear the screen (CSI 2J) or make the
terminal type an answer into our input (CSI 6n); C1 controls such as U+009B are the same
commands in one character; BEL, BS and CR ring, move the cursor back or overwrite the line.
Here none of them is ever sent: each becomes a visible symbol, so a reviewer sees that the text
holds something odd instead of having it act on their terminal.

What becomes what (documented in the README too):

- C0 controls U+0000–U+001F become their Unicode Control Picture (U+2400 + code: ESC → ␛,
  BEL → ␇, CR → ␍, LF → ␊), and DEL becomes ␡ (U+2421). The Control Pictures block is made for
  exactly this, its symbols are one cell wide and the symbol names the character it stands for.
- C1 controls U+0080–U+009F have no pictures; they become U+FFFD (�), as do lone surrogates
  (a terminal write of one raises UnicodeEncodeError, which would end the app).
- Bidirectional embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069) become U+FFFD
  too. On terminals that lay out right-to-left text (VTE, Konsole, mlterm) one of these reorders
  everything after it to the end of the line, which is our own text in the next columns: a name
  could make the value beside it read backwards, or hide what it is ("Trojan Source"). The
  bidi *marks* (LRM, RLM, ALM) only place neutral characters next to them and real right-to-left
  text needs them, so they stay.
- Zero-width characters (ZWSP, ZWJ, ZWNJ, word joiner, BOM, soft hyphen, tag characters) stay.
  Terminals print them as (zero-width) characters, never as commands, and ZWJ/ZWNJ are part of
  emoji and of Indic and Persian spelling; they can make two names look alike, which is a
  matter for whoever compares names, not for the terminal.
- Tab: in one line it becomes one space (its meaning, a gap, survives; a real tab would jump to
  the terminal's next tab stop and break the layout that was measured with it as zero cells).
  In a multi-line view it is expanded to spaces (tab stops every 4 columns).
- Newline: kept only by `safe_block`, for views that show several lines (notes, bodies). There
  CRLF and U+2028/U+2029 are line breaks too; a lone CR is shown as ␍. In one line (`safe_line`)
  LF is ␊ and U+2028/U+2029 are ␤.

`safe_line` replaces one character by exactly one character, so offsets into the text (search
match spans, an input's cursor) stay valid, and it is idempotent. Clean text — nearly all of
it — is returned as it is after one C-level test (`str.isprintable`), which is why it can run
for every drawn line. This module imports nothing from Textual or Rich: the command line uses
it for what it prints.

`clean_typed_text` is the other direction: text coming *in* from outside the app (the file an
editor wrote) keeps newlines and tabs and loses every other control, and says what it removed.
"""

from __future__ import annotations

import re
from collections import Counter

REPLACEMENT = "\ufffd"  # �
LINE_BREAK_PICTURE = "\u2424"  # ␤ (SYMBOL FOR NEWLINE), for U+2028/U+2029 within one line
DEL_PICTURE = "\u2421"  # ␡

BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"

# Every character that is not drawn as itself. Everything else in a string is left alone.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029" + BIDI_CONTROLS + "\ud800-\udfff]")
# The same, less newline, for multi-line text (CR and tab are handled before this runs).
_UNSAFE_IN_BLOCK = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f" + BIDI_CONTROLS + "\ud800-\udfff]")
_LINE_BREAKS = re.compile("\r\n|[\u2028\u2029]")
_TAB_STOP = 4


def _picture(char: str) -> str:
    code = ord(char)
    if code < 0x20:
        return chr(0x2400 + code)
    if code == 0x7F:
        return DEL_PICTURE
    if char in "\u2028\u2029":
        return LINE_BREAK_PICTURE
    return REPLACEMENT


# One table for every unsafe character `safe_line` can meet (BMP-only, so it is small).
_LINE_TABLE: dict[str, str] = {
    chr(code): _picture(chr(code))
    for code in (*range(0x00, 0x20), *range(0x7F, 0xA0), 0x2028, 0x2029, *map(ord, BIDI_CONTROLS))
}
_LINE_TABLE["\t"] = " "


def _line_char(match: re.Match[str]) -> str:
    return _LINE_TABLE.get(match.group(), REPLACEMENT)  # not in the table: a lone surrogate


def safe_line(text: str) -> str:
    """`text` as one line that is safe to draw: every control shown as a visible symbol.

    One character in, one character out (see the module's docs for which symbol stands for
    what), so positions in `text` are positions in the result.
    """
    if text.isprintable():  # all clean text; NBSP and friends take the slower way and stay
        return text
    return _UNSAFE.sub(_line_char, text)


def safe_block(text: str) -> str:
    """`text` for a view that shows several lines: newlines kept, tabs expanded, CRLF and the
    Unicode line/paragraph separators read as newlines; every other control made visible."""
    if text.isprintable():
        return text
    text = _LINE_BREAKS.sub("\n", text)
    if "\t" in text:
        text = "\n".join(line.expandtabs(_TAB_STOP) for line in text.split("\n"))
    return _UNSAFE_IN_BLOCK.sub(_line_char, text)


def is_safe(text: str) -> bool:
    """True when `text` can go to a terminal as it is (one line: no newline either)."""
    return text.isprintable() or _UNSAFE.search(text) is None


_C0_NAMES = (
    "NUL SOH STX ETX EOT ENQ ACK BEL BS TAB LF VT FF CR SO SI "
    "DLE DC1 DC2 DC3 DC4 NAK SYN ETB CAN EM SUB ESC FS GS RS US"
).split()


def control_name(char: str) -> str:
    """A person's short name for a control character: 'ESC', 'BEL', 'DEL', 'U+009B'."""
    code = ord(char)
    if code < 0x20:
        return _C0_NAMES[code]
    return "DEL" if code == 0x7F else f"U+{code:04X}"


# What text coming in loses: the controls of a block, less tab (kept as typed).
_UNSAFE_TYPED = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f" + BIDI_CONTROLS + "\ud800-\udfff]")


def clean_typed_text(text: str) -> tuple[str, Counter[str]]:
    """Text from outside the app (an editor's file) with newlines and tabs kept, CRLF and lone
    CR read as newlines, and every other control character removed.

    Returns the clean text and what was removed (short name → count, e.g. {'ESC': 2}), so the
    caller can say so instead of storing control codes by accident or dropping them silently.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    removed: Counter[str] = Counter()
    if text.isprintable():
        return text, removed

    def drop(match: re.Match[str]) -> str:
        removed[control_name(match.group())] += 1
        return ""

    return _UNSAFE_TYPED.sub(drop, text), removed


def describe_removed(removed: Counter[str]) -> str:
    """'3 control characters (ESC ×2, BEL)' for a message."""
    total = sum(removed.values())
    parts = ", ".join(f"{name} ×{count}" if count > 1 else name for name, count in removed.most_common())
    return f"{total} control character{'s' if total != 1 else ''} ({parts})"

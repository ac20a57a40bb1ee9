"""Type-to-jump for every option list in a dialog or picker: typing letters moves the highlight to
the next option whose text starts with them.

Applied in one place — the app's key handler calls :func:`handle_key` before bindings are looked
at — so every `OptionList` (and `SelectionList`, which is one) on a modal screen has it, today's
and tomorrow's, with nothing to remember when a dialog is written. A key that a binding of the
screen claims (a picker's `b` that closes it, `space` that toggles a selection) keeps doing that;
so does any key outside a dialog, where letters are the screen's commands.

How it reads what is typed: letters typed within :data:`PAUSE` seconds of each other build one
prefix (`ne` → "Negotiation"); the same letter again moves on to the next option starting with
it (`n`, `n` → "Negotiation", then "No decision"). Case and accents are ignored, and so are the
markers a prompt starts with ("● ", "▐X▌ ").
"""

from __future__ import annotations

import re
import time
import unicodedata

from textual import events
from textual.screen import ModalScreen
from textual.widgets import OptionList

PAUSE = 0.8  # seconds between keys that still continue one prefix
clock = time.monotonic  # when a key was typed (a test sets its own)

_LEADING_MARKS = re.compile(r"^[\W_]+")


def handle_key(event: events.Key, focused: object) -> bool:
    """Jump in the focused option list when `event` is a letter no binding wants; True if it did."""
    if not isinstance(focused, OptionList) or not isinstance(focused.screen, ModalScreen):
        return False
    character = event.character
    if not event.is_printable or not character or event.key in focused.screen.active_bindings:
        return False
    return jump(focused, character, clock())


def jump(option_list: OptionList, character: str, now: float) -> bool:
    """Move the highlight for one typed character at time `now`; True when the key was used."""
    state: tuple[str, float] = getattr(option_list, "_type_to_jump", ("", 0.0))
    typed, last = state
    if now - last > PAUSE:
        typed = ""
    if not typed and character.isspace():
        return False  # a space only continues a prefix ("no d" → "No decision")
    typed += fold(character)
    labels = [_label(option_list, index) for index in range(option_list.option_count)]
    start = option_list.highlighted if option_list.highlighted is not None else -1
    # A longer prefix may still match the option under the cursor; one letter moves on from it.
    target = _find(labels, typed, start if len(typed) > 1 else start + 1)
    if target is None and len(set(typed)) == 1:  # "nn": the next option starting with "n"
        typed = typed[0]
        target = _find(labels, typed, start + 1)
    option_list._type_to_jump = (typed, now)  # type: ignore[attr-defined]
    if target is not None:
        option_list.highlighted = target
    return True  # a letter in a list is never anything else: used even when nothing matches


def _find(labels: list[str | None], prefix: str, start: int) -> int | None:
    count = len(labels)
    for step in range(count):
        index = (max(start, 0) + step) % count
        label = labels[index]
        if label is not None and label.startswith(prefix):
            return index
    return None


def _label(option_list: OptionList, index: int) -> str | None:
    """The option's text as a person reads its start (None: a disabled option, never a target)."""
    option = option_list.get_option_at_index(index)
    if option.disabled:
        return None
    prompt = option.prompt
    text = prompt.plain if hasattr(prompt, "plain") else str(prompt)
    return fold(_LEADING_MARKS.sub("", text.strip()))


def fold(text: str) -> str:
    """Lower case without accents: "Émile" and "emile" start the same."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()

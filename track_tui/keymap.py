"""Checking the `[keymap]` setting against the app's bindings, before the app starts.

Textual applies a keymap without complaint: an unknown binding id, a misspelt key or an empty
entry silently do nothing, and a key that another binding of the same screen already has quietly
takes it over (remap something to `q` and quitting stops working). :func:`keymap_problems`
finds each of these and names the entry, so start-up can refuse the setting with a message.

"The same screen" is what is bound while that screen is shown: the app's bindings and the
screen's own (with the classes it inherits from, Textual's included) are always in force there;
the bindings of our widgets that the screen's module uses (the timeline's) apply while that
widget has the focus, so two widgets' keys never clash with each other, only with the app's or
the screen's. Textual's own widgets' keys (an Input's cursor keys, also in our widgets built on
an Input) are left out: they take a key only while they are focused, where typing is what the
person is doing. A binding is only checked
when the keymap moves it; overlaps in the defaults (such as the app's `/` for search, which a
screen's own `/` deliberately shadows) are by design.

Finding the bindings imports every screen module (a few tenths of a second), so it is done only
when a keymap is set; those modules would be imported on first use anyway.
"""

from __future__ import annotations

import difflib
import importlib
import pkgutil
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable

from textual.app import App
from textual.binding import Binding
from textual.keys import REPLACED_KEYS, Keys, _character_to_key, key_to_character
from textual.screen import Screen
from textual.widget import Widget

MODIFIERS = frozenset({"ctrl", "shift", "alt", "meta", "super", "hyper"})
_NAMED_KEYS = frozenset(
    key.value.rsplit("+", 1)[-1] for key in Keys if not key.value.startswith("<")
) | frozenset(REPLACED_KEYS)


@dataclass(frozen=True)
class BoundKey:
    """One key of one binding, where it applies."""

    binding_id: str | None
    key: str
    action: str
    description: str
    focused_only: bool = False  # a widget's binding: in force while that widget has the focus

    @property
    def name(self) -> str:
        label = self.binding_id or self.action
        return f"{label} ({self.description})" if self.description else label


@dataclass(frozen=True)
class Scope:
    """The bindings in force on one screen."""

    name: str
    bindings: tuple[BoundKey, ...]


def keymap_problems(keymap: dict[str, str]) -> list[tuple[str, str]]:
    """Every problem of `keymap`, as (binding id, what is wrong), in the keymap's order."""
    scopes = binding_scopes()
    known = {b.binding_id for scope in scopes for b in scope.bindings if b.binding_id}
    problems: list[tuple[str, str]] = []
    valid: dict[str, list[str]] = {}
    for binding_id, keys in keymap.items():
        if binding_id not in known:
            close = difflib.get_close_matches(binding_id, sorted(known), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else "; `?` in the app lists the ids"
            problems.append((binding_id, f"no binding has this id{hint}"))
            continue
        parsed, problem = parse_keys(keys)
        if problem:
            problems.append((binding_id, problem))
            continue
        valid[binding_id] = parsed
    problems.extend(_clashes(valid, scopes))
    order = list(keymap)
    return sorted(problems, key=lambda item: order.index(item[0]))


def parse_keys(keys: str) -> tuple[list[str], str | None]:
    """`"L,ctrl+right"` → (["L", "ctrl+right"], None); (…, problem) when an entry is unusable."""
    if not keys.strip():
        return [], "no keys given (write one or more, comma-separated, e.g. \"L,ctrl+right\")"
    parsed = []
    for raw in keys.split(","):
        key = raw.strip()
        if not key:
            return [], f"{keys!r} has an empty key between its commas"
        if not is_key(key):
            return [], (f"{key!r} is not a key Textual knows (keys look like L, ctrl+right, f5, "
                        "escape or question_mark; modifiers are ctrl, shift, alt, meta, super)")
        parsed.append(_normal(key))
    return parsed, None


def is_key(key: str) -> bool:
    """A key as Textual names it: modifiers joined by '+', then one key (a character, a named
    key such as `escape` or `f5`, or a character's name such as `question_mark`)."""
    *modifiers, base = key.split("+") if key != "+" else ["+"]
    if any(modifier not in MODIFIERS for modifier in modifiers) or len(set(modifiers)) != len(modifiers):
        return False
    if len(base) == 1:
        return base.isprintable() and not base.isspace()
    return base in _NAMED_KEYS or key_to_character(base) is not None


def _normal(key: str) -> str:
    return _character_to_key(key) if len(key) == 1 else key


def _clashes(keymap: dict[str, list[str]], scopes: Iterable[Scope]) -> list[tuple[str, str]]:
    found: dict[tuple[str, str], str] = {}
    for scope in scopes:
        effective: dict[str, list[BoundKey]] = {}
        for bound in scope.bindings:
            keys = keymap.get(bound.binding_id, [bound.key]) if bound.binding_id else [bound.key]
            for key in dict.fromkeys(keys):
                effective.setdefault(key, []).append(bound)
        for binding_id, keys in keymap.items():
            for key in keys:
                mine = [b for b in scope.bindings if b.binding_id == binding_id]
                if not mine:
                    continue
                widget_only = all(b.focused_only for b in mine)
                others = {
                    b.name for b in effective.get(key, [])
                    if b.binding_id != binding_id and not (widget_only and b.focused_only)
                }
                if others and (binding_id, key) not in found:
                    found[(binding_id, key)] = (
                        f"{key} is already {', '.join(sorted(others))} on the {scope.name} screen")
    return [(binding_id, problem) for (binding_id, _), problem in found.items()]


@lru_cache(1)
def binding_scopes() -> tuple[Scope, ...]:
    """One scope per screen of the app (imports every screen module once)."""
    from . import screens
    from .app import TrackApp

    app_bindings = list(_bound(TrackApp))
    if TrackApp.ENABLE_COMMAND_PALETTE:
        app_bindings.append(BoundKey(None, TrackApp.COMMAND_PALETTE_BINDING, "command_palette", "Command palette"))
    scopes = []
    for info in pkgutil.iter_modules(screens.__path__):
        module = importlib.import_module(f"{screens.__name__}.{info.name}")
        widgets = [
            value for value in vars(module).values()
            if isinstance(value, type) and issubclass(value, Widget) and not issubclass(value, Screen)
            and value.__module__.startswith("track_tui.")
        ]
        for value in vars(module).values():
            if (isinstance(value, type) and issubclass(value, Screen) and value.__module__ == module.__name__
                    and not value.__name__.startswith("_")):
                bindings = [*app_bindings, *_bound(value)]
                for widget in widgets:
                    bindings.extend(_own_bindings(widget))
                scopes.append(Scope(_screen_name(value), tuple(dict.fromkeys(bindings))))
    return tuple(scopes)


def _bound(node: type[App] | type[Widget]) -> Iterable[BoundKey]:
    for key, bindings in node._merge_bindings().key_to_bindings.items():
        for binding in bindings:
            yield _bound_key(binding, key, False)


def _own_bindings(widget: type[Widget]) -> Iterable[BoundKey]:
    """A widget's bindings that our classes declare: a widget built on Textual's Input (say,
    one that draws its text safely) keeps the Input's editing keys out of the check."""
    for cls in widget.__mro__:
        if cls.__module__.startswith("track_tui.") and "BINDINGS" in cls.__dict__:
            for binding in Binding.make_bindings(cls.__dict__["BINDINGS"]):
                yield _bound_key(binding, binding.key, True)


def _bound_key(binding: Binding, key: str, focused_only: bool) -> BoundKey:
    return BoundKey(binding.id, _normal(key), binding.action, binding.description, focused_only)


def _screen_name(screen: type[Screen]) -> str:
    name = screen.__name__.removesuffix("Screen")
    words = "".join(f" {c.lower()}" if c.isupper() else c for c in name).strip()
    return words or screen.__name__

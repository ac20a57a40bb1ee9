"""The footer line: the keys that apply now, as one line of text.

Textual's own Footer builds a widget per key and rebuilds them whenever the bindings change,
which cost a third of a second of start-up here; this draws the same hints as one Text.

The keys of one binding group (`Binding.Group`) share a hint: "K/J Move".

When the hints do not fit (80 columns), hints are left out from the right, except the ones
that lead to everything else: help (`?`), search (`^f`) and the command palette (`^p`). An
ellipsis in the middle of a key would hide exactly those, which came last.
"""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.screen import Screen
from textual.widget import Widget

from ..safe_text import safe_line

ESSENTIAL = frozenset({"app.help", "app.search"})  # binding ids kept at any width, with the palette
GAP = "  "


class KeyHints(Widget):
    DEFAULT_CSS = """
    KeyHints { height: 1; dock: bottom; background: $footer-background; padding: 0 1; }
    """
    COMPONENT_CLASSES = {"key-hints--key", "key-hints--description"}
    DEFAULT_CLASSES = ""

    def __init__(self) -> None:
        super().__init__()
        self._shown: list[tuple[str, str, bool]] | None = None  # the hints last drawn

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen) -> None:
        """Redrawn only when the hints differ: the screen says its bindings changed after
        every focus change (a page's first focus among them), mostly with the same keys."""
        if self.is_attached and screen is self.screen and self._hints() != self._shown:
            self.refresh()

    def _hints(self) -> list[tuple[str, str, bool]]:
        """(key, description, essential) of each key that applies now, in the screen's order."""
        hints: list[tuple[str, str, bool]] = []
        groups: dict[Binding.Group, int] = {}  # a binding group → its hint (the group's keys share one)
        seen: set[str] = set()
        for key, (node, binding, enabled, _tooltip) in self.screen.active_bindings.items():
            if not binding.show and node is not self.screen:
                binding, enabled = self._screens_own(key, binding, enabled)
            if not binding.show or not enabled or binding.action in seen:
                continue
            seen.add(binding.action)
            key = self.app.get_key_display(binding)
            if binding.group is not None and binding.group in groups:
                # one hint for a group's keys, as they are bound now (a keymap moves them, and
                # the order of the keys with it): "K/J Move", where the group's first key came
                at = groups[binding.group]
                first_key, description, essential = hints[at]
                hints[at] = (f"{first_key}/{key}", description, essential or binding.id in ESSENTIAL)
                continue
            if binding.group is not None:
                groups[binding.group] = len(hints)
            description = binding.group.description if binding.group is not None else binding.description
            hints.append((key, description, binding.id in ESSENTIAL))
        return hints

    def render(self) -> Text:
        key_style = self.get_component_rich_style("key-hints--key", partial=True)
        text_style = self.get_component_rich_style("key-hints--description", partial=True)
        self._shown = shown = self._hints()
        items: list[tuple[Text, bool]] = []  # (hint, essential)
        for key, description, essential in shown:
            hint = Text(safe_line(key), style=key_style)  # keys come from the config
            hint.append(f" {safe_line(description)}", style=text_style)
            items.append((hint, essential))
        if self.app.ENABLE_COMMAND_PALETTE:
            palette = self.app.COMMAND_PALETTE_BINDING.replace("ctrl+", "^")
            items.append((Text(f"{palette} palette", style=text_style), True))
        width = self.content_region.width or self.size.width
        hints = Text(no_wrap=True, overflow="ellipsis")
        for hint in fitted(items, width):
            if hints:
                hints.append(GAP)
            hints.append_text(hint)
        return hints


    def _screens_own(self, key: str, binding, enabled: bool):
        """The screen's shown binding of a key a focused widget takes with a hidden one: a list's
        Enter selects, and the screen acts on the selection (the automations' Enter opens the run
        log). The widget's hidden binding won the key, and the screen's word for it went unshown."""
        screen = self.screen
        try:
            own = screen._bindings.get_bindings_for_key(key)
        except Exception:  # NoBinding: the screen does not bind the key
            return binding, enabled
        for candidate in own:
            if candidate.show:
                return candidate, enabled and screen.check_action(candidate.action, ()) is not False
        return binding, enabled


def fitted(items: list[tuple[Text, bool]], width: int) -> list[Text]:
    """The hints that fit in `width` cells, in their order: the rightmost non-essential hint
    goes first while the line is too long (`width` 0: not laid out yet, all of them)."""
    kept = list(items)

    def length() -> int:
        return sum(hint.cell_len for hint, _ in kept) + len(GAP) * max(0, len(kept) - 1)

    while width and length() > width:
        droppable = [i for i, (_, essential) in enumerate(kept) if not essential]
        if not droppable:
            break
        del kept[droppable[-1]]
    return [hint for hint, _ in kept]

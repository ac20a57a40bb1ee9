"""The footer line: the keys that apply now, as one line of text.

Textual's own Footer builds a widget per key and rebuilds them whenever the bindings change,
which cost a third of a second of start-up here; this draws the same hints as one Text.
"""

from __future__ import annotations

from rich.text import Text
from textual.screen import Screen
from textual.widget import Widget

from ..safe_text import safe_line


class KeyHints(Widget):
    DEFAULT_CSS = """
    KeyHints { height: 1; dock: bottom; background: $footer-background; padding: 0 1; }
    """
    COMPONENT_CLASSES = {"key-hints--key", "key-hints--description"}
    DEFAULT_CLASSES = ""

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen) -> None:
        if self.is_attached and screen is self.screen:
            self.refresh()

    def render(self) -> Text:
        key_style = self.get_component_rich_style("key-hints--key", partial=True)
        text_style = self.get_component_rich_style("key-hints--description", partial=True)
        hints = Text(no_wrap=True, overflow="ellipsis")
        seen: set[str] = set()
        for _node, binding, enabled, _tooltip in self.screen.active_bindings.values():
            if not binding.show or not enabled or binding.action in seen:
                continue
            seen.add(binding.action)
            if hints:
                hints.append("  ")
            hints.append(safe_line(self.app.get_key_display(binding)), style=key_style)  # keys come from the config
            hints.append(f" {safe_line(binding.description)}", style=text_style)
        palette = self.app.COMMAND_PALETTE_BINDING
        if self.app.ENABLE_COMMAND_PALETTE:
            hints.append(f"  {palette.replace('ctrl+', '^')} palette", style=text_style)
        return hints

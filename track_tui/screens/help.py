"""`?`: the key bindings that apply right now, read live from the screen underneath."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Static

from ..safe_text import safe_line
from .dialog_base import Dialog


class HelpScreen(Dialog[None]):
    """On the Dialog base for its one Escape binding and its frame (a body that scrolls at 80x24,
    the hint line always visible). q and ? close it too; it has nothing to submit or discard."""

    BINDINGS = [Binding("q,question_mark", "cancel", "Close", id="help.close")]
    CONFIRM_DISCARD = False
    WIDE = True

    def __init__(self, underneath: Screen) -> None:
        title = getattr(underneath, "TITLE", None) or type(underneath).__name__
        super().__init__(f"Keys on {title}",
                         hint="Remap a key in the config file's [keymap] by its binding id · Esc closes")
        self.underneath = underneath

    def compose_body(self) -> ComposeResult:
        rows: dict[str, tuple[list[str], str, str]] = {}
        for active in self.underneath.active_bindings.values():
            binding = active.binding
            if not binding.id:  # Textual's own (focus next, copy text…): not ours to document
                continue
            keys, _, _ = rows.setdefault(
                binding.id, ([], binding.tooltip or binding.description or binding.action, binding.id)
            )
            display = safe_line(self.app.get_key_display(binding))  # keys come from the config file
            if display not in keys:
                keys.append(display)
        self.rows = [(" ".join(keys), label, binding_id) for keys, label, binding_id in rows.values()]
        palette = self.app.COMMAND_PALETTE_BINDING.replace("ctrl+", "^")
        self.rows.append((palette, "Command palette: everything this screen can do", ""))
        yield HelpRows(self.rows)

    def on_mount(self) -> None:
        # Nothing in the body takes focus: the body itself does, so ↑↓ and PgUp/PgDn scroll a
        # table longer than the terminal (Dialog.on_mount, run next, finds no field to focus).
        self.query_one("#dialog-body").focus()

    def submit(self) -> None:
        self.dismiss(None)


class HelpRows(Static):
    """The key table: key, what it does, and (when there is room) its binding id."""

    def __init__(self, rows: list[tuple[str, str, str]]) -> None:
        super().__init__()
        self.rows = rows

    def render(self) -> Text:
        width = self.size.width or 80
        key_width = max(len(keys) for keys, _, _ in self.rows) + 2
        id_width = max(len(binding_id) for _, _, binding_id in self.rows) + 2
        show_ids = width >= key_width + 30 + id_width
        label_width = width - key_width - (id_width if show_ids else 0)
        text = Text(no_wrap=True, overflow="ellipsis")
        for index, (keys, label, binding_id) in enumerate(self.rows):
            if index:
                text.append("\n")
            text.append(keys.ljust(key_width), style="bold")
            shown = label if len(label) <= label_width - 1 else label[: label_width - 2] + "…"
            text.append(shown.ljust(label_width))
            if show_ids:
                text.append(binding_id, style="dim")
        return text

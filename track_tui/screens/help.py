"""`?`: the key bindings that apply right now, read live from the screen underneath."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close", id="help.close")]

    def __init__(self, underneath: Screen) -> None:
        super().__init__()
        self.underneath = underneath

    def compose(self) -> ComposeResult:
        table = Table(box=None, show_header=True, header_style="bold", expand=True, pad_edge=False)
        table.add_column("Key", no_wrap=True)
        table.add_column("Action")
        table.add_column("Binding id (remap in config [keymap])", style="dim", no_wrap=True)
        rows: dict[str, tuple[list[str], str, str]] = {}
        for active in self.underneath.active_bindings.values():
            binding = active.binding
            group = binding.id or f"{binding.action}:{binding.description}"
            keys, _, _ = rows.setdefault(group, ([], binding.tooltip or binding.description or binding.action, binding.id or ""))
            display = self.app.get_key_display(binding)
            if display not in keys:
                keys.append(display)
        self.rows = [(" ".join(keys), label, binding_id) for keys, label, binding_id in rows.values()]
        for keys_text, label, binding_id in self.rows:
            table.add_row(Text(keys_text), label, binding_id)
        title = getattr(self.underneath, "TITLE", None) or type(self.underneath).__name__
        with VerticalScroll(id="help-body"):
            yield Static(Text(f"Keys on {title}", style="bold"), classes="dialog-title")
            yield Static(table)
            yield Static("Esc closes · ctrl+p opens the command palette", classes="dialog-hint")

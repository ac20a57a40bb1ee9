"""A value that is another record (a rule's "Company is …", a custom link field's value),
shown by the record's name and chosen with the record picker, never typed as an id.

The widget holds the stored value — a bare id for a built-in link (`company_id`), a
`{"type", "id"}` object for a custom link field — and draws the name it was given. It does not
search: Enter (or a click) posts :class:`LinkValue.PickWanted` and the screen that owns it opens
the picker, then calls :meth:`LinkValue.show` with what was picked; ctrl+d clears the value.
"""

from __future__ import annotations

from typing import Any

from textual.binding import Binding
from textual.message import Message
from textual.widgets import Static

from .plain_text import plain


class LinkValue(Static, can_focus=True):
    """A focusable line showing the linked record; its value is what the rule stores."""

    DEFAULT_CSS = """
    LinkValue { height: 1; padding: 0 2; background: $boost; }
    LinkValue:focus { background: $accent 30%; text-style: bold; }
    """
    BINDINGS = [
        Binding("enter", "pick", "Pick a record", id="link_value.pick"),
        Binding("ctrl+d", "clear", "Clear", id="link_value.clear"),
    ]

    class PickWanted(Message):
        """The person wants to pick the record (the screen opens the picker)."""

        def __init__(self, link: "LinkValue") -> None:
            super().__init__()
            self.link = link

    class Changed(Message):
        """The value changed (picked or cleared)."""

        def __init__(self, link: "LinkValue") -> None:
            super().__init__()
            self.link = link

    def __init__(self, value: Any, name: str | None, *, what: str, id: str | None = None) -> None:
        super().__init__(id=id, markup=False)
        self.value = value
        self.what = what  # "a company", "a record": says what Enter picks when nothing is set
        self.record_name = name

    def on_mount(self) -> None:
        self._draw()

    def _draw(self) -> None:
        if self.value is None:
            self.update(plain(f"(none) — Enter picks {self.what}"))
        else:
            self.update(plain(f"{self.record_name or 'an unknown record'} — Enter picks another · ctrl+d clears"))

    def show(self, value: Any, name: str | None) -> None:
        """Hold `value` (None: no record) and draw `name` for it."""
        self.value, self.record_name = value, name
        self._draw()
        self.post_message(self.Changed(self))

    def action_pick(self) -> None:
        self.post_message(self.PickWanted(self))

    def action_clear(self) -> None:
        self.show(None, None)

    def on_click(self) -> None:
        self.action_pick()

"""`Dialog`: the one base of every modal dialog (board, record page, inbox, pickers, admin).

Writing a dialog is the whole API below:

    class RenameScreen(Dialog[str]):
        def compose_body(self) -> ComposeResult:        # the fields, top to bottom
            yield labelled(SafeInput(value=self.old, id="name"), "Name")

        def submit(self) -> None:                       # Enter in a field, or ctrl+s
            name = self.value("name")
            if not name:
                self.show_error("Name: a name is required", focus="name")
                return
            self.finish(name)                           # runs `save`: closes, or shows its reason

    app.push_screen(RenameScreen("Rename deal", hint="Enter saves · Esc cancels", save=callback,
                                 draft=draft_key("deal", deal_id, "name")), on_result)

What every dialog gets from the base, so no dialog can get it wrong on its own:
- the frame: title line, a body that scrolls when the terminal is short, an error line and the
  hint line that always stay visible (at 80x24 too), the width the terminal has (up to a limit);
- Esc cancels (dismisses with None). When something was typed it first asks, on the error line:
  a second Esc discards. ctrl+s submits. ctrl+c never quits the app from a dialog (the app's
  quit steps aside; in a field it copies);
- focus opens on the first field of the body (or the id in `FOCUS`), and the focused field's
  border label carries a `▸` marker (plus `▸ ` on unlabelled fields), so it reads without colour;
- the error line wraps (never cut) and is drawn through the sanitiser (`PlainLabel`);
- `finish(result)`: calls `save(result)`; None closes the dialog, a reason (or a ValueError from
  the store) is shown and everything typed stays;
- drafts (`draft=` a key from `drafts.draft_key`): the text of every Input and TextArea with an id
  is kept in the drafts file while typing and when the dialog closes without saving; next time
  the dialog opens with it and a line saying so. Saving or a confirmed discard drops it.

Class options: `ENTER_SUBMITS` (default True: Enter in any Input submits; False: Enter moves to
the next field and only ctrl+s submits), `FOCUS` (id of the first field to focus), `WIDE` (a wider
frame for dialogs with text areas), `CONFIRM_DISCARD` (False for pickers, where nothing typed is
worth asking about), `DISCARD_QUESTION` (what the first Esc on a changed dialog says),
`BLOCKS_QUIT` (False for a dialog with nothing underneath it to go back to —
sign-in, the first workspace picker — where ctrl+c and q still quit the app).

A dialog whose state is more than the text of its lines (the rule form's parts, a rule part's
kind and picked records) overrides `has_changes()`, which Esc consults (by default: was anything
typed), and calls `changed()` on an edit the base does not see, so the next Esc asks again.

Screens that are dialogs only in look (the help overlay, a notice) are on the base too, so there
is one Escape binding in the app for "close what floats on top".
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Callable, ClassVar, Generic, TypeVar

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Input, TextArea

from ..drafts import Drafts
from ..widgets.plain_text import PlainLabel, PlainStatic, plain

R = TypeVar("R")
Save = Callable[[Any], "str | None"]

FOCUS_MARK = "▸"
DISCARD_QUESTION = "Esc again discards what you typed · ctrl+s saves it"


def labelled(widget: Widget, label: str) -> Widget:
    """Give a field a label in its border (kept when the field has a value, unlike a
    placeholder). The focused field's label is marked by the dialog."""
    widget.border_title = plain(label)
    widget._dialog_label = label  # type: ignore[attr-defined]  # read by Dialog's focus marker
    return widget


class Dialog(ModalScreen[R], Generic[R]):
    """Base of every modal dialog; see the module docstring for the API."""

    BINDINGS = [
        # priority: a TextArea would otherwise take Escape (with tab indenting it moves focus)
        Binding("escape", "cancel", "Cancel", id="dialog.cancel", priority=True),
        Binding("ctrl+s", "submit", "Save", id="dialog.save", priority=True),
        Binding("ctrl+c", "stay", "Copy", id="dialog.stay", show=False),
    ]

    ENTER_SUBMITS: ClassVar[bool] = True
    FOCUS: ClassVar[str | None] = None
    WIDE: ClassVar[bool] = False
    CONFIRM_DISCARD: ClassVar[bool] = True
    DISCARD_QUESTION: ClassVar[str] = DISCARD_QUESTION
    BLOCKS_QUIT: ClassVar[bool] = True
    DIALOG_CLASSES: ClassVar[str] = ""  # extra CSS classes for the frame (e.g. "note")

    def __init__(self, title: str = "", *, hint: str = "", save: Save | None = None,
                 draft: str | None = None, drafts: Drafts | None = None) -> None:
        super().__init__()
        self.title_text = title
        self.hint = hint
        self._save = save
        self.draft_key = draft
        self._drafts = drafts
        self._opened_with: dict[str, str] = {}
        self._latest: dict[str, str] = {}  # the fields' text after the last change (kept on unmount)
        self._asked_discard = False
        self._settled = False  # saved or discarded: nothing left to keep
        self._restored_at: datetime | None = None
        self._draft_timer: Timer | None = None

    # -- what subclasses write -----------------------------------------------------------

    def compose_body(self) -> ComposeResult:
        """The dialog's fields, top to bottom."""
        raise NotImplementedError(f"{type(self).__name__} must yield its fields")
        yield  # pragma: no cover

    def submit(self) -> None:
        """Check what was entered; `show_error` and return, or `finish(result)`."""
        raise NotImplementedError(f"{type(self).__name__} must say what submitting does")

    # -- the frame -------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        classes = " ".join(("dialog", "wide" if self.WIDE else "", self.DIALOG_CLASSES)).split()
        with Vertical(classes=" ".join(classes), id="dialog-box"):
            yield PlainStatic(self.title_text, classes="dialog-title", id="dialog-title")
            with VerticalScroll(id="dialog-body", classes="dialog-body"):
                yield from self.compose_body()
            yield PlainLabel("", id="error", classes="dialog-error")
            yield PlainStatic(self.hint, classes="dialog-hint", id="dialog-hint")

    def on_mount(self) -> None:
        """Hide the error line, note the opening values, restore a draft, focus the first field.

        Textual calls the `on_mount` of every class in the MRO, the subclass's first and this
        one after it: a dialog's own `on_mount` must not call `super().on_mount()` (that ran
        this twice — a draft restored twice, an error shown by the subclass hidden again), and
        what it must do after this (show an error) it does with `call_after_refresh`."""
        self.query_one("#error", PlainLabel).display = False
        self._opened_with = self._latest = self.field_values()
        self._restore_draft()
        first = self._first_field()
        if first is not None:
            first.focus()
        self.call_after_refresh(self._fit)

    def on_resize(self, event: events.Resize) -> None:
        self.call_after_refresh(self._fit)

    def _first_field(self) -> Widget | None:
        if self.FOCUS is not None:
            found = self.query(f"#{self.FOCUS}")
            if found:
                return found.first()
        body = self.query_one("#dialog-body")
        return next((w for w in body.query("*") if w.focusable and w.display), None)

    def _fit(self) -> None:
        """Give the body what is left after title, error and hint, so those stay visible."""
        if not self.is_attached:
            return
        box = self.query_one("#dialog-box")
        body = self.query_one("#dialog-body")
        # Measured from the other lines, not as box minus body: a body taller than the terminal
        # (the help table) has already been clipped by the box's max-height.
        others = sum(child.outer_size.height + child.styles.margin.height
                     for child in box.children if child is not body and child.display)
        chrome = box.gutter.height + box.styles.margin.height + body.styles.margin.height + others
        available = max(3, self.size.height - chrome)
        if body.styles.max_height is None or body.styles.max_height.value != available:
            body.styles.max_height = available

    # -- error line ------------------------------------------------------------------------

    def show_error(self, message: str, focus: str | None = None) -> None:
        """Show (or with "" clear) the reason on the error line; optionally focus a field."""
        label = self.query_one("#error", PlainLabel)
        label.update(message)
        label.display = bool(message)
        if focus is not None:
            self.query_one(f"#{focus}").focus()
        self.call_after_refresh(self._fit)

    def show_hint(self, hint: str) -> None:
        """Change the hint line (a dialog whose keys change with its state: loading, failed)."""
        self.hint = hint
        self.query_one("#dialog-hint", PlainStatic).update(hint)
        self.call_after_refresh(self._fit)

    @property
    def blocks_quit(self) -> bool:
        """ctrl+c and q do not quit the app while this dialog is open (the app's quit asks)."""
        return self.BLOCKS_QUIT

    @property
    def error_text(self) -> str:
        label = self.query_one("#error", PlainLabel)
        return str(label.render()) if label.display else ""

    # -- fields ----------------------------------------------------------------------------

    def value(self, field_id: str) -> str:
        """An Input's value or a TextArea's text, stripped; "" when the field is not there."""
        found = self.query(f"#{field_id}")
        if not found:
            return ""
        widget = found.first()
        if isinstance(widget, TextArea):
            return widget.text.strip()
        return widget.value.strip() if isinstance(widget, Input) else ""

    def field_values(self) -> dict[str, str]:
        """The text of every Input and TextArea with an id, as typed (what a draft keeps)."""
        values: dict[str, str] = {}
        for widget in self.query("#dialog-body Input, #dialog-body TextArea"):
            if widget.id is None:
                continue
            values[widget.id] = widget.text if isinstance(widget, TextArea) else widget.value
        return values

    def has_typed_text(self, values: dict[str, str] | None = None) -> bool:
        """Something was typed that saving would keep and closing would lose."""
        current = self.field_values() if values is None else values
        return any(text.strip() and text != self._opened_with.get(field_id, "") for field_id, text in current.items())

    def has_changes(self) -> bool:
        """What Esc asks about before closing: by default, text typed into the fields."""
        return self.has_typed_text()

    def changed(self) -> None:
        """An edit: the next Esc asks again (called on every typed change)."""
        self._asked_discard = False

    # -- focus marker ----------------------------------------------------------------------

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        widget = event.widget
        label = getattr(widget, "_dialog_label", None)
        widget.border_title = plain(f"{FOCUS_MARK} {label}" if label else FOCUS_MARK)
        widget.add_class("-dialog-focus")

    def on_descendant_blur(self, event: events.DescendantBlur) -> None:
        widget = event.widget
        label = getattr(widget, "_dialog_label", None)
        widget.border_title = plain(label) if label else None
        widget.remove_class("-dialog-focus")

    # -- keys ------------------------------------------------------------------------------

    @on(Input.Submitted)
    def _enter(self, event: Input.Submitted) -> None:
        event.stop()
        if self.ENTER_SUBMITS:
            self.submit()
        else:
            self.focus_next()

    def action_submit(self) -> None:
        self.submit()

    def action_cancel(self) -> None:
        if self.CONFIRM_DISCARD and self.has_changes() and not self._asked_discard:
            self._asked_discard = True
            self.show_error(self.DISCARD_QUESTION)
            return
        self._settled = True
        self._drop_draft()
        self.dismiss(None)

    def action_stay(self) -> None:
        """ctrl+c outside a field: say how to leave instead of quitting with the dialog open."""
        self.show_error("ctrl+c does not quit from a dialog: Esc closes it first")

    # -- saving ----------------------------------------------------------------------------

    def finish(self, result: Any) -> None:
        """Hand `result` to `save`; close when it is taken, else show the reason and stay."""
        if self._save is not None:
            try:
                problem = self._save(result)
            except ValueError as exc:  # InvalidInput and friends: say why, keep the dialog
                problem = str(exc)
            if problem:
                self.show_error(problem)
                return
        self._settled = True
        self._drop_draft()
        self.dismiss(result)

    # Form dialogs whose fields make one value define `read()`: the result, or a ValueError
    # naming the rule a field breaks. These two then check as the person types and submit.

    def show_read_problem(self) -> None:
        """Show the rule `read()` says is broken, or clear the error line when none is."""
        try:
            self.read()  # type: ignore[attr-defined]
        except ValueError as exc:
            self.show_error(str(exc))
            return
        self.show_error("")

    def finish_read(self) -> None:
        """Submit what `read()` makes of the fields; a broken rule is shown and nothing is lost."""
        try:
            result = self.read()  # type: ignore[attr-defined]
        except ValueError as exc:
            self.show_error(str(exc))
            return
        self.finish(result)

    # -- drafts ----------------------------------------------------------------------------

    @property
    def drafts(self) -> Drafts | None:
        if self.draft_key is None:
            return None
        if self._drafts is None:
            self._drafts = Drafts()
        return self._drafts

    def _restore_draft(self) -> None:
        drafts = self.drafts
        if drafts is None:
            return
        draft = drafts.get(self.draft_key or "")
        if draft is None:
            return
        restored = False
        for widget in self.query("#dialog-body Input, #dialog-body TextArea"):
            text = draft.values.get(widget.id or "")
            if text is None or text == self.field_values().get(widget.id or ""):
                continue
            if isinstance(widget, TextArea):
                widget.load_text(text)
            else:
                widget.value = text
            restored = True
        if restored:
            self._restored_at = draft.saved_at
            when = draft.saved_at.astimezone().strftime("%Y-%m-%d %H:%M")
            self.call_after_refresh(
                self.show_error, f"Your unsaved draft from {when} is back · ctrl+s saves it · Esc twice discards it"
            )

    def _keep_draft(self) -> None:
        drafts = self.drafts
        if drafts is None or self._settled:
            return
        if self.has_typed_text(self._latest):
            drafts.put(self.draft_key or "", self._latest, datetime.now(timezone.utc))
        else:
            drafts.drop(self.draft_key or "")

    def _drop_draft(self) -> None:
        drafts = self.drafts
        if drafts is not None:
            drafts.drop(self.draft_key or "")

    @on(Input.Changed)
    @on(TextArea.Changed)
    def _typed(self) -> None:
        self.changed()
        if self.draft_key is not None:
            self._latest = self.field_values()
            if self._draft_timer is not None:
                self._draft_timer.stop()
            self._draft_timer = self.set_timer(0.5, self._keep_draft, name="keep-draft")

    def on_unmount(self) -> None:
        self._keep_draft()  # closed some other way (app quit, screen replaced): keep the text

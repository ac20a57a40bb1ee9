"""The settings of a custom field, as fields instead of JSON: one editor per type, rebuilt when
the type changes, holding a :class:`..models.field_config_form.ConfigDraft`.

- select / multi-select: the options list (Enter renames the highlighted one, K/J move it,
  d removes it — one records hold first asks whether their value moves to another option or is
  cleared, done on saving) and a line that adds one on Enter; multi-select also "at most" choices;
- number: lowest, highest, whole numbers only; date: earliest, latest; text: shortest, longest;
- currency: the ISO 4217 code (upper-cased); link: the record type it points to;
- yes/no and web address: "no settings" said in words.

Keys the form does not edit are kept and listed ("also kept as stored: required"). `read()`
returns the config to store or raises a ValueError naming the setting and the rule.
"""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Input, OptionList, Select
from textual.widgets.option_list import Option

from ..models.enums import CustomFieldType, RecordType
from ..models.field_config_form import RANGES, SELECTS, ConfigDraft, build_config, draft_from_config, retype
from ..safe_text import safe_line
from ..widgets.plain_text import PlainLabel, PlainStatic, plain
from ..widgets.safe_input import SafeInput
from .dialog_base import labelled
from .record_dialogs import ChoiceScreen

T = CustomFieldType
Usage = dict[str, tuple[int, list[str]]]  # option value → (records holding it, a few names)
ADD_LABEL = "Add an option (Enter adds)"
NO_SETTINGS = {
    T.BOOLEAN: "No settings: a yes/no field holds yes or no.",
    T.URL: "No settings: a web address starts with http:// or https://.",
}
PLACEHOLDERS = {"number": "a number, empty for none", "date": "YYYY-MM-DD, empty for none",
                "count": "characters, empty for none"}


class OptionsList(OptionList):
    """The options of a select: keys that act on the highlighted one (Enter renames)."""

    BINDINGS = [
        Binding("K", "move(-1)", "Move up", id="options.move_up"),
        Binding("J", "move(1)", "Move down", id="options.move_down"),
        Binding("d,delete", "remove", "Remove", id="options.remove"),
    ]

    def action_move(self, offset: int) -> None:
        self._editor().move(offset)

    def action_remove(self) -> None:
        self._editor().remove()

    def _editor(self) -> "ConfigEditor":
        return next(a for a in self.ancestors if isinstance(a, ConfigEditor))


class ConfigEditor(Vertical):
    """The settings of a field of `kind`, started from `config`. `usage` (editing a stored
    field) says which option values records hold, so removing one is refused with the count."""

    class Changed(Message):
        """The settings changed (an option added, renamed, moved or removed)."""

    def __init__(self, kind: CustomFieldType | str, config: dict[str, Any] | None = None,
                 usage: Usage | None = None, *, id: str | None = None) -> None:
        super().__init__(id=id, classes="config-editor")
        self.original_kind = CustomFieldType(kind)
        self.original = dict(config or {})
        self.draft = draft_from_config(self.original_kind, self.original)
        self.usage = usage or {}
        self.renaming: int | None = None
        self.option_error: str | None = None
        self.note = ""

    # -- building --------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield from self._parts(self.draft)

    def _parts(self, draft: ConfigDraft) -> ComposeResult:
        kind = draft.kind
        if kind in SELECTS:
            yield labelled(OptionsList(*self._option_rows(), id="config-options"), "Options")
            yield labelled(SafeInput(placeholder="e.g. Gold", id="config-option", select_on_focus=False), ADD_LABEL)
            if kind is T.MULTI_SELECT:
                yield labelled(SafeInput(value=draft.max_selected, placeholder="empty: any number", id="config-max-selected",
                                     select_on_focus=False), "At most (choices)")
            yield PlainLabel("In the list: Enter renames · K/J move · d removes", id="config-note",
                             classes="config-note")
        elif kind in RANGES:
            _, _, low, high, what = RANGES[kind]
            yield Horizontal(  # built, not composed with `with`: the parts are mounted again on a type change
                labelled(SafeInput(value=draft.low, placeholder=PLACEHOLDERS[what], id="config-low",
                               select_on_focus=False), low if what != "count" else f"{low} (characters)"),
                labelled(SafeInput(value=draft.high, placeholder=PLACEHOLDERS[what], id="config-high",
                               select_on_focus=False), high if what != "count" else f"{high} (characters)"),
                classes="config-row")
            if kind is T.NUMBER:
                yield labelled(Select([("no", "no"), ("yes", "yes")], value="yes" if draft.integer else "no",
                                      allow_blank=False, id="config-integer"), "Whole numbers only")
        elif kind is T.CURRENCY:
            yield labelled(SafeInput(value=draft.currency, placeholder="e.g. EUR; empty: any currency", id="config-currency",
                                 max_length=12, select_on_focus=False), "Currency (ISO 4217 code)")
        elif kind is T.LINK:
            yield labelled(Select([(t.table.capitalize(), t.value) for t in RecordType], value=draft.target or Select.NULL,
                                  prompt="Choose a record type", id="config-target"), "Links to")
        else:
            yield PlainStatic(NO_SETTINGS.get(kind, "No settings."), id="config-none", classes="config-note")
        kept = sorted(draft.kept)
        if kept:
            yield PlainStatic(f"Also kept as stored: {', '.join(kept)}", id="config-kept", classes="config-note")

    def _option_rows(self) -> list[Option]:
        rows = []
        for index, entry in enumerate(self.draft.options):
            held = self.draft.held(index, self.usage)[0]
            own = self._held(index)[0]
            extra = f" (stored as {safe_line(str(entry.value))!r})" if entry.keeps_other_value() else ""
            count = f" · {held} record{'s' if held != 1 else ''}" if held else ""
            if held > own:
                count += f" ({held - own} moving here)"
            rows.append(Option(plain(f"{index + 1}. {entry.text}{extra}{count}"), id=f"option-{index}"))
        return rows

    async def set_kind(self, kind: CustomFieldType | str) -> None:
        """The type changed: the stored settings again for the stored type, else a fresh start
        (keys of no type, and a select's options for a multi-select, carried over)."""
        kind = CustomFieldType(kind)
        if kind is self.draft.kind:
            return
        self._sync()
        self.draft = retype(self.draft, self.original, self.original_kind, kind)
        self.renaming, self.option_error = None, None
        await self.remove_children()
        await self.mount_all(list(self._parts(self.draft)))
        self.post_message(self.Changed())

    # -- reading ---------------------------------------------------------------------------

    def _found(self, selector: str):
        found = self.query(selector)
        return found.first() if found else None

    def _sync(self) -> None:
        """Copy what is typed in the setting fields into the draft."""
        draft = self.draft
        for attr, selector in (("low", "#config-low"), ("high", "#config-high"),
                               ("max_selected", "#config-max-selected"), ("currency", "#config-currency")):
            widget = self._found(selector)
            if widget is not None:
                setattr(draft, attr, widget.value)
        integer = self._found("#config-integer")
        if integer is not None:
            started = draft_from_config(draft.kind, self.original if draft.kind is self.original_kind else {})
            draft.integer = True if integer.value == "yes" else (False if started.integer is False else None)
        target = self._found("#config-target")
        if target is not None:
            draft.target = target.value if isinstance(target.value, str) else None

    def pending_option(self) -> str:
        widget = self._found("#config-option")
        return widget.value.strip() if widget is not None else ""

    def read(self) -> dict[str, Any]:
        """The config to store; a ValueError names the setting and the rule it breaks."""
        self._sync()
        error, self.option_error = self.option_error, None  # said once: a refused removal changed nothing
        if error:
            raise ValueError(error)
        pending = self.pending_option()
        if pending:
            index = self.renaming
            problem = self.draft.option_problem(pending, skip=index)
            if problem:
                raise ValueError(problem)
            verb = f"rename {self.draft.options[index].text!r} to" if index is not None else "add"
            raise ValueError(f"Option: press Enter to {verb} {pending!r} (or clear the line)")
        return build_config(self.draft)

    # -- options ---------------------------------------------------------------------------

    def _held(self, index: int) -> tuple[int, list[str]]:
        entry = self.draft.options[index]
        return (0, []) if entry.new else self.usage.get(str(entry.stored_value()), (0, []))

    def _refill(self, highlight: int | None = None) -> None:
        options = self.query_one("#config-options", OptionList)
        options.clear_options()
        options.add_options(self._option_rows())
        if self.draft.options:
            options.highlighted = min(highlight if highlight is not None else 0, len(self.draft.options) - 1)
        self.post_message(self.Changed())

    def _say(self, note: str) -> None:
        self.note = note
        self.query_one("#config-note", PlainLabel).update(note or "In the list: Enter renames · K/J move · d removes")

    def _set_entry_mode(self, index: int | None) -> None:
        self.renaming = index
        line = self.query_one("#config-option", Input)
        label = ADD_LABEL if index is None else f"Rename {self.draft.options[index].text!r} (Enter applies)"
        line._dialog_label = label  # type: ignore[attr-defined]  # the dialog's focus marker reads it
        line.border_title = plain(f"▸ {label}" if line.has_focus else label)

    @on(Input.Submitted, "#config-option")
    def _option_entered(self, event: Input.Submitted) -> None:
        event.stop()  # Enter here adds (or renames) an option; it does not save the field
        text = event.value.strip()
        index = self.renaming
        if index is None:
            problem = self.draft.add_option(text)
            where = len(self.draft.options) - 1
            said = ""
        else:
            held, _ = self._held(index)
            old = self.draft.options[index]
            problem = self.draft.rename_option(index, text, held)
            where = index
            said = (f"{held} record{'s' if held != 1 else ''} keep {old.stored_value()!r}, now shown as {text!r}"
                    if problem is None and held and not self.draft.objects and not old.new else "")
        self.option_error = problem
        if problem is None:
            event.input.value = ""
            self._set_entry_mode(None)
            self._refill(where)
            self._say(said)
        else:
            self.post_message(self.Changed())

    @on(Input.Changed, "#config-option")
    def _option_typed(self) -> None:
        self.option_error = None

    def on_descendant_blur(self, event) -> None:
        """Leaving the line while renaming: nothing typed (or the old name) ends the rename; a new
        name stays, waiting for Enter, so nothing typed is lost."""
        if event.widget.id != "config-option" or self.renaming is None:
            return
        text = event.widget.value.strip()
        if not text or text == self.draft.options[self.renaming].text:
            event.widget.value = ""
            self._set_entry_mode(None)

    @on(OptionList.OptionSelected, "#config-options")
    def _rename_chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        index = event.option_index
        line = self.query_one("#config-option", Input)
        self._set_entry_mode(index)
        line.value = self.draft.options[index].text
        line.cursor_position = len(line.value)  # typing goes on from the end of the name
        line.focus()
        self._set_entry_mode(index)

    def move(self, offset: int) -> None:
        options = self.query_one("#config-options", OptionList)
        if options.highlighted is None:
            return
        self.option_error = None
        self._refill(self.draft.move_option(options.highlighted, offset))

    def remove(self) -> None:
        """Remove the highlighted option; when records hold it (or are moving to it), first ask
        where their value goes: another option, or cleared. Nothing is written before ctrl+s."""
        options = self.query_one("#config-options", OptionList)
        index = options.highlighted
        if index is None or not self.draft.options:
            return
        held, names = self.draft.held(index, self.usage)
        if held:
            self._ask_where(index, held, names)
            return
        removed = self.draft.options[index].text
        self.option_error = self.draft.remove_option(index)
        self._removed(index, f"Removed {removed!r}")

    def _removed(self, index: int, note: str) -> None:
        self.renaming = None
        self._set_entry_mode(None)
        self._refill(index)
        self._say(note)

    def _ask_where(self, index: int, held: int, names: list[str]) -> None:
        entry = self.draft.options[index]
        records = f"{held} record{'s' if held != 1 else ''}"
        named = f" (e.g. {', '.join(names)})" if names else ""
        choices = [(f"move-{i}", f"Move them to {other.text}") for i, other in enumerate(self.draft.options)
                   if i != index]
        required = self.draft.kept.get("required") is True
        if not required:  # a required field's value can only move (the store refuses clearing it)
            choices.append(("clear", f"Clear {entry.text} on them (no value)"))
        choices.append(("keep", f"Keep {entry.text}"))
        title = (f"{records} hold{'s' if held == 1 else ''} {entry.text!r}{named}. "
                 f"{'The field is required: move them to…' if required else 'Remove it and…'}")

        def chosen(choice: str | None) -> None:
            if choice is None or choice == "keep" or index >= len(self.draft.options):
                return
            target = int(choice.removeprefix("move-")) if choice.startswith("move-") else None
            goes = (f"move to {self.draft.options[target].text!r}" if target is not None
                    else f"have {entry.text!r} cleared")
            self.draft.remove_held_option(index, target)
            self.option_error = None
            self._removed(min(index, max(len(self.draft.options) - 1, 0)),
                          f"Removed {entry.text!r}: on saving, its {records} {goes}")

        self.app.push_screen(ChoiceScreen(title, choices, hint="Enter chooses · Esc keeps the option"), chosen)

"""A custom field's `config` as a form: the settings each type's editor holds, read from a
stored config and built back into one.

The web app writes `custom_fields.config` too (the spec says only "type-specific (options,
validation rules)"), so a round trip must not change what the person did not touch: keys the
form does not edit (`required`, `pattern`, `schemes`, an option's colour, keys a newer web app
adds) are written back as stored, options stay plain strings or `{value, label}` objects as they
were, and an option renamed while records hold it keeps its stored value — only its label
changes — so those records stay valid instead of being refused.

:func:`build_config` names the setting and the rule a value breaks (a ValueError), then asks
:func:`.custom_field_config.config_problem` — the store's own check — so the form can never
accept what the store refuses.
"""

from __future__ import annotations

import math
from datetime import date
from uuid import uuid4
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field

from .custom_field_config import config_problem
from .enums import CustomFieldType, RecordType
from .money import UnknownCurrency, exponent
from .numbers import JSON_SAFE_INT, parse_decimal

T = CustomFieldType
SELECTS = (T.SELECT, T.MULTI_SELECT)
OPTION_MAX = 100  # characters in an option's name: it has to fit a picker's line

# The keys each type's rules use (models/custom_fields.py). A key of another type means
# something else there (a number's `min` is not a currency's `min` in minor units), so a type
# change drops them; keys of no type (and `required`) are kept whatever the type.
TYPE_KEYS: dict[CustomFieldType, frozenset[str]] = {
    T.TEXT: frozenset({"min_length", "max_length", "pattern", "pattern_hint"}),
    T.NUMBER: frozenset({"min", "max", "integer"}),
    T.DATE: frozenset({"min", "max"}),
    T.SELECT: frozenset({"options"}),
    T.MULTI_SELECT: frozenset({"options", "max_selected"}),
    T.BOOLEAN: frozenset(),
    T.URL: frozenset({"schemes"}),
    T.CURRENCY: frozenset({"currency", "min", "max"}),
    T.LINK: frozenset({"target"}),
}
ALL_TYPE_KEYS = frozenset().union(*TYPE_KEYS.values())

# The range a type's editor offers: (config keys, the two fields' names, what a value is).
RANGES: dict[CustomFieldType, tuple[str, str, str, str, str]] = {
    T.NUMBER: ("min", "max", "Lowest", "Highest", "number"),
    T.DATE: ("min", "max", "Earliest", "Latest", "date"),
    T.TEXT: ("min_length", "max_length", "Shortest", "Longest", "count"),
}
EDITED_KEYS: dict[CustomFieldType, frozenset[str]] = {
    T.TEXT: frozenset({"min_length", "max_length"}),
    T.NUMBER: frozenset({"min", "max", "integer"}),
    T.DATE: frozenset({"min", "max"}),
    T.SELECT: frozenset({"options"}),
    T.MULTI_SELECT: frozenset({"options", "max_selected"}),
    T.BOOLEAN: frozenset(),
    T.URL: frozenset(),
    T.CURRENCY: frozenset({"currency"}),
    T.LINK: frozenset({"target"}),
}


class OptionEntry(BaseModel):
    """One option as the editor shows it: `text` is what the person reads and edits (the label
    of an object option, the value of a plain one)."""

    text: str
    value: Any = None  # the stored value it keeps (None with `new`)
    new: bool = False  # added in this form: stored as its text
    label_stored: bool = True  # an object option written with its label (one without stays so)
    extra: dict[str, Any] = Field(default_factory=dict)  # an object option's other keys, kept
    uid: str = Field(default_factory=lambda: uuid4().hex)  # stays through renames: where held values move

    def stored_value(self) -> Any:
        return self.text if self.new else self.value

    def keeps_other_value(self) -> bool:
        return not self.new and str(self.value) != self.text


class ConfigDraft(BaseModel):
    """What the settings editor of one type holds; `kept` is written back untouched."""

    kind: CustomFieldType
    kept: dict[str, Any] = Field(default_factory=dict)
    options: list[OptionEntry] = Field(default_factory=list)
    objects: bool = False  # the options were stored as {value, label} objects
    low: str = ""
    high: str = ""
    integer: bool | None = None  # None: not in the config (the form's "no" keeps a stored false)
    max_selected: str = ""
    currency: str = ""
    target: str | None = None
    # Options removed while records hold them: str(stored value) → the uid of the option those
    # records move to at save, or None (the value is cleared on them).
    moved: dict[str, str | None] = Field(default_factory=dict)

    # -- options ---------------------------------------------------------------------------

    def option_problem(self, text: str, skip: int | None = None) -> str | None:
        """Why `text` cannot be an option's name (None: it can)."""
        name = text.strip()
        if not name:
            return "Option: an option needs a name"
        if len(name) > OPTION_MAX:
            return f"Option: an option's name is at most {OPTION_MAX} characters"
        for index, entry in enumerate(self.options):
            if index != skip and (entry.text.casefold() == name.casefold() or
                                  (not entry.new and str(entry.value).casefold() == name.casefold()
                                   and entry.keeps_other_value())):
                return f"Option: {entry.text!r} is already an option"
        return None

    def add_option(self, text: str) -> str | None:
        problem = self.option_problem(text)
        if problem is None:
            self.options.append(OptionEntry(text=text.strip(), new=True))
        return problem

    def rename_option(self, index: int, text: str, held: int = 0) -> str | None:
        """Rename an option. A plain option no record holds simply changes; one records hold (and
        any object option) keeps its stored value and changes only its label."""
        problem = self.option_problem(text, skip=index)
        if problem is not None:
            return problem
        entry = self.options[index]
        name = text.strip()
        if entry.new or (not self.objects and not held):
            self.options[index] = entry.model_copy(update={"text": name, "value": None, "new": True})
        else:
            self.options[index] = entry.model_copy(update={"text": name, "label_stored": True})
        return None

    def remove_option(self, index: int, held: int = 0, examples: list[str] | None = None) -> str | None:
        """Remove an option, unless records hold its value (the count and a few of them said)."""
        entry = self.options[index]
        if held and not entry.new:
            named = f" (e.g. {', '.join(examples)})" if examples else ""
            return (f"Options: {held} record{'s' if held != 1 else ''} hold{'s' if held == 1 else ''} "
                    f"{entry.stored_value()!r}{named}: give them another value before removing it")
        del self.options[index]
        return None

    def held(self, index: int, usage: dict[str, tuple[int, list[str]]]) -> tuple[int, list[str]]:
        """How many records hold the option at `index` once saved — its own and those moving to
        it from removed options — with the names of a few."""
        entry = self.options[index]
        sources = [] if entry.new else [str(entry.stored_value())]
        sources += [old for old, to in self.moved.items() if to == entry.uid]
        count, names = 0, []
        for value in sources:
            held, some = usage.get(value, (0, []))
            count += held
            names += [n for n in some if n not in names]
        return count, names[:3]

    def remove_held_option(self, index: int, move_to: int | None) -> None:
        """Remove an option records hold; at save those records move to the option at `move_to`
        (an index before the removal), or have the value cleared (None). Records already on
        their way to the removed option go where its own go."""
        entry = self.options[index]
        if move_to == index:
            raise ValueError("Options: move the records to another option than the one removed")
        target = self.options[move_to].uid if move_to is not None else None
        for old, to in self.moved.items():
            if to == entry.uid:
                self.moved[old] = target
        if not entry.new:
            self.moved[str(entry.stored_value())] = target
        del self.options[index]

    def reassignments(self) -> dict[str, str | None]:
        """What saving does to the values records hold: str(removed value) → the stored value
        they get instead (None: cleared). A removed value that is an option again (added back)
        is left alone."""
        values = {e.uid: str(e.stored_value()) for e in self.options}
        current = set(values.values())
        return {old: (values[to] if to is not None else None) for old, to in self.moved.items()
                if old not in current and (to is None or to in values)}

    def move_option(self, index: int, offset: int) -> int:
        """Swap an option with its neighbour; the index it is at afterwards."""
        other = index + (1 if offset > 0 else -1)
        if not 0 <= other < len(self.options):
            return index
        self.options[index], self.options[other] = self.options[other], self.options[index]
        return other

    def stored_as_objects(self) -> bool:
        return self.objects or any(e.keeps_other_value() for e in self.options)


def _text(value: Any) -> str:
    """A stored setting as a person edits it (a malformed one shows as it is, to be fixed)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and math.isfinite(value):
        return format(Decimal(repr(value)), "f")
    return str(value)


def draft_from_config(kind: CustomFieldType | str, config: dict[str, Any] | None) -> ConfigDraft:
    """The editor's state for a stored (or starting) config of a field of `kind`."""
    kind = CustomFieldType(kind)
    config = dict(config or {})
    draft = ConfigDraft(kind=kind)
    edited = EDITED_KEYS[kind]
    draft.kept = {k: v for k, v in config.items() if k not in edited}
    if kind in SELECTS:
        options = config.get("options")
        for option in options if isinstance(options, list) else []:
            if isinstance(option, dict):
                draft.objects = True
                value = option.get("value")
                label = option.get("label")
                draft.options.append(OptionEntry(
                    text=str(label if label is not None else "" if value is None else value), value=value,
                    label_stored="label" in option,
                    extra={k: v for k, v in option.items() if k not in ("value", "label")}))
            else:
                draft.options.append(OptionEntry(text=str(option), value=option))
        if kind is T.MULTI_SELECT:
            draft.max_selected = _text(config.get("max_selected"))
    if kind in RANGES:
        low, high = RANGES[kind][:2]
        draft.low, draft.high = _text(config.get(low)), _text(config.get(high))
    if kind is T.NUMBER and "integer" in config:
        draft.integer = config["integer"] if isinstance(config["integer"], bool) else None
        if draft.integer is None:
            draft.kept["integer"] = config["integer"]  # malformed: kept, so the check names it
    if kind is T.CURRENCY:
        draft.currency = _text(config.get("currency"))
    if kind is T.LINK:
        target = config.get("target")
        draft.target = target if isinstance(target, str) else None
    return draft


def retype(draft: ConfigDraft, original: dict[str, Any], original_kind: CustomFieldType | str,
           new_kind: CustomFieldType | str) -> ConfigDraft:
    """The draft after the type changes: the stored config when it is the stored type again;
    otherwise the keys no type uses, and a select's options carried to a multi-select (and back)."""
    original_kind, new_kind = CustomFieldType(original_kind), CustomFieldType(new_kind)
    if new_kind is original_kind:
        return draft_from_config(new_kind, original)
    current = build_config(draft, check=False)
    carried = {k: v for k, v in current.items() if k not in ALL_TYPE_KEYS}
    if draft.kind in SELECTS and new_kind in SELECTS and "options" in current:
        carried["options"] = current["options"]
    started = draft_from_config(new_kind, carried)
    if draft.kind in SELECTS and new_kind in SELECTS:
        started.options, started.objects, started.moved = draft.options, draft.objects, dict(draft.moved)
    return started


def _number(text: str, name: str) -> int | float:
    try:
        number = parse_decimal(text)
    except ValueError as exc:
        raise ValueError(f"{name}: {exc}") from None
    if abs(number) > JSON_SAFE_INT:
        raise ValueError(f"{name}: must be between -{JSON_SAFE_INT:,} and {JSON_SAFE_INT:,}")
    return int(number) if number == number.to_integral_value() else float(number)


def _count(text: str, name: str, least: int = 0) -> int:
    try:
        number = parse_decimal(text)
    except ValueError as exc:
        raise ValueError(f"{name}: {exc}") from None
    if number != number.to_integral_value() or number < least or number > JSON_SAFE_INT:
        raise ValueError(f"{name}: must be a whole number, {least} or more")
    return int(number)


def _date(text: str, name: str) -> str:
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise ValueError(f"{name}: {text!r} is not a date written YYYY-MM-DD") from None


def _range(draft: ConfigDraft, config: dict[str, Any]) -> None:
    low_key, high_key, low_name, high_name, kind = RANGES[draft.kind]
    read = {"number": _number, "count": _count, "date": _date}[kind]
    values = {}
    for key, name, text in ((low_key, low_name, draft.low), (high_key, high_name, draft.high)):
        if text.strip():
            values[key] = config[key] = read(text.strip(), name)
        else:
            config.pop(key, None)
    if len(values) == 2 and values[low_key] > values[high_key]:
        raise ValueError(f"{low_name} ({values[low_key]}) is more than {high_name.lower()} ({values[high_key]})")


def build_config(draft: ConfigDraft, *, check: bool = True) -> dict[str, Any]:
    """The config to store: the kept keys plus the edited settings. A ValueError names the
    setting and the rule it breaks; `check=False` builds what it can (for a type change)."""
    config = dict(draft.kept)
    kind = draft.kind
    try:
        if kind in SELECTS:
            if draft.stored_as_objects():
                config["options"] = [
                    {"value": e.stored_value(), **({"label": e.text} if e.label_stored or e.keeps_other_value() else {}),
                     **e.extra} for e in draft.options]
            else:
                config["options"] = [e.text for e in draft.options]
            if check and not draft.options:
                raise ValueError("Options: a select field needs at least one option (type one and press Enter)")
            if kind is T.MULTI_SELECT:
                if draft.max_selected.strip():
                    most = _count(draft.max_selected.strip(), "At most", least=1)
                    if most > len(draft.options) and check:
                        raise ValueError(f"At most: {most} is more than the {len(draft.options)} options")
                    config["max_selected"] = most
                else:
                    config.pop("max_selected", None)
        if kind in RANGES:
            _range(draft, config)
        if kind is T.NUMBER:
            if draft.integer is not None:
                config["integer"] = draft.integer
        if kind is T.CURRENCY:
            code = draft.currency.strip().upper()
            if code:
                try:
                    exponent(code)
                except UnknownCurrency:
                    raise ValueError(f"Currency: {draft.currency.strip()!r} is not an ISO 4217 code "
                                     "(three letters, e.g. EUR, USD, JPY)") from None
                config["currency"] = code
            else:
                config.pop("currency", None)
        if kind is T.LINK:
            if draft.target in {t.value for t in RecordType}:
                config["target"] = draft.target
            elif check:
                raise ValueError("Links to: choose the record type it points to (contact, company or deal)")
    except ValueError:
        if check:
            raise
    if check:
        problem = config_problem(kind, config)
        if problem:
            raise ValueError(f"Config: {problem}")
    return config


def _listed(values: list[str], most: int = 5) -> str:
    shown = ", ".join(values[:most])
    return f"{shown}, … ({len(values)} in all)" if len(values) > most else shown


def describe_config(kind: CustomFieldType | str, config: dict[str, Any]) -> str:
    """A field's settings in words, for the admin screen's detail line ("options: gold, silver ·
    at most 2 chosen"). A setting that is not of the right kind is shown as it is stored."""
    try:
        kind = CustomFieldType(kind)
        draft = draft_from_config(kind, config if isinstance(config, dict) else {})
    except ValueError:
        return f"settings as stored: {config!r}"
    parts: list[str] = []
    if kind in SELECTS:
        parts.append(f"options: {_listed([o.text for o in draft.options])}" if draft.options else "no options")
        if draft.max_selected:
            parts.append(f"at most {draft.max_selected} chosen")
    if kind in RANGES:
        unit = " characters" if kind is T.TEXT else ""
        low, high = draft.low, draft.high
        if low and high:
            parts.append(f"from {low} to {high}{unit}")
        elif low:
            parts.append(f"at least {low}{unit}" if kind is not T.DATE else f"on or after {low}")
        elif high:
            parts.append(f"at most {high}{unit}" if kind is not T.DATE else f"on or before {high}")
    if kind is T.NUMBER and draft.integer:
        parts.append("whole numbers")
    if kind is T.TEXT and draft.kept.get("pattern"):
        parts.append(f"matching {draft.kept.get('pattern_hint') or draft.kept['pattern']}")
    if kind is T.URL and isinstance(draft.kept.get("schemes"), list):
        parts.append(f"{' or '.join(map(str, draft.kept['schemes']))} only")
    if kind is T.CURRENCY:
        parts.append(f"in {draft.currency.upper()}" if draft.currency else "any currency")
    if kind is T.LINK:
        parts.append(f"links to a {draft.target}" if draft.target else "links to any record")
    if isinstance(config, dict) and config.get("required") is True:
        parts.append("required")
    return " · ".join(parts) or "no settings"

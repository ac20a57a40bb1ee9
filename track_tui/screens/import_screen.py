"""Importing a CSV file from the TUI: choose the file, check the mapping, import.

The mapping screen lists the file's columns, each with the field it fills (found the way
`track import` finds it), and under them the report: every bad row by line and reason,
duplicates, and what the import would write. Enter on a column picks another field for it (or
none); the plan is made again in a worker after each change, so a big file never blocks the
keys. `i` imports when every row is good; `I` imports the good rows and skips the bad ones;
`d` switches between skipping and updating stored duplicates. Nothing is written until
`i`, and then in one transaction through the write path.
"""

from __future__ import annotations

from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from ..models import RecordType
from ..store import CacheBusy, InvalidInput, Store
from ..transfer import report
from ..transfer.csv_file import CsvData, CsvProblem, read_path
from ..transfer.importing import IMPORTABLE, ImportPlan, ImportProblem, apply_import, plan_import
from ..safe_text import safe_line
from ..transfer.mapping import CUSTOM, IGNORE, LABELS, fields_for, key_of
from ..widgets.key_hints import KeyHints
from ..widgets.plain_text import PlainStatic, plain
from .dialog_base import Dialog
from .view_dialogs import TextPromptScreen


def import_path_problem(text: str) -> str | None:
    path = Path(text.strip()).expanduser()
    if not text.strip():
        return "Give the CSV file's name"
    if not path.is_file():
        return f"{path} is not a file" if path.exists() else f"{path}: no such file"
    return None


def start_import(screen: Screen, store: Store, kind: str) -> None:
    """Ask for a file, read it, open the mapping screen (or say why the file cannot be read)."""

    def chosen(text: str | None) -> None:
        if not text:
            return
        path = Path(text).expanduser()
        try:
            data = read_path(path)
        except CsvProblem as exc:
            screen.notify(f"{path.name}: {exc}", severity="error", timeout=8)
            return
        if not data.records:
            screen.notify(f"{path.name} has a header row but no rows", severity="error")
            return
        screen.app.push_screen(ImportMappingScreen(store, kind, data, path.name))

    screen.app.push_screen(TextPromptScreen(
        f"Import {kind} from a CSV file", str(Path("~").expanduser()) + "/",
        "UTF-8 or Latin-1; comma, semicolon or tab · Enter reads it · Esc cancels", import_path_problem), chosen)


class FieldPickerScreen(Dialog[str | None]):
    """Which field a column fills (or none)."""

    CONFIRM_DISCARD = False

    def __init__(self, header: str, choices: list[tuple[str, str]]) -> None:
        super().__init__(f"Column {header!r} fills", hint="Enter chooses · Esc cancels")
        self.header, self.choices = header, choices

    def compose_body(self) -> ComposeResult:
        yield OptionList(*[Option(plain(label), id=target) for target, label in self.choices], id="fields")

    @on(OptionList.OptionSelected)
    def chosen(self, event: OptionList.OptionSelected) -> None:
        self.finish(event.option.id)

    def submit(self) -> None:
        options = self.query_one(OptionList)
        if options.highlighted is not None:
            self.finish(self.choices[options.highlighted][0])


class ImportMappingScreen(Screen[None]):
    TITLE = "Import"
    AUTO_FOCUS = "#import-columns"

    BINDINGS = [
        Binding("escape", "app.pop_screen", "Cancel", id="import.cancel"),
        Binding("i", "run_import(False)", "Import", id="import.run"),
        Binding("I", "run_import(True)", "Import good rows", id="import.run_skipping", show=False),
        Binding("d", "toggle_update", "Duplicates", id="import.update", show=False),
    ]

    def __init__(self, store: Store, kind: str, data: CsvData, file_name: str) -> None:
        super().__init__()
        self.store, self.kind, self.data, self.file_name = store, kind, data, file_name
        self.record_type: RecordType = IMPORTABLE[kind]
        self.overrides: dict[str, tuple[str, str]] = {}
        self.update = False
        self.plan: ImportPlan | None = None
        self.writing = False
        self.problem: str | None = None
        self.defs = {d.key: d for d in store.custom_field_defs(self.record_type)}

    def compose(self) -> ComposeResult:
        yield PlainStatic(f"Import {self.kind} from {self.file_name}", id="import-title", classes="dialog-title")
        yield OptionList(id="import-columns")
        yield PlainStatic("Reading the rows…", id="import-report")
        yield KeyHints()

    def on_mount(self) -> None:
        self.replan()

    # -- planning --------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="import-plan")
    def replan(self) -> None:
        overrides, update = dict(self.overrides), self.update
        try:
            plan, problem = plan_import(self.store, self.kind, self.data, overrides=overrides, update=update), None
        except ImportProblem as exc:
            plan, problem = None, str(exc)
        self.app.call_from_thread(self._show, plan, problem, overrides, update)

    def _show(self, plan: ImportPlan | None, problem: str | None, overrides: dict, update: bool) -> None:
        if overrides != self.overrides or update != self.update:
            return  # a newer plan is on its way
        self.plan, self.problem = plan, problem
        columns = self.query_one("#import-columns", OptionList)
        highlighted = columns.highlighted
        columns.clear_options()
        mapped = plan.mapping.columns if plan else {}
        for index, header in enumerate(self.data.headers):
            target = mapped.get(index)
            label = plan.mapping.target_label(target, self.defs) if (plan and target) else "— (not imported)"
            columns.add_option(Option(plain(f"{header or f'(column {index + 1})'}  →  {label}"), id=str(index)))
        columns.highlighted = min(highlighted or 0, len(self.data.headers) - 1)
        self.query_one("#import-report", PlainStatic).update("\n".join(self.report_lines()))

    def report_lines(self) -> list[str]:
        if self.problem:
            return [safe_line(f"Cannot import as mapped: {self.problem}"),
                    "Enter on a column chooses the field it fills."]
        plan = self.plan
        assert plan is not None
        lines = [report.describe_file(plan, self.file_name), *report.problem_lines(plan)[:12]]
        lines.append(report.outcome_line(plan, None, dry_run=True, skip_invalid=False)
                     .replace("add --skip-invalid", "press I").replace("(add --update", "(press d"))
        lines.append(f"Duplicates are {'updated' if self.update else 'skipped'} (d switches) · "
                     "i imports · I imports the good rows only · Esc cancels")
        return lines

    # -- keys ------------------------------------------------------------------------------

    @on(OptionList.OptionSelected, "#import-columns")
    def pick_field(self, event: OptionList.OptionSelected) -> None:
        index = int(event.option.id or 0)
        header = self.data.headers[index]
        targets = fields_for(self.record_type)
        choices = [(IGNORE, "— (not imported)")] + [(t, LABELS[t]) for t in targets] + [
            (CUSTOM + key, f"{d.name} (custom field)") for key, d in self.defs.items()]

        def chosen(target: str | None) -> None:
            if target is None:
                return
            field = target if target == IGNORE else (
                self.defs[target[len(CUSTOM):]].key if target.startswith(CUSTOM) else target)
            self.overrides[key_of(header)] = (header, field)
            self.query_one("#import-report", PlainStatic).update("Checking the rows…")
            self.replan()

        self.app.push_screen(FieldPickerScreen(header or f"column {index + 1}", choices), chosen)

    def action_toggle_update(self) -> None:
        self.update = not self.update
        self.replan()

    def action_run_import(self, skip_invalid: bool) -> None:
        plan = self.plan
        if plan is None:
            self.notify(self.problem or "Still checking the rows", severity="warning")
            return
        if plan.problems and not skip_invalid:
            self.notify(f"{len(plan.problems):,} bad rows: fix the file, or press I to import only the good rows",
                        severity="warning", timeout=6)
            return
        if self.writing:
            return
        self.writing = True
        self.query_one("#import-report", PlainStatic).update(f"Importing {len(plan.creates) + len(plan.updates):,} rows…")
        self._apply(plan, skip_invalid)

    @work(thread=True, exclusive=True, group="import-apply")
    def _apply(self, plan: ImportPlan, skip_invalid: bool) -> None:
        """Write in a worker: a big file takes seconds, and the keys must not wait for it."""
        try:
            result, problem = apply_import(self.store, plan, skip_invalid=skip_invalid), None
        except (InvalidInput, CacheBusy) as exc:
            result, problem = None, str(exc)
        self.app.call_from_thread(self._applied, result, problem)

    def _applied(self, result, problem: str | None) -> None:
        self.writing = False
        if problem is not None or result is None:
            self.notify(f"Nothing was imported: {problem}", severity="error", timeout=8)
            self.query_one("#import-report", PlainStatic).update("\n".join(self.report_lines()))
            return
        if not result.written:
            self.notify("Nothing to import", severity="warning")
            return
        self.notify(f"Imported {result.created:,} new and updated {result.updated:,} {self.kind}; u undoes it", timeout=6)
        self.app.pop_screen()


def palette_entries(screen: Screen) -> list[tuple[str, str, object]]:
    store: Store = screen.store  # type: ignore[attr-defined]
    return [(f"Import: {kind} from a CSV file", "Map its columns, check every row, then import",
             lambda k=kind: start_import(screen, store, k)) for kind in IMPORTABLE]

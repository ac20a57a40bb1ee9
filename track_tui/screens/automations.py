"""The automations screen and the run log.

Automations: one line per rule — on/off, name, last run, runs and failures in the last 7 days,
and the rule in words as far as the width allows; the highlighted rule is shown whole below the
list, with every malformed part named (a rule the web app stored in a shape this client cannot
read shows as such, never crashes the screen). Enter opens the rule's run log; admins toggle a
rule with space, edit it with e and add one with n (non-admins are not offered those keys).

Run log: the runs of one rule (or of all rules, or on one record), newest first — status, when,
duration, the record — and below, the highlighted run in full with its whole error. Enter opens
the record it ran on. The log is read a page at a time (see `store.automation_runs`) and the
next page is fetched when the cursor reaches the end.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from ..messages import StoreChanged
from ..models.automation_words import RuleNames, rule_words
from ..models.dates import relative_time
from ..safe_text import safe_line
from ..store import Action, InvalidInput, NotFound, Store
from ..store.automation_queries import RUN_WINDOW_DAYS, AutomationSummary, RunLine
from ..widgets.key_hints import KeyHints
from ..widgets.plain_text import PlainStatic
from ..widgets.status_line import StatusLine

RUN_PAGE = 200


def _fit(text: str, width: int) -> str:
    text = safe_line(text)
    if width <= 0:
        return ""
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


def automation_line(summary: AutomationSummary, names: RuleNames, width: int, now) -> Text:
    a = summary.automation
    state = "● on " if a.is_enabled else "○ off"
    last = relative_time(summary.last_run.run_at, now) if summary.last_run else "never"
    figures = f"{summary.runs_7d:>4} {summary.failures_7d:>4}"
    name_w = min(28, max(12, width // 4))
    fixed = 5 + 1 + name_w + 1 + 10 + 1 + len(figures) + 2
    line = Text(no_wrap=True, overflow="ellipsis")
    line.append(state, style="bold" if a.is_enabled else "")
    line.append(" ")
    line.append(f"{_fit(a.name, name_w):<{name_w}}", style="bold")
    line.append(f" {_fit(last, 10):<10} ")
    failed_style = "bold reverse" if summary.failures_7d else ""
    line.append(f"{summary.runs_7d:>4} ")
    line.append(f"{summary.failures_7d:>4}", style=failed_style)
    rest = width - fixed
    if rest >= 12:
        line.append("  ")
        line.append(_fit(rule_words(a.rule, names), rest), style="italic")
    return line


def run_line(line: RunLine, width: int, now, *, show_automation: bool) -> Text:
    run = line.run
    ok = run.status.value == "success"
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append("✓ ok    " if ok else "✗ failed", style="" if ok else "bold reverse")
    text.append(f" {_fit(relative_time(run.run_at, now), 9):<9}")
    duration = f"{run.duration_ms:,} ms" if run.duration_ms is not None else "—"
    text.append(f" {duration:>9}  ")
    record = line.record_name or ("no record" if not run.record_id else "a record not in this cache")
    rest = max(width - 31, 8)
    if show_automation:
        half = rest // 2
        text.append(f"{_fit(record, half):<{half}} ")
        text.append(_fit(line.automation_name, rest - half - 1), style="italic")
    else:
        text.append(_fit(record, rest))
    return text


class AutomationsScreen(Screen[None]):
    TITLE = "Automations"
    AUTO_FOCUS = "#automation-list"
    BINDINGS = [
        Binding("escape", "back", "Back", id="automations.back"),
        Binding("j", "cursor(1)", "Down", id="automations.down", show=False),
        Binding("k", "cursor(-1)", "Up", id="automations.up", show=False),
        Binding("enter", "runs", "Run log", id="automations.runs"),
        Binding("R", "all_runs", "All runs", id="automations.all_runs", show=False),
        Binding("space", "toggle", "On/off", id="automations.toggle"),
        Binding("e", "edit", "Edit", id="automations.edit"),
        Binding("n", "new", "New", id="automations.new"),
        Binding("r", "reload", "Reload", id="automations.reload", show=False),
    ]

    def __init__(self, store: Store) -> None:
        super().__init__()
        self.store = store
        self.summaries: list[AutomationSummary] = []
        self.names = RuleNames()

    def compose(self) -> ComposeResult:
        yield Static(id="automations-header")
        yield Static(id="automations-columns")
        yield OptionList(id="automation-list")
        yield PlainStatic("", id="automation-detail")
        yield StatusLine(id="status")
        yield KeyHints()

    def on_mount(self) -> None:
        self.reload()

    @property
    def admin(self) -> bool:
        return self.store.can(Action.EDIT_AUTOMATIONS)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Admin-only keys are not offered to others (the store refuses them anyway)."""
        if action in ("toggle", "edit", "new"):
            return self.admin
        return True

    @property
    def option_list(self) -> OptionList:
        return self.query_one("#automation-list", OptionList)

    @property
    def current(self) -> AutomationSummary | None:
        index = self.option_list.highlighted
        if index is None or not (0 <= index < len(self.summaries)):
            return None
        return self.summaries[index]

    def reload(self, keep: str | None = None) -> None:
        current = self.current
        keep = keep or (current.automation.id if current else None)
        self.summaries = self.store.automations()
        self.names = self.store.rule_names()
        self._draw(keep)

    def _draw(self, keep: str | None = None) -> None:
        width = max(self.size.width or self.app.size.width, 40) - 4
        now = self.store.now()
        option_list = self.option_list
        option_list.clear_options()
        option_list.add_options([
            Option(automation_line(s, self.names, width, now), id=s.automation.id) for s in self.summaries
        ])
        ids = [s.automation.id for s in self.summaries]
        if self.summaries:
            option_list.highlighted = ids.index(keep) if keep in ids else 0
        header = (f"Automations — {len(self.summaries)} rules · runs and failures in the last "
                  f"{RUN_WINDOW_DAYS} days")
        name_w = min(28, max(12, width // 4))
        columns = f"{'':5} {'Name':<{name_w}} {'Last run':<10} {'Runs':>4} {'Fail':>4}  Rule"
        self.query_one("#automations-columns", Static).update(Text(columns))
        self.query_one("#automations-header", Static).update(Text(header))
        self._show_detail()
        self.query_one(StatusLine).context = "Automations"

    def on_resize(self) -> None:
        if self.summaries:
            self._draw()

    @on(OptionList.OptionHighlighted, "#automation-list")
    def _highlighted(self) -> None:
        self._show_detail()

    @on(OptionList.OptionSelected, "#automation-list")
    def _selected(self) -> None:
        self.action_runs()

    def _show_detail(self) -> None:
        detail = self.query_one("#automation-detail", PlainStatic)
        summary = self.current
        if summary is None:
            detail.update("No automations in this workspace." + (" Press n to add one." if self.admin else ""))
            return
        a = summary.automation
        rule = a.rule
        lines = [f"{a.name} — {'enabled' if a.is_enabled else 'disabled'}", rule_words(rule, self.names)]
        for part in rule.malformed:
            lines.append(f"⚠ This rule's {part.kind} is malformed: {part.problem}. The runner cannot use it.")
        if summary.last_run is not None:
            run = summary.last_run
            lines.append(f"Last run {relative_time(run.run_at, self.store.now())}: {run.status.value}"
                         + (f" — {run.error}" if run.error else ""))
        detail.update("\n".join(lines))

    def on_store_changed(self, message: StoreChanged) -> None:
        if message.changes.touches("automations", "automation_runs", "profiles", "boards", "board_stages",
                                   "custom_fields"):
            self.reload()

    # -- actions ---------------------------------------------------------------------------

    def action_back(self) -> None:
        self.dismiss()

    def action_cursor(self, delta: int) -> None:
        self.option_list.action_cursor_down() if delta > 0 else self.option_list.action_cursor_up()

    def action_reload(self) -> None:
        self.reload()

    def action_runs(self) -> None:
        summary = self.current
        if summary is not None:
            self.app.push_screen(RunLogScreen(self.store, automation_id=summary.automation.id,
                                              title=summary.automation.name))

    def action_all_runs(self) -> None:
        self.app.push_screen(RunLogScreen(self.store, title="every automation"))

    def action_toggle(self) -> None:
        summary = self.current
        if summary is None:
            return
        a = summary.automation
        try:
            self.store.set_automation_enabled(a.id, not a.is_enabled)
        except (InvalidInput, NotFound) as exc:
            self.notify(str(exc), severity="warning", timeout=6)
            return
        self.notify(f"{a.name}: {'disabled' if a.is_enabled else 'enabled'}", timeout=3)
        self.reload(keep=a.id)

    def action_edit(self) -> None:
        summary = self.current
        if summary is not None:
            self._open_form(summary.automation)

    def action_new(self) -> None:
        self._open_form(None)

    def _open_form(self, automation) -> None:
        from .automation_form import AutomationFormScreen

        def saved(result) -> None:
            if result is not None:
                self.reload(keep=result)

        self.app.push_screen(AutomationFormScreen(self.store, automation, self.names), saved)


class RunLogScreen(Screen[None]):
    TITLE = "Run log"
    AUTO_FOCUS = "#run-list"
    BINDINGS = [
        Binding("escape", "back", "Back", id="runs.back"),
        Binding("j", "cursor(1)", "Down", id="runs.down", show=False),
        Binding("k", "cursor(-1)", "Up", id="runs.up", show=False),
        Binding("enter", "open_record", "Open record", id="runs.open"),
    ]

    def action_cursor(self, delta: int) -> None:
        self.option_list.action_cursor_down() if delta > 0 else self.option_list.action_cursor_up()

    def __init__(self, store: Store, *, automation_id: str | None = None, record_id: str | None = None,
                 title: str = "", keep: str | None = None) -> None:
        super().__init__()
        self.store = store
        self.keep = keep  # a run to put the cursor on (the record's timeline opens the log at it)
        self.automation_id = automation_id
        self.record_id = record_id
        self.title_text = title
        self.lines: list[RunLine] = []
        self.complete = False

    def compose(self) -> ComposeResult:
        yield PlainStatic("", id="runs-header")
        yield OptionList(id="run-list")
        yield PlainStatic("", id="run-detail")
        yield StatusLine(id="status")
        yield KeyHints()

    def on_mount(self) -> None:
        self.reload()

    @property
    def option_list(self) -> OptionList:
        return self.query_one("#run-list", OptionList)

    @property
    def current(self) -> RunLine | None:
        index = self.option_list.highlighted
        if index is None or not (0 <= index < len(self.lines)):
            return None
        return self.lines[index]

    def reload(self) -> None:
        self.lines = self.store.automation_runs(self.automation_id, record_id=self.record_id, limit=RUN_PAGE)
        self.complete = len(self.lines) < RUN_PAGE
        self.option_list.clear_options()
        self._add(self.lines)
        if self.keep is not None:
            while not self.complete and not any(line.run.id == self.keep for line in self.lines):
                self._more()  # the run is older than the first page: read on to it
        ids = [line.run.id for line in self.lines]
        if self.lines:
            self.option_list.highlighted = ids.index(self.keep) if self.keep in ids else 0
        self.keep = None  # a reload later keeps the top, as before
        if self.record_id is not None:
            what = f"Automation runs on {self.title_text}"
        else:
            what = f"Runs of {self.title_text}" if self.title_text else "Automation runs"
        failed = sum(1 for line in self.lines if line.run.status.value == "failed")
        more = "" if self.complete else "+"
        self.query_one("#runs-header", PlainStatic).update(
            f"{what} — {len(self.lines)}{more} run{'' if len(self.lines) == 1 and not more else 's'}, "
            f"{failed}{more} failed, newest first")
        self._show_detail()
        self.query_one(StatusLine).context = "Run log"

    def _add(self, lines: list[RunLine]) -> None:
        width = max(self.size.width or self.app.size.width, 40) - 4
        now = self.store.now()
        self.option_list.add_options([
            Option(run_line(line, width, now, show_automation=self.automation_id is None)) for line in lines
        ])

    def _more(self) -> None:
        """The next page, when the cursor reaches the end of what is loaded."""
        if self.complete or not self.lines:
            return
        page = self.store.automation_runs(self.automation_id, record_id=self.record_id, limit=RUN_PAGE,
                                          before=self.lines[-1].run.run_at.isoformat())
        self.complete = len(page) < RUN_PAGE
        self.lines.extend(page)
        self._add(page)

    @on(OptionList.OptionHighlighted, "#run-list")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option_index >= len(self.lines) - 1:
            self._more()
        self._show_detail()

    @on(OptionList.OptionSelected, "#run-list")
    def _selected(self) -> None:
        self.action_open_record()

    def _show_detail(self) -> None:
        detail = self.query_one("#run-detail", PlainStatic)
        line = self.current
        if line is None:
            detail.update("No runs yet.")
            return
        run = line.run
        where = line.record_name or ("no record" if not run.record_id else f"record {run.record_id} (not in this cache)")
        text = [f"{line.automation_name} · {run.status.value} · {run.run_at:%d %b %Y %H:%M:%S} UTC"
                f" · {run.duration_ms if run.duration_ms is not None else '—'} ms · {where}"]
        if run.error:
            text.append(f"Error: {run.error}")
        detail.update("\n".join(text))

    def on_store_changed(self, message: StoreChanged) -> None:
        if message.changes.touches("automation_runs", "automations"):
            self.reload()

    def action_back(self) -> None:
        self.dismiss()

    def action_open_record(self) -> None:
        line = self.current
        if line is None:
            return
        if line.record_type is None:
            self.notify("This run has no record in this cache to open", severity="warning", timeout=4)
            return
        self.app.open_record(line.record_type, line.run.record_id)

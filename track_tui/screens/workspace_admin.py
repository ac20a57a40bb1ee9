"""Running the workspace (admins): boards, the highlighted board's stages, and custom fields.

Three lists side by side (Tab walks them): boards (archived ones marked), the stages of the
highlighted board (type and probability), and the custom fields of every record type. The keys
act on the list in focus — n new, r rename, K/J move up/down, d delete; on boards a archives or
unarchives; on stages t cycles the type and p sets the probability; on fields s toggles
searchable and e changes type and settings (a form per type, never JSON). Everything goes through the store's write path, which
refuses with the rule broken (a stage that still holds cards asks where they go; a field change
that stored values would not pass says how many and which). People below admin see the lists
but are not offered the keys that change them.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from ..messages import StoreChanged
from ..models import Board, BoardStage, CustomField, RecordType, StageType
from ..models.field_config_form import describe_config
from ..safe_text import safe_line
from ..store import Action, InvalidInput, NotFound, Store
from ..widgets.key_hints import KeyHints
from ..widgets.plain_text import PlainStatic
from ..widgets.status_line import StatusLine
from .admin_dialogs import NewBoard, NewBoardScreen, PromptScreen, name_problem, probability_problem
from .field_dialogs import ConfigScreen, FieldFormScreen, FieldSettings, NewField, type_word
from .record_dialogs import ChoiceScreen

TYPE_CYCLE = {StageType.OPEN: StageType.WON, StageType.WON: StageType.LOST, StageType.LOST: StageType.OPEN}
MOVE = Binding.Group("Move")  # K/J share one footer hint on the lists that reorder (stages, fields)
ADMIN_ACTIONS = {"new", "rename", "move", "delete", "archive", "stage_type", "probability", "searchable", "config"}


def percent(value) -> str:
    """A stage's probability as a person writes it: 10%, 12.5%."""
    return f"{format(value.normalize(), 'f')}%"


def _problem(call, *args, **kwargs) -> str | None:
    try:
        call(*args, **kwargs)
    except (InvalidInput, NotFound) as exc:
        return str(exc)
    return None


def item(name: str, *details: str) -> Content:
    """A list row: the name in bold, then its details in italic. A row wraps in a narrow pane; the
    bold start tells where the next row begins (a wrapped '(archived) · contacts' read as a board).
    Not dim: dimmed details on the highlighted row read 2.5:1 in textual-dark."""
    rest = " · ".join(d for d in details if d)
    return Content.assemble((safe_line(name), "bold"), (f" · {safe_line(rest)}" if rest else "", "italic"))


class WorkspaceAdminScreen(Screen[None]):
    TITLE = "Workspace"
    AUTO_FOCUS = "#admin-boards"
    BINDINGS = [
        Binding("escape", "back", "Back", id="admin.back"),
        Binding("tab", "pane(1)", "Next list", id="admin.pane_next", show=False),
        Binding("shift+tab", "pane(-1)", "Previous list", id="admin.pane_prev", show=False),
        Binding("n", "new", "New", id="admin.new"),
        Binding("r", "rename", "Rename", id="admin.rename"),
        Binding("K", "move(-1)", "Move up", id="admin.move_up", group=MOVE),
        Binding("J", "move(1)", "Move down", id="admin.move_down", group=MOVE),
        Binding("d,delete", "delete", "Delete", id="admin.delete"),
        Binding("a", "archive", "Archive", id="admin.archive"),
        Binding("t", "stage_type", "Type", id="admin.stage_type"),
        Binding("p", "probability", "Probability", id="admin.probability"),
        Binding("s", "searchable", "Searchable", id="admin.searchable"),
        Binding("e", "config", "Type/settings", id="admin.config"),
    ]

    def __init__(self, store: Store) -> None:
        super().__init__()
        self.store = store
        self.boards: list[Board] = []
        self.stages: list[BoardStage] = []
        self.fields: list[CustomField] = []
        self._made: dict[str, str] = {}  # list → the id just created there, to highlight

    def compose(self) -> ComposeResult:
        yield PlainStatic("Workspace — boards, stages and custom fields", id="admin-header")
        with Horizontal(id="admin-main"):
            yield OptionList(id="admin-boards")
            yield OptionList(id="admin-stages")
            yield OptionList(id="admin-fields")
        yield PlainStatic("", id="admin-detail")
        yield StatusLine(id="status")
        yield KeyHints()

    def on_mount(self) -> None:
        for list_id, title in (("boards", "Boards"), ("stages", "Stages"), ("fields", "Custom fields")):
            self.query_one(f"#admin-{list_id}").border_title = title
        self.reload()

    @property
    def admin(self) -> bool:
        return self.store.can(Action.EDIT_BOARDS)

    def _pane(self) -> str:
        focused = self.focused
        return (focused.id or "admin-boards").removeprefix("admin-") if focused is not None else "boards"

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action not in ADMIN_ACTIONS:
            return True
        if not self.admin:
            return False  # not offered below admin (the store refuses anyway)
        pane = self._pane()
        if action == "archive":
            return pane == "boards"
        if action in ("stage_type", "probability"):
            return pane == "stages"
        if action in ("searchable", "config"):
            return pane == "fields"
        if action == "move":
            return pane in ("stages", "fields")
        if action == "delete":
            return pane in ("stages", "fields")
        return True

    def on_descendant_focus(self) -> None:
        self.refresh_bindings()
        self._show_detail()

    # -- loading ---------------------------------------------------------------------------

    def _list(self, name: str) -> OptionList:
        return self.query_one(f"#admin-{name}", OptionList)

    def _current(self, name: str):
        items = {"boards": self.boards, "stages": self.stages, "fields": self.fields}[name]
        index = self._list(name).highlighted
        return items[index] if index is not None and 0 <= index < len(items) else None

    def reload(self) -> None:
        board = self._current("boards")
        self.boards = self.store.all_boards()
        self._fill("boards", [
            item(b.name, b.record_type.table, "archived" if b.is_archived else "") for b in self.boards
        ], [b.id for b in self.boards], board.id if board else None)
        field = self._current("fields")
        self.fields = [f for kind in RecordType for f in self.store.custom_field_defs(kind)]
        self._fill("fields", [
            item(f.name, f.record_type.value, type_word(f.type), f"key {f.key}", "searchable" if f.searchable else "")
            for f in self.fields
        ], [f.id for f in self.fields], field.id if field else None)
        self._load_stages()
        self.query_one(StatusLine).context = "Workspace"

    def _create(self, pane: str, call, *args) -> str | None:
        """Make a board, stage or field; the list shows it highlighted once reloaded (the cursor
        goes to what was just made, not back to the row it was on)."""
        try:
            made = call(*args)
        except (InvalidInput, NotFound) as exc:
            return str(exc)
        if getattr(made, "id", None):
            self._made[pane] = made.id
        return None

    def _fill(self, name: str, prompts, ids: list[str], keep: str | None) -> None:
        keep = self._made.pop(name, None) or keep
        option_list = self._list(name)
        option_list.clear_options()
        option_list.add_options([Option(p, id=i) for p, i in zip(prompts, ids)])
        if ids:
            option_list.highlighted = ids.index(keep) if keep in ids else 0

    def _load_stages(self) -> None:
        board = self._current("boards")
        stage = self._current("stages")
        self.stages = self.store.stages(board.id) if board else []
        counts = {s.id: self.store.stage_card_count(s.id) for s in self.stages}
        self._fill("stages", [
            item(s.name, s.stage_type.value, percent(s.probability) if s.probability is not None else "",
                 f"{counts[s.id]} card{'' if counts[s.id] == 1 else 's'}")
            for s in self.stages
        ], [s.id for s in self.stages], stage.id if stage else None)
        self._show_detail()

    @on(OptionList.OptionHighlighted, "#admin-boards")
    def _board_highlighted(self) -> None:
        self._load_stages()

    @on(OptionList.OptionHighlighted)
    def _highlighted(self) -> None:
        self._show_detail()

    def _show_detail(self) -> None:
        pane = self._pane()
        item = self._current(pane) if pane in ("boards", "stages", "fields") else None
        detail = self.query_one("#admin-detail", PlainStatic)
        if item is None:
            detail.update("")
        elif pane == "fields":
            count, names = self.store.custom_field_usage(item.id)
            held = f"{count} record{'s' if count != 1 else ''} hold a value" + (f" (e.g. {', '.join(names)})" if names else "")
            detail.update(f"{item.name} — key {item.key} (fixed), type {type_word(item.type)}: "
                          f"{safe_line(describe_config(item.type, item.config))}\n{held}")
        elif pane == "stages":
            detail.update(f"{item.name} — {item.stage_type.value} stage, position {item.position + 1} of {len(self.stages)}")
        else:
            detail.update(f"{item.name} — a board of {item.record_type.table}"
                          f"{', archived' if item.is_archived else ''}, {len(self.stages)} stages")

    def on_store_changed(self, message: StoreChanged) -> None:
        if message.changes.touches("boards", "board_stages", "custom_fields", "board_cards"):
            self.reload()

    # -- keys ------------------------------------------------------------------------------

    def action_back(self) -> None:
        self.dismiss()

    def action_pane(self, delta: int) -> None:
        names = ["boards", "stages", "fields"]
        pane = self._pane()
        index = names.index(pane) if pane in names else 0
        self._list(names[(index + delta) % 3]).focus()

    def _done(self, saved: object | None) -> None:
        if saved is not None:  # a dialog's result (an empty probability is a result too)
            self.reload()

    def action_new(self) -> None:
        pane = self._pane()
        if pane == "boards":
            def save(board: NewBoard) -> str | None:
                return self._create("boards", self.store.create_board, board.name, board.record_type, board.stages)

            self.app.push_screen(NewBoardScreen(save, taken=[b.name for b in self.boards]), self._done)
        elif pane == "stages":
            board = self._current("boards")
            if board is None:
                return
            self.app.push_screen(PromptScreen(
                f"New stage on {board.name}", "", "Stage name", name_problem("stage", [s.name for s in self.stages]),
                lambda name: self._create("stages", self.store.add_stage, board.id, name)), self._done)
        else:
            def chosen(kind: str | None) -> None:
                if kind is None:
                    return
                record_type = RecordType(kind)

                def save(made: NewField) -> str | None:
                    return self._create("fields", self.store.create_custom_field, CustomField(
                        workspace_id=self.store.workspace_id, record_type=record_type, name=made.name, key=made.key,
                        type=made.type, config=made.config, searchable=made.searchable))

                same = [f for f in self.fields if f.record_type == record_type]
                self.app.push_screen(FieldFormScreen(record_type, save, taken=[f.name for f in same],
                                                     taken_keys={f.key: f.name for f in same}), self._done)

            self.app.push_screen(ChoiceScreen("A custom field on…", [(t.value, t.table.capitalize()) for t in RecordType]),
                                 chosen)

    def action_rename(self) -> None:
        pane = self._pane()
        item = self._current(pane)
        if item is None:
            return
        what = {"boards": "board", "stages": "stage", "fields": "field"}[pane]
        call = {"boards": self.store.rename_board,
                "stages": lambda i, name: self.store.update_stage(i, name=name),
                "fields": self.store.rename_custom_field}[pane]
        label = "Label (the key stays the same)" if pane == "fields" else f"The {what}'s name"
        others = {"boards": self.boards, "stages": self.stages,
                  # labels are unique per record type: a deal's and a contact's may be the same
                  "fields": [f for f in self.fields if f.record_type == getattr(item, "record_type", None)]}[pane]
        taken = [o.name for o in others if o.id != item.id]
        check = name_problem(what, taken, "Label" if pane == "fields" else "Name")
        self.app.push_screen(PromptScreen(f"Rename {what} {item.name}", item.name, label, check,
                                          lambda name: _problem(call, item.id, name)), self._done)

    def action_move(self, offset: int) -> None:
        pane = self._pane()
        item = self._current(pane)
        if item is None:
            return
        call = self.store.move_stage_position if pane == "stages" else self.store.move_custom_field
        problem = _problem(call, item.id, offset)
        if problem:
            self.notify(problem, severity="warning", timeout=6)
        self.reload()

    def action_archive(self) -> None:
        board = self._current("boards")
        if board is None:
            return
        problem = _problem(self.store.set_board_archived, board.id, not board.is_archived)
        self.notify(problem or f"{board.name}: {'unarchived' if board.is_archived else 'archived'}",
                    severity="warning" if problem else "information", timeout=4)
        self.reload()

    def action_stage_type(self) -> None:
        stage = self._current("stages")
        if stage is None:
            return
        problem = _problem(self.store.update_stage, stage.id, stage_type=TYPE_CYCLE[stage.stage_type])
        if problem:
            self.notify(problem, severity="warning", timeout=6)
        self.reload()

    def action_probability(self) -> None:
        stage = self._current("stages")
        if stage is None:
            return
        initial = percent(stage.probability).rstrip("%") if stage.probability is not None else ""
        self.app.push_screen(PromptScreen(
            f"Probability of {stage.name}", initial, "Probability (0–100 %, empty for none)", probability_problem,
            lambda text: _problem(self.store.update_stage, stage.id, probability=text)), self._done)

    def action_searchable(self) -> None:
        field = self._current("fields")
        if field is None:
            return
        problem = _problem(self.store.set_custom_field_searchable, field.id, not field.searchable)
        self.notify(problem or f"{field.name}: {'not ' if field.searchable else ''}searchable (search reindexed)",
                    severity="warning" if problem else "information", timeout=4)
        self.reload()

    def action_config(self) -> None:
        field = self._current("fields")
        if field is None:
            return
        def save(settings: FieldSettings) -> str | None:
            return _problem(self.store.change_custom_field, field.id, type=settings.type, config=settings.config,
                            reassign=settings.reassign or None)

        usage = self.store.custom_field_option_usage(field.id) if field.type.value in ("select", "multi_select") else {}
        self.app.push_screen(ConfigScreen(f"Type and settings of {field.name} ({field.key})", field.type, field.config,
                                          save, usage), self._done)

    def action_delete(self) -> None:
        pane = self._pane()
        if pane == "stages":
            self._delete_stage()
        elif pane == "fields":
            self._delete_field()

    def _delete_stage(self) -> None:
        stage = self._current("stages")
        if stage is None:
            return
        cards = self.store.stage_card_count(stage.id)
        if not cards:
            problem = _problem(self.store.delete_stage, stage.id)
            self.notify(problem or f"Deleted the stage {stage.name}", severity="warning" if problem else "information")
            self.reload()
            return
        others = [(s.id, s.name) for s in self.stages if s.id != stage.id]
        if not others:
            self.notify(f"{stage.name} holds {cards} cards and is the board's only stage: add another first",
                        severity="warning", timeout=6)
            return

        def save(target: str) -> str | None:
            return _problem(self.store.delete_stage, stage.id, move_to=target)

        self.app.push_screen(ChoiceScreen(f"{stage.name} holds {cards} cards: move them to…", others, save=save),
                             self._done)

    def _delete_field(self) -> None:
        field = self._current("fields")
        if field is None:
            return
        count, names = self.store.custom_field_usage(field.id)
        held = (f"{count} record{'s' if count != 1 else ''} hold a value" + (f" (e.g. {', '.join(names)})" if names else "")
                + "; the values stay in the records but no longer show.")

        def save(choice: str) -> str | None:
            return _problem(self.store.delete_custom_field, field.id) if choice == "delete" else None

        self.app.push_screen(ChoiceScreen(f"Delete the field {field.name}? {held}",
                                          [("keep", "Keep it"), ("delete", f"Delete {field.name}")], save=save),
                             lambda chosen: self._done(chosen if chosen == "delete" else None))

"""The local automation runner: what the server's Edge Function does, for a workspace without one.

With a Supabase project the server runs automations (an Edge Function writes `automation_runs`);
running them here as well would do every action twice, so this runner works only when the store
stands alone (`Store.standalone`: the demo, or a cache file with no project — set by the command
line, never for a project's cache). Then every local write transaction collects what happened
to records (:class:`~.writes.RecordEvent`: created, a field changed, a stage change) and, before
it commits, this module runs the enabled automations those events trigger, inside the same
transaction, through the same write path — so their rows reach the outbox and one undo takes
back the person's change together with what the automations did.

- **Triggers**: record created, field updated, stage changed and field value matches fire on the
  events; "N days in stage" and "due date approaching" depend on the clock, so
  :func:`run_scheduled` (a write action the app calls now and then) finds the records that have
  reached the point and not yet had that automation run on them since.
- **Conditions** are checked on the record as it stands in the transaction.
- **Actions** that make sense offline are performed: assign owner (directly, or in turn — the
  next person after the one the rule last assigned), move stage, add/remove tag, create task,
  set a field (validated like a person's edit), notify (kept as a notification for the app to
  show). A webhook is not sent: the run says it was skipped.
- Each automation's actions run under a SAVEPOINT: one that fails is taken back whole and its
  run is written as failed with the reason; the person's own change stands.
- **Loop guard**: actions may trigger other automations one level deep. An action that triggers
  its own rule, or a change made two levels down, runs nothing and writes a failed run saying so.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from ..models import RECORD_MODELS, Automation, AutomationRun, Task
from ..models import automation_rules as r
from ..models.automation_words import RuleNames, action_words
from ..models.custom_fields import CustomField, CustomFieldError
from ..models.enums import EntryType, RecordType, RunStatus
from ..models.records import FIELD_LABELS
from ..models.stored import read_stored
from .errors import InvalidInput, NotFound, first_validation_error
from .rows import iso_utc, row_to_dict, rows_to_models
from .writes import RecordEvent, WriteContext

if TYPE_CHECKING:
    from .store import Store

log = logging.getLogger(__name__)

MAX_DEPTH = 1  # automations may trigger automations this many levels deep
MAX_EVENTS = 500  # a transaction's events the runner looks at (a bulk import is not a trigger storm)


class ActionFailed(Exception):
    """An action cannot be done; the message says why (it becomes the run's error)."""


@dataclass
class Notice:
    """A notify action's message, for the app to show to the person it is for."""

    user_id: str | None
    message: str
    record_type: RecordType
    record_id: str
    automation: str


# -- matching ------------------------------------------------------------------------------


def field_value(row: dict[str, Any], name: str) -> Any:
    if name.startswith("custom_fields."):
        return (row.get("custom_fields") or {}).get(name.removeprefix("custom_fields."))
    return row.get(name)


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, dict) and isinstance(value.get("minor"), int):  # a currency custom field
        return float(value["minor"])
    try:
        return float(str(value))
    except (TypeError, ValueError):
        return None


def _same(stored: Any, wanted: Any) -> bool:
    if isinstance(stored, str) and isinstance(wanted, str):
        return stored.strip().lower() == wanted.strip().lower()
    if _number(stored) is not None and _number(wanted) is not None and not isinstance(stored, str):
        return _number(stored) == _number(wanted)
    return stored == wanted or str(stored) == str(wanted) if stored is not None else wanted in (None, "")


def matches_op(value: Any, op: str, wanted: Any) -> bool:
    if op == "eq":
        return _same(value, wanted)
    if op == "ne":
        return not _same(value, wanted)
    if op == "contains":
        if isinstance(value, list):
            return any(_same(v, wanted) for v in value)
        return isinstance(value, str) and str(wanted).lower() in value.lower()
    a, b = _number(value), _number(wanted)
    if a is None or b is None:
        return False
    return {"gt": a > b, "gte": a >= b, "lt": a < b, "lte": a <= b}[op]


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def trigger_fires(trigger: Any, event: RecordEvent) -> bool:
    """Does `event` fire `trigger`? (Clock triggers never fire on an event.)"""
    t = trigger
    if isinstance(t, r.RecordCreated):
        return event.kind == "created" and t.record_type in (None, event.record_type)
    if isinstance(t, r.FieldUpdated):
        if t.record_type not in (None, event.record_type):
            return False
        if event.kind == "stage_changed":
            return t.field == "stage_id" and event.record_type is not RecordType.DEAL  # deals: the column itself
        return event.kind == "updated" and _touches(event, t.field)
    if isinstance(t, r.StageChanged):
        if event.kind != "stage_changed":
            return False
        p = event.new
        return ((t.board_id is None or p.get("board_id") == t.board_id)
                and (t.to_stage_id is None or p.get("to_stage_id") == t.to_stage_id)
                and (t.from_stage_id is None or p.get("from_stage_id") == t.from_stage_id)
                and (t.to_stage_type is None or p.get("to_stage_type") == t.to_stage_type.value))
    if isinstance(t, r.FieldMatches):
        if event.kind == "created":
            return matches_op(field_value(event.new, t.field), t.op, t.value)
        if event.kind == "updated" and _touches(event, t.field):
            # Fires when the value comes to match, not on every edit of a value that already did.
            now = matches_op(field_value(event.new, t.field) if _column(t.field) in event.new else None, t.op, t.value)
            before = matches_op(field_value(event.old, t.field), t.op, t.value)
            return now and not before
        return False
    return False


def _column(name: str) -> str:
    return "custom_fields" if name.startswith("custom_fields.") else name


def _touches(event: RecordEvent, name: str) -> bool:
    column = _column(name)
    if column not in event.new:
        return False
    if column != "custom_fields":
        return True
    return field_value(event.old, name) != field_value(event.new, name)


def condition_holds(tx: WriteContext, condition: Any, record_type: RecordType, row: dict[str, Any]) -> bool:
    c = condition
    if isinstance(c, r.OnBoard):
        return tx.conn.execute("SELECT 1 FROM board_cards WHERE record_id = ? AND board_id = ?",
                               (row["id"], c.board_id)).fetchone() is not None
    if isinstance(c, r.FieldEquals):
        return _same(field_value(row, c.field), c.value) != c.negate
    if isinstance(c, r.FieldContains):
        return matches_op(field_value(row, c.field), "contains", c.value) != c.negate
    if isinstance(c, r.FieldIsEmpty):
        return _empty(field_value(row, c.field)) != c.negate
    if isinstance(c, r.OwnerIs):
        return row.get("owner_id") == c.user_id
    if isinstance(c, r.OwnerIsNot):
        return row.get("owner_id") != c.user_id
    if isinstance(c, r.TagApplied):
        return c.tag.lower() in {str(t).lower() for t in row.get("tags") or []}
    if isinstance(c, r.TagNotApplied):
        return c.tag.lower() not in {str(t).lower() for t in row.get("tags") or []}
    if isinstance(c, r.CreatedWithinDays):
        created = _moment(row.get("created_at"))
        return created is not None and created >= tx.now - timedelta(days=c.days)
    return False


def _moment(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return None


# -- running -------------------------------------------------------------------------------


def enabled_automations(tx: WriteContext) -> list[Automation]:
    rows = tx.conn.execute("SELECT * FROM automations WHERE is_enabled = 1 ORDER BY created_at, id").fetchall()
    return rows_to_models(Automation, rows)


def run_on_events(store: "Store", tx: WriteContext) -> None:
    """Run the automations the transaction's events trigger (called before it commits)."""
    events = tx.events
    if not events:
        return
    automations = [(a, a.rule) for a in enabled_automations(tx)]
    if not automations:
        return
    done = 0
    while done < len(events) and done < MAX_EVENTS:
        event = events[done]
        done += 1
        for automation, rule in automations:
            if isinstance(rule.trigger, r.Malformed) or not trigger_fires(rule.trigger, event):
                continue
            if automation.id in event.cause:
                _write_run(tx, automation, event.record_id, RunStatus.FAILED, 0,
                           f"stopped a loop: this rule's own action changed the {event.record_type.value} "
                           "and would have triggered it again; it ran once")
                continue
            if len(event.cause) > MAX_DEPTH:
                _write_run(tx, automation, event.record_id, RunStatus.FAILED, 0,
                           f"stopped: triggered by automations {len(event.cause)} levels deep "
                           f"(automations may trigger others only {MAX_DEPTH} level deep)")
                continue
            run_one(store, tx, automation, rule, event.record_type, event.record_id, event.cause)


def run_one(store: "Store", tx: WriteContext, automation: Automation, rule: r.Rule, record_type: RecordType,
            record_id: str, cause: tuple[str, ...] = ()) -> AutomationRun | None:
    """Check the conditions on the record and do the actions (all or nothing); write the run.
    None when a condition does not hold (nothing ran, nothing is logged)."""
    started = time.perf_counter()
    try:
        row = tx.fetch(record_type.table, record_id)
    except NotFound:
        return None
    if row.get("deleted_at"):
        return None
    if not rule.usable:
        problem = rule.malformed[0].problem if rule.malformed else (rule.problems or ("it has no actions",))[0]
        return _write_run(tx, automation, record_id, RunStatus.FAILED, _ms(started), f"the rule is malformed: {problem}")
    if not all(condition_holds(tx, c, record_type, row) for c in rule.conditions):
        return None
    savepoint = f"automation_{automation.id.replace('-', '')}"
    marks = _marks(tx)
    tx.conn.execute(f"SAVEPOINT {savepoint}")
    previous_cause, tx.cause = tx.cause, (*cause, automation.id)
    skipped: list[str] = []
    try:
        for action in rule.actions:
            note = perform(store, tx, automation, action, record_type, record_id)
            if note:
                skipped.append(note)
    except Exception as exc:  # noqa: BLE001 - whatever an action meets, the person's change stands
        tx.conn.execute(f"ROLLBACK TO {savepoint}")
        tx.conn.execute(f"RELEASE {savepoint}")
        _rewind(tx, marks)
        tx.cause = previous_cause
        if not isinstance(exc, (ActionFailed, InvalidInput, NotFound)):
            log.exception("automation %s failed", automation.id)
            exc = ActionFailed(f"the runner failed: {type(exc).__name__}: {exc}")
        return _write_run(tx, automation, record_id, RunStatus.FAILED, _ms(started), str(exc))
    finally:
        tx.cause = previous_cause
    tx.conn.execute(f"RELEASE {savepoint}")
    return _write_run(tx, automation, record_id, RunStatus.SUCCESS, _ms(started), "; ".join(skipped) or None)


def _marks(tx: WriteContext) -> tuple[int, int, int]:
    return (len(tx.events or []), len(tx.journal) if tx.journal is not None else 0, len(tx.notices))


def _rewind(tx: WriteContext, marks: tuple[int, int, int]) -> None:
    """Forget what a rolled-back automation had added to the transaction's lists."""
    if tx.events is not None:
        del tx.events[marks[0]:]
    if tx.journal is not None:
        del tx.journal[marks[1]:]
    del tx.notices[marks[2]:]


def _ms(started: float) -> int:
    return max(0, round((time.perf_counter() - started) * 1000))


def _write_run(tx: WriteContext, automation: Automation, record_id: str | None, status: RunStatus,
               duration_ms: int, error: str | None) -> AutomationRun:
    run = AutomationRun(automation_id=automation.id, record_id=record_id, status=status, duration_ms=duration_ms,
                        error=error, run_at=tx.now, workspace_id=tx.workspace_id)
    tx.insert(run)
    return run


# -- actions -------------------------------------------------------------------------------


def perform(store: "Store", tx: WriteContext, automation: Automation, action: Any, record_type: RecordType,
            record_id: str) -> str | None:
    """Do one action; return a note when it was skipped (a webhook), raise ActionFailed when it
    cannot be done."""
    table = record_type.table
    a = action
    if isinstance(a, r.AssignOwner):
        owner = a.user_id if a.mode == "direct" else _next_in_turn(tx, automation, a.user_ids)
        if not tx.conn.execute("SELECT 1 FROM profiles WHERE id = ?", (owner,)).fetchone():
            raise ActionFailed(f"assign owner: no person with id {owner} in this workspace")
        _set_column(tx, record_type, record_id, "owner_id", owner)
    elif isinstance(a, r.MoveStage):
        try:
            stage = tx.fetch("board_stages", a.stage_id)
        except NotFound:
            raise ActionFailed("move stage: the stage no longer exists (deleted from its board?)") from None
        card = tx.conn.execute("SELECT * FROM board_cards WHERE record_id = ? AND board_id = ?",
                               (record_id, stage["board_id"])).fetchone()
        if card is None:
            raise ActionFailed(f"move stage: this {record_type.value} has no card on the board of {stage['name']}")
        store._move(tx, row_to_dict(card), a.stage_id, None)
    elif isinstance(a, (r.AddTag, r.RemoveTag)):
        tags = list(tx.fetch(table, record_id).get("tags") or [])
        lowered = [str(t).lower() for t in tags]
        if isinstance(a, r.AddTag) and a.tag.lower() not in lowered:
            tags.append(a.tag)
        elif isinstance(a, r.RemoveTag):
            tags = [t for t in tags if str(t).lower() != a.tag.lower()]
        _set_column(tx, record_type, record_id, "tags", tags)
    elif isinstance(a, r.CreateTask):
        row = tx.fetch(table, record_id)
        assignee = row.get("owner_id") if a.assign_to == "owner" else a.assign_to
        due = store.today() + timedelta(days=a.due_in_days) if a.due_in_days is not None else None
        try:
            task = Task(workspace_id=tx.workspace_id, record_type=record_type, record_id=record_id, title=a.title,
                        assigned_to=assignee, due_date=due, created_at=tx.now)
        except ValidationError as exc:
            raise first_validation_error(exc) from None
        tx.insert(task)
        tx.log(record_type, record_id, EntryType.TASK, body=task.title, payload={
            "task_id": task.id, "title": task.title, "action": "created",
            "due_date": due.isoformat() if due else None, "automation": automation.name,
        })
    elif isinstance(a, r.Notify):
        row = tx.fetch(table, record_id)
        user = row.get("owner_id") if a.user == "owner" else a.user
        tx.notices.append(Notice(user, a.message, record_type, record_id, automation.name))
    elif isinstance(a, r.SetField):
        if a.field.startswith("custom_fields."):
            _set_custom(store, tx, record_type, record_id, a.field.removeprefix("custom_fields."), a.value)
        else:
            _set_column(tx, record_type, record_id, a.field, a.value)
    elif isinstance(a, r.SendWebhook):
        return f"skipped: {action_words(a, RuleNames())} — webhooks are not sent without a server"
    return None


def _next_in_turn(tx: WriteContext, automation: Automation, user_ids: list[str]) -> str:
    """Round robin: the person after the one this rule assigned last (its last successful run's
    record's owner is not reliable — a person may have changed it — so the count of its
    successful runs decides whose turn it is)."""
    done = tx.conn.execute("SELECT count(*) FROM automation_runs WHERE automation_id = ? AND status = 'success'",
                           (automation.id,)).fetchone()[0]
    return user_ids[done % len(user_ids)]


def _set_column(tx: WriteContext, record_type: RecordType, record_id: str, column: str, value: Any) -> None:
    """Set a built-in column, validated as a person's edit is, and log the field edit."""
    model = RECORD_MODELS[record_type]
    table = record_type.table
    current = tx.fetch(table, record_id)
    if column not in model.model_fields or column in ("id", "workspace_id", "custom_fields", "created_at",
                                                      "updated_at", "version", "deleted_at"):
        raise ActionFailed(f"set field: {record_type.value}s have no field {column!r} an automation may set")
    try:
        clean = read_stored(model, {**current, column: value}, checked=[column]).model_dump()[column]
    except ValidationError as exc:
        raise ActionFailed(f"set field: {first_validation_error(exc)}") from None
    old = tx.update(table, record_id, {column: clean})
    if old:
        new = read_stored(model, {**current, column: clean}).model_dump(mode="json")[column]
        previous = old[column]
        if hasattr(previous, "isoformat"):
            previous = previous.isoformat()
        tx.log(record_type, record_id, EntryType.FIELD_EDIT, payload={
            "field": column, "label": FIELD_LABELS.get(column, column), "old": previous, "new": new,
        })


def _set_custom(store: "Store", tx: WriteContext, record_type: RecordType, record_id: str, key: str, value: Any) -> None:
    row = tx.conn.execute("SELECT * FROM custom_fields WHERE record_type = ? AND key = ?",
                          (record_type.value, key)).fetchone()
    if row is None:
        raise ActionFailed(f"set field: no custom field {key!r} on {record_type.value}s")
    definition = read_stored(CustomField, row_to_dict(row))
    try:
        clean = definition.validate_value(value)
    except CustomFieldError as exc:
        raise ActionFailed(f"set field: {exc}") from None
    current = tx.fetch(record_type.table, record_id)
    custom = dict(current.get("custom_fields") or {})
    old = custom.get(key)
    if clean is None:
        custom.pop(key, None)
    else:
        custom[key] = clean
    if tx.update(record_type.table, record_id, {"custom_fields": custom}):
        tx.log(record_type, record_id, EntryType.FIELD_EDIT, payload={
            "field": f"custom_fields.{key}", "label": definition.name, "old": old, "new": clean,
        })


# -- the clock's triggers ------------------------------------------------------------------


def scheduled_candidates(tx: WriteContext, automation: Automation, trigger: Any, today: date) -> list[tuple[RecordType, str]]:
    """Records a clock trigger has reached and this automation has not run on since."""
    found: list[tuple[RecordType, str]] = []
    if isinstance(trigger, r.DaysInStage):
        stage = tx.conn.execute("SELECT * FROM board_stages WHERE id = ?", (trigger.stage_id,)).fetchone()
        if stage is None:
            return []
        cutoff = iso_utc(tx.now - timedelta(days=trigger.days))
        for card in tx.conn.execute("SELECT record_type, record_id FROM board_cards WHERE stage_id = ?", (trigger.stage_id,)):
            try:
                kind = RecordType(card[0])
            except ValueError:
                continue
            entered = tx.conn.execute(
                f"""SELECT coalesce((SELECT max(created_at) FROM timeline_entries WHERE record_id = r.id
                AND entry_type = 'stage_change'), r.created_at) FROM {kind.table} r
                WHERE r.id = ? AND r.deleted_at IS NULL""", (card[1],)).fetchone()
            if entered is None or entered[0] is None or entered[0] > cutoff:
                continue
            if not _ran_since(tx, automation.id, card[1], entered[0]):
                found.append((kind, card[1]))
    elif isinstance(trigger, r.DueDateApproaching):
        horizon = (today + timedelta(days=trigger.days_before)).isoformat()
        for kind in RecordType:
            if trigger.field.startswith("custom_fields."):
                key = trigger.field.removeprefix("custom_fields.")
                expr, params = "json_extract(custom_fields, ?)", [f'$."{key}"']
            elif trigger.field in RECORD_MODELS[kind].model_fields:
                expr, params = f'"{trigger.field}"', []
            else:
                continue
            rows = tx.conn.execute(
                f"""SELECT id, {expr} FROM {kind.table} WHERE deleted_at IS NULL
                AND {expr} >= ? AND {expr} <= ?""", (*params, *params, today.isoformat(), *params, horizon)).fetchall()
            for record_id, due in rows:
                since = (date.fromisoformat(str(due)[:10]) - timedelta(days=trigger.days_before)).isoformat()
                if not _ran_since(tx, automation.id, record_id, since):
                    found.append((kind, record_id))
    return found


def _ran_since(tx: WriteContext, automation_id: str, record_id: str, since: str) -> bool:
    return tx.conn.execute("SELECT 1 FROM automation_runs WHERE automation_id = ? AND record_id = ? AND run_at >= ?",
                           (automation_id, record_id, since)).fetchone() is not None


def run_scheduled(store: "Store", tx: WriteContext, limit: int = 200) -> int:
    """Run the clock-triggered automations on the records that reached their point; how many ran."""
    ran = 0
    today = store.today()
    for automation in enabled_automations(tx):
        rule = automation.rule
        if not isinstance(rule.trigger, (r.DaysInStage, r.DueDateApproaching)):
            continue
        for record_type, record_id in scheduled_candidates(tx, automation, rule.trigger, today)[: limit - ran]:
            if run_one(store, tx, automation, rule, record_type, record_id) is not None:
                ran += 1
        if ran >= limit:
            break
    return ran  # what those actions changed is run on by the transaction, like any change

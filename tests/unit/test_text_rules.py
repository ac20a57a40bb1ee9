"""What text a row may hold: no NUL or lone surrogates anywhere, and the documented size limits,
enforced by the models so every path (typing, $EDITOR, import, sync) meets them."""

from __future__ import annotations

import types
import typing
from pathlib import Path

import pytest
from pydantic import ValidationError

from tests.factories import fixed_id, make_store
from track_tui.models import SYNCED_MODELS, AuditLogEntry, Contact, Deal, RecordType, Task, TimelineEntry
from track_tui.models.enums import EntryType
from track_tui.models.problems import field_problem
from track_tui.models.text import JSON_MAX, LINE_MAX, LONG_TEXT_MAX, json_problem, text_problem
from track_tui.store import InvalidInput

WS = fixed_id("workspace")
MODELS = [*SYNCED_MODELS, AuditLogEntry]


def _kinds(annotation) -> set:
    """The plain types an annotation allows: `str | None` → {str, NoneType}, `dict[str, Any]` → {dict}."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        return set().union(*(_kinds(arg) for arg in typing.get_args(annotation)))
    return {origin or annotation}


def _fields(model, kind: type) -> list[str]:
    """Names of `model`'s fields whose annotation allows `kind` (str, dict or list)."""
    return [name for name, info in model.model_fields.items() if kind in _kinds(info.annotation)]


TEXT_FIELDS = [(m, f) for m in MODELS for f in _fields(m, str)]
JSON_FIELDS = [(m, f) for m in MODELS for f in _fields(m, dict) + _fields(m, list)]


def test_every_model_has_text_and_json_fields_under_the_rule() -> None:
    assert len(TEXT_FIELDS) > 40 and len(JSON_FIELDS) >= 10
    assert (TimelineEntry, "body") in TEXT_FIELDS and (TimelineEntry, "payload") in JSON_FIELDS


@pytest.mark.parametrize(("model", "name"), TEXT_FIELDS, ids=lambda v: getattr(v, "__name__", v))
@pytest.mark.parametrize(
    ("bad", "reason"),
    [("a\x00b", "NUL character"), ("broken \ud83d half", "lone UTF-16 surrogate")],
)
def test_no_text_field_accepts_what_postgresql_cannot_store(model, name: str, bad: str, reason: str) -> None:
    problem = field_problem(model, name, bad)
    assert problem is not None and (reason in problem or name in ("key",)), problem


@pytest.mark.parametrize(("model", "name"), JSON_FIELDS, ids=lambda v: getattr(v, "__name__", v))
def test_no_json_field_accepts_nul_or_surrogates_at_any_depth(model, name: str) -> None:
    annotation = model.model_fields[name].annotation
    if dict in _kinds(annotation):
        deep, key = {"outer": [{"inner": "x\x00"}]}, {"bad\ud800key": 1}
    elif typing.get_args(annotation) == (str,):  # list[str]: tags
        deep, key = ["fine", "x\x00"], ["bad\ud800"]
    else:
        deep, key = [{"inner": ["x\x00"]}], [{"bad\ud800key": 1}]
    assert "NUL character" in (field_problem(model, name, deep) or "")
    assert "surrogate" in (field_problem(model, name, key) or "")


def test_sizes_are_refused_one_past_the_limit_naming_it() -> None:
    assert field_problem(Deal, "name", "x" * LINE_MAX) is None
    assert field_problem(Deal, "name", "x" * (LINE_MAX + 1)) == "too long: 1,001 characters (the most is 1,000)"
    assert field_problem(TimelineEntry, "body", "x" * LONG_TEXT_MAX) is None
    assert field_problem(TimelineEntry, "body", "x" * (LONG_TEXT_MAX + 1)) == (
        "too long: 200,001 characters (the most is 200,000)"
    )
    assert field_problem(Task, "description", "x" * LONG_TEXT_MAX) is None
    assert field_problem(Task, "title", "x" * (LINE_MAX + 1)) is not None
    big = {"notes": "x" * JSON_MAX}
    assert "too large" in (field_problem(Deal, "custom_fields", big) or "")
    assert field_problem(Deal, "custom_fields", {"notes": "x" * (JSON_MAX - 20)}) is None
    # A field edit of a long custom text holds its old and new value.
    both = {"field": "custom_fields.notes", "old": "x" * (JSON_MAX - 20), "new": "y" * (JSON_MAX - 20)}
    assert field_problem(TimelineEntry, "payload", both) is None
    assert field_problem(Contact, "tags", ["x" * (LINE_MAX + 1)]) == f"a tag can be at most {LINE_MAX:,} characters"


def test_text_checks_agree_with_plain_functions() -> None:
    assert text_problem("fine ünïcödé ✓", 20) is None
    assert text_problem("", 0) is None
    assert json_problem({"a": [1, 2.5, None, True, "ok"]}) is None
    assert "NUL" in json_problem(["ok", {"k": "\x00"}])


def test_the_readme_documents_the_limits_the_models_enforce() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Limits"):]
    for number in (LINE_MAX, LONG_TEXT_MAX, JSON_MAX):
        assert f"{number:,}" in section


# -- through the store: a clear InvalidInput, nothing written -------------------------------


def _outbox(store) -> int:
    return store.conn.execute("SELECT count(*) FROM outbox").fetchone()[0]


def test_the_store_refuses_bad_text_with_the_field_and_writes_nothing() -> None:
    store, ids = make_store()
    deal = ids.deals["Acme renewal"]
    before = _outbox(store)
    with pytest.raises(InvalidInput) as caught:
        store.update_record(RecordType.DEAL, deal, {"name": "Acme\x00renewal"})
    assert caught.value.field == "Name" and "NUL character" in caught.value.reason
    with pytest.raises(InvalidInput) as caught:
        store.log_entry(RecordType.DEAL, deal, EntryType.NOTE, body="x" * (LONG_TEXT_MAX + 1))
    assert str(caught.value) == "Text: too long: 200,001 characters (the most is 200,000)"
    with pytest.raises(InvalidInput, match="Title: .*surrogate"):
        store.task_from_entry(None, record_type=RecordType.DEAL, record_id=deal, title="call \udc80back",
                              assigned_to=None, due_date=None)
    contact = ids.contacts["Ada Lovelace"]
    with pytest.raises(InvalidInput, match="Role: too long"):
        store.add_deal_contact(deal, contact, "x" * (LINE_MAX + 1))
    assert _outbox(store) == before
    assert store.record(RecordType.DEAL, deal).name == "Acme renewal"
    # A note at the limit is accepted.
    entry = store.log_entry(RecordType.DEAL, deal, EntryType.NOTE, body="word " * (LONG_TEXT_MAX // 5))
    assert len(entry.body) == LONG_TEXT_MAX
    store.close()


def test_a_model_from_the_server_with_a_nul_is_refused_too() -> None:
    """Sync will build rows from the server's JSON: the same rules apply to them."""
    row = {"id": fixed_id("entry"), "workspace_id": WS, "record_type": "deal", "record_id": fixed_id("deal"),
           "entry_type": "note", "body": "hello\x00", "payload": {}}
    with pytest.raises(ValidationError, match="NUL character"):
        TimelineEntry.model_validate(row)

"""The record picker's search: namesakes told apart, typos forgiven, contacts by their company."""

from __future__ import annotations

import pytest

from tests.factories import Ids, make_store
from track_tui.models import Contact, RecordType
from track_tui.store import Store


@pytest.fixture
def ws() -> tuple[Store, Ids]:
    store, ids = make_store()
    # A namesake at another company: the picker must say which Ada is which.
    store.create_record(Contact(workspace_id=ids.workspace, name="Ada Lovelace", title="Analyst",
                                company_id=ids.companies["Globex"]))
    yield store, ids
    store.close()


def lines(store: Store, text: str, **kwargs) -> list[tuple[str, str | None]]:
    return [(item.name, item.detail) for item in store.pick_records(text, [RecordType.CONTACT], **kwargs)]


def test_namesakes_show_their_company_and_title(ws) -> None:
    store, _ = ws
    assert sorted(lines(store, "ada lovelace")) == [("Ada Lovelace", "Acme · CTO"), ("Ada Lovelace", "Globex · Analyst")]


def test_typos_are_forgiven(ws) -> None:
    store, _ = ws
    assert {name for name, _ in lines(store, "lovlace")} == {"Ada Lovelace"}
    assert {name for name, _ in lines(store, "grase hoper")} == {"Grace Hopper"}


def test_contacts_are_found_by_their_company(ws) -> None:
    store, ids = ws
    assert lines(store, "kaisha") == [("Ken Sato", "Kaisha · ken@kaisha.example.jp")]
    assert ("Ada Lovelace", "Globex · Analyst") in lines(store, "globex")
    assert lines(store, "globex", exclude=[c.record_id for c in store.pick_records("globex", [RecordType.CONTACT])]) == []


def test_nothing_matching_is_an_empty_list_and_no_text_lists_by_name(ws) -> None:
    store, ids = ws
    assert lines(store, "qqqqzz") == []
    assert [name for name, _ in lines(store, "")] == ["Ada Lovelace", "Ada Lovelace", "Grace Hopper", "Ken Sato"]
    assert [name for name, _ in lines(store, "", exclude=[ids.contacts["Grace Hopper"]])] == [
        "Ada Lovelace", "Ada Lovelace", "Ken Sato"]


def test_several_types_put_names_starting_with_the_text_first(ws) -> None:
    store, _ = ws
    items = store.pick_records("acme", None)
    assert [i.name for i in items][:2] == ["Acme", "Acme renewal"]
    assert {i.record_type for i in items} == {RecordType.COMPANY, RecordType.DEAL, RecordType.CONTACT}
    company = next(i for i in items if i.record_type == RecordType.COMPANY)
    assert company.detail == "acme.example · Manufacturing"


def test_deleted_records_are_not_offered(ws) -> None:
    store, ids = ws
    store.soft_delete(RecordType.CONTACT, ids.contacts["Ken Sato"])
    assert lines(store, "ken") == [] and lines(store, "kaisha") == []
    assert "Ken Sato" not in [name for name, _ in lines(store, "")]

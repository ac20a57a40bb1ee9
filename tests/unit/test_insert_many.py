"""`WriteContext.insert_many`: many rows, the same effects as `insert` row by row — outbox
entries, search documents, checks, the undo journal — in the caller's one transaction."""

from __future__ import annotations

import json

import pytest

from track_tui.models import Company, Contact, new_id
from track_tui.store import InvalidInput


def outbox_rows(store, table: str) -> list[tuple[str, dict]]:
    rows = store.conn.execute("SELECT row_id, patch FROM outbox WHERE table_name = ? AND op = 'insert' ORDER BY seq",
                              (table,)).fetchall()
    return [(r[0], json.loads(r[1])) for r in rows]


def test_every_row_reaches_the_outbox_and_search_like_a_single_insert(demo_store) -> None:
    ws = demo_store.workspace_id
    contacts = [Contact(workspace_id=ws, name=f"Bulk Person {i}", email=f"bulk{i}@zyxw.example") for i in range(2500)]
    single = Contact(workspace_id=ws, name="Single Person", email="single@zyxw.example")
    with demo_store.transaction() as tx:
        tx.insert_many(contacts)
        tx.insert(single)
    sent = dict(outbox_rows(demo_store, "contacts"))
    assert set(sent) >= {c.id for c in contacts} | {single.id}
    # the same payload shape as insert's
    assert set(sent[contacts[0].id]) == set(sent[single.id])
    assert sent[contacts[7].id]["email"] == "bulk7@zyxw.example"
    docs = {r[0] for r in demo_store.conn.execute("SELECT record_id FROM search_docs WHERE email LIKE '%zyxw%'")}
    assert docs == {c.id for c in contacts} | {single.id}
    assert contacts[1234].id in {h.record_id for h in demo_store.search("bulk1234").hits}


def test_a_bad_reference_refuses_the_whole_batch(demo_store) -> None:
    ws = demo_store.workspace_id
    before = demo_store.conn.execute("SELECT count(*) FROM contacts").fetchone()[0]
    rows = [Contact(workspace_id=ws, name="Fine"), Contact(workspace_id=ws, name="Broken", company_id=new_id())]
    with pytest.raises(InvalidInput):
        with demo_store.transaction() as tx:
            tx.insert_many(rows)
    assert demo_store.conn.execute("SELECT count(*) FROM contacts").fetchone()[0] == before


def test_a_parent_earlier_in_the_list_is_found(demo_store) -> None:
    ws = demo_store.workspace_id
    parent = Company(workspace_id=ws, name="Parent Co")
    child = Company(workspace_id=ws, name="Child Co", parent_id=parent.id)
    with demo_store.transaction() as tx:
        tx.insert_many([parent, child])
    assert demo_store.record("company", child.id).parent_id == parent.id


def test_one_table_per_call(demo_store) -> None:
    ws = demo_store.workspace_id
    with pytest.raises(ValueError, match="one table"):
        with demo_store.transaction() as tx:
            tx.insert_many([Contact(workspace_id=ws, name="A"), Company(workspace_id=ws, name="B")])

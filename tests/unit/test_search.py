"""Local search: parsing, prefixes, ranking, typos, substrings, filters and index maintenance.

Runs on the demo workspace (frozen clock) with a few records of invented names added through
the write path, so each case knows exactly what it should find.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from track_tui.models import Company, Contact, Deal, EntryType, RecordType, TimelineEntry
from track_tui.store.search import (
    TIER_BODY, TIER_EXACT, TIER_NAME_START, TIER_SUBSTRING, TIER_TYPO, Vocabulary, fold,
    osa_prefix_distance, parse_query, tokens,
)

from ..conftest import FROZEN_NOW


def company(store, name: str, **fields) -> Company:
    record = Company(workspace_id=store.workspace_id, name=name, owner_id=store.user_id, **fields)
    store.create_record(record)
    return record


def contact(store, name: str, **fields) -> Contact:
    record = Contact(workspace_id=store.workspace_id, name=name, owner_id=store.user_id, **fields)
    store.create_record(record)
    return record


def note(store, record, body: str) -> TimelineEntry:
    entry = TimelineEntry(
        workspace_id=store.workspace_id, record_type=record.RECORD_TYPE, record_id=record.id,
        entry_type=EntryType.NOTE, body=body, created_at=store.now(),
    )
    store.add_entry(entry)
    return entry


def ids(results) -> list[str]:
    return [hit.record_id for hit in results.hits]


# -- parsing ----------------------------------------------------------------------------------

def test_parse_query_splits_filters_from_text():
    q = parse_query('type:deal owner:me tag:VIP stage:"meeting booked" acme corp')
    assert q.record_type == RecordType.DEAL
    assert q.owner == "me" and q.tag == "vip" and q.stage == "meeting booked"
    assert q.chunks == (("acme",), ("corp",))
    assert q.text == "acme corp"


def test_parse_query_is_forgiving_while_typing():
    assert parse_query("type:").record_type is None and parse_query("type:").is_empty
    assert parse_query("type:co").record_type == RecordType.CONTACT  # first alias that fits
    assert parse_query("type:comp").record_type == RecordType.COMPANY
    assert parse_query("type:zz").errors
    assert parse_query('"unclosed acme').chunks == (("unclosed",), ("acme",))
    assert parse_query("ana.park@ex").chunks == (("ana", "park", "ex"),)


def test_folding_matches_the_word_index():
    assert fold("Lefèvre") == "lefevre"
    assert tokens("José Dubois-Ñúñez") == ["jose", "dubois", "nunez"]


def test_prefix_distance_accepts_prefixes_and_transpositions():
    assert osa_prefix_distance("nortw", "northwind", 1) == (1, 6)
    assert osa_prefix_distance("jonh", "john", 1)[0] == 1
    assert osa_prefix_distance("acme", "zzzzzz", 1)[0] > 1


def test_vocabulary_suggests_close_prefixes():
    vocab = Vocabulary([("northwind", 5), ("northway", 1), ("south", 9)])
    assert vocab.starts_any("northw") and not vocab.starts_any("nortw")
    assert vocab.close_prefixes("nortwind")[0] == "northwind"
    assert vocab.close_prefixes("sot") == []  # too short to guess


def test_remembered_corrections_follow_new_words():
    """Corrections are remembered per word (typing on after a typo) until the vocabulary changes."""
    vocab = Vocabulary([("northwind", 5), ("south", 9)])
    assert vocab.close_prefixes("wombatiqeu") == []
    assert vocab.close_prefixes("nortwind") == ["northwind"]
    vocab.close_prefixes("nortwind").append("mutated")  # callers get their own list
    assert vocab.close_prefixes("nortwind") == ["northwind"]
    vocab.add(["wombatique", "nortwinds"])
    assert vocab.close_prefixes("wombatiqeu") == ["wombatique"]
    assert vocab.close_prefixes("nortwind", limit=1) == ["northwind"]
    for i in range(Vocabulary.REMEMBERED + 5):  # many words: still right past the bound
        vocab.close_prefixes(f"zzzz{i}")
    assert vocab.close_prefixes("wombatiqeu") == ["wombatique"]


# -- finding ----------------------------------------------------------------------------------

def test_empty_query_finds_nothing(demo_store):
    assert len(demo_store.search("")) == 0
    assert len(demo_store.search("   ")) == 0


def test_word_prefixes_match_as_you_type(demo_store):
    target = company(demo_store, "Quokkaworks Analytics", domain="quokkaworks.example")
    for typed in ("quo", "quokka", "quokkaworks", "quokkaworks ana", "ANALYTICS quok"):
        results = demo_store.search(typed)
        assert target.id in ids(results), typed
    hit = demo_store.search("quok").hits[0]
    assert hit.record_id == target.id and hit.field == "name"
    assert hit.name_spans == ((0, 4),)


def test_diacritics_are_ignored_and_highlighted(demo_store):
    target = contact(demo_store, "Renée Østergård")
    hit = next(h for h in demo_store.search("renee").hits if h.record_id == target.id)
    assert hit.text == "Renée Østergård" and hit.spans == ((0, 5),)


def test_exact_name_ranks_above_a_note_mention(demo_store):
    other = company(demo_store, "Other Marmoset Holdings")
    note(demo_store, other, "They compared us with Marmoset last week.")
    exact = company(demo_store, "Marmoset")
    results = demo_store.search("marmoset")
    assert results.hits[0].record_id == exact.id
    assert results.hits[0].tier == TIER_EXACT
    assert ids(results).index(exact.id) < ids(results).index(other.id)


def test_name_match_ranks_above_a_note_mention(demo_store):
    mention = company(demo_store, "Plain Holdings")
    note(demo_store, mention, "Their parent is Gnuvolt, a **battery** maker.")
    named = company(demo_store, "Gnuvolt Batteries")
    results = demo_store.search("gnuvolt")
    assert ids(results)[:2] == [named.id, mention.id]
    body = results.hits[1]
    assert body.field == "body" and body.tier == TIER_BODY
    start, end = body.spans[0]
    assert body.text[start:end] == "Gnuvolt"


def test_recent_ranks_above_old_on_ties(demo_store):
    old = contact(demo_store, "Tarsier Example")
    demo_store.clock = lambda: FROZEN_NOW + timedelta(hours=1)
    new = contact(demo_store, "Tarsier Example")
    results = demo_store.search("tarsier example")
    assert ids(results)[:2] == [new.id, old.id]
    assert results.hits[0].tier == TIER_EXACT


def test_leading_name_match_beats_a_later_word(demo_store):
    later = company(demo_store, "Blue Pangolin")
    leading = company(demo_store, "Pangolin Blue")
    results = demo_store.search("pangolin")
    assert ids(results)[:2] == [leading.id, later.id]
    assert results.hits[0].tier == TIER_NAME_START


def test_fields_other_than_the_name_are_searched(demo_store):
    person = contact(demo_store, "Ivo Plain", email="ivo@wallabyhq.example", title="Chief Axolotl Officer",
                     tags=["springbok"])
    firm = company(demo_store, "Plain Firm", domain="numbatsystems.example", industry="Okapi farming")
    assert demo_store.search("wallabyhq").hits[0].field == "email"
    assert demo_store.search("axolotl").hits[0].field == "title"
    assert demo_store.search("springbok").hits[0].field == "tags"
    assert demo_store.search("numbatsystems").hits[0].record_id == firm.id
    assert demo_store.search("okapi").hits[0].field == "industry"
    assert person.id in ids(demo_store.search("wallabyhq"))


def test_searchable_custom_fields_are_searched(demo_store):
    keys = demo_store.searchable_keys("company")
    assert keys, "the demo defines searchable company fields"
    field = next(d for d in demo_store.custom_field_defs(RecordType.COMPANY) if d.key in keys and d.type == "text")
    firm = company(demo_store, "Custom Holder", custom_fields={field.key: "Prefers quetzal invoices"})
    hit = demo_store.search("quetzal").hits[0]
    assert hit.record_id == firm.id and hit.field == "custom"


def test_typos_still_find_the_record(demo_store):
    target = company(demo_store, "Quokkaworks Analytics")
    for typo in ("quokkawroks", "qoukkaworks", "quokkaworsk analytics", "quokaworks"):
        results = demo_store.search(typo)
        assert target.id in ids(results), typo
        hit = next(h for h in results.hits if h.record_id == target.id)
        assert hit.tier == TIER_TYPO and hit.name_spans, typo
        assert results.corrections


def test_typo_of_a_word_added_after_the_vocabulary_was_loaded(demo_store):
    demo_store.warm_search()
    target = company(demo_store, "Wombatique")
    assert target.id in ids(demo_store.search("wombatiqeu"))


def test_substrings_are_found_through_trigrams(demo_store):
    target = company(demo_store, "Capybaraworks", domain="capybaraworks.example")
    results = demo_store.search("baraw")
    assert target.id in ids(results)
    hit = next(h for h in results.hits if h.record_id == target.id)
    assert hit.tier == TIER_SUBSTRING
    start, end = hit.name_spans[0]
    assert hit.name[start:end].lower() == "baraw"


def test_results_are_grouped_by_record_type(demo_store):
    firm = company(demo_store, "Narwhal Labs")
    person = contact(demo_store, "Nia Narwhal")
    results = demo_store.search("narwhal")
    groups = dict(results.groups)
    assert firm.id in [h.record_id for h in groups[RecordType.COMPANY]]
    assert person.id in [h.record_id for h in groups[RecordType.CONTACT]]
    assert results.groups[0][0] == results.hits[0].record_type


# -- filters ----------------------------------------------------------------------------------

def test_type_filter(demo_store):
    company(demo_store, "Ibex Partners")
    person = contact(demo_store, "Ibex Person")
    results = demo_store.search("type:contact ibex")
    assert ids(results) == [person.id]
    assert all(h.record_type == RecordType.DEAL for h in demo_store.search("type:deal").hits)


def test_owner_filter(demo_store):
    others = [pid for pid in demo_store.profiles() if pid != demo_store.user_id]
    mine = company(demo_store, "Dugong Mine")
    theirs = company(demo_store, "Dugong Theirs")
    demo_store.update_record(RecordType.COMPANY, theirs.id, {"owner_id": others[0]})
    assert ids(demo_store.search("owner:me dugong")) == [mine.id]
    name = demo_store.profiles()[others[0]].full_name.split()[0]
    assert ids(demo_store.search(f"owner:{name} dugong")) == [theirs.id]
    assert len(demo_store.search("owner:nobodyatall dugong")) == 0


def test_tag_filter(demo_store):
    vip = company(demo_store, "Kinkajou One", tags=["vip"])
    company(demo_store, "Kinkajou Two", tags=["smb"])
    assert ids(demo_store.search("tag:vip kinkajou")) == [vip.id]
    assert ids(demo_store.search("tag:VIP kinkajou")) == [vip.id]
    assert vip.id in ids(demo_store.search("tag:vip"))


def test_stage_filter(demo_store):
    stages = [s for b in demo_store.boards() if b.record_type == RecordType.DEAL for s in demo_store.stages(b.id)]
    proposal = next(s for s in stages if s.name.lower().startswith("proposal"))
    lead = next(s for s in stages if s.board_id == proposal.board_id and s.position < proposal.position)
    in_proposal = Deal(workspace_id=demo_store.workspace_id, name="Tapir Expansion", stage_id=proposal.id)
    in_lead = Deal(workspace_id=demo_store.workspace_id, name="Tapir Pilot", stage_id=lead.id)
    demo_store.create_record(in_proposal)
    demo_store.create_record(in_lead)
    assert ids(demo_store.search("stage:proposal tapir")) == [in_proposal.id]
    assert ids(demo_store.search("stage:prop tapir")) == [in_proposal.id]
    assert len(demo_store.search("stage:nosuchstage tapir")) == 0
    filtered_only = demo_store.search("stage:proposal")
    assert filtered_only.hits and len(filtered_only.hits) <= 60


# -- index maintenance (the write path, same transaction) -------------------------------------

def test_created_record_is_found_at_once(demo_store):
    assert len(demo_store.search("zorillacorp")) == 0
    target = company(demo_store, "Zorillacorp")
    assert ids(demo_store.search("zorillacorp")) == [target.id]


def test_renamed_record_is_found_by_its_new_name_only(demo_store):
    target = company(demo_store, "Oldname Gecko")
    demo_store.update_record(RecordType.COMPANY, target.id, {"name": "Newname Gecko"})
    assert target.id not in ids(demo_store.search("oldname"))
    assert ids(demo_store.search("newname")) == [target.id]
    assert demo_store.search("gecko").hits[0].name == "Newname Gecko"


def test_edited_email_and_tags_are_searchable(demo_store):
    person = contact(demo_store, "Mara Plain", email="mara@first.example")
    demo_store.update_record(RecordType.CONTACT, person.id, {"email": "mara@quolltrading.example", "tags": ["quollfan"]})
    assert person.id in ids(demo_store.search("quolltrading"))
    assert person.id in ids(demo_store.search("tag:quollfan"))
    assert person.id not in ids(demo_store.search("first.example"))


def test_deleted_record_disappears_and_restore_brings_it_back(demo_store):
    target = company(demo_store, "Solenodon Works")
    note(demo_store, target, "Solenodon budget approved")
    demo_store.soft_delete(RecordType.COMPANY, target.id)
    assert target.id not in ids(demo_store.search("solenodon"))
    assert target.id not in ids(demo_store.search("solenodn"))  # nor through the typo path
    demo_store.restore(RecordType.COMPANY, target.id)
    assert target.id in ids(demo_store.search("solenodon"))
    results = demo_store.search("solenodon budget")
    assert results.hits[0].record_id == target.id and results.hits[0].field == "body"


def test_new_note_is_found_and_deleted_note_is_not(demo_store):
    target = company(demo_store, "Plain Notes Co")
    entry = note(demo_store, target, "Discussed the hoatzin migration plan")
    hit = demo_store.search("hoatzin").hits[0]
    assert hit.record_id == target.id and hit.entry_id == entry.id and hit.field == "body"
    with demo_store.transaction() as tx:
        tx.delete("timeline_entries", entry.id)
    assert len(demo_store.search("hoatzin")) == 0


def test_auto_logged_entries_are_not_indexed(demo_store):
    target = company(demo_store, "Plain Edit Co")
    demo_store.update_record(RecordType.COMPANY, target.id, {"industry": "Jerboa breeding"})
    demo_store.update_record(RecordType.COMPANY, target.id, {"industry": "Retail"})
    # the field_edit entry mentions the old value; only the record's current fields are searched
    assert target.id not in ids(demo_store.search("jerboa"))


@pytest.mark.parametrize("query", ["a", "ma", "north", "type:deal", "owner:me", "tag:enterprise", "zzzzqqq"])
def test_results_never_exceed_the_limit_and_are_unique(demo_store, query):
    results = demo_store.search(query, limit=25)
    assert len(results.hits) <= 25
    assert len(set(ids(results))) == len(results.hits)


def test_a_match_deep_in_a_note_at_the_size_limit_gets_its_snippet(demo_store):
    """Snippets of long notes are cut around the first match without scanning the whole note."""
    from track_tui.models.text import LONG_TEXT_MAX

    target = company(demo_store, "Longnote Holdings")
    filler = "lorem ipsum dolor sit amet\n" * (LONG_TEXT_MAX // 27)
    body = (filler[: 150_000] + " the zephyrquartz clause\tapplies " + filler)[:LONG_TEXT_MAX]
    note(demo_store, target, body)
    hit = next(h for h in demo_store.search("zephyrquartz").hits if h.record_id == target.id)
    assert hit.field == "body" and hit.text.startswith("…") and hit.text.endswith("…")
    assert "\n" not in hit.text and "\t" not in hit.text
    (start, end), = hit.spans
    assert hit.text[start:end] == "zephyrquartz"
    assert len(hit.text) <= 92

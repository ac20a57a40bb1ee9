"""The ranking of search candidates: one keyed sort, folded names remembered (issue 13).

`rank_documents` replaced two stable sorts (newest first, then by tier, typo rank and bm25) and
a pass over every record. It must give exactly the order the two sorts gave, so these tests keep
that procedure as the reference and compare the two on generated candidate sets full of ties
(equal names, equal times, equal rounded scores, missing times, several documents per record).
"""

from __future__ import annotations

import random

import pytest

from track_tui.store import search
from track_tui.store.search import (
    TIER_BODY, TIER_FIELD, TIER_SUBSTRING, TIER_TYPO, _matcher, _spans, _word_tier, rank_documents,
)

WORDS = ["north", "northwind", "ember", "embers", "gold", "golden", "juniper", "n", "no"]


def reference(docs: list[dict], words: list[str], limit: int) -> tuple[list[dict], bool]:
    """The ranking as it was before rank_documents (search.py at migration 10)."""
    text_folded = " ".join(words)
    ordered = sorted(docs, key=lambda d: d.get("updated_at") or "", reverse=True)
    for doc in ordered:
        tier = doc.get("stage_tier")
        if tier is None:
            tier = _word_tier(doc, words, text_folded)
        doc["tier"] = tier
        doc["key"] = (tier, doc.get("typo_rank", 0), round(doc.get("score") or 0.0, 1))
    ordered.sort(key=lambda d: d["key"])
    best: dict[str, dict] = {}
    for doc in ordered:
        best.setdefault(doc["record_id"], doc)
    ranked = list(best.values())
    return ranked[:limit], len(ranked) > limit


def generated(rng: random.Random, count: int) -> list[dict]:
    docs = []
    for rowid in range(count):
        record = f"r{rng.randrange(max(1, count // 2))}"  # several documents per record
        note = rng.random() < 0.3
        name = None if note else " ".join(rng.choice(WORDS + ["Acme", "Émber", "Gold-Leaf"]) for _ in range(rng.randint(1, 3)))
        doc = {
            "rowid": rowid, "record_id": record, "record_type": "deal", "entry_id": f"e{rowid}" if note else "",
            "name": name, "updated_at": rng.choice([None, "", "2026-01-01", "2026-01-02", f"2026-02-{rng.randint(10, 28)}"]),
            "score": rng.choice([0.0, None, -1.23, -1.27, -1.3, -4.05, -4.0, -4.04, -10.0]),
            "stage_tier": rng.choice([None, None, None, TIER_FIELD, TIER_SUBSTRING, TIER_TYPO]),
        }
        if rng.random() < 0.2:
            doc["typo_rank"] = rng.choice([0, 1])
        docs.append(doc)
    return docs


@pytest.mark.parametrize("seed", range(40))
def test_the_order_is_the_order_of_the_two_sorts(seed: int) -> None:
    rng = random.Random(seed)
    docs = generated(rng, rng.choice([0, 1, 5, 60, 150, 400]))
    words = rng.choice([["n"], ["north"], ["ember", "n"], ["gold"], ["juniper", "g"], ["northwind"], ["no", "e"]])
    for limit in (0, 1, 10, 60, 1000):
        old, old_more = reference([dict(d) for d in docs], words, limit)
        new, new_more = rank_documents([dict(d) for d in docs], words, limit)
        assert [d["rowid"] for d in new] == [d["rowid"] for d in old], (seed, limit)
        assert [d["tier"] for d in new] == [d["tier"] for d in old]
        assert new_more == old_more


def test_a_record_is_ranked_by_its_best_document_and_counted_once() -> None:
    docs = [
        {"rowid": 1, "record_id": "a", "entry_id": "n1", "name": None, "updated_at": "2026-03-01", "score": -9.0},
        {"rowid": 2, "record_id": "b", "entry_id": "", "name": "Ember Networks", "updated_at": "2026-01-01", "score": -1.0},
        {"rowid": 3, "record_id": "a", "entry_id": "", "name": "Ember", "updated_at": "2026-01-01", "score": -2.0},
    ]
    chosen, more = rank_documents(docs, ["ember"], 1)
    assert [d["rowid"] for d in chosen] == [3] and more  # the exact name beats the newer note
    chosen, more = rank_documents(docs, ["ember"], 2)
    assert [d["rowid"] for d in chosen] == [3, 2] and not more
    assert [d["tier"] for d in docs] == [TIER_BODY, search.TIER_NAME_START, search.TIER_EXACT]


def test_remembered_names_give_the_same_tiers_and_can_be_forgotten() -> None:
    doc = {"name": "Émber  Networks-North", "entry_id": ""}
    first = _word_tier(doc, ["ember", "networks", "north"], "ember networks north")
    search.forget_remembered()
    assert _word_tier(doc, ["ember", "networks", "north"], "ember networks north") == first == search.TIER_EXACT
    assert search._name_words.cache_info().currsize == 1


@pytest.mark.parametrize("query", ["n", "no", "north", "ember n", "juniper g", "type:contact a", "budget", "spur",
                                   "brichline", "tag:enterprise"])
def test_hits_highlight_the_name_as_matching_it_would(demo_store, query: str) -> None:
    """A hit found by its name reuses that field's spans for the name: the same spans."""
    results = demo_store.search(query)
    assert results.hits or query == "spur"
    typo_words = [p for alts in results.corrections.values() for p in alts]
    words = results.query.words
    for hit in results.hits:
        if hit.tier == TIER_TYPO:
            pattern = _matcher(typo_words + words, [])
        elif hit.tier == TIER_SUBSTRING:
            pattern = _matcher(words, [search.fold(p) for p in results.query.text.split() if len(p) >= 3])
        else:
            pattern = _matcher(words, [])
        assert hit.name_spans == _spans(hit.name, pattern), (query, hit.name)


def test_forgetting_search_memory_keeps_the_results(demo_store) -> None:
    """The benchmark's fresh start: remembered corrections and names go, results stay the same."""
    demo_store.warm_search()
    first = demo_store.search("hollowbrige h")
    named = demo_store.search("north")  # ranked by name tiers: its names are folded once
    vocab = demo_store._search_vocab
    assert vocab is not None and vocab._close and search._name_words.cache_info().currsize
    demo_store.forget_search_memory()
    assert not vocab._close and search._name_words.cache_info().currsize == 0
    again = demo_store.search("hollowbrige h")
    assert [h.record_id for h in again.hits] == [h.record_id for h in first.hits]
    assert again.corrections == first.corrections
    assert demo_store.search("north").hits == named.hits


def test_one_line_replaces_every_whitespace_character_as_the_regex_does() -> None:
    """The printable fast path must leave exactly the strings `\\s` would not change."""
    import re
    import sys

    for code in (*range(0x3100), *range(0xFE00, 0x10000), 0x1680, 0x202F, 0x205F, 0x3000, sys.maxunicode):
        if 0xD800 <= code <= 0xDFFF:
            continue
        text = f"a{chr(code)}b"
        assert search._one_line(text) == re.sub(r"\s", " ", text), hex(code)

"""Local full-text search over the search documents (word index, then trigram fallback).

What is searched: the documents of :mod:`.search_docs` — one per live record (name, email,
domain, title, tags, industry, searchable custom fields) and one per note/call/email/meeting
(its body) — through the two FTS5 indexes the schema keeps current by trigger.

How a query runs (`Store.search`), every stage bounded so a keystroke costs milliseconds on a
workspace of 100,000 deals:

1. **Parse** (:func:`parse_query`): `type:deal`, `owner:me`, `tag:vip`, `stage:proposal` are
   filters; everything else is text, cut into words the way FTS5's unicode61 tokenizer does.
2. **Words** (`search_fts`): every word must match the start of a word (`"acm"*`); a chunk with
   punctuation (`ana.alv`) is a phrase. When the match set is small enough the candidates are
   ranked by `bm25` with column weights (name highest); when a short prefix matches tens of
   thousands of documents, ranking all of them would cost hundreds of milliseconds, so the
   newest matches of the *name* column are taken instead (document rowids follow recency, see
   `search_docs.rebuild`) together with exact and leading name matches found through a B-tree
   index on the name. With a type filter (or a `stage:` whose cards are all one type) both
   reads use that type's indexes: the newest matches from `search_types` (a word index of names
   and tags with the record type as a column, so the type is a term of the query), the leading
   name matches from that type's names alone.
3. **Substrings** (`search_trigram`, only when the words found little): each chunk of 3+
   characters as a substring anywhere (`spur` finds `larkspur.io`).
4. **Typos** (only for words that start no indexed word): close words are looked up in an
   in-memory vocabulary of the word index (bigram candidates, then an optimal-string-alignment
   distance that also accepts a prefix, so `nortw` → `northw…`); the corrected query runs as in 2.
5. **Rank**: per record its best document; tiers first — exact name, name starting with the
   text, every word in the name, other fields, note bodies, substring, typo — then bm25, then the
   most recently updated (one sort by a key tuple, `rank_documents`). Results are grouped by record type (the group of the best hit first),
   each hit carrying the field that matched and the spans to highlight.
"""

from __future__ import annotations

import bisect
import functools
import re
import shlex
import sqlite3
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterable

from ..models.enums import RecordType
from .changes import ChangeSet

if TYPE_CHECKING:
    from .store import Store

# Columns of search_docs / the FTS tables, in index order, with their bm25 weights.
COLUMNS = ("name", "email", "domain", "title", "tags", "industry", "custom", "body")
WEIGHTS = (10.0, 5.0, 5.0, 3.0, 3.0, 2.0, 2.0, 1.0)
FIELD_LABELS = {
    "name": "name", "email": "email", "domain": "domain", "title": "title", "tags": "tags",
    "industry": "industry", "custom": "fields", "body": "note",
}
_BM25 = f"bm25(search_fts, {', '.join(str(w) for w in WEIGHTS)})"

# Bounds that keep one keystroke cheap.
RANK_ALL_UNDER = 1500  # rank every match with bm25 when there are fewer matches than this
RECENT_CANDIDATES = 200  # otherwise: this many of the newest name matches
# With filters every candidate costs a lookup of its record, so both bounds are tighter.
FILTERED_RANK_ALL_UNDER = 500
FILTERED_CANDIDATES = 80
RANKED_CANDIDATES = 150  # at most this many bm25-ranked documents per stage
FALLBACK_BELOW = 10  # run the substring and typo stages when fewer records than this were found

TIER_EXACT, TIER_NAME_START, TIER_NAME_WORDS, TIER_FIELD, TIER_BODY, TIER_SUBSTRING, TIER_TYPO = range(7)

_TYPE_ALIASES = {
    "contact": RecordType.CONTACT, "contacts": RecordType.CONTACT, "person": RecordType.CONTACT,
    "people": RecordType.CONTACT, "company": RecordType.COMPANY, "companies": RecordType.COMPANY,
    "org": RecordType.COMPANY, "deal": RecordType.DEAL, "deals": RecordType.DEAL,
}
FILTER_KEYS = ("type", "owner", "tag", "stage")

_TOKEN = re.compile(r"[^\W_]+")


# -- text folding (mirrors unicode61 remove_diacritics 2) -------------------------------------

def fold(text: str) -> str:
    """Lower case without diacritics: what the word index compares."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


class _FoldTable(dict):
    """A str.translate table folding one character to one character (filled as seen)."""

    def __missing__(self, code: int) -> str:
        char = chr(code)
        base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c)) or char
        folded = base.lower()
        if len(folded) != 1:
            folded = char.lower() if len(char.lower()) == 1 else char
        self[code] = folded
        return folded


_FOLD_TABLE = _FoldTable()


def _fold_keep_length(text: str) -> str:
    """`fold`, one character for one character, so offsets in the result are offsets in `text`.

    Plain ASCII (most names and notes) folds to its lower case: the table would give the same,
    a dictionary lookup per character slower (ranking folds some 300 names a keystroke).
    """
    return text.lower() if text.isascii() else text.translate(_FOLD_TABLE)


def tokens(text: str) -> list[str]:
    """The words of `text` as the word index sees them."""
    return _TOKEN.findall(fold(text))


# -- the query --------------------------------------------------------------------------------

@dataclass(frozen=True)
class SearchQuery:
    """A parsed query: text chunks (each a list of words) and filters."""

    text: str = ""
    chunks: tuple[tuple[str, ...], ...] = ()
    record_type: RecordType | None = None
    owner: str | None = None
    tag: str | None = None
    stage: str | None = None
    errors: tuple[str, ...] = ()

    @property
    def words(self) -> list[str]:
        return [w for chunk in self.chunks for w in chunk]

    @property
    def has_filters(self) -> bool:
        return any((self.record_type, self.owner, self.tag, self.stage))

    @property
    def is_empty(self) -> bool:
        return not self.chunks and not self.has_filters


def parse_query(query: str) -> SearchQuery:
    """Split filters (`type:deal owner:me tag:vip stage:proposal`) from the text.

    Forgiving while typing: a filter with no value yet (`type:`) is ignored, a type may be
    abbreviated (`type:de`), an unknown type is reported in `errors`.
    """
    try:
        parts = shlex.split(query)
    except ValueError:  # an unclosed quote while typing
        parts = query.replace('"', " ").replace("'", " ").split()
    values: dict[str, Any] = {}
    errors: list[str] = []
    text_parts: list[str] = []
    for part in parts:
        key, sep, value = part.partition(":")
        key = key.lower()
        if sep and key in FILTER_KEYS:
            value = value.strip()
            if not value:
                continue
            if key == "type":
                kind = _TYPE_ALIASES.get(value.lower()) or next(
                    (t for alias, t in _TYPE_ALIASES.items() if alias.startswith(value.lower())), None
                )
                if kind is None:
                    errors.append(f"type:{value} — use type:contact, type:company or type:deal")
                else:
                    values["record_type"] = kind
            elif key == "tag":
                values["tag"] = value.lower()
            else:
                values[key] = value
        else:
            text_parts.append(part)
    chunks = tuple(tuple(words) for words in (tokens(p) for p in text_parts) if words)
    return SearchQuery(text=" ".join(text_parts), chunks=chunks, errors=tuple(errors), **values)


# -- results ----------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class SearchHit:
    """One record found, with the field that matched and where to highlight it."""

    record_type: RecordType
    record_id: str
    name: str
    subtitle: str | None
    field: str  # a column of search_docs: name, email, …, body
    text: str  # that field's text (a snippet around the match for note bodies)
    spans: tuple[tuple[int, int], ...]  # [start, end) offsets in `text` to highlight
    name_spans: tuple[tuple[int, int], ...]
    tier: int
    score: float
    updated_at: str | None
    entry_id: str | None = None  # the note that matched, when the match is in a body

    @property
    def field_label(self) -> str:
        return FIELD_LABELS.get(self.field, self.field)

    @property
    def is_typo(self) -> bool:
        return self.tier == TIER_TYPO


@dataclass
class SearchResults:
    query: SearchQuery
    hits: list[SearchHit] = field(default_factory=list)
    corrections: dict[str, list[str]] = field(default_factory=dict)  # word → close words used
    limited: bool = False  # more records matched than were returned

    @property
    def groups(self) -> list[tuple[RecordType, list[SearchHit]]]:
        """Hits grouped by record type; the group holding the best hit comes first."""
        order: list[RecordType] = []
        by_type: dict[RecordType, list[SearchHit]] = {}
        for hit in self.hits:
            if hit.record_type not in by_type:
                order.append(hit.record_type)
                by_type[hit.record_type] = []
            by_type[hit.record_type].append(hit)
        return [(kind, by_type[kind]) for kind in order]

    def __len__(self) -> int:
        return len(self.hits)


# -- typo vocabulary --------------------------------------------------------------------------

def osa_prefix_distance(word: str, term: str, max_distance: int) -> tuple[int, int]:
    """(distance, length) of the prefix of `term` closest to `word` (optimal string alignment).

    Accepts a prefix because people search while typing: `nortw` is one edit from `north`+`w`.
    """
    n = len(word)
    m = min(len(term), n + max_distance)
    prev2: list[int] = []
    prev = list(range(m + 1))
    for i in range(1, n + 1):
        cur = [i] + [0] * m
        wi = word[i - 1]
        for j in range(1, m + 1):
            tj = term[j - 1]
            best = prev[j - 1] + (wi != tj)
            if prev[j] + 1 < best:
                best = prev[j] + 1
            if cur[j - 1] + 1 < best:
                best = cur[j - 1] + 1
            if i > 1 and j > 1 and wi == term[j - 2] and word[i - 2] == tj and prev2[j - 2] + 1 < best:
                best = prev2[j - 2] + 1
            cur[j] = best
        if min(cur) > max_distance:  # every alignment already costs too much
            return max_distance + 1, n
        prev2, prev = prev, cur
    lo = min(m, max(4, n - 1))  # a correction never shortens the word by more than one letter
    best_len = min(range(lo, m + 1), key=lambda j: (prev[j], -j))  # the longest is the most specific
    distance = prev[best_len]
    if len(term) <= m and prev[len(term)] == distance:  # the whole word is as close: prefer it
        best_len = len(term)
    return distance, best_len


class Vocabulary:
    """The distinct words of the word index, for typo correction; kept in memory.

    Built once (about 40 ms for 100,000 deals) and then topped up with the words of documents
    the write path changed. Words of deleted documents may linger: a correction towards them
    simply finds nothing.

    The corrections of a word are remembered until the vocabulary changes: a misspelt word
    stays in the query while the next words are typed (`hollowbrige h`, `hollowbrige ho`, …),
    and finding its corrections costs a few milliseconds each time.
    """

    REMEMBERED = 256  # words whose corrections are kept (forgotten all at once past this)

    def __init__(self, rows: Iterable[tuple[str, int]]) -> None:
        self._close: dict[tuple[str, int], tuple[str, ...]] = {}
        self._changes = 0  # add() calls so far: a correction found across one is not kept
        self.counts: dict[str, int] = {}
        self.sorted: list[str] = []
        self.grams: dict[str, list[str]] = {}
        for term, docs in rows:
            self.counts[term] = docs
        self.sorted = sorted(self.counts)
        for term in self.sorted:
            for gram in _grams(term):
                self.grams.setdefault(gram, []).append(term)

    def add(self, words: Iterable[str]) -> None:
        self._changes += 1
        self._close.clear()  # new words and counts can change any word's corrections
        for term in words:
            if term in self.counts:
                self.counts[term] += 1
                continue
            self.counts[term] = 1
            bisect.insort(self.sorted, term)
            for gram in _grams(term):
                self.grams.setdefault(gram, []).append(term)

    def forget(self) -> None:
        """Forget the remembered corrections (the words stay)."""
        self._close.clear()

    def starts_any(self, prefix: str) -> bool:
        index = bisect.bisect_left(self.sorted, prefix)
        return index < len(self.sorted) and self.sorted[index].startswith(prefix)

    def close_prefixes(self, word: str, limit: int = 3) -> list[str]:
        """Up to `limit` prefixes of indexed words within the allowed edits of `word`."""
        if len(word) < 4:
            return []
        known = self._close.get((word, limit))
        if known is None:
            changes = self._changes
            known = tuple(self._find_close_prefixes(word, limit))
            if changes == self._changes:  # no add() meanwhile (another thread's search)
                if len(self._close) >= self.REMEMBERED:
                    self._close.clear()
                self._close[(word, limit)] = known
        return list(known)

    def _find_close_prefixes(self, word: str, limit: int) -> list[str]:
        max_distance = 1 if len(word) <= 5 else 2
        grams = _grams(word, end=False)
        overlap: Counter[str] = Counter()
        for gram in grams:
            overlap.update(self.grams.get(gram, ()))
        need = max(1, len(grams) - 2 * max_distance)
        candidates = [t for t, shared in overlap.most_common(40) if shared >= need]
        scored: dict[str, tuple[int, int]] = {}
        measured: dict[str, tuple[int, int]] = {}
        for term in candidates:
            head = term[:len(word) + max_distance]  # terms sharing this head are equally close
            if head not in measured:
                measured[head] = osa_prefix_distance(word, head, max_distance)
            distance, length = measured[head]
            if len(term) > len(head) and length == len(head):
                length = len(head)
            if distance == 0 or distance > max_distance:
                continue
            prefix = term[:length]
            docs = self.counts.get(term, 0)
            old = scored.get(prefix)
            if old is None or (distance, -docs) < (old[0], -old[1]):
                scored[prefix] = (distance, docs if old is None else old[1] + docs)
            else:
                scored[prefix] = (old[0], old[1] + docs)
        ranked = sorted(scored, key=lambda p: (scored[p][0], -scored[p][1], len(p)))
        return ranked[:limit]


def _grams(term: str, end: bool = True) -> list[str]:
    padded = "^" + term + ("$" if end and len(term) <= 3 else "")
    return [padded[i:i + 2] for i in range(len(padded) - 1)]


# -- the store mixin --------------------------------------------------------------------------

_RECORD_COLUMNS = {
    RecordType.DEAL: "r.name, co.name AS subtitle FROM deals r LEFT JOIN companies co ON co.id = r.company_id",
    RecordType.CONTACT: "r.name, coalesce(co.name, r.title) AS subtitle FROM contacts r LEFT JOIN companies co ON co.id = r.company_id",
    RecordType.COMPANY: "r.name, coalesce(r.domain, r.industry) AS subtitle FROM companies r",
}


_RECORD_TYPES = {kind.value: kind for kind in RecordType}  # RecordType(value), without the enum's call


class SearchQueries:
    """Mixed into :class:`Store`; `self` is the store."""

    _search_vocab: Vocabulary | None = None
    _search_vocab_pending: set[str] | None = None
    _search_vocab_subscribed = False

    # -- public ----------------------------------------------------------------------------

    def search(self: "Store", query: str | SearchQuery, *, limit: int = 60) -> SearchResults:
        """Records matching `query`, best first (see the module's docs for how)."""
        parsed = parse_query(query) if isinstance(query, str) else query
        results = SearchResults(query=parsed)
        if parsed.is_empty:
            return results
        with self.reading():
            where, params, kind = self._search_filter_sql(parsed)
            if where is None:  # a filter that can match nothing (owner:nobody, stage:nowhere)
                return results
            docs: dict[int, dict[str, Any]] = {}  # rowid → document (+ stage tier, score)
            # A tag filter is a word query on the tags column (fast), checked exactly afterwards;
            # so with a tag filter only the records' own fields are searched, not note bodies.
            tag = f"{{tags}} : {_phrase(tokens(parsed.tag))}" if parsed.tag and tokens(parsed.tag) else None
            if not parsed.chunks:
                if tag:
                    self._search_fts(tag, None, where, params, docs, tier=TIER_FIELD, newest=limit + 1, kind=kind)
                else:
                    self._search_recent(where, params, docs, limit + 1)
            else:
                text = " AND ".join(_phrase(chunk) for chunk in parsed.chunks)
                self._search_fts(_and(text, tag), _and(f"{{name}} : ({text})", tag), where, params, docs,
                                 tier=None, name_text=parsed.text, kind=kind)
                if _records(docs, parsed.tag) < FALLBACK_BELOW:
                    self._search_substrings(parsed, tag, where, params, docs)
                if _records(docs, parsed.tag) < FALLBACK_BELOW:
                    self._search_typos(parsed, tag, where, params, docs, results, kind)
            if parsed.tag:
                docs = {rowid: doc for rowid, doc in docs.items() if _has_tag(doc, parsed.tag)}
            hits = self._search_rank(parsed, docs, results, limit)
        results.hits = hits
        return results

    def warm_search(self: "Store") -> None:
        """Load what the first typo-tolerant search needs (call from a worker)."""
        self._search_vocabulary()

    def forget_search_memory(self: "Store") -> None:
        """Forget what searches remember between keystrokes (typo corrections, folded names), as
        a newly started app would have: a benchmark that types each query once per round starts
        every round this way, so a remembered correction is counted only where a person typing
        would meet it (later keystrokes of the same query)."""
        if self._search_vocab is not None:
            self._search_vocab.forget()
        forget_remembered()

    # -- stages ----------------------------------------------------------------------------

    def _search_fts(
        self: "Store", match: str, name_match: str | None, where: str, params: list[Any], docs: dict, *,
        tier: int | None, name_text: str | None = None, newest: int | None = None, kind: str | None = None,
    ) -> None:
        """Candidates of a word query: all ranked by bm25 when there are few, else the newest.

        `kind` is the record type of a type filter (`where` already says it too): with it the
        newest matches and the leading name matches are read through that type's indexes.
        """
        conn = self._db
        filtered = where != "1"
        rank_under = FILTERED_RANK_ALL_UNDER if filtered else RANK_ALL_UNDER
        count = conn.execute(
            "SELECT count(*) FROM (SELECT rowid FROM search_fts WHERE search_fts MATCH ? LIMIT ?)",
            (match, rank_under),
        ).fetchone()[0]
        if count == 0:
            return
        if count < rank_under and newest is None:
            if filtered:
                rows = conn.execute(
                    f"""SELECT d.*, {_BM25} AS score FROM search_fts f JOIN search_docs d ON d.rowid = f.rowid
                    WHERE search_fts MATCH ? AND {where} ORDER BY score LIMIT ?""",
                    (match, *params, RANKED_CANDIDATES),
                ).fetchall()
            else:
                rows = conn.execute(
                    f"""SELECT d.*, f.score FROM (SELECT rowid, {_BM25} AS score FROM search_fts
                    WHERE search_fts MATCH ? ORDER BY score LIMIT ?) f JOIN search_docs d ON d.rowid = f.rowid""",
                    (match, RANKED_CANDIDATES),
                ).fetchall()
            self._search_collect(rows, docs, tier)
            return
        # Too many to rank: the newest documents whose *name* matches (rowids follow recency),
        # then leading name matches through the name index, so "North" itself is found among
        # thousands of "North…" deals.
        self._search_collect(
            self._search_newest(
                "search_fts", name_match or match, where, params,
                newest or (FILTERED_CANDIDATES if filtered else RECENT_CANDIDATES), records_of=kind,
            ),
            docs, tier,
        )
        if name_text:
            text = name_text.strip()
            # One type's names are a range of its own index; without a type, of the name index
            # (which a type filter would make walk every type's names to find 50 of one).
            index = "search_docs_type_name" if kind else "search_docs_name"
            rows = conn.execute(
                f"""SELECT d.*, 0.0 AS score FROM search_docs d INDEXED BY {index}
                WHERE d.name >= ? COLLATE NOCASE AND d.name < ? COLLATE NOCASE AND d.entry_id = '' AND {where}
                ORDER BY d.name COLLATE NOCASE LIMIT ?""",
                (text, text + "\U0010ffff", *params, 50),
            ).fetchall()
            self._search_collect(rows, docs, tier)

    def _search_newest(
        self: "Store", table: str, match: str, where: str, params: list[Any], limit: int, *,
        records_of: str | None = None,
    ) -> list[sqlite3.Row]:
        """The `limit` newest documents matching `match` in `table` (an FTS index) and `where`.

        `records_of` is the record type of a type filter, given when only record documents can
        match (`match` is on the name or tags, which notes do not have).
        """
        if records_of is not None:
            return self._search_newest_of_type(table, match, where, params, limit, records_of)
        if where == "1":
            sql = f"""SELECT d.*, 0.0 AS score FROM (SELECT rowid FROM {table} WHERE {table} MATCH ?
                ORDER BY rowid DESC LIMIT ?) f JOIN search_docs d ON d.rowid = f.rowid"""
            return self._db.execute(sql, (match, limit)).fetchall()
        sql = f"""SELECT d.*, 0.0 AS score FROM {table} f JOIN search_docs d ON d.rowid = f.rowid
            WHERE {table} MATCH ? AND {where} ORDER BY f.rowid DESC LIMIT ?"""
        return self._db.execute(sql, (match, *params, limit)).fetchall()

    def _search_newest_of_type(
        self: "Store", table: str, match: str, where: str, params: list[Any], limit: int, kind: str
    ) -> list[sqlite3.Row]:
        """`_search_newest` with a type filter, of a match only record documents can meet (`match`
        is on the name or tags of the word index `table`): the same documents, read from the
        index of types (cache migration 11), where the type is a term of the query.

        Walking the word index's matches newest first and dropping the other types' documents
        costs a lookup of each newer match of another type in search_docs: companies are often
        the oldest records and contacts are interleaved with newer deals, so `type:company t`
        looked up some 20,000 deals and contacts first (12 ms at 100,000 deals), `type:contact a`
        thousands (8 ms). In search_types the record type is a column, so FTS5 intersects the
        type's document list with the name matches itself and each row it returns is one of the
        type's documents.
        """
        if table != "search_fts":  # only the word index has a counterpart with the type in it
            return self._search_newest(table, match, where, params, limit)
        typed = f'{{record_type}} : "{kind}" AND ({match})'
        sql = f"""SELECT d.*, 0.0 AS score FROM search_types f JOIN search_docs d ON d.rowid = f.rowid
            WHERE search_types MATCH ? AND {where} ORDER BY f.rowid DESC LIMIT ?"""
        return self._db.execute(sql, (typed, *params, limit)).fetchall()

    def _search_substrings(
        self: "Store", parsed: SearchQuery, tag: str | None, where: str, params: list[Any], docs: dict
    ) -> None:
        pieces = [p for p in parsed.text.split() if len(p) >= 3]
        if not pieces:
            return
        match = " AND ".join('"' + p.lower().replace('"', '""') + '"' for p in pieces)
        limit = RECENT_CANDIDATES if where == "1" else FILTERED_CANDIDATES
        self._search_collect(self._search_newest("search_trigram", match, where, params, limit), docs, TIER_SUBSTRING)

    def _search_typos(
        self: "Store", parsed: SearchQuery, tag: str | None, where: str, params: list[Any], docs: dict,
        results: SearchResults, kind: str | None,
    ) -> None:
        vocab = self._search_vocabulary()
        best: list[str] = []  # each unknown word replaced by its closest correction
        every: list[str] = []  # … or by any of its corrections
        for word in parsed.words:
            if vocab.starts_any(word):
                best.append(_phrase((word,)))
                every.append(_phrase((word,)))
                continue
            close = vocab.close_prefixes(word)
            if not close:
                return  # a word with no close match: the query cannot be read as a typo
            results.corrections[word] = close
            best.append(_phrase((close[0],)))
            every.append("(" + " OR ".join(_phrase((c,)) for c in close) + ")")
        if not results.corrections:
            return
        for rank, groups in enumerate((best, every)):
            if rank and (best == every or _records(docs, parsed.tag) >= FALLBACK_BELOW):
                break
            text = " AND ".join(groups)
            before = set(docs)
            self._search_fts(_and(text, tag), _and(f"{{name}} : ({text})", tag), where, params, docs, tier=TIER_TYPO,
                             kind=kind)
            for rowid in set(docs) - before:
                docs[rowid]["typo_rank"] = rank

    def _search_recent(self: "Store", where: str, params: list[Any], docs: dict, limit: int) -> None:
        rows = self._db.execute(  # search_docs_recent, or search_docs_type_recent with a type filter
            f"""SELECT d.*, 0.0 AS score FROM search_docs d
            WHERE d.entry_id = '' AND {where} ORDER BY d.updated_at DESC LIMIT ?""",
            (*params, limit),
        ).fetchall()
        self._search_collect(rows, docs, TIER_FIELD)

    @staticmethod
    def _search_collect(rows: list[sqlite3.Row], docs: dict, tier: int | None) -> None:
        if not rows:
            return
        keys = rows[0].keys()  # the same for every row; dict(row) would ask each row again
        at = keys.index("rowid")
        for row in rows:
            rowid = row[at]
            if rowid in docs:
                continue
            doc = dict(zip(keys, row))
            doc["stage_tier"] = tier
            docs[rowid] = doc

    # -- filters ---------------------------------------------------------------------------

    def _search_filter_sql(self: "Store", parsed: SearchQuery) -> tuple[str | None, list[Any], str | None]:
        """SQL over `d` (a search document) for the query's filters; None when nothing can match.

        Also the one record type every match has, when the filters say so (a `type:` filter, or a
        `stage:` whose cards are all of one type), for the stages to read that type's indexes.
        """
        clauses: list[str] = []
        params: list[Any] = []
        kinds = [parsed.record_type] if parsed.record_type else list(RecordType)
        if parsed.record_type:
            clauses.append("d.record_type = ?")
            params.append(parsed.record_type.value)

        def column(name: str) -> str:
            if len(kinds) == 1:
                return f"(SELECT {name} FROM {kinds[0].table} WHERE id = d.record_id)"
            cases = " ".join(
                f"WHEN '{k.value}' THEN (SELECT {name} FROM {k.table} WHERE id = d.record_id)" for k in kinds
            )
            return f"(CASE d.record_type {cases} END)"

        if parsed.owner:
            owners = self.resolve_owner(parsed.owner)
            if not owners:
                return None, [], None
            clauses.append(f"{column('owner_id')} IN ({', '.join('?' for _ in owners)})")
            params.extend(owners)
        if parsed.stage:
            stage_ids = [
                r[0] for r in self._db.execute(
                    "SELECT id FROM board_stages WHERE lower(name) LIKE ? ESCAPE '\\'",
                    (_like_prefix(parsed.stage.lower()),),
                )
            ]
            if not stage_ids:
                return None, [], None
            marks = ", ".join("?" for _ in stage_ids)
            clauses.append(f"EXISTS (SELECT 1 FROM board_cards c WHERE c.record_id = d.record_id AND c.stage_id IN ({marks}))")
            params.extend(stage_ids)
            if not parsed.record_type:
                # Only records with a card in these stages pass, and a card names its record's type:
                # when they are all one type (deal stages hold deals) that is a type filter too, and
                # the name walk reads one type's names (`stage:proposal n` walked every contact and
                # company named N… first: 16 ms at 100,000 deals). One probe of
                # board_cards_stage_type per type.
                carded = [
                    k for k in RecordType if self._db.execute(
                        f"""SELECT 1 FROM board_cards INDEXED BY board_cards_stage_type
                        WHERE stage_id IN ({marks}) AND record_type = ? LIMIT 1""", (*stage_ids, k.value),
                    ).fetchone()
                ]
                if not carded:  # empty stages: no record has a card there
                    return None, [], None
                if len(carded) == 1:
                    clauses.insert(0, "d.record_type = ?")
                    params.insert(0, carded[0].value)
                    return " AND ".join(clauses), params, carded[0].value
        kind = parsed.record_type.value if parsed.record_type else None
        return (" AND ".join(clauses) or "1"), params, kind

    # -- ranking and highlights ------------------------------------------------------------

    def _search_rank(
        self: "Store", parsed: SearchQuery, docs: dict[int, dict], results: SearchResults, limit: int
    ) -> list[SearchHit]:
        words = parsed.words
        typo_words = [p for alts in results.corrections.values() for p in alts]
        chosen, results.limited = rank_documents(docs.values(), words, limit)
        info = self._search_record_info(chosen)
        plain = _matcher(words, [])
        patterns = {
            TIER_TYPO: _matcher(typo_words + words, []),
            TIER_SUBSTRING: _matcher(words, [fold(p) for p in parsed.text.split() if len(p) >= 3]),
        }
        hits: list[SearchHit] = []
        for doc in chosen:
            record = info.get(doc["record_id"])
            if record is None:  # deleted since it was indexed (the write path removes it anyway)
                continue
            name, subtitle = record
            pattern = patterns.get(doc["tier"], plain)
            field_name, text, spans = _best_field(doc, pattern)
            # The name field's spans are the name's when the document holds the record's name.
            name_spans = spans if field_name == "name" and doc.get("name") == name else _spans(name, pattern)
            hits.append(SearchHit(
                record_type=_RECORD_TYPES[doc["record_type"]], record_id=doc["record_id"], name=name,
                subtitle=subtitle, field=field_name, text=text, spans=spans, name_spans=name_spans,
                tier=doc["tier"], score=float(doc.get("score") or 0.0), updated_at=doc.get("updated_at"),
                entry_id=doc.get("entry_id") or None,
            ))
        return hits

    def _search_record_info(self: "Store", docs: list[dict]) -> dict[str, tuple[str, str | None]]:
        info: dict[str, tuple[str, str | None]] = {}
        by_type: dict[str, list[str]] = {}
        for doc in docs:
            by_type.setdefault(doc["record_type"], []).append(doc["record_id"])
        for kind, ids in by_type.items():
            marks = ", ".join("?" for _ in ids)
            for row in self._db.execute(
                f"SELECT r.id, {_RECORD_COLUMNS[RecordType(kind)]} WHERE r.id IN ({marks}) AND r.deleted_at IS NULL",
                ids,
            ):
                info[row[0]] = (row[1], row[2])
        return info

    # -- vocabulary ------------------------------------------------------------------------

    def _search_vocabulary(self: "Store") -> Vocabulary:
        # Its own lock, taken with no store lock held and holding none but a read connection.
        with self._search_vocab_lock, self.reading() as conn:
            if self._search_vocab is None:
                conn.execute(
                    "CREATE VIRTUAL TABLE IF NOT EXISTS temp.search_vocab USING fts5vocab(main, search_fts, 'row')"
                )
                rows = conn.execute("SELECT term, doc FROM temp.search_vocab").fetchall()
                self._search_vocab = Vocabulary((r[0], r[1]) for r in rows)
                self._search_vocab_pending = set()
                if not self._search_vocab_subscribed:
                    self._search_vocab_subscribed = True
                    self.subscribe(self._search_vocab_changed)
            elif self._search_vocab_pending:
                pending, self._search_vocab_pending = self._search_vocab_pending, set()
                marks = ", ".join("?" for _ in pending)
                rows = conn.execute(
                    f"""SELECT {', '.join(COLUMNS)} FROM search_docs
                    WHERE record_id IN ({marks}) OR entry_id IN ({marks})""",
                    (*pending, *pending),
                ).fetchall()
                self._search_vocab.add(w for row in rows for value in row if value for w in tokens(value))
            return self._search_vocab

    def _search_vocab_changed(self: "Store", changes: ChangeSet) -> None:
        pending = self._search_vocab_pending
        if pending is None:
            return
        tables = ("contacts", "companies", "deals", "timeline_entries")
        if any(changes.any_row(table) for table in tables):  # ids not known (a bulk write elsewhere)
            self._search_vocab = None  # read the whole vocabulary again on next use
            return
        for table in tables:
            pending.update(changes.ids(table))


# -- helpers ----------------------------------------------------------------------------------

def _phrase(words: Iterable[str]) -> str:
    """An FTS5 phrase whose last word is a prefix: `"ana alv"*`."""
    return '"' + " ".join(w.replace('"', '""') for w in words) + '"*'


def _and(*parts: str | None) -> str:
    return " AND ".join(p for p in parts if p)


def _records(docs: dict[int, dict], tag: str | None) -> int:
    return len({d["record_id"] for d in docs.values() if tag is None or _has_tag(d, tag)})


def _has_tag(doc: dict, tag: str) -> bool:
    """The record carries a tag that starts with `tag` (so `tag:ent` finds enterprise while typing)."""
    return any(t.startswith(tag) for t in (doc.get("tags") or "").lower().split())


def _like_prefix(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _word_starts(folded: str) -> list[str]:
    return _TOKEN.findall(folded)


def rank_documents(docs: Iterable[dict], words: list[str], limit: int) -> tuple[list[dict], bool]:
    """The best document of each record, best first: the first `limit`, and whether there were more.

    Order: tier, then typo rank, then bm25 (to one decimal), then the most recently updated, then
    the order the stages found them. One sort by a key tuple computed once per document (the
    recency as its place in a newest-first order, so no string comparison is repeated), and the
    records' best documents are taken only until one past the first page.
    """
    text_folded = " ".join(words)
    by_recency = sorted(docs, key=_updated_at, reverse=True)  # stable: ties keep the stages' order
    keyed = []
    for place, doc in enumerate(by_recency):
        tier = doc.get("stage_tier")
        if tier is None:
            tier = _word_tier(doc, words, text_folded)
        doc["tier"] = tier
        keyed.append(((tier, doc.get("typo_rank", 0), round(doc.get("score") or 0.0, 1), place), doc))
    keyed.sort(key=_first)
    chosen: list[dict] = []
    seen: set[str] = set()
    for _, doc in keyed:  # a record's best document is the first one seen
        record = doc["record_id"]
        if record in seen:
            continue
        if len(chosen) == limit:
            return chosen, True
        seen.add(record)
        chosen.append(doc)
    return chosen, False


def _updated_at(doc: dict) -> str:
    return doc.get("updated_at") or ""


def _first(pair: tuple) -> Any:
    return pair[0]


@functools.lru_cache(maxsize=8192)
def _name_words(name: str) -> str:
    """A name's words as the word index sees them, joined by spaces: remembered, because the
    next keystroke ranks mostly the same documents (a few hundred names folded per keystroke)."""
    return " ".join(_TOKEN.findall(_fold_keep_length(name)))


def forget_remembered() -> None:
    """Forget the folded names (a benchmark's fresh start, as a newly opened panel has)."""
    _name_words.cache_clear()


def _word_tier(doc: dict, words: list[str], text_folded: str) -> int:
    name = doc.get("name")
    if name:
        folded = _name_words(name)
        if folded == text_folded:
            return TIER_EXACT
        if folded.startswith(text_folded):
            return TIER_NAME_START
        spaced = " " + folded  # a word of the name starts with w ⇔ " " + w is in it
        if all(" " + w in spaced for w in words):
            return TIER_NAME_WORDS
    return TIER_BODY if doc.get("entry_id") else TIER_FIELD


def _matcher(words: list[str], substrings: list[str]) -> re.Pattern[str] | None:
    """One pattern for the highlights: words at the start of a word, substrings anywhere.

    The words share one look-behind (`(?<!…)(?:north|n)`, the same matches as a look-behind
    per word, tested once per position instead of once per word).
    """
    starts = [re.escape(w) for w in sorted(set(words), key=len, reverse=True) if w]
    alternatives = [r"(?<![^\W_])(?:" + "|".join(starts) + ")"] if starts else []
    alternatives += [re.escape(p) for p in sorted(set(substrings), key=len, reverse=True) if p]
    return re.compile("|".join(alternatives)) if alternatives else None


def _spans(text: str | None, pattern: re.Pattern[str] | None) -> tuple[tuple[int, int], ...]:
    """Where the pattern matches `text` (folded), merged, as offsets in `text`."""
    if not text or pattern is None:
        return ()
    return _merged(pattern.finditer(_fold_keep_length(text)))


def _merged(matches: Iterable[re.Match[str]]) -> tuple[tuple[int, int], ...]:
    merged: list[tuple[int, int]] = []
    for m in matches:
        start, end = m.span()
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return tuple(merged)


SNIPPET_WIDTH = 90


def _spans_near_first(folded: str, pattern: re.Pattern[str]) -> tuple[tuple[int, int], ...]:
    """`_spans` of a note (already folded), but only those a snippet can show: around the first match.

    A note can be 200,000 characters (models/text.py); matching all of it on every keystroke
    made search 3x slower for nothing, as the snippet shows 90 characters of it.
    """
    first = pattern.search(folded)
    if first is None:
        return ()
    return _merged(pattern.finditer(folded, max(0, first.start() - 40), first.start() + 2 * SNIPPET_WIDTH))


def _best_field(doc: dict, pattern: re.Pattern[str] | None) -> tuple[str, str, tuple[tuple[int, int], ...]]:
    """The field that matched best (most query words found in it; earlier columns win ties)."""
    best: tuple[int, str, str, tuple] | None = None
    for column in COLUMNS if pattern is not None else ():
        value = doc.get(column)
        if not value:
            continue
        folded = _fold_keep_length(value)  # once per field: the matches and what they found
        spans = _spans_near_first(folded, pattern) if column == "body" else _merged(pattern.finditer(folded))
        if not spans:
            continue
        found = len({folded[a:b] for a, b in spans})
        if best is None or found > best[0]:
            best = (found, column, value, spans)
    if best is None:  # matched through a word the highlighter cannot see (rare): show the first field
        column = next((c for c in COLUMNS if doc.get(c)), "name")
        return column, _one_line(doc.get(column) or "")[:SNIPPET_WIDTH], ()
    _, column, value, spans = best
    if column == "body":
        return ("body", *_snippet(value, spans))
    flat = _one_line(value)
    return column, flat, spans


_SPACE = re.compile(r"\s")


def _one_line(text: str) -> str:
    """`text` with every whitespace character a plain space (same length).

    A printable string has no whitespace but the plain space (every other one is a control or a
    separator character), so most fields are returned as they are without a substitution.
    """
    return text if text.isprintable() else _SPACE.sub(" ", text)


def _snippet(text: str, spans: tuple[tuple[int, int], ...]) -> tuple[str, tuple[tuple[int, int], ...]]:
    """A window of a note around its first match, on one line, with spans shifted into it.

    Only the window is flattened (`_one_line` keeps lengths), not the whole note.
    """
    first = spans[0][0]
    start = max(0, first - 24)
    if start > 0:  # begin at a word when one starts less than 40 characters before the match
        low = max(0, first - 39)
        space = _one_line(text[low:start + 1]).rfind(" ")
        start = low + space + 1 if space >= 0 else start
    end = min(len(text), start + SNIPPET_WIDTH)
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(text) else ""
    shift = len(prefix) - start
    snippet = prefix + _one_line(text[start:end]) + suffix
    shifted = tuple(
        (max(s + shift, len(prefix)), min(e + shift, len(prefix) + end - start))
        for s, e in spans if s < end and e > start
    )
    return snippet, shifted

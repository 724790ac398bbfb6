"""The search index's matching and ranking against a brute-force reference, and what a query reads.

The index takes shortcuts (the rarest word first, bitsets for common words, candidates checked
one by one, ranking stopped once the page is full); each path is forced in turn on a small
random corpus (fixed seeds) and must give exactly what checking every document gives.
"""
from __future__ import annotations

import random

import pytest

from core.directory import docsets, terms
from core.directory.index import DirectoryIndex, Entry
from core.directory.terms import EXACT, FUZZY, PREFIX, Term, TermIndex

LETTERS = "abcdeo"


def _word(rng: random.Random) -> str:
    return "".join(rng.choice(LETTERS) for _ in range(rng.randint(2, 8)))


def _corpus(seed: int, size: int = 300) -> tuple[list[tuple], list[str]]:
    """Documents of three fields: their own words, and two fields shared by many (like a city, a country)."""
    rng = random.Random(seed)
    vocabulary = [_word(rng) for _ in range(120)]
    common = vocabulary[:3]
    places = [tuple(dict.fromkeys(rng.sample(vocabulary, rng.randint(1, 3)))) for _ in range(8)]
    regions = [frozenset(rng.sample(vocabulary, rng.randint(1, 4))) for _ in range(3)]
    documents = []
    for _ in range(size):
        own = rng.sample(vocabulary, rng.randint(1, 5)) + [w for w in common if rng.random() < 0.6]
        documents.append((tuple(dict.fromkeys(own)), rng.choice(places), rng.choice(regions)))
    return documents, vocabulary


def _queries(rng: random.Random, vocabulary: list[str], count: int) -> list[list[str]]:
    queries = []
    for _ in range(count):
        words = []
        for _ in range(rng.randint(1, 3)):
            word = rng.choice(vocabulary)
            kind = rng.randrange(4)
            if kind == 1:
                word = word[: max(1, len(word) - rng.randint(1, 3))]  # a prefix
            elif kind == 2 and len(word) > 3:
                at = rng.randrange(len(word))
                word = word[:at] + rng.choice(LETTERS) + word[at + 1 :]  # a typo
            words.append(word)
        queries.append(words)
    return queries


def _reference_levels(documents: list[tuple], query: list[Term]) -> list[int | None]:
    """Each document's tier (its weakest term's best level), or None when a term has no match in it."""
    found: list[int | None] = []
    for fields in documents:
        words = set().union(*fields)
        levels = [min((term.matches[w][0] for w in words if w in term.matches), default=None) for term in query]
        found.append(None if None in levels else max(levels))
    return found


def _reference_ranking(documents: list[tuple], docs: set[int], query: list[Term], rank: int, count: int, margin):
    ranked = []
    for doc in docs:
        words = set().union(*documents[doc])
        total = 0.0
        for term in query:
            total += max((s for w, (level, s) in term.matches.items() if level <= rank and w in words), default=0.0)
        ranked.append((-round(total / len(query), 3), doc))
    ranked.sort()
    if margin is not None and ranked:
        ranked = [item for item in ranked if -item[0] >= -ranked[0][0] - margin]
    return len(ranked), [(doc, -negative) for negative, doc in ranked[:count]]


# Each path of the index forced: candidates checked one by one or bitsets, ranking by tiers,
# by combinations of tiers, or document by document.
PATHS = {
    "candidates one by one": {"PER_DOC": 10**9, "_DOC_CHECK_COST": 0},
    "bitsets only": {"PER_DOC": 0, "_DOC_CHECK_COST": 10**9},
    "bitsets then one by one": {"PER_DOC": 0, "_DOC_CHECK_COST": 0},
    "ranked one by one": {"PER_DOC": 0, "MAX_COMBINATIONS": 0},
}


@pytest.mark.parametrize("path", PATHS)
def test_matching_and_ranking_equal_a_brute_force_reference(path, monkeypatch):
    for name, value in PATHS[path].items():
        monkeypatch.setattr(terms, name, value)
    rng = random.Random(17)
    for seed in (1, 2):
        documents, vocabulary = _corpus(seed)
        index = TermIndex(documents, sound_words=vocabulary[:40])
        allowed_docs = set(rng.sample(range(len(documents)), 120))
        for words in _queries(rng, vocabulary, 40):
            query = [index.expand(word, prefix=len(word) > 1 or len(words) == 1) for word in words]
            allowed = docsets.from_docs(allowed_docs, len(documents)) if rng.random() < 0.3 else None
            levels = _reference_levels(documents, query)
            if allowed is not None:
                levels = [level if doc in allowed_docs else None for doc, level in enumerate(levels)]
            tiers = index.match(query, allowed)
            for bits, rank in ((tiers.exact, EXACT), (tiers.near, PREFIX), (tiers.matched, FUZZY)):
                expected = {doc for doc, level in enumerate(levels) if level is not None and level <= rank}
                assert set(docsets.members(bits)) == expected, (words, rank)
            for docs, rank, margin in ((tiers.near & ~tiers.exact, PREFIX, None), (tiers.matched, FUZZY, 12.0)):
                members = set(docsets.members(docs))
                for count in (1, 10):
                    expected = _reference_ranking(documents, members, query, rank, count, margin)
                    assert index.ranked(docs, query, rank, count, margin=margin) == expected, (words, rank, count)


def test_docsets_equal_python_sets():
    rng = random.Random(3)
    for size in (1, 9, 300, 5000):
        for _ in range(20):
            docs = rng.sample(range(size), rng.randint(0, size))
            bits = docsets.from_docs(docs, size)
            assert docsets.members(bits) == sorted(docs)
            assert bits.bit_count() == len(docs)
            count, offset = rng.randint(0, 12), rng.randint(0, 5)
            assert docsets.first(bits, count) == sorted(docs)[:count]
            assert docsets.nth(bits, offset, count) == sorted(docs)[offset : offset + count]


def _directory(size: int) -> DirectoryIndex:
    rng = random.Random(5)
    entries = []
    for number in range(size):
        own = "".join(rng.choice("bcdfglmnprstv") + rng.choice("aeiou") for _ in range(4))
        name = f"Amicale des anciens de {own.capitalize()}" if number % 2 else f"Club del liceo de {own.capitalize()}"
        entries.append(Entry(number, name, rng.choice(("FR", "ES", "TN")), "", "", "", (), (), ""))
    return DirectoryIndex(entries)


def test_a_common_word_next_to_a_rare_one_is_never_read_whole():
    index = _directory(600)
    counters = index.terms.counters
    rare = index.entries[345].name.split()[-1]
    common = index.terms.postings["de"]
    assert len(common) == 600  # "de" is in every name

    counters.postings = counters.documents = 0
    total, page = index.search(f"de {rare}")

    assert total == 1 and index.entries[page[0][0]].name.endswith(rare)
    # Only the postings of the rare word (and of its near spellings) were read, and only their
    # few candidates were checked against "de".
    rare_term = index.expand(rare.lower())
    assert counters.postings == rare_term.size < 10
    assert counters.documents <= rare_term.size


def test_paging_through_a_common_word_gives_each_result_once_in_order():
    index = _directory(600)
    total, first_page = index.search("de", limit=50)
    assert total == 600
    pages = [index.search("de", limit=50, offset=offset)[1] for offset in range(0, 600, 50)]
    docs = [doc for page in pages for doc, _, _ in page]
    assert docs[:50] == [doc for doc, _, _ in first_page]
    assert sorted(docs) == docs == list(range(600))  # the exact tier is in name order

"""A word index over documents, each document being the words of its searchable fields.

Generic on purpose: the directory's associations use it (name, city, country words) and so can
any other list of documents (members' profiles). It knows nothing of places or ranking rules
beyond the match levels below; the caller orders the exact tier and chooses what to score.

A query word becomes a ``Term``: the vocabulary words it matches exactly, as a prefix, or
within a small edit distance (deletion neighbourhood) or sound key, each with a similarity.
A document matches a query when it holds a match of every term (AND); its tier is its weakest
term's level. The cost of answering follows the size of the answer, not the frequency of the
words in it:

- the terms are evaluated rarest first; a frequent term is then checked on the few candidates'
  own words instead of being read whole, when that is cheaper;
- a frequent word (a sixty-fourth of the documents or more) is also held as a bitset
  (``docsets``): combining it with another set costs a few microseconds, never a walk of its
  tens of thousands of postings;
- only the first page is ranked: documents are numbered in result order, scores come in tiers
  (one per similarity, best first), and ranking stops as soon as the page is full.
"""
from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from itertools import chain, product

from rapidfuzz.distance import OSA

from . import docsets
from .sounds import sound_key

EXACT, PREFIX, FUZZY = 0, 1, 2
_NONE = 3
# Only so many prefix completions of one word are followed; "a" alone must not walk everything.
MAX_PREFIX_WORDS = 400
_MEMO_SIZE = 4096
_BITS_MEMO_SIZE = 128
# A transliteration ("Sfaks" for Sfax) is a good match even when many letters differ.
SOUND_SIMILARITY = 85.0
# A word is also held as a bitset from this share of the documents (then the bitset is no larger
# than its list of postings).
DENSE_SHARE = 64
# Candidates of the rarest term checked one by one (their own words) up to this many; above, bitsets.
PER_DOC = 1500
# Costs (ns, measured on CPython 3.11) of checking one document's words against a one-word
# term, and of setting one posting in a bitset, one by one or in bulk (``docsets.from_docs``);
# a bitset operation costs about a nanosecond per 16 documents.
_DOC_CHECK_COST = 300
_POSTING_COST = 150
_BULK_POSTING_COST = 60
# Combinations of similarity tiers across the words of a long query scored at most; above, one by one.
MAX_COMBINATIONS = 4096


def _postings_cost(postings: int) -> int:
    return postings * (_POSTING_COST if postings < docsets.BYTEWISE else _BULK_POSTING_COST)


def typo_budget(word: str) -> int:
    """Edits tolerated in a query word: none for short words, where a typo is another word."""
    if len(word) < 4:
        return 0
    return 1 if len(word) < 8 else 2


def deletions(word: str, budget: int) -> set[str]:
    """The word without up to ``budget`` of its letters (including the word itself)."""
    variants = {word}
    layer = {word}
    for _ in range(budget):
        layer = {w[:i] + w[i + 1 :] for w in layer for i in range(len(w))}
        variants |= layer
    return variants


# A document: the words of each of its fields, each word once per field. A field's collection
# may be shared by many documents (the words of a city's names): it is then posted once for all.
Document = tuple[Collection[str], ...]


def _postings(documents: Sequence[Document]) -> dict[str, list[int]]:
    """Word -> the documents holding it (each once, in no particular order).

    A field holds each of its words once; a word found in two fields (a name holding its
    city) is the only way a document could be posted twice, so only such words are deduplicated.
    """
    shared: dict[int, tuple[Collection[str], int, list[int]]] = {}
    for doc, fields in enumerate(documents):
        for position, words in enumerate(fields):
            group = shared.get(id(words))
            if group is None:
                shared[id(words)] = (words, position, [doc])
            else:
                group[2].append(doc)
    postings: dict[str, list[int]] = {}
    positions: dict[str, int] = {}
    for words, position, docs in shared.values():
        bit = 1 << position
        for word in words:
            known = postings.get(word)
            if known is None:
                postings[word] = docs.copy()
                positions[word] = bit
            else:
                known.extend(docs)
                positions[word] |= bit
    for word, seen_in in positions.items():
        if seen_in & (seen_in - 1):  # more than one field
            docs = postings[word]
            unique = set(docs)
            if len(unique) < len(docs):
                postings[word] = sorted(unique)
    return postings


@dataclass(frozen=True, slots=True)
class Term:
    """One query word's matches: vocabulary word -> (level, similarity 0..100)."""

    word: str
    matches: dict[str, tuple[int, float]]
    keys: frozenset[str]
    size: int  # postings of every match added up: at least the number of documents matched
    sparse: int  # postings not held as bitsets: the cost of building this term's bitsets
    dense: int  # matches held as bitsets

    def at_most(self, rank: int) -> list[tuple[str, float]]:
        """(word, similarity) of the matches of level ``rank`` or better."""
        return [(word, similarity) for word, (level, similarity) in self.matches.items() if level <= rank]


@dataclass(slots=True)
class Tiers:
    """Documents matching every term: exactly, exactly-or-by-prefix, at all (each holds the one before)."""

    exact: int
    near: int
    matched: int


@dataclass(slots=True)
class Counters:
    """What a query read, for tests and benchmarks: postings visited and documents checked one by one."""

    postings: int = 0
    documents: int = 0


class TermIndex:
    """Immutable once built (except bounded memos); built again when the documents change."""

    def __init__(self, documents: Sequence[Document], *, sound_words: Iterable[str] = ()) -> None:
        self.documents = documents
        self.size = len(documents)
        self.postings = _postings(documents)
        dense_from = max(32, self.size // DENSE_SHARE)
        self.dense = {word: docsets.from_docs(docs, self.size) for word, docs in self.postings.items() if len(docs) >= dense_from}
        self.vocabulary = sorted(self.postings)
        neighbours: dict[str, list[str]] = defaultdict(list)
        for word in self.vocabulary:
            for variant in deletions(word, typo_budget(word) or 1):
                neighbours[variant].append(word)
        self.neighbours = dict(neighbours)
        sounds: dict[str, list[str]] = defaultdict(list)
        for word in sorted(set(sound_words)):
            if typo_budget(word) and (key := sound_key(word)):
                sounds[key].append(word)
        self.sounds = dict(sounds)
        self._bitset_cost = 2000 + self.size // 16
        self.counters = Counters()
        self._terms: dict[str, Term] = {}
        self._bits: dict[int, tuple[Term, Tiers]] = {}  # id(term) -> (term, its bitsets)
        # A one-letter query word completes to hundreds of words: when their postings are many,
        # its bitsets are built once with the index (a few per alphabet) instead of per query.
        self._letters: dict[str, tuple[frozenset[str], Tiers]] = {}
        for letter in sorted({word[0] for word in self.vocabulary}):
            term = self.expand(letter)
            if term.sparse >= dense_from:
                self._letters[letter] = (term.keys, self._term_bits(term))
        self.forget()
        self.counters = Counters()

    def forget(self) -> None:
        """Drop the memos (benchmarks measure first-time queries this way)."""
        self._terms.clear()
        self._bits.clear()

    # ------------------------------------------------------------ one query word

    def expand(self, word: str, *, prefix: bool = True) -> Term:
        """The vocabulary words matching a query word, with their level and similarity."""
        memo_key = word if prefix else f"={word}"
        term = self._terms.get(memo_key)
        if term is not None:
            return term
        found: dict[str, tuple[int, float]] = {}
        if word in self.postings:
            found[word] = (EXACT, 100.0)
        if prefix:
            start = bisect_left(self.vocabulary, word)
            for candidate in self.vocabulary[start : start + MAX_PREFIX_WORDS]:
                if not candidate.startswith(word):
                    break
                if candidate != word:
                    found[candidate] = (PREFIX, 100.0 * len(word) / len(candidate))
        budget = typo_budget(word)
        if budget:
            for variant in deletions(word, budget):
                for candidate in self.neighbours.get(variant, ()):
                    if candidate in found:
                        continue
                    # Optimal string alignment: a swap of two letters counts as one typo.
                    distance = OSA.distance(word, candidate, score_cutoff=budget)
                    if distance <= budget:
                        found[candidate] = (FUZZY, 100.0 * (1.0 - distance / max(len(word), len(candidate))))
            # A word the index has as such is not a transliteration: its sound alikes would
            # only add candidates (and their postings) to every query holding it.
            key = sound_key(word) if word not in self.postings else None
            for candidate in self.sounds.get(key, ()) if key else ():
                if candidate not in found:
                    distance = OSA.distance(word, candidate)
                    found[candidate] = (FUZZY, max(SOUND_SIMILARITY, 100.0 * (1.0 - distance / max(len(word), len(candidate)))))
        size = sparse = dense = 0
        for candidate in found:
            postings = len(self.postings[candidate])
            size += postings
            if candidate in self.dense:
                dense += 1
            else:
                sparse += postings
        term = Term(word, found, frozenset(found), size, sparse, dense)
        if len(self._terms) >= _MEMO_SIZE:  # chat queries repeat; the memo dies with the index
            self._terms.clear()
        self._terms[memo_key] = term
        return term

    def _term_bits(self, term: Term) -> Tiers:
        """The documents a term matches, per level (bitsets); sparse words read once each."""
        cached = self._bits.get(id(term))
        if cached is not None and cached[0] is term:
            return cached[1]
        letter = self._letters.get(term.word)
        if letter is not None and letter[0] == term.keys:
            return letter[1]
        levels = [0, 0, 0]
        sparse: list[list[list[int]]] = [[], [], []]
        for word, (level, _) in term.matches.items():
            bits = self.dense.get(word)
            if bits is not None:
                levels[level] |= bits
            else:
                sparse[level].append(self.postings[word])
        for level, lists in enumerate(sparse):
            if lists:
                docs = list(chain.from_iterable(lists))
                self.counters.postings += len(docs)
                levels[level] |= docsets.from_docs(docs, self.size)
        near = levels[EXACT] | levels[PREFIX]
        tiers = Tiers(levels[EXACT], near, near | levels[FUZZY])
        if len(self._bits) >= _BITS_MEMO_SIZE:
            self._bits.clear()
        self._bits[id(term)] = (term, tiers)
        return tiers

    # ------------------------------------------------------------ matching

    def match(self, terms: list[Term], allowed: int | None = None) -> Tiers:
        """Documents holding a match of every term, per tier, among ``allowed`` (a bitset) if given.

        The rarest term gives the candidates; each other term, rarest first, then narrows them
        the cheaper way: checked on each candidate's own words (cost: the candidates), or
        intersected as bitsets (cost: its postings not already held as bitsets). A common word
        next to a rare one is thus never read whole.
        """
        order = sorted(terms, key=lambda term: term.size)
        levels: dict[int, int] | None = None
        tiers: Tiers | None = None
        if order[0].size <= PER_DOC:
            levels = self._levels_of(order[0])
            if allowed is not None and levels:
                kept = docsets.from_docs(levels, self.size) & allowed
                levels = {doc: levels[doc] for doc in docsets.members(kept)}
        else:
            tiers = self._term_bits(order[0])
            if allowed is not None:
                tiers = Tiers(tiers.exact & allowed, tiers.near & allowed, tiers.matched & allowed)
        for term in order[1:]:
            candidates = len(levels) if levels is not None else tiers.matched.bit_count()
            if not candidates:
                break
            by_bits = _postings_cost(term.sparse) + term.dense * self._bitset_cost
            # A term of several words is looked for in each field of a candidate: about three times the work.
            by_docs = candidates * _DOC_CHECK_COST * (1 if len(term.matches) == 1 else 3)
            if levels is not None:
                by_bits += _postings_cost(candidates)
            else:
                by_docs += self._bitset_cost + candidates * _POSTING_COST
            if by_docs <= by_bits:
                levels = self._levels_among(levels if levels is not None else self._levels_in(tiers), term)
            else:
                tiers = tiers if levels is None else self._tiers_of(levels)
                levels = None
                other = self._term_bits(term)
                tiers = Tiers(tiers.exact & other.exact, tiers.near & other.near, tiers.matched & other.matched)
        return tiers if levels is None else self._tiers_of(levels)

    def _levels_of(self, term: Term) -> dict[int, int]:
        """Document -> best level, for the documents a (rare) term matches, from its postings."""
        levels: dict[int, int] = {}
        # Weakest level first: a document's best match overwrites a weaker one.
        for word, (level, _) in sorted(term.matches.items(), key=lambda item: -item[1][0]):
            postings = self.postings[word]
            self.counters.postings += len(postings)
            levels.update(dict.fromkeys(postings, level))
        return levels

    def _levels_among(self, levels: dict[int, int], term: Term) -> dict[int, int]:
        """``levels`` (document -> weakest level so far) kept where ``term`` matches, its level folded in."""
        documents, matches = self.documents, term.matches
        self.counters.documents += len(levels)
        kept: dict[int, int] = {}
        if len(matches) == 1:
            ((word, (level, _)),) = matches.items()
            for doc, known in levels.items():
                for words in documents[doc]:
                    if word in words:
                        kept[doc] = known if known >= level else level
                        break
            return kept
        keys = term.keys
        for doc, known in levels.items():
            best = _NONE
            for words in documents[doc]:
                for word in keys.intersection(words):
                    level = matches[word][0]
                    if level < best:
                        best = level
            if best != _NONE:
                kept[doc] = known if known >= best else best
        return kept

    def _levels_in(self, tiers: Tiers) -> dict[int, int]:
        levels = dict.fromkeys(docsets.members(tiers.matched), FUZZY)
        if tiers.near != tiers.matched:
            levels.update(dict.fromkeys(docsets.members(tiers.near), PREFIX))
        else:
            levels = dict.fromkeys(levels, PREFIX)
        levels.update(dict.fromkeys(docsets.members(tiers.exact), EXACT))
        return levels

    def _tiers_of(self, levels: dict[int, int]) -> Tiers:
        by_level: list[list[int]] = [[], [], []]
        for doc, level in levels.items():
            by_level[level].append(doc)
        exact = docsets.from_docs(by_level[EXACT], self.size)
        near = exact | docsets.from_docs(by_level[PREFIX], self.size)
        return Tiers(exact, near, near | docsets.from_docs(by_level[FUZZY], self.size))

    # ------------------------------------------------------------ ranking

    def ranked(
        self, docs: int, terms: list[Term], rank: int, count: int, *, margin: float | None = None
    ) -> tuple[int, list[tuple[int, float]]]:
        """(kept, best ``count`` as (document, score)) of ``docs`` by mean similarity, then document.

        A term contributes its best match of level ``rank`` or better. With ``margin``, documents
        scoring more than that below the best are dropped (and not counted).
        """
        if not docs:
            return 0, []
        if len(terms) == 1:
            return self._ranked_by_tiers(docs, terms[0], rank, count, margin)
        if docs.bit_count() > PER_DOC:
            groups = [self._similarity_groups(docs, term, rank) for term in terms]
            combinations = 1
            for group in groups:
                combinations *= len(group)
            if combinations <= MAX_COMBINATIONS:
                return self._ranked_by_combinations(docs, groups, count, margin)
        return self._ranked_one_by_one(docs, terms, rank, count, margin)

    def _ranked_one_by_one(
        self, docs: int, terms: list[Term], rank: int, count: int, margin: float | None
    ) -> tuple[int, list[tuple[int, float]]]:
        members = docsets.members(docs)
        self.counters.documents += len(members)
        best = [{word: similarity for word, similarity in term.at_most(rank)} for term in terms]
        keys = [frozenset(similarities) for similarities in best]
        documents = self.documents
        ranked = []
        for doc in members:
            total = 0.0
            fields = documents[doc]
            for similarities, wanted in zip(best, keys):
                total += max((similarities[word] for words in fields for word in wanted.intersection(words)), default=0.0)
            ranked.append((-round(total / len(terms), 3), doc))
        ranked.sort()
        kept = len(ranked)
        if margin is not None:
            kept = bisect_left(ranked, (-(-ranked[0][0] - margin), self.size))
        return kept, [(doc, -negative) for negative, doc in ranked[: min(count, kept)]]

    def _bits_of(self, words: Iterable[str]) -> int:
        bits = 0
        sparse: list[int] = []
        for word in words:
            dense = self.dense.get(word)
            if dense is not None:
                bits |= dense
            else:
                sparse.extend(self.postings[word])
        self.counters.postings += len(sparse)
        return bits | docsets.from_docs(sparse, self.size) if sparse else bits

    def _similarity_tiers(self, term: Term, rank: int) -> list[tuple[float, list[str]]]:
        """The term's matches of level ``rank`` or better grouped by similarity, best first."""
        groups: dict[float, list[str]] = defaultdict(list)
        for word, similarity in term.at_most(rank):
            groups[similarity].append(word)
        return sorted(groups.items(), reverse=True)

    def _ranked_by_tiers(
        self, docs: int, term: Term, rank: int, count: int, margin: float | None
    ) -> tuple[int, list[tuple[int, float]]]:
        """One term: a document's score is its best match, so the tiers of similarity are read
        best first and reading stops once the page is full (and, with a margin, below it)."""
        page: list[tuple[int, float]] = []
        seen = 0
        kept = 0
        floor: float | None = None
        pending: dict[float, int] = {}
        tiers = self._similarity_tiers(term, rank)
        for position, (similarity, words) in enumerate(tiers):
            if margin is None and len(page) >= count:
                break
            score = round((0.0 + similarity) / 1, 3)
            bits = self._bits_of(words) & docs & ~seen
            seen |= bits
            pending[score] = pending.get(score, 0) | bits
            # Tiers whose rounded scores tie are one tier: they are taken together, in document order.
            if position + 1 < len(tiers) and round((0.0 + tiers[position + 1][0]) / 1, 3) == score:
                continue
            bits = pending.pop(score)
            if not bits:
                continue
            if floor is None:
                floor = score - margin if margin is not None else None
            if floor is not None and score < floor:
                break
            kept += bits.bit_count()
            if len(page) < count:
                page.extend((doc, score) for doc in docsets.first(bits, count - len(page)))
        if margin is None:
            kept = docs.bit_count()
        return kept, page

    def _similarity_groups(self, docs: int, term: Term, rank: int) -> list[tuple[float, int]]:
        """(similarity, documents of ``docs`` whose best match of the term has it), best first."""
        groups = []
        seen = 0
        for similarity, words in self._similarity_tiers(term, rank):
            bits = self._bits_of(words) & docs & ~seen
            if bits:
                seen |= bits
                groups.append((similarity, bits))
        return groups

    def _ranked_by_combinations(
        self, docs: int, groups: list[list[tuple[float, int]]], count: int, margin: float | None
    ) -> tuple[int, list[tuple[int, float]]]:
        """Several terms: every combination of their similarity groups is one score for all its documents."""
        by_score: dict[float, int] = {}
        for combination in product(*groups):
            bits = docs
            total = 0.0
            for similarity, members in combination:
                bits &= members
                if not bits:
                    break
                total += similarity
            if bits:
                score = round(total / len(groups), 3)
                by_score[score] = by_score.get(score, 0) | bits
        if not by_score:
            return 0, []
        scores = sorted(by_score, reverse=True)
        if margin is not None:
            scores = [score for score in scores if score >= scores[0] - margin]
        page: list[tuple[int, float]] = []
        for score in scores:
            if len(page) >= count:
                break
            page.extend((doc, score) for doc in docsets.first(by_score[score], count - len(page)))
        return sum(by_score[score].bit_count() for score in scores), page

"""The in-memory search index of the directory (pure, synchronous, rebuilt per revision).

Words of names, cities (with their other names, see ``city_names``) and of every country name
in every supported language form one vocabulary. A query word is looked up exactly (dict), as
a prefix (bisect on the sorted vocabulary) and, when long enough, with a small edit distance
through a deletion neighbourhood (every vocabulary word minus one or two letters) and through
its sound key (``sounds``), so a typo or a transliteration costs a few dict lookups instead of
a scan. Documents are numbered in name order, so the exact tier of results needs no scoring.

Relevance first: results come in tiers (every word exact, then exact-or-prefix, then fuzzy),
and within the exact tier an association whose city, then whose country, *is* the query (or a
run of its words) comes before one that only has the words in its name. Fuzzy matches are only
offered when nothing matches exactly or by prefix, and the weak ones among them are dropped.
"""
from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz.distance import OSA

from core.geo.countries import country_aliases
from core.text import fold

from .city_names import city_names
from .sounds import sound_key

EXACT, PREFIX, FUZZY = 0, 1, 2
# Only so many prefix completions of one word are followed; "a" alone must not walk everything.
MAX_PREFIX_WORDS = 400
_MEMO_SIZE = 4096
# A transliteration ("Sfaks" for Sfax) is a good match even when many letters differ.
SOUND_SIMILARITY = 85.0
# Among fuzzy-only results, those this far below the best one are noise ("Tunis" ~ "unis").
FUZZY_MARGIN = 12.0


@dataclass(frozen=True, slots=True)
class Entry:
    id: int
    name: str
    country_code: str
    city: str
    website: str
    email: str
    languages: tuple[str, ...]
    themes: tuple[str, ...]
    description: str
    # The contact person, filled only when they consented (else empty); never indexed for search.
    contact: "Contact | None" = None
    # language -> {"name"|"city"|"description": text} (``core.directory.translations``); names and cities are searched too
    translations: "Mapping[str, Mapping[str, str]] | None" = None


@dataclass(frozen=True, slots=True)
class Contact:
    """An association's contact person who agreed to be shown to members."""

    name: str
    email: str
    phone: str

    def line(self) -> str:
        """Name · e-mail · phone, whichever are known."""
        return " · ".join(p for p in (self.name, self.email, self.phone) if p)


def shown_contact(name: str, email: str, phone: str, consent: bool) -> Contact | None:
    """The contact person to show, or None: without consent nothing of them leaves the database."""
    if not consent or not (name or email or phone):
        return None
    return Contact(name, email, phone)


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


@lru_cache(maxsize=512)
def _country_names(code: str) -> tuple[str, ...]:
    return tuple(country_aliases(code))


@lru_cache(maxsize=512)
def _country_words(code: str) -> frozenset[str]:
    words = {code.lower()}
    for alias in _country_names(code):
        words.update(alias.split())
    return frozenset(words)


class DirectoryIndex:
    """Immutable once built (except a bounded memo); a new revision builds a new index."""

    def __init__(self, entries: Iterable[Entry], revision: int = 0) -> None:
        self.revision = revision
        keyed = sorted(((fold(entry.name), entry.id), entry) for entry in entries)
        # The same association's names and cities in other languages (import keys ``name_ar`` …).
        self.entries: list[Entry] = [entry for _, entry in keyed]
        postings: dict[str, list[int]] = defaultdict(list)
        self.doc_words: list[frozenset[str]] = []
        by_country: dict[str, list[int]] = defaultdict(list)
        self.by_theme: dict[str, set[int]] = defaultdict(set)
        # Whole place names -> documents: a city (any of its names), a country (any language).
        cities: dict[str, list[int]] = defaultdict(list)
        # Many associations share a city: its names and words are worked out once per build.
        places: dict[tuple[str, str], tuple[tuple[str, ...], frozenset[str]]] = {}
        for doc, ((name_key, _), entry) in enumerate(keyed):
            names, city_words = self._place(places, entry.country_code, entry.city)
            name_words = frozenset(name_key.split())
            for texts in (entry.translations or {}).values():
                name_words |= frozenset(fold(texts.get("name", "")).split())
                if texts.get("city"):
                    other_names, other_words = self._place(places, entry.country_code, texts["city"])
                    names, city_words = (*names, *other_names), city_words | other_words
            country_words = _country_words(entry.country_code)
            own = name_words | city_words
            self.doc_words.append(own | country_words)
            for name in dict.fromkeys(names):
                cities[name].append(doc)
            for word in own - country_words:  # the country's words are posted once per country, below
                postings[word].append(doc)
            by_country[entry.country_code].append(doc)
            for theme in entry.themes:
                self.by_theme[theme].add(doc)
        for code, docs in by_country.items():
            for word in _country_words(code):
                postings[word].extend(docs)
        self.cities = dict(cities)
        self.by_country: dict[str, set[int]] = {code: set(docs) for code, docs in by_country.items()}
        countries: dict[str, list[str]] = defaultdict(list)
        for code in self.by_country:
            for name in _country_names(code):
                countries[name].append(code)
        self.countries = dict(countries)
        self.place_starts: dict[str, int] = {}
        for name in (*self.cities, *self.countries):
            first, *rest = name.split()
            self.place_starts[first] = max(self.place_starts.get(first, 0), 1 + len(rest))
        # Each word of a place's name -> the documents (cities) or countries it names.
        city_words: dict[str, list[int]] = defaultdict(list)
        for name, docs in self.cities.items():
            for word in name.split():
                city_words[word].extend(docs)
        self.city_words = dict(city_words)
        country_words: dict[str, list[str]] = defaultdict(list)
        for code in self.by_country:
            for word in _country_words(code):
                country_words[word].append(code)
        self.country_words = dict(country_words)
        self.postings = dict(postings)
        self.vocabulary = sorted(self.postings)
        neighbours: dict[str, list[str]] = defaultdict(list)
        for word in self.vocabulary:
            for variant in deletions(word, typo_budget(word) or 1):
                neighbours[variant].append(word)
        self.neighbours = dict(neighbours)
        # Transliterations are of place names ("Sfaks", "Beyrut"): only their words get a sound key.
        sounds: dict[str, list[str]] = defaultdict(list)
        for word in sorted(self.city_words.keys() | self.country_words.keys()):
            if typo_budget(word) and (key := sound_key(word)):
                sounds[key].append(word)
        self.sounds = dict(sounds)
        self._expansions: dict[str, dict[str, tuple[int, float]]] = {}

    @staticmethod
    def _place(
        places: dict[tuple[str, str], tuple[tuple[str, ...], frozenset[str]]], country_code: str, city: str
    ) -> tuple[tuple[str, ...], frozenset[str]]:
        """A city's names and their words; many associations share a city, so worked out once per build."""
        place = places.get((country_code, city))
        if place is None:
            names = city_names(country_code, fold(city))
            place = places[(country_code, city)] = (names, frozenset(" ".join(names).split()))
        return place

    def __len__(self) -> int:
        return len(self.entries)

    # ------------------------------------------------------------ one query word

    def expand(self, word: str, *, prefix: bool = True) -> dict[str, tuple[int, float]]:
        """Vocabulary words matching a query word -> (match level, similarity 0..100)."""
        memo_key = word if prefix else f"={word}"
        found = self._expansions.get(memo_key)
        if found is not None:
            return found
        found = {}
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
            # A word the directory has as such is not a transliteration: its sound alikes would
            # only add candidates (and their postings) to every query holding it.
            key = sound_key(word) if word not in self.postings else None
            for candidate in self.sounds.get(key, ()) if key else ():
                if candidate not in found:
                    distance = OSA.distance(word, candidate)
                    found[candidate] = (FUZZY, max(SOUND_SIMILARITY, 100.0 * (1.0 - distance / max(len(word), len(candidate)))))
        if len(self._expansions) >= _MEMO_SIZE:  # chat queries repeat; the memo dies with the index
            self._expansions.clear()
        self._expansions[memo_key] = found
        return found

    # ------------------------------------------------------------ the query

    def search(
        self, query: str, *, country: str | None = None, theme: str | None = None, limit: int = 10, offset: int = 0
    ) -> tuple[int, list[tuple[int, int, float]]]:
        """(total, [(doc, rank, score)]) for one page, best first.

        Every query word must match a word of the association (name, city or country);
        rank is the weakest of those matches, score their mean similarity. Exact matches
        come first, a whole city name before a whole country name before words of a name;
        fuzzy ones only when nothing matched exactly or by prefix, and only the near-best.
        """
        allowed = self._filter(country, theme)
        wanted = offset + limit
        words = fold(query).split()
        if not words:
            docs = sorted(allowed) if allowed is not None else range(len(self.entries))
            return len(docs), [(doc, EXACT, 100.0) for doc in docs[offset:wanted]]
        # A lone letter among other words ("cote d ivoire") is matched exactly, never as a prefix.
        expansions = [self.expand(word, prefix=len(word) > 1 or len(words) == 1) for word in words]
        # Start from the rarest word; a common word ("de") is then checked on the few candidates'
        # own words instead of materializing its thousands of documents.
        sizes = [sum(len(self.postings[w]) for w in expansion) for expansion in expansions]
        order = sorted(range(len(words)), key=sizes.__getitem__)
        exact, near, matched = self._tiers(expansions[order[0]])
        if allowed is not None:
            exact &= allowed
            near &= allowed
            matched &= allowed
        for position in order[1:]:
            if not matched:
                break
            if sizes[position] > 16 * len(matched):  # measured: a doc check costs ~15 set inserts
                other = self._tiers_among(expansions[position], matched)
            else:
                other = self._tiers(expansions[position])
            exact &= other[0]
            near &= other[1]
            matched &= other[2]
        # Each tier holds the one before it: exact <= near (exact or prefix) <= matched.
        if not near:
            if not matched:
                return 0, []
            total, page = self._scored(matched, expansions, FUZZY, wanted, margin=FUZZY_MARGIN)
            return total, page[offset:]
        # Strong matches exist: the fuzzy ones ("tunis" ~ "unis" of "Etats-Unis") are dropped.
        ordered, named_place = self._places_first(exact, words)
        prefixed: set[int] | None = None
        if named_place and len(words) == 1 and len(near) > len(exact):
            # The word is a place's own name: its completions count only as other places'
            # names ("Tunis" -> "Tunisie"), not as words of names ("France" -> "Francés").
            prefixed = self._named_among(near - exact, (w for w, (level, _) in expansions[0].items() if level == PREFIX))
        total = len(near) if prefixed is None else len(exact) + len(prefixed)
        page = [(doc, EXACT, 100.0) for doc in ordered[:wanted]]
        if len(page) < wanted:
            page += self._scored(near - exact if prefixed is None else prefixed, expansions, PREFIX, wanted - len(page))[1]
        return total, page[offset:]

    def _named_among(self, docs: set[int], words: Iterable[str]) -> set[int]:
        """Those of ``docs`` whose city or country name (not merely their own name) holds one of ``words``."""
        named: set[int] = set()
        city_words, country_words = self.city_words, self.country_words
        for word in words:
            if word in city_words:
                named.update(docs.intersection(city_words[word]))
            if word in country_words:
                for code in country_words[word]:
                    named |= docs & self.by_country[code]
        return named

    def _places_first(self, exact: set[int], words: list[str]) -> tuple[list[int], bool]:
        """The exact tier in order (the query names the city, then the country, then name order),
        and whether the query named a place at all."""
        cities: set[int] = set()
        codes: set[str] = set()
        for start, word in enumerate(words):
            longest = self.place_starts.get(word, 0)  # most words of a place name starting with this one
            for end in range(start + 1, min(len(words), start + longest) + 1):
                name = " ".join(words[start:end])
                cities.update(self.cities.get(name, ()))
                codes.update(self.countries.get(name, ()))
        if not cities and not codes:
            return sorted(exact), False
        cities &= exact
        countries: set[int] = set()
        for code in codes:
            countries |= exact & self.by_country[code]
        if not cities and len(countries) == len(exact):  # the usual country query: nothing to reorder
            return sorted(exact), True
        countries -= cities
        return sorted(cities) + sorted(countries) + sorted(exact - cities - countries), True

    def _tiers(self, expansion: dict[str, tuple[int, float]]) -> tuple[set[int], set[int], set[int]]:
        """Documents matching a query word exactly, exactly-or-by-prefix, and at all."""
        exact: set[int] = set()
        near: set[int] = set()
        fuzzy: set[int] = set()
        for word, (level, _) in expansion.items():
            (exact if level == EXACT else near if level == PREFIX else fuzzy).update(self.postings[word])
        near |= exact
        return exact, near, fuzzy | near

    def _tiers_among(self, expansion: dict[str, tuple[int, float]], docs: set[int]) -> tuple[set[int], set[int], set[int]]:
        """Like ``_tiers`` but only for ``docs``, looking at each document's own words."""
        exact: set[int] = set()
        near: set[int] = set()
        fuzzy: set[int] = set()
        for doc in docs:
            level = min((expansion[word][0] for word in self.doc_words[doc] if word in expansion), default=None)
            if level is not None:
                (exact if level == EXACT else near if level == PREFIX else fuzzy).add(doc)
        near |= exact
        return exact, near, fuzzy | near

    def _scored(
        self, docs: set[int], expansions: list[dict[str, tuple[int, float]]], rank: int, count: int, *,
        margin: float | None = None,
    ) -> tuple[int, list[tuple[int, int, float]]]:
        """(kept, best ``count``) of ``docs`` by mean similarity, then name (document order).

        With ``margin``, documents scoring more than that below the best are dropped (and not counted).
        """
        if not docs:
            return 0, []
        totals = dict.fromkeys(docs, 0.0)
        for expansion in expansions:
            best: dict[int, float] = {}
            # Ascending similarity: a better word overwrites a worse one for the same document.
            for word, (_, similarity) in sorted(
                ((w, m) for w, m in expansion.items() if m[0] <= rank), key=lambda item: item[1][1]
            ):
                best.update(dict.fromkeys(self.postings[word], similarity))
            for doc in totals:
                totals[doc] += best.get(doc, 0.0)
        words = len(expansions)
        ranked = sorted((-round(total / words, 3), doc) for doc, total in totals.items())
        kept = len(ranked)
        if margin is not None:
            floor = -ranked[0][0] - margin
            kept = bisect_left(ranked, (-floor, len(self.entries)))
        return kept, [(doc, rank, -negative) for negative, doc in ranked[: min(count, kept)]]

    def _filter(self, country: str | None, theme: str | None) -> set[int] | None:
        allowed: set[int] | None = None
        if country:
            allowed = set(self.by_country.get(country.strip().upper(), ()))
        if theme:
            themed = self.by_theme.get(theme.strip().lower(), set())
            allowed = set(themed) if allowed is None else allowed & themed
        return allowed


"""The in-memory search index of the directory (pure, synchronous, rebuilt per revision).

Words of names, cities (with their other names, see ``city_names``) and of every country name
in every supported language form one vocabulary, indexed by the generic ``terms.TermIndex``: a
query word is looked up exactly, as a prefix and, when long enough, with a small edit distance
or by its sound key (``sounds``), so a typo or a transliteration costs a few dict lookups
instead of a scan. Documents are numbered in name order, so the exact tier needs no scoring
and a page is the lowest documents of a set (``docsets``): the cost of a query follows the
size of its answer, not how common its words are.

Relevance first: results come in tiers (every word exact, then exact-or-prefix, then fuzzy),
and within the exact tier an association whose city, then whose country, *is* the query (or a
run of its words) comes before one that only has the words in its name. Fuzzy matches are only
offered when nothing matches exactly or by prefix, and the weak ones among them are dropped.
"""
from __future__ import annotations

import gc
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache

from core.geo.countries import country_aliases
from core.text import fold

from . import docsets
from .city_names import city_names
from .terms import EXACT, FUZZY, PREFIX, Term, TermIndex

__all__ = ["EXACT", "FUZZY", "PREFIX", "Contact", "DirectoryIndex", "Entry", "shown_contact"]

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


@lru_cache(maxsize=512)
def _country_names(code: str) -> tuple[str, ...]:
    return tuple(country_aliases(code))


@lru_cache(maxsize=512)
def _country_words(code: str) -> frozenset[str]:
    words = {code.lower()}
    for alias in _country_names(code):
        words.update(alias.split())
    return frozenset(words)



class _Folder:
    """``fold`` for one build, word by word through a memo: names share most of their words, and
    folding them one character at a time was most of the build. Folding works per character,
    so folding each whitespace-separated part gives the words of the folded whole. The words
    come out as one shared string object each, not one copy per association."""

    def __init__(self) -> None:
        self._parts: dict[str, tuple[str, ...]] = {}

    def words(self, text: str) -> tuple[str, ...]:
        parts = self._parts
        found: list[str] = []
        for part in text.split():
            words = parts.get(part)
            if words is None:
                words = parts[part] = tuple(fold(part).split())
            found.extend(words)
        return tuple(found)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """The cyclic garbage collector paused while an index is built.

    A build makes about a million objects that all stay alive; the collector would traverse
    them again and again, finding nothing to free: 40 % of the build at 100,000 associations.
    Reference counting still frees everything else meanwhile; the collector resumes after.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class DirectoryIndex:
    """Immutable once built (except bounded memos); a new revision builds a new index."""

    def __init__(self, entries: Iterable[Entry], revision: int = 0) -> None:
        self.revision = revision
        with _collector_paused():
            self._build(entries)

    def _build(self, entries: Iterable[Entry]) -> None:
        folded = _Folder()
        keyed = sorted(((" ".join(words), entry.id), words, entry) for entry in entries for words in (folded.words(entry.name),))
        self.entries: list[Entry] = [entry for _, _, entry in keyed]
        size = len(self.entries)
        # Each association's words: its name's own, its city's and its country's (both shared).
        documents: list[tuple[tuple[str, ...], frozenset[str], frozenset[str]]] = []
        by_country: dict[str, list[int]] = defaultdict(list)
        by_theme: dict[str, list[int]] = defaultdict(list)
        # Whole place names -> documents: a city (any of its names), a country (any language).
        cities: dict[str, list[int]] = defaultdict(list)
        # Many associations share a city: its names and words are worked out once per build.
        places: dict[tuple[str, str], tuple[tuple[str, ...], frozenset[str]]] = {}
        for doc, (_, name_words, entry) in enumerate(keyed):
            name_words = tuple(dict.fromkeys(name_words))
            names, city_words = self._place(places, entry.country_code, entry.city)
            # The same association's names and cities in other languages (import keys ``name_ar`` …).
            for texts in (entry.translations or {}).values():
                name_words = tuple(dict.fromkeys((*name_words, *folded.words(texts.get("name", "")))))
                if texts.get("city"):
                    other_names, other_words = self._place(places, entry.country_code, texts["city"])
                    names, city_words = (*names, *other_names), city_words | other_words
            documents.append((name_words, city_words, _country_words(entry.country_code)))
            for name in dict.fromkeys(names):
                cities[name].append(doc)
            by_country[entry.country_code].append(doc)
            for theme in entry.themes:
                by_theme[theme].append(doc)
        self.cities = dict(cities)
        self.by_country: dict[str, int] = {code: docsets.from_docs(docs, size) for code, docs in by_country.items()}
        self.by_theme: dict[str, int] = {theme: docsets.from_docs(docs, size) for theme, docs in by_theme.items()}
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
        # Transliterations are of place names ("Sfaks", "Beyrut"): only their words get a sound key.
        self.terms = TermIndex(documents, sound_words=self.city_words.keys() | self.country_words.keys())

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

    def forget(self) -> None:
        """Drop the query memos (benchmarks time first-time queries this way)."""
        self.terms.forget()

    def expand(self, word: str, *, prefix: bool = True) -> Term:
        """Vocabulary words matching a query word, with their level and similarity (see ``terms``)."""
        return self.terms.expand(word, prefix=prefix)

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
            if allowed is None:
                return len(self.entries), [(doc, EXACT, 100.0) for doc in range(offset, min(wanted, len(self.entries)))]
            return allowed.bit_count(), [(doc, EXACT, 100.0) for doc in docsets.nth(allowed, offset, limit)]
        # A lone letter among other words ("cote d ivoire") is matched exactly, never as a prefix.
        terms = [self.terms.expand(word, prefix=len(word) > 1 or len(words) == 1) for word in words]
        tiers = self.terms.match(terms, allowed)
        exact, near, matched = tiers.exact, tiers.near, tiers.matched
        if not near:
            if not matched:
                return 0, []
            total, page = self.terms.ranked(matched, terms, FUZZY, wanted, margin=FUZZY_MARGIN)
            return total, [(doc, FUZZY, score) for doc, score in page[offset:]]
        # Strong matches exist: the fuzzy ones ("tunis" ~ "unis" of "Etats-Unis") are dropped.
        ordered, named_place = self._places_first(exact, words, wanted)
        rest = near & ~exact
        if named_place and len(words) == 1 and rest:
            # The word is a place's own name: its completions count only as other places'
            # names ("Tunis" -> "Tunisie"), not as words of names ("France" -> "Francés").
            rest = self._named_among(rest, (w for w, (level, _) in terms[0].matches.items() if level == PREFIX))
            total = exact.bit_count() + rest.bit_count()
        else:
            total = near.bit_count()
        page = [(doc, EXACT, 100.0) for doc in ordered]
        if len(page) < wanted:
            page += [(doc, PREFIX, score) for doc, score in self.terms.ranked(rest, terms, PREFIX, wanted - len(page))[1]]
        return total, page[offset:]

    def _named_among(self, docs: int, words: Iterable[str]) -> int:
        """Those of ``docs`` whose city or country name (not merely their own name) holds one of ``words``."""
        named = 0
        in_cities: list[int] = []
        for word in words:
            in_cities.extend(self.city_words.get(word, ()))
            for code in self.country_words.get(word, ()):
                named |= self.by_country[code]
        if in_cities:
            named |= docsets.from_docs(in_cities, len(self.entries))
        return named & docs

    def _places_first(self, exact: int, words: list[str], count: int) -> tuple[list[int], bool]:
        """The first ``count`` of the exact tier in order (the query names the city, then the
        country, then name order), and whether the query named a place at all."""
        cities: list[int] = []
        codes: set[str] = set()
        for start, word in enumerate(words):
            longest = self.place_starts.get(word, 0)  # most words of a place name starting with this one
            for end in range(start + 1, min(len(words), start + longest) + 1):
                name = " ".join(words[start:end])
                cities.extend(self.cities.get(name, ()))
                codes.update(self.countries.get(name, ()))
        if not cities and not codes:
            return docsets.first(exact, count), False
        in_city = docsets.from_docs(cities, len(self.entries)) & exact
        in_country = 0
        for code in codes:
            in_country |= self.by_country[code]
        in_country &= exact & ~in_city
        ordered: list[int] = []
        for part in (in_city, in_country, exact & ~in_city & ~in_country):
            if len(ordered) >= count:
                break
            ordered += docsets.first(part, count - len(ordered))
        return ordered, True

    def _filter(self, country: str | None, theme: str | None) -> int | None:
        """The documents a country and a theme allow (a bitset), or None for all."""
        allowed: int | None = None
        if country:
            allowed = self.by_country.get(country.strip().upper(), 0)
        if theme:
            themed = self.by_theme.get(theme.strip().lower(), 0)
            allowed = themed if allowed is None else allowed & themed
        return allowed

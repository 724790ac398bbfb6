"""ISO 3166-1 countries with their names in every supported language, and matching.

Names come from Babel's CLDR data, so "Allemagne", "Deutschland", "germany" and
"ألمانيا" all lead to ``DE`` without a hand-kept table.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from babel import Locale
from rapidfuzz import fuzz, process

from core.i18n import SUPPORTED_LANGUAGES, current_language
from core.text import fold

# Countries are found by their names in these languages too, beyond the catalogs': readers type
# "德國" or "Германия" whatever language they chose (CLDR has the names).
NAME_LANGUAGES: tuple[str, ...] = ("zh_Hans", "zh_Hant", "ru", "it", "vi", "tr")
# CLDR territory codes that are not countries of residence.
_NOT_COUNTRIES = frozenset({"EU", "EZ", "UN", "QO", "XA", "XB", "ZZ"})
# Everyday names CLDR does not list as the main name of a territory.
_EXTRA_ALIASES = {
    "usa": "US", "u s a": "US", "etats unis d amerique": "US", "america": "US", "eeuu": "US", "eua": "US",
    "uk": "GB", "england": "GB", "angleterre": "GB", "great britain": "GB", "grande bretagne": "GB",
    "inglaterra": "GB", "england uk": "GB", "britain": "GB", "scotland": "GB", "ecosse": "GB", "wales": "GB",
    "holland": "NL", "hollande": "NL", "holanda": "NL", "ivory coast": "CI", "cote divoire": "CI",
    "korea": "KR", "coree": "KR", "south korea": "KR", "coree du sud": "KR", "czechia": "CZ",
    "czech republic": "CZ", "russia": "RU", "russie": "RU", "emirates": "AE", "uae": "AE", "eau": "AE",
    "emirats": "AE", "vietnam": "VN", "viet nam": "VN", "turkey": "TR", "turquie": "TR", "burma": "MM",
    "swaziland": "SZ", "macedonia": "MK", "macedoine": "MK", "cabo verde": "CV", "cape verde": "CV",
    # Short forms people write; "Elfenbeinküste" is CLDR de's variant name, which Babel does not carry.
    "rdc": "CD", "drc": "CD", "dr congo": "CD", "rd congo": "CD", "rdc congo": "CD", "elfenbeinkuste": "CI",
    "rca": "CF", "ksa": "SA", "brd": "DE",
}


@dataclass(frozen=True, slots=True)
class Country:
    code: str

    @property
    def slug(self) -> str:
        return self.code.lower()

    def name(self, language: str | None = None) -> str:
        return country_name(self.code, language)


@dataclass(frozen=True, slots=True)
class CountryMatch:
    code: str
    score: float  # 100 for an exact name or code
    exact: bool


@lru_cache(maxsize=1)
def country_codes() -> tuple[str, ...]:
    territories = Locale.parse("en").territories
    return tuple(sorted(c for c in territories if len(c) == 2 and c.isalpha() and c not in _NOT_COUNTRIES))


def is_country_code(code: str) -> bool:
    return code.upper() in _code_set()


@lru_cache(maxsize=1)
def _code_set() -> frozenset[str]:
    return frozenset(country_codes())


EXAMPLE_COUNTRY = "TN"  # named in examples to a member who has not said where they live


def example_country_name(code: str | None, language: str | None = None) -> str:
    """The country an example names: the member's own, else ``EXAMPLE_COUNTRY``. A name, never a slug
    ("de" reads as a word in French: "/leave de"), so every adapter's examples read the same."""
    return country_name(code or EXAMPLE_COUNTRY, language)


def country_name(code: str, language: str | None = None) -> str:
    locale = Locale.parse(language or current_language())
    return locale.territories.get(code.upper(), code.upper())


@lru_cache(maxsize=1)
def _alias_index() -> dict[str, str]:
    """Folded name -> code, over every supported language, plus everyday aliases."""
    index: dict[str, str] = {}
    for language in dict.fromkeys((*SUPPORTED_LANGUAGES, *NAME_LANGUAGES)):
        territories = Locale.parse(language).territories
        for code in country_codes():
            name = territories.get(code)
            if name:
                index.setdefault(fold(name), code)
    for alias, code in _EXTRA_ALIASES.items():
        index.setdefault(alias, code)
    return index


def country_aliases(code: str) -> list[str]:
    """Every folded name of a country (all languages, aliases): used by the directory search."""
    return [name for name, c in _alias_index().items() if c == code]


def match_country(text: str) -> CountryMatch | None:
    """Exact code or name in any supported language, else the best typo-tolerant guess."""
    matches = suggest_countries(text, limit=1)
    return matches[0] if matches else None


def suggest_countries(text: str, limit: int = 5, cutoff: float = 80.0) -> list[CountryMatch]:
    folded = fold(text)
    if not folded:
        return []
    if len(folded) == 2 and folded.isalpha() and folded.upper() in _code_set():
        return [CountryMatch(folded.upper(), 100.0, True)]
    index = _alias_index()
    if folded in index:
        return [CountryMatch(index[folded], 100.0, True)]
    if len(folded) < 3:
        return []
    found: list[CountryMatch] = []
    seen: set[str] = set()
    for name, score, _ in process.extract(folded, list(index), scorer=fuzz.WRatio, limit=limit * 4, score_cutoff=cutoff):
        code = index[name]
        if code not in seen:
            seen.add(code)
            found.append(CountryMatch(code, float(score), False))
        if len(found) >= limit:
            break
    return found

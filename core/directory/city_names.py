"""Other names of the directory's cities: exonyms in the supported languages and native scripts.

A member in Madrid types "Londres", one in Cairo types "لندن", the directory says "London": a
city's names come from the maintained city data set (``core.geo.cities``: GeoNames, CC BY 4.0,
alternate names in Latin, Arabic, Cyrillic and Han scripts). ``data/city_names.csv`` only adds
the few names that data set lacks (other scripts such as Greek, Hebrew, Korean, Thai, Devanagari,
and some everyday forms); each of its rows names the city by one name the data set knows. Keyed
by country, so two cities of the same name in different countries never borrow each other's names.
"""
from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

from core.geo.cities import City, cities_named, largest_population
from core.geo.countries import country_aliases, country_codes
from core.text import fold

# Longer alternate names are old official forms ("sao paulo da assuncao de luanda", "muy fiel y
# reconquistadora ciudad de …"): nobody types them, and their words would find the wrong city.
MAX_WORDS = 3
# A word of a longer alternate name that is the name of another city this large makes that name ambiguous.
OTHER_CITY = 500_000
# Starts of a word shorter than this are not checked against other cities' names.
MIN_START = 4

_DATA = Path(__file__).resolve().parent / "data" / "city_names.csv"


@lru_cache(maxsize=1)
def _supplement() -> dict[tuple[str, str], tuple[str, ...]]:
    """(country code, folded name) -> the folded names the city data set lacks for that city."""
    groups: dict[tuple[str, str], tuple[str, ...]] = {}
    with _DATA.open(encoding="utf-8", newline="") as source:
        for row in csv.DictReader(source):
            names = tuple(dict.fromkeys(folded for name in row["names"].split(";") if (folded := fold(name))))
            for name in names:
                groups[(row["country"], name)] = names
    return groups


def city_names(country_code: str, folded_city: str) -> tuple[str, ...]:
    """Every folded name of the city (itself first), or just itself when it has no other."""
    if not folded_city:
        return ()
    names = [folded_city]
    # The most populous city of that name in that country (cities_named lists the most populous first).
    city = next((c for c in cities_named(folded_city) if c.country == country_code), None)
    if city is None:  # a name only the supplement knows ("Quieve" for Kyiv): through its group
        group = _supplement().get((country_code, folded_city), ())
        city = next((c for name in group for c in cities_named(name) if c.country == country_code), None)
    if city is not None:
        names.extend(_typed_names(city))
    supplement = _supplement()
    for name in tuple(names):
        names.extend(supplement.get((country_code, name), ()))
    return tuple(dict.fromkeys(names))


def _typed_names(city: City) -> list[str]:
    """The city's alternate names that people type and that name no other place.

    Dropped: long forms, forms holding the main name and more ("sao paulo de luanda"), and forms
    with a word that names another country ("port de france" for Nouméa, "porto espana") or a
    larger city ("wien tsjan" for Vientiane): each would answer a query about that other place.
    """
    main = city.keys[0]
    kept = [main]
    for key in city.keys[1:]:
        words = key.split()
        if len(words) > MAX_WORDS or (len(words) > 1 and main in key):
            continue
        if any(_names_elsewhere(word, city, len(words) > 1) for word in words if len(word) > 3):
            continue
        kept.append(key)
    return kept


def _names_elsewhere(word: str, city: City, part: bool) -> bool:
    """Whether ``word``, or its start, names another country or a more populous city than ``city``;
    as a ``part`` of a longer name, any other large city ("new amsterdam" for New York). A start
    counts because the search completes prefixes: "wientian" (Vientiane) would answer "Wien"."""
    countries = _country_names().get(word)
    if countries and city.country not in countries:
        return True
    for end in range(MIN_START, len(word) + 1):
        start = word[:end]
        if part:
            if any(other.geonameid != city.geonameid and other.population >= OTHER_CITY for other in cities_named(start)):
                return True
        elif largest_population(start) > city.population:
            return True
    return False


@lru_cache(maxsize=1)
def _country_names() -> dict[str, frozenset[str]]:
    """A country's one-word name in any language ("france", "espana") -> the countries it names."""
    found: dict[str, set[str]] = {}
    for code in country_codes():
        for name in country_aliases(code):
            if " " not in name:
                found.setdefault(name, set()).add(code)
    return {name: frozenset(codes) for name, codes in found.items()}

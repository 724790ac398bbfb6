"""Cities of 15,000 people or more (GeoNames, CC BY 4.0): names in many languages, country, time zone, population.

The data is ``core/geo/data/cities.tsv``, made by ``scripts/build_city_data.py``; its names are
stored folded (``core.text.fold``), so "Lyon", "LYON", "ليون" and "Лион" all meet the same key.
Loaded once, on the first lookup; ``zones.tsv`` (people per time zone, read by ``core.geo.timezones``)
is separate and tiny, so ordering a country's time zones never loads the cities.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from rapidfuzz import fuzz, process

from core.geo.countries import match_country
from core.text import fold

DATA = Path(__file__).resolve().parent / "data"
# A city of the member's own country wins over a larger namesake elsewhere when it has at least
# this share of that namesake's people (Valencia, Spain for a member in Spain; but Paris, France
# over Paris, Texas for a member in the United States).
OWN_COUNTRY_SHARE = 0.1
# Typo-tolerant matching looks at the larger cities only: a near miss of a small town's name is
# more often another word than that town.
FUZZY_MIN_POPULATION = 100_000
FUZZY_CUTOFF = 90


@dataclass(frozen=True, slots=True)
class City:
    geonameid: int
    name: str  # GeoNames' main name, in Latin script ("Munich", "Hanoi", "Beirut")
    country: str  # ISO 3166-1 alpha-2
    timezone: str  # IANA
    population: int
    keys: tuple[str, ...]  # folded names: the name first, then its alternate names in several languages


@dataclass(frozen=True, slots=True)
class _Table:
    rows: list[list[str]]  # the file's rows, most populous first
    first: dict[str, int]  # folded name -> the most populous city of that name
    more: dict[str, list[int]]  # folded names that several cities share -> all of them, most populous first


def _city(row: list[str]) -> City:
    return City(int(row[0]), row[1], row[2], row[3], int(row[4]), tuple(row[5].split("|")))


@lru_cache(maxsize=1)
def _table() -> _Table:
    """Read once; only the key index is built here (City objects are made for the rows looked up)."""
    rows: list[list[str]] = []
    first: dict[str, int] = {}
    more: dict[str, list[int]] = {}
    with (DATA / "cities.tsv").open(encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("#") or not line.strip():
                continue
            row = line.rstrip("\n").split("\t")
            index = len(rows)
            rows.append(row)
            for key in row[5].split("|"):
                known = first.setdefault(key, index)
                if known != index:
                    more.setdefault(key, [known]).append(index)
    return _Table(rows, first, more)


@lru_cache(maxsize=1)
def _fuzzy_keys() -> tuple[str, ...]:
    larger = (row[5].split("|") for row in _table().rows if int(row[4]) >= FUZZY_MIN_POPULATION)
    return tuple(dict.fromkeys(key for keys in larger for key in keys))  # the most populous first, once each


def cities_named(text: str) -> list[City]:
    """Every city with this name in any of its languages, most populous first."""
    table = _table()
    key = fold(text)
    indexes = table.more.get(key) or ([table.first[key]] if key in table.first else [])
    return [_city(table.rows[i]) for i in indexes]


def largest_population(text: str) -> int:
    """People in the most populous city with this name in any of its languages; 0 when none has it."""
    table = _table()
    index = table.first.get(fold(text))
    return int(table.rows[index][4]) if index is not None else 0


def _pick(found: list[City], country: str | None) -> City | None:
    if not found:
        return None
    top = found[0]
    if country and top.country != country:
        for city in found:
            if city.country == country and city.population >= top.population * OWN_COUNTRY_SHARE:
                return city
    return top


def find_city(text: str, country: str | None = None) -> City | None:
    """The city people mean by ``text``: "Lyon", "Le Caire", "London, Canada" (a country after a comma
    narrows the search); the most populous of that name, the member's ``country`` breaking near ties."""
    name, comma, rest = text.rpartition(",") if "," in text else (text, "", "")
    if comma:
        named = match_country(rest)
        if named is not None and named.exact:
            return next((c for c in cities_named(name) if c.country == named.code), None)
        name = text
    return _pick(cities_named(name), country)


def suggest_city(text: str, country: str | None = None) -> City | None:
    """A near miss of a larger city's name ("Lyonn", "Dusseldrof"); None when nothing is close."""
    folded = fold(text)
    if len(folded) < 4:
        return None
    best = process.extractOne(folded, _fuzzy_keys(), scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF)
    if best is None:
        return None
    return _pick([c for c in cities_named(best[0]) if c.population >= FUZZY_MIN_POPULATION], country)


def city_aliases(text: str, country: str | None = None) -> tuple[str, ...]:
    """Every folded name of the city people mean by ``text`` ("بيروت" -> "beirut", "beyrouth", …): what lets a
    search typed in one language find a city stored in another. Empty when no city has that name."""
    city = find_city(text, country)
    return city.keys if city else ()


def largest_city(country: str | None) -> City | None:
    """A country's most populous city: the example a member of that country reads ("Tunis", not "Lyon")."""
    if not country:
        return None
    code = country.upper()
    row = next((row for row in _table().rows if row[2] == code), None)
    return _city(row) if row else None

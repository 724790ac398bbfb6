"""Other names of the directory's cities: exonyms in the supported languages and native scripts.

A member in Madrid types "Londres", one in Cairo types "لندن", the directory says "London":
each name of a city in ``data/city_names.csv`` finds the others. Keyed by country, so two
cities of the same name in different countries never borrow each other's names.
"""
from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

from core.text import fold

_DATA = Path(__file__).resolve().parent / "data" / "city_names.csv"


@lru_cache(maxsize=1)
def _groups() -> dict[tuple[str, str], tuple[str, ...]]:
    """(country code, folded name) -> every folded name of that city."""
    groups: dict[tuple[str, str], tuple[str, ...]] = {}
    with _DATA.open(encoding="utf-8", newline="") as source:
        for row in csv.DictReader(source):
            names = tuple(dict.fromkeys(folded for name in row["names"].split(";") if (folded := fold(name))))
            for name in names:
                groups[(row["country"], name)] = names
    return groups


def city_names(country_code: str, folded_city: str) -> tuple[str, ...]:
    """Every folded name of the city (itself included), or just itself when it has no other."""
    if not folded_city:
        return ()
    return _groups().get((country_code, folded_city), (folded_city,))

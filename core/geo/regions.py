"""World regions, for picking a country with buttons only.

CLDR names the regions (002 Africa, 019 Americas, 142 Asia, 150 Europe, 009 Oceania)
in every language; the continent of a country is read off its first IANA zone.
"""
from __future__ import annotations

from functools import lru_cache

from babel import Locale
from babel.core import get_global

from core.i18n import current_language
from core.text import fold

from .countries import country_codes, country_name

REGIONS = ("002", "019", "142", "150", "009")
_BY_ZONE_PREFIX = {"Africa": "002", "America": "019", "Asia": "142", "Europe": "150", "Australia": "009", "Pacific": "009"}
# Island countries whose zone prefix is an ocean rather than a continent.
_OCEAN_ISLANDS = {
    "CV": "002", "ST": "002", "SH": "002", "MU": "002", "SC": "002", "KM": "002", "MG": "002", "RE": "002",
    "YT": "002", "MV": "142", "IO": "142", "CX": "142", "CC": "142", "IS": "150", "FO": "150", "PT": "150",
    "ES": "150", "BM": "019", "FK": "019", "GS": "019", "TF": "002", "AQ": "009", "BV": "009", "HM": "009",
}


@lru_cache(maxsize=1)
def _region_of() -> dict[str, str]:
    zones = get_global("territory_zones")
    regions: dict[str, str] = {}
    for code in country_codes():
        if code in _OCEAN_ISLANDS:
            regions[code] = _OCEAN_ISLANDS[code]
            continue
        first = (zones.get(code) or [""])[0].split("/")[0]
        regions[code] = _BY_ZONE_PREFIX.get(first, "009")
    return regions


def region_name(region: str) -> str:
    return Locale.parse(current_language()).territories.get(region, region)


def countries_in_region(region: str) -> list[str]:
    """Codes of a region, sorted by their name in the reader's language."""
    codes = [code for code, r in _region_of().items() if r == region]
    return sorted(codes, key=lambda c: fold(country_name(c)))

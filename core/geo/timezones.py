"""IANA time zones: from what people type (a city, a zone name, a UTC offset), by country, and by name.

A city is looked up in GeoNames' cities (``core.geo.cities``), then among CLDR's zone cities in every
supported language. An offset ("UTC+1", "GMT-03:30") becomes a zone that keeps that offset all year:
``Etc/GMT-1`` for whole hours, else a real zone with no daylight saving (UTC+05:30 is Kolkata's time).
A country's zones are ordered by the people living in them, and named by their city as CLDR writes
it in the reader's language ("New York", "Le Caire"), never by their id.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo, available_timezones

from babel import Locale
from babel.core import get_global
from babel.dates import get_timezone_gmt, get_timezone_location
from rapidfuzz import fuzz, process

from core.geo.cities import City, find_city, suggest_city
from core.i18n import SUPPORTED_LANGUAGES, current_language
from core.text import fold

ZONE_DATA = Path(__file__).resolve().parent / "data" / "zones.tsv"
UTC_ZONE = "Etc/UTC"
# "UTC+1", "GMT -3:30", "utc+0530", "+02:00", "UTC−5" (a typographic minus too); digits of any script.
_OFFSET = re.compile(r"^(?:utc|gmt)?\s*([+\-−])\s*(\d{1,2})(?:\s*[:h.]?\s*(\d{2}))?$")
_ZERO = frozenset({"utc", "gmt", "z", "etc/utc", "etc/gmt", "utc+0", "utc-0", "gmt+0", "gmt-0"})


@dataclass(frozen=True, slots=True)
class ZoneMatch:
    """What a typed text meant: the zone, and the city or offset it was found from (for the confirmation)."""

    zone: str
    city: City | None = None
    offset: timedelta | None = None  # the member typed an offset: the zone keeps it all year


@lru_cache(maxsize=1)
def all_zones() -> frozenset[str]:
    return frozenset(z for z in available_timezones() if "/" in z and not z.startswith(("Etc/", "SystemV/")))


def is_valid_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (KeyError, ValueError):
        return False
    return True


@lru_cache(maxsize=1)
def zone_populations() -> dict[str, int]:
    """People living in each zone's cities of 15,000 or more (GeoNames, see ``core/geo/data``)."""
    with ZONE_DATA.open(encoding="utf-8") as handle:
        rows = [line.rstrip("\n").split("\t") for line in handle if line.strip() and not line.startswith("#")]
    return {zone: int(count) for zone, count in rows}


def zones_for_country(code: str) -> list[str]:
    """A country's zones, the most lived-in first (the United States: New York, Chicago, Los Angeles…)."""
    zones = [z for z in get_global("territory_zones").get(code.upper(), []) if is_valid_zone(z)]
    people = zone_populations()
    return sorted(zones, key=lambda z: -people.get(z, 0))  # stable: CLDR's order among the empty ones


def _clock(zone: str) -> tuple[object, ...]:
    """A zone's offsets across one year: zones with equal clocks are one zone to a person."""
    info = ZoneInfo(zone)
    year = datetime.now(timezone.utc).year
    return tuple(datetime(year, month, 15, 12, tzinfo=timezone.utc).astimezone(info).utcoffset() for month in range(1, 13))


def same_clock(first: str, second: str) -> bool:
    return _clock(first) == _clock(second)


def default_zone_for_country(code: str) -> str | None:
    """The zone of a country whose clocks all agree (Germany: Berlin and Büsingen); None otherwise."""
    zones = zones_for_country(code)
    if not zones:
        return None
    first = _clock(zones[0])
    return zones[0] if all(_clock(z) == first for z in zones[1:]) else None


# ---------------------------------------------------------------- offsets


def parse_offset(text: str) -> timedelta | None:
    """"UTC+1", "GMT-03:30", "+0530", "UTC" -> the offset from UTC; None when the text is not an offset."""
    value = " ".join(text.strip().lower().split())
    if value in _ZERO:
        return timedelta(0)
    match = _OFFSET.match(value)
    if not match:
        return None
    hours, minutes = int(match.group(2)), int(match.group(3) or 0)
    if minutes > 59:
        return None
    offset = timedelta(hours=hours, minutes=minutes)
    return -offset if match.group(1) in "-−" else offset


@lru_cache(maxsize=1)
def _fixed_zones() -> dict[timedelta, str]:
    """Real zones that keep one offset all year (no daylight saving), the most lived-in for each offset."""
    people = zone_populations()
    found: dict[timedelta, str] = {}
    for zone in sorted(all_zones(), key=lambda z: (-people.get(z, 0), z)):
        offsets = set(_clock(zone))
        if len(offsets) == 1:
            found.setdefault(offsets.pop(), zone)  # type: ignore[arg-type]
    return found


def zone_for_offset(offset: timedelta) -> str | None:
    """The zone that keeps ``offset`` all year: Etc/GMT-1 for UTC+1 (POSIX signs are reversed), Kolkata's
    zone for UTC+05:30; None for an offset no zone keeps all year (UTC-03:30 is Newfoundland's winter only)."""
    if not offset:
        return UTC_ZONE
    minutes = int(offset.total_seconds()) // 60
    if minutes % 60 == 0 and -12 <= minutes // 60 <= 14:
        hours = minutes // 60
        return f"Etc/GMT{-hours:+d}"
    return _fixed_zones().get(offset)


def is_offset_zone(zone: str) -> bool:
    return zone in ("UTC", UTC_ZONE) or zone.startswith("Etc/GMT")


# ---------------------------------------------------------------- names


def zone_name(zone: str, language: str | None = None) -> str:
    """A zone as people know it, in the reader's language: its city ("New York", "Le Caire",
    "Marengo [Indiana]"), or its offset for a fixed-offset zone ("UTC+01:00")."""
    locale = language or current_language()
    if is_offset_zone(zone):
        return get_timezone_gmt(datetime.now(timezone.utc).astimezone(ZoneInfo(zone)), locale=locale)
    try:
        return str(get_timezone_location(zone, locale=locale, return_city=True))
    except LookupError:
        return zone.rsplit("/", 1)[-1].replace("_", " ")


def offset_name(offset: timedelta, language: str | None = None) -> str:
    """"UTC+05:30" as the reader's language writes an offset (CLDR's GMT format)."""
    return get_timezone_gmt(datetime.now(timezone.utc).astimezone(timezone(offset)), locale=language or current_language())


# ---------------------------------------------------------------- what people type


@lru_cache(maxsize=1)
def _exact_ids() -> dict[str, str]:
    ids = {z.lower(): z for z in all_zones()}
    ids.update({z.lower(): z for z in available_timezones() if z.startswith("Etc/")})
    return ids


@lru_cache(maxsize=1)
def _zone_city_index() -> dict[str, str]:
    """CLDR's zone cities in every supported language, and the last part of each id ("Ceuta", "Marengo")."""
    index: dict[str, str] = {}
    for zone in sorted(all_zones()):
        index.setdefault(fold(zone), zone)
        index.setdefault(fold(zone.rsplit("/", 1)[-1]), zone)
    for language in SUPPORTED_LANGUAGES:
        zones = Locale.parse(language).time_zones
        for zone in all_zones():
            city = zones.get(zone, {}).get("city")
            if city:
                index.setdefault(fold(city), zone)
    return index


def _city_match(city: City) -> ZoneMatch | None:
    return ZoneMatch(city.timezone, city=city) if is_valid_zone(city.timezone) else None


def find_zone(text: str, country: str | None = None) -> ZoneMatch | None:
    """A zone from "Europe/Paris", "Lyon", "Le Caire", "London, Canada", "القاهرة", "UTC+1" or a near miss;
    a city's namesakes are told apart by population, then by the member's ``country``."""
    candidate = text.strip()
    if not candidate:
        return None
    offset = parse_offset(candidate)
    if offset is not None:
        zone = zone_for_offset(offset)
        return ZoneMatch(zone, offset=offset) if zone else None
    exact = _exact_ids().get(candidate.lower())
    if exact:
        return ZoneMatch(exact)
    city = find_city(candidate, country)
    if city is not None:
        return _city_match(city)
    folded = fold(candidate)
    index = _zone_city_index()
    if folded in index:
        return ZoneMatch(index[folded])
    if len(folded) < 4:
        return None
    best = process.extractOne(folded, list(index), scorer=fuzz.ratio, score_cutoff=85)
    if best:
        return ZoneMatch(index[best[0]])
    near = suggest_city(candidate, country)
    return _city_match(near) if near else None


def match_zone(text: str, country: str | None = None) -> str | None:
    """The IANA zone of what was typed (see ``find_zone``), or None."""
    found = find_zone(text, country)
    return found.zone if found else None

"""IANA time zones: by exact name, by city in any supported language, or by country."""
from __future__ import annotations

from datetime import datetime, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

from babel import Locale
from babel.core import get_global
from rapidfuzz import fuzz, process

from core.i18n import SUPPORTED_LANGUAGES
from core.text import fold


@lru_cache(maxsize=1)
def all_zones() -> frozenset[str]:
    return frozenset(z for z in available_timezones() if "/" in z and not z.startswith(("Etc/", "SystemV/")))


def is_valid_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (KeyError, ValueError):
        return False
    return True


def zones_for_country(code: str) -> list[str]:
    zones = get_global("territory_zones").get(code.upper(), [])
    return [z for z in zones if is_valid_zone(z)]


def _clock(zone: str) -> tuple[object, ...]:
    """A zone's offsets across one year: zones with equal clocks are one zone to a person."""
    info = ZoneInfo(zone)
    year = datetime.now(timezone.utc).year
    return tuple(datetime(year, month, 15, 12, tzinfo=timezone.utc).astimezone(info).utcoffset() for month in range(1, 13))


def default_zone_for_country(code: str) -> str | None:
    """The zone of a country whose clocks all agree (Germany: Berlin and Büsingen); None otherwise."""
    zones = zones_for_country(code)
    if not zones:
        return None
    first = _clock(zones[0])
    return zones[0] if all(_clock(z) == first for z in zones[1:]) else None


@lru_cache(maxsize=1)
def _city_index() -> dict[str, str]:
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


def match_zone(text: str) -> str | None:
    """An IANA zone from "Europe/Paris", "paris", "Le Caire", "القاهرة" or a near miss."""
    candidate = text.strip()
    if not candidate:
        return None
    lowered = {z.lower(): z for z in all_zones()}
    if candidate.lower() in lowered:
        return lowered[candidate.lower()]
    folded = fold(candidate)
    index = _city_index()
    if folded in index:
        return index[folded]
    if len(folded) < 4:
        return None
    best = process.extractOne(folded, list(index), scorer=fuzz.ratio, score_cutoff=85)
    return index[best[0]] if best else None

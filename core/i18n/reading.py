"""What people type, in their language: digits, durations, clock words and answer words.

Nothing here is an English list: durations and clock words come from CLDR (Babel's unit patterns and
time skeletons of each supported language), answer words from the catalogs, where translators write
the words people of their language type. Every supported language is read whatever the reader's own
language is: a French member who types "yes" or "2 horas" is understood too.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from babel import Locale

from core.text import fold

from .catalogs import pgettext, use_language
from .languages import SUPPORTED_LANGUAGES

MINUTES = {"duration-minute": 1, "duration-hour": 60, "duration-day": 1440}
# The bot's own notation, which every language's help text and the reminder buttons show ("1d 1h", "30m"): it reads
# the same whatever the reader's language (CLDR's Turkish narrow minute is also "d", but a Turkish member is told
# "d gün" and types what the buttons show).
NOTATION = {"m": (1, None), "h": (60, None), "d": (1440, None)}
# The count a CLDR plural category stands for when its pattern has no number ("ساعتان" is two hours).
_IMPLIED = {"one": 1, "two": 2}
_WORD = re.compile(r"[^\W\d_]+")


def ascii_digits(text: str) -> str:
    """"١٨:٣٠" -> "18:30", "۵" -> "5": any Unicode decimal digit becomes its ASCII digit."""
    return "".join(str(unicodedata.decimal(ch)) if not ch.isascii() and unicodedata.decimal(ch, None) is not None
                   else ch for ch in text)


def read_number(text: str, max_digits: int = 9) -> int | None:
    """A whole number typed in any script ("3", "٣", "३"), else None."""
    value = ascii_digits(text.strip())
    if not value or len(value) > max_digits or not (value.isascii() and value.isdigit()):
        return None
    return int(value)


def reading_order(language: str | None) -> tuple[str, ...]:
    """The languages a typed word is looked up in: the reader's first ("2 Std", "5 dk"), then every supported
    language in turn."""
    first = (language,) if language in SUPPORTED_LANGUAGES else ()
    return first + tuple(code for code in SUPPORTED_LANGUAGES if code != language)


@lru_cache(maxsize=None)
def _units(language: str) -> dict[str, tuple[int, int | None]]:
    """One language's folded unit words -> (minutes in one unit, the count the word implies alone or None),
    from CLDR's duration units in every length and plural form: "heures", "Std", "دقائق", "ساعتان" (2)."""
    found: dict[str, tuple[int, int | None]] = {}

    def add(text: str, minutes: int, implied: int | None) -> None:
        words = _WORD.findall(fold(text))
        if len(words) != 1:
            return
        known = found.get(words[0])
        if known is None or (known[0] == minutes and known[1] is None):
            found[words[0]] = (minutes, implied)

    locale = Locale.parse(language)
    for unit, minutes in MINUTES.items():
        for patterns in locale._data["unit_patterns"].get(unit, {}).values():
            for category, pattern in patterns.items():
                if category != "per":
                    add(pattern.replace("{0}", " "), minutes, None if "{0}" in pattern else _IMPLIED.get(category))
        for length in ("long", "short", "narrow"):
            name = locale.unit_display_names.get(unit, {}).get(length)
            if name:
                add(name, minutes, None)
    return found


@lru_cache(maxsize=None)
def duration_words(language: str | None = None) -> dict[str, tuple[int, int | None]]:
    """Every supported language's duration words, a word meaning what it means in the earliest language of
    ``reading_order(language)``; the bot's own notation (m, h, d) means the same in every language."""
    merged: dict[str, tuple[int, int | None]] = {}
    for code in reversed(reading_order(language)):
        merged.update(_units(code))
    return merged | NOTATION


@lru_cache(maxsize=None)
def clock_words(languages: tuple[str, ...] = SUPPORTED_LANGUAGES) -> frozenset[str]:
    """Folded words a language writes next to a 24-hour time ("18:30 Uhr", "18 giờ"), from CLDR's skeletons."""
    words: set[str] = set()
    for language in languages:
        skeletons = Locale.parse(language).datetime_skeletons
        for key in ("H", "Hm", "Hv"):
            pattern = str(getattr(skeletons.get(key), "pattern", skeletons.get(key) or ""))
            for literal in re.findall(r"'([^']+)'", pattern):
                words.update(_WORD.findall(fold(literal)))
    return frozenset(words)


@lru_cache(maxsize=None)
def day_period_words() -> dict[str, str]:
    """"am"/"pm" as each supported language writes them (CLDR: "a. m.", "PM", "ص", "م"), folded without spaces;
    a marker two languages read differently is left out."""
    meanings: dict[str, set[str]] = {}
    for language in SUPPORTED_LANGUAGES:
        for width in Locale.parse(language).day_periods.get("format", {}).values():
            for period in ("am", "pm"):
                if width.get(period):
                    meanings.setdefault(fold(width[period]).replace(" ", ""), set()).add(period)
    return {marker: next(iter(found)) for marker, found in meanings.items() if len(found) == 1 and marker}


def _answer_lists() -> dict[str, str]:
    """What a member types for each answer, as the current language's catalog lists them (comma-separated)."""
    return {
        "yes": pgettext("typed answer", "yes, y, going, I'm going, I'll come"),
        "maybe": pgettext("typed answer", "maybe, perhaps, not sure"),
        "no": pgettext("typed answer", "no, n, not going, I'm not going, I can't come"),
        "off": pgettext("typed reminders setting", "off, none, no reminders, stop"),
        "none": pgettext("typed to clear an event field", "none, nothing, no"),
    }


@lru_cache(maxsize=None)
def _listed(language: str) -> dict[str, frozenset[str]]:
    with use_language(language):
        lists = _answer_lists()
    return {key: frozenset(fold(word) for word in re.split(r"[,،]", listed) if fold(word)) for key, listed in lists.items()}


@lru_cache(maxsize=None)
def answer_words(language: str | None = None) -> dict[str, str]:
    """Folded word -> "yes" | "maybe" | "no" from every catalog, the reader's language deciding first."""
    merged: dict[str, str] = {}
    for code in reversed(reading_order(language)):
        merged.update({word: answer for answer in ("no", "maybe", "yes") for word in _listed(code)[answer]})
    return merged


@lru_cache(maxsize=None)
def off_words() -> frozenset[str]:
    """Folded words for "no reminders", from every catalog."""
    return frozenset(word for language in SUPPORTED_LANGUAGES for word in _listed(language)["off"])


@lru_cache(maxsize=None)
def none_words() -> frozenset[str]:
    """Folded words that empty an event's optional field ("aucun", "ninguno", "لا شيء"), from every catalog."""
    return frozenset(word for language in SUPPORTED_LANGUAGES for word in _listed(language)["none"])

"""Discord locales and command names: which of our languages each Discord locale reads,
and the localized slash names (``/langue``) that Discord accepts.

Command and option names are catalog texts written with their slash ("/language"), so a
translator sees what the word is for; one word serves a command and an option of the same
name. Discord refuses a name that is not lowercase, longer than 32 characters, or made of
other characters than letters, digits, ``-`` and ``_`` (plus Devanagari and Thai marks):
such a translation is dropped and the English name stays.
"""
from __future__ import annotations

import unicodedata
from functools import lru_cache

import discord

from core.i18n import N_, SUPPORTED_LANGUAGES, language_from_locale



@lru_cache(maxsize=8)
def _locales(languages: tuple[str, ...]) -> dict[str, tuple[discord.Locale, ...]]:
    table: dict[str, list[discord.Locale]] = {language: [] for language in languages}
    for locale in discord.Locale:
        language = language_from_locale(locale.value)
        if language is not None:
            table[language].append(locale)
    return {language: tuple(locales) for language, locales in table.items()}


def discord_locales() -> dict[str, tuple[discord.Locale, ...]]:
    """Our language -> the Discord locales that read it, derived from the catalogs present
    ("zh-CN" reads zh_Hans, "es-419" and "es-ES" read es). A language with no Discord locale
    (Arabic) maps to nothing: its readers see the English names, pick it with /language,
    and get their replies in it."""
    return _locales(tuple(SUPPORTED_LANGUAGES))


# Every word used as a command or option name, with its slash: translated like any text.
SLASH_WORDS: dict[str, str] = {
    "start": N_("/start"),
    "help": N_("/help"),
    "language": N_("/language"),
    "country": N_("/country"),
    "timezone": N_("/timezone"),
    "associations": N_("/associations"),
    "channels": N_("/channels"),
    "join": N_("/join"),
    "leave": N_("/leave"),
    "link": N_("/link"),
    "mydata": N_("/mydata"),
    "forget": N_("/forget"),
    "cancel": N_("/cancel"),
    "bind": N_("/bind"),
    "unbind": N_("/unbind"),
    "events": N_("/events"),
    "event": N_("/event"),
    "rsvp": N_("/rsvp"),
    "reminders": N_("/reminders"),
    "newevent": N_("/newevent"),
    "announce": N_("/announce"),
    # option names
    "channel": N_("/channel"),
    "zone": N_("/zone"),
    "query": N_("/query"),
    "code": N_("/code"),
    "role": N_("/role"),
    "answer": N_("/answer"),
    "offsets": N_("/offsets"),
}

MAX_NAME = 32
MAX_DESCRIPTION = 100
_MARKS = ("DEVANAGARI", "THAI")


def language_of_locale(locale: discord.Locale | str | None) -> str | None:
    """Our language for a Discord locale ("es-419" -> "es"), or None when we do not speak it."""
    if locale is None:
        return None
    value = locale.value if isinstance(locale, discord.Locale) else str(locale)
    return language_from_locale(value)


def locales_of(language: str) -> tuple[discord.Locale, ...]:
    return discord_locales().get(language, ())


def is_valid_name(name: str) -> bool:
    """Discord's rule for command and option names: 1-32 characters, lowercase where a letter has
    a case, letters/digits/``-``/``_`` (and Devanagari or Thai combining marks)."""
    if not 1 <= len(name) <= MAX_NAME or name != name.lower():
        return False
    for char in name:
        if char in "-_":
            continue
        category = unicodedata.category(char)
        if category[0] in "LN":
            continue
        if category in ("Mn", "Mc") and unicodedata.name(char, "").startswith(_MARKS):
            continue
        return False
    return True


def localized_name(translated: str, english: str) -> str | None:
    """The name Discord gets for a translated slash word, or None (keep the English name)."""
    name = translated.strip().lstrip("/").strip()
    name = "-".join(name.lower().split())  # "fuso horário" is not a name; "fuso-horário" is
    if not name or name == english or not is_valid_name(name):
        return None
    return name


def clip(text: str, limit: int = MAX_DESCRIPTION) -> str:
    """One line of at most ``limit`` characters (Discord's description and choice limit)."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


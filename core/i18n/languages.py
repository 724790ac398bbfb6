"""The supported languages and how people name them ("fr", "français", "French", "arabe")."""
from __future__ import annotations

from functools import lru_cache

from babel import Locale, UnknownLocaleError

from core.text import fold

SUPPORTED_LANGUAGES: tuple[str, ...] = ("en", "fr", "es", "ar", "pt", "de")
DEFAULT_LANGUAGE = "en"
RTL_LANGUAGES = frozenset({"ar"})


def is_rtl(language: str) -> bool:
    return language in RTL_LANGUAGES


def language_name(code: str, in_language: str | None = None, *, in_sentence: bool = False) -> str:
    """The name of a language, in another language or (default) in itself.

    Standalone (a button, a list) it starts with a capital: "Français". Inside a sentence
    it keeps CLDR's casing, which follows each language's rule: "je vous parlerai français",
    "hablaré español", but "ich spreche Deutsch".
    """
    locale = Locale.parse(in_language or code)
    name = locale.languages.get(code) or code
    if in_sentence:
        return name
    return name[:1].upper() + name[1:]


@lru_cache(maxsize=1)
def _names() -> dict[str, str]:
    names: dict[str, str] = {}
    for code in SUPPORTED_LANGUAGES:
        names[code] = code
        for reader in SUPPORTED_LANGUAGES:
            names.setdefault(fold(Locale.parse(reader).languages.get(code, code)), code)
    # Portuguese speakers write "português"/"portugues"; CLDR already covers both after folding.
    return names


def match_language(text: str) -> str | None:
    """A supported language code from a code, a locale tag or a name in any supported language."""
    folded = fold(text)
    if not folded:
        return None
    found = _names().get(folded)
    if found:
        return found
    return language_from_locale(text.strip())


def language_from_locale(tag: str | None) -> str | None:
    """The supported language of a platform locale ("pt-BR", "es_419", "fr"), if any."""
    if not tag:
        return None
    try:
        base = Locale.parse(tag.replace("-", "_")).language
    except (UnknownLocaleError, ValueError, TypeError):
        base = tag.replace("_", "-").split("-")[0].lower()
    return base if base in SUPPORTED_LANGUAGES else None

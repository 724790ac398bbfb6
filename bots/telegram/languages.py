"""Which of our catalogs each Telegram language code reads.

Telegram's per-language settings (command menu, descriptions) take a two-letter ISO 639-1
code. A catalog gets the code of its bare language when it is the catalog that bare language
reads ("zh" -> zh_Hans); a second catalog of the same language (zh_Hant) has no code of its
own there and its readers see the one of the first.
"""
from __future__ import annotations

from core.i18n import SUPPORTED_LANGUAGES, language_from_locale


def telegram_language_code(language: str) -> str | None:
    """The Telegram language code for one of our catalogs, or None when it has none."""
    base = language.split("_")[0]
    if len(base) != 2 or language_from_locale(base) != language:
        return None
    return base


def telegram_languages() -> list[tuple[str | None, str]]:
    """(Telegram language code, our catalog) for every catalog that has a code, then the
    default scope (None) read in the default language."""
    plan: list[tuple[str | None, str]] = []
    for language in SUPPORTED_LANGUAGES:
        code = telegram_language_code(language)
        if code is not None:
            plan.append((code, language))
    plan.append((None, SUPPORTED_LANGUAGES[0]))  # readers of a language we do not speak: the default
    return plan

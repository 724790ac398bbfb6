"""``contact_consent`` as a spreadsheet writes it: yes or no in any supported language.

The words come from the catalogs (one message per answer, a comma-separated list), so a new
catalog brings its own; "1", "0" and an empty cell read the same in every language.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from core.i18n import SUPPORTED_LANGUAGES, pgettext, use_language
from core.i18n.languages import catalog_directory
from core.text import fold

_NEUTRAL = {"1": True, "0": False, "": False}
_SEPARATORS = re.compile(r"[,،;]")


def _yes_words() -> str:
    # Translators: the words a spreadsheet may hold for "yes" in the contact_consent column, comma-separated.
    return pgettext("spreadsheet value", "yes, y, true")


def _no_words() -> str:
    # Translators: the words a spreadsheet may hold for "no" in the contact_consent column, comma-separated.
    return pgettext("spreadsheet value", "no, n, false")


@lru_cache(maxsize=8)
def _words(directory: Path, languages: tuple[str, ...]) -> dict[str, bool]:
    words = dict(_NEUTRAL)
    for language in languages:  # the default language first: it wins a word two languages share
        with use_language(language):
            for listed, value in ((_yes_words(), True), (_no_words(), False)):
                for word in _SEPARATORS.split(listed):
                    if fold(word):
                        words.setdefault(fold(word), value)
    return words


def consent_value(text: str) -> bool | None:
    """True for yes, False for no (or an empty cell), None for anything else."""
    return _words(catalog_directory(), tuple(SUPPORTED_LANGUAGES)).get(fold(text))

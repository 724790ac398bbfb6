"""The reader's country next to their language: the CLDR locale that dates, times and numbers are written in.

An Arabic reader in Morocco writes "18:30" and "1.234,5", one in Egypt "6:30 م" and "1,234.5": the language
alone does not say which. ``use_locale(language, country)`` sets both for a request or one delivery;
``format_locale()`` is the CLDR locale made of them when CLDR has it ("ar_MA", "pt_PT", "es_MX", "fr_CA",
"en_GB"), else the language's default.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache

from babel import localedata

from .catalogs import current_language, use_language

# (language, country) as set together: the country applies only while that language is the current one, so a
# nested ``use_language`` for another reader never borrows this reader's country.
_region: ContextVar[tuple[str, str] | None] = ContextVar("alumni_region", default=None)


@lru_cache(maxsize=512)
def regional_locale(language: str, country: str | None) -> str:
    """"ar" + "ma" -> "ar_MA" when CLDR has that locale, else "ar"."""
    code = (country or "").strip().upper()
    if len(code) == 2 and code.isalpha() and localedata.exists(f"{language}_{code}"):
        return f"{language}_{code}"
    return language


def current_country() -> str | None:
    region = _region.get()
    return region[1] if region and region[0] == current_language() else None


def format_locale() -> str:
    """The CLDR locale to format with: the current language, in the reader's country when it applies."""
    return regional_locale(current_language(), current_country())


@contextmanager
def use_locale(language: str | None, country: str | None) -> Iterator[str]:
    """``use_language`` that also carries the reader's country of residence (ISO alpha-2, any case)."""
    with use_language(language) as chosen:
        token = _region.set((chosen, (country or "").upper()))
        try:
            yield chosen
        finally:
            _region.reset(token)

"""Translations for every text a person reads.

The reader's language lives in a context variable: a request (or one delivery)
sets it with ``use_language`` and every ``_()`` below reads it. Async tasks each
get their own copy, so concurrent updates never see each other's language.
"""
from .choices import LANGUAGE_CHOICES, language_tag
from .catalogs import N_, _, current_language, ngettext, npgettext, pgettext, use_language
from .languages import (
    DEFAULT_LANGUAGE,
    SUPPORTED_LANGUAGES,
    is_rtl,
    language_from_locale,
    language_name,
    match_language,
)

__all__ = [
    "LANGUAGE_CHOICES",
    "language_tag",
    "N_",
    "_",
    "current_language",
    "ngettext",
    "npgettext",
    "pgettext",
    "use_language",
    "DEFAULT_LANGUAGE",
    "SUPPORTED_LANGUAGES",
    "is_rtl",
    "language_from_locale",
    "language_name",
    "match_language",
]

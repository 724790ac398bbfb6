"""Loading the gettext catalogs and translating with the current reader's language."""
from __future__ import annotations

import gettext
import io
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from locales import DOMAIN

from .languages import DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES, catalog_directory

log = logging.getLogger(__name__)
_language: ContextVar[str] = ContextVar("alumni_language", default=DEFAULT_LANGUAGE)


def translations(language: str) -> gettext.NullTranslations:
    """The catalog of one language, from the catalog directory in use."""
    return _compiled(catalog_directory(), language)


@lru_cache(maxsize=None)
def _compiled(directory: Path, language: str) -> gettext.NullTranslations:
    """The catalog of one language, compiled in memory from its .po file.

    Compiling at load time (a few milliseconds) means an edited .po file is used
    as is, with no forgotten ``pybabel compile`` step between a translator and users.
    """
    po_path = directory / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if language not in SUPPORTED_LANGUAGES or not po_path.exists():
        if language != DEFAULT_LANGUAGE:
            log.warning("no catalog for language %s; falling back to source texts", language)
        return gettext.NullTranslations()
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def current_language() -> str:
    return _language.get()


@contextmanager
def use_language(language: str | None) -> Iterator[str]:
    chosen = language if language in SUPPORTED_LANGUAGES else DEFAULT_LANGUAGE
    token = _language.set(chosen)
    try:
        yield chosen
    finally:
        _language.reset(token)


def _(message: str) -> str:
    return translations(_language.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(_language.get()).ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """A short text whose meaning depends on where it is shown ("Start" as a button or a field)."""
    return translations(_language.get()).pgettext(context, message)


def npgettext(context: str, singular: str, plural: str, n: int) -> str:
    return translations(_language.get()).npgettext(context, singular, plural, n)


def N_(message: str) -> str:
    """Mark a text for extraction without translating it yet (module-level tables)."""
    return message

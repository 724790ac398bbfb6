"""An association's texts in the reader's language: the reader's own, else one of the association's
languages, else the base text as imported (import keys ``name_<lang>``, ``city_<lang>``, ``description_<lang>``)."""
from __future__ import annotations

from collections.abc import Iterable, Mapping

Translations = Mapping[str, Mapping[str, str]]


def localized(translations: Translations | None, field: str, base: str, reader: str, own: Iterable[str] = ()) -> str:
    """``field`` ("name", "city", "description") for a ``reader`` of that language.

    Fallback: the reader's language, then the association's own languages, then ``base``. Own
    languages are tried in their order, and the first one without a text of its own is taken to be
    the base's language (an association of "de;fr" with a German base and a French ``name_fr``): a
    reader of neither language gets the base, not the second language.
    """
    if not translations:
        return base
    text = translations.get(reader, {}).get(field)
    if text:
        return text
    first = next(iter(own), None)  # the base is in the first own language unless that one has its own text
    return (translations.get(first, {}).get(field) if first else None) or base

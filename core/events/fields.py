"""Validation of each field of an event, one function per field; errors are EventError."""
from __future__ import annotations

from urllib.parse import urlsplit

from core.geo.countries import is_country_code, match_country
from core.i18n import LANGUAGE_CHOICES, N_, language_from_locale
from core.text import clean_line

from .errors import EventError

MAX_TITLE = 200
MAX_DESCRIPTION = 2000
MAX_PLACE = 300
MAX_URL = 500
MAX_CAPACITY = 100_000


def clean_title(text: str) -> str:
    title = clean_line(text or "", MAX_TITLE + 1)
    if not title:
        raise EventError(N_("The title cannot be empty."))
    if len(title) > MAX_TITLE:
        raise EventError(N_("The title is too long: at most {count} characters."), count=MAX_TITLE)
    return title


def clean_description(text: str) -> str:
    """Several lines are kept (the command line may give them); each line is cleaned."""
    lines = [clean_line(line, MAX_DESCRIPTION + 1) for line in (text or "").splitlines()]
    description = "\n".join(lines).strip()
    while "\n\n\n" in description:
        description = description.replace("\n\n\n", "\n\n")
    if len(description) > MAX_DESCRIPTION:
        raise EventError(N_("The description is too long: at most {count} characters."), count=MAX_DESCRIPTION)
    return description


def clean_place(text: str) -> str:
    place = clean_line(text or "", MAX_PLACE + 1)
    if len(place) > MAX_PLACE:
        raise EventError(N_("The place is too long: at most {count} characters."), count=MAX_PLACE)
    return place


def clean_url(text: str) -> str:
    """An online link: http or https with a host, no spaces or control characters."""
    value = (text or "").strip()
    if not value:
        return ""
    bad = EventError(N_("“{value}” is not a web link: it must start with https:// or http://."), value=clean_line(value, 80))
    if len(value) > MAX_URL:
        raise EventError(N_("The link is too long: at most {count} characters."), count=MAX_URL)
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in value) or clean_line(value, MAX_URL) != value:
        raise bad
    try:
        parts = urlsplit(value)
    except ValueError:
        raise bad from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise bad
    return value


def looks_like_url(text: str) -> bool:
    """What was meant as a link (then checked as one): anything with a scheme, or "www."."""
    value = text.strip().lower()
    return "://" in value.split(" ", 1)[0] or value.startswith("www.")


def clean_language(code: str) -> str:
    value = language_from_locale(code)
    if value is None:
        raise EventError(N_("Unsupported language “{value}”: use {languages}."), value=clean_line(code or "", 20), languages=LANGUAGE_CHOICES)
    return value


def clean_country(text: str | None) -> str | None:
    """A country code from a code or a name in any language; None for nothing."""
    value = (text or "").strip()
    if not value:
        return None
    if len(value) == 2 and is_country_code(value):
        return value.upper()
    found = match_country(value)
    if found is None or not found.exact:
        raise EventError(N_("I couldn't find the country “{value}”."), value=clean_line(value, 80))
    return found.code


def clean_capacity(value: str | int | None) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        raise EventError(N_("The capacity must be a whole number of places, for example 40.")) from None
    if not 1 <= number <= MAX_CAPACITY:
        raise EventError(N_("The capacity must be between 1 and {maximum}."), maximum=MAX_CAPACITY)
    return number

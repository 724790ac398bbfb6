"""Checking and normalizing one directory row.

Everything a file brings in passes through here: control characters are stripped,
lengths bounded, codes and slugs checked, so the rest of the code trusts a ``Record``.
Reasons are English msgids translated with ``_()`` because administrators read them.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

from babel import Locale

from core.channels import is_theme
from core.geo.countries import is_country_code, match_country
from core.i18n import _
from core.text import clean_line, fold

from . import fields as f

_EMAIL = re.compile(r"^[^@\s<>()\[\],;:\"]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$")
_HOST = re.compile(r"^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$|^xn--[a-z0-9-]+$")
_LIST_SPLIT = re.compile(r"[;,]")
_SPACE = re.compile(r"\s")


@dataclass(frozen=True, slots=True)
class Record:
    """A valid row, in the shape stored in ``associations``."""

    external_id: str | None
    name: str
    name_key: str
    country_code: str
    city: str
    website: str
    email: str
    languages: tuple[str, ...]
    themes: tuple[str, ...]
    description: str

    @property
    def key(self) -> tuple[str, str]:
        return (self.name_key, self.country_code)


@lru_cache(maxsize=1)
def _language_codes() -> frozenset[str]:
    # ISO 639 codes CLDR knows (not only the bot's interface languages: associations speak many).
    return frozenset(code for code in Locale.parse("en").languages if code.isalpha() and 2 <= len(code) <= 3)


def parse_country(value: str) -> str | None:
    """An ISO code from a code or an exact country name in a supported language; no fuzzy guess."""
    if len(value) == 2 and value.isalpha() and is_country_code(value):
        return value.upper()
    if len(value) > 100:
        return None
    match = match_country(value)
    return match.code if match is not None and match.exact else None


def normalize_website(value: str) -> str | None:
    """An http(s) URL with a plausible host; a bare "www.example.org" gets ``https://``."""
    candidate = value if "://" in value else f"https://{value}"
    if _SPACE.search(candidate):
        return None
    try:
        parts = urlsplit(candidate)
        parts.port  # noqa: B018 - raises ValueError on a malformed port
        host = (parts.hostname or "").encode("idna").decode("ascii")
    except (ValueError, UnicodeError):
        return None
    if parts.scheme.lower() not in ("http", "https") or not _HOST.match(host):
        return None
    return candidate


def _split_list(value: str) -> list[str]:
    seen: list[str] = []
    for item in _LIST_SPLIT.split(value):
        item = item.strip().lower()
        if item and item not in seen:
            seen.append(item)
    return seen


def _clean(text: str, max_length: int) -> str:
    """``clean_line``, with a fast path: printable text has no control, format or bidi character."""
    if text.isprintable():
        return " ".join(text.split())[:max_length]
    return clean_line(text, max_length)


def _cell(raw: dict[str, object], key: str) -> str:
    value = raw.get(key)
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return f.LIST_SEPARATOR.join(str(item) for item in value)
    return str(value)


def validate(raw: dict[str, object]) -> tuple[Record | None, list[str]]:
    """The normalized record, or the reasons the row is rejected."""
    reasons: list[str] = []
    cells = {key: _cell(raw, key) for key in f.COLUMNS}
    for key, value in cells.items():
        if len(value) > f.MAX_CELL:
            return None, [_("field too long: {field}").format(field=key)]

    external_id = _clean(cells["id"], f.MAX_CELL)
    if len(external_id) > f.MAX_ID:
        reasons.append(_("id longer than {limit} characters").format(limit=f.MAX_ID))

    name = _clean(cells["name"], f.MAX_CELL)
    name_key = fold(name)
    if not name_key:
        reasons.append(_("missing name"))
    elif len(name) > f.MAX_NAME:
        reasons.append(_("name longer than {limit} characters").format(limit=f.MAX_NAME))

    country_text = _clean(cells["country"], f.MAX_CELL)
    country_code = parse_country(country_text) if country_text else None
    if not country_text:
        reasons.append(_("missing country"))
    elif country_code is None:
        reasons.append(_("unknown country: {value}").format(value=country_text[:100]))

    website = _clean(cells["website"], f.MAX_CELL)
    if website:
        normalized = normalize_website(website) if len(website) <= f.MAX_WEBSITE else None
        if normalized is None or len(normalized) > f.MAX_WEBSITE:
            reasons.append(_("malformed website address: {value}").format(value=website[:100]))
        else:
            website = normalized

    email = _clean(cells["email"], f.MAX_CELL)
    if email.lower().startswith("mailto:"):
        email = email[7:]
    if email and (len(email) > f.MAX_EMAIL or not _EMAIL.match(email)):
        reasons.append(_("malformed e-mail address: {value}").format(value=email[:100]))

    languages = _split_list(_clean(cells["languages"], f.MAX_CELL))
    for code in languages:
        if code not in _language_codes():
            reasons.append(_("unknown language code: {value}").format(value=code[:20]))

    themes = _split_list(_clean(cells["themes"], f.MAX_CELL))
    for slug in themes:
        if not is_theme(slug):
            reasons.append(_("unknown theme: {value}").format(value=slug[:60]))

    if reasons:
        return None, reasons
    assert country_code is not None
    return (
        Record(
            external_id=external_id or None,
            name=name,
            name_key=name_key[: f.MAX_NAME],
            country_code=country_code,
            # Free text is truncated rather than rejected: a long description is not an error.
            city=_clean(cells["city"], f.MAX_CITY),
            website=website,
            email=email,
            languages=tuple(languages),
            themes=tuple(themes),
            description=_clean(cells["description"], f.MAX_DESCRIPTION),
        ),
        [],
    )

"""Checking and normalizing one directory row.

Everything a file brings in passes through here: control characters are stripped,
lengths bounded, codes and slugs checked, so the rest of the code trusts a ``Record``.
Reasons are English msgids translated with ``_()`` because administrators read them.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import urlsplit

from babel import Locale

from core.channels import is_theme
from core.geo.countries import is_country_code, match_country
from core.i18n import SUPPORTED_LANGUAGES, _
from core.text import clean_line, fold

from . import fields as f
from .consent import consent_value

_EMAIL = re.compile(r"^[^@\s<>()\[\],;:\"]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$")
_HOST = re.compile(r"^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$|^xn--[a-z0-9-]+$")
_LIST_SPLIT = re.compile(r"[;,]")
_SPACE = re.compile(r"\s")
# A phone number as people write it: digits with spaces, dots, dashes, slashes, parentheses, one leading +.
_PHONE = re.compile(r"^\+?[0-9 ().\-/]+$")


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
    contact_name: str = ""
    contact_email: str = ""
    contact_phone: str = ""
    contact_consent: bool = False
    # language -> {"name"|"city"|"description": text}; only the texts the file gave
    translations: dict[str, dict[str, str]] = field(default_factory=dict)

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


def _type_reason(key: str, value: object) -> str | None:
    """Why a JSON value cannot stand where text is expected (CSV cells are always text), or None."""
    if value is None or isinstance(value, str):
        return None
    if isinstance(value, (list, tuple)) and key in f.LIST_COLUMNS:
        if all(isinstance(item, str) for item in value):
            return None
        return _("{field} must be text or a list of texts").format(field=key)
    if isinstance(value, bool):
        return None if key == "contact_consent" else _("{field} must be text, not true or false").format(field=key)
    if isinstance(value, (int, float)):  # NaN and Infinity too: JSON readers accept them
        return _("{field} must be text, not a number").format(field=key)
    if isinstance(value, (list, tuple)):
        return _("{field} must be text, not a list").format(field=key)
    return _("{field} must be text, not an object").format(field=key)


def _cell(raw: dict[str, object], key: str) -> str:
    value = raw.get(key)
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return f.LIST_SEPARATOR.join(str(item) for item in value)
    return str(value)


def parse_consent(value: object) -> bool | None:
    """``contact_consent`` as yes (True) / no (False), or None when it is neither."""
    if isinstance(value, bool):
        return value
    return consent_value(str(value))


def normalize_phone(value: str) -> str | None:
    """The number as written (spaces collapsed) when it looks like one: 6 to 15 digits (E.164)."""
    digits = sum(c.isdigit() for c in value)
    if not _PHONE.match(value) or not 6 <= digits <= 15 or "+" in value[1:]:
        return None
    return value


def _contact(raw: dict[str, object], cells: dict[str, str], reasons: list[str]) -> dict[str, object]:
    """The contact person's fields, checked like the others (a bad value rejects the row)."""
    name = _clean(cells["contact_name"], f.MAX_CELL)
    if len(name) > f.MAX_CONTACT_NAME:
        reasons.append(_("contact name longer than {limit} characters").format(limit=f.MAX_CONTACT_NAME))
    email = _clean(cells["contact_email"], f.MAX_CELL)
    if email.lower().startswith("mailto:"):
        email = email[7:]
    if email and (len(email) > f.MAX_EMAIL or not _EMAIL.match(email)):
        reasons.append(_("malformed contact e-mail address: {value}").format(value=email[:100]))
    phone = _clean(cells["contact_phone"], f.MAX_CELL)
    if phone and (len(phone) > f.MAX_PHONE or normalize_phone(phone) is None):
        reasons.append(_("malformed contact phone number: {value}").format(value=phone[:60]))
    given = raw.get("contact_consent")
    consent = parse_consent(given if isinstance(given, bool) else _clean(cells["contact_consent"], 100))
    if consent is None:
        reasons.append(_("contact_consent must be yes or no, not: {value}").format(value=cells["contact_consent"][:40]))
    return {"contact_name": name, "contact_email": email, "contact_phone": phone, "contact_consent": bool(consent)}


_LIMITS = {"name": f.MAX_NAME, "city": f.MAX_CITY, "description": f.MAX_DESCRIPTION}


def _translations(cells: dict[str, str], reasons: list[str]) -> dict[str, dict[str, str]]:
    """The per-language texts given (``name_fr`` …), checked like their base field."""
    found: dict[str, dict[str, str]] = {}
    for language in SUPPORTED_LANGUAGES:
        for name in f.TRANSLATED:
            key = f"{name}_{language}"
            text = _clean(cells[key], f.MAX_CELL)
            if not text:
                continue
            if name == "name" and len(text) > f.MAX_NAME:
                reasons.append(_("field too long: {field}").format(field=key))
            found.setdefault(language, {})[name] = text[: _LIMITS[name]]
    return found


def validate(raw: dict[str, object]) -> tuple[Record | None, list[str]]:
    """The normalized record, or the reasons the row is rejected."""
    reasons = [reason for key in f.EXPORT_COLUMNS if (reason := _type_reason(key, raw.get(key)))]
    if reasons:
        return None, reasons
    cells = {key: _cell(raw, key) for key in f.EXPORT_COLUMNS}
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

    contact = _contact(raw, cells, reasons)
    translations = _translations(cells, reasons)

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
            **contact,  # type: ignore[arg-type]
            translations=translations,
        ),
        [],
    )

"""The directory's file format (SPEC "Directory import"), shared by import and export."""
from __future__ import annotations

from core.i18n import SUPPORTED_LANGUAGES

# Column order of exported files; imports accept these keys in any order.
COLUMNS: tuple[str, ...] = ("id", "name", "country", "city", "website", "email", "languages", "themes", "description")
# Optional extra keys (not in SPEC's list): a contact PERSON of the association. Personal data:
# shown to members only when ``contact_consent`` is yes; exported either way for administrators.
CONTACT_COLUMNS: tuple[str, ...] = ("contact_name", "contact_email", "contact_phone", "contact_consent")
# Optional per-language texts (SPEC): ``name_fr``, ``city_ar``, ``description_de`` … for every supported
# language; each is shown to readers of that language (``core.directory.translations``).
TRANSLATED: tuple[str, ...] = ("name", "city", "description")
TRANSLATION_COLUMNS: tuple[str, ...] = tuple(f"{field}_{language}" for language in SUPPORTED_LANGUAGES for field in TRANSLATED)
EXPORT_COLUMNS: tuple[str, ...] = COLUMNS + CONTACT_COLUMNS + TRANSLATION_COLUMNS
LIST_SEPARATOR = ";"
# Columns whose JSON value may also be a list of texts.
LIST_COLUMNS: frozenset[str] = frozenset({"languages", "themes"})

# Bounds follow the column sizes of core.db.models.Association.
MAX_ID = 100
MAX_NAME = 300
MAX_CITY = 200
MAX_WEBSITE = 500
MAX_EMAIL = 320
MAX_DESCRIPTION = 2000
MAX_CONTACT_NAME = 200
MAX_PHONE = 50
# Anything longer than this in one cell is garbage, not a long description: reject the row.
MAX_CELL = 20_000

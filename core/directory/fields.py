"""The directory's file format (SPEC "Directory import"), shared by import and export."""
from __future__ import annotations

# Column order of exported files; imports accept these keys in any order.
COLUMNS: tuple[str, ...] = ("id", "name", "country", "city", "website", "email", "languages", "themes", "description")
LIST_SEPARATOR = ";"

# Bounds follow the column sizes of core.db.models.Association.
MAX_ID = 100
MAX_NAME = 300
MAX_CITY = 200
MAX_WEBSITE = 500
MAX_EMAIL = 320
MAX_DESCRIPTION = 2000
# Anything longer than this in one cell is garbage, not a long description: reject the row.
MAX_CELL = 20_000

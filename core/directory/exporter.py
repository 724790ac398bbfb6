"""Export of the directory in the import format, so that import(export(x)) changes nothing."""
from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import TextIO

from sqlalchemy import select

from core.db.engine import Database
from core.db.models import Association
from core.i18n import SUPPORTED_LANGUAGES

from .fields import EXPORT_COLUMNS, LIST_SEPARATOR, TRANSLATED
from .spreadsheet import escape_cell


async def export_csv(db: Database, out: TextIO) -> int:
    """Write every association as CSV (header row, ``;`` lists); returns the number of rows.

    Cells that a spreadsheet would run as a formula are written as text (``core.directory.spreadsheet``).
    """
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(EXPORT_COLUMNS)
    count = 0
    async with db.transaction() as session:
        result = await session.stream(
            select(Association).order_by(Association.country_code, Association.name_key, Association.id)
        )
        async for association in result.scalars():
            writer.writerow(
                spreadsheet_row((
                    association.external_id or "",
                    association.name,
                    association.country_code,
                    association.city,
                    association.website,
                    association.email,
                    LIST_SEPARATOR.join(association.languages or ()),
                    LIST_SEPARATOR.join(association.themes or ()),
                    association.description,
                    association.contact_name,
                    association.contact_email,
                    association.contact_phone,
                    _consent(association),
                    *_translated(association),
                ))
            )
            count += 1
    return count


def spreadsheet_row(cells: Iterable[str]) -> list[str]:
    """One exported row, each cell escaped so that no spreadsheet evaluates it."""
    return [escape_cell(cell) for cell in cells]


def _translated(association: Association) -> list[str]:
    """The per-language texts in ``TRANSLATION_COLUMNS`` order, empty where there is none."""
    texts = association.translations or {}
    return [texts.get(language, {}).get(name, "") for language in SUPPORTED_LANGUAGES for name in TRANSLATED]


def _consent(association: Association) -> str:
    """yes/no when there is a contact person (or a recorded consent), else empty."""
    has_contact = association.contact_name or association.contact_email or association.contact_phone
    if association.contact_consent:
        return "yes"
    return "no" if has_contact else ""

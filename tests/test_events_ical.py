"""iCalendar export, channel feed and import (idempotent by UID; SEQUENCE decides updates)."""
from __future__ import annotations

from datetime import datetime

import icalendar
import pytest
from sqlalchemy import func, select

from core.audit import Actor
from core.db.engine import Database
from core.db.models import Base, Channel, Event
from core.db.types import utcnow
from core.events.ical import channel_feed, export_event, import_ics
from core.events.rsvp import answer
from core.events.service import cancel_event
from core.imports import ImportLimitError, ImportLimits
from tests.test_events_domain import clocks_change
from tests.events_helpers import deliveries, load_event, make_event, member_with

YEAR = utcnow().year + 1
GAP_DAY = clocks_change("Europe/Paris", YEAR, 3).strftime("%Y%m%d")


async def test_export_has_zone_uid_sequence_and_status(db: Database) -> None:
    event_id = await make_event(db, datetime(YEAR, 3, 20, 18, 30), capacity=30,
                                texts={"fr": {"title": "Forum", "description": "Venez"}, "ar": {"title": "منتدى", "description": ""}})
    event = await load_event(db, event_id)
    text = export_event(event).decode()
    assert "BEGIN:VTIMEZONE" in text and "TZID:Europe/Paris" in text
    assert f"DTSTART;TZID=Europe/Paris:{YEAR}0320T183000" in text
    assert f"UID:{event.uid}" in text and "SEQUENCE:0" in text and "STATUS:CONFIRMED" in text
    assert "LOCATION:Café de Flore" in text and "X-ALUMNI-SUMMARY;LANGUAGE=ar:منتدى" in text
    async with db.transaction() as session:
        stored = await session.get(Event, event_id)
        assert stored is not None
        await cancel_event(session, stored, Actor.command_line())
    text = export_event(await load_event(db, event_id)).decode()
    assert "STATUS:CANCELLED" in text and "SEQUENCE:1" in text


async def test_channel_feed_lists_upcoming_events_of_the_channel(db: Database) -> None:
    first = await make_event(db, datetime(YEAR, 5, 1, 10, 0), country="FR")
    second = await make_event(db, datetime(YEAR, 5, 2, 10, 0), country=None, channel="health", title="Santé")
    await make_event(db, datetime(YEAR, 5, 3, 10, 0), country="TN", title="Tunis")
    async with db.transaction() as session:
        fr = await session.scalar(select(Channel).where(Channel.slug == "fr"))
        health = await session.scalar(select(Channel).where(Channel.slug == "health"))
        assert fr is not None and health is not None
        uids = lambda content: [str(e["UID"]) for e in icalendar.Calendar.from_ical(content).walk("VEVENT")]  # noqa: E731
        assert uids(await channel_feed(session, fr)) == [(await session.get(Event, first)).uid]  # type: ignore[union-attr]
        assert uids(await channel_feed(session, health)) == [(await session.get(Event, second)).uid]  # type: ignore[union-attr]


async def test_round_trip_into_another_database_and_idempotent_import(db: Database, tmp_path) -> None:  # noqa: ANN001
    event_id = await make_event(db, datetime(YEAR, 10, 20, 18, 30), capacity=12,
                                texts={"fr": {"title": "Forum", "description": "Ligne 1\nLigne 2"}, "en": {"title": "Forum EN", "description": "Hi"}})
    original = await load_event(db, event_id)
    content = export_event(original)

    other = Database(f"sqlite:///{tmp_path / 'other.db'}")
    async with other.engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    try:
        async with other.transaction() as session:
            report = await import_ics(session, content, actor=Actor.command_line())
        assert (report.created, report.updated, report.unchanged, report.rejected) == (1, 0, 0, [])
        async with other.transaction() as session:
            copy = await session.scalar(select(Event))
            assert copy is not None
            assert copy.uid == original.uid and copy.texts == original.texts and copy.language == "fr"
            assert (copy.starts_local, copy.ends_local, copy.timezone) == (original.starts_local, original.ends_local, original.timezone)
            assert copy.starts_at == original.starts_at and copy.place == original.place and copy.capacity == 12
            assert copy.country_code == "FR"
    finally:
        await other.dispose()

    # The same file again: nothing changes. A higher SEQUENCE: updated, answerers told.
    member = await member_with(db, "m", language="en")
    async with db.transaction() as session:
        await answer(session, event_id, member, "yes")
        report = await import_ics(session, content, actor=Actor.command_line())
    assert (report.created, report.updated, report.unchanged) == (0, 0, 1)
    changed = content.replace(b"SEQUENCE:0", b"SEQUENCE:3").replace(b"T183000", b"T190000")
    async with db.transaction() as session:
        report = await import_ics(session, changed, actor=Actor.command_line())
        assert (report.created, report.updated) == (0, 1)
        report = await import_ics(session, changed, actor=Actor.command_line())
        assert report.unchanged == 1
    event = await load_event(db, event_id)
    assert event.sequence == 3 and event.starts_local.hour == 19
    assert [n.key for n in await deliveries(db, "notice")] == [f"notice:event:{event_id}:seq3:{member}"]
    assert all(r.key.endswith(":s3") for r in await deliveries(db, "reminder"))


BAD_AND_GOOD = f"""BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//test//
BEGIN:VEVENT
UID:good-1
SUMMARY;LANGUAGE=es:Encuentro
DTSTART;TZID=America/Bogota:{YEAR}0601T180000
DTEND;TZID=America/Bogota:{YEAR}0601T200000
URL:https://example.org/meet
SEQUENCE:2
END:VEVENT
BEGIN:VEVENT
UID:no-start
SUMMARY:Sans début
END:VEVENT
BEGIN:VEVENT
UID:gap
SUMMARY:In the gap
DTSTART;TZID=Europe/Paris:{GAP_DAY}T023000
LOCATION:Paris
END:VEVENT
BEGIN:VEVENT
UID:bad-link
SUMMARY:Bad link
DTSTART:{YEAR}0601T180000Z
URL:javascript:alert(1)
END:VEVENT
BEGIN:VEVENT
SUMMARY:No uid
DTSTART:{YEAR}0601T180000Z
LOCATION:x
END:VEVENT
END:VCALENDAR
""".replace("\n", "\r\n").encode()


async def test_bad_events_are_reported_and_good_ones_imported(db: Database) -> None:
    async with db.transaction() as session:
        report = await import_ics(session, BAD_AND_GOOD, country="CO", actor=Actor.command_line())
    assert report.created == 1
    reasons = {(r.position, r.uid): r.reason for r in report.rejected}
    assert set(reasons) == {(2, "no-start"), (3, "gap"), (4, "bad-link"), (5, "")}
    assert "clocks" in reasons[(3, "gap")]
    assert "DTSTART" in reasons[(2, "no-start")] and "web link" in reasons[(4, "bad-link")] and "UID" in reasons[(5, "")]
    async with db.transaction() as session:
        event = await session.scalar(select(Event).where(Event.uid == "good-1"))
        assert event is not None and event.language == "es" and event.timezone == "America/Bogota"
        assert event.sequence == 2 and event.online_url == "https://example.org/meet" and event.country_code == "CO"
        assert await session.scalar(select(func.count()).select_from(Event)) == 1


FAULTY = f"""BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//test//
BEGIN:VEVENT
UID:good-a
SUMMARY:A
DTSTART:{YEAR}0601T180000Z
LOCATION:Bogotá
END:VEVENT
BEGIN:VEVENT
UID:huge-sequence
SUMMARY:B
DTSTART:{YEAR}0602T180000Z
LOCATION:x
SEQUENCE:99999999999999999999
END:VEVENT
BEGIN:VEVENT
UID:year-9999
SUMMARY:C
DTSTART;TZID=America/Bogota:99991231T230000
LOCATION:x
END:VEVENT
BEGIN:VEVENT
UID:mars
SUMMARY:D
DTSTART;TZID=Mars/Olympus:{YEAR}0603T180000
LOCATION:x
END:VEVENT
BEGIN:VEVENT
UID:weekly
SUMMARY:E
DTSTART:{YEAR}0604T180000Z
RRULE:FREQ=WEEKLY;COUNT=4
LOCATION:x
END:VEVENT
BEGIN:VEVENT
UID:good-b
SUMMARY:F
DTSTART:{YEAR}0605T180000Z
LOCATION:x
END:VEVENT
END:VCALENDAR
""".replace("\n", "\r\n").encode()


async def event_uids(db: Database) -> list[str]:
    async with db.transaction() as session:
        return sorted(await session.scalars(select(Event.uid)))


async def test_each_event_is_checked_on_its_own(db: Database) -> None:
    """An out-of-range SEQUENCE or a year-9999 start aborted the whole file (OverflowError, integer out of range)."""
    async with db.transaction() as session:
        report = await import_ics(session, FAULTY, country="CO", actor=Actor.command_line())
    assert (report.created, report.aborted) == (2, False)
    rejected = {(r.position, r.uid): r.reason for r in report.rejected}
    assert list(rejected) == [(2, "huge-sequence"), (3, "year-9999"), (4, "mars"), (5, "weekly")]
    assert "SEQUENCE" in rejected[(2, "huge-sequence")]
    assert "1900" in rejected[(3, "year-9999")] and "2999" in rejected[(3, "year-9999")]
    assert "Mars/Olympus" in rejected[(4, "mars")]  # not silently taken as UTC
    assert "RRULE" in rejected[(5, "weekly")]  # refused, not imported as its first date
    assert await event_uids(db) == ["good-a", "good-b"]


async def test_strict_imports_all_or_nothing(db: Database) -> None:
    async with db.transaction() as session:
        report = await import_ics(session, FAULTY, country="CO", strict=True, actor=Actor.command_line())
    assert report.aborted and report.created == 0 and len(report.rejected) == 4
    assert await event_uids(db) == []


async def test_a_failed_import_leaves_nothing_behind(db: Database) -> None:
    """Each event has its own savepoint; on SQLite, releasing the first one used to commit the transaction."""
    try:
        async with db.transaction() as session:
            report = await import_ics(session, FAULTY, country="CO", actor=Actor.command_line())
            assert report.created == 2
            raise RuntimeError("the command fails after the import")
    except RuntimeError:
        pass
    assert await event_uids(db) == []


async def test_limits_are_checked_before_parsing(db: Database) -> None:
    async with db.transaction() as session:
        with pytest.raises(ImportLimitError, match="ALUMNI_IMPORT_MAX_EVENTS = 5"):
            await import_ics(session, FAULTY, country="CO", limits=ImportLimits(max_events=5), actor=Actor.command_line())
        with pytest.raises(ImportLimitError, match="ALUMNI_IMPORT_MAX_BYTES = 100"):
            await import_ics(session, FAULTY, country="CO", limits=ImportLimits(max_bytes=100), actor=Actor.command_line())
        report = await import_ics(session, FAULTY, country="CO", limits=ImportLimits(max_events=6), actor=Actor.command_line())
    assert report.created == 2


async def test_unreadable_or_repeated_properties_reject_the_event(db: Database) -> None:
    content = f"""BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//test//
BEGIN:VEVENT
UID:twice
SUMMARY:A
DTSTART:{YEAR}0601T180000Z
DTSTART:{YEAR}0602T180000Z
LOCATION:x
END:VEVENT
BEGIN:VEVENT
UID:letters
SUMMARY:B
DTSTART:{YEAR}0601T180000Z
SEQUENCE:abc
LOCATION:x
END:VEVENT
END:VCALENDAR
""".replace("\n", "\r\n").encode()
    async with db.transaction() as session:
        report = await import_ics(session, content, country="CO", actor=Actor.command_line())
    assert [(r.uid, r.reason) for r in report.rejected] == [
        ("twice", "DTSTART appears more than once"), ("letters", "unreadable SEQUENCE: Expected int, got: abc")]

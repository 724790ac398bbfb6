"""Events in the domain layer, on both databases: daylight-saving time, capacity and the waiting
list, rights, edits that notify and replan, and the reminder renderer."""
from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from core.audit import Actor
from core.commands.service import CommandService
from core.db.engine import Database
from core.db.models import Delivery, Event, Member, Rsvp
from core.db.types import utcnow
from core.features import render_delivery
from core.events.errors import EventError
from core.events.rsvp import answer
from core.events.service import EventInput, cancel_event, create_event, input_of, update_event
from core.i18n import use_language
from core.i18n.formatting import format_time
from tests.chat import Person
from tests.events_helpers import deliveries, load_event, make_event, member_id_of, member_with

PARIS = ZoneInfo("Europe/Paris")


def clocks_change(zone: str, year: int, month: int) -> date:
    """The day in ``month`` when ``zone`` changes its clocks."""
    info = ZoneInfo(zone)
    day = date(year, month, 1)
    while day.month == month:
        before = datetime.combine(day, datetime.min.time(), info).utcoffset()
        after = datetime.combine(day + timedelta(days=1), datetime.min.time(), info).utcoffset()
        if before != after:
            return day
        day += timedelta(days=1)
    raise AssertionError("no change found")


YEAR = utcnow().year + 1
SPRING = clocks_change("Europe/Paris", YEAR, 3)  # a Sunday at the end of March
AUTUMN = clocks_change("Europe/Paris", YEAR, 10)


# ---------------------------------------------------------------- daylight-saving time


async def test_week_clocks_change_in_paris(db: Database) -> None:
    """Before the change Paris is UTC+1, after it UTC+2: the same wall-clock time is two UTC instants."""
    before = await make_event(db, datetime.combine(SPRING - timedelta(days=2), datetime.min.time()).replace(hour=18, minute=30))
    after = await make_event(db, datetime.combine(SPRING, datetime.min.time()).replace(hour=18, minute=30))
    first, second = await load_event(db, before), await load_event(db, after)
    assert first.starts_at.hour == 17 and second.starts_at.hour == 16
    assert first.starts_local.hour == second.starts_local.hour == 18

    reader = await member_with(db, "ny", language="en", country="US", zone="America/New_York")
    async with db.transaction() as session:
        await answer(session, after, reader, "yes")
    rows = await deliveries(db, "reminder", reader)
    day_before = next(r for r in rows if r.payload["offset"] == 1440)
    # One day before is 24 hours before the UTC instant (across the change: 17:30 local the day before).
    assert day_before.due_at == second.starts_at - timedelta(days=1)
    assert day_before.due_at.astimezone(PARIS).hour == 17
    with use_language("en"):
        # New York moved to summer time two weeks earlier: UTC-4, so 18:30 in Paris is 12:30 PM there.
        assert format_time(second.starts_at, "America/New_York") == "12:30\u202fPM"
        assert format_time(first.starts_at, "America/New_York") == "1:30\u202fPM"

    person = Person(CommandService(db), user_id="ny")
    await person.send(f"/event {after}")
    assert "12:30" in person.last[0].text and "6:30" in person.last[0].text  # theirs, and the local time in Paris


async def test_spring_gap_is_refused_and_autumn_fold_takes_the_first(db: Database) -> None:
    gap = datetime.combine(SPRING, datetime.min.time()).replace(hour=2, minute=30)
    with pytest.raises(EventError) as refused:
        await make_event(db, gap)
    with use_language("fr"):
        assert "n’existe pas" in refused.value.translated() and "Europe/Paris" in refused.value.translated()
    async with db.transaction() as session:
        event, valid = await create_event(
            session,
            EventInput(texts={"fr": {"title": "Nuit blanche"}}, language="fr", timezone="Europe/Paris", place="Paris",
                       starts_local=datetime.combine(AUTUMN, datetime.min.time()).replace(hour=2, minute=30),
                       country_code="FR"),
            Actor.command_line(),
        )
        assert valid.ambiguous
        assert event.starts_at.astimezone(PARIS).utcoffset() == timedelta(hours=2)  # the first 02:30 (summer time)
        assert await session.scalar(select(Event.id)) == event.id

    person_id = await member_with(db, "amb", language="fr", country="FR", zone="Europe/Paris", role="ambassador", role_country="FR")
    assert person_id
    person = Person(CommandService(db), user_id="amb")
    await person.send(f"/editevent {event.id} start {gap.strftime('%Y-%m-%d %H:%M')}")
    assert "n’existe pas" in person.text()
    assert (await load_event(db, event.id)).sequence == 0  # refused: nothing changed


async def test_editing_recomputes_utc_and_keeps_the_uid(db: Database) -> None:
    event_id = await make_event(db, datetime.combine(SPRING - timedelta(days=1), datetime.min.time()).replace(hour=10))
    before = await load_event(db, event_id)
    async with db.transaction() as session:
        event = await session.get(Event, event_id)
        assert event is not None
        data = await input_of(session, event)
        data.starts_local = data.starts_local + timedelta(days=2)
        data.ends_local = data.ends_local + timedelta(days=2) if data.ends_local else None
        await update_event(session, event, data, Actor.command_line())
    after = await load_event(db, event_id)
    assert after.uid == before.uid and after.sequence == before.sequence + 1
    assert after.starts_local.hour == 10
    assert after.starts_at - before.starts_at == timedelta(days=2, hours=-1)  # clocks went forward in between


# ---------------------------------------------------------------- capacity


async def test_waiting_list_is_served_in_answer_order(db: Database) -> None:
    event_id = await make_event(db, datetime(YEAR, 6, 10, 19, 0), capacity=2)
    a, b, c, d = [await member_with(db, name, language="fr", zone="Europe/Paris") for name in "abcd"]
    async with db.transaction() as session:
        assert not (await answer(session, event_id, a, "yes")).waitlisted
        assert not (await answer(session, event_id, b, "yes")).waitlisted
        third = await answer(session, event_id, c, "yes")
        fourth = await answer(session, event_id, d, "yes")
    assert (third.waitlisted, third.position) == (True, 1)
    assert (fourth.waitlisted, fourth.position) == (True, 2)
    assert await deliveries(db, "reminder", c) == []  # not going (yet): no reminders

    async with db.transaction() as session:
        await answer(session, event_id, a, "no")  # a place frees up: the first in line gets it
    notices = await deliveries(db, "notice", c)
    assert len(notices) == 1 and notices[0].payload["reply"]["language"] == "fr"
    assert "place" in notices[0].payload["reply"]["text"]
    assert len(await deliveries(db, "reminder", c)) == 2
    assert await deliveries(db, "reminder", a) == []
    assert await deliveries(db, "notice", d) == []

    async with db.transaction() as session:
        event = await session.get(Event, event_id)
        assert event is not None
        data = await input_of(session, event)
        data.capacity = 5  # more places: everyone waiting is promoted
        await update_event(session, event, data, Actor.command_line())
    async with db.transaction() as session:
        from core.db.models import Rsvp

        waiting = await session.scalars(select(Rsvp).where(Rsvp.event_id == event_id, Rsvp.waitlisted.is_(True)))
        assert list(waiting) == []
    assert any("promoted" in n.key for n in await deliveries(db, "notice", d))


async def test_answer_checks(db: Database) -> None:
    event_id = await make_event(db, datetime(YEAR, 6, 10, 19, 0))
    member = await member_with(db, "m")
    async with db.transaction() as session:
        with pytest.raises(EventError):
            await answer(session, event_id, member, "perhaps")
        event = await session.get(Event, event_id)
        assert event is not None
        await cancel_event(session, event, Actor.command_line())
        with pytest.raises(EventError):
            await answer(session, event_id, member, "yes")


async def test_past_offsets_are_not_planned(db: Database) -> None:
    soon = (utcnow() + timedelta(hours=3)).astimezone(PARIS).replace(tzinfo=None, second=0, microsecond=0)
    event_id = await make_event(db, soon)
    member = await member_with(db, "m")
    async with db.transaction() as session:
        await answer(session, event_id, member, "maybe")
    rows = await deliveries(db, "reminder", member)
    assert [r.payload["offset"] for r in rows] == [60]


# ---------------------------------------------------------------- rights


async def test_rights(db: Database, caplog: pytest.LogCaptureFixture) -> None:
    await member_with(db, "member", language="en", country="FR")
    await member_with(db, "tn", language="en", country="TN", role="ambassador", role_country="TN")
    await member_with(db, "fr", language="en", country="FR", role="ambassador", role_country="FR")
    await member_with(db, "admin", language="en", role="administrator")
    event_id = await make_event(db, datetime(YEAR, 6, 10, 19, 0))
    service = CommandService(db)

    caplog.set_level(logging.WARNING)
    for user in ("member", "tn"):
        person = Person(service, user_id=user)
        await person.send(f"/editevent {event_id} title Hijacked")
        assert "Only the ambassadors of this country" in person.text()
        await person.send(f"/cancelevent {event_id} !confirm")
        assert "Only the ambassadors of this country" in person.text()
    assert "refused" in caplog.text
    assert (await load_event(db, event_id)).sequence == 0

    member_person = Person(service, user_id="member")
    await member_person.send("/newevent")
    assert "Only ambassadors and administrators" in member_person.text()

    tn = await member_with(db, "tn")
    async with db.transaction() as session:
        with pytest.raises(EventError):
            await create_event(
                session, EventInput(texts={"en": {"title": "x"}}, language="en", timezone="Europe/Paris", place="p",
                                    starts_local=datetime(YEAR, 6, 1, 10), country_code="FR"), Actor("console", tn, "tn"))

    for user, title in (("fr", "By the ambassador"), ("admin", "By the administrator")):
        person = Person(service, user_id=user)
        await person.send(f"/editevent {event_id} title {title}")
        assert "updated" in person.text()
        assert (await load_event(db, event_id)).texts["en"]["title"] == title
    admin = Person(service, user_id="admin")
    await admin.send(f"/cancelevent {event_id}")
    await admin.press("Yes, cancel")
    assert (await load_event(db, event_id)).status == "cancelled"


# ---------------------------------------------------------------- edits notify and replan


async def test_edit_notifies_answerers_and_replans(db: Database) -> None:
    event_id = await make_event(db, datetime(YEAR, 6, 10, 19, 0))
    going = await member_with(db, "going", language="de", zone="Europe/Berlin")
    maybe = await member_with(db, "maybe", language="es", zone="America/Mexico_City")
    nope = await member_with(db, "nope", language="en")
    async with db.transaction() as session:
        await answer(session, event_id, going, "yes")
        await answer(session, event_id, maybe, "maybe")
        await answer(session, event_id, nope, "no")
    old = {r.key for r in await deliveries(db, "reminder")}
    assert len(old) == 4 and all(k.endswith(":s0") for k in old)

    await member_with(db, "amb", language="fr", role="ambassador", role_country="FR")
    ambassador = Person(CommandService(db), user_id="amb")
    await ambassador.send(f"/editevent {event_id}")
    await ambassador.press("Début")
    await ambassador.send(f"{YEAR}-06-11 20:00")
    assert "modifié" in ambassador.text()

    event = await load_event(db, event_id)
    assert event.sequence == 1 and event.starts_local == datetime(YEAR, 6, 11, 20, 0)
    notices = await deliveries(db, "notice")
    assert {n.member_id for n in notices} == {going, maybe}
    assert {n.key for n in notices} == {f"notice:event:{event_id}:seq1:{going}", f"notice:event:{event_id}:seq1:{maybe}"}
    by_member = {n.member_id: n.payload["reply"] for n in notices}
    assert by_member[going]["language"] == "de" and "geändert" in by_member[going]["title"]
    assert by_member[maybe]["language"] == "es"
    reminders = await deliveries(db, "reminder")
    assert len(reminders) == 4 and all(r.key.endswith(":s1") for r in reminders)
    assert {r.due_at for r in reminders if r.payload["offset"] == 60} == {event.starts_at - timedelta(hours=1)}

    await ambassador.send(f"/cancelevent {event_id}")
    await ambassador.press("Oui")
    assert (await load_event(db, event_id)).status == "cancelled"
    assert await deliveries(db, "reminder") == []
    notices = await deliveries(db, "notice")  # the change notices not sent yet are superseded
    assert {n.key for n in notices} == {f"notice:event:{event_id}:seq2:{going}", f"notice:event:{event_id}:seq2:{maybe}"}
    cancelled = next(n for n in notices if n.member_id == going)
    assert "abgesagt" in cancelled.payload["reply"]["title"]
    async with db.transaction() as session:
        rendered = await render_delivery(session, cancelled)  # a finished reply: rendered as planned
        assert rendered is not None and rendered.language == "de" and "abgesagt" in (rendered.title or "")


async def test_changing_offsets_replans(db: Database) -> None:
    event_id = await make_event(db, datetime(YEAR, 6, 10, 19, 0))
    await member_with(db, "m", language="en")
    person = Person(CommandService(db), user_id="m")
    await person.send(f"/rsvp {event_id} yes")
    member = (await deliveries(db, "reminder"))[0].member_id
    await person.send("/reminders 30m")
    assert [r.payload["offset"] for r in await deliveries(db, "reminder", member)] == [30]
    await person.send("/reminders off")
    assert await deliveries(db, "reminder", member) == []
    await person.send("/reminders 1x")
    assert "couldn't read" in person.text()
    await person.send("/reminders 1d 1h")
    assert len(await deliveries(db, "reminder", member)) == 2
    await person.send(f"/rsvp {event_id} no")
    assert await deliveries(db, "reminder", member) == []


# ---------------------------------------------------------------- sending


async def test_reminder_renders_at_send_time(db: Database) -> None:
    event_id = await make_event(db, datetime(YEAR, 6, 10, 19, 0),
                                texts={"fr": {"title": "Forum", "description": ""}, "ar": {"title": "منتدى", "description": ""}})
    member_id = await member_with(db, "m", language="fr", zone="Europe/Paris")
    async with db.transaction() as session:
        await answer(session, event_id, member_id, "yes")
    async with db.transaction() as session:
        member = await session.get(Member, member_id)
        assert member is not None
        member.language, member.timezone = "ar", "Asia/Dubai"  # changed after planning
    async with db.transaction() as session:
        row = await session.scalar(select(Delivery).where(Delivery.kind == "reminder").order_by(Delivery.due_at))
        assert row is not None
        reply = await render_delivery(session, row)
        assert reply is not None and reply.language == "ar" and reply.rtl and "منتدى" in reply.text
        with use_language("ar"):
            event = await session.get(Event, event_id)
            assert event is not None
            assert format_time(event.starts_at, "Asia/Dubai") in reply.text
        await answer(session, event_id, member_id, "no")
        assert await render_delivery(session, row) is None  # no longer going: skipped


async def test_two_answers_never_both_take_the_last_place(db: Database) -> None:
    """The event row is locked while an answer is counted: FOR UPDATE on PostgreSQL; on SQLite the read
    FOR UPDATE opens the transaction with the write lock (BEGIN IMMEDIATE), so the other answer waits."""
    import asyncio

    event_id = await make_event(db, datetime(YEAR, 6, 10, 19, 0), capacity=1)
    first, second = await member_with(db, "x"), await member_with(db, "y")

    async def answer_in_own_transaction(member_id: int) -> bool:
        async with db.transaction() as session:
            result = await answer(session, event_id, member_id, "yes")
            await asyncio.sleep(0.2)  # hold the lock while the other one tries
            return result.waitlisted

    waitlisted = await asyncio.gather(answer_in_own_transaction(first), answer_in_own_transaction(second))
    assert sorted(waitlisted) == [False, True]


async def test_edit_texts_in_another_language(db: Database) -> None:
    event_id = await make_event(db, datetime(YEAR, 6, 10, 19, 0))
    await member_with(db, "admin", language="en", role="administrator")
    admin = Person(CommandService(db), user_id="admin")
    await admin.send(f"/editevent {event_id} title-ar منتدى الخريجين")
    await admin.send(f"/editevent {event_id} description-ar لقاء سنوي")
    texts = (await load_event(db, event_id)).texts
    assert texts["ar"] == {"title": "منتدى الخريجين", "description": "لقاء سنوي"} and texts["fr"]["title"] == "Apéro des anciens"
    await admin.send(f"/editevent {event_id} description-de Jährlich")
    assert "needs a title" in admin.text()
    await admin.send(f"/editevent {event_id} colour blue")
    assert "I can change these" in admin.text()
    await admin.send(f"/editevent {event_id} capacity lots")
    assert "whole number" in admin.text()
    assert (await load_event(db, event_id)).sequence == 2


async def test_forget_gives_the_place_to_the_waiting_list(db: Database) -> None:
    event_id = await make_event(db, datetime(utcnow().year + 1, 6, 1, 18, 0), capacity=1)
    service = CommandService(db)
    first, second = Person(service, user_id="first"), Person(service, user_id="second")
    await first.send(f"/rsvp {event_id} yes")
    await second.send(f"/rsvp {event_id} yes")
    second_id = await member_id_of(db, "second")
    async with db.transaction() as session:
        assert (await session.get(Rsvp, (event_id, second_id))).waitlisted
    await first.send("/forget")
    await first.press_action("forget yes-")
    async with db.transaction() as session:
        assert not (await session.get(Rsvp, (event_id, second_id))).waitlisted
    assert [d.kind for d in await deliveries(db, "notice", second_id)] == ["notice"]


async def test_events_lists_the_country_events_of_a_joined_country_channel(db: Database) -> None:
    """A member living in France who joined the United Kingdom channel sees the UK's events in /events, as the
    channel itself shows them ("/events United Kingdom"), not "no upcoming event"."""
    await member_with(db, "amel", language="en", country="FR", zone="Europe/Paris")
    await make_event(db, datetime(2031, 3, 1, 18, 0), "Europe/London", country="GB", title="London picnic", language="en")
    amel = Person(CommandService(db), user_id="amel")
    await amel.send("/join gb")
    await amel.send("/events")
    assert "London picnic" in amel.text()


async def test_an_empty_events_list_points_to_other_channels_not_to_the_members_own_country(db: Database) -> None:
    await member_with(db, "lea", language="fr", country="FR", zone="Europe/Paris")
    lea = Person(CommandService(db), user_id="lea")
    await lea.send("/events")
    assert "/channels" in lea.text() and "/events France" not in lea.text(), lea.text()

"""Dates, times and numbers in the reader's language AS WRITTEN in their country of residence (issue 15).

An Arabic reader in Morocco reads "18:30", not "6:30 م"; a Spanish reader in Mexico reads "6:30 p.m.".
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from core.commands.parameters import Suggest
from core.commands.service import CommandService
from core.commands.suggestions import SuggestionQuery
from core.db.engine import Database
from core.db.models import Delivery, Rsvp
from core.db.types import utcnow
from core.events.reminders import render_reminder
from core.i18n.formatting import format_number, format_time
from core.i18n.region import format_locale, use_locale
from core.messages.types import Chat, ChatKind
from tests.chat import Person
from tests.cli_fixtures import cli, cli_environment  # noqa: F401 - fixtures
from tests.events_helpers import make_event, member_with


def test_the_locale_is_language_and_country_when_cldr_has_it() -> None:
    with use_locale("ar", "MA"):
        assert format_locale() == "ar_MA"
        assert format_time(datetime(2027, 3, 14, 18, 30, tzinfo=timezone.utc), "UTC") == "18:30"
    with use_locale("pt", "pt"):
        assert format_locale() == "pt_PT" and format_number(12345.5) == "12\u00a0345,5"
    with use_locale("fr", "ZZ"):  # no such country: the language alone
        assert format_locale() == "fr"
    with use_locale("de", None):
        assert format_locale() == "de"


async def test_an_arabic_reader_in_morocco_reads_a_24_hour_clock(db: Database) -> None:
    year = utcnow().year + 1
    event_id = await make_event(db, datetime(year, 3, 14, 18, 30), "Africa/Casablanca", country="MA")
    await member_with(db, "rabat", language="ar", country="MA", zone="Africa/Casablanca")
    await member_with(db, "cairo", language="ar", country="EG", zone="Africa/Casablanca")
    rabat = Person(CommandService(db), user_id="rabat", chat=Chat("dm-rabat", ChatKind.PRIVATE))
    await rabat.send(f"/event {event_id}")
    assert "18:30" in rabat.text() and "6:30" not in rabat.text(), rabat.text()
    cairo = Person(CommandService(db), user_id="cairo", chat=Chat("dm-cairo", ChatKind.PRIVATE))
    await cairo.send(f"/event {event_id}")
    assert "6:30" in cairo.text(), cairo.text()  # Egyptian usage keeps the 12-hour clock


async def test_a_reminder_is_written_for_the_recipients_country(db: Database) -> None:
    start = (utcnow() + timedelta(days=3)).replace(tzinfo=None, hour=18, minute=30, second=0, microsecond=0)
    event_id = await make_event(db, start, "America/Mexico_City", country="MX")
    member_id = await member_with(db, "cdmx", language="es", country="MX", zone="America/Mexico_City")
    async with db.transaction() as session:
        session.add(Rsvp(event_id=event_id, member_id=member_id, answer="yes"))
    async with db.transaction() as session:
        delivery = Delivery(payload={"render": "reminder", "event_id": event_id, "member_id": member_id, "offset": 60},
                            event_id=event_id, member_id=member_id)
        reply = await render_reminder(session, delivery)
    assert reply is not None and "6:30" in reply.text and "p.m." in reply.text, reply.text if reply else None


def test_the_command_line_writes_times_as_its_locale_country_does(cli, monkeypatch) -> None:  # noqa: F811
    """$LANG=en_GB.UTF-8: a scheduled announcement's time is British ("15:00"), not American ("3:00 PM")."""
    when = (datetime.now() + timedelta(days=3)).strftime("%Y-%m-%d 15:00")
    monkeypatch.setenv("LANG", "en_GB.UTF-8")
    code, out, err = cli("announce", "--channel", "tn", "--text-fr", "Plus tard", "--at", when, "--timezone", "Africa/Tunis")
    assert code == 0 and "15:00" in out and "PM" not in out, (out, err)


async def test_an_event_change_notice_is_written_for_each_readers_country(db: Database) -> None:
    year = utcnow().year + 1
    event_id = await make_event(db, datetime(year, 3, 14, 18, 30), "Africa/Casablanca", country="MA")
    readers = {"rabat": "MA", "cairo": "EG"}
    for user, country in readers.items():
        member_id = await member_with(db, user, language="ar", country=country, zone="Africa/Casablanca")
        async with db.transaction() as session:
            session.add(Rsvp(event_id=event_id, member_id=member_id, answer="yes"))
    await member_with(db, "admin", language="fr", zone="Africa/Casablanca", role="administrator")
    await Person(CommandService(db), user_id="admin").send(f"/editevent {event_id} place Rabat")
    async with db.transaction() as session:
        rows = {row.target: row.payload["reply"]["text"] for row in await session.scalars(
            select(Delivery).where(Delivery.key.like("notice:event:%")))}
    assert "18:30" in rows["rabat"] and "6:30" in rows["cairo"], rows


async def test_event_suggestions_and_the_home_are_written_for_the_members_country(db: Database) -> None:
    year = utcnow().year + 1
    await make_event(db, datetime(year, 3, 14, 18, 30), "Africa/Casablanca", country="MA")
    await member_with(db, "rabat", language="ar", country="MA", zone="Africa/Casablanca")
    service = CommandService(db)
    found = await service.suggest(SuggestionQuery(Suggest.EVENT, "", "ar", "console", "rabat"))
    assert found and "18:30" in found[0].label, found
    home = await service.home("console", "rabat")
    assert home.events and "18:30" in home.events[0].when, home.events


async def test_the_time_zone_confirmation_is_written_for_the_country_just_chosen(db: Database) -> None:
    """A reader who has just said they live in the United Kingdom reads the clock there as the British do
    ("21:29"), in the same answer, not as the language alone would write it ("9:29 PM")."""
    await member_with(db, "leeds", language="en")
    leeds = Person(CommandService(db), user_id="leeds", chat=Chat("dm-leeds", ChatKind.PRIVATE))
    await leeds.send("/country United Kingdom")
    assert "London" in leeds.text() and "AM" not in leeds.text() and "PM" not in leeds.text(), leeds.text()

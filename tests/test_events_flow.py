"""The done-means story through the real command layer: a French ambassador creates an event in
chat, an Arabic-speaking member in another zone sees it in Arabic at their own time, answers yes,
and their reminder rows are planned at the right instants."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from core.commands.service import CommandService
from core.messages.types import Chat, ChatKind
from core.db.engine import Database
from core.db.models import Event
from core.db.types import utcnow
from core.i18n import use_language
from core.i18n.formatting import format_datetime
from sqlalchemy import select
from tests.chat import Person
from tests.events_helpers import deliveries, member_id_of, member_with


def next_year() -> int:
    return utcnow().year + 1


async def test_french_ambassador_creates_and_arabic_member_answers(db: Database) -> None:
    await member_with(db, "amb", language="fr", country="FR", zone="Europe/Paris", role="ambassador", role_country="FR")
    year = next_year()
    ambassador = Person(CommandService(db), user_id="amb", chat=Chat("dm-amb", ChatKind.PRIVATE))
    await ambassador.send("/newevent")
    assert "titre" in ambassador.text().lower()
    await ambassador.send("Forum des anciens")
    await ambassador.send("Rencontre annuelle à Paris")
    await ambassador.press("Arabe")  # another language, named in French
    await ambassador.send("منتدى الخريجين")
    await ambassador.press("Passer")  # no Arabic description
    await ambassador.press("Continuer")
    # The process restarts mid-flow: the answers so far are in the database.
    ambassador = Person(CommandService(Database(db.url)), user_id="amb", chat=Chat("dm-amb", ChatKind.PRIVATE))
    await ambassador.send(f"14/03/{year} 32:00")  # not a time: re-asked, localized
    assert "heure" in ambassador.text().lower()
    await ambassador.send(f"14/03/{year} 18h30")
    await ambassador.press("2h")
    await ambassador.press("Paris")
    await ambassador.send("ftp://example.org")  # not http(s): refused
    assert "https://" in ambassador.text()
    await ambassador.send("Maison de l'Amérique latine, Paris")
    await ambassador.send("1")  # asked for a link: a stray answer must not replace the place
    assert "https://" in ambassador.text()
    await ambassador.press("Passer")
    await ambassador.press("France")
    await ambassador.send("40")
    assert "Forum des anciens" in ambassador.text() and "منتدى الخريجين" in ambassador.text()
    assert "Français\u00a0: " in ambassador.text() and "Arabe\u00a0: " in ambassador.text()  # French spacing
    await ambassador.press("Créer")
    assert "créé" in ambassador.text()

    async with db.transaction() as session:
        event = await session.scalar(select(Event))
        assert event is not None
        assert event.starts_local == datetime(year, 3, 14, 18, 30) and event.timezone == "Europe/Paris"
        assert event.starts_at == datetime(year, 3, 14, 17, 30, tzinfo=timezone.utc)  # CET, before the change
        assert event.country_code == "FR" and event.capacity == 40 and event.language == "fr"
        assert (event.place, event.online_url) == ("Maison de l'Amérique latine, Paris", "")
        event_id = event.id

    await member_with(db, "reader", language="ar", country="FR", zone="America/New_York")
    reader = Person(CommandService(db), user_id="reader", chat=Chat("dm-r", ChatKind.PRIVATE))
    await reader.send("/events")
    assert "منتدى الخريجين" in reader.text()
    await reader.send(f"/event {event_id}")
    details = reader.last[0].text
    with use_language("ar"):
        expected = format_datetime(datetime(year, 3, 14, 17, 30, tzinfo=timezone.utc), "America/New_York")
    assert expected.split("،")[0] in details or expected in details  # the reader's local date and time, Arabic locale
    assert reader.last[0].rtl and reader.last[0].language == "ar"
    await reader.press_action(f"rsvp {event_id} yes")
    reader_id = await member_id_of(db, "reader")
    rows = await deliveries(db, "reminder", reader_id)
    start = datetime(year, 3, 14, 17, 30, tzinfo=timezone.utc)
    assert [r.due_at for r in rows] == [start - timedelta(days=1), start - timedelta(hours=1)]
    assert all(r.expires_at == start for r in rows)
    assert all(r.payload["render"] == "reminder" for r in rows)


async def test_newevent_refused_to_members(db: Database) -> None:
    await member_with(db, "m", language="en", country="FR")
    person = Person(CommandService(db), user_id="m")
    await person.send("/newevent")
    assert "Only ambassadors and administrators" in person.text()


async def test_flow_reasks_each_bad_answer_and_can_be_abandoned(db: Database) -> None:
    await member_with(db, "admin", language="en", zone="Europe/Paris", role="administrator")
    person = Person(CommandService(db), user_id="admin")
    year = next_year()
    await person.send("/newevent")
    await person.send("   ")  # nothing: the question again
    await person.send("Webinar")
    await person.press("Skip")
    await person.press("Continue")
    await person.send("next tuesday")
    assert "couldn't read the date" in person.text() and "When does it start" in person.text()
    await person.send(f"{year}-06-10 18:00")
    await person.send(f"{year}-06-10 17:00")
    assert "end must come after the start" in person.text()
    await person.send("90m")
    await person.send("Atlantis/Lost")
    assert "not a time zone I know" in person.text()
    await person.send("New York")
    await person.send("https://example.org/webinar")
    await person.press("Skip")
    await person.send("Narnia")
    assert "no channel" in person.text()
    await person.press_action("newevent !channel health")
    await person.send("many")
    assert "whole number" in person.text()
    await person.send("0")
    assert "Shall I create it?" in person.text() and "New York" in person.text()
    await person.press("Cancel")  # answers were given: asked first
    await person.press_action("newevent !discard")
    assert "no event was created" in person.text()
    async with db.transaction() as session:
        assert await session.scalar(select(Event)) is None
    await person.send("Webinar")  # the flow is over: free text is not an answer any more
    assert "didn't understand" in person.text()

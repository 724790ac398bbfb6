"""``/timezone`` through the real command layer: any city, a UTC offset, zones ordered and named as people know them."""
from __future__ import annotations

from core.commands.service import CommandService
from core.db.engine import Database
from tests.chat import Person
from tests.events_helpers import member_with
from tests.test_commands_onboarding import member_of


async def test_any_city_sets_its_zone_and_the_confirmation_names_it(db: Database) -> None:
    await member_with(db, "1", language="en", country="FR")
    person = Person(CommandService(db))
    await person.send("/timezone Lyon")
    assert (await member_of(db)).timezone == "Europe/Paris"
    assert "Lyon" in person.text() and "Europe/" not in person.text()
    await person.send("/timezone europe/berlin")
    assert (await member_of(db)).timezone == "Europe/Berlin"
    assert "Berlin" in person.text() and "Europe/Berlin" not in person.text()


async def test_the_confirmation_names_the_city_in_the_readers_language(db: Database) -> None:
    await member_with(db, "1", language="fr", country="FR")
    person = Person(CommandService(db))
    await person.send("/timezone Africa/Cairo")
    assert "Le Caire" in person.text() and "Africa/" not in person.text()


async def test_a_utc_offset_is_a_fixed_zone_said_honestly(db: Database) -> None:
    await member_with(db, "1", language="en", country="FR")
    person = Person(CommandService(db))
    await person.send("/timezone UTC+1")
    assert (await member_of(db)).timezone == "Etc/GMT-1"  # POSIX names reverse the sign
    assert "+01:00" in person.text() and "daylight saving" in person.text()
    # No zone keeps UTC-03:30 all year (Newfoundland has it in winter only): refused, nothing changes.
    await person.send("/timezone UTC-03:30")
    assert (await member_of(db)).timezone == "Etc/GMT-1"
    assert "-03:30" in person.text() and "city" in person.text()
    await person.send("/timezone Etc/GMT-2")  # the zone's own name: said to be an offset too
    assert "+02:00" in person.text() and "daylight saving" in person.text() and "Etc/" not in person.text()


async def test_the_united_states_picker_starts_with_the_most_lived_in_zones(db: Database) -> None:
    await member_with(db, "1", language="en", country="US")
    person = Person(CommandService(db))
    await person.send("/timezone")
    labels = [b.label for b in person.buttons()]
    assert labels[:3] == ["New York", "Chicago", "Los Angeles"]
    await person.press("Chicago")
    assert (await member_of(db)).timezone == "America/Chicago"


async def test_spain_offers_madrid_first(db: Database) -> None:
    await member_with(db, "1", language="es", country="ES")
    person = Person(CommandService(db))
    await person.send("/timezone")
    assert [b.label for b in person.buttons()][0] == "Madrid"


async def test_namesakes_the_most_populous_wins_and_the_members_country_breaks_near_ties(db: Database) -> None:
    await member_with(db, "1", language="en", country="US")
    person = Person(CommandService(db))
    await person.send("/timezone Paris")  # Paris, France (2 million) over Paris, Texas (25,000)
    assert (await member_of(db)).timezone == "Europe/Paris"
    await member_with(db, "2", language="es", country="ES")
    spanish = Person(CommandService(db), user_id="2")
    await spanish.send("/timezone valència")  # Valencia, Spain over the larger Valencia, Venezuela
    assert (await member_of(db, "2")).timezone == "Europe/Madrid"
    await spanish.send("/timezone London, Canada")
    assert (await member_of(db, "2")).timezone == "America/Toronto"


async def test_an_unknown_place_is_refused_with_an_example_from_the_members_country(db: Database) -> None:
    await member_with(db, "1", language="en", country="TN", zone="Africa/Tunis")
    person = Person(CommandService(db))
    await person.send("/timezone Narnia")
    assert (await member_of(db)).timezone == "Africa/Tunis"
    assert "Narnia" in person.text() and "Tunis" in person.text() and "UTC+1" in person.text()

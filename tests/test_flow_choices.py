"""Numbered choices keep their numbers within a flow, and discarding written work asks first."""
from __future__ import annotations

from sqlalchemy import func, select

from bots.console import render
from core.commands.service import CommandService
from core.db.engine import Database
from core.db.models import Conversation
from core.i18n import SUPPORTED_LANGUAGES
from tests.announce_helpers import person
from tests.chat import Person
from tests.events_helpers import member_with


def number_of(someone: Person, action_prefix: str) -> int:
    """The number the console shows for the button running ``action_prefix``."""
    choices = render(someone.last).choices
    return next(i for i, b in enumerate(choices, 1) if b.action.startswith(action_prefix))


async def drafts(db: Database) -> int:
    async with db.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(Conversation)) or 0)


async def test_announce_choices_keep_their_numbers_and_cancel_asks_before_discarding(db: Database) -> None:
    async with db.transaction() as session:
        await person(session, "console", "amb", language="fr", role="ambassador", country="TN")
    amb = Person(CommandService(db), user_id="amb")
    await amb.send("/announce")
    await amb.send("Bonjour à tous")
    numbers = (number_of(amb, "announce !preview"), number_of(amb, "announce !cancel"), number_of(amb, "announce +ar"))
    await amb.press_action("announce +en")
    await amb.send("Hello everyone")
    assert (number_of(amb, "announce !preview"), number_of(amb, "announce !cancel"), number_of(amb, "announce +ar")) == numbers
    versions = [b for b in render(amb.last).choices if b.action.startswith("announce +")]
    assert [b.action for b in versions if b.selected] == ["announce +en"]  # English written (ticked)
    assert len(versions) == len(SUPPORTED_LANGUAGES) - 1  # French, the first, has no button

    await amb.press_action("announce !cancel")  # two texts written: asked first, nothing thrown away yet
    assert await drafts(db) == 1 and "Bonjour" not in amb.text()
    await amb.press_action("announce !keep")
    assert number_of(amb, "announce !preview") == numbers[0]
    await amb.press_action("announce !preview")
    await amb.press_action("announce !cancel")
    assert await drafts(db) == 1
    await amb.press_action("announce !discard")
    assert await drafts(db) == 0


async def test_newevent_choices_keep_their_numbers_and_cancel_asks_before_discarding(db: Database) -> None:
    await member_with(db, "admin", language="en", zone="Europe/Paris", role="administrator")
    admin = Person(CommandService(db), user_id="admin")
    await admin.send("/newevent")
    await admin.send("Webinar")
    await admin.press("Skip")
    continue_at = number_of(admin, "newevent !done")
    await admin.press("French")
    await admin.send("Webinaire")
    await admin.press("Skip")
    assert number_of(admin, "newevent !done") == continue_at
    await admin.press("Continue")
    await admin.send("2031-06-10 18:00")
    await admin.press("2h")
    await admin.send("Paris")
    await admin.send("https://example.org/w")
    await admin.press("Skip")
    await admin.press_action("newevent !channel health")
    await admin.send("0")
    assert "Shall I create it?" in admin.text()
    await admin.press("Cancel")
    assert "no event was created" not in admin.text() and await drafts(db) == 1
    await admin.press_action("newevent !keep")
    assert "Shall I create it?" in admin.text()
    await admin.press("Cancel")
    await admin.press_action("newevent !discard")
    assert "no event was created" in admin.text() and await drafts(db) == 0


async def test_a_created_event_is_pointed_to_by_its_channel_name_not_its_slug(db: Database) -> None:
    """"/events de" reads as a word in French and as nothing in German: the hint names the channel as /join does."""
    await member_with(db, "admin-de", language="de", zone="Europe/Berlin", role="administrator")
    admin = Person(CommandService(db), user_id="admin-de")
    await admin.send("/newevent")
    await admin.send("Webinar")
    await admin.press("Überspringen")
    await admin.press("Weiter")
    await admin.send("2031-06-10 18:00")
    await admin.press("2h")
    await admin.press("Berlin")
    await admin.send("https://example.org/w")
    await admin.press("Überspringen")
    await admin.press_action("newevent !channel health")
    await admin.send("0")
    await admin.press("Veranstaltung erstellen")
    assert "/events Gesundheit" in admin.text() and "/events health" not in admin.text(), admin.text()

"""One presentation per fact: an association's website and an event's online link are shown once."""
from __future__ import annotations

from datetime import datetime, timedelta

from bots.console import render
from core.app import App
from core.audit import Actor
from core.directory.importer import import_rows
from core.events.service import EventInput, create_event
from tests.chat import Person
from tests.events_helpers import member_with
from tests.reply_checks import repeated_urls

SITE = "https://alumni-madrid.example.org"
MEETING = "https://meet.example.org/apero"


async def test_an_association_card_shows_its_website_once(app: App) -> None:
    rows = [(2, {"name": "Réseau des anciens de Madrid", "country": "ES", "city": "Madrid", "website": SITE})]
    await import_rows(app.db, rows, strict=True, actor=Actor.command_line())
    ann = Person(app.commands, "ann", locale="fr")
    text = "\n".join(render(await ann.send("/associations Madrid")).lines)
    assert SITE in text and repeated_urls(text) == []


async def test_an_event_shows_its_online_link_once_in_the_list_and_in_the_details(app: App) -> None:
    await member_with(app.db, "ann", language="fr", country="FR")
    start = datetime.now().replace(microsecond=0) + timedelta(days=10)
    async with app.db.transaction() as session:
        event, _valid = await create_event(
            session,
            EventInput(texts={"fr": {"title": "Apéro", "description": ""}}, language="fr", starts_local=start,
                       ends_local=start + timedelta(hours=2), timezone="Europe/Paris", online_url=MEETING, country_code="FR"),
            Actor.command_line(),
        )
    ann = Person(app.commands, "ann", locale="fr")
    listed = "\n".join(render(await ann.send("/events")).lines)
    assert MEETING in listed and repeated_urls(listed) == []
    details = "\n".join(render(await ann.send(f"/event {event.id}")).lines)
    assert MEETING in details and repeated_urls(details) == []

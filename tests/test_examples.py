"""Examples speak to the member: their own country, the number they typed, names rather than slugs."""
from __future__ import annotations

from core.app import App
from tests.chat import Person
from tests.events_helpers import member_with


async def test_examples_use_the_members_country_the_number_typed_and_names_not_slugs(app: App) -> None:
    await member_with(app.db, "ana", language="fr", country="ES")
    ana = Person(app.commands, "ana", locale="fr")
    await ana.send("/channels")
    assert "/join Espagne" in ana.text() and "Tunisie" not in ana.text()
    await ana.send("/join")
    assert "/join Espagne" in ana.text() and "/join tn" not in ana.text()
    await ana.send("/rsvp 1")
    assert "/rsvp 1 " in ana.text() and "/rsvp 12" not in ana.text()
    await ana.send("/join Allemagne")
    assert "/leave Allemagne" in ana.text() and "/leave de " not in ana.text()

    await member_with(app.db, "nomad", language="fr")  # no country, no channel
    nomad = Person(app.commands, "nomad", locale="fr")
    await nomad.send("/events")
    assert "/events Tunisie" in nomad.text() and "/events tn" not in nomad.text()


async def test_announce_examples_name_a_channel_and_a_time_ahead(app: App) -> None:
    from datetime import datetime

    from core.db.types import utcnow

    await member_with(app.db, "boss", language="fr", country="ES", zone="Europe/Madrid", role="administrator")
    boss = Person(app.commands, "boss", locale="fr")
    await boss.send("/announce")
    assert "exemple Espagne" in boss.text() and "exemple tn" not in boss.text()
    await boss.send("Espagne")
    await boss.send("Bonjour")
    await boss.press_action("announce !preview")
    await boss.press_action("announce !schedule")
    example = boss.text().split("exemple ")[-1].rstrip(".").strip()
    assert datetime.strptime(example, "%Y-%m-%d %H:%M") > utcnow().replace(tzinfo=None)
    await boss.send("hier")
    assert example in boss.text()  # the error gives the same example, ahead too

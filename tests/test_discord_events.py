"""Events on Discord, through the real discord.py client, the fake Discord and the real core:
typed options (``/rsvp`` event + answer choice), autocomplete of upcoming events in the reader's
language and zone, event cards as embeds with the core's times, RSVP buttons that still work
after a restart, the .ics file as an attachment, ``/reminders``.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from core.app import App
from core.db.models import Event, Identity, Member, Rsvp
from core.events.render import when
from core.i18n import use_language
from tests.discord_fixtures import fake  # noqa: F401 - fixtures
from tests.events_helpers import make_event
from tests.fakes.discord_api import FakeDiscord
from tests.test_discord_conversation import bot, exchange, with_action

USER_ID = 515151515151515151
CALLBACK = r"^/interactions/\d+/[^/]+/callback$"


def soon(days: int) -> datetime:
    return (datetime.now() + timedelta(days=days)).replace(hour=18, minute=30, second=0, microsecond=0)


async def answer_of(app: App, event_id: int) -> str | None:
    async with app.db.transaction() as session:
        identity = await session.scalar(select(Identity).where(Identity.platform == "discord", Identity.user_id == str(USER_ID)))
        if identity is None:
            return None
        row = await session.get(Rsvp, (event_id, identity.member_id))
        return row.answer if row else None


async def test_events_rsvp_after_restart_ics_and_autocomplete(fake: FakeDiscord, app: App) -> None:
    picnic = await make_event(app.db, soon(3), "Africa/Tunis", country="TN", channel="tn",
                              texts={"fr": {"title": "Pique-nique @everyone", "description": "Au parc"},
                                     "en": {"title": "Picnic @everyone", "description": "In the park"}})
    forum = await make_event(app.db, soon(5), "Europe/Paris", country="FR", title="Forum des métiers")
    user = fake.user(USER_ID, "amel", "Amel")
    async with bot(fake, app):
        sync = fake.find("PUT", r"/applications/\d+/commands$")[0].json
        commands = {c["name"]: c for c in sync}
        answer = commands["rsvp"]["options"][1]
        assert [c["value"] for c in answer["choices"]] == ["yes", "maybe", "no"]
        assert answer["choices"][0]["name_localizations"]["fr"] != "Going"
        assert commands["rsvp"]["options"][0]["autocomplete"] is True
        assert commands["events"]["options"][0]["autocomplete"] is True
        assert commands["event"]["options"][0]["required"] is True

        await exchange(fake, lambda: fake.slash("language", {"language": "fr"}, user=user, locale="fr"))
        await exchange(fake, lambda: fake.slash("timezone", {"zone": "Africa/Tunis"}, user=user, locale="fr"))
        # autocomplete: the upcoming events, titles in French, times in the reader's zone
        calls = await exchange(fake, lambda: fake.autocomplete("rsvp", "event", "pique", user=user, locale="fr"))
        choices = calls[-1].json["data"]["choices"]
        assert [c["value"] for c in choices] == [str(picnic)]
        async with app.db.transaction() as session:
            event = await session.get(Event, picnic)
            with use_language("fr"):
                expected_when = when(event, "Africa/Tunis")
        assert choices[0]["name"].startswith(f"#{picnic} Pique-nique") and expected_when in choices[0]["name"]
        calls = await exchange(fake, lambda: fake.autocomplete("event", "event", "", user=user, locale="fr"))
        assert {c["value"] for c in calls[-1].json["data"]["choices"]} == {str(picnic), str(forum)}

        # /events tn: one embed per event, the core's time in the "Quand" field, RSVP buttons
        calls = await exchange(fake, lambda: fake.slash("events", {"channel": "tn"}, user=user, locale="fr"))
        embeds = [e for c in calls for e in c.data.get("embeds") or []]
        assert len(embeds) == 1 and f"(#{picnic})" in embeds[0]["title"]
        assert "@everyone" not in embeds[0]["title"]  # neutralized
        assert any(f["value"] == expected_when for f in embeds[0]["fields"])
        card_call, going_id = with_action(calls, f"rsvp {picnic} yes")

    async with bot(fake, app):  # a restart: the card's buttons still work
        calls = await exchange(fake, lambda: fake.press(fake.message_of(card_call), going_id, user=user, locale="fr"))
        assert await answer_of(app, picnic) == "yes"
        assert "Pique-nique" in calls[0].text()

        calls = await exchange(fake, lambda: fake.slash("rsvp", {"event": str(picnic), "answer": "maybe"}, user=user, locale="fr"))
        assert await answer_of(app, picnic) == "maybe"

        calls = await exchange(fake, lambda: fake.slash("event", {"event": str(picnic)}, user=user, locale="fr"))
        detail, ics_id = with_action(calls, f"event {picnic} ics")
        calls = await exchange(fake, lambda: fake.press(fake.message_of(detail), ics_id, user=user, locale="fr"))
        files = {name: content for c in calls for name, content in c.files.items()}
        assert len(files) == 1
        name, content = next(iter(files.items()))
        assert name.endswith(".ics") and b"BEGIN:VCALENDAR" in content and b"Pique-nique" in content

        calls = await exchange(fake, lambda: fake.slash("reminders", {"offsets": "2h"}, user=user, locale="fr"))
        calls = await exchange(fake, lambda: fake.autocomplete("reminders", "offsets", "1", user=user, locale="fr"))
        assert [c["value"] for c in calls[-1].json["data"]["choices"]] == ["1d 1h", "1d", "1h"]
        bad = await exchange(fake, lambda: fake.slash("rsvp", {"event": "999999", "answer": "yes"}, user=user, locale="fr"))
        assert "999999" in bad[0].text()
    async with app.db.transaction() as session:
        identity = await session.scalar(select(Identity).where(Identity.user_id == str(USER_ID)))
        member = await session.get(Member, identity.member_id)
        assert member.reminder_offsets == [120]

"""Events mirrored as Discord Guild Scheduled Events, through ``alumni run discord`` (the delivery
engine inside the bot), the fake Discord and the real core.

An admin binds #tunisia to the tn channel (the bot may manage events, so the binding asks for
mirrors); an event of tn is created -> one external scheduled event (place, UTC times, mention
made inert); edited -> the same one is changed; deleted by hand then edited -> made again;
cancelled -> deleted; over -> deleted by the window job. Events of another country never reach
this server.
"""
from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from bots.discord import runner
from core import bindings as core_bindings
from core.app import App
from core.audit import Actor
from core.config import Settings
from core.db.models import Channel, ChannelBinding, Delivery, Event
from core.db.types import utcnow
from core.events.mirror import plan_window
from core.events.service import cancel_event, input_of, update_event
from tests.discord_fixtures import fake  # noqa: F401 - fixtures
from tests.events_helpers import make_event
from tests.fakes.discord_api import MANAGE_ROLES, FakeDiscord

ADMIN = 11


async def until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def edit(app: App, event_id: int, **changes: object) -> None:
    async with app.db.transaction() as session:
        event = await session.get(Event, event_id)
        await update_event(session, event, replace(await input_of(session, event), **changes), Actor.command_line())


def later(days: int) -> datetime:
    return (datetime.now() + timedelta(days=days)).replace(hour=19, minute=0, second=0, microsecond=0)


async def test_events_of_a_bound_channel_are_mirrored_and_kept_in_sync(fake: FakeDiscord, app: App, database_url: str) -> None:
    settings = Settings(database_url=database_url, discord_bot_token=fake.token,
                        discord_api_base_url=fake.api_base_url, discord_gateway_url=fake.gateway_url)
    stop = asyncio.Event()
    running = asyncio.create_task(runner.run(settings, stop_event=stop))
    try:
        await asyncio.wait_for(fake.identified.wait(), 10)
        await asyncio.sleep(0.2)  # READY and GUILD_CREATE handled
        await fake.slash("bind", {"channel": "tn"}, user=fake.user(ADMIN, "admin", "Admin"), in_guild=True,
                         permissions=MANAGE_ROLES)
        await fake.wait_for("POST", r"^/interactions/\d+/[^/]+/callback$")
        async with app.db.transaction() as session:
            binding = await session.scalar(select(ChannelBinding).join(Channel).where(Channel.slug == "tn"))
            assert binding is not None and binding.data["mirror_to"] == f"events:{fake.guild_id}"
            # nothing is mirrored into a server still waiting for approval: the operator approves it
            await core_bindings.approve(session, Actor.command_line(), binding, await session.get(Channel, binding.channel_id))

        start = later(4)
        event_id = await make_event(app.db, start, "Africa/Tunis", country="TN", channel="tn", hours=3,
                                    title="Iftar @everyone des anciens")
        await make_event(app.db, later(5), "Europe/Paris", country="FR", title="Forum à Paris")  # not this server
        await until(lambda: len(fake.scheduled_events) == 1)
        (mirror,) = fake.scheduled_events.values()
        assert mirror["entity_type"] == 3 and mirror["privacy_level"] == 2
        assert mirror["entity_metadata"] == {"location": "Café de Flore"}
        assert "@everyone" not in mirror["name"] and "Iftar" in mirror["name"]
        begins = datetime.fromisoformat(mirror["scheduled_start_time"])
        assert begins.utcoffset() == timedelta(0)
        assert begins == start.replace(tzinfo=timezone(timedelta(hours=1))).astimezone(timezone.utc)  # Tunis: UTC+1
        assert datetime.fromisoformat(mirror["scheduled_end_time"]) - begins == timedelta(hours=3)
        first_id = mirror["id"]

        await edit(app, event_id, place="Dar Lasram, Tunis")
        await until(lambda: fake.scheduled_events[first_id]["entity_metadata"]["location"] == "Dar Lasram, Tunis")
        assert list(fake.scheduled_events) == [first_id]  # edited, not made twice

        fake.scheduled_events.clear()  # an admin deleted it by hand in Discord
        await edit(app, event_id, place="Sidi Bou Saïd")
        await until(lambda: len(fake.scheduled_events) == 1)
        (again,) = fake.scheduled_events.values()
        assert again["entity_metadata"]["location"] == "Sidi Bou Saïd" and again["id"] != first_id

        async with app.db.transaction() as session:
            await cancel_event(session, await session.get(Event, event_id), Actor.command_line())
        await until(lambda: not fake.scheduled_events)
        await until(lambda: bool(fake.find("DELETE", rf"/guilds/{fake.guild_id}/scheduled-events/{again['id']}$")))

        # the server took the bot's right away: that mirror fails (logged), nothing else stops
        fake.fail("POST", rf"/guilds/{fake.guild_id}/scheduled-events$", 403,
                  {"message": "Missing Permissions", "code": 50013})
        refused = await make_event(app.db, later(7), "Africa/Tunis", country="TN", channel="tn", title="Refusé")

        async def status_of(event_id: int) -> str | None:
            async with app.db.transaction() as session:
                return await session.scalar(select(Delivery.status).where(Delivery.kind == "mirror",
                                                                          Delivery.event_id == event_id))

        deadline = asyncio.get_running_loop().time() + 10
        while await status_of(refused) != "failed":
            assert asyncio.get_running_loop().time() < deadline
            await asyncio.sleep(0.05)
        assert not fake.scheduled_events

        # an event that is over loses its mirror at the next pass of the window job
        past_id = await make_event(app.db, later(6), "Africa/Tunis", country="TN", channel="tn", title="Randonnée")
        await until(lambda: len(fake.scheduled_events) == 1)
        # Discord answered; wait until the bot has also noted the mirror's id (it then marks the row sent)
        deadline = asyncio.get_running_loop().time() + 10
        while await status_of(past_id) != "sent":
            assert asyncio.get_running_loop().time() < deadline
            await asyncio.sleep(0.05)
        async with app.db.transaction() as session:
            past = await session.get(Event, past_id)
            past.starts_at, past.ends_at = utcnow() - timedelta(hours=3), utcnow() - timedelta(hours=1)
        await plan_window(app.db)
        await until(lambda: not fake.scheduled_events)
    finally:
        stop.set()
        assert await asyncio.wait_for(running, 30) == 0

    async with app.db.transaction() as session:
        binding = await session.scalar(select(ChannelBinding).join(Channel).where(Channel.slug == "tn"))
        assert binding.data.get("mirrored") == {}  # forgotten once deleted
        mirrors = list(await session.scalars(select(Delivery).where(Delivery.kind == "mirror")))
    assert {m.status for m in mirrors if m.event_id != refused} <= {"sent", "skipped"}
    assert {m.target for m in mirrors} == {f"events:{fake.guild_id}"}
    assert len(fake.find("POST", rf"/guilds/{fake.guild_id}/scheduled-events$")) == 4  # one refused


def test_an_online_event_without_end_becomes_a_valid_external_event() -> None:
    from core.messages.types import FileAttachment, Reply
    from core.events.ical import export_event

    from bots.discord.scheduled import mirror_of

    event = Event(uid="u1@alumni-bots", sequence=2, starts_local=datetime(2031, 7, 1, 20, 0), ends_local=None,
                  timezone="Europe/Paris", texts={"fr": {"title": "x" * 150}}, language="fr", place="",
                  online_url="https://meet.example/abc", status="scheduled", capacity=None, country_code="FR")
    reply = Reply(text="Bienvenue <@&1> @here", title="<@42> " + "x" * 150,
                  file=FileAttachment("event.ics", export_event(event), "text/calendar"))
    mirror = mirror_of(reply)
    assert mirror.uid == "u1@alumni-bots" and not mirror.cancelled
    fields = mirror.fields
    assert fields["entity_metadata"] == {"location": "https://meet.example/abc"}
    assert fields["scheduled_start_time"] == "2031-07-01T18:00:00+00:00"  # Paris summer time
    assert fields["scheduled_end_time"] == "2031-07-01T19:00:00+00:00"  # an hour when no end is known
    assert len(fields["name"]) <= 100 and "<@42>" not in fields["name"]
    assert "@here" not in fields["description"] and "<@&1>" not in fields["description"]
    assert "https://meet.example/abc" in fields["description"]

"""Pushes through the running Discord bot: ``alumni run discord`` starts the core's delivery engine
after READY, which sends what the core planned (here an announcement) through the bot's own
discord.py client: one DM per Discord member, one message per bound Discord channel, each once,
with every mention made inert and ``allowed_mentions`` empty; the engine stops before the client.
"""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from bots.discord import runner
from core.announcements.planning import create_announcement
from core.app import open_app
from core.audit import Actor
from core.config import Settings
from core.db.models import ChannelBinding, Delivery
from tests.announce_helpers import add_identity, channel, person
from tests.discord_fixtures import settings_for
from tests.fakes.discord_api import FakeDiscord

CHANNEL_MESSAGE = r"^/channels/\d+/messages$"
HOSTILE = "Picnic @everyone @here <@&123456789012345678> <@42> **now**"


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as server:
        try:
            yield server
        finally:
            runner.configure_endpoints(None, None)


async def test_an_announcement_reaches_each_discord_member_and_bound_channel_once(database_url: str, fake: FakeDiscord) -> None:
    app = await open_app(Settings(database_url=database_url), migrate=True)
    try:
        async with app.db.transaction() as session:
            await person(session, "discord", "1001", language="fr", channels=("tn",))
            await person(session, "discord", "1002", language="en", channels=("tn",))
            linked = await person(session, "telegram", "77", language="en", channels=("tn",))
            await add_identity(session, linked, "discord", "1003")  # heard once, on one platform
            await person(session, "discord", "1004", language="en", channels=("fr",))  # another channel
            tn = await channel(session, "tn")
            session.add(ChannelBinding(status="approved", channel_id=tn.id, platform="discord", chat_id=str(fake.text_channel_id),
                                       title="#tunisia", data={"guild_id": str(fake.guild_id)}))
            session.add(ChannelBinding(status="approved", channel_id=tn.id, platform="discord", chat_id="700000000000000099",
                                       title="#tunisia-2", data={"guild_id": str(fake.guild_id)}))
            await session.flush()
            await create_announcement(session, tn, {"en": HOSTILE, "fr": "Pique-nique @everyone dimanche"},
                                      sender_name="@here Ambassador", actor=Actor.command_line())
    finally:
        await app.close()
    # 1001, 1002, the linked member on its newest identity (Discord; not on Telegram too), two bound channels
    discord_rows = 5

    stop = asyncio.Event()
    running = asyncio.create_task(runner.run(settings_for(database_url, fake), stop_event=stop))
    try:
        await fake.wait_for("POST", CHANNEL_MESSAGE, count=discord_rows, timeout=15)
        await asyncio.sleep(0.5)  # nothing more comes
    finally:
        stop.set()
        assert await asyncio.wait_for(running, 30) == 0

    posts = fake.find("POST", CHANNEL_MESSAGE)
    targets = sorted(c.path.split("/")[2] for c in posts)
    dm = {str(user + 5) for user in (1001, 1002, 1003)}  # the fake's DM channel ids
    assert targets == sorted(dm | {str(fake.text_channel_id), "700000000000000099"}), targets
    for call in posts:
        assert call.json["allowed_mentions"] == {"parse": []}
        text = call.text()
        for raw in ("@everyone", "@here", "<@&", "<@42>"):
            assert raw not in text, text
    by_target = {c.path.split("/")[2]: c.text() for c in posts}
    assert "Pique-nique" in by_target[str(1006)] and "Picnic" in by_target[str(1007)]
    assert "@\u200beveryone" in by_target[str(1007)]

    check = await open_app(Settings(database_url=database_url))
    try:
        async with check.db.transaction() as session:
            rows = list(await session.scalars(select(Delivery)))
        assert {r.platform for r in rows} == {"discord"}  # nobody reached twice through Telegram
        assert len(rows) == len(posts) and {r.status for r in rows} == {"sent"}
    finally:
        await check.close()

"""``forget`` takes back every access the member was given, on every platform of every linked account.

The member's Discord account is linked to the account where they type ``forget`` (the console, or
Telegram). The Discord role of a bound channel they joined must be taken away: the core plans the
revocation in the outbox, and the running Discord bot (real discord.py, the fake Discord) removes
the role. Once done, no row of the outbox keeps the erased person's account id.
"""
from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select

from bots.discord import runner
from bots.slack.transport import SlackTransport
from bots.telegram.access import INVITE_LIFETIME
from bots.telegram.transport import TelegramTransport
from core.app import App
from core.access import forget_finished
from core.commands.service import CommandService
from core.db.engine import Database
from core.db.models import ChannelBinding, Delivery, Identity
from core.delivery.claim import FINAL
from core.delivery.engine import DeliveryEngine
from core.features import RENDERERS
from tests.announce_helpers import add_identity, channel, person
from tests.chat import Person
from tests.delivery_helpers import telegram_bot
from tests.discord_fixtures import settings_for
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.slack_api import BOT_TOKEN as SLACK_TOKEN
from tests.fakes.slack_api import FakeSlack
from tests.fakes.telegram_api import FakeBotAPI

# where the member types ``forget`` -> their linked Discord account
ORIGINS = {"console": 737373737373737373, "telegram": 747474747474747474}


def role_change(discord_user: int) -> str:
    return rf"/guilds/\d+/members/{discord_user}/roles/\d+$"


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as server:
        try:
            yield server
        finally:
            runner.configure_endpoints(None, None)


async def test_forget_elsewhere_takes_the_discord_role_back(database_url: str, fake: FakeDiscord, app: App) -> None:
    """Two members, one forgetting on the console and one on Telegram, each with a linked Discord
    account holding the role; one run of the Discord bot takes both roles back."""
    role_id = fake.add_role("Tunisia", position=2)
    async with app.db.transaction() as session:
        tn = await channel(session, "tn")
        session.add(ChannelBinding(channel_id=tn.id, platform="discord", chat_id=str(fake.text_channel_id),
                                   title="#tunisia", data={"guild_id": str(fake.guild_id), "role_id": str(role_id)}, status="approved"))
    for origin, discord_user in ORIGINS.items():
        fake.member_roles[discord_user] = {role_id}  # given when they joined tn from Discord
        async with app.db.transaction() as session:
            member = await person(session, origin, "42", language="en", channels=("tn",))
            await add_identity(session, member, "discord", str(discord_user))
        someone = Person(app.commands, user_id="42", platform=origin)
        await someone.send("/forget")
        await someone.press_action("forget yes-")
        async with app.db.transaction() as session:
            assert await session.scalar(select(func.count()).select_from(Identity)) == 0

    stop = asyncio.Event()
    running = asyncio.create_task(runner.run(settings_for(database_url, fake), stop_event=stop))
    try:
        for discord_user in ORIGINS.values():
            await fake.wait_for("DELETE", role_change(discord_user), timeout=15)
        for _ in range(200):  # the rows are marked (or already cleared away) right after the calls
            async with app.db.sessions() as session:
                unfinished = await session.scalar(select(func.count()).select_from(Delivery).where(
                    Delivery.kind == "access", Delivery.status.not_in(sorted(FINAL))))
            if not unfinished:
                break
            await asyncio.sleep(0.05)
    finally:
        stop.set()
        assert await asyncio.wait_for(running, 30) == 0
    for origin, discord_user in ORIGINS.items():
        assert fake.member_roles[discord_user] == set(), origin
    assert not fake.find("POST", r"^/channels/\d+/messages$")  # nothing is said to someone erased
    await forget_finished(app.db)
    async with app.db.sessions() as session:  # done: no row keeps an erased person's account id
        assert await session.scalar(select(func.count()).select_from(Delivery).where(
            Delivery.target.in_([str(user) for user in ORIGINS.values()]))) == 0


async def test_forget_on_the_console_takes_back_telegram_groups_and_slack_channels(db: Database) -> None:
    """The same through python-telegram-bot and slack_sdk against their fakes, from one delivery engine:
    out of the bound Telegram group (and of its invitations not used yet) and out of the Slack channel."""
    async with db.transaction() as session:
        member = await person(session, "console", "42", language="en", channels=("tn", "health"))
        await add_identity(session, member, "telegram", "5151")
        await add_identity(session, member, "slack", "U5151")
        tn, health = await channel(session, "tn"), await channel(session, "health")
        session.add_all([
            ChannelBinding(channel_id=tn.id, platform="telegram", chat_id="-100777", title="Tunisia", status="approved"),
            ChannelBinding(channel_id=health.id, platform="slack", chat_id="C0HEALTH", title="#health", status="approved"),
        ])
    someone = Person(CommandService(db), user_id="42", platform="console")
    await someone.send("/forget")
    await someone.press_action("forget yes-")

    async with FakeBotAPI() as telegram, FakeSlack() as slack:
        slack.channel("C0HEALTH")["members"].append("U5151")
        async with telegram_bot(telegram.base_url, telegram.token) as bot:
            transports = [TelegramTransport(bot), SlackTransport(SLACK_TOKEN, base_url=slack.base_url)]
            engine = DeliveryEngine(db, transports, poll_interval=0.05, jobs=[], renderers=RENDERERS)
            await engine.start()
            try:
                for _ in range(300):
                    async with db.sessions() as session:
                        statuses = list(await session.scalars(select(Delivery.status).where(Delivery.kind == "access")))
                    if len(statuses) == 2 and set(statuses) <= FINAL:
                        break
                    await asyncio.sleep(0.05)
            finally:
                await engine.stop()
                await transports[1].close()
        assert statuses == ["sent", "sent"]
        (ban,) = telegram.calls_to("banChatMember")
        assert (str(ban.params["chat_id"]), str(ban.params["user_id"])) == ("-100777", "5151")
        # out until every invite handed out before has expired (a day): an unused one cannot let them in
        assert int(ban.params["until_date"]) >= time.time() + INVITE_LIFETIME.total_seconds()
        assert not telegram.calls_to("unbanChatMember")
        assert slack.channels["C0HEALTH"]["members"] == []
        assert not telegram.calls_to("sendMessage") and not slack.calls_to("chat.postMessage")

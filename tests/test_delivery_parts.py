"""A push longer than one platform message goes out exactly once, part by part, on every platform.

The real DeliveryEngine sends one long push (a header, a hundred lines, forty cards: several
messages on each platform) through python-telegram-bot, discord.py and slack_sdk to our fake
servers. The fake breaks the second message -- a connection reset, or a request left hanging
while its process is abandoned and another process takes the row over after the lease -- and
the person still gets each message once, in order, with the header once: the retry resumes at
the part that failed (``deliveries.parts_sent``), it does not start the push again.
"""
from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import discord
import pytest
from alembic import command
from sqlalchemy import MetaData, Table, create_engine, insert, select, text
from telegram import Bot
from telegram.request import HTTPXRequest

from bots.discord import render as discord_render
from bots.discord import runner as discord_runner
from bots.discord.transport import DiscordTransport
from bots.slack import render as slack_render
from bots.slack.transport import SlackTransport
from bots.telegram import render as telegram_render
from bots.telegram.transport import TelegramTransport
from core.messages.types import Card, Reply
from core.db.engine import Database, sync_url
from core.db.migrate import alembic_config, upgrade
from core.db.models import Delivery
from core.db.types import utcnow
from core.delivery import claim
from core.delivery.engine import DeliveryEngine
from core.delivery.limits import Limits
from core.delivery.payload import reply_to_json
from core.delivery.transport import Transport
from tests.delivery_helpers import add_members, enqueue, row
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.server import LocalServer
from tests.fakes.slack_api import BOT_TOKEN, FakeSlack
from tests.fakes.telegram_api import FakeBotAPI

HEADER = "HEADLINE"
LONG = Reply(
    title=HEADER,
    text="\n".join(f"line {i:03d} " + "x" * 80 for i in range(100)),
    cards=[Card(f"card {i:02d}") for i in range(40)],
)


@dataclass
class Platform:
    fake: LocalServer
    transport: Transport
    messages_path: str  # the requests that send one message (what the fault hits)
    received: Callable[[], list[str]]  # the messages the platform accepted, in order
    parts: int  # how many messages LONG is on this platform


@asynccontextmanager
async def telegram() -> AsyncIterator[Platform]:
    async with FakeBotAPI() as fake:
        bot = Bot(fake.token, base_url=fake.base_url, request=HTTPXRequest(connection_pool_size=8))
        await bot.initialize()
        try:
            yield Platform(fake, TelegramTransport(bot), r"/sendMessage$",
                           lambda: [str(c.params.get("text")) for c in fake.messages()],
                           len(telegram_render.render(LONG)))
        finally:
            await bot.shutdown()


@asynccontextmanager
async def discord_() -> AsyncIterator[Platform]:
    async with FakeDiscord() as fake:
        discord_runner.configure_endpoints(fake.api_base_url, fake.gateway_url)
        client = discord.Client(intents=discord.Intents.none())
        await client.login(fake.token)
        try:
            yield Platform(fake, DiscordTransport(client), r"/channels/\d+/messages$",
                           lambda: [c.text() for c in fake.find("POST", r"^/channels/\d+/messages$")],
                           len(discord_render.render(LONG)))
        finally:
            await client.close()
            discord_runner.configure_endpoints(None, None)


@asynccontextmanager
async def slack() -> AsyncIterator[Platform]:
    async with FakeSlack() as fake:
        transport = SlackTransport(BOT_TOKEN, base_url=fake.base_url)
        try:
            # the blocks (what is shown), not the fallback text every message repeats for notifications
            yield Platform(fake, transport, r"/chat\.postMessage$",
                           lambda: [json.dumps(c.blocks) for c in fake.calls_to("chat.postMessage")
                                    if (c.result or {}).get("ok")],
                           len(slack_render.render(LONG)))
        finally:
            await transport.close()


PLATFORMS = {"telegram": telegram, "discord": discord_, "slack": slack}


@pytest.fixture(autouse=True)
def quick_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(claim, "BACKOFF_BASE", 0.05)


async def wait_until(condition: Callable[[], Any], what: str, timeout: float = 20.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await condition():
        assert asyncio.get_running_loop().time() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.02)


async def the_row(db: Database) -> Delivery:
    async with db.sessions() as session:
        return (await session.scalars(select(Delivery))).one()


async def push_long(db: Database, platform: str) -> None:
    [person] = await add_members(db, 1, platform=platform)
    await enqueue(db, [{**row(person, "long"), "payload": {"reply": reply_to_json(LONG)}}])


def engine(db: Database, transport: Transport, worker: str, lease: float = 30.0) -> DeliveryEngine:
    return DeliveryEngine(db, [transport], worker_id=worker, poll_interval=0.05, jobs=[],
                          limits=Limits(scale=50), lease=lease)


def assert_each_part_once_in_order(received: list[str], parts: int) -> None:
    everything = "\n".join(received)
    assert len(received) == parts, f"{len(received)} messages for {parts} parts"
    assert everything.count(HEADER) == 1, "the header came more than once"
    assert [int(n) for n in re.findall(r"line (\d{3})", everything)] == list(range(100))
    assert [int(n) for n in re.findall(r"card (\d{2})", everything)] == list(range(40))


@pytest.mark.parametrize("platform", list(PLATFORMS))
@pytest.mark.parametrize("fault", ["reset", "5xx", "429"])
async def test_a_transient_error_on_the_second_part_resumes_there(db: Database, platform: str, fault: str) -> None:
    await push_long(db, platform)
    async with PLATFORMS[platform]() as place:
        assert place.parts >= 2
        place.fake.fault(place.messages_path, fault, after=1)  # the second message of the push
        running = engine(db, place.transport, "only")
        await running.start()
        try:
            async def sent() -> bool:
                return (await the_row(db)).status == "sent"

            await wait_until(sent, f"the long push on {platform}")
        finally:
            await running.stop(timeout=5)
        assert place.fake.fault_hits == 1
        assert_each_part_once_in_order(place.received(), place.parts)
    done = await the_row(db)
    assert done.parts_sent == place.parts - 1  # recorded up to the last part but one
    assert done.attempts == (0 if fault == "429" else 1)  # a 429 is waited, not counted as a failure


@pytest.mark.parametrize("platform", list(PLATFORMS))
async def test_a_process_abandoned_after_the_first_part_is_resumed_at_the_second(db: Database, platform: str) -> None:
    """The first process dies with the second message on the wire (the platform never processed
    it); the next process claims the row when the lease ends and sends from the second part."""
    await push_long(db, platform)
    async with PLATFORMS[platform]() as place:
        place.fake.fault(place.messages_path, "hang", after=1)
        first = engine(db, place.transport, "first", lease=1.0)
        await first.start()

        async def on_the_wire() -> bool:
            return place.fake.fault_hits == 1

        await wait_until(on_the_wire, "the second part's request")
        assert len(place.received()) == 1
        await first.stop(timeout=0)  # gone: its send is cut off, its claim stays until the lease ends
        left = await the_row(db)
        assert left.status == "sending" and left.claimed_by == "first"

        second = engine(db, place.transport, "second", lease=1.0)
        await second.start()
        try:
            async def sent() -> bool:
                return (await the_row(db)).status == "sent"

            await wait_until(sent, f"the long push on {platform}, by the second process")
        finally:
            await second.stop(timeout=5)
        assert_each_part_once_in_order(place.received(), place.parts)
    done = await the_row(db)
    assert done.claimed_by == "second" and done.attempts == 0 and done.parts_sent == place.parts - 1


def test_rows_planned_before_the_upgrade_are_sent_from_their_first_part(database_url: str) -> None:
    """Migration 0004_parts: rows already in the outbox get ``parts_sent`` 0 (nothing recorded as out)."""
    command.upgrade(alembic_config(database_url), "0003")
    engine = create_engine(sync_url(database_url))
    try:
        with engine.begin() as connection:
            deliveries = Table("deliveries", MetaData(), autoload_with=connection)
            connection.execute(insert(deliveries).values(
                key="before:1", kind="notice", platform="telegram", target="1", to_chat=False,
                payload={"reply": {"text": "hello"}}, status="pending", due_at=utcnow(), attempts=0,
                created_at=utcnow()))
        assert upgrade(database_url) is True
        with engine.connect() as connection:
            assert connection.execute(text("SELECT key, parts_sent FROM deliveries")).all() == [("before:1", 0)]
    finally:
        engine.dispose()


async def test_parts_are_recorded_only_by_the_process_holding_the_row(db: Database) -> None:
    """A process whose lease ran out while it sent a long push learns it between two parts (0 rows
    recorded) and stops; the one that took the row over records, and a retry keeps the count."""
    await push_long(db, "telegram")
    now = utcnow()
    async with db.transaction() as session:
        [held] = await claim.claim(session, [claim.Scope("telegram")], "slow", limit=1, lease=5, now=now)
    async with db.transaction() as session:
        assert await claim.record_parts(session, held.id, "slow", 1, now + timedelta(seconds=5)) == 1
    later = now + timedelta(seconds=6)
    async with db.transaction() as session:
        [taken] = await claim.claim(session, [claim.Scope("telegram")], "next", limit=1, lease=5, now=later)
    assert taken.parts_sent == 1  # the next process starts at the second part
    async with db.transaction() as session:
        assert await claim.record_parts(session, held.id, "slow", 2, later) == 0
        assert await claim.record_parts(session, held.id, "next", 2, later) == 1
        await claim.mark_retry(session, taken, "next", "network: reset")
    again = await the_row(db)
    assert again.status == "pending" and again.parts_sent == 2 and again.attempts == 1

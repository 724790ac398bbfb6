"""Platform outages, for each platform: pushes wait, are retried with backoff, and all arrive once.

The real DeliveryEngine sends through each platform's real transport (python-telegram-bot,
slack_sdk's AsyncWebClient, discord.py) to our fake servers, which go through every kind of
outage in turn (``tests/fakes/server.py``: connection refused, a server that accepts but never
answers, 5xx HTML pages, invalid JSON, JSON of the wrong shape, an HTML page with 200). For each:
every row of the phase meets the outage at least once and is put back with a backoff (attempts
counted, nothing failed), and once the platform is back every message arrives exactly once.
Clients' timeouts are set short through their own options.
"""
from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import discord
import pytest
from sqlalchemy import select
from telegram import Bot
from telegram.request import HTTPXRequest

from bots.discord import runner as discord_runner
from bots.discord.transport import DiscordTransport
from bots.slack.transport import SlackTransport
from bots.telegram.transport import TelegramTransport
from core.db.engine import Database
from core.db.models import Base, Delivery
from core.delivery import claim
from core.delivery.engine import DeliveryEngine
from core.delivery.limits import Limits
from core.delivery.transport import Transport
from tests.delivery_helpers import add_members, enqueue, row
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.server import OUTAGES, LocalServer
from tests.fakes.slack_api import BOT_TOKEN, FakeSlack
from tests.fakes.telegram_api import FakeBotAPI

PER_PHASE = 4  # pushes planned while each outage lasts
TIMEOUT = 0.5  # the clients' request timeouts in these tests (their defaults: 5 s to 5 min)
FAULTS_SURVIVED: dict[str, dict[str, int]] = {}  # platform -> outage -> requests that met it (for the report)


@pytest.fixture(autouse=True)
def quick_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retries come after tens of milliseconds instead of seconds (same jittered exponential)."""
    monkeypatch.setattr(claim, "BACKOFF_BASE", 0.05)


@asynccontextmanager
async def telegram() -> AsyncIterator[tuple[LocalServer, Transport, Callable[[], list[str]]]]:
    async with FakeBotAPI() as fake:
        request = HTTPXRequest(connection_pool_size=16, connect_timeout=TIMEOUT, read_timeout=TIMEOUT,
                               write_timeout=TIMEOUT, pool_timeout=TIMEOUT)
        bot = Bot(fake.token, base_url=fake.base_url, request=request)
        await bot.initialize()
        try:
            yield fake, TelegramTransport(bot), lambda: [str(c.params.get("text")) for c in fake.messages()]
        finally:
            await bot.shutdown()


@asynccontextmanager
async def slack() -> AsyncIterator[tuple[LocalServer, Transport, Callable[[], list[str]]]]:
    async with FakeSlack() as fake:
        transport = SlackTransport(BOT_TOKEN, base_url=fake.base_url, timeout=1)
        try:
            yield fake, transport, lambda: [str(c.params.get("text")) for c in fake.calls_to("chat.postMessage")
                                            if (c.result or {}).get("ok")]
        finally:
            await transport.close()


@asynccontextmanager
async def discord_() -> AsyncIterator[tuple[LocalServer, Transport, Callable[[], list[str]]]]:
    async with FakeDiscord() as fake:
        discord_runner.configure_endpoints(fake.api_base_url, fake.gateway_url)
        client = discord.Client(intents=discord.Intents.none())
        await client.login(fake.token)
        try:
            yield fake, DiscordTransport(client, timeout=TIMEOUT), lambda: [
                c.text() for c in fake.find("POST", r"^/channels/\d+/messages$")]
        finally:
            await client.close()
            discord_runner.configure_endpoints(None, None)


PLATFORMS = {"telegram": telegram, "slack": slack, "discord": discord_}


def label(outage: str) -> str:
    """The outage's name as a word no platform's markup escapes."""
    return outage.replace("_", "")


async def wait_until(condition: Callable[[], Any], timeout: float = 15.0, what: str = "") -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


async def rows_of(db: Database, prefix: str) -> list[Delivery]:
    async with db.sessions() as session:
        return list((await session.scalars(select(Delivery).where(Delivery.key.like(f"test:{prefix}%")))).all())


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    """One SQLite database: the outage is the platform's (PostgreSQL's own faults: test_faults_database)."""
    database = Database(f"sqlite:///{tmp_path / 'outages.db'}")
    async with database.engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    try:
        yield database
    finally:
        await database.dispose()


@pytest.mark.parametrize("platform", list(PLATFORMS))
async def test_every_outage_delays_pushes_and_loses_or_doubles_none(db: Database, platform: str) -> None:
    people = await add_members(db, PER_PHASE, platform=platform)
    async with PLATFORMS[platform]() as (fake, transport, received):
        # the platforms' per-chat pace (1 message/s on Telegram) counts every attempt: sped up here
        engine = DeliveryEngine(db, [transport], poll_interval=0.05, jobs=[], limits=Limits(scale=50))
        await engine.start()
        survived: dict[str, int] = {}
        try:
            for outage in OUTAGES:
                await fake.outage(outage)
                hits = fake.outage_hits
                prefix = f"{label(outage)}-"
                await enqueue(db, [row(person, f"{prefix}{n}") for n, person in enumerate(people)])
                engine.wakeup()

                async def all_retried() -> bool:
                    rows = await rows_of(db, prefix)
                    return len(rows) == PER_PHASE and all((r.attempts or 0) >= 2 for r in rows)

                # every row met the outage at least twice: retried with backoff, not given up
                await wait_until(all_retried, what=f"{platform} rows retried during {outage}")
                during = await rows_of(db, prefix)
                assert {r.status for r in during} <= {"pending", "sending"}, (outage, [r.last_error for r in during])
                assert not any(prefix in text for text in received()), outage
                survived[outage] = fake.outage_hits - hits
                await fake.restore()

                async def all_sent() -> bool:
                    return {r.status for r in await rows_of(db, prefix)} == {"sent"}

                await wait_until(all_sent, what=f"{platform} rows sent after {outage}")
        finally:
            await engine.stop(timeout=5)
        texts = received()
        for outage in OUTAGES:
            for n in range(PER_PHASE):
                token = f"{label(outage)}-{n}"
                found = [t for t in texts if re.search(rf"\b{re.escape(token)}\b", t)]
                assert len(found) == 1, (platform, token, found, " ".join(texts))
        assert len(texts) == PER_PHASE * len(OUTAGES)
    # connection refused never reaches the server: count the rows' attempts instead
    survived["refused"] = sum((r.attempts or 0) for r in await rows_of(db, "refused-"))
    FAULTS_SURVIVED[platform] = survived
    print(f"\nfaults survived on {platform}: {survived}")

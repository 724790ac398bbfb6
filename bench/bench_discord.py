"""Discord round trip: a slash command pushed on the (fake) gateway until its interaction callback
arrives, through the real discord.py client, the real core on SQLite with the sample directory, and
the fake Discord of the tests on 127.0.0.1. Prints p50/p99; also the time to render one reply.

Run from the repository root: ``python -m bench.bench_discord``.
"""
from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from bench.stats import percentile
from bots.discord import runner
from bots.discord.client import AlumniBot
from bots.discord.render import render
from core.app import open_app
from core.audit import Actor
from core.messages.types import Card, Field, Reply
from core.config import Settings
from core.directory.importer import import_file
from tests.fakes.discord_api import FakeDiscord

SAMPLE = Path(__file__).resolve().parents[1] / "core" / "directory" / "data" / "sample_directory.csv"
SCRIPT = [("help", {}), ("channels", {}), ("associations", {"query": "Allemagne"}), ("join", {"channel": "tn"}),
          ("leave", {"channel": "tn"}), ("country", {"country": "Tunisie"}), ("associations", {})]
ROUNDS = 30
CALLBACK = r"^/interactions/\d+/[^/]+/callback$"


async def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        app = await open_app(Settings(database_url=f"sqlite:///{folder}/bench.db"))
        await import_file(app.db, SAMPLE, actor=Actor.command_line())
        async with FakeDiscord() as fake:
            runner.configure_endpoints(fake.api_base_url, fake.gateway_url)
            client = AlumniBot(app.commands, guild_ready_timeout=0.05)
            connection = await runner.start(client, fake.token)
            await runner.wait_ready(client, connection, timeout=10)
            timings: list[float] = []
            count = 0
            for round_number in range(ROUNDS + 1):
                for name, options in SCRIPT:
                    started = time.perf_counter()
                    await fake.slash(name, options)
                    count += 1
                    await fake.wait_for("POST", CALLBACK, count, timeout=10)
                    if round_number:  # the first round warms up
                        timings.append((time.perf_counter() - started) * 1000)
            await client.close()
            connection.cancel()
        await app.close()
    print(f"discord slash round trip: {len(timings)} commands  p50 {statistics.median(timings):.2f} ms  "
          f"p99 {percentile(timings, 0.99):.2f} ms  max {max(timings):.2f} ms")
    reply = Reply(text="5 associations", cards=[Card(f"Association {i}", "Tunis, Tunisie",
                                                     (Field("Languages", "français, arabe"),), "x" * 300,
                                                     "https://example.org") for i in range(5)])
    started = time.perf_counter()
    for _ in range(1000):
        render(reply)
    print(f"render of a 5-card reply: {(time.perf_counter() - started):.3f} ms per reply")
    await events_and_pushes()


async def events_and_pushes(events: int = 1000, members: int = 300) -> None:
    """Event autocomplete over many upcoming events; an announcement to many Discord members through
    ``alumni run discord`` (its delivery engine, paced at Discord's 50 requests/s)."""
    from datetime import datetime, timedelta

    from sqlalchemy import select

    from core.announcements.planning import create_announcement
    from core.db.models import Channel, Delivery
    from core.events.service import EventInput, create_event
    from tests.announce_helpers import person

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/bench-events.db"
        app = await open_app(Settings(database_url=url))
        first = datetime.now().replace(microsecond=0) + timedelta(days=1)
        async with app.db.transaction() as session:
            for index in range(events):
                await create_event(session, EventInput(
                    texts={"fr": {"title": f"Rencontre {index}", "description": ""}}, language="fr",
                    starts_local=first + timedelta(hours=index), timezone="Africa/Tunis", place="Tunis",
                    country_code="TN"), Actor.command_line())
            for index in range(members):
                await person(session, "discord", str(10_000 + index), language="fr", channels=("tn",))
        async with FakeDiscord() as fake:
            runner.configure_endpoints(fake.api_base_url, fake.gateway_url)
            stop = asyncio.Event()
            settings = Settings(database_url=url, discord_bot_token=fake.token,
                                discord_api_base_url=fake.api_base_url, discord_gateway_url=fake.gateway_url)
            running = asyncio.create_task(runner.run(settings, stop_event=stop))
            await asyncio.wait_for(fake.identified.wait(), 10)
            await asyncio.sleep(0.3)
            timings = []
            for round_number in range(41):
                started = time.perf_counter()
                await fake.autocomplete("rsvp", "event", "rencontre 9" if round_number % 2 else "", user=fake.user(10_000))
                await fake.wait_for("POST", CALLBACK, round_number + 1, timeout=10)
                if round_number:
                    timings.append((time.perf_counter() - started) * 1000)
            async with app.db.transaction() as session:
                tn = await session.scalar(select(Channel).where(Channel.slug == "tn"))
                started = time.perf_counter()
                await create_announcement(session, tn, {"fr": "Pique-nique dimanche"}, actor=Actor.command_line())
            await fake.wait_for("POST", r"^/channels/\d+/messages$", members, timeout=120)
            elapsed = time.perf_counter() - started
            stop.set()
            await running
            async with app.db.transaction() as session:
                sent = len(list(await session.scalars(select(Delivery).where(Delivery.status == "sent"))))
        await app.close()
    print(f"discord event autocomplete ({events} upcoming events): p50 {statistics.median(timings):.2f} ms  "
          f"p99 {percentile(timings, 0.99):.2f} ms")
    print(f"discord announcement through alumni run discord: {members} members in {elapsed:.2f} s "
          f"({members / elapsed:.0f} pushes/s, {2 * members / elapsed:.0f} requests/s: a first push opens the DM; "
          f"Discord allows 50 requests/s), {sent} rows sent")


if __name__ == "__main__":
    asyncio.run(main())

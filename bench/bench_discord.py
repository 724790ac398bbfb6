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

from bots.discord import runner
from bots.discord.client import AlumniBot
from bots.discord.render import render
from core.app import open_app
from core.commands.types import Card, Field, Reply
from core.config import Settings
from core.directory.importer import import_file
from tests.fakes.discord_api import FakeDiscord

SAMPLE = Path(__file__).resolve().parents[1] / "core" / "directory" / "data" / "sample_directory.csv"
SCRIPT = [("help", {}), ("channels", {}), ("associations", {"query": "Allemagne"}), ("join", {"channel": "tn"}),
          ("leave", {"channel": "tn"}), ("country", {"country": "Tunisie"}), ("associations", {})]
ROUNDS = 30
CALLBACK = r"^/interactions/\d+/[^/]+/callback$"


def percentile(values: list[float], share: float) -> float:
    values = sorted(values)
    return values[max(0, int(len(values) * share) - 1)]


async def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        app = await open_app(Settings(database_url=f"sqlite:///{folder}/bench.db"))
        await import_file(app.db, SAMPLE)
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


if __name__ == "__main__":
    asyncio.run(main())

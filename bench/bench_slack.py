"""Slack round trip over HTTP: signed slash command -> bolt -> core -> Block Kit -> response_url.

Runs the real bolt AsyncApp against the tests' fake Slack Web API on 127.0.0.1, SQLite and the
sample directory, and prints the acknowledgement time (Slack allows 3 s) and the time until the
answer arrived, p50/p99. Run from the repository root: ``python -m bench.bench_slack``.
"""
from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

from bench.stats import percentile
from bots.slack import runner
from bots.slack.transport import SlackTransport
from core.audit import Actor
from core.messages.types import Card, Reply
from core.messages.types import Field as CardField
from core.delivery.transport import Target
from core.app import open_app
from core.config import Settings
from core.directory.importer import import_file
from tests.fakes.slack_api import BOT_TOKEN, SIGNING_SECRET, FakeSlack, SlackSender

SAMPLE = Path(__file__).resolve().parents[1] / "core" / "directory" / "data" / "sample_directory.csv"
SCRIPT = ["help", "channels", "associations Allemagne", "join tn", "leave tn", "country Tunisie",
          "associations", "language fr", "timezone Le Caire", "jion tn"]
ROUNDS = 30


async def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(database_url=f"sqlite:///{folder}/bench.db", slack_bot_token=BOT_TOKEN,
                            slack_signing_secret=SIGNING_SECRET)
        app = await open_app(settings)
        await import_file(app.db, SAMPLE, actor=Actor.command_line())
        async with FakeSlack() as slack:
            slack.user("U1001", locale="fr-FR", tz="Europe/Paris")
            settings = replace(settings, slack_api_url=slack.base_url)
            running = await runner.start(settings, app.commands, SimpleNamespace(port=0, listen="127.0.0.1"))
            sender = SlackSender(f"http://127.0.0.1:{running.port}{runner.EVENTS_PATH}", slack)
            acks: list[float] = []
            answers: list[float] = []
            try:
                for round_ in range(ROUNDS + 1):
                    for line in SCRIPT:
                        before = len(slack.calls_to("respond"))
                        started = time.perf_counter()
                        response = await sender.command(line)
                        acked = time.perf_counter()
                        await slack.wait_for(lambda: len(slack.calls_to("respond")) > before)
                        answered = time.perf_counter()
                        assert response.status == 200
                        if round_:  # round 0 warms up (index, catalogs, profile cache)
                            acks.append((acked - started) * 1000)
                            answers.append((answered - started) * 1000)
            finally:
                await runner.stop(running)
        await app.close()
    sends = await transport_rate()
    print(f"slack slash command over HTTP: {len(acks)} commands  "
          f"ack p50 {statistics.median(acks):.1f} ms p99 {percentile(acks, 0.99):.1f} ms (Slack allows 3000 ms)  "
          f"first answer p50 {statistics.median(answers):.1f} ms p99 {percentile(answers, 0.99):.1f} ms")
    print(f"SlackTransport: {sends:.0f} pushes/s to the local fake (render + chat.postMessage; Slack itself "
          f"allows about 1 message/s per channel, the engine paces)")


async def transport_rate(count: int = 500) -> float:
    """Pushes per second through SlackTransport (one kept-alive session), half to DMs, half to channels."""
    reply = Reply(text="Picnic on Sunday", title="News", cards=[Card("Club", fields=(CardField("City", "Tunis"),))])
    async with FakeSlack() as slack:
        transport = SlackTransport(BOT_TOKEN, base_url=slack.base_url)
        try:
            started = time.perf_counter()
            for index in range(count):
                target = Target("slack", f"U{index % 50}") if index % 2 else Target("slack", "C0TN", to_chat=True)
                await transport.send(target, reply)
            return count / (time.perf_counter() - started)
        finally:
            await transport.close()


if __name__ == "__main__":
    asyncio.run(main())

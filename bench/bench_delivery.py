"""Delivery benchmarks: the real engine and python-telegram-bot client against a local fake Bot API
that keeps Telegram's limits (30 messages/s overall, 1/s per chat, 20/min per group) and answers
429 when they are exceeded. The fake runs in its own process, so it does not eat the client's CPU.

``throughput`` (default): 10,000 messages to 10,000 people; prints the achieved rate over the
allowed rate (target >= 95%), and how many were lost or sent twice (target 0 and 0).
``reminders``: reminders falling due over ~20 s; prints lateness (sent_at - due_at) p50/p99
(target p99 <= 1 s).

``--scale K`` multiplies the fake's limits and ours alike, for a quick run (K=10: 300/s).
Run: ``python -m bench.bench_delivery [--mode throughput|reminders] [--count N] [--scale K]``.
At scale 1, 10,000 messages take about 5.5 minutes (that is the point: 30 a second).
"""
from __future__ import annotations

import argparse
import asyncio
import collections
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import func, insert, select
from telegram import Bot
from telegram.request import HTTPXRequest

from bench.stats import percentile
from bots.telegram.transport import TelegramTransport
from core.messages.types import Reply
from core.db.engine import Database
from core.db.models import Base, Delivery, Identity, Member
from core.db.types import utcnow
from core.delivery.engine import DeliveryEngine
from core.delivery.limits import PUBLISHED, Limits
from core.delivery.outbox import enqueue_many
from core.delivery.payload import reply_to_json
from core.delivery.renderers import Renderer, Renderers
from core.i18n import _, current_language

ROOT = Path(__file__).resolve().parents[1]
FIRST_USER = 10_000_000
LANGUAGES = ("en", "fr", "ar", "es", "pt", "de")


async def _reminder(session: Any, delivery: Delivery) -> Reply:
    """Built at send time in the reader's language, as the events feature does."""
    return Reply(text=f"{_('Reminder')} #{delivery.id}", language=current_language())


RENDERERS = Renderers([Renderer("bench.reminder", _reminder)])


async def start_fake(scale: float) -> tuple[asyncio.subprocess.Process, str, str, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.fakes.telegram_api", str(scale), cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    port, stats_port, token = (await process.stdout.readline()).decode().split()
    return process, f"http://127.0.0.1:{port}/bot", f"http://127.0.0.1:{stats_port}/_stats", token


async def fake_stats(url: str) -> dict[str, Any]:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return await response.json()


async def prepare(db: Database, count: int, rows: Any) -> None:
    """``count`` members with a Telegram identity each, then one outbox row each."""
    async with db.engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    rng = random.Random(5)
    async with db.transaction() as session:
        now = utcnow()
        await session.execute(insert(Member), [
            {"id": i + 1, "language": rng.choice(LANGUAGES), "created_at": now, "updated_at": now}
            for i in range(count)
        ])
        await session.execute(insert(Identity), [
            {"member_id": i + 1, "platform": "telegram", "user_id": str(FIRST_USER + i), "created_at": now}
            for i in range(count)
        ])
        await enqueue_many(session, rows(count))


async def deliver(db: Database, api_url: str, token: str, scale: float, count: int) -> dict[str, Any]:
    bot = Bot(token, base_url=api_url, request=HTTPXRequest(connection_pool_size=16))
    await bot.initialize()
    engine = DeliveryEngine(db, [TelegramTransport(bot)], limits=Limits(scale=scale), renderers=RENDERERS)
    started = time.monotonic()
    await engine.start()
    try:
        while True:
            await asyncio.sleep(0.25)
            async with db.sessions() as session:
                left = await session.scalar(select(func.count()).select_from(Delivery)
                                            .where(Delivery.status.in_(("pending", "sending"))))
            if not left:
                break
    finally:
        await engine.stop()
        await bot.shutdown()
    return {"elapsed": time.monotonic() - started, "stats": dict(engine.dispatcher.stats)}


async def throughput(count: int, scale: float) -> None:
    allowed = PUBLISHED["telegram"].per_second * scale  # type: ignore[operator]
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite:///{Path(tmp) / 'bench.db'}")
        text = lambda i: f"Announcement to {FIRST_USER + i}"  # noqa: E731

        def rows(n: int) -> Any:
            for i in range(n):
                yield {"key": f"bench:{i}", "kind": "announcement", "platform": "telegram",
                       "target": str(FIRST_USER + i), "member_id": i + 1,
                       "payload": {"reply": reply_to_json(Reply(text=text(i)))}}

        await prepare(db, count, rows)
        process, api_url, stats_url, token = await start_fake(scale)
        try:
            print(f"delivering {count:,} messages at {allowed:g}/s allowed (scale {scale:g}) ...", flush=True)
            result = await deliver(db, api_url, token, scale, count)
            stats = await fake_stats(stats_url)
        finally:
            process.terminate()
            await process.wait()
        async with db.sessions() as session:
            states = dict((await session.execute(select(Delivery.status, func.count()).group_by(Delivery.status))).all())
        await db.dispose()
    received = collections.Counter(stats["texts"])
    expected = {text(i) for i in range(count)}
    lost = len(expected - set(received))
    duplicated = sum(n - 1 for n in received.values() if n > 1)
    span = (stats["last"] - stats["first"]) if stats["accepted"] > 1 else float("nan")
    achieved = (stats["accepted"] - 1) / span
    print(f"accepted by the fake: {stats['accepted']:,}; answered 429: {stats['too_many']}")
    print(f"rows: {states}; engine: {result['stats']}")
    print(f"elapsed {result['elapsed']:.1f} s (first to last message {span:.1f} s)")
    print(f"achieved {achieved:.2f} msg/s / allowed {allowed:g} msg/s = {achieved / allowed:.1%} (target >= 95%)")
    print(f"lost = {lost}, duplicated = {duplicated} (target 0 and 0)")


async def reminders(count: int, scale: float, spread: float) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite:///{Path(tmp) / 'bench.db'}")
        rng = random.Random(9)
        start = utcnow() + timedelta(seconds=3)

        def rows(n: int) -> Any:
            for i in range(n):
                due = start + timedelta(seconds=rng.uniform(0, spread))
                yield {"key": f"reminder:{i}", "kind": "reminder", "platform": "telegram",
                       "target": str(FIRST_USER + i), "member_id": i + 1, "due_at": due,
                       "expires_at": due + timedelta(hours=1), "payload": {"render": "bench.reminder"}}

        await prepare(db, count, rows)
        process, api_url, stats_url, token = await start_fake(scale)
        try:
            print(f"{count:,} reminders due over {spread:g} s ({count / spread:.0f}/s on average, "
                  f"{PUBLISHED['telegram'].per_second * scale:g}/s allowed) ...", flush=True)
            await deliver(db, api_url, token, scale, count)
            stats = await fake_stats(stats_url)
        finally:
            process.terminate()
            await process.wait()
        async with db.sessions() as session:
            pairs = (await session.execute(select(Delivery.due_at, Delivery.sent_at)
                                           .where(Delivery.status == "sent"))).all()
        await db.dispose()
    late = [(sent - due).total_seconds() for due, sent in pairs]
    print(f"sent {len(late):,}/{count:,} (fake accepted {stats['accepted']:,}, 429: {stats['too_many']})")
    print(f"lateness (sent_at - due_at): p50 {percentile(late, 0.5) * 1000:.0f} ms, "
          f"p99 {percentile(late, 0.99) * 1000:.0f} ms, max {max(late) * 1000:.0f} ms, "
          f"mean {statistics.fmean(late) * 1000:.0f} ms (target p99 <= 1000 ms)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mode", choices=("throughput", "reminders"), default="throughput")
    parser.add_argument("--count", type=int, help="messages (default 10,000) or reminders (default 500)")
    parser.add_argument("--scale", type=float, default=1.0, help="multiply the fake's limits and ours (default 1)")
    parser.add_argument("--spread", type=float, default=20.0, help="reminders: seconds over which they fall due")
    args = parser.parse_args()
    if args.mode == "throughput":
        asyncio.run(throughput(args.count or 10_000, args.scale))
    else:
        asyncio.run(reminders(args.count or 500, args.scale, args.spread))


if __name__ == "__main__":
    main()

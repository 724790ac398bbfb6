"""Delivery benchmarks: the real engine and python-telegram-bot client against a local fake Bot API
as strict as Telegram's documented limits (30 messages/s overall, 1/s per chat, 20/min per group;
refused requests counted, longer retry_after for repeated floods: tests/fakes/telegram_api.py).
The fake runs in its own process, so it does not eat the client's CPU; each run gets a fresh one.

``throughput`` (default): 10,000 messages, each with its own text, 90% to as many people and 10%
to 12 groups (each group near its 20 a minute), sent twice, each time to a fresh fake:
1. by our delivery engine (outbox in SQLite, core/delivery/limits.py);
2. by the natural alternative, python-telegram-bot's own ``AIORateLimiter`` (its defaults: 30/s
   overall, 20/min per group, retrying after RetryAfter up to ``--retries`` times) under a plain
   loop sending ``--concurrency`` at a time, as a developer would write it.
Prints both rates over the allowed rate, their ratio (ours / baseline), the 429s each received,
lost and duplicated for each, with the targets: ours >= 95% of allowed, 0 lost, 0 duplicated,
0 429s; ratio >= 1.0; "MISSED" (and exit status 1) when one is missed, and the load average.
``reminders``: reminders falling due over ~20 s; prints lateness (sent_at - due_at) p50/p99
(target p99 <= 1 s).

``--scale K`` runs the fake's clock and ours K times faster, for a quick run (K=10: 300/s, 20
messages per 6 s per group, retry_after in tenths of seconds).
Run: ``python -m bench.bench_delivery [--mode throughput|reminders] [--count N] [--scale K]``.
At scale 1, 10,000 messages take about 5.5 minutes per run (that is the point: 30 a second), so
about 11 minutes for both; ``--count 3000 --scale 10`` takes about 30 s.
"""
from __future__ import annotations

import argparse
import asyncio
import collections
import logging
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
from telegram.error import RetryAfter, TelegramError
from telegram.ext import AIORateLimiter, ExtBot
from telegram.request import HTTPXRequest

from bench.stats import percentile
from bots.telegram.transport import TelegramTransport
from core.messages.types import Reply
from core.db.engine import Database
from core.db.models import Base, Delivery, Identity, Member
from core.db.types import utcnow
from core.delivery.dispatcher import CONCURRENT_SENDS
from core.delivery.engine import DeliveryEngine
from core.delivery.limits import PUBLISHED, Limits
from core.delivery.outbox import enqueue_many
from core.delivery.payload import reply_to_json
from core.delivery.renderers import Renderer, Renderers
from core.i18n import _, current_language

ROOT = Path(__file__).resolve().parents[1]
FIRST_USER = 10_000_000
FIRST_GROUP = -1_001_000_000_000  # supergroup ids are negative, -100...
GROUPS = 12  # 10% of 30/s over 12 groups: 15 a minute each, near their 20
GROUP_SHARE = 0.10
TARGET_SHARE = 0.95  # of the allowed rate
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
    """``count`` members with a Telegram identity each, then the outbox ``rows``."""
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


def plan(count: int, groups: int = GROUPS, seed: int = 17) -> list[tuple[str, bool, str]]:
    """``count`` messages as (chat id, to a group?, text): 90% to as many people, 10% to ``groups``
    groups (none if 0), shuffled together; every text unique, so a duplicate hidden by a loss still shows."""
    rng = random.Random(seed)
    messages: list[tuple[str, bool, str]] = []
    people = 0
    for i in range(count):
        if groups and rng.random() < GROUP_SHARE:
            chat, group = str(FIRST_GROUP - rng.randrange(groups)), True
        else:
            chat, group = str(FIRST_USER + people), False
            people += 1
        messages.append((chat, group, f"Announcement {i} to {chat}"))
    return messages


def received(stats: dict[str, Any], messages: list[tuple[str, bool, str]]) -> dict[str, Any]:
    """What the fake accepted against what was meant: rate, lost, duplicated (text and chat)."""
    got = collections.Counter((str(chat), text) for chat, text in stats["messages"])
    expected = {(chat, text) for chat, _group, text in messages}
    span = (stats["last"] - stats["first"]) if stats["accepted"] > 1 else float("nan")
    return {
        "accepted": stats["accepted"], "too_many": stats["too_many"], "refused_by": stats["refused_by"],
        "lost": len(expected - set(got)), "duplicated": sum(n - 1 for n in got.values() if n > 1),
        "stray": sum(n for pair, n in got.items() if pair not in expected),
        "span": span, "rate": (stats["accepted"] - 1) / span,
    }


async def ours(messages: list[tuple[str, bool, str]], scale: float) -> dict[str, Any]:
    """Our engine: the messages as outbox rows (people with a member and identity each), sent."""
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite:///{Path(tmp) / 'bench.db'}")
        people = [chat for chat, group, _text in messages if not group]
        member = {chat: n + 1 for n, chat in enumerate(people)}

        def rows(_count: int) -> Any:
            for i, (chat, group, text) in enumerate(messages):
                yield {"key": f"bench:{i}", "kind": "announcement", "platform": "telegram", "target": chat,
                       "to_chat": group, "member_id": None if group else member[chat],
                       "payload": {"reply": reply_to_json(Reply(text=text))}}

        await prepare(db, len(people), rows)
        process, api_url, stats_url, token = await start_fake(scale)
        try:
            result = await deliver(db, api_url, token, scale, len(messages))
            stats = await fake_stats(stats_url)
        finally:
            process.terminate()
            await process.wait()
        async with db.sessions() as session:
            states = dict((await session.execute(select(Delivery.status, func.count()).group_by(Delivery.status))).all())
        await db.dispose()
    return {**received(stats, messages), "elapsed": result["elapsed"], "rows": states, "engine": result["stats"]}


async def baseline(messages: list[tuple[str, bool, str]], scale: float, concurrency: int,
                   retries: int) -> dict[str, Any]:
    """python-telegram-bot's AIORateLimiter with its default limits (time scaled like the fake's:
    30 per 1/scale s overall, 20 per 60/scale s per group) under a plain loop; a message still
    refused after ``retries`` retries is given up (the developer logs it), as is any other error."""
    limiter = AIORateLimiter(overall_max_rate=30, overall_time_period=1.0 / scale,
                             group_max_rate=20, group_time_period=60.0 / scale, max_retries=retries)
    process, api_url, stats_url, token = await start_fake(scale)
    given_up: collections.Counter[str] = collections.Counter()
    try:
        bot = ExtBot(token, base_url=api_url, request=HTTPXRequest(connection_pool_size=concurrency),
                     rate_limiter=limiter)
        started = time.monotonic()
        async with bot:
            slots = asyncio.Semaphore(concurrency)

            async def send(chat: str, text: str) -> None:
                async with slots:
                    try:
                        await bot.send_message(int(chat), text)
                    except RetryAfter:
                        given_up["still 429 after the retries"] += 1
                    except TelegramError as error:
                        given_up[type(error).__name__] += 1

            await asyncio.gather(*(send(chat, text) for chat, _group, text in messages))
        elapsed = time.monotonic() - started
        stats = await fake_stats(stats_url)
    finally:
        process.terminate()
        await process.wait()
    return {**received(stats, messages), "elapsed": elapsed, "given_up": dict(given_up)}


def verdict(met: bool) -> str:
    return "met" if met else "MISSED"


async def throughput(count: int, scale: float, concurrency: int, retries: int, groups: int = GROUPS) -> bool:
    """Both runs, one after the other, on the same messages; True if every target is met."""
    allowed = PUBLISHED["telegram"].per_second * scale  # type: ignore[operator]
    messages = plan(count, groups)
    to_groups = sum(1 for _chat, group, _text in messages if group)
    print(f"{count:,} messages ({count - to_groups:,} to people, {to_groups:,} to {groups} groups) at {allowed:g}/s "
          f"allowed (scale {scale:g}); load average {os.getloadavg()[0]:.2f}", flush=True)
    print("1. our delivery engine ...", flush=True)
    a = await ours(messages, scale)
    print(f"   rows: {a['rows']}; engine: {a['engine']}; elapsed {a['elapsed']:.1f} s", flush=True)
    print(f"2. python-telegram-bot AIORateLimiter, {concurrency} at a time, max_retries={retries} ...", flush=True)
    b = await baseline(messages, scale, concurrency, retries)
    print(f"   given up: {b['given_up'] or 'none'}; elapsed {b['elapsed']:.1f} s", flush=True)
    ok = True
    for name, r, targets in (("ours", a, True), ("AIORateLimiter", b, False)):
        share = r["rate"] / allowed
        line = (f"{name}: {r['rate']:.2f} msg/s over {r['span']:.1f} s = {share:.1%} of {allowed:g}/s; "
                f"429s {r['too_many']} {dict(collections.Counter(r['refused_by'])) or ''}; "
                f"lost {r['lost']}, duplicated {r['duplicated']}, to a wrong chat {r['stray']}")
        if targets:
            met = share >= TARGET_SHARE and r["lost"] == r["duplicated"] == r["stray"] == r["too_many"] == 0
            ok &= met
            line += f" (targets >= {TARGET_SHARE:.0%}, 0 429s, 0 lost, 0 duplicated: {verdict(met)})"
        print(line)
    ratio = a["rate"] / b["rate"]
    ok &= ratio >= 1.0
    print(f"ratio ours / AIORateLimiter: {ratio:.2f} (target >= 1.0: {verdict(ratio >= 1.0)})")
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} (shared machine: figures are noisy)")
    return ok


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
    parser.add_argument("--concurrency", type=int, default=CONCURRENT_SENDS,
                        help=f"baseline: sends in flight at once (default {CONCURRENT_SENDS}, as our engine)")
    parser.add_argument("--retries", type=int, default=3, help="baseline: AIORateLimiter max_retries (default 3)")
    parser.add_argument("--groups", type=int, default=GROUPS, help=f"groups taking 10%% of the messages (default "
                        f"{GROUPS}; 0: every message to its own person)")
    args = parser.parse_args()
    # AIORateLimiter logs each message it gives up with its traceback: counted and printed instead
    logging.getLogger("telegram.ext.AIORateLimiter").setLevel(logging.CRITICAL)
    if args.mode == "throughput":
        if not asyncio.run(throughput(args.count or 10_000, args.scale, args.concurrency, args.retries, args.groups)):
            sys.exit(1)
    else:
        asyncio.run(reminders(args.count or 500, args.scale, args.spread))


if __name__ == "__main__":
    main()

"""Scale-out benchmark: announcement planning and dispatch with 1 and 2 bot processes on PostgreSQL.

For each process count, on a scratch PostgreSQL database of its own: ``count`` members of the
Tunisian channel with a Telegram identity each; a fake Bot API in its own process (Telegram's
limits times ``--scale``, 429 beyond them); N real ``alumni run telegram`` processes; then
``alumni announce --channel tn`` plans one row per member (the real planning) and the
processes send them. Printed per run:

- planning: rows planned per second by the ``alumni announce`` command, start to finish (its
  interpreter start, about a second, included);
- dispatch: messages per second from the first message the fake accepted to the last, against
  the allowed rate; how many 429s the fake answered (the processes split the limit through
  their heartbeats, so two processes should not provoke more than one does);
- lost (rows not sent) and duplicated (messages accepted beyond one per row): target 0 and 0.

Usage: ``python -m bench.bench_scaleout [--url postgresql://...] [--count 10000] [--scale 10]
[--processes 1 2]``. The URL (an account allowed to create databases) defaults to
``ALUMNI_BENCH_POSTGRES_URL`` or ``ALUMNI_TEST_POSTGRES_URL``. The databases it creates are dropped.
At ``--scale 10`` Telegram's 30 messages/s become 300/s: the same bot token is shared, so two
processes send no faster than one; a high scale (e.g. 1000) lifts the limit and shows CPU scaling.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import create_engine, func, insert, select, text
from sqlalchemy.engine import make_url

from core.app import prepare_database
from core.db.engine import Database, sync_url
from core.db.models import Channel, Delivery, Identity, Member, Membership, Worker
from core.delivery.limits import PUBLISHED

ROOT = Path(__file__).resolve().parents[1]
FIRST_USER = 20_000_000


def scratch_database(admin_url: str) -> tuple[str, str]:
    name = f"alumni_bench_{uuid.uuid4().hex[:10]}"
    engine = create_engine(sync_url(admin_url), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return name, make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def drop_database(admin_url: str, name: str) -> None:
    engine = create_engine(sync_url(admin_url), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


async def add_members(db: Database, count: int) -> None:
    async with db.transaction() as session:
        channel_id = await session.scalar(select(Channel.id).where(Channel.slug == "tn"))
        ids = list(await session.scalars(insert(Member).returning(Member.id),
                                         [{"language": "en", "country_code": "TN"} for _ in range(count)]))
        await session.execute(insert(Identity), [{"member_id": m, "platform": "telegram", "user_id": str(FIRST_USER + i)}
                                                 for i, m in enumerate(ids)])
        await session.execute(insert(Membership), [{"member_id": m, "channel_id": channel_id} for m in ids])


async def start_fake(scale: float) -> tuple[asyncio.subprocess.Process, str, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.fakes.telegram_api", str(scale), cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    port, stats_port, token = (await process.stdout.readline()).decode().split()
    return process, f"http://127.0.0.1:{port}/bot", f"http://127.0.0.1:{stats_port}/_stats", token


async def stats(url: str) -> dict[str, Any]:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return await response.json()


async def count_rows(db: Database, *where: Any) -> int:
    async with db.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(Delivery).where(*where)) or 0)


async def wait_for(check: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        await asyncio.sleep(0.1)


async def one_run(admin_url: str, processes: int, count: int, scale: float) -> dict[str, float]:
    name, url = scratch_database(admin_url)
    fake, api, stats_url, token = await start_fake(scale)
    bots: list[asyncio.subprocess.Process] = []
    db = Database(url)
    try:
        await prepare_database(url)
        await add_members(db, count)
        env = {**os.environ, "PYTHONPATH": str(ROOT), "ALUMNI_DATABASE_URL": url, "ALUMNI_LANG": "en",
               "TELEGRAM_BOT_TOKEN": token, "TELEGRAM_API_BASE_URL": api, "ALUMNI_DELIVERY_RATE_SCALE": str(scale)}
        for _ in range(processes):
            bots.append(await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bots.cli", "run", "telegram", cwd=ROOT, env=env,
                stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL))

        async def up() -> bool:
            async with db.sessions() as session:
                return int(await session.scalar(select(func.count()).select_from(Worker)) or 0) == processes
        await wait_for(up, 60, "the bot processes")

        started = time.monotonic()
        announce = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bots.cli", "announce", "--channel", "tn", "--text-en", "Benchmark announcement",
            cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        out, err = await announce.communicate()
        if announce.returncode != 0:
            raise SystemExit(err.decode()[-2000:])
        planning = time.monotonic() - started

        async def done() -> bool:
            return await count_rows(db, Delivery.status.in_(("pending", "sending"))) == 0
        await wait_for(done, 60 + count / 50 + 3 * count / (PUBLISHED["telegram"].per_second or 30) / scale, "the deliveries")
        wall = time.monotonic() - started
        figures = await stats(stats_url)
        sent = await count_rows(db, Delivery.status == "sent")
        span = (figures["last"] - figures["first"]) if figures["first"] is not None else 0.0
        return {
            "planned": await count_rows(db),
            "planning_s": planning,
            "planning_rows_s": count / planning,
            "dispatch_msg_s": (figures["accepted"] - 1) / span if span > 0 else 0.0,
            "wall_s": wall,
            "too_many": figures["too_many"],
            "lost": count - sent,
            "duplicated": max(0, figures["accepted"] - sent),
        }
    finally:
        for bot in bots:
            if bot.returncode is None:
                bot.send_signal(signal.SIGTERM)
        for bot in bots:
            try:
                await asyncio.wait_for(bot.wait(), 30)
            except asyncio.TimeoutError:
                bot.kill()
        fake.terminate()
        await fake.wait()
        await db.dispose()
        drop_database(admin_url, name)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=os.environ.get("ALUMNI_BENCH_POSTGRES_URL") or os.environ.get("ALUMNI_TEST_POSTGRES_URL"))
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--scale", type=float, default=10.0)
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    if not args.url or not args.url.startswith("postgresql"):
        raise SystemExit("a PostgreSQL URL is needed: --url or ALUMNI_BENCH_POSTGRES_URL")
    allowed = (PUBLISHED["telegram"].per_second or 30) * args.scale
    print(f"{args.count} recipients on Telegram, limit {allowed:.0f} msg/s (scale {args.scale:g}), PostgreSQL")
    for processes in args.processes:
        r = await one_run(args.url, processes, args.count, args.scale)
        print(f"{processes} process(es): planning {r['planning_rows_s']:.0f} rows/s (alumni announce {r['planning_s']:.1f} s); dispatch {r['dispatch_msg_s']:.0f} msg/s "
              f"({100 * r['dispatch_msg_s'] / allowed:.0f}% of {allowed:.0f}); all sent after {r['wall_s']:.1f} s; "
              f"429s {r['too_many']}; lost {r['lost']}, duplicated {r['duplicated']}")


if __name__ == "__main__":
    asyncio.run(main())

"""A bot process that only delivers: the real engine, TelegramTransport and PTB Bot, for the
crash-and-resume and two-process tests (run as ``python -m tests.delivery_worker``).

It sends until no row is pending or claimed any more, then exits 0.
"""
from __future__ import annotations

import argparse
import asyncio
import sys

from sqlalchemy import func, select
from telegram import Bot
from telegram.request import HTTPXRequest

from bots.telegram.transport import TelegramTransport
from core.db.engine import Database
from core.db.models import Delivery
from core.delivery.engine import DeliveryEngine
from core.delivery.limits import Limits


async def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True)
    parser.add_argument("--api", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--worker", required=True)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--lease", type=float, default=120.0)
    args = parser.parse_args(argv)
    db = Database(args.db)
    bot = Bot(args.token, base_url=args.api, request=HTTPXRequest(connection_pool_size=16))
    await bot.initialize()
    engine = DeliveryEngine(db, [TelegramTransport(bot)], worker_id=args.worker, poll_interval=0.05,
                            limits=Limits(scale=args.scale), lease=args.lease, jobs=[])
    await engine.start()
    print("started", flush=True)
    try:
        while True:
            await asyncio.sleep(0.2)
            async with db.sessions() as session:
                left = await session.scalar(
                    select(func.count()).select_from(Delivery).where(Delivery.status.in_(("pending", "sending")))
                )
            if not left:
                return 0
    finally:
        await engine.stop()
        await bot.shutdown()
        await db.dispose()


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1:])))

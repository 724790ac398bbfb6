"""Heartbeats of the bot processes sharing one database (table ``workers``).

Each delivery engine registers itself when it starts, refreshes ``seen_at`` every
``HEARTBEAT`` seconds and deletes its row when it stops gracefully. A process killed
outright leaves its row behind; it stops counting once it has not been seen for
``LIVE_BEATS`` heartbeats. Engines use the count of live workers per platform to split
the platform's rate limits (``Limits.share``); ``alumni status`` lists them.
"""
from __future__ import annotations

import os
import socket
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.db.engine import Database
from core.db.models import Worker
from core.db.types import utcnow

HEARTBEAT = 5.0  # seconds between two heartbeats of one engine
LIVE_BEATS = 3  # a worker not seen for this many heartbeats is taken for dead
FORGET_AFTER = timedelta(days=1)  # rows of dead workers are deleted after this long


def live_since(heartbeat: float = HEARTBEAT, now: datetime | None = None) -> datetime:
    """Workers seen after this moment are alive."""
    return (now or utcnow()) - timedelta(seconds=heartbeat * LIVE_BEATS)


async def live_counts(session: AsyncSession, heartbeat: float = HEARTBEAT) -> dict[str, int]:
    """Platform -> number of live workers serving it."""
    counts: dict[str, int] = {}
    rows = await session.scalars(select(Worker.platforms).where(Worker.seen_at > live_since(heartbeat)))
    for platforms in rows:
        for platform in set(platforms or []):
            counts[platform] = counts.get(platform, 0) + 1
    return counts


async def beat(db: Database, worker_id: str, platforms: Iterable[str],
               heartbeat: float = HEARTBEAT) -> dict[str, int]:
    """Register or refresh this worker; return the live workers per platform (itself included)."""
    served = sorted(set(platforms))
    for attempt in range(2):
        try:
            async with db.transaction() as session:
                now = utcnow()
                worker = await session.get(Worker, worker_id)
                if worker is None:
                    session.add(Worker(id=worker_id, host=socket.gethostname()[:100], pid=os.getpid(),
                                       platforms=served, started_at=now, seen_at=now))
                else:
                    worker.seen_at = now
                    worker.platforms = served
                await session.execute(delete(Worker).where(Worker.seen_at < now - FORGET_AFTER))
                await session.flush()
                counts = await live_counts(session, heartbeat)
            break
        except IntegrityError:  # inserted by a concurrent beat of the same id: refresh instead
            if attempt:
                raise
    for platform in served:  # this worker counts even if its clock disagrees with the database's
        counts[platform] = max(1, counts.get(platform, 0))
    return counts


async def leave(db: Database, worker_id: str) -> None:
    """A graceful stop: the worker no longer counts for anyone's share."""
    async with db.transaction() as session:
        await session.execute(delete(Worker).where(Worker.id == worker_id))

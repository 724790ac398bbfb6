"""How many announcements one member may create from chat: ``ALUMNI_ANNOUNCE_PER_DAY`` in any 24 hours.

Counted: the member's announcements created in the last 24 hours, whatever became of them, except
those cancelled before they were planned (nothing went out: taking a mistake back costs nothing).
A rejected announcement (a channel's second approval said no) was cancelled before planning too.
The command line (an operator, ``alumni announce``) is not counted nor limited.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.db.models import Announcement
from core.db.types import utcnow

WINDOW = timedelta(days=1)


async def next_allowed(session: AsyncSession, sender_id: int, per_day: int, now: datetime | None = None) -> datetime | None:
    """None: the member may create one more now. Else when they may again (the oldest counted one turns 24 h old)."""
    if per_day <= 0:
        return None
    now = now or utcnow()
    counted = select(Announcement.created_at).where(
        Announcement.sender_id == sender_id,
        Announcement.created_at > now - WINDOW,
        Announcement.status != "cancelled",  # cancelled while still scheduled or awaiting: nothing went out
    )
    count = await session.scalar(select(func.count()).select_from(counted.subquery()))
    if int(count or 0) < per_day:
        return None
    # the per_day-th newest: once it is a day old, one fewer is counted
    oldest = await session.scalar(counted.order_by(Announcement.created_at.desc()).offset(per_day - 1).limit(1))
    assert oldest is not None
    if oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=now.tzinfo)
    return oldest + WINDOW

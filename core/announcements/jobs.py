"""Timed work: plan announcements that fell due, and tell senders how theirs went.

When a scheduled announcement falls due, its sender's right to announce to the channel is
checked again (a revoked role sends nothing: the announcement is "refused" and the sender told).

Both jobs run in every bot process. Each announcement is claimed by one conditional
``UPDATE ... WHERE id = (next candidate) AND status = <old> RETURNING id`` that moves its
status on, as the first statement of the transaction: of two processes only one gets the id
(on PostgreSQL the candidate is picked ``FOR UPDATE SKIP LOCKED``, so the other takes the next
one; SQLite serializes the writers). Planning and the report's outbox key are idempotent besides.
"""
from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.db.engine import Database
from core.db.models import Announcement, Channel, Delivery
from core.db.types import utcnow

from .planning import KIND, plan_announcement
from .report import enqueue_report
from .sending import still_allowed

log = logging.getLogger(__name__)
BATCH = 20


def _next(candidates: Any, session: AsyncSession) -> Any:
    """The first candidate id as a subquery, skipping rows another process holds (PostgreSQL)."""
    if session.get_bind().dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    return candidates.limit(1).scalar_subquery()


async def plan_next(db: Database) -> int | None:
    """Claim and plan the next due announcement in one transaction; its id, or None when none is due."""
    async with db.transaction() as session:
        now = utcnow()
        candidate = _next(
            select(Announcement.id)
            .where(Announcement.status == "scheduled", Announcement.send_at <= now)
            .order_by(Announcement.send_at, Announcement.id),
            session,
        )
        claimed = await session.scalar(
            update(Announcement)
            .where(Announcement.id == candidate, Announcement.status == "scheduled")
            .values(status="planned", planned_at=now)
            .returning(Announcement.id)
            .execution_options(synchronize_session=False)
        )
        if claimed is None:
            return None
        announcement = await session.get(Announcement, claimed)
        assert announcement is not None
        channel = await session.get(Channel, announcement.channel_id)
        if channel is None or not await still_allowed(session, announcement, channel):
            # the sender's role was revoked since it was scheduled: nothing goes out, the sender is told
            announcement.status = "refused"
            log.warning("announcement %s not sent: its sender (member %s) may no longer announce to channel %s",
                        claimed, announcement.sender_id, channel.slug if channel else "(gone)")
            await enqueue_report(session, claimed)
            return claimed
        await plan_announcement(session, announcement)
        log.info("announcement %s planned", claimed)
        return claimed


async def plan_due(db: Database) -> None:
    """Plan the scheduled announcements whose time has come, each in its own transaction."""
    for _round in range(BATCH):
        if await plan_next(db) is None:
            return


async def report_next(db: Database) -> int | None:
    """Claim the next planned announcement whose rows are all settled, mark it reported and
    enqueue its report to the sender (idempotent key); its id, or None when none is ready."""
    unsettled = exists().where(
        Delivery.announcement_id == Announcement.id,
        Delivery.kind == KIND,
        Delivery.status.in_(("pending", "sending")),
    )
    async with db.transaction() as session:
        candidate = _next(
            select(Announcement.id).where(Announcement.status == "planned", ~unsettled).order_by(Announcement.id),
            session,
        )
        claimed = await session.scalar(
            update(Announcement)
            .where(Announcement.id == candidate, Announcement.status == "planned")
            .values(status="reported")
            .returning(Announcement.id)
            .execution_options(synchronize_session=False)
        )
        if claimed is None:
            return None
        await enqueue_report(session, claimed)
        log.info("announcement %s reported", claimed)
        return claimed


async def report_settled(db: Database) -> None:
    """Report every planned announcement none of whose rows is still pending or being sent."""
    for _round in range(BATCH):
        if await report_next(db) is None:
            return

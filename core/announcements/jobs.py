"""Timed work: plan announcements that fell due, and tell senders how theirs went.

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

from core.commands.types import Reply
from core.db.engine import Database
from core.db.models import Announcement, Channel, Delivery, Member
from core.db.types import utcnow
from core.delivery.outbox import enqueue
from core.delivery.payload import reply_to_json
from core.delivery.recipients import push_identities
from core.i18n import _, is_rtl, use_language
from core.jobs import periodic
from core.memberships import channel_title

from .planning import KIND, plan_announcement, progress

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
        await plan_announcement(session, announcement)
        log.info("announcement %s planned", claimed)
        return claimed


@periodic("announcements.plan", seconds=1)
async def plan_due(db: Database) -> None:
    """Plan the scheduled announcements whose time has come, each in its own transaction."""
    for _round in range(BATCH):
        if await plan_next(db) is None:
            return


def report_reply(counts: dict[str, int], channel_slug: str, language: str | None) -> Reply:
    with use_language(language) as chosen:
        # One figure per line, each with its label: no plural agreement to get wrong ("1 envoyés").
        text = "\n".join([
            _("Your announcement to the {channel} channel has gone out.").format(channel=channel_title(channel_slug)),
            _("Delivered: {count}").format(count=counts["sent"]),
            _("Failed: {count}").format(count=counts["failed"]),
            _("Unreachable: {count}").format(count=counts["unreachable"]),
        ])
        return Reply(text=text, title=_("Announcement report"), language=chosen, rtl=is_rtl(chosen))


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
        await _enqueue_report(session, claimed)
        log.info("announcement %s reported", claimed)
        return claimed


async def _enqueue_report(session: AsyncSession, announcement_id: int) -> None:
    announcement = await session.get(Announcement, announcement_id)
    if announcement is None or announcement.sender_id is None:
        return  # sent from the command line: `alumni announce status` tells
    sender = await session.get(Member, announcement.sender_id)
    identity = (await push_identities(session, [announcement.sender_id])).get(announcement.sender_id)
    if sender is None or identity is None:
        return
    slug = await session.scalar(select(Channel.slug).where(Channel.id == announcement.channel_id)) or ""
    counts = await progress(session, announcement_id)
    reply = report_reply(counts, slug, sender.language)
    await enqueue(
        session,
        key=f"announcement-report:{announcement_id}",
        kind="report",
        platform=identity.platform,
        target=identity.user_id,
        member_id=sender.id,
        identity_id=identity.id,
        announcement_id=announcement_id,
        payload={"reply": reply_to_json(reply)},
    )


@periodic("announcements.report", seconds=5)
async def report_settled(db: Database) -> None:
    """Report every planned announcement none of whose rows is still pending or being sent."""
    for _round in range(BATCH):
        if await report_next(db) is None:
            return

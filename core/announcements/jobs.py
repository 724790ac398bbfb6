"""Timed work: plan announcements that fell due, and tell senders how theirs went.

Both jobs run in every bot process. Each announcement is claimed with a conditional UPDATE of
its status (and, on PostgreSQL, candidates are read with ``FOR UPDATE SKIP LOCKED``), so two
processes never plan or report the same one; planning and the report's outbox key are
idempotent besides.
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

from .planning import KIND, claim_and_plan, progress

log = logging.getLogger(__name__)
BATCH = 20


def _locked(statement: Any, session: AsyncSession) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return statement.with_for_update(skip_locked=True)
    return statement


@periodic("announcements.plan", seconds=1)
async def plan_due(db: Database) -> None:
    """Plan every scheduled announcement whose time has come, each in its own transaction."""
    for _round in range(BATCH):
        async with db.transaction() as session:
            candidate = await session.scalar(
                _locked(
                    select(Announcement.id)
                    .where(Announcement.status == "scheduled", Announcement.send_at <= utcnow())
                    .order_by(Announcement.send_at, Announcement.id)
                    .limit(1),
                    session,
                )
            )
            if candidate is None:
                return
            if await claim_and_plan(session, candidate):
                log.info("announcement %s planned", candidate)


def report_reply(counts: dict[str, int], channel_slug: str, language: str | None) -> Reply:
    with use_language(language) as chosen:
        text = _(
            "Your announcement to the {channel} channel has gone out: {sent} sent, {failed} failed, "
            "{unreachable} unreachable."
        ).format(
            channel=channel_title(channel_slug),
            sent=counts["sent"],
            failed=counts["failed"],
            unreachable=counts["unreachable"],
        )
        return Reply(text=text, title=_("Announcement report"), language=chosen, rtl=is_rtl(chosen))


async def report(session: AsyncSession, announcement_id: int) -> bool:
    """Claim a settled, planned announcement and enqueue its report to the sender (once)."""
    result = await session.execute(
        update(Announcement)
        .where(Announcement.id == announcement_id, Announcement.status == "planned")
        .values(status="reported")
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return False
    announcement = await session.get(Announcement, announcement_id, populate_existing=True)
    assert announcement is not None
    if announcement.sender_id is None:
        return True  # sent from the command line: `alumni announce status` tells
    sender = await session.get(Member, announcement.sender_id)
    identity = (await push_identities(session, [announcement.sender_id])).get(announcement.sender_id)
    if sender is None or identity is None:
        return True
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
    return True


@periodic("announcements.report", seconds=5)
async def report_settled(db: Database) -> None:
    """Report every planned announcement none of whose rows is still pending or being sent."""
    unsettled = exists().where(
        Delivery.announcement_id == Announcement.id,
        Delivery.kind == KIND,
        Delivery.status.in_(("pending", "sending")),
    )
    for _round in range(BATCH):
        async with db.transaction() as session:
            candidate = await session.scalar(
                _locked(
                    select(Announcement.id)
                    .where(Announcement.status == "planned", ~unsettled)
                    .order_by(Announcement.planned_at, Announcement.id)
                    .limit(1),
                    session,
                )
            )
            if candidate is None:
                return
            if await report(session, candidate):
                log.info("announcement %s reported", candidate)

"""Taking an announcement back: before it goes out, or while it is being sent.

A cancel is one conditional ``UPDATE`` of the announcement (only one cancel wins; planning, which
claims "scheduled" with its own conditional ``UPDATE``, and a cancel exclude each other), then one
``UPDATE`` of its outbox rows still waiting. Rows a process already holds are checked by the
"announcement" renderer when sent (``sending``), so what is still queued stops; the report then
says how many were delivered before the stop.

Who may: the sender, or an administrator (the command line is one).
"""
from __future__ import annotations

import enum
import logging
from dataclasses import dataclass, field

from sqlalchemy import and_, case, exists, or_, update
from sqlalchemy.ext.asyncio import AsyncSession

from core import audit
from core.audit import Actor
from core.db.models import Announcement, Delivery
from core.db.types import utcnow
from core.delivery.claim import PENDING, SENDING, cancel_waiting
from core.roles import is_administrator

from .planning import KIND, progress
from .report import enqueue_report


log = logging.getLogger(__name__)


class Outcome(enum.Enum):
    CANCELLED = "cancelled"  # this call stopped it
    ALREADY = "already"  # it had been cancelled before (or refused when it fell due)
    OVER = "over"  # nothing left to stop: every row settled and reported
    UNKNOWN = "unknown"  # no such announcement (or not the caller's to see)


@dataclass
class Cancel:
    outcome: Outcome
    channel_id: int | None = None
    counts: dict[str, int] = field(default_factory=dict)  # progress() right after the cancel
    before_planning: bool = False  # it was still scheduled: nothing had gone out


NOT_PLANNED = ("scheduled", "awaiting")  # "awaiting": held for a second approval (approval.py)
_unsettled = exists().where(
    Delivery.announcement_id == Announcement.id, Delivery.kind == KIND, Delivery.status.in_((PENDING, SENDING))
)


async def may_cancel(session: AsyncSession, member_id: int, announcement: Announcement) -> bool:
    return announcement.sender_id == member_id or await is_administrator(session, member_id)


def log_refusal(member_id: int, platform: str, announcement: str) -> None:
    log.warning("announcement cancel refused: member %s (%s) may not cancel announcement %s",
                member_id, platform, announcement)


async def cancel_announcement(session: AsyncSession, announcement_id: int, actor: Actor, *, report: bool = True) -> Cancel:
    """Cancel in the caller's transaction, on behalf of ``actor`` (a member, or the command line).

    Rights are the caller's to check first (``may_cancel``). A cancel that took effect is audited.
    ``report``: a sender stopped by someone else is told (a rejection tells them its own way)."""
    by = actor.member_id
    now = utcnow()
    was = await session.scalar(
        update(Announcement)
        .where(
            Announcement.id == announcement_id,
            Announcement.cancelled_at.is_(None),
            # planned: only while something is left to stop (every row settled: it has gone out)
            or_(Announcement.status.in_(NOT_PLANNED), and_(Announcement.status == "planned", _unsettled)),
        )
        .values(
            cancelled_at=now,
            cancelled_by=by,
            # still scheduled (or awaiting approval): it will never be planned; planned: reported once its rows settle
            status=case((Announcement.status.in_(NOT_PLANNED), "cancelled"), else_=Announcement.status),
        )
        .returning(Announcement.status)
        .execution_options(synchronize_session=False)
    )
    announcement = await session.get(Announcement, announcement_id, populate_existing=True)
    if announcement is None:
        return Cancel(Outcome.UNKNOWN)
    if was is None:
        # refused when it fell due (the sender had lost the right): stopped already, as if cancelled
        stopped = announcement.cancelled_at is not None or announcement.status == "refused"
        outcome = Outcome.ALREADY if stopped else Outcome.OVER
        return Cancel(outcome, announcement.channel_id, await progress(session, announcement_id))
    await cancel_waiting(session, Delivery.announcement_id == announcement_id, Delivery.kind == KIND)
    before = announcement.status == "cancelled"
    await audit.record(session, actor, audit.ANNOUNCEMENT_CANCEL, object_kind="announcement", object_id=announcement_id,
                       details={"before_planning": before})
    if before and report and by != announcement.sender_id:
        await enqueue_report(session, announcement_id)  # the sender learns that someone else stopped it
    return Cancel(Outcome.CANCELLED, announcement.channel_id, await progress(session, announcement_id), before)

"""A channel's second approval: on a channel set to ``approval = "required"``, an announcement a
member sends waits (status "awaiting": nothing planned, nothing sent) until another approver
confirms it.

Approvers are those of a binding to that channel (``core.bindings``): the administrators, and for
a country channel its ambassadors; never the sender themself. They hear of it through the outbox
with Approve / Reject buttons (the hidden ``announcement`` command), whose press is authorized
again here and carries a token naming that announcement (an old notice cannot act on a newer
one that got the same number). Approval moves it on (planned now, or when its time comes) and is
audited; rejection is a cancel (audited as one) and its sender is told.

The command line's ``alumni announce`` is an operator, an administrator: never held.
"""
from __future__ import annotations

import enum
import hashlib

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core import audit, notices
from core.audit import Actor
from core.bindings import approver_ids, may_approve
from core.messages import actions
from core.messages.types import Button, Reply
from core.db.models import APPROVAL_REQUIRED, Announcement, Channel
from core.db.types import utcnow
from core.i18n import _, is_rtl
from core.memberships import channel_title
from core.text import clean_line, isolate

from .cancel import Outcome, cancel_announcement
from .planning import claim_and_plan
from .report import enqueue_report
from .sending import still_allowed
from .texts import fallback_order, version_for

AWAITING = "awaiting"
BUTTON_COMMAND = "announcement"  # "announcement approve|reject ID TOKEN"


class Decision(enum.Enum):
    DONE = "done"
    OWN = "own"  # the sender may not approve their own
    NOT_ALLOWED = "not_allowed"  # not an approver of that channel
    SETTLED = "settled"  # not waiting any more (approved, rejected or cancelled meanwhile)
    SENDER_LOST_RIGHT = "sender_lost_right"  # approved, but its sender may no longer announce there: not sent


def held(channel: Channel) -> bool:
    return channel.approval == APPROVAL_REQUIRED


def token(announcement: Announcement) -> str:
    """Names one announcement, not only its number (SQLite may reuse a removed row's number)."""
    stamp = int(announcement.created_at.timestamp()) if announcement.created_at else 0
    seed = f"{announcement.id}:{announcement.channel_id}:{announcement.sender_id}:{stamp}"
    return hashlib.sha256(seed.encode()).hexdigest()[:8]


async def find(session: AsyncSession, announcement_id: int, check: str) -> tuple[Announcement, Channel] | None:
    row = (await session.execute(
        select(Announcement, Channel).join(Channel, Channel.id == Announcement.channel_id)
        .where(Announcement.id == announcement_id)
    )).first()
    if row is None or (check and check != token(row[0])):
        return None
    return row[0], row[1]


async def may_decide(session: AsyncSession, member_id: int, announcement: Announcement, channel: Channel) -> Decision:
    if member_id == announcement.sender_id:
        return Decision.OWN
    if not await may_approve(session, member_id, channel):
        return Decision.NOT_ALLOWED
    return Decision.DONE


async def approve(session: AsyncSession, actor: Actor, announcement: Announcement, channel: Channel) -> Decision:
    """Move an awaiting announcement on (the caller checked ``may_decide``): planned now when due, unless
    its sender lost the right to announce there meanwhile ("refused", the sender told, as when it falls due)."""
    result = await session.execute(
        update(Announcement).where(Announcement.id == announcement.id, Announcement.status == AWAITING)
        .values(status="scheduled").execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return Decision.SETTLED
    await session.refresh(announcement)
    planned = False
    if announcement.send_at <= utcnow():
        if await still_allowed(session, announcement, channel):
            planned = await claim_and_plan(session, announcement.id)
        else:
            announcement.status = "refused"
            await session.flush()
            await enqueue_report(session, announcement.id)
    await audit.record(session, actor, audit.ANNOUNCEMENT_APPROVE, object_kind="announcement",
                       object_id=announcement.id, details={"planned": planned})
    return Decision.SENDER_LOST_RIGHT if announcement.status == "refused" else Decision.DONE


async def reject(session: AsyncSession, actor: Actor, announcement: Announcement, channel: Channel) -> Decision:
    """Cancel an awaiting announcement (audited as a cancel); its sender is told it was not approved."""
    if announcement.status != AWAITING:
        return Decision.SETTLED
    done = await cancel_announcement(session, announcement.id, actor, report=False)
    if done.outcome is not Outcome.CANCELLED:
        return Decision.SETTLED
    if announcement.sender_id is not None:
        def render(language: str) -> Reply:
            text = _("Your announcement to the {channel} channel was not approved: it will not go out.")
            return Reply(text=text.format(channel=channel_title(channel.slug)), language=language, rtl=is_rtl(language))

        await notices.notify(session, [announcement.sender_id],
                             lambda member_id: f"notice:announcement:{announcement.id}:rejected", render)
    return Decision.DONE


async def notify_approvers(session: AsyncSession, announcement: Announcement, channel: Channel) -> int:
    """Ask every approver but the sender, each in their language, with Approve / Reject buttons."""
    approvers = [m for m in await approver_ids(session, channel) if m != announcement.sender_id]
    if not approvers:
        return 0
    check = token(announcement)
    approve_action = await actions.encode(session, BUTTON_COMMAND, f"approve {announcement.id} {check}")
    reject_action = await actions.encode(session, BUTTON_COMMAND, f"reject {announcement.id} {check}")
    name = clean_line(announcement.sender_name or "", 100)
    order = fallback_order(announcement.texts, announcement.fallback)

    def render(language: str) -> Reply:
        text = _("{who} wants to send this announcement to the {channel} channel. Nothing goes out "
                 "until it is approved.").format(
            who=isolate(name) if name else _("An ambassador"), channel=channel_title(channel.slug))
        version = announcement.texts[version_for(language, announcement.texts, order)]
        return Reply(
            text=text + "\n\n" + version, title=_("An announcement waits for your approval"),
            language=language, rtl=is_rtl(language),
            buttons=[[Button(_("Approve"), approve_action), Button(_("Reject"), reject_action)]],
        )

    return await notices.notify(session, approvers, lambda member_id: f"notice:announcement:{announcement.id}:{check}:"
                                f"{member_id}", render)

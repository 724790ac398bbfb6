"""Linking two members into one: everything of the absorbed member moves to the one kept.

Linking must lose nothing the person holds (a confirmed place on a full event, reminder
offsets, channels, roles, preferences, messages waiting for them) and double nothing (one
answer per event, one copy of an announcement). Rows are moved explicitly, never left to
the foreign-key cascades of deleting the absorbed member, which would drop them.
"""
from __future__ import annotations

import logging

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core import audit
from core.db.models import (
    Announcement,
    Delivery,
    Event,
    Identity,
    LinkCode,
    Member,
    Membership,
    RoleGrant,
    Rsvp,
    StoredAction,
)
from core.db.types import utcnow
from core.events.reminders import replan_member_everywhere
from core.events.rsvp import promote_waiting

log = logging.getLogger(__name__)

# How much an answer holds, from most to least (see ``answer_strength``).
CONFIRMED, WAITING, MAYBE, NO = 3, 2, 1, 0


def answer_strength(rsvp: Rsvp) -> int:
    """The rank of an answer when two accounts of one person answered the same event.

    A confirmed place (``yes``, not waitlisted) > a place on the waiting list > ``maybe`` > ``no``.
    """
    if rsvp.answer == "yes":
        return WAITING if rsvp.waitlisted else CONFIRMED
    return MAYBE if rsvp.answer == "maybe" else NO


def stronger(candidate: Rsvp, kept: Rsvp) -> bool:
    """Whether the absorbed account's answer should replace the kept one.

    The higher ``answer_strength`` wins, so a confirmed place is never lost. Between two
    places on the waiting list, the earlier one (nearer the front) wins. Any other tie keeps the
    kept member's answer. Two confirmed places become one: the caller frees the other.
    """
    theirs, mine = answer_strength(candidate), answer_strength(kept)
    if theirs != mine:
        return theirs > mine
    return theirs == WAITING and (candidate.answered_at, candidate.member_id) < (kept.answered_at, kept.member_id)


async def merge_members(session: AsyncSession, keep: Member, absorb: Member) -> None:
    """Move everything of ``absorb`` to ``keep`` (identity linking), then delete ``absorb``.

    The kept member's own preferences stand; the ones it never chose come from ``absorb``.
    Places freed on events (both accounts held one) go to their waiting lists, whose first
    people are told through the usual promotion notice; reminders are planned again with the
    merged offsets.
    """
    await session.execute(update(Identity).where(Identity.member_id == absorb.id).values(member_id=keep.id))
    keep.language = keep.language or absorb.language
    keep.country_code = keep.country_code or absorb.country_code
    keep.timezone = keep.timezone or absorb.timezone
    if keep.reminder_offsets is None:  # never chosen ([] is a choice: off)
        keep.reminder_offsets = absorb.reminder_offsets
    await _move_memberships(session, keep.id, absorb.id)
    await _move_roles(session, keep.id, absorb.id)
    freed = await _move_answers(session, keep.id, absorb.id)
    await _move_deliveries(session, keep.id, absorb.id)
    await session.execute(update(Event).where(Event.created_by == absorb.id).values(created_by=keep.id))
    await session.execute(update(Announcement).where(Announcement.sender_id == absorb.id).values(sender_id=keep.id))
    await session.execute(update(StoredAction).where(StoredAction.member_id == absorb.id).values(member_id=keep.id))
    await session.execute(delete(LinkCode).where(LinkCode.member_id == absorb.id))  # codes of a profile that ends
    await audit.merge_members(session, keep.id, absorb.id)
    await session.flush()
    await session.execute(delete(Member).where(Member.id == absorb.id))
    session.expunge(absorb)
    now = utcnow()
    for event_id in freed:
        event = await session.get(Event, event_id)
        if event is not None and event.starts_at > now:
            await promote_waiting(session, event)
    await replan_member_everywhere(session, keep.id)
    log.info("member %s merged into member %s (%d places freed)", absorb.id, keep.id, len(freed))


async def _move_memberships(session: AsyncSession, keep_id: int, absorb_id: int) -> None:
    kept = {m.channel_id: m for m in await session.scalars(select(Membership).where(Membership.member_id == keep_id))}
    for membership in list(await session.scalars(select(Membership).where(Membership.member_id == absorb_id))):
        mine = kept.get(membership.channel_id)
        if mine is None:
            membership.member_id = keep_id  # keeps its joined_at and muted
            continue
        mine.muted = mine.muted and membership.muted
        mine.joined_at = min(mine.joined_at, membership.joined_at)
        await session.delete(membership)
    await session.flush()


async def _move_roles(session: AsyncSession, keep_id: int, absorb_id: int) -> None:
    kept = {(r.role, r.country_code) for r in await session.scalars(select(RoleGrant).where(RoleGrant.member_id == keep_id))}
    for grant in list(await session.scalars(select(RoleGrant).where(RoleGrant.member_id == absorb_id))):
        if (grant.role, grant.country_code) in kept:
            await session.delete(grant)
        else:
            grant.member_id = keep_id
    await session.flush()


async def _move_answers(session: AsyncSession, keep_id: int, absorb_id: int) -> list[int]:
    """One answer per event, the stronger (``stronger``); returns the events where a place was freed."""
    events = select(Rsvp.event_id).where(Rsvp.member_id == absorb_id)
    # The events locked (PostgreSQL) in one order, as an answer locks its event: no place is counted twice.
    await session.execute(select(Event.id).where(Event.id.in_(events)).order_by(Event.id).with_for_update())
    theirs = list(await session.scalars(select(Rsvp).where(Rsvp.member_id == absorb_id)))
    if not theirs:
        return []
    mine = {
        r.event_id: r
        for r in await session.scalars(
            select(Rsvp).where(Rsvp.member_id == keep_id, Rsvp.event_id.in_([t.event_id for t in theirs]))
        )
    }
    freed: list[int] = []
    for rsvp in theirs:
        kept = mine.get(rsvp.event_id)
        if kept is None:
            rsvp.member_id = keep_id  # keeps its place and its position in line
            continue
        if answer_strength(rsvp) == CONFIRMED and answer_strength(kept) == CONFIRMED:
            freed.append(rsvp.event_id)
        elif stronger(rsvp, kept):
            kept.answer, kept.waitlisted, kept.answered_at = rsvp.answer, rsvp.waitlisted, rsvp.answered_at
        await session.delete(rsvp)
    await session.flush()
    return freed


async def _move_deliveries(session: AsyncSession, keep_id: int, absorb_id: int) -> None:
    """Messages to the absorbed member become the kept member's; a pending one the kept member
    will receive anyway (the same announcement, the same notice) is dropped, and pending
    reminders are dropped to be planned again with the merged answers and offsets."""
    pending = (Delivery.member_id == absorb_id) & (Delivery.status == "pending")
    await session.execute(delete(Delivery).where(pending, Delivery.kind == "reminder"))
    # Heard, or about to be: a copy that failed (that account blocked us) does not count.
    reaching = Delivery.status.in_(("pending", "sending", "sent"))
    heard = select(Delivery.announcement_id).where(
        Delivery.member_id == keep_id, Delivery.kind == "announcement", Delivery.announcement_id.is_not(None), reaching
    )
    await session.execute(delete(Delivery).where(pending, Delivery.kind == "announcement",
                                                 Delivery.announcement_id.in_(heard)))
    notices = list(await session.execute(select(Delivery.id, Delivery.key).where(pending, Delivery.kind == "notice")))
    suffix = f":{absorb_id}"
    twins = {key[: -len(suffix)] + f":{keep_id}": row_id for row_id, key in notices if key.endswith(suffix)}
    if twins:
        existing = set(await session.scalars(select(Delivery.key).where(Delivery.key.in_(list(twins)), reaching)))
        doubled = [row_id for key, row_id in twins.items() if key in existing]
        if doubled:
            await session.execute(delete(Delivery).where(Delivery.id.in_(doubled)))
    await session.execute(
        update(Delivery).where(Delivery.member_id == absorb_id).values(member_id=keep_id)
        .execution_options(synchronize_session=False)
    )

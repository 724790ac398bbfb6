"""Answers to an event: yes, maybe, no; a capacity with a waiting list served in answer order."""
from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.db.models import Event, Rsvp
from core.db.types import utcnow
from core.i18n import N_, current_language
from core.i18n.reading import answer_words
from core.text import fold

from .errors import EventError
from .notices import notify_promoted
from .reminders import replan_member

log = logging.getLogger(__name__)
ANSWERS = ("yes", "maybe", "no")
def parse_answer(text: str) -> str | None:
    """"yes", "oui", "سأحضر", "vielleicht"...: the words every catalog lists, the reader's language deciding first."""
    return answer_words(current_language()).get(fold(text))


@dataclass(frozen=True, slots=True)
class RsvpResult:
    answer: str
    waitlisted: bool
    position: int | None  # on the waiting list, 1-based
    changed: bool


async def _locked_event(session: AsyncSession, event_id: int) -> Event:
    """The event row, locked on PostgreSQL so two answers never both take the last place."""
    event = await session.scalar(select(Event).where(Event.id == event_id).with_for_update())
    if event is None:
        raise EventError(N_("There is no event number {id}."), id=event_id)
    return event


async def confirmed_yes(session: AsyncSession, event_id: int) -> int:
    return int(
        await session.scalar(
            select(func.count()).select_from(Rsvp).where(
                Rsvp.event_id == event_id, Rsvp.answer == "yes", Rsvp.waitlisted.is_(False)
            )
        )
        or 0
    )


async def waiting_position(session: AsyncSession, rsvp: Rsvp) -> int:
    ahead = await session.scalar(
        select(func.count()).select_from(Rsvp).where(
            Rsvp.event_id == rsvp.event_id, Rsvp.answer == "yes", Rsvp.waitlisted.is_(True),
            (Rsvp.answered_at < rsvp.answered_at) | ((Rsvp.answered_at == rsvp.answered_at) & (Rsvp.member_id < rsvp.member_id)),
        )
    )
    return int(ahead or 0) + 1


async def answer(session: AsyncSession, event_id: int, member_id: int, value: str) -> RsvpResult:
    """Record an answer, then plan the member's reminders and give a freed place to the next in line."""
    if value not in ANSWERS:
        raise EventError(N_("Answer yes, maybe or no."))
    event = await _locked_event(session, event_id)
    if event.status == "cancelled":
        raise EventError(N_("This event was cancelled."))
    if event.starts_at <= utcnow():
        raise EventError(N_("This event has already started; answers are closed."))
    rsvp = await session.get(Rsvp, (event_id, member_id))
    freed = rsvp is not None and rsvp.answer == "yes" and not rsvp.waitlisted and value != "yes"
    if rsvp is not None and rsvp.answer == value:
        position = await waiting_position(session, rsvp) if rsvp.waitlisted else None
        return RsvpResult(value, rsvp.waitlisted, position, changed=False)
    if rsvp is None:
        rsvp = Rsvp(event_id=event_id, member_id=member_id, answer=value, waitlisted=False, answered_at=utcnow())
        session.add(rsvp)
    else:
        rsvp.answer, rsvp.waitlisted = value, False
        rsvp.answered_at = utcnow()  # a new answer takes its place at the end of the line
    if value == "yes" and event.capacity is not None:
        await session.flush()
        taken = await confirmed_yes(session, event_id) - 1  # minus this answer, counted as confirmed
        rsvp.waitlisted = taken >= event.capacity
    await session.flush()
    if freed:
        await promote_waiting(session, event)
    await replan_member(session, event, member_id)
    position = await waiting_position(session, rsvp) if rsvp.waitlisted else None
    return RsvpResult(value, rsvp.waitlisted, position, changed=True)


async def promote_waiting(session: AsyncSession, event: Event) -> list[int]:
    """Give free places to the first waiting answers, in answer order; tells them through the outbox."""
    if event.status == "cancelled":
        return []
    waiting = list(
        await session.scalars(
            select(Rsvp)
            .where(Rsvp.event_id == event.id, Rsvp.answer == "yes", Rsvp.waitlisted.is_(True))
            .order_by(Rsvp.answered_at, Rsvp.member_id)
        )
    )
    if not waiting:
        return []
    free = len(waiting) if event.capacity is None else event.capacity - await confirmed_yes(session, event.id)
    promoted = []
    for rsvp in waiting[: max(free, 0)]:
        rsvp.waitlisted = False
        promoted.append(rsvp.member_id)
    if promoted:
        await session.flush()
        for member_id in promoted:
            await replan_member(session, event, member_id)
        await notify_promoted(session, event, promoted)
        log.info("event %s: %d promoted from the waiting list", event.id, len(promoted))
    return promoted


async def withdraw_member(session: AsyncSession, member_id: int) -> int:
    """Drop every answer of a member who is leaving (``forget``); the places they held go to the
    waiting lists, whose first people are told. Returns how many answers were dropped."""
    answers = list(await session.scalars(select(Rsvp).where(Rsvp.member_id == member_id)))
    held = [a.event_id for a in answers if a.answer == "yes" and not a.waitlisted]
    for rsvp in answers:
        await session.delete(rsvp)
    await session.flush()
    for event_id in held:
        event = await session.get(Event, event_id)
        if event is not None and event.starts_at > utcnow():
            await promote_waiting(session, event)
    return len(answers)

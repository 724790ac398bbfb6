"""Which events a member sees (the upcoming ones of their country and joined channels), and which
a channel shows.

Shared by the ``events`` command and the adapters' summaries (Slack's Home tab), so that the
rule of what is "your events" lives in one place.
"""
from __future__ import annotations

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.db.models import Channel, Event, Member, Membership, Rsvp
from core.db.types import utcnow
from core.i18n import N_

# The RSVP choices, in the order buttons show them: (stored answer, label msgid).
RSVP_CHOICES: tuple[tuple[str, str], ...] = (("yes", N_("Going")), ("maybe", N_("Maybe")), ("no", N_("Not going")))


def upcoming() -> ColumnElement[bool]:
    """Scheduled and not over yet."""
    now = utcnow()
    return (Event.status == "scheduled") & or_(Event.starts_at > now, Event.ends_at > now)


def channel_events_filter(channel: Channel) -> ColumnElement[bool]:
    """Events of a channel: those posted in it, and for a country channel those of the country."""
    if channel.kind == "country" and channel.country_code:
        return or_(Event.channel_id == channel.id, Event.country_code == channel.country_code)
    return Event.channel_id == channel.id


async def member_scope(session: AsyncSession, member: Member) -> ColumnElement[bool] | None:
    """Events of the member's country or joined channels (a country channel's being those of its
    country, as ``channel_events_filter`` has it); None when they have neither."""
    rows = (await session.execute(
        select(Channel.id, Channel.kind, Channel.country_code).join(Membership, Membership.channel_id == Channel.id)
        .where(Membership.member_id == member.id)
    )).all()
    joined = [row.id for row in rows]
    countries = {row.country_code for row in rows if row.kind == "country" and row.country_code}
    if member.country_code:
        countries.add(member.country_code)
    if not countries and not joined:
        return None
    conditions = [Event.channel_id.in_(joined)] if joined else []
    if countries:
        conditions.append(Event.country_code.in_(sorted(countries)))
    return or_(*conditions)


async def upcoming_for_member(session: AsyncSession, member: Member, limit: int) -> list[Event]:
    """The member's next ``limit`` events, soonest first."""
    scope = await member_scope(session, member)
    if scope is None:
        return []
    statement = select(Event).where(scope, upcoming()).order_by(Event.starts_at, Event.id).limit(limit)
    return list(await session.scalars(statement))


async def answers_of(session: AsyncSession, member_id: int, event_ids: list[int]) -> dict[int, Rsvp]:
    """The member's RSVP per event id, for those they answered."""
    if not event_ids:
        return {}
    rows = await session.scalars(select(Rsvp).where(Rsvp.member_id == member_id, Rsvp.event_id.in_(event_ids)))
    return {r.event_id: r for r in rows}

"""Upcoming events for pickers (a platform's autocomplete, a menu): what a person may mean by "event".

The person's own events (their country, the channels they joined) come first, then every other
upcoming one, each group by start time; ``typed`` narrows them by number or by title in any
language. Suggestions only: the command that receives the choice checks it again.
"""
from __future__ import annotations

from sqlalchemy import case, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.db.models import Event, Member, Membership
from core.db.types import utcnow
from core.text import fold
from core.i18n.reading import ascii_digits

SCAN = 200  # events read to filter by title: pickers show 25 at most


def upcoming_condition() -> object:
    """Scheduled, and not over yet."""
    now = utcnow()
    return (Event.status == "scheduled") & or_(Event.starts_at > now, Event.ends_at > now)


def _matches(event: Event, typed: str) -> bool:
    if not typed:
        return True
    number = ascii_digits(typed.lstrip("#"))
    if number.isascii() and number.isdigit():
        return str(event.id).startswith(number)
    return any(typed in fold(entry.get("title", "")) for entry in (event.texts or {}).values())


async def upcoming_events(session: AsyncSession, member_id: int | None, typed: str = "", limit: int = 25) -> list[Event]:
    """At most ``limit`` upcoming events matching ``typed``: the member's own first."""
    mine: object = False
    if member_id is not None:
        member = await session.get(Member, member_id)
        joined = select(Membership.channel_id).where(Membership.member_id == member_id)
        conditions = [Event.channel_id.in_(joined)]
        if member is not None and member.country_code:
            conditions.append(Event.country_code == member.country_code)
        mine = or_(*conditions)
    statement = (
        select(Event).where(upcoming_condition())
        .order_by(case((mine, 0), else_=1) if member_id is not None else Event.starts_at, Event.starts_at, Event.id)
        .limit(SCAN)
    )
    wanted = fold(typed.strip())
    return [event for event in await session.scalars(statement) if _matches(event, wanted)][:limit]

"""What follows an event change, in one place: answerers are told, reminders are planned again,
freed places go to the waiting list, and the platform calendars that mirror the event hear of it.

The event service calls ``follow_up`` once per change, in the change's transaction, after the
event row is written: whoever changes an event through the service (a chat command, the command
line, a calendar import) sets off every follow-up without knowing them. Each step only plans
outbox rows; the delivery engine sends them.
"""
from __future__ import annotations

from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from core.db.models import Event

from .mirror import plan_mirrors
from .notices import notify_answerers
from .reminders import replan_event
from .rsvp import promote_waiting


class Change(StrEnum):
    CREATED = "created"
    EDITED = "edited"  # an edit may also cancel (an imported STATUS:CANCELLED)
    CANCELLED = "cancelled"


async def follow_up(session: AsyncSession, event: Event, change: Change) -> None:
    """Plan everything ``change`` sets off. A new event has no answerers yet: only its mirrors."""
    if change is not Change.CREATED:
        if change is Change.EDITED:
            await promote_waiting(session, event)  # places may have been added
        await notify_answerers(session, event, cancelled=event.status == "cancelled")
        await replan_event(session, event)
    await plan_mirrors(session, event)

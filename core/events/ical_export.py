"""Writing events as iCalendar: one event, a list, a channel's feed.

Times are written with the event's IANA TZID and a VTIMEZONE, so calendars keep the wall-clock
time across daylight-saving changes. Texts in other languages travel as ``X-ALUMNI-SUMMARY`` and
``X-ALUMNI-DESCRIPTION`` with a LANGUAGE parameter, so a round trip keeps them.

It stands below the event service: the mirrors that follow an event change render with it.
Reading a file back into events is ``core.events.ical``.
"""
from __future__ import annotations

from zoneinfo import ZoneInfo

import icalendar
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.db.models import Channel, Event
from core.db.types import utcnow

from .listing import channel_events_filter

PRODID = "-//alumni-bots//events//EN"


def _calendar(name: str | None = None) -> icalendar.Calendar:
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    if name:
        calendar.add("x-wr-calname", name)
    return calendar


def _component(event: Event) -> icalendar.Event:
    zone = ZoneInfo(event.timezone)
    item = icalendar.Event()
    item.add("uid", event.uid)
    item.add("sequence", event.sequence)
    item.add("dtstamp", event.updated_at or utcnow())
    item.add("dtstart", event.starts_local.replace(tzinfo=zone, fold=0))
    if event.ends_local is not None:
        item.add("dtend", event.ends_local.replace(tzinfo=zone, fold=0))
    texts = event.texts or {}
    main = texts.get(event.language) or next(iter(texts.values()), {"title": ""})
    item.add("summary", main.get("title", ""), parameters={"LANGUAGE": event.language})
    if main.get("description"):
        item.add("description", main["description"], parameters={"LANGUAGE": event.language})
    for code, entry in texts.items():
        if code == event.language:
            continue
        item.add("x-alumni-summary", entry.get("title", ""), parameters={"LANGUAGE": code})
        if entry.get("description"):
            item.add("x-alumni-description", entry["description"], parameters={"LANGUAGE": code})
    if event.place:
        item.add("location", event.place)
    if event.online_url:
        item.add("url", event.online_url)
    item.add("status", "CANCELLED" if event.status == "cancelled" else "CONFIRMED")
    if event.capacity:
        item.add("x-alumni-capacity", str(event.capacity))
    if event.country_code:
        item.add("x-alumni-country", event.country_code)
    return item


def export_events(events: list[Event], name: str | None = None) -> bytes:
    calendar = _calendar(name)
    for event in events:
        calendar.add_component(_component(event))
    calendar.add_missing_timezones()
    return calendar.to_ical()


def export_event(event: Event) -> bytes:
    return export_events([event])


def ics_filename(event: Event) -> str:
    return f"event-{event.id}.ics"


async def channel_feed(session: AsyncSession, channel: Channel) -> bytes:
    """Every upcoming event of a channel (cancelled ones too, so calendars drop them)."""
    events = list(
        await session.scalars(
            select(Event)
            .where(channel_events_filter(channel), or_(Event.ends_at > utcnow(), Event.starts_at > utcnow()))
            .order_by(Event.starts_at, Event.id)
        )
    )
    return export_events(events, name=f"alumni {channel.slug}")

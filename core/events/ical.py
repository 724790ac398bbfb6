"""iCalendar: one event, a channel's feed, and importing a file (idempotent by UID, SEQUENCE decides).

Times are written with the event's IANA TZID and a VTIMEZONE, so calendars keep the wall-clock
time across daylight-saving changes. Texts in other languages travel as ``X-ALUMNI-SUMMARY`` and
``X-ALUMNI-DESCRIPTION`` with a LANGUAGE parameter, so a round trip keeps them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any

import icalendar
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.db.models import Channel, Event
from core.db.types import utcnow
from core.i18n import N_, SUPPORTED_LANGUAGES

from .errors import EventError
from .service import EventInput, create_event, update_event

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
    from zoneinfo import ZoneInfo

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


def channel_events_filter(channel: Channel) -> Any:
    """Events of a channel: those posted in it, and for a country channel those of the country."""
    if channel.kind == "country" and channel.country_code:
        return or_(Event.channel_id == channel.id, Event.country_code == channel.country_code)
    return Event.channel_id == channel.id


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


# ---------------------------------------------------------------- import


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (UID or position, reason already translated)
    event_ids: list[int] = field(default_factory=list)


def _texts(component: icalendar.Event, fallback: str) -> tuple[dict[str, dict[str, str]], str]:
    def values(name: str) -> list[Any]:
        found = component.get(name)
        if found is None:
            return []
        return found if isinstance(found, list) else [found]

    def language_of(value: Any, default: str) -> str:
        params = getattr(value, "params", {}) or {}
        code = str(params.get("LANGUAGE", "") or "").split("-")[0].lower()
        return code if code in SUPPORTED_LANGUAGES else default

    summary = values("summary")
    if not summary:
        raise EventError(N_("no SUMMARY (title)"))
    language = language_of(summary[0], fallback)
    texts: dict[str, dict[str, str]] = {language: {"title": str(summary[0]), "description": ""}}
    for value in values("description")[:1]:
        texts[language]["description"] = str(value)
    for value in values("x-alumni-summary"):
        code = language_of(value, "")
        if code and code not in texts:
            texts[code] = {"title": str(value), "description": ""}
    for value in values("x-alumni-description"):
        code = language_of(value, "")
        if code in texts and code != language:
            texts[code]["description"] = str(value)
    return texts, language


def _local(value: Any, default_zone: str) -> tuple[datetime, str]:
    """A DTSTART/DTEND as wall clock + IANA zone name."""
    if isinstance(value, date) and not isinstance(value, datetime):
        raise EventError(N_("all-day events are not supported: give a start time"))
    if not isinstance(value, datetime):
        raise EventError(N_("unreadable date"))
    if value.tzinfo is None:
        return value, default_zone
    key = getattr(value.tzinfo, "key", None)
    if key:
        return value.replace(tzinfo=None), key
    if value.utcoffset() == timedelta(0):
        return value.astimezone(timezone.utc).replace(tzinfo=None), "UTC"
    raise EventError(N_("unknown time zone: use an IANA TZID such as Europe/Paris"))


def _input(component: icalendar.Event, language: str, country: str | None, channel: str | None, zone: str) -> EventInput:
    uid = str(component.get("uid") or "").strip()
    if not uid:
        raise EventError(N_("no UID"))
    if len(uid) > 255:
        raise EventError(N_("the UID is too long"))
    if component.get("dtstart") is None:
        raise EventError(N_("no DTSTART (start)"))
    texts, text_language = _texts(component, language)
    start, start_zone = _local(component.decoded("dtstart"), zone)
    end = None
    duration = None
    if component.get("dtend") is not None:
        end_value = component.decoded("dtend")
        end, end_zone = _local(end_value, start_zone)
        if end_zone != start_zone:  # an end in another zone: convert to the start's wall clock
            from zoneinfo import ZoneInfo

            end = end_value.astimezone(ZoneInfo(start_zone)).replace(tzinfo=None)
    elif component.get("duration") is not None:
        duration = component.decoded("duration")
    capacity = component.get("x-alumni-capacity")
    try:
        sequence = int(component.decoded("sequence")) if component.get("sequence") is not None else 0
    except (TypeError, ValueError):
        raise EventError(N_("SEQUENCE is not a number")) from None
    return EventInput(
        texts=texts,
        language=text_language,
        starts_local=start,
        ends_local=end,
        duration=duration,
        timezone=start_zone,
        place=str(component.get("location") or ""),
        online_url=str(component.get("url") or ""),
        country_code=country or (str(component.get("x-alumni-country")) if component.get("x-alumni-country") else None),
        channel_slug=channel,
        capacity=str(capacity) if capacity is not None else None,
        uid=uid,
        sequence=sequence,
        cancelled=str(component.get("status") or "").upper() == "CANCELLED",
    )


async def import_ics(
    session: AsyncSession, content: bytes, *, actor_id: int | None = None, language: str = "en",
    country: str | None = None, channel: str | None = None, default_zone: str = "UTC",
) -> ImportReport:
    """Import every VEVENT; a bad one is reported with its reason and the good ones are kept.

    Known UIDs are updated only when the file's SEQUENCE is higher than ours.
    """
    from core.i18n import _

    report = ImportReport()
    try:
        calendar = icalendar.Calendar.from_ical(content)
    except (ValueError, IndexError, KeyError) as error:
        raise EventError(N_("this is not an iCalendar file ({reason})"), reason=str(error)[:120]) from None
    for position, component in enumerate(calendar.walk("VEVENT"), start=1):
        label = str(component.get("uid") or f"#{position}")[:80]
        try:
            async with session.begin_nested():
                data = _input(component, language, country, channel, default_zone)
                existing = await session.scalar(select(Event).where(Event.uid == data.uid))
                if existing is None:
                    event, _valid = await create_event(session, data, actor_id, allow_past=True)
                    report.created += 1
                    report.event_ids.append(event.id)
                elif (data.sequence or 0) > existing.sequence:
                    if existing.status == "cancelled":
                        raise EventError(N_("This event was cancelled; it can no longer be changed."))
                    await update_event(session, existing, data, actor_id, allow_past=True, sequence=data.sequence)
                    report.updated += 1
                    report.event_ids.append(existing.id)
                else:
                    report.unchanged += 1
                    report.event_ids.append(existing.id)
        except EventError as error:
            report.rejected.append((label, error.translated()))
        except (ValueError, TypeError, KeyError) as error:
            report.rejected.append((label, _("unreadable event ({reason})").format(reason=str(error)[:120])))
    return report

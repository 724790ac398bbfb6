"""An event in the reader's words: its texts in their language (else the organiser's, else any),
its times in their zone and locale. Used by the chat commands, notices and reminders."""
from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.db.models import Event, Rsvp
from core.geo.timezones import zone_name
from core.i18n import _, current_language, ngettext
from core.i18n.formatting import format_datetime, format_number, format_time



def pick_text(event: Event, language: str | None = None) -> tuple[str, str]:
    """(title, description) in the reader's language, else the organiser's, else any."""
    texts = event.texts or {}
    for code in (language or current_language(), event.language, *texts):
        entry = texts.get(code)
        if entry and entry.get("title"):
            return entry["title"], entry.get("description", "")
    return "", ""


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name) if name else ZoneInfo("UTC")
    except (KeyError, ValueError):
        return ZoneInfo("UTC")


def when(event: Event, reader_zone: str | None) -> str:
    """"Sun, Mar 29, 2026, 6:30 PM – 8:30 PM" in the reader's zone (the end with its date when it differs)."""
    zone = reader_zone or event.timezone
    start = format_datetime(event.starts_at, zone)
    if event.ends_at is None:
        return start
    same_day = event.starts_at.astimezone(_zone(zone)).date() == event.ends_at.astimezone(_zone(zone)).date()
    end = format_time(event.ends_at, zone) if same_day else format_datetime(event.ends_at, zone)
    return f"{start} – {end}"


def organiser_clock(event: Event, reader_zone: str | None) -> str | None:
    """The local time where the event happens, when the reader's clock differs from it there."""
    if not reader_zone or reader_zone == event.timezone:
        return None
    instant = event.starts_at
    if instant.astimezone(_zone(reader_zone)).utcoffset() == instant.astimezone(_zone(event.timezone)).utcoffset():
        return None
    return _("{time} local time in {city}").format(time=format_datetime(instant, event.timezone), city=zone_city(event.timezone))


def zone_city(zone: str) -> str:
    """A zone's main city in the reader's language ("Le Caire"), as people name it (or its UTC offset)."""
    return zone_name(zone)


@dataclass(frozen=True, slots=True)
class Counts:
    yes: int = 0
    maybe: int = 0
    no: int = 0
    waiting: int = 0


async def counts(session: AsyncSession, event_ids: list[int]) -> dict[int, Counts]:
    found: dict[int, dict[str, int]] = {}
    if not event_ids:
        return {}
    rows = await session.execute(
        select(Rsvp.event_id, Rsvp.answer, Rsvp.waitlisted, func.count())
        .where(Rsvp.event_id.in_(event_ids))
        .group_by(Rsvp.event_id, Rsvp.answer, Rsvp.waitlisted)
    )
    for event_id, answer, waitlisted, number in rows:
        slot = found.setdefault(event_id, {})
        key = "waiting" if answer == "yes" and waitlisted else answer
        slot[key] = slot.get(key, 0) + int(number)
    return {event_id: Counts(**values) for event_id, values in found.items()}


def counts_text(numbers: Counts, capacity: int | None) -> str:
    parts = [
        ngettext("{count} going", "{count} going", numbers.yes).format(count=format_number(numbers.yes)),
        ngettext("{count} maybe", "{count} maybe", numbers.maybe).format(count=format_number(numbers.maybe)),
    ]
    if capacity:
        parts.append(ngettext("{count} place", "{count} places", capacity).format(count=format_number(capacity)))
    if numbers.waiting:
        parts.append(
            ngettext("{count} on the waiting list", "{count} on the waiting list", numbers.waiting).format(
                count=format_number(numbers.waiting)
            )
        )
    return " · ".join(parts)

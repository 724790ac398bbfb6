"""iCalendar files in and out: importing a file (idempotent by UID, SEQUENCE decides), and the
writing of ``core.events.ical_export`` handed on, so callers find both halves here.

Import stands above the event service (each VEVENT is created or updated through it); writing
stands below it, where the mirrors that follow an event change can use it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from core import audit
from core.db.models import Event
from core.i18n import N_, SUPPORTED_LANGUAGES, _
from core.imports import ImportLimits
from core.text import echo

from .errors import EventError
from .ical_export import channel_feed, export_event, export_events, ics_filename
from .listing import channel_events_filter
from .service import EventInput, create_event, update_event
from .times import check_year

__all__ = [
    "ImportReport", "Rejected", "channel_events_filter", "channel_feed", "export_event", "export_events", "ics_filename",
    "import_ics", "parse_calendar",
]


# ---------------------------------------------------------------- import

MAX_SEQUENCE = 2_147_483_647  # the column is a 32-bit integer on PostgreSQL
# Properties read from a VEVENT: one of them unreadable rejects the event instead of being dropped.
_READ = frozenset({"UID", "SUMMARY", "DESCRIPTION", "DTSTART", "DTEND", "DURATION", "SEQUENCE", "STATUS",
                   "LOCATION", "URL", "X-ALUMNI-CAPACITY", "X-ALUMNI-COUNTRY", "X-ALUMNI-SUMMARY",
                   "X-ALUMNI-DESCRIPTION", "RRULE", "RDATE"})
_ONCE = ("UID", "DTSTART", "DTEND", "DURATION", "SEQUENCE", "STATUS", "LOCATION", "URL", "X-ALUMNI-CAPACITY")


@dataclass(frozen=True, slots=True)
class Rejected:
    position: int  # 1-based, in the order of the file's VEVENTs
    uid: str  # as the file gives it (cut and cleaned), "" when it has none
    reason: str  # already translated


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[Rejected] = field(default_factory=list)
    event_ids: list[int] = field(default_factory=list)
    aborted: bool = False  # strict and an event was rejected: nothing was written


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


def _local(component: icalendar.Event, name: str, default_zone: str) -> tuple[datetime, str]:
    """A DTSTART/DTEND as wall clock + IANA zone name."""
    tzid = str(component[name].params.get("TZID") or "")
    value = component.decoded(name)
    if isinstance(value, date) and not isinstance(value, datetime):
        raise EventError(N_("all-day events are not supported: give a start time"))
    if not isinstance(value, datetime):
        raise EventError(N_("unreadable date"))
    check_year(value)
    if value.tzinfo is None:
        if tzid:  # neither IANA, nor a Windows name, nor a VTIMEZONE of the file: not UTC either
            raise EventError(N_("unknown time zone {value}: use an IANA TZID such as Europe/Paris"), value=tzid)
        return value, default_zone
    key = getattr(value.tzinfo, "key", None)
    if key:
        return value.replace(tzinfo=None), key
    if value.utcoffset() == timedelta(0) and not tzid:
        return value.astimezone(timezone.utc).replace(tzinfo=None), "UTC"
    if tzid:
        raise EventError(N_("unknown time zone {value}: use an IANA TZID such as Europe/Paris"), value=tzid)
    raise EventError(N_("unknown time zone: use an IANA TZID such as Europe/Paris"))


def _input(component: icalendar.Event, language: str, country: str | None, channel: str | None, zone: str) -> EventInput:
    """The event a VEVENT describes, checked without the database; EventError says what is wrong."""
    for name, problem in getattr(component, "errors", []):
        if str(name).upper() in _READ:
            raise EventError(N_("unreadable {name}: {reason}"), name=str(name).upper(), reason=str(problem)[:120])
    for name in _ONCE:
        if isinstance(component.get(name), list):
            raise EventError(N_("{name} appears more than once"), name=name)
    uid = str(component.get("uid") or "").strip()
    if not uid:
        raise EventError(N_("no UID"))
    if len(uid) > 255:
        raise EventError(N_("the UID is too long"))
    if component.get("rrule") is not None or component.get("rdate") is not None:
        raise EventError(N_("recurring events (RRULE) are not supported yet: give each date as its own event"))
    if component.get("dtstart") is None:
        raise EventError(N_("no DTSTART (start)"))
    texts, text_language = _texts(component, language)
    start, start_zone = _local(component, "dtstart", zone)
    end = None
    duration = None
    if component.get("dtend") is not None:
        end, end_zone = _local(component, "dtend", start_zone)
        if end_zone != start_zone:  # an end in another zone: convert to the start's wall clock
            end_value = end.replace(tzinfo=ZoneInfo(end_zone))
            end = end_value.astimezone(ZoneInfo(start_zone)).replace(tzinfo=None)
            check_year(end)
    elif component.get("duration") is not None:
        duration = component.decoded("duration")
    capacity = component.get("x-alumni-capacity")
    try:
        sequence = int(component.decoded("sequence")) if component.get("sequence") is not None else 0
    except (TypeError, ValueError):
        raise EventError(N_("SEQUENCE is not a number")) from None
    if not 0 <= sequence <= MAX_SEQUENCE:
        raise EventError(N_("SEQUENCE must be a whole number from 0 to {limit}"), limit=MAX_SEQUENCE)
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


def parse_calendar(content: bytes, limits: ImportLimits) -> list[icalendar.Event]:
    """The VEVENTs of a file, after the cheap checks: its size, then its number of events, then parsing."""
    limits.check_size(len(content))
    limits.check_events(content)
    try:
        calendar = icalendar.Calendar.from_ical(content)
    except (ValueError, IndexError, KeyError) as error:
        raise EventError(N_("this is not an iCalendar file ({reason})"), reason=str(error)[:120]) from None
    return list(calendar.walk("VEVENT"))


class _Abort(Exception):
    """Strict import with a rejected event: unwinds the savepoint that holds the whole file."""


async def import_ics(
    session: AsyncSession, content: bytes, *, actor: audit.Actor, file_name: str = "", language: str = "en",
    country: str | None = None, channel: str | None = None, default_zone: str = "UTC", strict: bool = False,
    limits: ImportLimits = ImportLimits(),
) -> ImportReport:
    """Import every VEVENT, each on its own: a bad one is reported with its reason and the good ones are kept,
    or, ``strict``, nothing is kept when any is bad. Raises ``ImportLimitError`` or ``EventError`` for the file.

    Known UIDs are updated only when the file's SEQUENCE is higher than ours. One audit entry, in
    ``actor``'s name, counts what the file changed (none for a strict import that kept nothing).
    """
    components = parse_calendar(content, limits)
    report = ImportReport()
    try:
        async with session.begin_nested():
            for position, component in enumerate(components, start=1):
                await _import_one(session, component, position, report, actor=actor, language=language,
                                  country=country, channel=channel, default_zone=default_zone)
            if strict and report.rejected:
                raise _Abort
    except _Abort:
        report.aborted = True
        report.created = report.updated = report.unchanged = 0
        report.event_ids = []
        return report
    await audit.record(session, actor, audit.EVENTS_IMPORT, object_kind="calendar", object_id=file_name[:100] or None,
                       details={"created": report.created, "updated": report.updated, "unchanged": report.unchanged,
                                "rejected": len(report.rejected), "country": country, "channel": channel})
    return report


async def _import_one(
    session: AsyncSession, component: icalendar.Event, position: int, report: ImportReport, *,
    actor: audit.Actor, language: str, country: str | None, channel: str | None, default_zone: str,
) -> None:
    """One VEVENT in its own savepoint: whatever goes wrong with it is undone and reported."""
    uid = str(echo(str(component.get("uid") or "").strip()))
    try:
        data = _input(component, language, country, channel, default_zone)
        async with session.begin_nested():
            existing = await session.scalar(select(Event).where(Event.uid == data.uid))
            if existing is None:
                event, _valid = await create_event(session, data, actor, allow_past=True, audited=False)
                report.created += 1
                report.event_ids.append(event.id)
            elif (data.sequence or 0) > existing.sequence:
                if existing.status == "cancelled":
                    raise EventError(N_("This event was cancelled; it can no longer be changed."))
                await update_event(session, existing, data, actor, allow_past=True, sequence=data.sequence,
                                   audited=False)
                report.updated += 1
                report.event_ids.append(existing.id)
            else:
                report.unchanged += 1
                report.event_ids.append(existing.id)
    except EventError as error:
        report.rejected.append(Rejected(position, uid, error.translated()))
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError) as error:  # odd files
        report.rejected.append(Rejected(position, uid, _("unreadable event ({reason})").format(reason=str(error)[:120])))
    except DBAPIError as error:  # a value the checks above let through and the database refuses
        reason = str(error.orig or error).splitlines()[0][:120]
        report.rejected.append(Rejected(position, uid, _("refused by the database ({reason})").format(reason=reason)))

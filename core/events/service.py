"""Creating, editing and cancelling events: validation of the whole event, rights, storage, and the
sequence; what follows each change (notices, reminders, waiting list, mirrors) is ``followups``."""
from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core import audit
from core.db.models import Association, Channel, Event
from core.db.types import utcnow
from core.i18n import N_
from core.roles import ambassador_countries, is_administrator, may_act_for_country

from . import fields
from .errors import EventError
from .followups import Change, follow_up
from .times import MAX_DURATION, elapsed_end, to_utc, zone_or_error

log = logging.getLogger(__name__)


@dataclass
class EventInput:
    """Everything that defines an event, before it is stored. Times are wall clock in ``timezone``."""

    texts: dict[str, dict[str, str]]  # {"fr": {"title": ..., "description": ...}}
    language: str
    starts_local: datetime
    timezone: str
    ends_local: datetime | None = None
    duration: timedelta | None = None  # alternative to ends_local
    place: str = ""
    online_url: str = ""
    country_code: str | None = None
    channel_slug: str | None = None
    association_id: int | None = None
    capacity: int | None = None
    uid: str | None = None
    sequence: int | None = None  # imports keep the SEQUENCE of the file
    cancelled: bool = False
    notes: list[str] = field(default_factory=list)  # msgids said after success (the autumn fold)


@dataclass(frozen=True, slots=True)
class Valid:
    data: EventInput
    channel: Channel | None
    starts_at: datetime
    ends_at: datetime | None
    ambiguous: bool  # a time happened twice: the first occurrence was taken


async def validate(session: AsyncSession, data: EventInput, *, allow_past: bool = False) -> Valid:
    """Check every field; returns the cleaned input with its UTC instants, or raises EventError."""
    language = fields.clean_language(data.language)
    texts: dict[str, dict[str, str]] = {}
    for code, entry in data.texts.items():
        code = fields.clean_language(code)
        title = (entry or {}).get("title", "")
        description = fields.clean_description((entry or {}).get("description", ""))
        if not (title or "").strip():
            if description:
                raise EventError(N_("A description needs a title in the same language."))
            continue
        texts[code] = {"title": fields.clean_title(title), "description": description}
    if not texts:
        raise EventError(N_("The title cannot be empty."))
    if language not in texts:
        language = next(iter(texts))
    zone_or_error(data.timezone)
    start = to_utc(data.starts_local, data.timezone)
    ends_local = data.ends_local
    if ends_local is None and data.duration is not None:
        if data.duration <= timedelta(0) or data.duration > MAX_DURATION:
            raise EventError(N_("An event can last at most 31 days."))
        ends_local, end = elapsed_end(start, data.duration, data.timezone)  # real time, across a clock change
    else:
        end = to_utc(ends_local, data.timezone) if ends_local is not None else None
    if end is not None:
        if end.instant <= start.instant:
            raise EventError(N_("The end must come after the start."))
        if end.instant - start.instant > MAX_DURATION:
            raise EventError(N_("An event can last at most 31 days."))
    if not allow_past and start.instant <= utcnow():
        raise EventError(N_("This time is already past. Give a time in the future."))
    place = fields.clean_place(data.place)
    url = fields.clean_url(data.online_url)
    if not place and not url:
        raise EventError(N_("Give a place or an online link (or both)."))
    country = fields.clean_country(data.country_code)
    channel = None
    if data.channel_slug:
        slug = data.channel_slug.strip().lower().lstrip("#")
        channel = await session.scalar(select(Channel).where(Channel.slug == slug))
        if channel is None:
            raise EventError(N_("There is no channel “{value}”."), value=slug[:60])
        if channel.kind == "country":
            if country and country != channel.country_code:
                raise EventError(N_("The channel of one country cannot hold an event in another country."))
            country = channel.country_code
    if country is None and channel is None:
        raise EventError(N_("Give the event's country or channel."))
    if data.association_id is not None and await session.get(Association, data.association_id) is None:
        raise EventError(N_("There is no association number {id}."), id=data.association_id)
    capacity = fields.clean_capacity(data.capacity)
    cleaned = replace(
        data, texts=texts, language=language, ends_local=ends_local, duration=None, place=place, online_url=url,
        country_code=country, channel_slug=channel.slug if channel else None, capacity=capacity,
    )
    return Valid(cleaned, channel, start.instant, end.instant if end else None, start.ambiguous or bool(end and end.ambiguous))


# ---------------------------------------------------------------- rights


async def may_manage(session: AsyncSession, member_id: int | None, country_code: str | None) -> bool:
    """Ambassadors for events in their countries, administrators anywhere; None is the command line."""
    if member_id is None:
        return True
    if country_code:
        return await may_act_for_country(session, member_id, country_code)
    return await is_administrator(session, member_id)


async def may_create_any(session: AsyncSession, member_id: int) -> bool:
    return await is_administrator(session, member_id) or bool(await ambassador_countries(session, member_id))


async def require_rights(session: AsyncSession, member_id: int | None, country_code: str | None, action: str) -> None:
    if await may_manage(session, member_id, country_code):
        return
    log.warning("refused: member %s may not %s an event in %s", member_id, action, country_code or "a topic channel")
    if country_code:
        raise EventError(N_("Only the ambassadors of this country and the administrators can create or change its events."))
    raise EventError(N_("Only administrators can create or change events that belong to no country."))


# ---------------------------------------------------------------- storage


def _write(event: Event, valid: Valid) -> None:
    data = valid.data
    event.texts = data.texts
    event.language = data.language
    event.starts_local = data.starts_local.replace(tzinfo=None, fold=0)
    event.ends_local = data.ends_local.replace(tzinfo=None, fold=0) if data.ends_local else None
    event.timezone = data.timezone
    event.starts_at = valid.starts_at
    event.ends_at = valid.ends_at
    event.place = data.place
    event.online_url = data.online_url
    event.country_code = data.country_code
    event.channel_id = valid.channel.id if valid.channel else None
    event.association_id = data.association_id
    event.capacity = data.capacity


def new_uid() -> str:
    return f"{uuid.uuid4()}@alumni-bots"


def _audit_details(event: Event, valid: Valid) -> dict[str, object]:
    return {"country": event.country_code, "channel": valid.channel.slug if valid.channel else None,
            "sequence": event.sequence}


async def create_event(
    session: AsyncSession, data: EventInput, actor: audit.Actor, *, allow_past: bool = False, audited: bool = True
) -> tuple[Event, Valid]:
    """Store a new event in ``actor``'s name (a member: their rights; the command line: every right).
    ``audited=False`` for an import, which records one entry for the whole file."""
    actor_id = actor.member_id
    valid = await validate(session, data, allow_past=allow_past)
    await require_rights(session, actor_id, valid.data.country_code, "create")
    event = Event(uid=data.uid or new_uid(), sequence=data.sequence or 0, created_by=actor_id)
    _write(event, valid)
    event.status = "cancelled" if data.cancelled else "scheduled"
    session.add(event)
    await session.flush()
    await follow_up(session, event, Change.CREATED)
    if audited:
        await audit.record(session, actor, audit.EVENT_CREATE, object_kind="event", object_id=event.id,
                           details=_audit_details(event, valid))
    log.info("event %s created by member %s", event.id, actor_id)
    return event, valid


async def channel_slug_of(session: AsyncSession, event: Event) -> str | None:
    if event.channel_id is None:
        return None
    return await session.scalar(select(Channel.slug).where(Channel.id == event.channel_id))


async def input_of(session: AsyncSession, event: Event) -> EventInput:
    """The stored event as an input, to change some fields and validate again."""
    return EventInput(
        texts={k: dict(v) for k, v in (event.texts or {}).items()},
        language=event.language,
        starts_local=event.starts_local,
        ends_local=event.ends_local,
        timezone=event.timezone,
        place=event.place,
        online_url=event.online_url,
        country_code=event.country_code,
        channel_slug=await channel_slug_of(session, event),
        association_id=event.association_id,
        capacity=event.capacity,
        uid=event.uid,
    )


async def update_event(
    session: AsyncSession, event: Event, data: EventInput, actor: audit.Actor, *,
    allow_past: bool = False, sequence: int | None = None, audited: bool = True,
) -> Valid:
    """Store a changed event: rights on the old and the new country, SEQUENCE bumped, answerers told,
    reminders planned again, and waiting people promoted when places were added. Recorded as ``actor``'s
    edit (or cancellation) unless ``audited=False`` (an import records the whole file)."""
    actor_id = actor.member_id
    if event.status == "cancelled":
        raise EventError(N_("This event was cancelled; it can no longer be changed."))
    await require_rights(session, actor_id, event.country_code, "edit")
    valid = await validate(session, data, allow_past=allow_past)
    if valid.data.country_code != event.country_code:
        await require_rights(session, actor_id, valid.data.country_code, "edit")
    _write(event, valid)
    event.sequence = sequence if sequence is not None else event.sequence + 1
    if data.cancelled:
        event.status = "cancelled"
    event.updated_at = utcnow()
    await session.flush()
    await follow_up(session, event, Change.EDITED)
    if audited:
        action = audit.EVENT_CANCEL if event.status == "cancelled" else audit.EVENT_EDIT
        await audit.record(session, actor, action, object_kind="event", object_id=event.id,
                           details=_audit_details(event, valid))
    log.info("event %s changed by member %s (sequence %s)", event.id, actor_id, event.sequence)
    return valid


async def cancel_event(session: AsyncSession, event: Event, actor: audit.Actor) -> None:
    """Cancel in ``actor``'s name: answerers told, reminders dropped, the cancellation recorded."""
    actor_id = actor.member_id
    await require_rights(session, actor_id, event.country_code, "cancel")
    if event.status == "cancelled":
        raise EventError(N_("This event is already cancelled."))
    event.status = "cancelled"
    event.sequence += 1
    event.updated_at = utcnow()
    await session.flush()
    await follow_up(session, event, Change.CANCELLED)
    await audit.record(session, actor, audit.EVENT_CANCEL, object_kind="event", object_id=event.id,
                       details={"country": event.country_code, "channel": await channel_slug_of(session, event),
                                "sequence": event.sequence})
    log.info("event %s cancelled by member %s", event.id, actor_id)


async def get_event(session: AsyncSession, event_id: int | str) -> Event:
    try:
        number = int(str(event_id).strip().lstrip("#"))
    except ValueError:
        raise EventError(N_("“{value}” is not an event number."), value=str(event_id)[:40]) from None
    event = await session.get(Event, number) if 0 < number < 2**31 else None
    if event is None:
        raise EventError(N_("There is no event number {id}."), id=number)
    return event

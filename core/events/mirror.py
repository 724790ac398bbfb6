"""Mirroring events into a platform's own calendar (Discord's Scheduled Events), platform-free.

A ``ChannelBinding`` whose ``data`` holds ``mirror_to`` (an address chosen by its adapter, e.g.
the Discord adapter's ``events:<server id>``) asks for the events of its channel to be mirrored
there. When an event is created, edited or cancelled, ``plan_mirrors`` writes one outbox row
(kind ``mirror``) per distinct (platform, address); the ``event_mirror`` renderer builds, at send
time, the event as it is then: a reply whose file is the event in iCalendar (UID, SEQUENCE,
times, place, link, STATUS). STATUS:CANCELLED means "remove the mirror": the event was
cancelled, is over, or is no longer among the next ``MAX_MIRRORED`` of that address (platforms
cap them: Discord keeps at most 100 per server). The periodic ``events.mirror`` job plans rows
for events entering that window as earlier ones pass, and removals for mirrored events that
left it (over, or pushed back by earlier ones). Keys carry the SEQUENCE, so planning the
same state twice writes nothing.

The platform's own id of each mirror is kept by its adapter with ``remember``/``recall``, in the
bindings' ``data["mirrored"]`` (event UID -> platform id): no schema of its own.
"""
from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.messages.types import FileAttachment, Reply
from core.db.engine import Database
from core.db.models import BINDING_APPROVED, Channel, ChannelBinding, Delivery, Event
from core.db.types import utcnow
from core.delivery.outbox import enqueue_many

from .ical_export import export_event, ics_filename
from .listing import channel_events_filter
from .render import pick_text

log = logging.getLogger(__name__)

KIND = "mirror"
RENDERER = "event_mirror"
MIRROR_KEY = "mirror_to"
MIRRORED_KEY = "mirrored"
MAX_MIRRORED = 50  # the next events per address: well under Discord's 100, room for the server's own


async def _mirror_bindings(session: AsyncSession) -> list[tuple[ChannelBinding, Channel]]:
    rows = await session.execute(
        select(ChannelBinding, Channel).join(Channel, Channel.id == ChannelBinding.channel_id)
        .where(ChannelBinding.status == BINDING_APPROVED)  # nothing is mirrored into a chat still waiting for approval
    )
    return [(b, c) for b, c in rows if isinstance(b.data, dict) and b.data.get(MIRROR_KEY)]


async def targets_of(session: AsyncSession, event: Event) -> set[tuple[str, str]]:
    """(platform, address) of every mirror the event belongs to."""
    found = set()
    for binding, channel in await _mirror_bindings(session):
        if event.channel_id == channel.id or (
            channel.kind == "country" and channel.country_code and event.country_code == channel.country_code
        ):
            found.add((binding.platform, str(binding.data[MIRROR_KEY])))
    return found


def _row(event: Event, platform: str, address: str, step: str = "") -> dict[str, Any]:
    return {
        "key": f"{KIND}:event:{event.id}:seq{event.sequence}{step}:{platform}:{address}"[:200],
        "kind": KIND, "platform": platform, "target": address, "to_chat": True, "event_id": event.id,
        "payload": {"render": RENDERER, "event_id": event.id, "sequence": event.sequence},
    }


async def plan_mirrors(session: AsyncSession, event: Event) -> int:
    """The hook the event service calls after a create, edit or cancel (in its transaction)."""
    targets = await targets_of(session, event)
    if not targets:
        return 0
    log.info("event %s (sequence %s): mirrors planned for %d address(es)", event.id, event.sequence, len(targets))
    return await enqueue_many(session, [_row(event, platform, address) for platform, address in sorted(targets)])


async def _window(session: AsyncSession, platform: str, address: str) -> list[Event]:
    """The next ``MAX_MIRRORED`` upcoming events of the channels mirrored to this address."""
    channels = [c for b, c in await _mirror_bindings(session) if b.platform == platform and str(b.data[MIRROR_KEY]) == address]
    if not channels:
        return []
    now = utcnow()
    statement = (
        select(Event)
        .where(or_(*(channel_events_filter(c) for c in channels)), Event.status == "scheduled",
               or_(Event.starts_at > now, and_(Event.ends_at.is_not(None), Event.ends_at > now)))
        .order_by(Event.starts_at, Event.id)
        .limit(MAX_MIRRORED)
    )
    return list(await session.scalars(statement))


async def render_mirror(session: AsyncSession, delivery: Delivery) -> Reply | None:
    """The event as it is now, as iCalendar; STATUS:CANCELLED when the mirror must go."""
    event = await session.get(Event, delivery.payload.get("event_id") or delivery.event_id)
    if event is None:
        return None
    if delivery.payload.get("sequence") != event.sequence:
        return None  # changed again since: the row of the newer state carries it
    keep = event.status == "scheduled" and event.id in {e.id for e in await _window(session, delivery.platform, delivery.target)}
    content = export_event(event)
    if not keep:
        content = content.replace(b"STATUS:CONFIRMED", b"STATUS:CANCELLED")
    title, description = pick_text(event, event.language)
    return Reply(text=description, title=title, file=FileAttachment(ics_filename(event), content, "text/calendar"),
                 language=event.language)


async def plan_window(db: Database) -> None:
    """Keep each address's mirrors to its window: events that entered it (earlier ones passed) get
    their mirror; mirrored events that left it (over, or pushed back by earlier ones) lose theirs."""
    async with db.transaction() as session:
        bindings = await _mirror_bindings(session)
        addresses = sorted({(b.platform, str(b.data[MIRROR_KEY])) for b, _c in bindings})
        rows = []
        for platform, address in addresses:
            window = await _window(session, platform, address)
            rows += [_row(event, platform, address) for event in window]
            mirrored: set[str] = set()
            for binding, _channel in bindings:
                if binding.platform == platform and str(binding.data[MIRROR_KEY]) == address:
                    mirrored.update((binding.data.get(MIRRORED_KEY) or {}).keys())
            kept = {event.uid for event in window}
            left = [uid for uid in mirrored if uid not in kept]
            if left:
                rows += [_row(event, platform, address, ":out")
                         for event in await session.scalars(select(Event).where(Event.uid.in_(left)))]
        if rows:
            await enqueue_many(session, rows)


# ---------------------------------------------------------------- the platform's ids


async def _bindings_at(session: AsyncSession, platform: str, address: str) -> list[ChannelBinding]:
    return [b for b, _c in await _mirror_bindings(session) if b.platform == platform and str(b.data[MIRROR_KEY]) == address]


async def recall(session: AsyncSession, platform: str, address: str, uid: str) -> str | None:
    """The platform's id of an event's mirror (by the event's UID) at this address, if one was made."""
    for binding in await _bindings_at(session, platform, address):
        found = (binding.data.get(MIRRORED_KEY) or {}).get(uid)
        if found:
            return str(found)
    return None


async def remember(session: AsyncSession, platform: str, address: str, uid: str, external_id: str | None) -> None:
    """Store (or forget, with None) the platform's id of an event's mirror, on every binding of the address."""
    for binding in await _bindings_at(session, platform, address):
        mirrored = dict(binding.data.get(MIRRORED_KEY) or {})
        if external_id is None:
            mirrored.pop(uid, None)
        else:
            mirrored[uid] = external_id
        binding.data = {**binding.data, MIRRORED_KEY: mirrored}  # a new dict: the JSON column sees the change
    await session.flush()

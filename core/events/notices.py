"""Notices through the outbox: an event changed or was cancelled, a place freed up for you.

Each notice is rendered now, in the recipient's language and time zone, and waits in the
outbox as a finished reply; its key makes planning the same notice twice write nothing.
"""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.messages import actions
from core.messages.types import Button, Reply
from core.db.models import Delivery, Event, Member, Rsvp
from core.delivery.outbox import enqueue_many
from core.delivery.payload import reply_to_json
from core.delivery.recipients import push_identities
from core.i18n import DEFAULT_LANGUAGE, _, is_rtl
from core.i18n.region import regional_locale, use_locale

from .render import organiser_clock, pick_text, when


Settings = tuple[str | None, str | None, str | None]


async def member_settings(session: AsyncSession, member_ids: Iterable[int]) -> dict[int, Settings]:
    """member id -> (language, country, time zone): plain columns, no ORM objects to build for thousands."""
    ids = list(set(member_ids))
    found: dict[int, Settings] = {}
    for start in range(0, len(ids), 5000):
        rows = await session.execute(
            select(Member.id, Member.language, Member.country_code, Member.timezone).where(Member.id.in_(ids[start : start + 5000]))
        )
        found.update({member_id: (language, country, zone) for member_id, language, country, zone in rows})
    return found


async def event_summary(event: Event, zone: str | None) -> str:
    """The event in a few lines. The title and the place are lines of their own, not values inside
    a sentence: they are not isolated (an isolate around a whole line only adds marks to show)."""
    title, _description = pick_text(event)
    lines = [title, when(event, zone)]
    local = organiser_clock(event, zone)
    if local:
        lines.append(local)
    if event.place:
        lines.append(event.place)
    if event.online_url:
        lines.append(event.online_url)
    return "\n".join(lines)


async def _rows(
    session: AsyncSession, event: Event, member_ids: list[int], kind: str, key_part: str
) -> list[dict[str, object]]:
    identities = await push_identities(session, member_ids)
    settings = await member_settings(session, identities)
    details = await actions.encode(session, "event", str(event.id))
    rows: list[dict[str, object]] = []
    rendered: dict[Settings, dict[str, object]] = {}  # readers share languages, countries and zones
    for member_id, identity in identities.items():
        stored_language, country, zone = settings.get(member_id, (None, None, None))
        language = stored_language or DEFAULT_LANGUAGE
        reader = (language, regional_locale(language, country), zone)
        if reader not in rendered:
            rendered[reader] = reply_to_json(await _notice(event, kind, language, country, zone, details))
        rows.append(
            {
                "key": f"notice:event:{event.id}:{key_part}:{member_id}"[:200],
                "kind": "notice",
                "platform": identity.platform,
                "target": identity.user_id,
                "member_id": member_id,
                "identity_id": identity.id,
                "event_id": event.id,
                "payload": {"reply": rendered[reader]},
            }
        )
    return rows


async def _notice(event: Event, kind: str, language: str, country: str | None, zone: str | None, details: str) -> Reply:
    with use_locale(language, country):
        summary = await event_summary(event, zone)
        if kind == "cancelled":
            title, buttons = _("Event cancelled"), []
            text = _("This event you answered has been cancelled:") + "\n" + summary
        elif kind == "changed":
            title, buttons = _("Event changed"), [[Button(_("Details"), details)]]
            text = _("This event you answered has changed. Here is what it looks like now:") + "\n" + summary
        else:
            title, buttons = _("A place is yours"), [[Button(_("Details"), details)]]
            text = _("A place freed up: you are now going to this event.") + "\n" + summary
        return Reply(text=text, title=title, buttons=buttons, language=language, rtl=is_rtl(language))


async def notify_answerers(session: AsyncSession, event: Event, cancelled: bool) -> int:
    """Tell everyone who answered yes or maybe (waiting or not) that the event changed or was cancelled."""
    member_ids = list(
        await session.scalars(select(Rsvp.member_id).where(Rsvp.event_id == event.id, Rsvp.answer.in_(("yes", "maybe"))))
    )
    # A notice of an earlier change that has not gone out yet is superseded by this one.
    await session.execute(
        delete(Delivery).where(
            Delivery.event_id == event.id, Delivery.kind == "notice", Delivery.status == "pending",
            Delivery.key.like(f"notice:event:{event.id}:seq%"), Delivery.key.notlike("%:promoted:%"),
        )
    )
    if not member_ids:
        return 0
    rows = await _rows(session, event, member_ids, "cancelled" if cancelled else "changed", f"seq{event.sequence}")
    return await enqueue_many(session, rows) if rows else 0


async def notify_promoted(session: AsyncSession, event: Event, member_ids: list[int]) -> int:
    rows = []
    for member_id in member_ids:
        answered = await session.scalar(
            select(Rsvp.answered_at).where(Rsvp.event_id == event.id, Rsvp.member_id == member_id)
        )
        stamp = int(answered.timestamp() * 1000) if answered else 0
        rows += await _rows(session, event, [member_id], "promoted", f"seq{event.sequence}:promoted:{stamp}")
    return await enqueue_many(session, rows) if rows else 0

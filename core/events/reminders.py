"""Reminder offsets (``reminders 1d 1h``) and the reminder rows of the outbox.

The database is the source of truth: each (event, member, offset, sequence) is one outbox
row due at ``starts_at - offset`` and expiring when the event starts, so the delivery
engine sends it once, late only while the event has not begun. Whenever the answer, the
event or the offsets change, the member's pending rows are replaced.
"""
from __future__ import annotations

import re
from datetime import timedelta

from babel.dates import format_timedelta
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.messages.types import Reply
from core.db.models import Delivery, Event, Member, Rsvp
from core.db.types import utcnow
from core.delivery.outbox import enqueue_many
from core.delivery.recipients import push_identities
from core.i18n import DEFAULT_LANGUAGE, N_, _, current_language, is_rtl
from core.i18n.formatting import format_list, format_relative
from core.i18n.reading import off_words
from core.i18n.region import use_locale
from core.text import fold

from .errors import EventError
from .render import organiser_clock, pick_text, when
from .times import parse_minutes

DEFAULT_OFFSETS = (1440, 60)
MAX_OFFSETS = 5
MAX_OFFSET = 30 * 1440
# The settings offered as buttons: (label, value for ``reminders``); the "off" label is a msgid.
REMINDER_PRESETS: tuple[tuple[str, str], ...] = (("1d 1h", "1d 1h"), ("1h", "1h"), ("30m", "30m"), (N_("Off"), "off"))


def offsets_of(member: Member) -> list[int]:
    return list(DEFAULT_OFFSETS) if member.reminder_offsets is None else list(member.reminder_offsets)


def parse_offsets(text: str) -> list[int]:
    """"1d 1h" -> [1440, 60]; "30m"; "2h15m" (one); "off" -> []. Largest first, no duplicates."""
    value = text.strip()
    if fold(value) in off_words() or fold(value) == "off":  # "off": the preset button's value
        return []
    value = re.sub(r"(\d)\s+(?=[^\d\s,;])", r"\1", value)  # "30 min" -> "30min"
    tokens = [t for t in re.split(r"[\s,;]+", value) if t]
    found: set[int] = set()
    for token in tokens:
        minutes = parse_minutes(token)
        if minutes is None or minutes <= 0:
            raise EventError(
                N_("I couldn't read “{value}”. Write reminders like {example}: m for minutes, h for hours, d for days."),
                value=token[:30], example="1d 1h",
            )
        if minutes > MAX_OFFSET:
            raise EventError(N_("A reminder can come at most 30 days before the event."))
        found.add(minutes)
    if not found:
        raise EventError(
            N_("I couldn't read “{value}”. Write reminders like {example}: m for minutes, h for hours, d for days."),
            value=text[:30], example="1d 1h",
        )
    if len(found) > MAX_OFFSETS:
        raise EventError(N_("At most {count} reminders per event."), count=MAX_OFFSETS)
    return sorted(found, reverse=True)


def format_offset(minutes: int) -> str:
    """1440 -> "1 day", 135 -> "2 hours and 15 minutes", in the reader's language."""
    language = current_language()
    parts = []
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    for amount, unit in ((days, "day"), (hours, "hour"), (mins, "minute")):
        if amount:
            parts.append(format_timedelta(timedelta(minutes=amount * {"day": 1440, "hour": 60, "minute": 1}[unit]),
                                          granularity=unit, threshold=1000, locale=language))
    return format_list(parts)


def describe_offsets(offsets: list[int]) -> str:
    """Each reminder said on its own ("1 day before and 1 hour before"), so two are never read as one."""
    if not offsets:
        return _("Reminders are off: I won't remind you of events.")
    return _("I remind you of each event you answered yes or maybe: {offsets}.").format(
        offsets=format_list([_("{duration} before").format(duration=format_offset(o)) for o in offsets])
    )


# ---------------------------------------------------------------- planning


def reminder_key(event: Event, member_id: int, offset: int) -> str:
    return f"reminder:event:{event.id}:m{member_id}:o{offset}:s{event.sequence}"


async def _clear(session: AsyncSession, event_id: int, member_ids: list[int] | None) -> None:
    statement = delete(Delivery).where(
        Delivery.event_id == event_id, Delivery.kind == "reminder", Delivery.status == "pending"
    )
    if member_ids is not None:
        statement = statement.where(Delivery.member_id.in_(member_ids))
    await session.execute(statement)


async def _plan(session: AsyncSession, event: Event, member_ids: list[int] | None) -> int:
    """Plan the reminders of the given members (None: everyone who answered) who are going or may go."""
    if event.status == "cancelled" or member_ids == []:
        return 0
    statement = select(Rsvp.member_id).where(
        Rsvp.event_id == event.id, Rsvp.answer.in_(("yes", "maybe")), Rsvp.waitlisted.is_(False)
    )
    if member_ids is not None:
        statement = statement.where(Rsvp.member_id.in_(member_ids))
    answered = set(await session.scalars(statement))
    if not answered:
        return 0
    offsets: dict[int, list[int]] = {}
    ids = list(answered)
    for start in range(0, len(ids), 5000):
        rows = await session.execute(
            select(Member.id, Member.reminder_offsets).where(Member.id.in_(ids[start : start + 5000]))
        )
        offsets.update({member_id: list(DEFAULT_OFFSETS) if chosen is None else list(chosen) for member_id, chosen in rows})
    identities = await push_identities(session, answered)
    now = utcnow()
    rows = []
    for member_id, identity in identities.items():
        for offset in offsets.get(member_id, []):
            due = event.starts_at - timedelta(minutes=offset)
            if due <= now:
                continue  # already past: not planned
            rows.append(
                {
                    "key": reminder_key(event, member_id, offset),
                    "kind": "reminder",
                    "platform": identity.platform,
                    "target": identity.user_id,
                    "member_id": member_id,
                    "identity_id": identity.id,
                    "event_id": event.id,
                    "due_at": due,
                    "expires_at": event.starts_at,
                    "payload": {"render": "reminder", "event_id": event.id, "member_id": member_id, "offset": offset,
                                "sequence": event.sequence},
                }
            )
    return await enqueue_many(session, rows) if rows else 0


async def replan_member(session: AsyncSession, event: Event, member_id: int) -> int:
    """Replace one member's pending reminders of one event (after an answer)."""
    await _clear(session, event.id, [member_id])
    return await _plan(session, event, [member_id])


async def replan_event(session: AsyncSession, event: Event) -> int:
    """Replace every pending reminder of an event (after an edit or a cancellation)."""
    await _clear(session, event.id, None)
    return await _plan(session, event, None)


async def replan_member_everywhere(session: AsyncSession, member_id: int) -> int:
    """After the member changed their offsets: every upcoming event they answered."""
    events = list(
        await session.scalars(
            select(Event).join(Rsvp, Rsvp.event_id == Event.id).where(
                Rsvp.member_id == member_id, Event.starts_at > utcnow(), Event.status == "scheduled"
            )
        )
    )
    planned = 0
    for event in events:
        planned += await replan_member(session, event, member_id)
    return planned


# ---------------------------------------------------------------- sending


async def render_reminder(session: AsyncSession, delivery: Delivery) -> Reply | None:
    """Built at send time: the member's current language and zone, the event as it is now."""
    payload = delivery.payload
    event = await session.get(Event, payload.get("event_id") or delivery.event_id)
    member = await session.get(Member, payload.get("member_id") or delivery.member_id)
    if event is None or member is None or event.status == "cancelled":
        return None
    if payload.get("sequence") is not None and payload["sequence"] != event.sequence:
        return None  # the event changed since: fresh rows were planned
    rsvp = await session.get(Rsvp, (event.id, member.id))
    if rsvp is None or rsvp.answer not in ("yes", "maybe") or rsvp.waitlisted:
        return None
    language = member.language or DEFAULT_LANGUAGE
    with use_locale(language, member.country_code):
        title, _description = pick_text(event)
        left = max(event.starts_at - utcnow(), timedelta(minutes=1))
        lines = [
            _("Reminder: “{title}” starts {when}.").format(title=title, when=format_relative(left)),
            when(event, member.timezone),
        ]
        local = organiser_clock(event, member.timezone)
        if local:
            lines.append(local)
        if event.place:
            lines.append(event.place)
        if event.online_url:
            lines.append(event.online_url)
        return Reply(text="\n".join(lines), title=_("Reminder"), language=language, rtl=is_rtl(language))


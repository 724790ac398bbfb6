"""Sending an announcement row: is it still wanted, and its header as of now.

An outbox row keeps only its version's body (``planning``). When a process sends it, this
renderer looks again: a cancelled announcement, or a sender who may no longer announce to the
channel (their role was revoked), sends nothing (the row is then marked skipped); the same check
runs once more just before the first message goes on the wire, for a row that waited for its
slot in the platform's limits (``last_check``). Otherwise the header is rendered in the row's
reader language from the announcement as it is now, so a sender erased by ``forget`` (their
name blanked) is never named, in a row sent or to come.

"Now" is at most ``FRESH_FOR`` (one second) old: a process asks the database once per second
per announcement, not for each of its rows, so a cancel, a revoked role or a ``forget`` stops
or unnames every row whose turn comes more than a second later.
"""
from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Hashable
from dataclasses import dataclass

from sqlalchemy import bindparam, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.messages.types import Reply
from core.db.models import Announcement, Channel, Delivery, Member
from core.delivery.payload import reply_from_json
from core.i18n import current_language

from .rights import announce_right, may_announce
from .texts import with_header

log = logging.getLogger(__name__)

LIVE = ("planned",)  # statuses whose rows may still go out ("reported" comes once none is left)
FRESH_FOR = 1.0  # seconds: a cancel or a revoked role stops every row whose turn comes this long after it


async def still_allowed(session: AsyncSession, announcement: Announcement, channel: Channel) -> bool:
    """May the announcement go out now: not cancelled, and its sender (if a member: the command
    line is the administrator) still may announce to the channel."""
    if announcement.cancelled_at is not None:
        return False
    if announcement.sender_id is None:
        return True
    return await may_announce(session, announcement.sender_id, channel)


@dataclass(frozen=True, slots=True)
class _Live:
    sender_name: str
    channel_slug: str


# Built once: the statement is the same for every row (only the id changes).
_LIVE_QUERY = (
    select(Announcement.sender_name, Channel.slug)
    .join(Channel, Channel.id == Announcement.channel_id)
    .where(
        Announcement.id == bindparam("announcement_id"),
        Announcement.status.in_(LIVE),
        Announcement.cancelled_at.is_(None),
        or_(Announcement.sender_id.is_(None), announce_right(Announcement.sender_id)),
    )
)


async def _ask(session: AsyncSession, announcement_id: int) -> _Live | None:
    found = (await session.execute(_LIVE_QUERY, {"announcement_id": announcement_id})).first()
    return None if found is None else _Live(found[0] or "", found[1])


class _Verdicts:
    """The last answer per announcement, reused for ``FRESH_FOR`` seconds in this process and asked
    once for every row that needs it meanwhile: a broadcast to 100,000 asks the database about once
    a second, not twice per row (a claim of 2,000 rows rendering at once would queue for the
    connection pool ahead of the marks of rows already sent). Keyed by database and event loop."""

    def __init__(self) -> None:
        self._known: dict[tuple[str, int, int], tuple[float, asyncio.Future[_Live | None]]] = {}

    async def get(self, session: AsyncSession, announcement_id: int) -> _Live | None:
        now = time.monotonic()
        key = (str(session.get_bind().url), id(asyncio.get_running_loop()), announcement_id)
        known = self._known.get(key)
        if known is not None and now - known[0] < FRESH_FOR:
            return await asyncio.shield(known[1])
        if len(self._known) > 1000:
            self._known = {k: v for k, v in self._known.items() if now - v[0] < FRESH_FOR}
        answer: asyncio.Future[_Live | None] = asyncio.get_running_loop().create_future()
        self._known[key] = (now, answer)
        try:
            answer.set_result(await _ask(session, announcement_id))
        except asyncio.CancelledError:  # the process is stopping: the rows waiting on it stop too
            self._known.pop(key, None)
            answer.cancel()
            raise
        except Exception as error:
            self._known.pop(key, None)
            answer.set_exception(error)
            answer.exception()  # retrieved: the rows waiting on it get it raised, nobody else is warned
            raise
        return answer.result()


_VERDICTS = _Verdicts()


async def _live(session: AsyncSession, delivery: Delivery) -> _Live | None:
    """What the header needs, when the row may still go out: the same conditions as
    ``still_allowed``, on an announcement that is still being sent (as of ``FRESH_FOR`` ago)."""
    if delivery.announcement_id is None:
        return None
    found = await _VERDICTS.get(session, delivery.announcement_id)
    if found is None:
        log.debug("announcement %s: row %s not sent (cancelled or no longer allowed)", delivery.announcement_id,
                  delivery.id)
    return found


async def still_live(session: AsyncSession, delivery: Delivery) -> bool:
    """Again just before it goes on the wire: a row that waited for its slot may have been cancelled."""
    return await _live(session, delivery) is not None


def shared_key(delivery: Delivery) -> Hashable | None:
    """Rows of one announcement with the same reader language and body read the same: the
    engine renders them once, not once per person (``core.delivery.renderers``). A row without
    its reader (planned before 0004: the member's language is looked up) is rendered alone."""
    payload = delivery.payload
    reader = payload.get("reader")
    if reader is None or delivery.announcement_id is None:
        return None
    return delivery.announcement_id, reader, json.dumps(payload.get("body"), sort_keys=True)


async def render_announcement(session: AsyncSession, delivery: Delivery) -> Reply | None:
    payload = delivery.payload
    found = await _live(session, delivery)
    if found is None:
        return None
    version = reply_from_json(payload["body"])
    reader = payload.get("reader")
    if reader is None and delivery.member_id is not None:  # planned before 0004: the member's language now
        reader = await session.scalar(select(Member.language).where(Member.id == delivery.member_id))
    return with_header(version, reader or current_language(), found.sender_name, found.channel_slug)

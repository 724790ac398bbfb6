"""Events mirrored as Discord Guild Scheduled Events (the server's "Events" list).

The core plans a ``mirror`` row for the address ``events:<server id>`` (put in the binding's
data by ``/bind`` when the bot may manage events, see ``access.bind_rights``); the row's reply
carries the event as iCalendar. Here it becomes an external
scheduled event (entity type 3: a place or a link, start and end): created the first time,
edited afterwards, deleted when the iCalendar says CANCELLED (cancelled, over, or no longer
among the next ones). Discord's id of each mirror is kept by the core (the command service's
``mirror_ids``: ``recall``/``remember``); a mirror deleted by hand in Discord is made again at the next
change. One server's mirrors are changed one at a time, so two rows never race for one id.
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import discord
import icalendar
from discord.utils import escape_mentions

from core.messages.types import Reply
from core.commands.mirror_ids import MirrorIds
from core.delivery.transport import PermanentError

log = logging.getLogger(__name__)
PREFIX = "events:"
EXTERNAL = 3
GUILD_ONLY = 2
MAX_NAME = 100
MAX_DESCRIPTION = 1000
MAX_LOCATION = 100
DEFAULT_LENGTH = timedelta(hours=1)  # Discord wants an end for external events


def is_mirror_address(address: str) -> bool:
    return address.startswith(PREFIX)


def mirror_address(guild_id: int | str) -> str:
    return f"{PREFIX}{guild_id}"


def _inert(text: str) -> str:
    """Mentions broken (scheduled events never ping, but their texts are shown in the server)."""
    return escape_mentions(text).replace("<@", "<\u200b@").replace("<#", "<\u200b#")


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _utc(value: Any) -> datetime:
    moment = value.dt if hasattr(value, "dt") else value
    if not isinstance(moment, datetime):  # a whole day
        moment = datetime(moment.year, moment.month, moment.day, tzinfo=timezone.utc)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


@dataclass(frozen=True, slots=True)
class Mirror:
    uid: str
    cancelled: bool
    fields: dict[str, Any]  # the scheduled event's JSON fields
    start: datetime


def mirror_of(reply: Reply) -> Mirror:
    """The scheduled event a mirror reply describes (its iCalendar file), or PermanentError."""
    if reply.file is None or reply.file.mime_type != "text/calendar":
        raise PermanentError("a mirror row without its iCalendar event")
    try:
        calendar = icalendar.Calendar.from_ical(reply.file.content)
        item = next(iter(calendar.walk("VEVENT")))
    except (ValueError, StopIteration) as error:
        raise PermanentError(f"unreadable mirror event: {error}") from error
    start = _utc(item.get("dtstart"))
    end = _utc(item.get("dtend")) if item.get("dtend") is not None else start + DEFAULT_LENGTH
    place = " ".join(str(item.get("location") or "").split())
    url = str(item.get("url") or "")
    name = " ".join((reply.title or str(item.get("summary") or "")).split()) or "…"
    description = "\n".join(p for p in (reply.text, url) if p)
    fields: dict[str, Any] = {
        "name": _cut(_inert(name), MAX_NAME),
        "privacy_level": GUILD_ONLY,
        "entity_type": EXTERNAL,
        "entity_metadata": {"location": _cut(place or url or "…", MAX_LOCATION)},
        "scheduled_start_time": start.isoformat(),
        "scheduled_end_time": end.isoformat(),
        "description": _cut(_inert(description), MAX_DESCRIPTION) or None,
    }
    return Mirror(str(item.get("uid")), str(item.get("status") or "").upper() == "CANCELLED", fields, start)


class ScheduledEvents:
    """Applies mirror replies to a server's scheduled events through the bot's HTTP client."""

    platform = "discord"

    def __init__(self, client: discord.Client) -> None:
        self.client = client
        self._locks: dict[str, asyncio.Lock] = {}

    def _ids(self) -> MirrorIds:
        return self.client.service.mirror_ids  # type: ignore[attr-defined, no-any-return]

    async def _recall(self, address: str, uid: str) -> str | None:
        return await self._ids().recall(self.platform, address, uid)

    async def _remember(self, address: str, uid: str, external_id: str | None) -> None:
        await self._ids().remember(self.platform, address, uid, external_id)

    async def apply(self, address: str, reply: Reply) -> None:
        """Create, edit or delete the mirror; raises discord errors for the transport to map."""
        guild_id = int(address[len(PREFIX):])
        mirror = mirror_of(reply)
        http = self.client.http
        async with self._locks.setdefault(address, asyncio.Lock()):
            known = await self._recall(address, mirror.uid)
            if mirror.cancelled:
                if known:
                    try:
                        await http.delete_scheduled_event(guild_id, int(known), reason="alumni event cancelled or over")
                    except discord.NotFound:
                        pass  # already gone
                    await self._remember(address, mirror.uid, None)
                return
            if known:
                try:
                    await http.edit_scheduled_event(guild_id, int(known), reason="alumni event changed", **mirror.fields)
                    return
                except discord.NotFound:
                    log.info("scheduled event %s of server %s was deleted by hand: made again", known, guild_id)
            if mirror.start <= datetime.now(timezone.utc):
                return  # already begun: Discord creates no event in the past
            created = await http.create_guild_scheduled_event(guild_id, reason="alumni event", **mirror.fields)
            await self._remember(address, mirror.uid, str(created["id"]))

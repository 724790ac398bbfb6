"""``DiscordTransport``: the delivery engine's way to send a reply on Discord.

A target is a user (``Target.address`` = user id: the DM channel is opened once and
remembered), a channel (``to_chat``: a text channel id), or a server's scheduled events
(``events:<server id>``: the core's event mirrors, see ``scheduled.py``). It uses the bot's logged-in
``discord.Client``, so pushes share its HTTP session and rate limits: discord.py's HTTP
client already follows Discord's per-route buckets and the global limit from the
``X-RateLimit-*`` headers (it waits before a request when a bucket is empty and retries
short 429s itself). A 429 longer than the client's ``max_ratelimit_timeout`` is raised here
as ``RetryAfter`` for the engine to reschedule.

Errors are sorted by ``errors.delivery_error``. discord.py's HTTP session has no request timeout
of its own (aiohttp's five minutes), hence ours per send.

A reply longer than one message (2,000 characters of content, ten embeds) is several messages:
each accepted one is reported to the core's ``Progress`` before the next is sent, so a retry
starts at the message that failed rather than repeating the first ones.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from typing import Any, TypeVar

import aiohttp
import discord

from core.messages.types import ChatAccess, Reply
from core.delivery.transport import Pace, Progress, Target, no_pace

from .access import apply_roles
from .errors import MALFORMED, delivery_error
from .render import render
from .scheduled import ScheduledEvents, is_mirror_address

log = logging.getLogger(__name__)
T = TypeVar("T")
NO_MENTIONS = discord.AllowedMentions.none()
SEND_TIMEOUT = 30.0  # seconds for one push (every request of it), then it is retried later

class DiscordTransport:
    platform = "discord"

    def __init__(self, client: discord.Client, *, timeout: float = SEND_TIMEOUT) -> None:
        self.client = client
        self.timeout = timeout
        self._dm_channels: dict[str, int] = {}
        self.scheduled = ScheduledEvents(client)

    async def _channel_id(self, target: Target, pace: Pace) -> int:
        if target.to_chat:
            return int(target.address)
        known = self._dm_channels.get(target.address)
        if known is None:
            data: dict[str, Any] = await self._within(self.client.http.start_private_message(int(target.address)))
            known = self._dm_channels[target.address] = int(data["id"])
            await pace()  # opening the DM was a request of its own: the message waits for its slot
        return known

    async def send(self, target: Target, reply: Reply) -> None:
        await self.send_paced(target, reply, no_pace)

    async def send_paced(self, target: Target, reply: Reply, pace: Pace, progress: Progress | None = None) -> None:
        """Every request waits for ``pace()`` (the engine's limiter: Discord's 50 requests/s count
        DM openings and each message of a split reply, not just replies); messages ``progress``
        says are out already are not sent again."""
        progress = progress or Progress()
        await pace()
        try:
            if target.to_chat and is_mirror_address(target.address):
                await self._within(self.scheduled.apply(target.address, reply))
                return
            channel = self.client.get_partial_messageable(await self._channel_id(target, pace))
            for number, (index, outgoing) in enumerate(progress.remaining(render(reply))):
                if number:
                    await pace()
                await self._within(channel.send(**outgoing.send_kwargs(), allowed_mentions=NO_MENTIONS))
                await progress.sent(index)
        except (discord.DiscordException, aiohttp.ClientError, asyncio.TimeoutError, OSError, *MALFORMED) as error:
            mapped = delivery_error(error)
            log.info("discord delivery to %s failed: %s", target.address, mapped)
            raise mapped from error

    async def apply_access(self, target: Target, access: list[ChatAccess], pace: Pace) -> None:
        """Give or take the roles of bound channels (``core.access``: ``forget`` typed on another platform),
        see ``access.apply_roles``."""
        await apply_roles(self.client.http, int(target.address), access, pace, self._within)

    async def _within(self, request: Awaitable[T]) -> T:
        """One platform request, given up after ``timeout`` seconds (waits for our pace are not counted)."""
        return await asyncio.wait_for(request, self.timeout)

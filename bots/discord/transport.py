"""``DiscordTransport``: the delivery engine's way to send a reply on Discord.

A target is a user (``Target.address`` = user id: the DM channel is opened once and
remembered), a channel (``to_chat``: a text channel id), or a server's scheduled events
(``events:<server id>``: the core's event mirrors, see ``scheduled.py``). It uses the bot's logged-in
``discord.Client``, so pushes share its HTTP session and rate limits: discord.py's HTTP
client already follows Discord's per-route buckets and the global limit from the
``X-RateLimit-*`` headers (it waits before a request when a bucket is empty and retries
short 429s itself). A 429 longer than the client's ``max_ratelimit_timeout`` is raised here
as ``RetryAfter`` for the engine to reschedule.

Errors: 429 -> RetryAfter(retry_after); 403 code 50007 (cannot send messages to this user)
and unknown user -> Unreachable; other 403/404 (unknown channel, missing access) and 400 ->
PermanentError; 5xx, network trouble, a send that takes longer than ``timeout`` seconds, and a
malformed answer (invalid JSON, an HTML page, JSON without the documented fields: discord.py
then raises ``ValueError``/``KeyError``/``TypeError``) -> TransientError. discord.py's HTTP
session has no request timeout of its own (aiohttp's five minutes), hence ours per send.

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
from core.delivery.transport import (Pace, PermanentError, Progress, RetryAfter, Target, TransientError, Unreachable,
                                     no_pace)

from .access import role_of
from .render import render
from .scheduled import ScheduledEvents, is_mirror_address

log = logging.getLogger(__name__)
T = TypeVar("T")
CANNOT_DM = 50007
UNKNOWN_USER = 10013
NO_MENTIONS = discord.AllowedMentions.none()
SEND_TIMEOUT = 30.0  # seconds for one push (every request of it), then it is retried later
MALFORMED = (ValueError, KeyError, TypeError)


def delivery_error(error: BaseException) -> Exception:
    """The delivery contract's exception for a discord.py (or network) failure."""
    if isinstance(error, discord.RateLimited):
        return RetryAfter(float(error.retry_after), scope="chat")
    if isinstance(error, discord.HTTPException):
        if error.status == 429:
            retry = 1.0
            body = getattr(error, "response", None)
            headers = getattr(body, "headers", {}) or {}
            try:
                retry = float(headers.get("Retry-After", retry))
            except (TypeError, ValueError):
                pass
            scope = "global" if str(headers.get("X-RateLimit-Global", "")).lower() == "true" else "chat"
            return RetryAfter(retry, scope=scope)
        if error.status >= 500:
            return TransientError(f"discord {error.status}: {error.text[:200]}")
        if error.code in (CANNOT_DM, UNKNOWN_USER):
            return Unreachable(f"discord {error.status}/{error.code}: {error.text[:200]}")
        return PermanentError(f"discord {error.status}/{error.code}: {error.text[:200]}")
    if isinstance(error, (aiohttp.ClientError, asyncio.TimeoutError, OSError)):
        return TransientError(f"network: {type(error).__name__}: {error}")
    if isinstance(error, MALFORMED):
        return TransientError(f"malformed answer from Discord: {type(error).__name__}")
    return PermanentError(f"{type(error).__name__}: {error}")


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
        """Give or take the roles of bound channels (``core.access``: ``forget`` typed on another platform).

        A member no longer in the server, or a role deleted since, has nothing to take back. A role the
        bot may not manage is reported (the row fails) once every other role was tried; transient
        trouble retries the whole row later (giving or taking a role twice changes nothing).
        """
        refused: list[str] = []
        for item in access:
            role = role_of(item)
            if role is None:
                continue  # a channel bound without a role gives no access of its own
            guild_id, role_id = role
            reason = f"alumni channel {item.channel_slug}: {'joined' if item.grant else 'forgotten'}"
            await pace()
            try:
                if item.grant:
                    await self._within(self.client.http.add_role(guild_id, int(target.address), role_id, reason=reason))
                else:
                    await self._within(self.client.http.remove_role(guild_id, int(target.address), role_id, reason=reason))
            except discord.NotFound:
                log.info("role %s in guild %s: member or role gone, nothing to change", role_id, guild_id)
            except (discord.DiscordException, aiohttp.ClientError, asyncio.TimeoutError, OSError, *MALFORMED) as error:
                mapped = delivery_error(error)
                if not isinstance(mapped, PermanentError):
                    raise mapped from error
                log.warning("cannot change role %s in guild %s for %s: %s", role_id, guild_id, item.channel_slug, mapped)
                refused.append(f"{item.channel_slug}: {mapped.reason}")
        if refused:
            raise PermanentError("; ".join(refused)[:300])

    async def _within(self, request: Awaitable[T]) -> T:
        """One platform request, given up after ``timeout`` seconds (waits for our pace are not counted)."""
        return await asyncio.wait_for(request, self.timeout)

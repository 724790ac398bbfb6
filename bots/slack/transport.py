"""``SlackTransport``: how the core's delivery engine sends a reply on Slack.

A person is written to in their DM with the app (``conversations.open``, remembered per
process), a channel with ``chat.postMessage``. Block Kit rendering is the same as for
answers (``render``), so pushes are escaped the same way. slack_sdk's own retry handlers
are off: every failure is reported as a ``core.delivery.transport`` error and the engine
decides when to try again (429 -> ``RetryAfter`` with Slack's ``Retry-After``). One HTTP
session serves every push; ``close()`` ends it (the runner does, when the app stops).

A reply may be several messages (a file, then 50 blocks per message): each accepted one is
reported to the core's ``Progress`` before the next is sent, so a retry starts at the one
that failed, and each waits for the core's pace (Slack's limits count messages).
"""
from __future__ import annotations

import logging
from collections.abc import Awaitable
from typing import TypeVar

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bots.kit.refusals import Refusals
from core.messages.types import ChatAccess, FileAttachment, Reply
from core.config import Settings
from core.delivery.transport import Pace, PermanentError, Progress, Target, no_pace
from core.i18n import _, use_language

from . import access as access_rules
from . import errors
from .application import DEFAULT_BASE_URL
from .dms import DmChannels
from .render import Message, code_block, esc, render

PLATFORM = "slack"
log = logging.getLogger(__name__)
T = TypeVar("T")


class SlackTransport:
    platform = PLATFORM

    def __init__(self, token: str, *, base_url: str | None = None, client: AsyncWebClient | None = None,
                 timeout: int = 15) -> None:
        self.client = client or AsyncWebClient(token=token, base_url=base_url or DEFAULT_BASE_URL, timeout=timeout,
                                               retry_handlers=[])
        self.dms = DmChannels(self.client)
        self._own_session = client is None

    async def _connect(self) -> None:
        """One HTTP session for every push (keep-alive), opened on first use inside the running loop."""
        if self._own_session and (self.client.session is None or self.client.session.closed):
            self.client.session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.client.timeout))

    async def close(self) -> None:
        if self._own_session and self.client.session is not None and not self.client.session.closed:
            await self.client.session.close()

    @classmethod
    def from_settings(cls, settings: Settings) -> "SlackTransport":
        """The transport for ``SLACK_BOT_TOKEN`` and ``SLACK_API_URL``."""
        return cls(settings.slack_bot_token or "", base_url=settings.slack_api_url)

    async def send(self, target: Target, reply: Reply) -> None:
        await self.send_paced(target, reply, no_pace)

    async def send_paced(self, target: Target, reply: Reply, pace: Pace, progress: Progress | None = None) -> None:
        """The parts of the reply not yet out (the file, then each message), each after ``pace()``."""
        progress = progress or Progress()
        to_person = not target.to_chat
        with use_language(reply.language):
            messages = render(reply, placeholder=_("Choose…"))
        parts: list[FileAttachment | Message] = [reply.file] if reply.file is not None else []
        parts.extend(messages)
        await pace()
        await self._connect()
        channel = await self._call(self.dms.open(target.address), to_person) if to_person else target.address
        for number, (index, part) in enumerate(progress.remaining(parts)):
            if number:
                await pace()
            if isinstance(part, FileAttachment):
                await self._call(self._send_file(channel, part), to_person)
            else:
                await self._call(self.client.chat_postMessage(
                    channel=channel, text=part.text, blocks=part.blocks, unfurl_links=False, unfurl_media=False),
                    to_person)
            await progress.sent(index)

    @staticmethod
    async def _call(request: Awaitable[T], to_person: bool) -> T:
        """One platform call; every failure becomes a delivery error (pacing and progress stay outside)."""
        try:
            return await request
        except Exception as error:  # noqa: BLE001 - every failure becomes a delivery error
            raise errors.classify(error, to_person=to_person) from error

    async def apply_access(self, target: Target, access: list[ChatAccess], pace: Pace) -> None:
        """Invite to or remove from bound Slack channels (``core.access``: ``forget`` typed on another
        platform). Already in (or out) is done; a channel where the app may not do it is reported
        (the row fails) once the others were done; transient trouble retries the whole row later."""
        await self._connect()
        refused = Refusals()
        for item in access:
            await pace()
            try:
                if item.grant:
                    await self.client.conversations_invite(channel=item.chat_id, users=target.address)
                else:
                    await self.client.conversations_kick(channel=item.chat_id, user=target.address)
            except Exception as error:  # noqa: BLE001 - every failure becomes a delivery error
                code = errors.error_code(error) if isinstance(error, SlackApiError) else ""
                if code and code in (access_rules.ALREADY_IN if item.grant else access_rules.ALREADY_OUT):
                    continue
                mapped = errors.classify(error, to_person=False)
                if not isinstance(mapped, PermanentError):
                    raise mapped from error
                log.warning("cannot change Slack channel %s (%s) for a member: %s", item.chat_id, item.channel_slug, code)
                refused.add(item.channel_slug, code or mapped)
        refused.raise_any()

    async def _send_file(self, channel: str, attachment: FileAttachment) -> None:
        try:
            await self.client.files_upload_v2(channel=channel, content=attachment.content,
                                              filename=attachment.filename, title=attachment.filename)
        except SlackApiError as error:
            blocks = code_block(attachment.filename, attachment.content)
            if blocks is None or not isinstance(errors.classify(error, to_person=False), PermanentError):
                raise  # too big to show, or worth retrying later: the engine decides
            await self.client.chat_postMessage(channel=channel, text=esc(attachment.filename), blocks=blocks)
